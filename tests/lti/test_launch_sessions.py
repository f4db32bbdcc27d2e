"""A launch is held by the browser that made it, over real HTTP: the session cookie binds it; links and forms name it
with a signed token that is useless without that cookie, or (cookies blocked in the platform's iframe) a bearer
token that expires. Raw launch ids are refused; launches close after the idle and the absolute lifetime."""
from __future__ import annotations

import http.cookiejar
import json
import time
from datetime import timedelta
from urllib.parse import parse_qs, urljoin, urlsplit

import lxml.html
import pytest
import requests
from sqlalchemy import update

from lti_tool import launch_tokens
from lti_tool.config import ConfigError, load_settings
from lti_tool.launch_tokens import TokenKind
from lti_tool.models import LtiLaunch, utcnow
from lti_tool.state import app_state
from tests.lti.conftest import register
from tests.lti.support import INSTRUCTOR, launch_claims, launch_token, sign

ISS = "https://platform.example"
LESSON = "/play/lesson/m1-basics/m1-l1-definition"


class Clock:
    """`time` for the launch code, `offset` seconds ahead of the real one (the server runs in this process)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    fake = Clock()
    monkeypatch.setattr("lti_tool.launch_tokens.time", fake)
    monkeypatch.setattr("lti_tool.identity.time", fake)
    return fake


@pytest.fixture
def lms(tool, jwks_server):  # type: ignore[no-untyped-def]
    register(tool.app, ISS, "client-1", "dep-1", jwks_server + "/jwks")
    return tool


class Browser(requests.Session):
    def __init__(self, cookies: bool = True) -> None:
        super().__init__()
        self.keeps_cookies = cookies
        if not cookies:  # inside the platform's cross-site iframe, a browser that blocks its cookies
            self.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))


def launch(tool, browser: Browser, **claims) -> str:  # type: ignore[no-untyped-def]
    """OIDC login + signed launch; the absolute URL the launch redirects to. A browser without cookies goes
    through the platform's postMessage storage (lti_storage_target), as the tool asks it to."""
    query = {"iss": ISS, "login_hint": "learner-1", "client_id": "client-1"}
    if not browser.keeps_cookies:
        query["lti_storage_target"] = "_parent"
    login = browser.get(tool.url + "/lti/login", params=query, allow_redirects=False, timeout=10)
    if browser.keeps_cookies:
        auth = parse_qs(urlsplit(login.headers["Location"]).query)
    else:
        auth = parse_qs(urlsplit(json.loads(login.text.split("authUrl = ")[1].split(";")[0])).query)
    state, nonce = auth["state"][0], auth["nonce"][0]
    data = {"id_token": sign(launch_claims(ISS, "client-1", nonce, **claims)), "state": state}
    if not browser.keeps_cookies:
        data["lti_storage_state"] = state
    response = browser.post(tool.url + "/lti/launch", data=data, allow_redirects=False, timeout=10)
    assert response.status_code == 303, response.text
    return urljoin(tool.url, response.headers["Location"])


def token_in(tool, url: str) -> launch_tokens.LaunchToken:  # type: ignore[no-untyped-def]
    value = parse_qs(urlsplit(url).query)["launch"][0]
    token = launch_tokens.read(app_state(tool.app).settings.secret_key, value, 10**9, 10**9)
    assert token is not None, url
    return token


def launch_links(tool, page: requests.Response) -> list[str]:  # type: ignore[no-untyped-def]
    doc = lxml.html.fromstring(page.text)
    return [urljoin(page.url, a.get("href")) for a in doc.iter("a") if "launch=" in (a.get("href") or "")]


