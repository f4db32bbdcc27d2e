"""An activity added in the platform without choosing content: its instructor picks the content right there (the
deep-linking picker's choices), kept on the resource link; its learners are told to come back later and can never
choose. Over real HTTP through the test platform."""
from __future__ import annotations

import lxml.html
import pytest
from sqlalchemy import select

from lti_tool.models import LtiResourceLink
from lti_tool.state import app_state
from scorm.models import ScormPackage
from tests.lti.test_flow import launch_as
from tests.scorm.conftest import MircoRunner
from tests.scorm.factories import scorm12_package

BARE = "link-bare"


@pytest.fixture
def bare(platform):
    """The platform offers a link whose activity was added without content (no custom parameters)."""
    platform.state.links[BARE] = {"title": "MIRCO activity", "custom": {}, "lineitem": None}
    return platform


def _link(tool) -> LtiResourceLink:
    with app_state(tool.app).db.sessions() as session:
        return session.scalars(select(LtiResourceLink).where(LtiResourceLink.resource_link_id == BARE)).one()


def _launch_id(page) -> str:
    return lxml.html.fromstring(page.text).forms[-1].fields["launch"]


def test_learner_sees_a_friendly_page_and_cannot_choose(tool, bare):
    browser, page = launch_as(bare, "learner-1", BARE)
    assert page.status_code == 200 and "Your teacher has not chosen the content of this activity yet" in page.text
    assert "<form method=\"post\"" not in page.text and "add the activity again" not in page.text
    launch_id = page.url.split("launch=")[1]
    refused = browser.http.post(tool.url + "/play/content", data={"launch": launch_id, "item": "mini-course"},
                                timeout=10)
    assert refused.status_code == 403
    assert _link(tool).course_id is None


def test_instructor_picks_a_module_and_goes_on_into_it_then_learners_open_it(tool, bare):
    browser, page = launch_as(bare, "teacher-1", BARE)
    assert page.status_code == 200 and "Choose what this activity opens" in page.text
    values = lxml.html.fromstring(page.text).xpath("//input[@name='item']/@value")
    assert {"mini-course", "mini-course/m1-basics", "mini-course/m1-basics/m1-l1-definition"} <= set(values)
    opened = browser.submit(page, None, item="mini-course/m1-basics")
    assert opened.status_code == 200 and opened.url.startswith(tool.url + "/play/")
    assert "Contents" in opened.text and "The refugee definition" in opened.text
    link = _link(tool)
    assert (link.course_id, link.module_id, link.lesson_id) == ("mini-course", "m1-basics", None)
    _, learner_page = launch_as(bare, "learner-1", BARE)
    assert learner_page.status_code == 200 and "The refugee definition" in learner_page.text
    assert "has not chosen" not in learner_page.text


def test_instructor_picks_a_lesson_and_lands_on_it(tool, bare):
    browser, page = launch_as(bare, "teacher-1", BARE)
    opened = browser.submit(page, None, item="mini-course/m1-basics/m1-l2-non-refoulement")
    assert opened.status_code == 200 and "/play/lesson/m1-basics/m1-l2-non-refoulement" in opened.url
    assert _link(tool).lesson_id == "m1-l2-non-refoulement"


def test_instructor_picks_an_imported_package(tool, bare, tmp_path):
    imported = MircoRunner(tool.app).invoke(["packages", "import", str(scorm12_package(tmp_path / "p.zip"))])
    assert imported.exit_code == 0, imported.output
    with app_state(tool.app).db.sessions() as session:
        package_id = session.scalars(select(ScormPackage.id)).one()
    browser, page = launch_as(bare, "teacher-1", BARE)
    assert f"pkg:{package_id}" in lxml.html.fromstring(page.text).xpath("//input[@name='item']/@value")
    opened = browser.submit(page, None, item=f"pkg:{package_id}")
    assert opened.status_code == 200 and opened.url.startswith(tool.url + "/scorm/"), opened.url
    assert _link(tool).course_id == f"pkg:{package_id}"


HOSTILE = ["nope", "mini-course/nope", "mini-course/m1-basics/nope", "mini-course/m1-basics/m1-l1-definition/extra",
           "pkg:" + "0" * 32, "pkg:../../etc/passwd", "pkg:", "", "/", "mini-course/", "../mini-course", "a" * 5000,
           "mini-course\x00", "MINI-COURSE", "mini-course/m1-basics\n"]


def test_unknown_or_hostile_choices_are_refused_and_change_nothing(tool, bare):
    browser, page = launch_as(bare, "teacher-1", BARE)
    for item in HOSTILE:
        refused = browser.http.post(tool.url + "/play/content", data={"launch": _launch_id(page), "item": item},
                                    timeout=10)
        assert refused.status_code == 400 and "Pick one item from the list" in refused.text, item
    assert _link(tool).course_id is None


def test_the_choice_must_name_the_launch_and_cannot_reset_a_linked_activity(tool, bare):
    browser, page = launch_as(bare, "teacher-1", BARE)
    without = browser.http.post(tool.url + "/play/content", data={"item": "mini-course"}, timeout=10)
    assert without.status_code == 401, "a POST must name its launch (a forged form cannot)"
    forged = browser.http.post(tool.url + "/play/content", data={"launch": "0" * 32, "item": "mini-course"},
                               timeout=10)
    assert forged.status_code == 401
    no_item = browser.http.post(tool.url + "/play/content", data={"launch": _launch_id(page)}, timeout=10)
    assert no_item.status_code == 400
    assert browser.submit(page, None, item="mini-course").status_code == 200
    again = browser.http.post(tool.url + "/play/content",
                              data={"launch": _launch_id(page), "item": "mini-course/m1-basics"}, timeout=10)
    assert again.status_code == 409 and _link(tool).module_id is None
    linked = browser.http.get(tool.url + "/play/", timeout=10)
    assert "Choose what this activity opens" not in linked.text


def test_a_linked_activity_shows_no_picker(tool, platform):
    browser, page = launch_as(platform, "teacher-1")
    assert page.status_code == 200 and "Choose what this activity opens" not in page.text
    refused = browser.http.post(tool.url + "/play/content",
                                data={"launch": page.url.split("launch=")[1], "item": "mini-course"}, timeout=10)
    assert refused.status_code == 409
