"""Hostile and broken launches: each is refused with a 4xx, a readable page saying why, and no row written."""
from __future__ import annotations

import time

import pytest

from tests.lti.conftest import register
from tests.lti.support import INSTRUCTOR, launch_claims, login, row_counts, rsa_key, sign

ISS = "https://platform.example"


@pytest.fixture
def client(tool_app):
    return tool_app.test_client()


def post_launch(client, token: str, state: str):
    return client.post("/lti/launch", data={"id_token": token, "state": state})


def assert_refused(app, client, response, before: dict, *words: str, status: int | None = None) -> None:
    text = response.get_data(as_text=True)
    assert 400 <= response.status_code < 500, (response.status_code, text[:500])
    if status:
        assert response.status_code == status
    assert "<h1>" in text and "Traceback" not in text
    for word in words:
        assert word.lower() in text.lower(), (word, text[:2000])
    assert row_counts(app) == before


def attempt(app, client, *words: str, status: int | None = None, key: str = "platform", alg: str = "RS256",
            kid: str | None = None, login_client: str = "client-1", **claims):
    answer = login(client, ISS, login_client)
    before = row_counts(app)
    token = sign(launch_claims(ISS, "client-1", answer.nonce, **claims), key, alg=alg, kid=kid)
    assert_refused(app, client, post_launch(client, token, answer.state), before, *words, status=status)


def test_valid_launch_is_accepted(tool_app, client):
    """The baseline the hostile cases differ from: the same crafted launch, untouched, gets in."""
    answer = login(client, ISS, "client-1")
    response = post_launch(client, sign(launch_claims(ISS, "client-1", answer.nonce)), answer.state)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert row_counts(tool_app)["lti_launch"] == 1


def test_bad_signature(tool_app, client):
    attempt(tool_app, client, "signature", key="attacker", kid=rsa_key("platform")[2])


def test_alg_none(tool_app, client):
    attempt(tool_app, client, "public key", alg="none")


def test_hs256_signed_with_public_key(tool_app, client):
    attempt(tool_app, client, "public key", alg="HS256")


def test_unknown_kid(tool_app, client):
    attempt(tool_app, client, "public key", kid="no-such-kid")


@pytest.mark.parametrize("path, words", [("http://127.0.0.1:1/jwks", "cannot be reached"),
                                          ("/garbage", "not JSON"), ("/not-a-key-set", "not a JSON Web Key Set")])
def test_platform_key_set_broken(tool_app, client, jwks_server, path, words):
    url = path if path.startswith("http") else jwks_server + path
    register(tool_app, "https://broken.example", "client-b", "dep-1", url)
    answer = login(client, "https://broken.example", "client-b")
    before = row_counts(tool_app)
    token = sign(launch_claims("https://broken.example", "client-b", answer.nonce))
    assert_refused(tool_app, client, post_launch(client, token, answer.state), before, words)


def test_wrong_issuer(tool_app, client):
    attempt(tool_app, client, "registration", iss="https://evil.example")


def test_wrong_audience(tool_app, client):
    attempt(tool_app, client, "registration", aud="someone-else", azp="someone-else")


def test_audience_list_without_azp(tool_app, client):
    attempt(tool_app, client, "azp", aud=["client-1", "other-tool"], azp=None)


def test_wrong_azp(tool_app, client):
    attempt(tool_app, client, "azp", azp="other-tool")


def test_unknown_deployment(tool_app, client):
    attempt(tool_app, client, "deployment", lti_deployment_id="dep-unknown")


def test_expired_token(tool_app, client):
    attempt(tool_app, client, "expired", exp=int(time.time()) - 60, iat=int(time.time()) - 400)


def test_token_not_yet_valid(tool_app, client):
    attempt(tool_app, client, "not yet valid", nbf=int(time.time()) + 600)


def test_token_issued_in_the_future(tool_app, client):
    attempt(tool_app, client, "not yet valid", iat=int(time.time()) + 600)


def test_replayed_token_and_nonce(tool_app, client):
    answer = login(client, ISS, "client-1")
    token = sign(launch_claims(ISS, "client-1", answer.nonce))
    assert post_launch(client, token, answer.state).status_code == 303
    before = row_counts(tool_app)
    assert_refused(tool_app, client, post_launch(client, token, answer.state), before, "already used")


def test_replayed_nonce_with_a_fresh_state(tool_app, client):
    first = login(client, ISS, "client-1")
    assert post_launch(client, sign(launch_claims(ISS, "client-1", first.nonce)), first.state).status_code == 303
    second = login(client, ISS, "client-1")
    before = row_counts(tool_app)
    response = post_launch(client, sign(launch_claims(ISS, "client-1", first.nonce)), second.state)
    assert_refused(tool_app, client, response, before, "nonce")


def test_missing_state(tool_app, client):
    answer = login(client, ISS, "client-1")
    before = row_counts(tool_app)
    response = client.post("/lti/launch", data={"id_token": sign(launch_claims(ISS, "client-1", answer.nonce))})
    assert_refused(tool_app, client, response, before, "no state")


def test_forged_state(tool_app, client):
    answer = login(client, ISS, "client-1")
    before = row_counts(tool_app)
    response = post_launch(client, sign(launch_claims(ISS, "client-1", answer.nonce)), "state-forged")
    assert_refused(tool_app, client, response, before, "unknown state")