def test_cookie_browser_gets_cookie_bound_tokens_that_are_useless_elsewhere(lms):
    browser = Browser()
    hop = launch(lms, browser)
    assert token_in(lms, hop).kind is TokenKind.HOP
    outline = browser.get(hop, timeout=10)
    assert outline.status_code == 200, outline.text
    links = launch_links(lms, outline)
    assert links and {token_in(lms, link).kind for link in links} == {TokenKind.BOUND}
    launch_id = token_in(lms, hop).launch_id
    assert launch_id not in outline.text  # the raw id appears nowhere in the page
    lesson = next(link for link in links if "/play/lesson/" in link)
    assert browser.get(lesson, timeout=10).status_code == 200
    stolen = requests.get(lesson, timeout=10)  # the URL copied to another client (proxy log, history, Referer)
    assert stolen.status_code == 401 and "launch it from there" in stolen.text


def test_raw_launch_id_in_the_url_is_refused(lms):
    browser = Browser()
    hop = launch(lms, browser)
    raw = token_in(lms, hop).launch_id
    assert browser.get(f"{lms.url}/play/?launch={raw}", timeout=10).status_code == 401  # even with the cookie
    assert requests.get(f"{lms.url}/play/?launch={raw}", timeout=10).status_code == 401
    assert requests.post(f"{lms.url}/play/quiz/m1-quiz", data={"launch": raw, "q-q1": "a"}, timeout=10) \
        .status_code == 401


def test_the_redirect_after_the_launch_expires_within_minutes(lms, clock):
    browser = Browser()
    hop = launch(lms, browser)
    clock.offset = launch_tokens.HOP_SECONDS + 1
    assert requests.get(hop, timeout=10).status_code == 401
    assert browser.get(hop, timeout=10).status_code == 401  # a stale hop names nothing, not even with the cookie
    assert browser.get(lms.url + "/play/", timeout=10).status_code == 200  # the cookie still holds the launch


def answered(form) -> dict:  # type: ignore[no-untyped-def]
    """The quiz form as the browser sends it (launch token, one-time submission token), q1 answered, the rest
    confirmed as left unanswered."""
    return {**{name: value or "" for name, value in form.fields.items()}, "q-q1": "a", "confirm": "1"}


def test_iframe_without_cookies_works_with_bearer_tokens_until_they_expire(lms, clock):
    iframe = Browser(cookies=False)
    outline = iframe.get(launch(lms, iframe), timeout=10)
    assert outline.status_code == 200, outline.text
    assert not iframe.cookies  # no cookie was kept: the tokens carry the launch
    links = launch_links(lms, outline)
    assert {token_in(lms, link).kind for link in links} == {TokenKind.BEARER}
    lesson = iframe.get(next(link for link in links if "/play/lesson/" in link), timeout=10)
    assert lesson.status_code == 200
    quiz = iframe.get(next(link for link in links if "/play/quiz/" in link), timeout=10)
    form = lxml.html.fromstring(quiz.text).forms[-1]
    assert token_in(lms, "?launch=" + form.fields["launch"]).kind is TokenKind.BEARER
    submitted = iframe.post(lms.url + "/play/quiz/m1-quiz", data=answered(form), timeout=10)
    assert submitted.status_code == 200 and "Your answer" in submitted.text
    idle = app_state(lms.app).settings.launch_idle_minutes * 60
    clock.offset = idle + 60
    assert iframe.get(lesson.url, timeout=10).status_code == 401
    assert requests.get(lesson.url, timeout=10).status_code == 401  # copied to another client after expiry
    refused = iframe.post(lms.url + "/play/quiz/m1-quiz", data=answered(form), timeout=10)
    assert refused.status_code == 401


def test_session_launch_closes_after_the_idle_lifetime(lms, clock):
    browser = Browser()
    outline = browser.get(launch(lms, browser), timeout=10)
    lesson = next(link for link in launch_links(lms, outline) if "/play/lesson/" in link)
    idle = app_state(lms.app).settings.launch_idle_minutes * 60
    clock.offset = idle - 120  # still in use: each use moves the idle deadline on
    assert browser.get(lms.url + "/play/", timeout=10).status_code == 200
    clock.offset = 2 * idle - 180
    assert browser.get(lms.url + "/play/", timeout=10).status_code == 200
    assert browser.get(lesson, timeout=10).status_code == 200  # a page open all along (a SCO committing)
    assert requests.get(lesson, timeout=10).status_code == 401
    clock.offset = 3 * idle
    assert browser.get(lms.url + "/play/", timeout=10).status_code == 401
    assert browser.get(lesson, timeout=10).status_code == 401


