"""A cmi5 export launched the way a cmi5 LMS launches it, against the embedded LRS at /xapi.

The test plays the LMS: it writes LMS.LaunchData to the State API, records `launched`, serves the one-time
fetch URL that hands out the auth token, and opens the AU with the cmi5 launch parameters. The scripted
learner reads the lessons and passes the quiz; the LRS must then hold the cmi5-defined statement sequence.
"""
from __future__ import annotations

import base64
import json
import time
import uuid
import zipfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
from werkzeug.wrappers import Request, Response

from lti_tool.db import make_engine
from lti_tool.migrate import upgrade
from tests.conftest import make_test_app
from tests.scorm.conftest import serve, static_site
from tests.scorm.factories import BASE_URL, IRI_BASE, export_zip
from tests.scorm.learner import ScriptedLearner

pytestmark = pytest.mark.browser
KEY, SECRET = "cmi5-test-key", "cmi5-test-secret-0123456789"
V = "http://adlnet.gov/expapi/verbs/"
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
SESSION = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"


@pytest.fixture
def lrs_app(tmp_path):
    url = f"sqlite:///{tmp_path / 'lrs.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    app = make_test_app(url, tmp_path / "instance", lrs_enabled=True, lrs_default_key=KEY,
                        lrs_default_secret=SECRET, base_url=BASE_URL, activity_base_iri=IRI_BASE)
    yield app
    app.extensions["mirco"].db.dispose()


def lms_site(package: Path, app, token: str):  # type: ignore[no-untyped-def]
    """The package, a one-time cmi5 fetch URL, and the tool (with its LRS) behind one origin."""
    used: list[bool] = []

    @Request.application
    def fetch(request: Request) -> Response:
        if request.method != "POST":
            return Response(status=405)
        if used:  # cmi5 8.2.3: the fetch URL answers once
            return Response(json.dumps({"error-code": "1", "error-text": "already used"}), status=401)
        used.append(True)
        return Response(json.dumps({"auth-token": token}), content_type="application/json")

    def dispatch(environ, start_response):  # type: ignore[no-untyped-def]
        return (fetch if environ["PATH_INFO"] == "/fetch" else app)(environ, start_response)

    return static_site({"/pkg": package}, dispatch)


def statements_until_terminated(lrs: requests.Session, base: str, registration: str) -> list[dict]:
    """The registration's statements, oldest first, once `terminated` (sent last, with keepalive) is stored."""
    for _ in range(100):
        found = lrs.get(f"{base}/xapi/statements", params={"registration": registration, "ascending": "true",
                                                           "limit": 100}).json()["statements"]
        if found and found[-1]["verb"]["id"] == V + "terminated":
            return found
        time.sleep(0.1)
    return found


ACTOR = {"objectType": "Agent", "account": {"homePage": "https://lms.example.org", "name": "learner-42"}}
AU_ID = f"{IRI_BASE}/mini-course/m1-basics/au"
COURSE_ID = f"{IRI_BASE}/mini-course"


