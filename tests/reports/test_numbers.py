"""Every report's figures on the designed data set (tests/reports/conftest.py), computed by hand."""
from __future__ import annotations

import pytest

from lti_tool.reports.filters import LearnerFilter
from lti_tool.reports.items import item_analysis, outcome_mastery
from lti_tool.reports.learners import learner_page, module_funnel, overview
from lti_tool.reports.scope import report_scope
from lti_tool.state import app_state


@pytest.fixture
def scope(app, seeded):
    with app.app_context(), app_state(app).db.sessions() as session:
        return report_scope(session, app_state(app).catalogue, seeded.context_pk, "mini-course")


def test_scope_is_the_linked_module(scope):
    assert [m.id for m in scope.modules] == ["m1-basics"]
    assert [q.id for q in scope.quizzes] == ["m1-quiz"]
    assert scope.total_items == 3


def test_overview(app, scope):
    with app_state(app).db.sessions() as session:
        figures = overview(session, scope)
    assert (figures.enrolled, figures.not_started, figures.in_progress, figures.completed, figures.passed) == \
        (6, 1, 2, 3, 4)
    assert figures.average_score == pytest.approx((4 / 6 + 3 / 6 + 3 / 6 + 1.0 + 2 / 6) / 5)
    assert figures.average_seconds == pytest.approx((240 + 240 + 180 + 360 + 120) / 5)


def test_module_funnel(app, scope):
    with app_state(app).db.sessions() as session:
        (funnel,) = module_funnel(session, scope)
    assert (funnel.module_id, funnel.started, funnel.completed, funnel.passed) == ("m1-basics", 5, 3, 4)


def test_learner_rows(app, seeded, scope):
    with app_state(app).db.sessions() as session:
        page = learner_page(session, scope, LearnerFilter())
    rows = {r.name: r for r in page.rows}
    assert page.total == 6 and sorted(rows) == [f"Learner {x}" for x in "ABCDEF"]
    expect = {  # status, progress, score, passed, seconds, attempts
        "A": ("completed", 1.0, 4 / 6, True, 240, 1), "B": ("completed", 1.0, 0.5, True, 240, 1),
        "C": ("in_progress", 2 / 3, 0.5, True, 180, 1), "D": ("completed", 1.0, 1.0, True, 360, 2),
        "E": ("in_progress", 1 / 3, 2 / 6, False, 120, 1), "F": ("not_started", 0.0, None, False, 0, 0),
    }
    for who, (status, progress, score, passed, seconds, attempts) in expect.items():
        row = rows[f"Learner {who}"]
        assert (row.status, row.passed, row.seconds, row.attempts) == (status, passed, seconds, attempts), who
        assert row.progress == pytest.approx(progress)
        assert row.score == (pytest.approx(score) if score is not None else None)
    assert rows["Learner F"].last_activity is None and rows["Learner A"].last_activity is not None


def test_item_analysis(app, scope):
    with app_state(app).db.sessions() as session:
        stats = {s.question.id: s for s in item_analysis(session, scope)}
    # discrimination: corrected point-biserial r of x (right 1/0) and y (points on the other five questions):
    # q1 x=11100 y=32222 r=.08/sqrt(.24*.16); q3 x=11000 y=32322 r=.04/.24; q4 x=10000 y=33322
    # r=.08/sqrt(.16*.24); q6 x=00111 y=43211 r=-.52/sqrt(.24*1.36); q2 and q5: everyone alike, no r
    expect = {"q1": (0.6, 0.08 / (0.24 * 0.16) ** 0.5, []), "q2": (1.0, None, ["too_easy"]),
              "q3": (0.4, 0.04 / 0.24, []), "q4": (0.2, 0.08 / (0.16 * 0.24) ** 0.5, []),
              "q5": (0.0, None, ["too_hard"]), "q6": (0.6, -0.52 / (0.24 * 1.36) ** 0.5, ["misleading"])}
    for qid, (facility, discrimination, flags) in expect.items():
        assert stats[qid].responses == 5, qid
        assert stats[qid].facility == pytest.approx(facility), qid
        assert stats[qid].discrimination == (None if discrimination is None else pytest.approx(discrimination)), qid
        assert stats[qid].flags == flags, qid
        assert stats[qid].seconds == pytest.approx(20.0)
    options = {q: {o.key: (o.chosen, o.chosen_by_upper, o.correct) for o in stats[q].options} for q in stats}
    assert options["q1"] == {"a": (3, 1, True), "b": (2, 0, False)}
    assert options["q2"] == {"true": (5, 1, True), "false": (0, 0, False)}
    assert options["q3"] == {"a": (4, 1, True), "b": (2, 1, True), "c": (2, 0, False)}
    assert options["q4"] == {} and options["q6"] == {}


def test_outcome_mastery(app, scope):
    with app_state(app).db.sessions() as session:
        found = {o.outcome_id: o for o in outcome_mastery(session, scope)}
    assert (found["S1"].questions, found["S1"].responses, found["S1"].correct, found["S1"].learners,
            found["S1"].mastered) == (2, 10, 7, 5, 2)
    assert (found["K1"].questions, found["K1"].responses, found["K1"].correct, found["K1"].mastered) == (4, 20, 11, 1)
    assert (found["R1"].responses, found["R1"].correct, found["R1"].mastered) == (5, 3, 3)
    assert found["K1"].domain == "knowledge" and found["S1"].rate == pytest.approx(0.7)
