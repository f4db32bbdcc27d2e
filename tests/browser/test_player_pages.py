"""The learner player in a real browser after a real LTI launch: axe-core on the outline, lesson, quiz and
result pages in every complete language, screenshots at 360 px and 1280 px, and the lesson page's weight."""
from __future__ import annotations


import pytest
from sqlalchemy import select

from lti_tool.i18n import LANGUAGES
from lti_tool.models import Attempt, LessonView, QuizAttempt
from lti_tool.state import app_state
from tests.browser.conftest import axe_violations, screenshot
from tests.servers import wait_for
from xapi.service import StatementQuery, query_statements
from tests.lti.conftest import jwks_server, platform, tool  # noqa: F401  (fixtures reused from the LTI tests)

pytestmark = pytest.mark.browser
COMPLETE = [lang for lang in LANGUAGES if lang.complete]
LESSON = "/play/lesson/m1-basics/m1-l1-definition"


def _launch(page, platform) -> None:  # noqa: F811
    page.goto(f"{platform.url}/start/resource/learner-1?link=link-1")
    page.wait_for_url("**/play/**")


def test_player_pages_pass_axe_in_every_complete_language(page, tool, platform) -> None:  # noqa: F811
    _launch(page, platform)
    page.on("dialog", lambda dialog: dialog.accept())  # the final assessment is submitted unanswered
    problems = []
    for language in COMPLETE:
        for name, path in (("outline", "/play/"), ("lesson", LESSON), ("quiz", "/play/quiz/m1-quiz"),
                           ("final", "/play/quiz/final")):
            page.goto(f"{tool.url}{path}?lang={language.tag}")
            assert page.get_attribute("html", "lang") == language.tag, (name, language.tag)
            problems += [f"{language.tag} {name}: {v}" for v in axe_violations(page)]
        page.click("form.quiz button[type=submit]")  # the final assessment allows unlimited attempts
        page.wait_for_selector(".quiz-result")
        assert page.get_attribute("html", "lang") == language.tag
        problems += [f"{language.tag} result: {v}" for v in axe_violations(page)]
    assert not problems, "\n".join(problems)
    assert not page.csp_errors, page.csp_errors


def test_player_screenshots_and_lesson_weight(page, tool, platform) -> None:  # noqa: F811
    _launch(page, platform)
    sizes: dict[str, int] = {}
    page.on("response", lambda r: r.request.resource_type in ("document", "stylesheet", "script") and
            sizes.__setitem__(r.url, len(r.body())))
    page.goto(tool.url + LESSON)
    page.wait_for_load_state("networkidle")
    assert sum(sizes.values()) < 150 * 1024, sizes
    assert all(url.startswith(tool.url) for url in sizes), list(sizes)
    screenshot(page, "player-lesson")
    page.goto(tool.url + "/play/")
    screenshot(page, "player-outline")
    page.goto(tool.url + "/play/quiz/m1-quiz")
    screenshot(page, "player-quiz")
    page.check("#q-q1-b")
    page.check("#q-q2-true")
    page.fill("#q-q6", "33")
    page.once("dialog", lambda dialog: dialog.accept())  # three questions left unanswered: submit anyway
    page.click("form.quiz button[type=submit]")
    page.wait_for_selector(".quiz-result")
    assert "Article 1F lists the exclusion clauses." in page.inner_text("main")
    screenshot(page, "player-result")
    for width in (320, 360):
        page.set_viewport_size({"width": width, "height": 700})
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_quiz_can_be_answered_and_submitted_by_keyboard_only(page, tool, platform) -> None:  # noqa: F811
    _launch(page, platform)
    page.goto(tool.url + "/play/quiz/m1-quiz")
    for _ in range(80):  # from the top of the page, only the keyboard
        page.keyboard.press("Tab")
        kind = page.evaluate("() => { const e = document.activeElement; if (!e.closest('form.quiz')) return 'page';"
                             " return e.tagName === 'INPUT' ? e.type : e.tagName.toLowerCase(); }")
        if kind in ("radio", "checkbox"):
            page.keyboard.press("Space")
        elif kind == "select":
            page.keyboard.press("ArrowDown")
        elif kind == "text":
            page.keyboard.type("33")
        elif kind == "button":
            page.keyboard.press("Enter")
            break
    else:
        raise AssertionError("the submit button is not reachable with Tab")
    page.wait_for_selector(".quiz-result")
    answers = page.locator(".question-feedback").all_inner_texts()
    assert len(answers) == 6 and not [a for a in answers if "No answer" in a], answers


