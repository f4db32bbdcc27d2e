"""What the tool hands a SCO at session start (POST /scorm/session), from the manifest and the attempt so far, and
what it refuses at import: the run-time data model of SCORM 1.2 and 2004 as an LMS initialises it."""
from __future__ import annotations

import json

import pytest

from scorm.importer import PackageRejected
from tests.scorm.conftest import items_of
from tests.scorm.factories import SCORM12_MANIFEST, scorm12_package
from tests.scorm.test_golf_runtime import ADVANCED_2004, GOLF, golf_zip
from tests.scorm.test_playback_api import commit, open_session
from tests.scorm.test_upload_page import LEARNER, make_launch

EXTRAS_2004 = {  # the optional launch data of a SCORM 2004 3rd edition item, in the schema's order
    "<title>Golf Explained</title>": "<title>Golf Explained</title><adlcp:timeLimitAction>exit,message"
                                     "</adlcp:timeLimitAction><adlcp:dataFromLMS>level=2&amp;mode=quiz"
                                     "</adlcp:dataFromLMS><adlcp:completionThreshold>0.75</adlcp:completionThreshold>",
    "<imsss:objectives>": '<imsss:limitConditions attemptAbsoluteDurationLimit="PT1H30M"/><imsss:objectives>',
}


def golf_with_launch_data(tmp_path):  # type: ignore[no-untyped-def]
    folder = tmp_path / ADVANCED_2004
    folder.mkdir()
    for path in (GOLF / ADVANCED_2004).rglob("*"):
        target = folder / path.relative_to(GOLF / ADVANCED_2004)
        if path.is_dir():
            target.mkdir(exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    manifest = (folder / "imsmanifest.xml").read_text()
    for old, new in EXTRAS_2004.items():
        assert old in manifest
        manifest = manifest.replace(old, new, 1)
    (folder / "imsmanifest.xml").write_text(manifest)
    return folder


@pytest.fixture
def golf(app, importer, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("tests.scorm.test_golf_runtime.GOLF", tmp_path)
    golf_with_launch_data(tmp_path)
    package_id = importer(golf_zip(ADVANCED_2004, tmp_path / "golf.zip")).package_id
    (sco,) = items_of(app, package_id).values()
    return make_launch(app, LEARNER, "learner-1", {"course": f"pkg:{package_id}"}), sco


def test_2004_session_starts_from_the_manifest_and_the_attempt(client, golf):
    launch, sco = golf
    opened = open_session(client, launch, sco)
    first = opened["cmi"]
    assert [o["id"] for o in first["objectives"].values()] == [
        "PRIMARYOBJ", "obj_etiquette", "obj_handicapping", "obj_havingfun", "obj_playing"]
    assert {k: first[k] for k in ("entry", "credit", "mode", "learner_id", "total_time", "launch_data",
                                  "time_limit_action", "completion_threshold", "max_time_allowed",
                                  "scaled_passing_score")} == {
        "entry": "ab-initio", "credit": "credit", "mode": "normal", "learner_id": "learner-1",
        "total_time": "PT0H0M0S", "launch_data": "level=2&mode=quiz", "time_limit_action": "exit,message",
        "completion_threshold": "0.75", "max_time_allowed": "PT1H30M", "scaled_passing_score": "0.8"}
    assert first["learner_preference"] == {"audio_level": "1", "language": "", "delivery_speed": "1",
                                           "audio_captioning": "0"}
    # the first session: an objective scored, two interactions, suspended after 1 min 30 s
    cmi = {**first, "location": "7", "suspend_data": "p=7", "exit": "suspend", "session_time": "PT1M30S",
           "objectives": {**first["objectives"], "1": {"id": "obj_etiquette", "score": {"scaled": "0.5"},
                                                       "success_status": "unknown"}},
           "interactions": {str(n): {"id": f"q{n}", "type": "true-false", "learner_response": "true",
                                     "result": "correct"} for n in range(2)},
           "learner_preference": {"audio_level": "0.5", "language": "sr", "delivery_speed": "1",
                                  "audio_captioning": "1"},
           "learner_name": "someone else", "credit": "no-credit", "total_time": "PT99H"}  # the LMS's to set
    assert commit(client, opened["commitUrl"] + "&terminate=true", cmi).status_code == 200
    again = open_session(client, launch, sco)["cmi"]
    assert (again["entry"], again["total_time"], again["location"], again["suspend_data"]) == (
        "resume", "PT0H1M30S", "7", "p=7")
    assert again["objectives"]["1"] == {"id": "obj_etiquette", "success_status": "unknown",
                                        "score": {"scaled": "0.5"}} and len(again["objectives"]) == 5
    assert [i["id"] for i in again["interactions"].values()] == ["q0", "q1"]  # kept across sessions
    assert again["learner_preference"]["language"] == "sr" and again["credit"] == "credit"
    assert "session_time" not in again and "exit" not in again


def test_2004_hostile_stored_data_is_filtered(client, golf):
    launch, sco = golf
    session = open_session(client, launch, sco)
    hostile = {"location": {"nested": "object"}, "suspend_data": True, "score": {"scaled": ["x"]},
               "objectives": "not an array", "interactions": {"0": "text", "1": {"id": "ok", "evil": {"a": 1}}},
               "__proto__": {"polluted": "yes"}, "comments_from_learner": [{"comment": "x" * 70000}]}
    assert commit(client, session["commitUrl"] + "&terminate=true", {**hostile, "exit": "suspend"}).status_code == 200
    again = open_session(client, launch, sco)["cmi"]
    assert "location" not in again and "suspend_data" not in again and "score" not in again
    assert "__proto__" not in again and again["interactions"] == {"0": {"id": "ok"}}
    assert len(again["comments_from_learner"]["0"]["comment"]) == 64000
    assert len(again["objectives"]) == 5  # the manifest's, still
    assert len(json.dumps(again)) < 70000


def test_entry_is_empty_after_a_session_that_ended_without_suspend(app, client, importer, tmp_path):
    package_id = importer(scorm12_package(tmp_path / "p.zip")).package_id
    sco = list(items_of(app, package_id).values())[0]
    launch = make_launch(app, LEARNER, "learner-1", {"course": f"pkg:{package_id}"})
    first = open_session(client, launch, sco)
    core = first["cmi"]["core"]
    assert {k: core[k] for k in ("entry", "credit", "lesson_mode", "student_id", "total_time")} == {
        "entry": "ab-initio", "credit": "credit", "lesson_mode": "normal", "student_id": "learner-1",
        "total_time": "0000:00:00.00"}
    assert first["cmi"]["student_preference"] == {"audio": "0", "language": "", "speed": "0", "text": "0"}
    # the browser went away mid-session: no terminate, nothing suspended; the attempt goes on, entry ""
    cmi = {"core": {"lesson_status": "incomplete", "lesson_location": "2"},
           "interactions": {"0": {"id": "i1", "type": "choice"}}}
    assert commit(client, first["commitUrl"], cmi).status_code == 200
    second = open_session(client, launch, sco)["cmi"]
    assert second["core"]["entry"] == "" and second["core"]["lesson_location"] == "2"
    assert second["interactions"] == {"0": {"id": "i1", "type": "choice"}}


@pytest.mark.parametrize("href", ["https://cdn.example.org/sco.html", "//cdn.example.org/sco.html",
                                  "/etc/sco.html", "javascript:alert(1)"])
def test_a_sco_hosted_outside_the_package_is_refused_at_import(importer, tmp_path, href):
    manifest = SCORM12_MANIFEST.format(title="Remote", ident="remote").replace('href="one.html"', f'href="{href}"', 1)
    assert href in manifest
    with pytest.raises(PackageRejected) as refused:
        importer(scorm12_package(tmp_path / "p.zip", manifest=manifest))
    assert "outside the package" in str(refused.value)


@pytest.fixture
def content_app(database_url, tmp_path):  # type: ignore[no-untyped-def]
    from tests.conftest import empty_all_tables, make_test_app
    from tests.scorm.conftest import shared_schemas
    application = make_test_app(database_url, tmp_path / "instance", content_origin="http://content.example",
                                scorm_schemas=shared_schemas())
    yield application
    application.extensions["mirco"].db.dispose()
    empty_all_tables(database_url)


def test_the_page_holding_the_api_frames_only_its_own_tokens_content(content_app, tmp_path):
    from scorm.importer import import_package
    state = content_app.extensions["mirco"]
    package_id = import_package(scorm12_package(tmp_path / "p.zip"), state.settings.packages_path,
                                state.db.transaction, shared=True).package_id
    sco = list(items_of(content_app, package_id).values())[0]
    launch = make_launch(content_app, LEARNER, "learner-1", {"course": f"pkg:{package_id}"})
    client = content_app.test_client()
    url = client.post(f"/scorm/session/{sco}?launch={launch}").get_json()["url"]
    assert url.startswith("http://content.example/scorm/sco/")
    page = client.get(url, base_url="http://content.example")
    assert page.status_code == 200 and b"cross-frame-api" in page.data and b"<iframe src=\"http://content" in page.data
    assert "frame-ancestors http://127.0.0.1:5000 'self'" in page.headers["Content-Security-Policy"]
    token = url.split("/scorm/sco/")[1].split("?")[0]
    path = url[len("http://content.example"):]
    assert client.get(path, base_url="http://127.0.0.1:5000").status_code == 404  # never on the tool's origin
    for hostile in (f"/scorm/sco/{token}?sco=https://evil.example/x.html",  # another site in the frame
                    f"/scorm/sco/{token}?sco=" + "x" * 100000, f"/scorm/sco/{token}"):
        assert client.get(hostile, base_url="http://content.example").status_code == 404
    forged = url.replace(token, token[:-3] + "abc")
    assert client.get(forged, base_url="http://content.example").status_code == 403  # a forged token
