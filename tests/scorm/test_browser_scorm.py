"""Exported SCORM 1.2 and 2004 packages played in headless Chromium, with scorm-again as the LMS runtime.

A scripted learner reads the lessons and passes the quiz (4 of 6 questions right: 66.67 %, pass mark 50 %);
the runtime's CMI data must show completed, passed and that score; a second session resumes from suspend_data.
"""
from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from tests.browser.conftest import axe_violations, page  # noqa: F401 - axe-ready page fixture
from tests.scorm.conftest import serve, static_site
from tests.scorm.factories import export_zip
from tests.scorm.learner import ScriptedLearner

pytestmark = pytest.mark.browser
HARNESS = Path(__file__).resolve().parent / "harness"
WRONG = frozenset({"q5", "q6"})  # ordering left shuffled, fill-in answered wrongly
EXPECTED_RAW = 66.67

COMMIT = "() => ({cmi: LMS.renderCommitCMI(true).cmi, refused: REFUSED})"
"""What the runtime would send to the LMS on commit (scorm-again refuses reads of write-only elements)."""


def listed(children: dict) -> list[dict]:
    return [children[k] for k in sorted(children, key=int)]


@pytest.fixture
def site(tmp_path, mini_course, scorm_again):
    """Both exports unpacked behind one local web server with the harness LMS."""
    def make(fmt: str) -> str:
        folder = tmp_path / fmt
        with zipfile.ZipFile(export_zip(mini_course, fmt, tmp_path / f"{fmt}.zip")) as archive:
            archive.extractall(folder)
        return str(folder)
    return {"scorm12": make("scorm12"), "scorm2004": make("scorm2004")}


def play(browser, base: str, version: str, prior: dict | None = None,  # type: ignore[no-untyped-def]
         sco: str = "sco-m1-basics.html"):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.add_init_script(f"window.PRIOR_CMI = {json.dumps(prior)};" if prior else "")
    page.goto(f"{base}/lms/lms.html?version={version}&sco={sco}")
    learner = ScriptedLearner(page.frame_locator("#sco"))
    learner.wait_ready()
    return page, learner, errors


@pytest.mark.parametrize("fmt, version", [("scorm12", "12"), ("scorm2004", "2004")])
def test_learner_passes_and_resumes(browser, site, mini_course, scorm_again, fmt, version):
    quiz = mini_course.modules[0].quiz
    app = static_site({"/pkg": Path(site[fmt]), "/vendor": scorm_again, "/lms": HARNESS})
    with serve(app) as base:
        page, learner, errors = play(browser, base, version)
        learner.read_lessons(len(mini_course.modules[0].lessons))
        learner.answer(quiz, wrong=WRONG)
        learner.exit()
        answer = page.evaluate(COMMIT)
        page.close()
        cmi = answer["cmi"]
        assert errors == [] and answer["refused"] == []
        assert len(cmi["suspend_data"]) <= (4096 if version == "12" else 64000)
        assert cmi["suspend_data"].startswith("z")  # deflated resume state
        interactions = listed(cmi["interactions"])
        assert len(interactions) == 6
        results = {i["id"].rsplit("/", 1)[-1].rsplit(".", 1)[-1]: i["result"] for i in interactions}
        assert {i["type"] for i in interactions} == {"choice", "true-false", "matching", "sequencing", "fill-in"}
        if version == "12":
            core = cmi["core"]
            assert core["lesson_status"] == "passed"
            assert float(core["score"]["raw"]) == EXPECTED_RAW
            assert (core["score"]["min"], core["score"]["max"]) == ("0", "100")
            assert re.fullmatch(r"\d{2,4}:\d\d:\d\d", core["session_time"])
            assert results == {"q1": "correct", "q2": "correct", "q3": "correct", "q4": "correct", "q5": "wrong",
                               "q6": "wrong"}
            assert interactions[3]["student_response"] == "a.a,b.b"
            assert core["exit"] == ""
            prior = {"core": {"entry": "resume", "lesson_status": core["lesson_status"],
                              "lesson_location": core["lesson_location"]}, "suspend_data": cmi["suspend_data"]}
        else:
            assert cmi["completion_status"] == "completed" and cmi["success_status"] == "passed"
            assert float(cmi["score"]["scaled"]) == pytest.approx(0.6667)
            assert float(cmi["score"]["raw"]) == EXPECTED_RAW
            assert float(cmi["progress_measure"]) == 1
            assert re.fullmatch(r"PT\d+H\d+M[\d.]+S", cmi["session_time"])
            assert interactions[0]["id"] == "https://mirco.example.org/xapi/activities/mini-course/m1-basics/m1-quiz/q1"
            assert interactions[3]["learner_response"] == "p1[.]p1[,]p2[.]p2"
            assert results["q1"] == "correct" and results["q6"] == "incorrect"
            assert {o["id"].rsplit("/", 1)[-1] for o in listed(cmi["objectives"])} == {"K1", "R1", "S1"}
            assert cmi["exit"] == "normal"
            prior = {"entry": "resume", "completion_status": cmi["completion_status"],
                     "success_status": cmi["success_status"], "location": cmi["location"],
                     "suspend_data": cmi["suspend_data"]}

        page, learner, errors = play(browser, base, version, prior)
        frame = page.frame_locator("#sco")
        assert frame.locator("main h1").inner_text() == quiz.title.get()  # back where the learner stopped
        assert frame.locator("nav a", has_text="✓").count() == 3  # two lessons read, quiz passed
        assert "67%" in frame.locator("form.quiz .result").inner_text()
        learner.exit()
        again = page.evaluate(COMMIT)
        page.close()
        assert errors == [] and again["refused"] == []
        status = again["cmi"]["core"]["lesson_status"] if version == "12" else again["cmi"]["success_status"]
        assert status == "passed"


