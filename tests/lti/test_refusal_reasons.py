"""Every refused login or launch says why: one log line with a reason from a fixed vocabulary (no token content),
and `/metrics` counts it under `mirco_lti_refusals_total{stage, reason}`. Over real HTTP against the served tool."""
from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from lti_tool.lti.refusals import Reason
from lti_tool.models import LtiPlatform
from lti_tool.state import app_state
from tests.lti.conftest import register, served_tool
from tests.lti.support import launch_claims, sign

ISS = "https://platform.example"
REFUSALS = "mirco.lti.refusals"


@pytest.fixture
def lms(database_url, tmp_path, jwks_server):  # type: ignore[no-untyped-def]
    with served_tool(database_url, tmp_path / "instance", metrics_allow=("127.0.0.1",)) as tool:
        register(tool.app, ISS, "client-1", "dep-1", jwks_server + "/jwks")
        yield tool


def refusals(tool) -> dict[tuple[str, str], float]:  # type: ignore[no-untyped-def]
    body = requests.get(tool.url + "/metrics", timeout=10).text
    return {(s.labels["stage"], s.labels["reason"]): s.value for family in text_string_to_metric_families(body)
            for s in family.samples if s.name == "mirco_lti_refusals_total"}


def login(tool, browser: requests.Session, iss: str = ISS) -> requests.Response:  # type: ignore[no-untyped-def]
    return browser.get(tool.url + "/lti/login", allow_redirects=False, timeout=10, params={
        "iss": iss, "login_hint": "learner-1", "client_id": "client-1", "lti_deployment_id": "dep-1",
        "target_link_uri": tool.url + "/lti/launch"})


def state_and_nonce(answer: requests.Response) -> tuple[str, str]:
    assert answer.status_code == 302, answer.text
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    return query["state"][0], query["nonce"][0]


def launch(tool, browser, state: str, token: str) -> requests.Response:  # type: ignore[no-untyped-def]
    return browser.post(tool.url + "/lti/launch", data={"id_token": token, "state": state}, timeout=10,
                        allow_redirects=False)


def claims(tool, nonce: str, **overrides):  # type: ignore[no-untyped-def]
    return launch_claims(ISS, "client-1", nonce, lti_target_link_uri=tool.url + "/lti/launch", **overrides)


def expect_one_refusal(tool, caplog, act, stage: str, reason: Reason, status: int,  # type: ignore[no-untyped-def]
                       *, secrets: tuple[str, ...] = (), platform_known: bool = True) -> None:
    """`act()` answers `status`, logs exactly one refusal line naming `reason`, and adds one to its counter."""
    before = refusals(tool)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=REFUSALS):
        response = act()
    assert response.status_code == status, response.text[:500]
    lines = [r for r in caplog.records if r.name == REFUSALS]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    line = lines[0].getMessage()
    assert f"LTI {stage} refused ({reason.value}, HTTP {status})" in line
    assert lines[0].lti_refusal == reason.value and lines[0].lti_stage == stage
    if platform_known:
        assert f"issuer={ISS!r}" in line and "client_id='client-1'" in line and "deployment_id='dep-1'" in line
    for secret in secrets:
        assert secret not in line and secret not in json.dumps(vars(lines[0]), default=str)
    after = refusals(tool)
    assert after.get((stage, reason.value), 0) == before.get((stage, reason.value), 0) + 1
    assert sum(after.values()) == sum(before.values()) + 1


def test_forged_id_token(lms, caplog):
    browser = requests.Session()
    state, nonce = state_and_nonce(login(lms, browser))
    forged = sign(claims(lms, nonce), "attacker")
    expect_one_refusal(lms, caplog, lambda: launch(lms, browser, state, forged), "launch", Reason.BAD_SIGNATURE,
                       400, secrets=(forged, forged.split(".")[1], state, nonce))


