"""Anonymous OIDC login writes nothing: the state is a signed token holding the nonce; the launch marks it used only
once the id_token is valid. Over real HTTP, with the database store and with Redis."""
from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
import redis
import requests
from sqlalchemy import func, select

from lti_tool.lti import flow
from lti_tool.models import LaunchStoreEntry
from lti_tool.state import app_state
from tests.lti.conftest import register
from tests.lti.support import launch_claims, sign

ISS = "https://platform.example"
REDIS_URL = "redis://127.0.0.1:6379/6"


def store_rows(app) -> int:  # type: ignore[no-untyped-def]
    with app_state(app).db.sessions() as session:
        return session.scalar(select(func.count()).select_from(LaunchStoreEntry))


def login(tool, browser: requests.Session, **extra: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    answer = browser.get(tool.url + "/lti/login", allow_redirects=False, timeout=10, params={
        "iss": ISS, "login_hint": "learner-1", "client_id": "client-1", **extra})
    assert answer.status_code == 302, answer.text
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    return query["state"][0], query["nonce"][0]


@pytest.fixture
def lms(tool, jwks_server):  # type: ignore[no-untyped-def]
    register(tool.app, ISS, "client-1", "dep-1", jwks_server + "/jwks")
    return tool


def test_a_flood_of_anonymous_logins_writes_nothing(lms):
    for _ in range(40):
        login(lms, requests.Session(), lti_message_hint="x" * 200)
    assert store_rows(lms.app) == 0


def test_state_is_single_use_and_spent_only_by_a_valid_launch(lms):
    browser = requests.Session()
    state, nonce = login(lms, browser)
    forged = browser.post(lms.url + "/lti/launch", timeout=10, allow_redirects=False, data={
        "id_token": sign(launch_claims(ISS, "client-1", nonce), "attacker"), "state": state})
    assert forged.status_code in (400, 401) and store_rows(lms.app) == 0  # a bad id_token spends nothing
    token = sign(launch_claims(ISS, "client-1", nonce))
    first = browser.post(lms.url + "/lti/launch", data={"id_token": token, "state": state}, timeout=10,
                         allow_redirects=False)
    assert first.status_code == 303 and store_rows(lms.app) == 1  # the used state, until it expires
    again = browser.post(lms.url + "/lti/launch", data={"id_token": token, "state": state}, timeout=10,
                         allow_redirects=False)
    assert again.status_code == 400 and "already used" in again.text


def test_tampered_or_expired_state_is_refused(lms, monkeypatch):
    browser = requests.Session()
    state, nonce = login(lms, browser)
    token = sign(launch_claims(ISS, "client-1", nonce))
    tampered = state[:-2] + ("BB" if state.endswith("AA") else "AA")
    browser.cookies.clear()
    refused = requests.post(lms.url + "/lti/launch", data={"id_token": token, "state": tampered}, timeout=10)
    assert refused.status_code == 400 and "unknown state" in refused.text
    monkeypatch.setattr(flow, "STATE_TTL", -1)  # the state is older than its lifetime
    expired = requests.post(lms.url + "/lti/launch", data={"id_token": token, "state": state}, timeout=10)
    assert expired.status_code == 400 and "unknown state" in expired.text
    assert store_rows(lms.app) == 0


def test_nonce_must_be_the_one_signed_into_the_state(lms):
    browser = requests.Session()
    state, _ = login(lms, browser)
    _, other_nonce = login(lms, browser)
    answer = browser.post(lms.url + "/lti/launch", timeout=10, data={
        "id_token": sign(launch_claims(ISS, "client-1", other_nonce)), "state": state})
    assert answer.status_code == 400 and store_rows(lms.app) == 0


def test_oversized_login_is_refused_before_a_state_is_made(lms):
    answer = requests.get(lms.url + "/lti/login", timeout=10, params={  # within each parameter's limit
        "iss": ISS, "login_hint": secrets.token_hex(2000), "client_id": "client-1",
        "lti_message_hint": secrets.token_hex(2000)})
    assert answer.status_code == 413 and "too large" in answer.text


def test_with_redis_a_login_writes_nothing_and_a_launch_one_expiring_key(database_url, tmp_path, jwks_server):
    from tests.lti.conftest import build_tool
    from tests.lti.support import Server
    from tests.servers import free_port

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    port = free_port()
    app = build_tool(database_url, tmp_path / "instance", port, redis_url=REDIS_URL)
    register(app, ISS, "client-1", "dep-1", jwks_server + "/jwks")
    server = Server(app, port)
    try:
        browser = requests.Session()
        tool = type("Tool", (), {"url": server.url})
        for _ in range(20):
            state, nonce = login(tool, browser)
        assert client.keys("mirco:lti:*") == []  # (the rate limiter keeps one expiring counter per address)
        done = browser.post(server.url + "/lti/launch", data={
            "id_token": sign(launch_claims(ISS, "client-1", nonce)), "state": state}, timeout=10,
            allow_redirects=False)
        assert done.status_code == 303
        (key,) = client.keys("mirco:lti:*")
        assert 0 < client.ttl(key) <= flow.STATE_TTL
    finally:
        server.close()
        app_state(app).db.dispose()
        client.flushdb()
