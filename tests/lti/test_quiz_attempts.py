"""Quiz attempts over real HTTP: POST/redirect/GET with a one-time submission token, confirmation of unanswered
questions, results in the order the learner saw the questions, attempt limits that hold under parallel
submissions, Markdown in prompts, and the grade the platform keeps (the link's grading policy)."""
from __future__ import annotations

import threading
from pathlib import Path

import lxml.html
import pytest
from sqlalchemy import func, select

from lti_tool.lti.services import drain_scores
from lti_tool.models import OutboxMessage, QuizAttempt
from lti_tool.state import app_state
from tests.conftest import mini_course_with
from tests.lti.conftest import served_tool
from tests.lti.test_flow import launch_as

QUIZ = "/play/quiz/m1-quiz"
RIGHT = {"q-q1": "a", "q-q2": "true", "q-q3": ["a", "b"], "q-q4-p1": "p1", "q-q4-p2": "p2",
         "q-q5-i1": "1", "q-q5-i2": "2", "q-q5-i3": "3", "q-q6": "33"}
WRONG = {"q-q1": "b", "q-q2": "false", "q-q3": ["c"], "q-q4-p1": "p2", "q-q4-p2": "p1",
         "q-q5-i1": "3", "q-q5-i2": "2", "q-q5-i3": "1", "q-q6": "34"}


@pytest.fixture
def tool(database_url: str, tmp_path: Path):
    """The tool with the mini course, its module quiz allowing 3 attempts, shuffled, with Markdown in prompts and
    options (as docs/course-format.md allows)."""
    courses = mini_course_with(tmp_path / "courses", {
        "attempts: 2": "attempts: 3", "shuffle: false": "shuffle: true",
        "prompt: Which are Convention grounds": "prompt: Which are **Convention grounds**",
        "{id: a, text: Religion, correct: true}": "{id: a, text: '*Religion*', correct: true}"})
    with served_tool(database_url, tmp_path / "instance", courses_dirs=(courses,)) as served:
        yield served


def form_values(page) -> dict:  # type: ignore[no-untyped-def]
    form = lxml.html.fromstring(page.text).forms[-1]
    return {i.get("name"): i.get("value") or "" for i in form.findall(".//input") if i.get("type") == "hidden"}


def quiz_attempts(tool) -> int:  # noqa: F811
    with app_state(tool.app).db.sessions() as session:
        return session.scalar(select(func.count()).select_from(QuizAttempt))


def queued(tool) -> int:  # noqa: F811
    with app_state(tool.app).db.sessions() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage))


def test_a_reloaded_result_or_a_replayed_submit_records_one_attempt(tool, platform):
    browser, _ = launch_as(platform)
    form = form_values(browser.http.get(tool.url + QUIZ, timeout=10))
    assert len(form["token"]) >= 16
    answer = browser.http.post(tool.url + QUIZ, data={**form, **WRONG}, timeout=10, allow_redirects=False)
    assert answer.status_code == 303 and "/play/quiz/m1-quiz/result/1" in answer.headers["Location"]
    result = browser.http.get(tool.url + answer.headers["Location"], timeout=10)
    assert result.status_code == 200 and "Not passed" in result.text
    assert browser.http.get(tool.url + answer.headers["Location"], timeout=10).text == result.text  # reloaded
    for _ in range(3):  # the form sent again (back button, double click, a replay): the same result
        again = browser.http.post(tool.url + QUIZ, data={**form, **RIGHT}, timeout=10, allow_redirects=False)
        assert again.status_code == 303 and again.headers["Location"] == answer.headers["Location"]
    assert quiz_attempts(tool) == 1
    assert "Attempt 2 of 3" in browser.http.get(tool.url + QUIZ, timeout=10).text


def test_unanswered_questions_are_confirmed_before_anything_is_recorded(tool, platform):
    browser, _ = launch_as(platform)
    form = form_values(browser.http.get(tool.url + QUIZ, timeout=10))
    partial = {"q-q1": "b", "q-q6": "thirty-three"}
    asked = browser.http.post(tool.url + QUIZ, data={**form, **partial}, timeout=10, allow_redirects=False)
    assert asked.status_code == 200 and quiz_attempts(tool) == 0
    doc = lxml.html.fromstring(asked.text)
    notice = doc.get_element_by_id("confirm-unanswered").text_content()
    assert "You have not answered questions" in notice and "Submit anyway?" in notice
    assert doc.get_element_by_id("q-q1-b").get("checked") is not None  # the answers given are kept
    assert doc.get_element_by_id("q-q6").get("value") == "thirty-three"
    again = form_values(asked)
    assert again["token"] == form["token"] and again["confirm"] == "1"
    sent = browser.http.post(tool.url + QUIZ, data={**again, **partial}, timeout=10, allow_redirects=False)
    assert sent.status_code == 303 and quiz_attempts(tool) == 1
    # an empty form is asked about too, never scored 0 without a word
    empty = browser.http.post(tool.url + QUIZ, data=form_values(browser.http.get(tool.url + QUIZ, timeout=10)),
                              timeout=10, allow_redirects=False)
    assert empty.status_code == 200 and "You have not answered questions 1, 2, 3, 4, 5, 6" in empty.text
    assert quiz_attempts(tool) == 1


@pytest.mark.parametrize("token, status", [("", 400), ("short", 400), ("x" * 65, 400), ("bad token!" * 3, 400),
                                           ("a" * 5000, 400)])
