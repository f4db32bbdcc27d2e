"""Assessment item analysis and learning-outcome mastery, from the stored quiz responses.

Item analysis uses each learner's FIRST attempt at a quiz (later attempts are practised, not measured).
Facility = share of correct answers. Discrimination = facility in the upper 27 % minus facility in the lower
27 % of learners ranked by their score on that attempt (ties broken by submission order), as in classical test
theory. Per-question time is the quiz's time divided by its questions: the tool does not time single questions.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session

from courses.model import Question, Quiz
from lti_tool.models import Attempt, QuizAttempt, QuizResponse
from lti_tool.reports.learners import in_scope
from lti_tool.reports.scope import ReportScope

GROUP_SHARE = 0.27
TOO_EASY = 0.9
TOO_HARD = 0.2
MASTERY = 0.8
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
        return [Option("true", "True", question.answer is True), Option("false", "False", question.answer is False)]
    return [Option(c.id, c.text.get(lang), c.correct) for c in question.choices]


def _chosen_keys(question: Question, response: Any) -> list[str]:
    if question.type == "true_false" and isinstance(response, bool):
        return ["true" if response else "false"]
    if question.type == "single" and isinstance(response, str):
        return [response]
    if question.type == "multiple" and isinstance(response, list):
        return [str(x) for x in dict.fromkeys(response)]
    return []


def _ranked_first_attempts(scope: ReportScope, quiz: Quiz) -> Any:
    """First attempts at the quiz with their rank by points (1 = best) and how many there are."""
    return (select(QuizAttempt.id, QuizAttempt.seconds,
                   func.row_number().over(order_by=(QuizAttempt.points.desc(), QuizAttempt.id)).label("rank"),
                   func.count().over().label("n"))
            .join(Attempt, Attempt.id == QuizAttempt.attempt_id)
            .where(in_scope(scope), QuizAttempt.quiz_id == quiz.id, QuizAttempt.number == 1)
            .subquery("ranked"))


def group_size(n: int) -> int:
    """27 % of the takers, rounded half up, at least one; 0 when fewer than two took the quiz."""
    return max(1, int(n * GROUP_SHARE + 0.5)) if n >= 2 else 0


def item_analysis(session: Session, scope: ReportScope, quiz: Quiz, lang: str | None = None) -> list[ItemStats]:
    ranked = _ranked_first_attempts(scope, quiz)
    n, seconds = session.execute(select(func.count(), func.avg(ranked.c.seconds))).one()
    k = group_size(n)
    upper = ranked.c.rank <= k
    lower = ranked.c.rank > n - k

    def total(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    joined = QuizResponse.__table__.join(ranked, ranked.c.id == QuizResponse.quiz_attempt_id)
    per_question = {row.question_id: row for row in session.execute(
        select(QuizResponse.question_id, func.count().label("responses"),
               total(QuizResponse.correct.is_(True)).label("correct"),
               total(and_(QuizResponse.correct.is_(True), upper)).label("upper_correct"),
               total(and_(QuizResponse.correct.is_(True), lower)).label("lower_correct"))
        .select_from(joined).group_by(QuizResponse.question_id))}
    choice_ids = [q.id for q in quiz.questions if q.type in CHOICE_TYPES]
    answers: dict[str, list[tuple[Any, int, int]]] = {}
    if choice_ids:
        for row in session.execute(
                select(QuizResponse.question_id, cast(QuizResponse.response, Text).label("response"),
                       func.count().label("chosen"), total(upper).label("upper"))
                .select_from(joined).where(QuizResponse.question_id.in_(choice_ids))
                .group_by(QuizResponse.question_id, cast(QuizResponse.response, Text))):
            answers.setdefault(row.question_id, []).append(
                (json.loads(row.response) if row.response else None, int(row.chosen), int(row.upper)))
    per_item_seconds = float(seconds) / len(quiz.questions) if seconds is not None and quiz.questions else None
    found = []
    for question in quiz.questions:
        row = per_question.get(question.id)
        responses, correct = (int(row.responses), int(row.correct)) if row else (0, 0)
        options = _options(question, lang) if question.type in CHOICE_TYPES else []
        by_key = {o.key: o for o in options}
        for response, chosen, chosen_upper in answers.get(question.id, []):
            for key in _chosen_keys(question, response):
                if key in by_key:
                    by_key[key].chosen += chosen
                    by_key[key].chosen_by_upper += chosen_upper
        found.append(ItemStats(
            quiz_id=quiz.id, question=question, responses=responses, correct=correct,
            facility=correct / responses if responses else None,
            discrimination=(int(row.upper_correct) - int(row.lower_correct)) / k if row and k else None,
            seconds=per_item_seconds, options=options))
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
    many learners answered at least `MASTERY` of that outcome's questions correctly."""
    questions: dict[str, list[str]] = {o.id: [] for o in scope.course.outcomes}
    for quiz, question in scope.questions():
        for outcome_id in question.outcomes:
            questions.setdefault(outcome_id, []).append(f"{quiz.id}/{question.id}")
    latest = (select(func.max(QuizAttempt.id)).join(Attempt, Attempt.id == QuizAttempt.attempt_id)
              .where(in_scope(scope), QuizAttempt.quiz_id.in_([q.id for q in scope.quizzes]))
              .group_by(Attempt.user_pk, QuizAttempt.quiz_id))
    key = QuizAttempt.quiz_id + literal("/") + QuizResponse.question_id
    assessed = [o for o, keys in questions.items() if keys]
    columns = []
    for outcome_id in assessed:
        mine = key.in_(questions[outcome_id])
        columns += [func.sum(case((mine, 1), else_=0)), func.sum(case((and_(mine, QuizResponse.correct.is_(True)),
                                                                       1), else_=0))]
    totals = {o: [0, 0, 0, 0] for o in assessed}  # responses, correct, learners, mastered
    if assessed:
        rows = session.execute(
            select(Attempt.user_pk, *columns)
            .select_from(QuizResponse).join(QuizAttempt, QuizAttempt.id == QuizResponse.quiz_attempt_id)
            .join(Attempt, Attempt.id == QuizAttempt.attempt_id)
            .where(QuizAttempt.id.in_(latest)).group_by(Attempt.user_pk))
        for row in rows:
            for i, outcome_id in enumerate(assessed):
                answered, right = int(row[1 + 2 * i] or 0), int(row[2 + 2 * i] or 0)
                if answered:
                    entry = totals[outcome_id]
                    entry[0] += answered
                    entry[1] += right
                    entry[2] += 1
                    entry[3] += 1 if right >= MASTERY * answered else 0
    described = {o.id: o for o in scope.course.outcomes}
    found = []
    for outcome_id, keys in questions.items():
        responses, correct, learners, mastered = totals.get(outcome_id, (0, 0, 0, 0))
        outcome = described.get(outcome_id)
        found.append(OutcomeMastery(
            outcome_id=outcome_id, domain=outcome.domain if outcome else "",
            text=outcome.text.get(lang) if outcome else outcome_id, questions=len(keys), responses=responses,
            correct=correct, learners=learners, mastered=mastered))
    return found
