"""cmi5 packages imported (CLI) and launched through LTI the way a cmi5 LMS launches AUs: fetch URL for the auth
token, LMS.LaunchData, `launched`; the AU's statements land in the embedded LRS and moveOn / masteryScore decide
`satisfied` and the grade queued for AGS. Hostile cmi5 packages are refused and leave nothing behind."""
from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from lti_tool.models import OutboxMessage
from lti_tool.grading import AGS_SCORE
from lti_tool.state import app_state
from scorm.importer import PackageRejected
from scorm.models import ScormAttempt, ScormPackage
from scorm.safezip import ZipLimits
from tests.scorm.conftest import items_of
from tests.scorm.factories import SCO_PAGE, export_zip, make_zip
from tests.scorm.test_import import nothing_left
from tests.scorm.test_upload_page import LEARNER, make_launch
from xapi.service import statements_by_registration

V = "http://adlnet.gov/expapi/verbs/"
CMI5 = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
NS = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"


def cmi5_xml(url: str = "a.html", *, move_on: str = "CompletedAndPassed", mastery: str = "0.8",
             extra: str = "") -> str:
    return (f'<?xml version="1.0"?>{extra}<courseStructure xmlns="{NS}">'
            '<course id="https://example.org/course/c1"><title><langstring lang="en">Hand-made cmi5</langstring></title>'
            "<description><langstring lang='en'>d</langstring></description></course>"
            f'<au id="https://example.org/course/c1/au1" moveOn="{move_on}" masteryScore="{mastery}">'
            '<title><langstring lang="en">Only AU</langstring></title>'
            f"<description><langstring lang='en'>d</langstring></description><url>{url}</url></au></courseStructure>")


def cmi5_package(path: Path, xml: str | None = None, **files: str) -> Path:
    return make_zip(path, {"cmi5.xml": xml if xml is not None else cmi5_xml(), "a.html": SCO_PAGE, **files})


@pytest.fixture
def store(app) -> Path:
    return app.extensions["mirco"].settings.packages_path


def test_our_cmi5_export_imports_through_the_cli(app, mini_course, tmp_path, schemas):
    from tests.scorm.conftest import MircoRunner
    from scorm.validate import validate_package
    package_zip = export_zip(mini_course, "cmi5", tmp_path / "c.zip")
    report = validate_package(package_zip, schemas)  # what the import checks when the schemas are installed
    assert report.ok and "validated against the cmi5 schemas" in report.schema_note
    result = MircoRunner(app).invoke(["packages", "import", str(package_zip)])
    assert result.exit_code == 0, result.output
    assert "(cmi5, 2 launchable item(s)" in result.output
    with app_state(app).db.sessions() as session:
        package = session.scalars(select(ScormPackage)).one()
        aus = [(s.identifier, s.mastery, s.extra["moveOn"]) for s in package.scos]
    assert package.kind == "cmi5" and package.title == "Refugee protection essentials"
    assert aus[0] == ("https://mirco.example.org/xapi/activities/mini-course/m1-basics/au", 0.5, "CompletedAndPassed")
    listed = MircoRunner(app).invoke(["packages", "list"])
    assert "cmi5" in listed.output


