"""Deep-linking picker and response: what an instructor may pick, and refusals of hostile picks."""
from __future__ import annotations

import jwt
import lxml.html
import pytest

from lti_tool import keys
from lti_tool.state import app_state
from tests.lti.support import INSTRUCTOR, LTI, launch_claims, login, row_counts, sign

ISS = "https://platform.example"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"


def deep_link_launch(app, accept_multiple: bool = True):  # type: ignore[no-untyped-def]
    client = app.test_client()
    answer = login(client, ISS, "client-1")
    claims = launch_claims(ISS, "client-1", answer.nonce, sub="teacher-1", lti_roles=[INSTRUCTOR],
                           lti_message_type="LtiDeepLinkingRequest", lti_resource_link=None, lti_custom=None,
                           **{DL: {"deep_link_return_url": "https://platform.example/dl-return",
                                   "accept_types": ["ltiResourceLink"], "data": "opaque-123",
                                   "accept_presentation_document_targets": ["iframe"],
                                   "accept_multiple": accept_multiple}})
    response = client.post("/lti/launch", data={"id_token": sign(claims), "state": answer.state})
    assert response.status_code == 303, response.get_data(as_text=True)
    return client, response.location.split("launch=")[1]


def test_signed_response_names_the_content_and_line_item(tool_app):
    client, launch = deep_link_launch(tool_app)
    picker = client.get(f"/lti/deep-link/?launch={launch}")
    assert picker.status_code == 200 and 'value="mini-course/m1-basics"' in picker.get_data(as_text=True)
    page = client.post("/lti/deep-link/", data={"launch": launch, "item": ["mini-course", "mini-course/m1-basics"]})
    form = lxml.html.fromstring(page.get_data(as_text=True)).get_element_by_id("deep-link-return")
    assert form.get("action") == "https://platform.example/dl-return"
    token = form.find(".//input").get("value")
    with app_state(tool_app).db.sessions() as session:
        public = keys.signing_key(session, app_state(tool_app).settings.keys_path).public_pem
    body = jwt.decode(token, public, algorithms=["RS256"], audience=ISS)
    assert body["iss"] == "client-1" and body[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert body["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-123"
    items = body["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert [i["custom"] for i in items] == [{"course": "mini-course"}, {"course": "mini-course", "module": "m1-basics"}]
    assert all(i["type"] == "ltiResourceLink" and i["lineItem"]["scoreMaximum"] == 100 for i in items)
    assert items[1]["lineItem"]["resourceId"] == "mini-course/m1-basics"


@pytest.mark.parametrize("items, words", [
    ([], "at least one"), (["no-such-course"], "unknown"), (["mini-course/m1-basics/nope"], "unknown"),
    (["mini-course/a/b/c"], "unknown"), (["mini-course"] * 51, "at most 50")])
def test_hostile_picks_are_refused(tool_app, items, words):
    client, launch = deep_link_launch(tool_app)
    before = row_counts(tool_app)
    response = client.post("/lti/deep-link/", data={"launch": launch, "item": items})
    assert response.status_code == 400 and words in response.get_data(as_text=True)
    assert row_counts(tool_app) == before


def test_single_item_platform_refuses_two(tool_app):
    client, launch = deep_link_launch(tool_app, accept_multiple=False)
    assert 'type="radio"' in client.get(f"/lti/deep-link/?launch={launch}").get_data(as_text=True)
    response = client.post("/lti/deep-link/", data={"launch": launch, "item": ["mini-course", "mini-course/m1-basics"]})
    assert response.status_code == 400 and "only one" in response.get_data(as_text=True)


def test_learner_cannot_pick(tool_app):
    client = tool_app.test_client()
    answer = login(client, ISS, "client-1")
    response = client.post("/lti/launch", data={"id_token": sign(launch_claims(ISS, "client-1", answer.nonce)),
                                                 "state": answer.state})
    launch = response.location.split("launch=")[1]
    assert client.post("/lti/deep-link/", data={"launch": launch, "item": ["mini-course"]}).status_code == 403


def test_a_refusal_speaks_the_instructors_language(tool_app):
    """Deep-linking refusals are written with `_l()`: the catalog's text (hr), not English marked lang="en"."""
    client, launch = deep_link_launch(tool_app, accept_multiple=False)
    response = client.post("/lti/deep-link/?lang=hr",
                           data={"launch": launch, "item": ["mini-course", "mini-course/m1-basics"]})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Neispravan zahtjev" in html
    assert "Platforma ovdje prihvaća samo jednu stavku; odaberite samo jednu." in html
    assert "pick only one" not in html and '<p class="error-message" role="alert">' in html  # no lang="en"