def test_failing_the_final_assessment_is_reported_as_failed(browser, site, mini_course, scorm_again):
    with serve(static_site({"/pkg": Path(site["scorm12"]), "/vendor": scorm_again, "/lms": HARNESS})) as base:
        page, learner, errors = play(browser, base, "12", sco="sco-final.html")
        final = mini_course.final_assessment
        learner.answer(final, wrong=frozenset(q.id for q in final.questions))
        assert page.frame_locator("#sco").locator("button.retry").count() == 1  # unlimited attempts
        learner.exit()
        answer = page.evaluate(COMMIT)
        page.close()
    core = answer["cmi"]["core"]
    assert errors == [] and answer["refused"] == []
    assert core["lesson_status"] == "failed" and float(core["score"]["raw"]) == 0
    assert core["exit"] == "suspend"


def test_leaving_the_page_finishes_and_keeps_resume_state(browser, site, scorm_again):
    """No exit button: the frame navigates away (as when the LMS window closes); pagehide must finish."""
    with serve(static_site({"/pkg": Path(site["scorm2004"]), "/vendor": scorm_again, "/lms": HARNESS})) as base:
        page, learner, errors = play(browser, base, "2004")
        learner.read_lessons(1)
        assert page.evaluate("() => LMS.isTerminated()") is False
        page.evaluate("() => { document.getElementById('sco').src = 'about:blank'; }")
        page.wait_for_function("() => LMS.isTerminated()")
        answer = page.evaluate(COMMIT)
        page.close()
    cmi = answer["cmi"]
    assert errors == [] and answer["refused"] == []
    assert cmi["exit"] == "suspend" and cmi["completion_status"] == "incomplete" and cmi["location"] == "1"
    assert cmi["suspend_data"].startswith("z") and float(cmi["progress_measure"]) == pytest.approx(0.67)


