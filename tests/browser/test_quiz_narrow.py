"""The quiz and its result on a 390 × 844 phone: no sideways scrolling, even with long options in the matching
drop-downs and long prompts (screenshots under test-artifacts/screenshots/quiz-narrow-*)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import screenshot
from tests.conftest import mini_course_with
from tests.lti.conftest import platform, served_tool  # noqa: F401 (the platform fixture)

pytestmark = pytest.mark.browser
LONG = ("the Convention relating to the Status of Refugees, adopted on 28 July 1951 by the United Nations "
        "Conference of Plenipotentiaries on the Status of Refugees and Stateless Persons in Geneva")
NO_SCROLL = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


@pytest.fixture
def tool(database_url: str, tmp_path: Path):
    """The tool with the mini course whose matching question has long targets and sources."""
    courses = mini_course_with(tmp_path / "courses", {
        '{id: p1, source: Refugee Convention, target: "1951"}':
            f'{{id: p1, source: "Refugee Convention ({LONG})", target: "1951: {LONG}"}}',
        '{id: p2, source: Protocol, target: "1967"}':
            '{id: p2, source: Protocol, target: "1967: the Protocol relating to the Status of Refugees, which '
            'removed the geographic and temporal limits of the Convention"}'})
    with served_tool(database_url, tmp_path / "instance", courses_dirs=(courses,)) as served:
        yield served


def test_quiz_and_result_fit_a_390_px_phone(page, tool, platform) -> None:  # noqa: F811
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{platform.url}/start/resource/learner-1?link=link-1")
    page.wait_for_url("**/play/**")
    page.goto(tool.url + "/play/quiz/m1-quiz")
    assert LONG in page.inner_text("form.quiz")
    assert page.evaluate(NO_SCROLL), page.evaluate("document.documentElement.scrollWidth")
    page.select_option("#q-q4-p1", "p1")
    page.select_option("#q-q4-p2", "p2")
    assert page.evaluate(NO_SCROLL), page.evaluate("document.documentElement.scrollWidth")
    screenshot(page, "quiz-narrow-form", widths=(390,))
    page.set_viewport_size({"width": 390, "height": 844})
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("form.quiz button[type=submit]")
    page.wait_for_selector(".quiz-result")
    assert page.evaluate(NO_SCROLL), page.evaluate("document.documentElement.scrollWidth")
    screenshot(page, "quiz-narrow-result", widths=(390,))
