"""The overview's figures and charts on a small cohort worked out by hand, over HTTP and in Chromium.

The activity opens the whole mini course: module 1 (2 lessons, a 6-question quiz, pass mark 50 %) and the final
assessment (1 question, pass mark 60 %). The module's title is long, as the MIRCO ones are.
  P read nothing, took the module quiz: 1 of 6 right (1/6 = 16.7 %), never the final.
  Q read both lessons, took the module quiz: 4 of 6 (66.7 %, passed), and the final: 1 of 1 (100 %).
  R launched and did nothing.
Average score over the quizzes taken: (1/6 + 4/6 + 1) / 3 = 11/18 = 61.1 % (counting P's untaken final as 0
and averaging per learner would give (1/12 + 5/6) / 2 = 45.8 %, and 8.3 % for P alone).
Module funnel: started 2 (P, Q), completed 1 (Q: both lessons and the quiz), passed the quiz 1 (Q).
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lti_tool.progress import scope_for, submit_quiz
from lti_tool.state import app_state
from tests.browser.conftest import AXE_JS, axe_violations, browser, screenshot, serve  # noqa: F401 - fixtures
from tests.reports.conftest import INSTRUCTOR, LEARNER, RIGHT, WRONG, act, app_with_course_copy, launch

LONG_TITLE = "Migration dynamics in the Western Balkans: routes, actors and the protection of people on the move"


@pytest.fixture
def cohort(database_url, tmp_path: Path):
    def long_title(course: Path) -> None:
        path = course / "modules" / "01-basics" / "module.yaml"
        module = yaml.safe_load(path.read_text(encoding="utf-8"))
        path.write_text(yaml.safe_dump({**module, "title": LONG_TITLE}, allow_unicode=True), encoding="utf-8")

    with app_with_course_copy(database_url, tmp_path, long_title) as app:
        with app.test_request_context():
            state = app_state()
            trainer = launch(app.platform, "I", [INSTRUCTOR], module=None)
            p, q = launch(app.platform, "P", [LEARNER], module=None), launch(app.platform, "Q", [LEARNER], module=None)
            launch(app.platform, "R", [LEARNER], module=None)
            act(p, 0, [{**WRONG, "q2": True}])
            act(q, 2, [{**RIGHT, "q5": WRONG["q5"], "q6": WRONG["q6"]}])
            scope = scope_for(q, state.catalogue)
            submit_quiz(state.db, state.settings, q, scope, scope.course.final_assessment, {"f1": False}, seconds=30)
        app.overview_url = f"/reports/{trainer.context_pk}/mini-course/?launch={trainer.launch_id}"
        yield app


def test_average_score_is_over_the_quizzes_taken(cohort):
    html = cohort.test_client().get(cohort.overview_url).get_data(as_text=True)
    assert '<th scope="row">Average score on the quizzes taken (%)</th><td>61.1</td>' in html
    assert "61.1 %</span> average score on the quizzes taken" in html
    assert f'<th scope="row">{LONG_TITLE}</th><td>3</td><td>2</td><td>1</td><td>1</td>' in html  # the funnel's table


def test_funnel_chart_has_labels_a_legend_and_whole_names(browser, cohort):  # noqa: F811
    with serve(cohort) as base:
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        context.add_init_script(path=str(AXE_JS))
        tab = context.new_page()
        assert tab.goto(base + cohort.overview_url).status == 200
        funnel = tab.locator("figure", has_text="Learners who started, completed and passed each module").locator("svg")
        texts = funnel.locator("text").all_text_contents()
        assert LONG_TITLE in " ".join(funnel.locator("tspan").all_text_contents())  # wrapped over lines, not cut
        assert {"Started", "Completed", "Passed quiz"} <= set(texts)  # the legend names the three bars
        assert [t for t in texts if t in ("2", "1")] == ["2", "1", "1"]  # each bar labelled with its number
        for width, height in ((1366, 768), (390, 844)):
            tab.set_viewport_size({"width": width, "height": height})
            box = funnel.bounding_box()
            outside = funnel.evaluate("""svg => [...svg.querySelectorAll('text')].filter(t => {
                const r = t.getBoundingClientRect(), s = svg.getBoundingClientRect();
                return r.left < s.left - 1 || r.right > s.right + 1; }).map(t => t.textContent)""")
            assert outside == [] and box["x"] >= 0 and box["x"] + box["width"] <= width, width
            assert axe_violations(tab) == [], width
            screenshot(tab, "reports-overview-cohort", widths=(width,))
        context.close()
