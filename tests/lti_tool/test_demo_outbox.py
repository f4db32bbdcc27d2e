"""`make run`'s demo: a learner's quiz score reaches the demo gradebook by itself, through `mirco run` alone."""
from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import pytest

from lti_tool.state import app_state
from tests.conftest import FIXTURE_COURSES, empty_all_tables
from tests.lti.conftest import build_tool
from tests.lti.support import Browser, gradebook_rows, rsa_key, sign
from tests.mirco_process import mirco_run
from tests.servers import free_port

MIRCO = Path(sys.executable).with_name("mirco")


def test_demo_gradebook_shows_a_passed_quiz_within_seconds(tmp_path: Path) -> None:
    # requests (unlike browsers) does not send Secure cookies to http://127.0.0.1
    with mirco_run(MIRCO, tmp_path / "instance", FIXTURE_COURSES, env={"MIRCO_SECURE_COOKIES": "0"}) as tool:
        browser = Browser()
        assert gradebook_rows(browser.http.get(f"{tool.url}/demo/", timeout=10).text) == []
        page = browser.open(f"{tool.url}/demo/platform/start/resource/learner-1?link=link-1")
        assert page.status_code == 200 and "/play/" in page.url
        quiz = browser.http.get(f"{tool.url}/play/quiz/m1-quiz", timeout=10)
        result = browser.submit(quiz, None, **{"q-q1": "a", "confirm": "1"})  # the rest left unanswered, knowingly
        assert result.status_code == 200 and "/result/" in result.url
        deadline, rows = time.monotonic() + 10, []
        while time.monotonic() < deadline and not rows:
            time.sleep(0.3)
            rows = gradebook_rows(browser.http.get(f"{tool.url}/demo/", timeout=10).text)
        log = tool.output()
    assert len(rows) == 1, log
    user, _, score, progress = rows[0]
    assert user == "learner-1" and score.endswith("/ 100") and "FullyGraded" in progress
    token_calls = [line for line in log.splitlines() if "mirco.access" in line and "/demo/platform/token" in line]
    assert token_calls and all(line.endswith(" 200") for line in token_calls), log


TOKEN_FORM = {"grant_type": "client_credentials",
              "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
              "scope": "https://purl.imsglobal.org/spec/lti-ags/scope/score"}


@pytest.mark.parametrize("form, error, reason", [
    ({"client_assertion": "foreign"}, "invalid_client", "Unable to find public key"),
    ({"client_assertion": "not-a-jwt"}, "invalid_client", "JWT must contain 3 parts"),
    ({"client_assertion": "%%." + "x" * 100_000 + ".y"}, "invalid_client", "can't be decoded"),
    ({"client_assertion": "foreign", "grant_type": "password"}, "unsupported_grant_type", "UnsupportedGrantType"),
    ({"client_assertion": None}, "invalid_request", "client_assertion is missing"),
])
def test_demo_token_endpoint_refusals_are_answered_and_logged(database_url: str, tmp_path: Path, caplog,
                                                              form: dict, error: str, reason: str) -> None:
    """The field's 400: another installation (a test run against the same 127.0.0.1:5000) asked `make run`'s demo
    platform for a token with its own key. The refusal now says why, to the caller and in the log."""
    app = build_tool(database_url, tmp_path / "instance", free_port(), demo=True)
    try:
        foreign = sign({"iss": "mirco-demo", "sub": "mirco-demo", "aud": "x", "iat": int(time.time()),
                        "exp": int(time.time()) + 60, "jti": "j1"}, "tool-elsewhere")
        data = {**TOKEN_FORM, **{k: foreign if v == "foreign" else v for k, v in form.items()}}
        data = {k: v for k, v in data.items() if v is not None}
        with caplog.at_level(logging.WARNING, logger="mirco.demo"):
            answer = app.test_client().post("/demo/platform/token", data=data)
        assert answer.status_code == 400 and answer.json["error"] == error
        assert reason in answer.json["error_description"]
        assert "demo platform refused a token request" in caplog.text and reason in caplog.text
        if form.get("client_assertion") == "foreign":
            assert rsa_key("tool-elsewhere")[2] in caplog.text  # the foreign key's id names the sender
    finally:
        app_state(app).db.dispose()
        empty_all_tables(database_url)
