"""Rate limits on the anonymous endpoints, over real HTTP: N+1 requests from one address get 429 with Retry-After
(a page for people, JSON for APIs); a learner's launch at normal rates is not affected; the LRS counts only failed
authentication; with Redis the workers share one counter."""
from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import redis
import requests

from lti_tool.config import ConfigError
from lti_tool.state import app_state
from tests.conftest import empty_all_tables, make_test_app
from tests.lti.conftest import Tool, build_tool, register
from tests.lti.support import Server, launch_claims, sign
from tests.servers import free_port

ISS = "https://platform.example"
REDIS_URL = "redis://127.0.0.1:6379/7"
LRS = {"X-Experience-API-Version": "1.0.3"}


def basic(key: str, secret: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode(), **LRS}


@pytest.fixture
def serve(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """serve(**settings) -> a tool on a real port (several may share the database); all stopped at the end."""
    started: list[tuple[Server, Tool]] = []

    def start(**settings) -> Tool:  # type: ignore[no-untyped-def]
        port = free_port()
        app = build_tool(database_url, tmp_path / "instance", port, **settings)
        server = Server(app, port)
        started.append((server, Tool(app, server.url)))
        return started[-1][1]

    yield start
    for server, tool in started:
        server.close()
        app_state(tool.app).db.dispose()
    empty_all_tables(database_url)


def test_login_n_plus_one_gets_429_with_retry_after_page_and_json(serve):
    url = serve(rate_limit_anonymous="5/minute").url
    query = {"iss": ISS, "login_hint": "u"}
    answers = [requests.get(url + "/lti/login", params=query, timeout=10) for _ in range(5)]
    assert {a.status_code for a in answers} == {404}  # an unknown platform: refused, but counted
    assert not any("Retry-After" in a.headers for a in answers)  # only a refusal tells the client to wait
    page = requests.get(url + "/lti/login", params=query, timeout=10)
    assert page.status_code == 429 and 0 < int(page.headers["Retry-After"]) <= 60
    assert "text/html" in page.headers["Content-Type"] and "Too many requests" in page.text
    assert "Wait a moment, then try again." in page.text
    api = requests.get(url + "/lti/login", params=query, headers={"Accept": "application/json"}, timeout=10)
    assert api.status_code == 429 and api.json()["message"].startswith("Too many requests")
    assert requests.post(url + "/lti/launch", data={"id_token": "x"}, timeout=10).status_code == 400  # own counter


def test_launch_and_registration_are_limited_too(serve):
    url = serve(rate_limit_anonymous="3/minute").url
    assert [requests.post(url + "/lti/launch", data={}, timeout=10).status_code for _ in range(4)] == [400] * 3 + [429]
    assert [requests.get(url + "/lti/register", timeout=10).status_code for _ in range(4)] == [400] * 3 + [429]


def test_a_learners_launch_at_normal_rates_is_not_affected(serve, jwks_server):
    tool = serve(rate_limit_anonymous="5/minute")
    url = tool.url
    register(tool.app, ISS, "client-1", "dep-1", jwks_server + "/jwks")
    for learner in ("learner-1", "learner-2", "learner-3"):  # three launches a minute from one school's address
        browser = requests.Session()
        login = browser.get(url + "/lti/login", params={"iss": ISS, "login_hint": learner, "client_id": "client-1"},
                            allow_redirects=False, timeout=10)
        assert login.status_code == 302, login.text
        auth = parse_qs(urlsplit(login.headers["Location"]).query)
        claims = launch_claims(ISS, "client-1", auth["nonce"][0], sub=learner)
        launched = browser.post(url + "/lti/launch", data={"id_token": sign(claims), "state": auth["state"][0]},
                                timeout=10)
        assert launched.status_code == 200 and "Refugee protection essentials" in launched.text
        for _ in range(10):  # pages of a launch are never limited
            assert browser.get(url + "/play/", timeout=10).status_code == 200


def test_lrs_counts_only_failed_authentication(serve):
    url = serve(rate_limit_lrs_auth_failures="3/minute", lrs_default_key="key", lrs_default_secret="secret").url
    for _ in range(8):  # a working client is never counted
        assert requests.get(url + "/xapi/activities/state", headers=basic("key", "secret"), timeout=10,
                            params={"activityId": "http://x.example/a", "stateId": "s",
                                    "agent": '{"mbox": "mailto:a@example.org"}'}).status_code in (200, 404)
    wrong = [requests.get(url + "/xapi/statements", headers=basic("key", "guess"), timeout=10) for _ in range(4)]
    assert [w.status_code for w in wrong] == [401] * 3 + [429]
    assert int(wrong[-1].headers["Retry-After"]) > 0 and wrong[-1].json()["message"].startswith("Too many")


def test_workers_share_the_counter_in_redis(serve):
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    for key in client.scan_iter("LIMITS*"):
        client.delete(key)
    first, second = (serve(redis_url=REDIS_URL, rate_limit_anonymous="4/minute").url for _ in range(2))
    statuses = [requests.get(url + "/lti/register", timeout=10).status_code for url in (first, second) * 3]
    assert statuses == [400] * 4 + [429, 429]


def test_memory_counter_without_redis_and_a_switch_to_turn_limits_off(serve):
    off = serve(rate_limits=False, rate_limit_anonymous="1/minute").url
    assert {requests.get(off + "/lti/register", timeout=10).status_code for _ in range(5)} == {400}


@pytest.mark.parametrize("setting", ["rate_limit_anonymous", "rate_limit_lrs_auth_failures"])
def test_unreadable_limits_are_a_configuration_error(tmp_path, setting):
    with pytest.raises(ConfigError, match=f"MIRCO_{setting.upper()}"):
        make_test_app("sqlite://", tmp_path / "instance", **{setting: "lots please"})


def test_redis_down_falls_back_to_counting_in_memory(serve):
    url = serve(redis_url="redis://127.0.0.1:1/0", rate_limit_anonymous="2/minute").url
    assert [requests.get(url + "/lti/register", timeout=30).status_code for _ in range(3)] == [400, 400, 429]