def test_state_cookie_missing_offers_new_window(tool_app, client):
    answer = login(client, ISS, "client-1")
    before = row_counts(tool_app)
    other_browser = tool_app.test_client()  # same state, but a browser without the state cookie
    response = post_launch(other_browser, sign(launch_claims(ISS, "client-1", answer.nonce)), answer.state)
    assert_refused(tool_app, other_browser, response, before, "cookie", "new window", status=401)
    assert "/lti/login" not in response.get_data(as_text=True)  # never a replay of the platform's one-time hint


@pytest.mark.parametrize("claim, words", [
    ("sub", "sub"), ("lti_roles", "roles"), ("lti_resource_link", "resource link"), ("nonce", "nonce"),
    ("lti_deployment_id", "deployment"), ("lti_message_type", "message type"), ("exp", "exp")])
def test_missing_required_claim(tool_app, client, claim, words):
    attempt(tool_app, client, words, **{claim: None})


def test_wrong_message_type(tool_app, client):
    attempt(tool_app, client, "message type", lti_message_type="LtiStartProctoring")


def test_wrong_version(tool_app, client):
    attempt(tool_app, client, "version", lti_version="1.1")


def test_malformed_claim_shape(tool_app, client):
    attempt(tool_app, client, "malformed", lti_resource_link="not-an-object")


def test_identifier_too_long(tool_app, client):
    attempt(tool_app, client, "longer than 255", sub="x" * 300)


def test_token_for_another_registration_than_the_login(tool_app, client, jwks_server):
    register(tool_app, ISS, "client-2", "dep-1", jwks_server + "/jwks")
    attempt(tool_app, client, "another registration", login_client="client-2")


def test_oversized_token(tool_app, client):
    answer = login(client, ISS, "client-1")
    before = row_counts(tool_app)
    token = sign(launch_claims(ISS, "client-1", answer.nonce, padding="x" * 100_000))
    assert_refused(tool_app, client, post_launch(client, token, answer.state), before, "larger", status=413)


def test_token_not_a_jwt(tool_app, client):
    answer = login(client, ISS, "client-1")
    before = row_counts(tool_app)
    assert_refused(tool_app, client, post_launch(client, "abc.def", answer.state), before, "3 parts")


def test_missing_id_token(tool_app, client):
    before = row_counts(tool_app)
    assert_refused(tool_app, client, client.post("/lti/launch", data={"state": "x"}), before, "no id_token")


def test_launch_by_get_is_refused(tool_app, client):
    before = row_counts(tool_app)
    assert_refused(tool_app, client, client.get("/lti/launch"), before, "platform posts", status=405)


def test_another_platforms_resource_link_stays_isolated(tool_app, client, jwks_server):
    """Two platforms use the same resource link id: the second never sees what the first linked."""
    register(tool_app, "https://other.example", "client-x", "dep-1", jwks_server + "/jwks")
    answer = login(client, ISS, "client-1")
    assert post_launch(client, sign(launch_claims(ISS, "client-1", answer.nonce)), answer.state).status_code == 303
    other = tool_app.test_client()
    answer = login(other, "https://other.example", "client-x")
    claims = launch_claims("https://other.example", "client-x", answer.nonce, lti_custom=None)
    response = post_launch(other, sign(claims), answer.state)
    assert response.status_code == 303
    page = other.get(response.location)
    assert page.status_code == 200 and "has not chosen the content" in page.get_data(as_text=True)
    mine = client.get("/play/")  # the first platform's learner still gets the course linked there
    assert mine.status_code == 200 and "Refugee protection essentials" in mine.get_data(as_text=True)


def test_launch_id_of_another_user_is_not_a_key_to_instructor_pages(tool_app, client):
    answer = login(client, ISS, "client-1")
    post_launch(client, sign(launch_claims(ISS, "client-1", answer.nonce)), answer.state)
    before = row_counts(tool_app)
    for page in ("/play/members", "/lti/deep-link/"):
        response = client.get(page)
        assert_refused(tool_app, client, response, before, "instructors", status=403)


def test_no_launch_no_player(tool_app):
    response = tool_app.test_client().get("/play/")
    assert response.status_code == 401 and "launch it from there" in response.get_data(as_text=True)


def test_instructor_launch_reaches_instructor_pages(tool_app, client):
    answer = login(client, ISS, "client-1")
    claims = launch_claims(ISS, "client-1", answer.nonce, sub="teacher-1", lti_roles=[INSTRUCTOR])
    assert post_launch(client, sign(claims), answer.state).status_code == 303
    response = client.get("/lti/deep-link/")
    assert response.status_code == 400 and "deep linking" in response.get_data(as_text=True)


def test_forged_cross_site_post_without_launch_id_is_refused(tool_app, client):
    """The session cookie is SameSite=None: a foreign page could post with it, but cannot know the launch id."""
    answer = login(client, ISS, "client-1")
    post_launch(client, sign(launch_claims(ISS, "client-1", answer.nonce)), answer.state)
    assert client.get("/play/").status_code == 200  # reading with the session cookie alone is fine
    before = row_counts(tool_app)
    response = client.post("/play/quiz/m1-quiz", data={"q-q1": "b"})
    assert_refused(tool_app, client, response, before, "launch it from there", status=401)


def test_target_link_uri_other_than_the_login_asked_for(tool_app, client):
    attempt(tool_app, client, "target_link_uri", lti_target_link_uri="http://127.0.0.1:5000/lti/elsewhere")