def test_malformed_submission_tokens_are_refused(tool, platform, token, status):
    browser, _ = launch_as(platform)
    form = form_values(browser.http.get(tool.url + QUIZ, timeout=10))
    answer = browser.http.post(tool.url + QUIZ, data={**form, **RIGHT, "token": token}, timeout=10)
    assert answer.status_code == status and "Open the quiz again" in answer.text
    assert quiz_attempts(tool) == 0


def test_a_token_of_another_quiz_and_unknown_results_are_refused(tool, platform):
    browser, _ = launch_as(platform)
    form = form_values(browser.http.get(tool.url + QUIZ, timeout=10))
    browser.http.post(tool.url + QUIZ, data={**form, **RIGHT}, timeout=10)
    final = form_values(browser.http.get(tool.url + "/play/quiz/final", timeout=10))
    reused = browser.http.post(tool.url + "/play/quiz/final", data={**final, "token": form["token"], "q-f1": "false"},
                               timeout=10)
    assert reused.status_code == 409 and quiz_attempts(tool) == 1
    for number in ("2", "0", "99999999999999999999"):
        assert browser.http.get(f"{tool.url}{QUIZ}/result/{number}", timeout=10).status_code == 404
    other, _ = launch_as(platform, user="learner-2")  # another learner cannot read this learner's result
    assert other.http.get(f"{tool.url}{QUIZ}/result/1", timeout=10).status_code == 404


def test_results_follow_the_order_the_learner_saw_and_render_markdown(tool, platform):
    browser, _ = launch_as(platform)
    page = browser.http.get(tool.url + QUIZ, timeout=10)
    doc = lxml.html.fromstring(page.text)
    shown = [f.xpath(".//input|.//select")[0].get("name").split("-")[1] for f in doc.xpath("//fieldset")]
    assert shown != sorted(shown)  # shuffled for this learner and attempt
    legend = doc.xpath("//fieldset[.//input[@name='q-q3']]/legend")[0]
    assert [s.text for s in legend.xpath(".//strong")] == ["Convention grounds"] and "**" not in page.text
    assert doc.xpath("//label[@for='q-q3-a']/em")[0].text == "Religion"
    result = browser.http.get(tool.url + browser.http.post(tool.url + QUIZ, data={**form_values(page), **RIGHT}, timeout=10,
                                                allow_redirects=False).headers["Location"], timeout=10)
    items = lxml.html.fromstring(result.text).xpath("//li[@class='question-feedback']/p[@class='prompt']")
    prompts = [p.text_content() for p in items]
    order = {"q1": "Which article", "q2": "The 1967 Protocol", "q3": "Which are Convention grounds",
             "q4": "Match each", "q5": "Put the instruments", "q6": "Non-refoulement is"}
    assert [next(k for k, v in order.items() if p.startswith(v)) for p in prompts] == shown
    assert "<strong>Convention grounds</strong>" in result.text and "**" not in result.text


def test_parallel_submissions_store_exactly_the_attempts_allowed(tool, platform):
    browser, _ = launch_as(platform)
    forms = [form_values(browser.http.get(tool.url + QUIZ, timeout=10)) for _ in range(12)]
    assert len({f["token"] for f in forms}) == 12
    statuses: list[int] = []
    start = threading.Barrier(12)

    def submit(form: dict) -> None:
        start.wait()
        statuses.append(browser.http.post(tool.url + QUIZ, data={**form, **WRONG}, timeout=60,
                                          allow_redirects=False).status_code)

    threads = [threading.Thread(target=submit, args=(f,)) for f in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert sorted(statuses) == [303] * 3 + [409] * 9
    with app_state(tool.app).db.sessions() as session:
        numbers = sorted(session.scalars(select(QuizAttempt.number)))
    assert numbers == [1, 2, 3]
    refused = browser.http.post(tool.url + QUIZ, data={**forms[0], **WRONG, "token": "z" * 32}, timeout=10)
    assert refused.status_code == 409 and "You have used all 3 attempts at this quiz." in refused.text


@pytest.mark.parametrize("grading, kept", [(None, "best"), ("last", "last")])
def test_the_platform_keeps_the_grade_the_links_policy_names(tool, platform, grading, kept):
    if grading:
        platform.state.links["link-1"]["custom"]["grading"] = grading
    browser, _ = launch_as(platform)
    form = form_values(browser.http.get(tool.url + QUIZ, timeout=10))
    browser.http.post(tool.url + QUIZ, data={**form, **RIGHT}, timeout=10)
    drain_scores(tool.app)
    passing = platform.state.scores[-1]["scoreGiven"]
    assert passing > 0
    for _ in range(2):  # launched again twice, the quiz and its result looked at, nothing submitted
        browser, _ = launch_as(platform)
        assert browser.http.get(tool.url + QUIZ, timeout=10).status_code == 200
        assert browser.http.get(tool.url + QUIZ + "/result/1", timeout=10).status_code == 200
    assert queued(tool) == 1
    form = form_values(browser.http.get(tool.url + QUIZ, timeout=10))
    browser.http.post(tool.url + QUIZ, data={**form, **WRONG}, timeout=10)  # the learner's own new attempt
    drain_scores(tool.app)
    given = platform.state.scores[-1]["scoreGiven"]
    assert given == passing if kept == "best" else given < passing