def test_id_token_with_a_broken_signature(lms, caplog):
    browser = requests.Session()
    state, nonce = state_and_nonce(login(lms, browser))
    head, body, signature = sign(claims(lms, nonce)).split(".")
    tampered = f"{head}.{body}.{signature[:-6]}AAAAAA"
    expect_one_refusal(lms, caplog, lambda: launch(lms, browser, state, tampered), "launch", Reason.BAD_SIGNATURE,
                       401, secrets=(tampered, body, state, nonce))


def test_malformed_claim(lms, caplog):
    browser = requests.Session()
    state, nonce = state_and_nonce(login(lms, browser))
    token = sign(claims(lms, nonce, lti_resource_link="not-an-object-secret-value"))
    expect_one_refusal(lms, caplog, lambda: launch(lms, browser, state, token), "launch", Reason.MALFORMED, 400,
                       secrets=(token, "not-an-object-secret-value"))


def test_replayed_state(lms, caplog):
    browser = requests.Session()
    state, nonce = state_and_nonce(login(lms, browser))
    token = sign(claims(lms, nonce))
    assert launch(lms, browser, state, token).status_code == 303
    expect_one_refusal(lms, caplog, lambda: launch(lms, browser, state, token), "launch", Reason.REPLAYED_STATE,
                       400, secrets=(token, state, nonce))


def test_state_not_from_this_tool(lms, caplog):
    browser = requests.Session()
    _, nonce = state_and_nonce(login(lms, browser))
    expect_one_refusal(lms, caplog, lambda: launch(lms, browser, "state-forged", sign(claims(lms, nonce))),
                       "launch", Reason.UNKNOWN_STATE, 400, platform_known=False)


def test_cookie_refused(lms, caplog):
    state, nonce = state_and_nonce(login(lms, requests.Session()))
    expect_one_refusal(lms, caplog, lambda: launch(lms, requests.Session(), state, sign(claims(lms, nonce))),
                       "launch", Reason.COOKIE_REFUSED, 401, secrets=(state, nonce))


def test_unknown_issuer_at_login(lms, caplog):
    expect_one_refusal(lms, caplog, lambda: login(lms, requests.Session(), "https://unknown.example"), "login",
                       Reason.UNKNOWN_PLATFORM, 404, platform_known=False)


def test_unknown_issuer_in_the_id_token(lms, caplog):
    browser = requests.Session()
    state, nonce = state_and_nonce(login(lms, browser))
    token = sign(claims(lms, nonce, iss="https://unknown.example"))
    expect_one_refusal(lms, caplog, lambda: launch(lms, browser, state, token), "launch",
                       Reason.UNKNOWN_PLATFORM, 400, secrets=(token, state))


@pytest.mark.parametrize("stage", ["login", "launch"])
def test_pending_platform(lms, caplog, stage):
    browser = requests.Session()
    state, nonce = state_and_nonce(login(lms, browser))  # the login happened before the status changed
    with app_state(lms.app).db.transaction() as session:
        session.execute(update(LtiPlatform).values(status="pending"))
    act = (lambda: login(lms, browser)) if stage == "login" else \
        (lambda: launch(lms, browser, state, sign(claims(lms, nonce))))
    expect_one_refusal(lms, caplog, act, stage, Reason.PLATFORM_NOT_ACTIVE, 403)


def test_hostile_login_fields_are_cut_short_in_the_log(lms, caplog):
    huge = "https://x.example/" + "a" * 3000
    expect_one_refusal(lms, caplog, lambda: requests.get(lms.url + "/lti/login", timeout=10, params={
        "iss": huge, "login_hint": "u", "client_id": "c" * 3000}), "login", Reason.UNKNOWN_PLATFORM, 404,
        secrets=("a" * 201, "c" * 201), platform_known=False)


def test_reasons_are_a_small_fixed_vocabulary(lms):
    for method, path in (("GET", "/lti/launch"), ("POST", "/lti/launch"), ("GET", "/lti/login")):
        requests.request(method, lms.url + path, timeout=10)
    assert {reason for _, reason in refusals(lms)} <= {r.value for r in Reason}