HOSTILE = {
    "not-xml": (lambda p: cmi5_package(p, "<courseStructure"), "not well-formed XML"),
    "xxe": (lambda p: cmi5_package(p, cmi5_xml(extra='<!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>')),
            "DOCTYPE/ENTITY declarations are not allowed"),
    "javascript-url": (lambda p: cmi5_package(p, cmi5_xml("javascript:alert(document.cookie)")),
                       "only a path in the package or an http(s) URL"),
    "data-url": (lambda p: cmi5_package(p, cmi5_xml("data:text/html,&lt;script&gt;x()&lt;/script&gt;")),
                 "only a path in the package or an http(s) URL"),
    "dotdot-url": (lambda p: cmi5_package(p, cmi5_xml("../../lti/launch")), "outside the package"),
    "absolute-path-url": (lambda p: cmi5_package(p, cmi5_xml("/xapi/statements")), "outside the package"),
    "remote-au": (lambda p: cmi5_package(p, cmi5_xml("https://evil.example.org/au.html")),
                  "is hosted outside the package"),
    "zip-slip": (lambda p: cmi5_package(p, **{"../../evil.html": "x"}), "'..' would write outside"),
    "schema-invalid": (lambda p: cmi5_package(p, cmi5_xml(move_on="Whenever")), "moveOn"),
    "mastery-out-of-range": (lambda p: cmi5_package(p, cmi5_xml(mastery="7")), "masteryScore"),
    "no-au": (lambda p: cmi5_package(p, f'<courseStructure xmlns="{NS}"><course id="urn:c"/></courseStructure>'),
              "cmi5.xml has no AU"),
    "duplicate-au-ids": (lambda p: cmi5_package(p, cmi5_xml().replace("</courseStructure>", "") + cmi5_xml()
                                                .split("</course>", 1)[1]), "is empty or used twice"),
    "missing-au-file": (lambda p: make_zip(p, {"cmi5.xml": cmi5_xml("nope.html")}), "'nope.html' is not in the zip"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_cmi5_packages_are_refused_and_leave_nothing(app, importer, store, tmp_path, case):
    build, message = HOSTILE[case]
    with pytest.raises(PackageRejected) as refused:
        importer(build(tmp_path / f"{case}.zip"))
    assert any(message in str(p) for p in refused.value.problems), [str(p) for p in refused.value.problems]
    assert nothing_left(app, store)


def test_oversized_cmi5_package_is_refused(app, importer, store, tmp_path):
    path = cmi5_package(tmp_path / "big.zip", **{"video.bin": "x" * (600 * 1024)})
    with pytest.raises(PackageRejected) as refused:
        importer(path, limits=ZipLimits(max_file_bytes=512 * 1024))
    assert "over the 524288 limit" in str(refused.value)
    assert nothing_left(app, store)


@pytest.fixture
def au(app, importer, tmp_path):
    package_id = importer(cmi5_package(tmp_path / "c.zip")).package_id
    launch = make_launch(app, LEARNER, "learner-1", {"course": f"pkg:{package_id}"})
    (sco,) = items_of(app, package_id).values()
    return launch, sco


def lrs_headers(token: str) -> dict:
    return {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}


def statement(actor: dict, verb: str, registration: str, session_id: str, scaled: float | None = None) -> dict:
    body = {"actor": actor, "verb": {"id": V + verb}, "object": {"id": "https://example.org/course/c1/au1"},
            "context": {"registration": registration,
                        "contextActivities": {"category": [{"id": CMI5}],
                                              "grouping": [{"id": "https://example.org/course/c1"}]},
                        "extensions": {"https://w3id.org/xapi/cmi5/context/extensions/sessionid": session_id}}}
    if verb in ("passed", "failed"):
        body["result"] = {"success": verb == "passed", "score": {"scaled": scaled}}
    if verb == "completed":
        body["result"] = {"completion": True}
    return body


def test_au_launched_like_a_cmi5_lms_and_graded_by_move_on(app, client, au):
    launch, sco = au
    opened = client.post(f"/scorm/session/{sco}?launch={launch}&nav=choice")
    assert opened.status_code == 200, opened.data
    url = urlsplit(opened.get_json()["url"])
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert url.path.endswith("/a.html") and params["endpoint"].endswith("/xapi/")
    assert params["activityId"] == "https://example.org/course/c1/au1"
    actor = json.loads(params["actor"])
    assert actor["account"]["name"] == "learner-1"
    registration = params["registration"]

    fetch = urlsplit(params["fetch"]).path
    token = client.post(fetch).get_json()["auth-token"]
    again = client.post(fetch)  # cmi5 8.2.3: once only
    assert again.status_code == 401 and again.get_json()["error-code"] == "1"
    assert base64.b64decode(token).decode().count(":") == 1

    state = client.get("/xapi/activities/state", headers=lrs_headers(token), query_string={
        "stateId": "LMS.LaunchData", "activityId": params["activityId"], "agent": params["actor"],
        "registration": registration})
    assert state.status_code == 200, state.data
    data = state.get_json()
    assert (data["moveOn"], data["masteryScore"], data["launchMode"]) == ("CompletedAndPassed", 0.8, "Normal")
    session_id = data["contextTemplate"]["extensions"]["https://w3id.org/xapi/cmi5/context/extensions/sessionid"]

    def send(*verbs_scores):  # type: ignore[no-untyped-def]
        for verb, scaled in verbs_scores:
            answer = client.post("/xapi/statements", headers=lrs_headers(token),
                                 json=statement(actor, verb, registration, session_id, scaled))
            assert answer.status_code == 200, answer.data

    def sync() -> dict:
        answer = client.post(f"/scorm/cmi5/sync?launch={launch}")
        assert answer.status_code == 200
        return answer.get_json()["aus"][str(sco)]

    send(("initialized", None), ("completed", None), ("passed", 0.6))  # below masteryScore 0.8: not a pass
    assert sync() == {"completion": "completed", "success": "unknown", "satisfied": False}
    with app_state(app).db.sessions() as session:
        queued = [m.payload["score"] for m in session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == AGS_SCORE))]
    assert queued[-1]["gradingProgress"] == "Pending" and queued[-1]["scoreGiven"] == 0.0
    send(("passed", 0.9), ("terminated", None))
    assert sync() == {"completion": "completed", "success": "passed", "satisfied": True}
    # nothing new: the same status, and (below) no second `satisfied`, no second grade
    assert sync() == {"completion": "completed", "success": "passed", "satisfied": True}
    with app_state(app).db.sessions() as session:
        queued = [m.payload["score"] for m in session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == AGS_SCORE))]
        found = statements_by_registration(session, registration)
    assert queued[-1]["scoreGiven"] == 90.0 and queued[-1]["gradingProgress"] == "FullyGraded"
    assert queued[-1]["activityProgress"] == "Completed" and len(queued) == 2
    verbs = [s["verb"]["id"].rsplit("/", 1)[-1] for s in found]
    assert verbs[0] == "launched" and verbs.count("satisfied") == 1  # the course (this AU is in no block)
    satisfied = found[verbs.index("satisfied")]
    assert satisfied["object"]["id"] == "https://example.org/course/c1"
    assert satisfied["object"]["definition"]["type"] == "https://w3id.org/xapi/cmi5/activitytype/course"
    assert verbs.index("terminated") < verbs.index("satisfied")