def unpacked_au(mini_course, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    package = tmp_path / "pkg"
    with zipfile.ZipFile(export_zip(mini_course, "cmi5", tmp_path / "p.zip")) as archive:
        archive.extractall(package)
    return package


def lrs_client() -> requests.Session:
    lrs = requests.Session()
    lrs.auth = (KEY, SECRET)
    lrs.headers["X-Experience-API-Version"] = "1.0.3"
    return lrs


def launch_au(browser, lrs: requests.Session, base: str, registration: str, context: dict):  # type: ignore[no-untyped-def]
    """What a cmi5 LMS does: LMS.LaunchData in the State API, `launched`, then the AU opened with its parameters."""
    launch_data = {"contextTemplate": context, "launchMode": "Normal", "moveOn": "CompletedAndPassed",
                   "masteryScore": 0.5}
    state = lrs.put(f"{base}/xapi/activities/state", json=launch_data, params={
        "stateId": "LMS.LaunchData", "activityId": AU_ID, "agent": json.dumps(ACTOR), "registration": registration})
    assert state.status_code == 204, state.text
    launched = lrs.post(f"{base}/xapi/statements", json={
        "actor": ACTOR, "verb": {"id": V + "launched", "display": {"en-US": "launched"}},
        "object": {"id": AU_ID, "objectType": "Activity"},
        "context": {**context, "registration": registration,
                    "contextActivities": {**context["contextActivities"], "category": [{"id": CMI5_CATEGORY}]}}})
    assert launched.status_code == 200, launched.text
    page = browser.new_page()
    query = urlencode({"endpoint": f"{base}/xapi/", "fetch": f"{base}/fetch", "actor": json.dumps(ACTOR),
                       "registration": registration, "activityId": AU_ID})
    page.goto(f"{base}/pkg/sco-m1-basics.html?{query}")
    return page


def test_cmi5_au_sends_the_defined_statement_sequence(browser, lrs_app, mini_course, tmp_path):
    package = unpacked_au(mini_course, tmp_path)
    token = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
    registration, session_id = str(uuid.uuid4()), str(uuid.uuid4())
    actor, au_id, course_id = ACTOR, AU_ID, COURSE_ID
    with serve(lms_site(package, lrs_app, token)) as base:
        lrs = lrs_client()
        context = {"contextActivities": {"grouping": [{"id": course_id}]}, "extensions": {SESSION: session_id}}
        errors: list[str] = []
        page = launch_au(browser, lrs, base, registration, context)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        learner = ScriptedLearner(page)
        learner.wait_ready()
        learner.read_lessons(len(mini_course.modules[0].lessons))
        learner.answer(mini_course.modules[0].quiz, wrong=frozenset({"q5", "q6"}))
        learner.exit()
        found = statements_until_terminated(lrs, base, registration)
        page.close()
        assert errors == []
        saved = lrs.get(f"{base}/xapi/activities/state", params={
            "stateId": "https://mirco.eu/xapi/state/resume", "activityId": au_id, "agent": json.dumps(actor),
            "registration": registration})

    verbs = [s["verb"]["id"].rsplit("/", 1)[-1] for s in found]
    defined = [v for v, s in zip(verbs, found) if any(c["id"] == CMI5_CATEGORY for c in
                                                      s["context"]["contextActivities"].get("category", []))]
    assert defined == ["launched", "initialized", "completed", "passed", "terminated"], verbs
    assert verbs.count("answered") == 6 and "progressed" in verbs
    assert verbs.index("initialized") < verbs.index("answered") < verbs.index("passed") < verbs.index("terminated")
    au_statements = found[1:]
    assert all(s["context"]["registration"] == registration for s in au_statements)
    assert all(s["context"]["extensions"][SESSION] == session_id for s in au_statements)
    assert all(s["context"]["contextActivities"]["grouping"][0]["id"] == course_id for s in au_statements)
    passed = found[verbs.index("passed")]
    assert passed["result"]["success"] is True and passed["result"]["score"]["scaled"] == pytest.approx(0.6667)
    assert passed["context"]["extensions"]["https://w3id.org/xapi/cmi5/context/extensions/masteryscore"] == 0.5
    assert found[verbs.index("completed")]["result"]["completion"] is True
    answered = [s for s in found if s["verb"]["id"] == V + "answered"]
    assert {s["object"]["definition"]["interactionType"] for s in answered} == {
        "choice", "true-false", "matching", "sequencing", "fill-in"}
    assert all(s["context"]["contextActivities"]["parent"][0]["id"] == au_id for s in answered)
    assert saved.status_code == 200 and saved.json()["suspend"].startswith("z")


@contextmanager
def au_opened(browser, lrs_app, course, tmp_path):  # type: ignore[no-untyped-def]
    """The exported AU served by a small cmi5 LMS in front of the embedded LRS, launched and ready:
    yields (page, lrs session, LMS base URL, registration)."""
    package = unpacked_au(course, tmp_path)
    token = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
    registration = str(uuid.uuid4())
    with serve(lms_site(package, lrs_app, token)) as base:
        lrs = lrs_client()
        page = launch_au(browser, lrs, base, registration, {"contextActivities": {"grouping": [{"id": COURSE_ID}]}})
        ScriptedLearner(page).wait_ready()
        yield page, lrs, base, registration


def test_nothing_is_sent_after_terminated(browser, lrs_app, mini_course, tmp_path):
    """The contents stay on screen after Exit; opening an unread lesson then must not send `progressed`."""
    with au_opened(browser, lrs_app, mini_course, tmp_path) as (page, lrs, base, registration):
        ScriptedLearner(page).exit()
        found = statements_until_terminated(lrs, base, registration)
        page.click("#nav a[data-page='1']")
        page.evaluate("() => window.MIRCO_ADAPTERS.cmi5.queue")  # every request the click queued has finished
        after = lrs.get(f"{base}/xapi/statements", params={"registration": registration, "limit": 100}).json()
        page.close()
    assert [s["verb"]["id"].rsplit("/", 1)[-1] for s in found] == ["launched", "initialized", "progressed", "terminated"]
    assert len(after["statements"]) == len(found)


@pytest.mark.parametrize("leave", ["close-tab", "navigate-away"])
def test_terminated_is_sent_when_the_tab_closes(browser, lrs_app, mini_course, tmp_path, leave):
    """No Exit button: the learner reads a lesson, answers nothing more and closes the tab (or the window goes
    elsewhere). What was still waiting and `terminated` leave in one keepalive request on pagehide."""
    with au_opened(browser, lrs_app, mini_course, tmp_path) as (page, lrs, base, registration):
        page.click("#nav a[data-page='1']")  # progressed, then the tab goes away at once
        if leave == "close-tab":
            page.close(run_before_unload=True)
        else:
            page.goto("about:blank")
            page.close()
        found = statements_until_terminated(lrs, base, registration)
        saved = lrs.get(f"{base}/xapi/activities/state", params={
            "stateId": "https://mirco.eu/xapi/state/resume", "activityId": AU_ID, "agent": json.dumps(ACTOR),
            "registration": registration})
    verbs = [s["verb"]["id"].rsplit("/", 1)[-1] for s in found]
    assert verbs[0] == "launched" and verbs[1] == "initialized" and verbs[-1] == "terminated", verbs
    assert "progressed" in verbs and verbs.count("terminated") == 1
    assert saved.status_code == 200 and saved.json()["suspend"].startswith("z")  # resume state saved too
