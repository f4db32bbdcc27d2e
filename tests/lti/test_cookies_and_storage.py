"""Cookies for cross-site iframes (Secure; SameSite=None; Partitioned), the LTI postMessage storage when the
platform offers it, and the way back in through the platform when the browser refuses the cookie even partitioned."""
from __future__ import annotations

import json

import lxml.html
from urllib.parse import parse_qs, urlsplit

from tests.lti.conftest import build_tool, register
from tests.lti.support import launch_claims, login, row_counts, sign
from lti_tool.state import app_state
from tests.conftest import empty_all_tables

ISS = "https://platform.example"


def test_state_and_session_cookies_are_secure_samesite_none_partitioned(database_url, tmp_path, jwks_server):
    app = build_tool(database_url, tmp_path / "instance", 5000, secure_cookies=True)
    register(app, ISS, "client-1", "dep-1", jwks_server + "/jwks")
    client = app.test_client()
    response = client.get("/lti/login", query_string={"iss": ISS, "login_hint": "u", "client_id": "client-1"})
    state_cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("lti1p3-state-"))
    for attribute in ("Secure", "SameSite=None", "Partitioned", "HttpOnly"):
        assert attribute in state_cookie
    assert app.config["SESSION_COOKIE_SAMESITE"] == "None" and app.config["SESSION_COOKIE_PARTITIONED"]
    app_state(app).db.dispose()
    empty_all_tables(database_url)


def test_postmessage_storage_when_cookies_are_blocked(tool_app):
    browser = tool_app.test_client()
    page = browser.get("/lti/login", query_string={"iss": ISS, "login_hint": "learner-1", "client_id": "client-1",
                                                    "lti_storage_target": "_parent"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "lti.put_data" in text and "https://platform.example/authorize" in text
    query = parse_qs(urlsplit(json.loads(text.split("authUrl = ")[1].split(";")[0])).query)
    state, nonce = query["state"][0], query["nonce"][0]
    token = sign(launch_claims(ISS, "client-1", nonce))
    blocked = tool_app.test_client()  # the iframe that never got the cookie
    before = row_counts(tool_app)
    ask = blocked.post("/lti/launch", data={"id_token": token, "state": state})
    assert ask.status_code == 200 and "lti.get_data" in ask.get_data(as_text=True)
    assert row_counts(tool_app) == before
    wrong = blocked.post("/lti/launch", data={"id_token": token, "state": state, "lti_storage_state": "state-x"})
    assert wrong.status_code == 401 and row_counts(tool_app) == before
    done = blocked.post("/lti/launch", data={"id_token": token, "state": state, "lti_storage_state": state})
    assert done.status_code == 303, done.get_data(as_text=True)
    assert row_counts(tool_app)["lti_launch"] == 1


def refused_without_cookie(app, issuer: str, **login_extra: str):  # type: ignore[no-untyped-def]
    """Log in with one client, launch from another that never got the state cookie (the refusing iframe)."""
    answer = login(app.test_client(), issuer, "client-1", **login_extra)
    refused = app.test_client().post("/lti/launch", data={
        "id_token": sign(launch_claims(issuer, "client-1", answer.nonce)), "state": answer.state})
    assert refused.status_code == 401
    return lxml.html.fromstring(refused.get_data(as_text=True))


def test_cookie_refused_by_moodle_offers_moodles_launch_page_not_a_replayed_hint(tool_app, jwks_server):
    moodle = "https://moodle.example/school"
    register(tool_app, moodle, "client-1", "dep-1", jwks_server + "/jwks", auth_path="/mod/lti/auth.php")
    hint = json.dumps({"cmid": 42, "launchid": "ltilaunch7_1298721"})
    doc = refused_without_cookie(tool_app, moodle, lti_message_hint=hint)
    (link,) = doc.xpath("//a[@id='relaunch']")
    assert link.get("href") == "https://moodle.example/school/mod/lti/launch.php?id=42"
    assert link.get("target") == "_blank" and "new window" in link.text_content()
    page = lxml.html.tostring(doc, encoding="unicode")
    assert "ltilaunch7" not in page and "login_hint" not in page and "/lti/login" not in page


def test_cookie_refused_elsewhere_sends_the_learner_to_the_platform_site(tool_app):
    doc = refused_without_cookie(tool_app, ISS, lti_message_hint="resource:learner-1:link-1")
    assert not doc.xpath("//a[@id='relaunch']")
    (link,) = doc.xpath("//a[@id='platform-site']")
    assert link.get("href") == "https://platform.example/" and link.get("target") == "_blank"
    assert "/lti/login" not in lxml.html.tostring(doc, encoding="unicode")


def test_login_bad_input(tool_app):
    client = tool_app.test_client()
    cases = [({}, 400), ({"iss": ISS}, 400), ({"iss": "https://unknown.example", "login_hint": "u"}, 404),
             ({"iss": ISS, "login_hint": "u", "target_link_uri": "https://evil.example/x"}, 400),
             ({"iss": ISS, "login_hint": "x" * 5000}, 413)]
    for query, status in cases:
        response = client.get("/lti/login", query_string=query)
        assert response.status_code == status, (query, response.get_data(as_text=True)[:300])
        assert "<h1>" in response.get_data(as_text=True)
    assert client.post("/lti/login", data={"iss": ISS, "login_hint": "u", "client_id": "client-1"}).status_code == 302


def test_storage_page_offers_the_platforms_launch_page_should_the_storage_not_answer(tool_app, jwks_server):
    moodle = "https://moodle.example"
    register(tool_app, moodle, "client-1", "dep-1", jwks_server + "/jwks", auth_path="/mod/lti/auth.php")
    page = tool_app.test_client().get("/lti/login", query_string={
        "iss": moodle, "login_hint": "2", "client_id": "client-1", "lti_storage_target": "_parent",
        "lti_message_hint": json.dumps({"cmid": 7, "launchid": "ltilaunch1_5"})}).get_data(as_text=True)
    query = parse_qs(urlsplit(json.loads(page.split("authUrl = ")[1].split(";")[0])).query)
    ask = tool_app.test_client().post("/lti/launch", data={
        "id_token": sign(launch_claims(moodle, "client-1", query["nonce"][0])), "state": query["state"][0]})
    doc = lxml.html.fromstring(ask.get_data(as_text=True))
    assert ask.status_code == 200 and doc.get_element_by_id("fallback").get("hidden") is not None
    (link,) = doc.xpath("//div[@id='fallback']//a[@id='relaunch']")
    assert link.get("href") == "https://moodle.example/mod/lti/launch.php?id=7"
