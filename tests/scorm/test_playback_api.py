"""The session/commit API behind imported packages: who may commit what, and what hostile input gets."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from lti_tool.state import app_state
from scorm.cmi_xapi import CmiState, commit_statements, duration_seconds, read_cmi
from scorm.models import ScormAttempt
from tests.scorm.conftest import items_of
from tests.scorm.factories import scorm12_package, scorm2004_package
from tests.scorm.test_upload_page import LEARNER, make_launch
from xapi.builders import CourseStatements, Learner
from xapi.service import validate_statements


@pytest.fixture
def package(app, importer, tmp_path):
    package_id = importer(scorm12_package(tmp_path / "p.zip")).package_id
    return package_id, list(items_of(app, package_id).values())


@pytest.fixture
def learner(app, package) -> str:
    return make_launch(app, LEARNER, "learner-1", {"course": f"pkg:{package[0]}"})


def open_session(client, launch: str, sco: int) -> dict:
    answer = client.post(f"/scorm/session/{sco}?launch={launch}")
    assert answer.status_code == 200, answer.data
    return answer.get_json()


def commit(client, url: str, cmi, **kwargs):  # type: ignore[no-untyped-def]
    return client.post(url, data=json.dumps({"cmi": cmi}), content_type="text/plain", **kwargs)


def test_session_commit_and_terminate(app, client, package, learner):
    session = open_session(client, learner, package[1][0])
    assert session["cmi"]["student_data"] == {"mastery_score": "80"}  # adlcp:masteryscore reaches the SCO
    cmi = {"core": {"lesson_status": "passed", "score": {"raw": "90", "min": "0", "max": "100"},
                    "session_time": "00:02:00", "exit": ""},
           "interactions": {"0": {"id": "q1", "type": "choice", "student_response": "a,b", "result": "correct",
                                  "correct_responses": {"0": {"pattern": "a,b"}}}}}
    assert commit(client, session["commitUrl"], cmi).get_json() == {"result": True, "errorCode": 0}
    assert commit(client, session["commitUrl"] + "&terminate=true", cmi).status_code == 200
    with app_state(app).db.sessions() as db:
        attempt = db.scalars(select(ScormAttempt)).one()
        assert (attempt.success, attempt.score_scaled, attempt.total_seconds, attempt.finished) == (
            "passed", 0.9, 120.0, True)
    late = commit(client, session["commitUrl"], cmi)
    assert late.status_code == 409 and late.get_json()["result"] is False


def test_commit_needs_the_launch_of_the_attempt_owner(app, client, package, learner):
    session = open_session(client, learner, package[1][0])
    url = session["commitUrl"]
    assert commit(client, url.split("?")[0], {}).status_code == 401
    other = make_launch(app, LEARNER, "learner-2", {"course": f"pkg:{package[0]}"})
    stolen = commit(client, url.split("?")[0] + f"?launch={other}", {"core": {"lesson_status": "passed"}})
    assert stolen.status_code == 403
    assert commit(client, f"/scorm/commit/999999?launch={learner}", {}).status_code == 403


@pytest.mark.parametrize("body, status", [
    (b"not json", 400), (b"[]", 400), (b'{"cmi": "text"}', 400), (b'{"nocmi": {}}', 400),
])
def test_malformed_commits_are_400(client, package, learner, body, status):
    session = open_session(client, learner, package[1][0])
    answer = client.post(session["commitUrl"], data=body, content_type="application/json")
    assert answer.status_code == status and answer.get_json()["result"] is False


def test_oversized_commit_is_413(client, package, learner):
    session = open_session(client, learner, package[1][0])
    big = {"suspend_data": "x" * (3 * 1024 * 1024)}
    assert commit(client, session["commitUrl"], big).status_code == 413


def test_hostile_cmi_values_still_make_valid_statements(app, client, package, learner):
    session = open_session(client, learner, package[1][0])
    cmi = {"core": {"lesson_status": {"nested": 1}, "score": {"raw": "NaN-ish", "max": []}, "session_time": "99:99"},
           "interactions": {"0": {"id": "spaces and <script> " * 300, "type": "evil", "student_response": 5,
                                  "result": None},
                            "x": "not an interaction", "1": ["list"]}}
    answer = commit(client, session["commitUrl"] + "&terminate=true", cmi)
    assert answer.status_code == 200, answer.data


def test_session_for_another_package_or_no_package(app, client, importer, package, learner, tmp_path):
    other = importer(scorm2004_package(tmp_path / "o.zip"))
    foreign = items_of(app, other.package_id)["I1"]
    assert client.post(f"/scorm/session/{foreign}?launch={learner}").status_code == 404
    unlinked = make_launch(app, LEARNER, "learner-3", {"course": "mini-course"}, link="L9")
    assert client.post(f"/scorm/session/{package[1][0]}?launch={unlinked}").status_code == 404
    assert client.get(f"/scorm/play?launch={unlinked}").status_code == 404


def test_player_page_lists_the_items_and_loads_the_runtime(client, package, learner):
    page = client.get(f"/scorm/play?launch={learner}")
    assert page.status_code == 200
    assert b"vendor/scorm-again/scorm12.min.js" in page.data and b"Part one" in page.data


def content_base(client, launch: str, sco: int) -> str:
    """The content URL prefix (with its token) the player receives when it opens `sco`."""
    url = open_session(client, launch, sco)["url"]
    return url[:url.rindex("/")]


def test_content_is_served_with_its_own_policy_and_no_traversal(client, package, learner):
    base = content_base(client, learner, package[1][0])
    page = client.get(f"{base}/one.html")
    page.close()
    policy = page.headers["Content-Security-Policy"]
    assert page.status_code == 200 and "frame-ancestors 'self'" in policy
    assert "sandbox allow-scripts allow-forms allow-popups;" in policy and "allow-same-origin" not in policy
    assert client.get(f"{base}/../../secret_key").status_code == 404
    assert client.get(f"{base}/%2e%2e/%2e%2e/secret_key").status_code == 404
    assert client.get(f"{base}/..%2f..%2fsecret_key").status_code == 404
    assert client.get("/scorm/content/..%2f..%2f/x").status_code == 403


def test_lti_launch_of_a_package_link_opens_the_scorm_player(client, package, learner):
    answer = client.get(f"/play/?launch={learner}")
    assert answer.status_code == 303 and "/scorm/play?launch=" in answer.headers["Location"]


# ---- the CMI -> xAPI mapping on its own

def builder() -> CourseStatements:
    return CourseStatements(base_iri="https://x.example/a", course_id="pkg-1",
                            registration="3f2504e0-4f89-11d3-9a0c-0305e82c3301",
                            learner=Learner("https://lms.example", "u1"), course_title={"und": "P"})


@pytest.mark.parametrize("text, seconds", [("PT1H2M3.5S", 3723.5), ("0001:02:03.50", 3723.5), ("P1DT1S", 86401),
                                           ("PT", None), ("", None), ("1:2:3", None), (None, None), ("PT-5S", None)])
def test_durations(text, seconds):
    assert duration_seconds(text) == seconds


def test_scorm12_responses_become_xapi_patterns():
    state = read_cmi({"interactions": {"0": {"id": "m", "type": "matching", "student_response": "1.a,2.b"},
                                       "1": {"id": "t", "type": "true-false", "student_response": "t"}}}, "scorm12")
    assert [i.response for i in state.interactions] == ["1[.]a[,]2[.]b", "true"]


def test_each_commit_reports_only_what_changed():
    before = read_cmi({"completion_status": "incomplete", "progress_measure": "0.5",
                       "interactions": {"0": {"id": "q1", "type": "true-false", "learner_response": "true",
                                              "result": "correct"}}}, "scorm2004")
    after = read_cmi({"completion_status": "completed", "success_status": "failed", "progress_measure": "1",
                      "score": {"scaled": "0.4"}, "exit": "suspend", "session_time": "PT10S",
                      "interactions": {"0": {"id": "q1", "type": "true-false", "learner_response": "true",
                                             "result": "correct"},
                                       "1": {"id": "q2", "type": "fill-in", "learner_response": "x",
                                             "result": "incorrect"}}}, "scorm2004")
    statements = commit_statements(builder(), "sco-1", {"und": "SCO"}, before, after, terminated=True)
    validate_statements(statements)
    verbs = [s["verb"]["id"].rsplit("/", 1)[1] for s in statements]
    assert verbs == ["answered", "progressed", "completed", "failed", "suspended", "terminated"]
    assert statements[0]["result"] == {"success": False, "response": "x"}
    assert statements[3]["result"]["score"]["scaled"] == 0.4
    assert commit_statements(builder(), "sco-1", {"und": "SCO"}, after, after, terminated=False) == []
    assert commit_statements(builder(), "sco-1", {"und": "SCO"}, CmiState(), CmiState(), terminated=False) == []


@pytest.mark.parametrize("version, cmi, scaled, score", [
    ("scorm2004", {"success_status": "passed", "score": {"scaled": "NaN", "raw": "nan"}}, None, None),
    ("scorm2004", {"success_status": "passed", "score": {"scaled": "inf"}}, None, None),
    ("scorm12", {"core": {"lesson_status": "passed", "score": {"raw": "150", "min": "0", "max": "100"}}}, 1.0,
     {"scaled": 1.0}),
    ("scorm2004", {"success_status": "failed", "score": {"scaled": "0.5", "raw": "5", "min": "0", "max": "10"}}, 0.5,
     {"scaled": 0.5, "raw": 5.0, "min": 0.0, "max": 10.0}),
])
def test_scores_out_of_range_or_not_finite_never_reach_the_lrs(version, cmi, scaled, score):
    after = read_cmi(cmi, version)
    assert after.scaled == scaled
    statements = commit_statements(builder(), "sco-1", {"und": "SCO"}, CmiState(), after, terminated=False)
    validate_statements(statements)
    assert statements[-1]["result"].get("score") == score


def test_imported_packages_can_be_picked_in_deep_linking(app, package):
    from lti_tool.lti import deep_linking
    from lti_tool.lti.content_choices import content_choices

    with app.test_request_context():
        values = {item.value: item for item in content_choices("en", 1)}
        picked = f"pkg:{package[0]}"
        assert values[picked].label == "Hand-made SCORM 1.2" and values[picked].graded
        resource = deep_linking._resource(picked, "en", 1).to_dict()
        assert resource["custom"] == {"course": picked}
        assert resource["lineItem"]["resourceId"] == picked
        assert deep_linking._resource("pkg:" + "0" * 32, "en", 1) is None


def test_lesson_images_of_an_imported_export_are_served(app, client, importer, mini_course, tmp_path):
    from courses import load_course
    from tests.scorm.factories import course_with_images, export_zip

    course = load_course(course_with_images(mini_course.path, tmp_path / "course"))
    result = importer(export_zip(course, "scorm2004", tmp_path / "p.zip"))
    launch = make_launch(app, LEARNER, "learner-1", {"course": f"pkg:{result.package_id}"})
    base = content_base(client, launch, next(iter(items_of(app, result.package_id).values())))
    for path, size in (("media/modules/01-basics/images/map%20%C5%A1.png", 4), ("media/media/shared.png", 2)):
        answer = client.get(f"{base}/{path}")
        assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/png"
        assert int.from_bytes(answer.data[16:20], "big") == size  # the PNG's width
        answer.close()