def test_time_on_a_quiz_is_recorded_with_the_submission(page, tool, platform) -> None:  # noqa: F811
    _launch(page, platform)
    page.clock.install()
    page.goto(tool.url + "/play/quiz/final")
    page.clock.fast_forward("02:30")  # the learner reads for two and a half minutes
    page.once("dialog", lambda dialog: dialog.accept())  # nothing answered: submit anyway
    page.click("form.quiz button[type=submit]")
    page.wait_for_selector(".quiz-result")
    with app_state(tool.app).db.sessions() as session:
        recorded = session.scalars(select(QuizAttempt.seconds).where(QuizAttempt.quiz_id == "final")).one()
    assert 150 <= recorded < 160


def _lesson_seconds(tool) -> int:  # noqa: F811
    with app_state(tool.app).db.sessions() as session:
        return session.scalar(select(LessonView.seconds).where(LessonView.lesson_id == "m1-l1-definition")) or 0


def test_visible_time_on_a_lesson_is_reported_by_beacon(page, tool, platform) -> None:  # noqa: F811
    """Visible time only: the page hidden (another tab) adds nothing; leaving the page (pagehide) reports the
    rest, and the time is stored with an `experienced` statement carrying result.duration."""
    _launch(page, platform)
    page.goto(tool.url + LESSON)
    page.wait_for_timeout(2500)  # read for 2.5 s, then switch to another tab for 3 s
    page.evaluate("""() => { Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
                             document.dispatchEvent(new Event('visibilitychange')); }""")
    wait_for(lambda: _lesson_seconds(tool) >= 2, 5, "2 s of lesson time stored")
    assert _lesson_seconds(tool) == 2
    page.wait_for_timeout(3000)
    page.evaluate("""() => { Object.defineProperty(document, 'visibilityState', {value: 'visible', configurable: true});
                             document.dispatchEvent(new Event('visibilitychange')); }""")
    page.wait_for_timeout(1500)
    page.goto(tool.url + "/play/")  # pagehide: the last 1.5 visible seconds
    wait_for(lambda: _lesson_seconds(tool) >= 3, 5, "3 s of lesson time stored")
    page.wait_for_timeout(300)
    total = _lesson_seconds(tool)
    assert 3 <= total <= 4  # 2.5 + 1.5 visible seconds, whole seconds per report; the hidden 3 s not counted
    with app_state(tool.app).db.sessions() as session:
        attempt_seconds = session.scalar(select(Attempt.seconds))
        durations = [s["result"]["duration"] for s in query_statements(session, StatementQuery(limit=100)).statements
                     if s["verb"]["id"].endswith("/experienced") and "result" in s]
    assert attempt_seconds == total and len(durations) == 2 and durations[0] == "PT02S", durations


def test_unanswered_questions_are_confirmed_and_a_double_click_records_one_attempt(page, tool, platform) -> None:  # noqa: F811
    _launch(page, platform)
    page.goto(tool.url + "/play/quiz/m1-quiz")
    page.check("#q-q1-a")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("form.quiz button[type=submit]")
    assert asked and "Submit anyway?" in asked[0]
    assert page.url.endswith("/play/quiz/m1-quiz") and page.locator(".quiz-result").count() == 0
    page.check("#q-q2-true")
    page.check("#q-q3-a")
    page.select_option("#q-q4-p1", "p1")
    page.select_option("#q-q4-p2", "p2")
    for item, position in (("i1", "1"), ("i2", "2"), ("i3", "3")):
        page.select_option(f"#q-q5-{item}", position)
    page.fill("#q-q6", "33")
    page.dblclick("form.quiz button[type=submit]")  # all answered: no question asked, one attempt recorded
    page.wait_for_selector(".quiz-result")
    assert "/play/quiz/m1-quiz/result/1" in page.url
    page.reload()  # reloading the result records nothing either
    page.wait_for_selector(".quiz-result")
    with app_state(tool.app).db.sessions() as session:
        assert session.scalars(select(QuizAttempt.number)).all() == [1]
