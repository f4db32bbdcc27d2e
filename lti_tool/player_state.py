"""What the learner player shows about one learner's attempt: progress, where to continue, quiz attempts left, the
last submission's answers for feedback, and the order questions and options are presented in.

Read-only: every write goes through lti_tool.progress (one service call per learner action).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Mapping

from sqlalchemy import select

from courses.model import Lesson, Module, Question, Quiz
from lti_tool.db import Database
from lti_tool.identity import LaunchContext
from lti_tool.models import Attempt, LessonView, QuizAttempt, QuizResponse
from lti_tool.progress import Scope, stored_responses


@dataclass(frozen=True)
class QuizStatus:
    allowed: int  # 0: unlimited
    used: int = 0
    best_scaled: float | None = None
    passed: bool = False
    last_responses: Mapping[str, Any] = field(default_factory=dict)

    @property
    def exhausted(self) -> bool:
        return bool(self.allowed) and self.used >= self.allowed


@dataclass(frozen=True)
class LearnerProgress:
    progress: float = 0.0
    completed: bool = False
    score_scaled: float | None = None
    viewed: frozenset[str] = frozenset()
    last_lesson: str | None = None
    quizzes: Mapping[str, QuizStatus] = field(default_factory=dict)

    def quiz(self, quiz: Quiz) -> QuizStatus:
        return self.quizzes.get(quiz.id) or QuizStatus(allowed=quiz.attempts)

    def resume(self, scope: Scope) -> tuple[Module, Lesson] | None:
        """"Continue where I left off": the first unvisited lesson after the last visited one (wrapping round),
        or the last visited lesson when every lesson has been seen; None before the first visit."""
        lessons = scope.lessons()
        if self.last_lesson is None:
            return None
        last = next((i for i, (_, lesson) in enumerate(lessons) if lesson.id == self.last_lesson), -1)
        ordered = lessons[last + 1:] + lessons[:last + 1]
        return next(((m, l) for m, l in ordered if l.id not in self.viewed), lessons[last] if last >= 0 else None)


def load_progress(db: Database, launch: LaunchContext, scope: Scope) -> LearnerProgress:
    """The learner's attempt on this resource link, or an empty one before the first lesson."""
    if launch.resource_link_pk is None:
        return LearnerProgress()
    with db.sessions() as session:
        attempt = session.scalar(select(Attempt).where(Attempt.user_pk == launch.user_pk,
                                                       Attempt.resource_link_pk == launch.resource_link_pk))
        if attempt is None:
            return LearnerProgress()
        views = session.execute(select(LessonView.lesson_id, LessonView.last_viewed_at)
                                .where(LessonView.attempt_id == attempt.id)
                                .order_by(LessonView.last_viewed_at, LessonView.id)).all()
        tries = session.scalars(select(QuizAttempt).where(QuizAttempt.attempt_id == attempt.id)
                                .order_by(QuizAttempt.number)).all()
        latest = {t.quiz_id: t for t in tries}
        answers: dict[str, dict[str, Any]] = {}
        if latest:
            for quiz_id, question_id, response in session.execute(
                    select(QuizAttempt.quiz_id, QuizResponse.question_id, QuizResponse.response)
                    .join(QuizAttempt, QuizAttempt.id == QuizResponse.quiz_attempt_id)
                    .where(QuizResponse.quiz_attempt_id.in_([t.id for t in latest.values()]))):
                answers.setdefault(quiz_id, {})[question_id] = response
        quizzes = {}
        for quiz in scope.quizzes():
            mine = [t for t in tries if t.quiz_id == quiz.id]
            quizzes[quiz.id] = QuizStatus(
                allowed=quiz.attempts, used=len(mine),
                best_scaled=max((t.points / t.max_points if t.max_points else 0.0 for t in mine), default=None),
                passed=any(t.passed for t in mine), last_responses=answers.get(quiz.id, {}))
        return LearnerProgress(
            progress=attempt.progress, completed=attempt.completed_at is not None, score_scaled=attempt.score_scaled,
            viewed=frozenset(v.lesson_id for v in views), last_lesson=views[-1].lesson_id if views else None,
            quizzes=quizzes)


def submitted_responses(db: Database, launch: LaunchContext, quiz: Quiz, number: int) -> dict[str, Any] | None:
    """The answers of this learner's attempt `number` at `quiz` on this link (None: no such attempt)."""
    with db.sessions() as session:
        found = session.scalar(
            select(QuizAttempt.id).join(Attempt, Attempt.id == QuizAttempt.attempt_id)
            .where(Attempt.user_pk == launch.user_pk, Attempt.resource_link_pk == launch.resource_link_pk,
                   QuizAttempt.quiz_id == quiz.id, QuizAttempt.number == number))
        return stored_responses(session, found) if found is not None else None


def neighbours(scope: Scope, lesson_id: str) -> tuple[tuple[Module, Lesson] | None, tuple[Module, Lesson] | None]:
    """The lessons before and after `lesson_id` in the activity's reading order."""
    lessons = scope.lessons()
    index = next(i for i, (_, lesson) in enumerate(lessons) if lesson.id == lesson_id)
    return (lessons[index - 1] if index > 0 else None, lessons[index + 1] if index + 1 < len(lessons) else None)


@dataclass(frozen=True)
class Presented:
    """A question with its options in the order this learner sees them."""

    question: Question
    choices: tuple = ()
    targets: tuple = ()
    items: tuple = ()


def presentation(quiz: Quiz, seed: str) -> list[Presented]:
    """Stable per learner and attempt: reloading the page does not reshuffle. Ordering items and matching targets
    are always shuffled (their written order is the answer); questions and choices when the quiz asks for it."""
    rng = random.Random(f"{seed}:{quiz.id}")

    def shuffled(values: tuple, always: bool = False) -> tuple:
        values = list(values)
        if always or quiz.shuffle:
            rng.shuffle(values)
        return tuple(values)

    questions = shuffled(quiz.questions)
    return [Presented(q, choices=shuffled(q.choices), targets=shuffled(q.pairs, always=True),
                      items=_scrambled(q.items, rng)) for q in questions]


def _scrambled(items: tuple, rng: random.Random) -> tuple:
    """A shuffle that never shows the right order (when there is more than one item)."""
    values = list(items)
    if len(values) < 2:
        return tuple(values)
    while values == list(items):
        rng.shuffle(values)
    return tuple(values)