def test_the_outcome_does_not_depend_on_the_order_verbs_are_read_in():
    """cmi5_sync reads each verb on its own: the passing score wins over a failing one, in any order, and a
    failing score never stands for an AU that passed."""
    from scorm.cmi5_launch import au_outcome
    actor = {"account": {"homePage": "https://lms.example", "name": "u1"}}
    failed, passed = (statement(actor, "failed", "r", "s", 0.3), statement(actor, "passed", "r", "s", 0.9))
    au = "https://example.org/course/c1/au1"
    assert au_outcome([failed, passed], au, 0.8) == au_outcome([passed, failed], au, 0.8)
    assert au_outcome([passed, failed], au, 0.8).scaled == 0.9 and au_outcome([failed], au, 0.8).scaled == 0.3
    unscored = statement(actor, "passed", "r", "s", None)
    assert (au_outcome([failed, unscored], au, None).passed, au_outcome([failed, unscored], au, None).scaled) == (
        True, None)


def test_fetch_urls_cannot_be_guessed_or_replayed_after_a_new_session(app, client, au):
    launch, sco = au
    first = parse_qs(urlsplit(client.post(f"/scorm/session/{sco}?launch={launch}").get_json()["url"]).query)
    first_fetch = urlsplit(first["fetch"][0]).path
    assert client.post(first_fetch.rsplit("/", 1)[0] + "/guess").status_code == 401
    token = client.post(first_fetch).get_json()["auth-token"]
    assert client.get("/xapi/about").status_code == 200
    client.post(f"/scorm/session/{sco}?launch={launch}")  # a new session disables the previous credential
    stale = client.post("/xapi/statements", headers=lrs_headers(token), json={})
    assert stale.status_code == 401
    assert client.post("/scorm/cmi5/fetch/999999/abc").status_code == 401


