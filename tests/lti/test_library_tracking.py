"""A launched learner who opens an e-library resource leaves an `experienced` statement; a visitor does not."""
from __future__ import annotations

import requests

from lti_tool.state import app_state
from tests.lti.test_flow import launch_as
from xapi.service import statements_by_activity
from xapi.vocabulary import Verb



def _experienced(tool) -> list[dict]:
    iri = app_state(tool.app).settings.activity_iri_base + "/mini-course/library/refugee-convention"
    with app_state(tool.app).db.sessions() as session:
        return [s for s in statements_by_activity(session, iri) if s["verb"]["id"] == Verb.EXPERIENCED]


def test_viewing_a_resource_records_experienced_for_the_launched_learner(tool, platform):
    browser, page = launch_as(platform)
    assert page.status_code == 200, page.text
    detail = browser.http.get(tool.url + "/library/mini-course/refugee-convention", timeout=10)
    assert detail.status_code == 200
    [statement] = _experienced(tool)
    assert statement["actor"]["account"] == {"homePage": platform.url, "name": "learner-1"}
    assert statement["object"]["definition"]["name"]["en"] == "Convention relating to the Status of Refugees"
    assert statement["context"]["contextActivities"]["parent"][0]["id"].endswith("/mini-course")


def test_anonymous_visitors_record_nothing(tool):
    assert requests.get(tool.url + "/library/mini-course/refugee-convention", timeout=10).status_code == 200
    assert requests.get(tool.url + "/library/mini-course/refugee-convention?launch=forged-id",
                        timeout=10).status_code == 200
    assert _experienced(tool) == []