def test_one_sco_course_export_passes_when_every_quiz_is_passed(browser, tmp_path, mini_course, scorm_again):
    folder = tmp_path / "course-sco"
    with zipfile.ZipFile(export_zip(mini_course, "scorm12", tmp_path / "c.zip", per="course")) as archive:
        archive.extractall(folder)
    with serve(static_site({"/pkg": folder, "/vendor": scorm_again, "/lms": HARNESS})) as base:
        page, learner, errors = play(browser, base, "12", sco="sco-course.html")
        learner.read_lessons(len(mini_course.modules[0].lessons))
        learner.answer(mini_course.modules[0].quiz)
        assert page.evaluate(COMMIT)["cmi"]["core"]["lesson_status"] == "incomplete"  # the final is still open
        page.frame_locator("#sco").locator("button.next").click()
        learner.answer(mini_course.final_assessment)
        learner.exit()
        answer = page.evaluate(COMMIT)
        page.close()
    core = answer["cmi"]["core"]
    assert errors == [] and answer["refused"] == []
    assert core["lesson_status"] == "passed" and float(core["score"]["raw"]) == 100
    assert len(listed(answer["cmi"]["interactions"])) == 7


def test_player_lessons_and_quizzes_pass_axe(page, site):
    """The exported player opened on its own (offline adapter): WCAG 2.1 AA, serious and critical issues."""
    with serve(static_site({"/pkg": Path(site["scorm12"])})) as base:
        page.goto(f"{base}/pkg/sco-m1-basics.html")
        page.locator("body[data-ready=true]").wait_for()
        lesson = axe_violations(page)
        page.locator("nav a[data-page='2']").click()
        page.locator("form.quiz").wait_for()
        quiz = axe_violations(page)
    assert lesson == [] and quiz == []


def test_unanswered_questions_and_brace_answers_are_accepted_by_the_runtime(browser, site, mini_course, scorm_again):
    """Nothing chosen is no learner_response (an empty choice/matching one is refused), and a fill-in answer that
    starts with "{" is not mistaken for a {lang=...} delimiter."""
    quiz = mini_course.modules[0].quiz
    fill_in = next(q for q in quiz.questions if q.type == "fill_in")
    with serve(static_site({"/pkg": Path(site["scorm2004"]), "/vendor": scorm_again, "/lms": HARNESS})) as base:
        page, learner, errors = play(browser, base, "2004")
        learner.read_lessons(len(mini_course.modules[0].lessons))
        frame = page.frame_locator("#sco")
        frame.locator(f"fieldset[data-question='{fill_in.id}'] input").fill("{lang=xx} nothing")
        frame.locator("button.submit").click()
        frame.locator("form.quiz .result").wait_for()
        answer = page.evaluate(COMMIT)
        page.close()
    assert errors == [] and answer["refused"] == []
    interactions = {i["id"].rsplit("/", 1)[-1]: i for i in listed(answer["cmi"]["interactions"])}
    assert interactions[fill_in.id]["learner_response"] == " {lang=xx} nothing"
    assert all(interactions[q.id]["learner_response"] == "" for q in quiz.questions if q.type in ("multiple", "matching"))
    assert {i["result"] for i in interactions.values()} == {"incorrect"}


@pytest.mark.parametrize("fmt, version", [("scorm12", "12"), ("scorm2004", "2004")])
def test_lesson_images_show_in_the_exported_player(browser, scorm_again, mini_course, tmp_path, fmt, version):
    """Images beside a lesson (a space and a non-ASCII letter in the name) and in a shared course folder are
    copied into the package and the player's lesson HTML points at them."""
    from courses import load_course
    from tests.scorm.factories import course_with_images

    course = load_course(course_with_images(mini_course.path, tmp_path / "course"))
    folder = tmp_path / fmt
    with zipfile.ZipFile(export_zip(course, fmt, tmp_path / f"{fmt}.zip")) as archive:
        archive.extractall(folder)
    with serve(static_site({"/pkg": folder, "/vendor": scorm_again, "/lms": HARNESS})) as base:
        page, learner, errors = play(browser, base, version)
        images = page.frame_locator("#sco").locator("article img")
        images.first.wait_for()
        page.wait_for_timeout(200)
        loaded = images.evaluate_all("all => all.map(i => [i.alt, i.complete && i.naturalWidth])")
        page.close()
    assert loaded == [["A map", 4], ["Shared", 2]] and errors == []
