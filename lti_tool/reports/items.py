"""Assessment item analysis and learning-outcome mastery, from the stored quiz responses.

Item analysis uses each learner's FIRST attempt at a quiz (later attempts are practised, not measured).
Facility = share of correct answers. Discrimination = the corrected point-biserial correlation between answering
the question correctly (1/0) and the points on the rest of the quiz (the attempt's points minus this question's),
as in classical test theory; undefined when everyone answered alike, the rest scores are all equal, or fewer than
two took the quiz. The upper 27 % of learners ranked by points (ties by submission order) remain the "top group"
of the answer-option table. Per-question time is the quiz's time divided by its questions: the tool does not
time single questions.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Text, case, cast, func, literal, select
from sqlalchemy.sql.functions import aggregate_strings
from sqlalchemy.orm import Session

from courses.markdown import plain_text
from courses.model import Question
from lti_tool.models import Attempt, QuizAttempt, QuizResponse
from lti_tool.reports.learners import in_scope
from lti_tool.reports.scope import ReportScope

GROUP_SHARE = 0.27
TOO_EASY = 0.9
TOO_HARD = 0.2
MASTERY = 0.8
SEPARATOR = "\x1f"  # unit separator: never part of a question id
CHOICE_TYPES = ("single", "multiple", "true_false")


@dataclass
class Option:
    key: str
    label: str
    correct: bool
    chosen: int = 0
    chosen_by_upper: int = 0


@dataclass
class ItemStats:
    quiz_id: str
    question: Question
    responses: int
    correct: int
    facility: float | None
    discrimination: float | None
    seconds: float | None
    options: list[Option] = field(default_factory=list)

    @property
    def flags(self) -> list[str]:
        """`too_easy`, `too_hard`, `misleading` (negative discrimination or a distractor beating the key)."""
        found = []
        if self.facility is not None and self.facility > TOO_EASY:
            found.append("too_easy")
        if self.facility is not None and self.facility < TOO_HARD:
            found.append("too_hard")
        keys = [o.chosen_by_upper for o in self.options if o.correct]
        beaten = keys and any(not o.correct and o.chosen_by_upper > min(keys) for o in self.options)
        if (self.discrimination is not None and self.discrimination < 0) or beaten:
            found.append("misleading")
        return found


def _options(question: Question, lang: str | None) -> list[Option]:
    if question.type == "true_false":
        return [Option("true", _("True"), question.answer is True), Option("false", _("False"), question.answer is False)]
    return [Option(c.id, plain_text(c.text.get(lang)), c.correct) for c in question.choices]


def _chosen_keys(question: Question, response: Any) -> list[str]:
    if question.type == "true_false" and isinstance(response, bool):
        return ["true" if response else "false"]
    if question.type == "single" and isinstance(response, str):
        return [response]
    if question.type == "multiple" and isinstance(response, list):
        return [str(x) for x in dict.fromkeys(response)]
    return []


def _ranked_first_attempts(scope: ReportScope) -> Any:
    """First attempts at the scope's quizzes with their rank by points within the quiz (1 = best), how many took
    the quiz (n) and the size of the upper ("top") group: k = 27 % of n rounded half up, at least 1, and 0
    when fewer than two took the quiz."""
    n = func.count().over(partition_by=QuizAttempt.quiz_id)
    inner = (select(QuizAttempt.id, QuizAttempt.quiz_id, QuizAttempt.seconds, QuizAttempt.points, n.label("n"),
                    func.row_number().over(partition_by=QuizAttempt.quiz_id,
                                           order_by=(QuizAttempt.points.desc(), QuizAttempt.id)).label("rank"))
             .join(Attempt, Attempt.id == QuizAttempt.attempt_id)
             .where(in_scope(scope), QuizAttempt.quiz_id.in_([q.id for q in scope.quizzes]), QuizAttempt.number == 1)
             .subquery("first_attempts"))
    share = (inner.c.n * int(GROUP_SHARE * 100) + 50) // 100  # integer arithmetic: same rounding on both databases
    k = case((inner.c.n < 2, 0), (share < 1, 1), else_=share)
    return select(inner, k.label("k")).subquery("ranked")


def _total(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def point_biserial(n: int, right: int, points: float, squares: float, right_points: float,
                   weight: float) -> float | None:
    """Pearson's r between x (1 when the question was answered correctly) and y = the attempt's points minus x
    times the question's points, from the sums over the n responses: right = sum x, points = sum P,
    squares = sum P^2, right_points = sum x*P. None when either variable does not vary."""
    sum_y = points - weight * right
    sum_yy = squares - 2 * weight * right_points + weight * weight * right
    sum_xy = right_points - weight * right
    var_x = n * right - right * right
    var_y = n * sum_yy - sum_y * sum_y
    if n < 2 or var_x <= 0 or var_y <= 1e-9 * max(1.0, n * sum_yy):
        return None
    return max(-1.0, min(1.0, (n * sum_xy - right * sum_y) / math.sqrt(var_x * var_y)))


def item_analysis(session: Session, scope: ReportScope, lang: str | None = None) -> list[ItemStats]:
    """Every question of the scope's quizzes in one grouped query, whatever the number of quizzes.

    Every attempt stores a response to each of its quiz's questions, so the attempts' time summed over their
    responses and divided by their number is the mean time of an attempt.
    """
    ranked = _ranked_first_attempts(scope)
    upper = ranked.c.rank <= ranked.c.k
    joined = QuizResponse.__table__.join(ranked, ranked.c.id == QuizResponse.quiz_attempt_id)
    right = QuizResponse.correct.is_(True)
    choice_keys = [f"{quiz.id}/{q.id}" for quiz, q in scope.questions() if q.type in CHOICE_TYPES]
    # answers are grouped by their text only where options are counted: fewer, shorter groups to sort
    response = case(((ranked.c.quiz_id + literal("/") + QuizResponse.question_id).in_(choice_keys),
                     cast(QuizResponse.response, Text)), else_=None)
    per_question: dict[tuple[str, str], list[float]] = {}  # responses, correct, sum P, sum P^2, sum x*P
    per_quiz: dict[str, list[int]] = {}  # responses, seconds summed over responses
    answers: dict[tuple[str, str], list[tuple[Any, int, int]]] = {}
    for row in session.execute(  # one scan of the responses, grouped by answer given
            select(ranked.c.quiz_id, QuizResponse.question_id, response.label("response"),
                   func.count().label("chosen"), _total(upper).label("upper"), _total(right).label("correct"),
                   func.sum(ranked.c.points).label("p"), func.sum(ranked.c.points * ranked.c.points).label("pp"),
                   func.sum(case((right, ranked.c.points), else_=0.0)).label("xp"),
                   func.sum(ranked.c.seconds).label("seconds"))
            .select_from(joined).group_by(ranked.c.quiz_id, QuizResponse.question_id, response)):
        quiz_sums = per_quiz.setdefault(row.quiz_id, [0, 0])
        quiz_sums[0] += int(row.chosen)
        quiz_sums[1] += int(row.seconds or 0)
        key = (row.quiz_id, row.question_id)
        sums = per_question.setdefault(key, [0, 0, 0.0, 0.0, 0.0])
        for i, value in enumerate((int(row.chosen), int(row.correct), float(row.p or 0), float(row.pp or 0),
                                   float(row.xp or 0))):
            sums[i] += value
        answers.setdefault(key, []).append((row.response, int(row.chosen), int(row.upper)))
    found = []
    for quiz, question in scope.questions():
        quiz_responses, quiz_seconds = per_quiz.get(quiz.id, [0, 0])
        responses, correct, points, squares, right_points = per_question.get((quiz.id, question.id),
                                                                              [0, 0, 0.0, 0.0, 0.0])
        options = _options(question, lang) if question.type in CHOICE_TYPES else []
        by_key = {o.key: o for o in options}
        for text, chosen, chosen_upper in answers.get((quiz.id, question.id), []) if options else []:
            for key in _chosen_keys(question, json.loads(text) if text else None):
                if key in by_key:
                    by_key[key].chosen += chosen
                    by_key[key].chosen_by_upper += chosen_upper
        found.append(ItemStats(
            quiz_id=quiz.id, question=question, responses=responses, correct=correct,
            facility=correct / responses if responses else None,
            discrimination=point_biserial(int(responses), int(correct), points, squares, right_points,
                                          question.points),
            seconds=quiz_seconds / quiz_responses / len(quiz.questions) if quiz_responses else None,
            options=options))
    return found


@dataclass(frozen=True)
class OutcomeMastery:
    outcome_id: str
    domain: str
    text: str
    questions: int
    responses: int
    correct: int
    learners: int
    mastered: int

    @property
    def rate(self) -> float | None:
        return self.correct / self.responses if self.responses else None


def outcome_mastery(session: Session, scope: ReportScope, lang: str | None = None) -> list[OutcomeMastery]:
    """Per EQF outcome of the course: correct share over each learner's LATEST attempt at every quiz, and how
    many learners answered at least `MASTERY` of that outcome's questions correctly.

    SQL returns one row per latest attempt with the ids of the questions answered and answered correctly
    (string aggregation); the question -> outcome map of the course files is applied to those few rows here.
    """
    questions: dict[str, list[str]] = {o.id: [] for o in scope.course.outcomes}
    per_quiz: dict[str, dict[str, set[str]]] = {}  # quiz -> outcome -> its question ids in that quiz
    for quiz, question in scope.questions():
        for outcome_id in question.outcomes:
            questions.setdefault(outcome_id, []).append(f"{quiz.id}/{question.id}")
            per_quiz.setdefault(quiz.id, {}).setdefault(outcome_id, set()).add(question.id)
    latest = (select(func.max(QuizAttempt.id)).join(Attempt, Attempt.id == QuizAttempt.attempt_id)
              .where(in_scope(scope), QuizAttempt.quiz_id.in_([q.id for q in scope.quizzes]))
              .group_by(Attempt.user_pk, QuizAttempt.quiz_id))
    rows = session.execute(
        select(Attempt.user_pk, QuizAttempt.quiz_id, aggregate_strings(QuizResponse.question_id, SEPARATOR),
               aggregate_strings(case((QuizResponse.correct.is_(True), QuizResponse.question_id)), SEPARATOR))
        .select_from(QuizResponse).join(QuizAttempt, QuizAttempt.id == QuizResponse.quiz_attempt_id)
        .join(Attempt, Attempt.id == QuizAttempt.attempt_id)
        .where(QuizAttempt.id.in_(latest)).group_by(QuizAttempt.id, Attempt.user_pk, QuizAttempt.quiz_id))
    per_learner: dict[tuple[int, str], list[int]] = {}  # (user, outcome) -> [answered, right]
    for user_pk, quiz_id, answered_ids, right_ids in rows:
        answered, right = set((answered_ids or "").split(SEPARATOR)), set((right_ids or "").split(SEPARATOR))
        for outcome_id, mine in per_quiz.get(quiz_id, {}).items():
            count = len(mine & answered)
            if count:
                entry = per_learner.setdefault((user_pk, outcome_id), [0, 0])
                entry[0] += count
                entry[1] += len(mine & right)
    totals: dict[str, list[int]] = {}  # outcome -> [responses, correct, learners, mastered]
    for (_, outcome_id), (answered_n, right_n) in per_learner.items():
        entry = totals.setdefault(outcome_id, [0, 0, 0, 0])
        entry[0] += answered_n
        entry[1] += right_n
        entry[2] += 1
        entry[3] += right_n >= MASTERY * answered_n
    described = {o.id: o for o in scope.course.outcomes}
    found = []
    for outcome_id, keys in questions.items():
        responses, correct, learners, mastered = totals.get(outcome_id, [0, 0, 0, 0])
        outcome = described.get(outcome_id)
        found.append(OutcomeMastery(
            outcome_id=outcome_id, domain=outcome.domain if outcome else "",
            text=outcome.text.get(lang) if outcome else outcome_id, questions=len(keys), responses=responses,
            correct=correct, learners=learners, mastered=mastered))
    return found


def sort_items(stats: list[ItemStats], key: str, descending: bool) -> list[ItemStats]:
    """The item table's order (lti_tool.reports.filters.ITEM_SORT_KEYS); questions without a value come last
    whichever the direction, the quizzes' order breaks ties."""
    if key == "order":
        return list(reversed(stats)) if descending else list(stats)
    value = {"facility": lambda s: s.facility, "discrimination": lambda s: s.discrimination,
             "responses": lambda s: s.responses, "flags": lambda s: len(s.flags)}[key]
    known = [s for s in stats if value(s) is not None]
    return sorted(known, key=value, reverse=descending) + [s for s in stats if value(s) is None]


FACILITY_BANDS = ((0.0, TOO_HARD), (TOO_HARD, 0.5), (0.5, TOO_EASY), (TOO_EASY, 1.0))
DISCRIMINATION_BANDS = ((-1.0, 0.0), (0.0, 0.2), (0.2, 0.3), (0.3, 1.0))


def band_counts(values: list[float | None], bands: tuple[tuple[float, float], ...]) -> list[int]:
    """How many values fall in each band [low, high) (the last band includes its top), then how many are None."""
    counts = [0] * (len(bands) + 1)
    for value in values:
        if value is None:
            counts[-1] += 1
            continue
        last = len(bands) - 1
        counts[next(i for i, (low, high) in enumerate(bands) if value < high or i == last)] += 1
    return counts