@pytest.mark.parametrize("case", ["xxe", "javascript-url", "zip-slip"])
def test_hostile_cmi5_uploads_on_the_admin_page(app, client, store, tmp_path, case):
    from tests.scorm.test_upload_page import INSTRUCTOR, upload
    teacher = make_launch(app, INSTRUCTOR, "teacher-1")
    response = upload(client, teacher, HOSTILE[case][0](tmp_path / "h.zip").read_bytes(), name="course.zip")
    assert response.status_code == 422 and b"course.zip was not imported" in response.data
    assert nothing_left(app, store)


def test_a_cmi5_upload_on_the_admin_page_joins_the_catalogue(app, client, tmp_path):
    from tests.scorm.test_upload_page import INSTRUCTOR, upload
    teacher = make_launch(app, INSTRUCTOR, "teacher-1")
    response = upload(client, teacher, cmi5_package(tmp_path / "c.zip").read_bytes(), name="c.zip")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).data.decode()
    assert "Hand-made cmi5" in page and ">cmi5<" in page


def test_scorm_commits_to_a_cmi5_attempt_are_refused(app, client, au):
    launch, sco = au
    attempt = client.post(f"/scorm/session/{sco}?launch={launch}").get_json()["attempt"]
    forged = client.post(f"/scorm/commit/{attempt}?launch={launch}&terminate=true", content_type="text/plain",
                         data=json.dumps({"cmi": {"completion_status": "completed", "success_status": "passed"}}))
    assert forged.status_code == 403 and "through the LRS" in forged.get_json()["error"]
    assert client.post(f"/scorm/cmi5/sync?launch={launch}").get_json()["aus"][str(sco)]["satisfied"] is False


def test_own_window_aus_open_on_a_click_with_a_return_url(app, client, importer, tmp_path):
    xml = cmi5_xml().replace('masteryScore="0.8"', 'masteryScore="0.8" launchMethod="OwnWindow"')
    result = importer(cmi5_package(tmp_path / "o.zip", xml))
    launch = make_launch(app, LEARNER, "learner-1", {"course": f"pkg:{result.package_id}"})
    assert 'data-ownwindow="' in client.get(f"/scorm/play?launch={launch}").data.decode()
    # the player's load (and every return through returnURL) starts nothing: the AU waits for the learner's click
    offered = client.post(f"/scorm/session/0?launch={launch}&nav=start").get_json()
    assert offered["attempt"] is None and offered["ended"] is False
    with app_state(app).db.sessions() as session:
        assert session.scalars(select(ScormAttempt)).all() == []
    opened = client.post(f"/scorm/session/{offered['ownWindowSco']}?launch={launch}&nav=choice").get_json()
    assert opened["ownWindow"] is True and opened["attempt"] is not None
    params = {k: v[0] for k, v in parse_qs(urlsplit(opened["url"]).query).items()}
    with app_state(app).db.sessions() as session:
        from xapi import documents
        from xapi.identity import agent_key
        doc = documents.get(session, documents.DocumentKey("state", params["activityId"],
                                                           agent_key(json.loads(params["actor"])),
                                                           params["registration"]), "LMS.LaunchData")
    assert json.loads(doc.content)["returnURL"].endswith(f"/scorm/play?launch={launch}")
