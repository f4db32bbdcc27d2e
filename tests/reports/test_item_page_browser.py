"""The item-analysis page in a real browser, as a trainer reads it: a quiz of 100 questions answered by ONE learner
stays under four screens at 1366 × 768, no table is wider than its box at 1366 and at 390 px, the question reads
at full width, each question's options open in place, the columns sort, and axe-core finds nothing serious."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.browser.conftest import (ARTIFACTS, AXE_JS, axe_violations, browser, live_server,  # noqa: F401 - fixtures
                                    screenshot, serve)
from tests.reports.conftest import INSTRUCTOR, LEARNER, act, app_with_course_copy, launch

QUESTIONS = 100
SIZES = ((1366, 768), (390, 844))


def hundred_questions() -> dict:
    """Single- and multiple-choice questions with prompts of a real quiz's length (about 80-120 characters)."""
    questions = []
    for n in range(1, QUESTIONS + 1):
        multiple = n % 3 == 0
        questions.append({
            "id": f"q{n}", "type": "multiple" if multiple else "single", "outcomes": [("K1", "S1", "R1")[n % 3]],
            "prompt": f"Question {n}: which statement best describes the obligations of a receiving state "
                      f"towards persons who ask for international protection at its border?",
            "choices": [{"id": "a", "text": f"The state must examine the application (answer a of {n})",
                         "correct": True},
                        {"id": "b", "text": "The state may return the person without any examination",
                         "correct": multiple},
                        {"id": "c", "text": "Only the UNHCR may decide on the application"}],
            "explanation": "Article 33 of the 1951 Convention."})
    return {"id": "m1-quiz", "title": "Module 1 check", "passing_score": 50, "attempts": 2, "shuffle": False,
            "questions": questions}


@pytest.fixture
def big_quiz_app(database_url, tmp_path: Path):
    """The mini course with its module quiz replaced by 100 questions; one learner answered it, one trainer."""
    def hundred(course: Path) -> None:
        module = course / "modules" / "01-basics"
        (module / "quiz.sr-Latn.yaml").unlink()
        (module / "quiz.yaml").write_text(yaml.safe_dump(hundred_questions(), allow_unicode=True), encoding="utf-8")

    with app_with_course_copy(database_url, tmp_path, hundred) as app:
        with app.test_request_context():
            trainer = launch(app.platform, "I", [INSTRUCTOR])
            learner = launch(app.platform, "A", [LEARNER])
            act(learner, 2, [{f"q{n}": (["a", "b"] if n % 3 == 0 else ("a" if n % 2 else "b"))
                              for n in range(1, QUESTIONS + 1)}])
        app.trainer_url = f"/reports/{trainer.context_pk}/mini-course/items?launch={trainer.launch_id}"
        yield app


OVERFLOWING_TABLES = """() => [...document.querySelectorAll('table')].filter(t => t.offsetParent !== null && !t.closest('.visually-hidden'))
    .filter(t => t.getBoundingClientRect().width > t.parentElement.getBoundingClientRect().width + 1
                 || t.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .map(t => t.id || t.querySelector('caption')?.textContent || t.outerHTML.slice(0, 80))"""


def test_item_analysis_of_a_hundred_questions_reads(browser, big_quiz_app):  # noqa: F811
    with serve(big_quiz_app) as base:
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        context.add_init_script(path=str(AXE_JS))
        tab = context.new_page()
        assert tab.goto(base + big_quiz_app.trainer_url).status == 200
        rows = tab.locator("#items-table > tbody > tr")
        assert rows.count() == 20  # one row per question, a page at a time
        assert "Page 1 of 5" in tab.locator("#items-table > caption").inner_text()
        assert "100 questions" in tab.locator("#items-table > caption").inner_text()
        for width, height in SIZES:
            tab.set_viewport_size({"width": width, "height": height})
            screenshot(tab, "reports-items-100", widths=(width,))
            top = tab.locator("#items-table").bounding_box()["y"]  # the table's first rows, at full resolution
            tab.screenshot(path=str(ARTIFACTS / "screenshots" / f"reports-items-table-{width}.png"), full_page=True,
                           clip={"x": 0, "y": top, "width": width, "height": 700})
            tab.set_viewport_size({"width": width, "height": height})
            page_height = tab.evaluate("document.documentElement.scrollHeight")
            assert width < 1000 or page_height < 4 * height, page_height  # four screens at 1366 × 768
            assert tab.evaluate(OVERFLOWING_TABLES) == [], width
            assert tab.evaluate("document.documentElement.scrollWidth") <= width, width
            prompt = tab.locator("#items-table > tbody > tr").first.locator(".prompt")
            assert prompt.bounding_box()["width"] >= (300 if width > 1000 else 0.75 * width), width
            flags = tab.locator("#items-table > thead th", has_text="Flags")
            assert flags.is_visible() and flags.bounding_box()["x"] + flags.bounding_box()["width"] <= width
        tab.set_viewport_size({"width": 1366, "height": 768})

        first = rows.first
        options = first.locator("details table")
        assert not options.is_visible()
        first.locator("summary").click()  # the options open in place, under their question
        assert options.is_visible()
        assert options.locator("tbody tr").count() == 3
        assert "(correct)" in options.locator("tbody tr").first.inner_text()
        assert first.locator("details").bounding_box()["y"] < rows.nth(1).bounding_box()["y"]
        assert axe_violations(tab) == []
        tab.set_viewport_size({"width": 390, "height": 844})
        assert tab.evaluate(OVERFLOWING_TABLES) == []
        assert axe_violations(tab) == []
        tab.set_viewport_size({"width": 1366, "height": 768})

        # the learner got the even single-choice questions wrong: sorted by facility they come first
        tab.locator("#items-table > thead th", has_text="Facility").get_by_role("link").click()
        tab.wait_for_url("**sort=facility**")
        assert tab.locator("#items-table > thead th[aria-sort='ascending']").inner_text() == "Facility"
        ids = [r.locator(".meta").inner_text().split("·")[1].strip(" :") for r in rows.all()]
        assert ids[:3] == ["q2", "q4", "q8"]
        assert all(f == "0.00" for f in rows.locator(".col-facility").all_inner_texts())
        assert rows.first.locator(".col-flags").inner_text().strip() == "too hard"
        tab.locator("#items-table > thead th", has_text="Facility").get_by_role("link").click()
        tab.wait_for_url("**dir=desc**")
        assert all(f == "1.00" for f in rows.locator(".col-facility").all_inner_texts())
        tab.get_by_role("link", name="Next").click()
        tab.wait_for_url("**page=2**")
        assert "Page 2 of 5" in tab.locator("#items-table > caption").inner_text()
        assert tab.locator("#items-table > thead th[aria-sort='descending']").inner_text() == "Facility"
        context.close()


@pytest.mark.parametrize("args", ["sort=prompt", "sort=facility;drop", "dir=up", "page=0", "page=x", "page=" + "9" * 30])
def test_bad_item_table_parameters_get_a_readable_400(client, seeded, args):
    response = client.get(seeded.url("I", "items") + "&" + args)
    assert response.status_code == 400 and "text/html" in response.content_type
    assert any(name in response.get_data(as_text=True) for name in ("sort:", "dir:", "page:"))


def test_a_page_past_the_last_shows_the_last(client, seeded):
    html = client.get(seeded.url("I", "items", page="7")).get_data(as_text=True)
    assert html.count('<th scope="row" class="col-order">') == 6 and "Page 7" not in html