def test_launch_closes_after_its_absolute_lifetime(lms):
    browser = Browser()
    outline = browser.get(launch(lms, browser), timeout=10)
    lesson = next(link for link in launch_links(lms, outline) if "/play/lesson/" in link)
    assert browser.get(lesson, timeout=10).status_code == 200
    hours = app_state(lms.app).settings.launch_max_hours
    with app_state(lms.app).db.transaction() as session:
        session.execute(update(LtiLaunch).values(created_at=utcnow() - timedelta(hours=hours, minutes=1)))
    assert browser.get(lesson, timeout=10).status_code == 401
    assert browser.get(lms.url + "/play/", timeout=10).status_code == 401


def test_a_post_needs_the_token_and_a_bound_token_needs_its_cookie(lms):
    browser = Browser()
    outline = browser.get(launch(lms, browser), timeout=10)
    quiz = browser.get(next(link for link in launch_links(lms, outline) if "/play/quiz/" in link), timeout=10)
    form = lxml.html.fromstring(quiz.text).forms[-1]
    forged = browser.post(lms.url + "/play/quiz/m1-quiz", data={**answered(form), "launch": ""}, timeout=10)
    assert forged.status_code == 401  # cookie, no token: CSRF
    elsewhere = requests.post(lms.url + "/play/quiz/m1-quiz", data=answered(form), timeout=10)
    assert elsewhere.status_code == 401
    mine = browser.post(lms.url + "/play/quiz/m1-quiz", data=answered(form), timeout=10)
    assert mine.status_code == 200 and "Your answer" in mine.text


def test_two_activities_in_one_browser_keep_their_own_launch(lms):
    browser = Browser()
    learner_outline = browser.get(launch(lms, browser), timeout=10)
    teacher_outline = browser.get(launch(lms, browser, sub="teacher-1", lti_roles=[INSTRUCTOR]), timeout=10)
    as_learner = token_in(lms, launch_links(lms, learner_outline)[0]).value
    as_teacher = token_in(lms, launch_links(lms, teacher_outline)[0]).value
    assert browser.get(lms.url + "/play/members", params={"launch": as_learner}, timeout=10).status_code == 403
    assert browser.get(lms.url + "/play/members", params={"launch": as_teacher}, timeout=10).status_code == 200


@pytest.mark.parametrize("value", ["", "x", "a" * 3000, "WyJhYmMiLDFd.ZZZZZZ.forged-signature", "\u0000%00",
                                   "W1siYSJdLDBd.aGVsbG8.c2lnbmF0dXJl"])
def test_hostile_launch_values_are_refused_plainly(lms, value):
    for method in ("get", "post"):
        answer = getattr(requests, method)(lms.url + "/play/", params={"launch": value}, timeout=10)
        assert answer.status_code in (401, 405), (method, answer.status_code)
    assert requests.get(lms.url + LESSON, params={"launch": value}, timeout=10).status_code == 401


def test_a_token_of_another_secret_or_shape_is_refused(lms):
    browser = Browser()
    launch_id = token_in(lms, launch(lms, browser)).launch_id
    other_secret = launch_tokens.issue("another-installation", launch_id, TokenKind.BEARER)
    assert requests.get(lms.url + "/play/", params={"launch": other_secret}, timeout=10).status_code == 401
    assert requests.get(lms.url + "/play/", params={"launch": launch_token(lms.app, launch_id)},
                        timeout=10).status_code == 200  # the same launch, properly signed: the bearer kind works


@pytest.mark.parametrize("name", ["MIRCO_LAUNCH_IDLE_MINUTES", "MIRCO_LAUNCH_MAX_HOURS"])
def test_lifetimes_must_be_positive(tmp_path, name):
    with pytest.raises(ConfigError, match=name):
        load_settings({"instance_path": tmp_path}, environ={name: "0"})
