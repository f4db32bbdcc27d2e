"""The learner progress service: ONE call per learner action, ONE database transaction.

Each call updates the attempt (lesson views, quiz attempts with their responses, progress, score, time), stores
the xAPI statements in the embedded LRS (xapi.service.store_statements, same transaction) and queues in the
outbox what must leave the process (the AGS score). If any part fails, nothing of the action is kept.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping, NamedTuple

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from courses.model import Course, Lesson, Module, Quiz, QuizResult
from lti_tool.config import Settings
from lti_tool.db import Database
from lti_tool.grading import Outcome, combine, link_policy, queue_score
from lti_tool.identity import LaunchContext
from lti_tool.lrs import tool_authority
from lti_tool.lti.records import get_or_create
from lti_tool.models import Attempt, LessonView, QuizAttempt, QuizResponse, utcnow
from xapi.builders import Choice, CourseStatements
from xapi.service import store_statements
from xapi.vocabulary import InteractionType

MAX_SECONDS_PER_ACTION = 4 * 3600  # a tab left open overnight is not study time
MAX_BEACON_SECONDS = 600
"""The most one report of reading time may carry: the player reports every minute while the page is visible."""


class NoContent(LookupError):
    """The launch's resource link points to no course (or to one this installation does not have)."""


class NotOpened(LookupError):
    """Reading time was reported for a lesson this learner has not opened in this activity."""


class AttemptsExhausted(RuntimeError):
    """The quiz allows a fixed number of attempts and the learner has used them all."""


class TokenOfAnotherQuiz(ValueError):
    """A quiz form came back with the submission token of another quiz's recorded attempt (a forged form)."""


@dataclass(frozen=True)
class Scope:
    """What a resource link opens: a whole course or one module of it."""

    course: Course
    module: Module | None

    @property
    def modules(self) -> tuple[Module, ...]:
        return (self.module,) if self.module else self.course.modules

    def lessons(self) -> list[tuple[Module, Lesson]]:
        return [(m, lesson) for m in self.modules for lesson in m.lessons]

    def quizzes(self) -> list[Quiz]:
        found = [m.quiz for m in self.modules if m.quiz]
        if self.module is None and self.course.final_assessment:
            found.append(self.course.final_assessment)
        return found

    def find_lesson(self, module_id: str, lesson_id: str) -> tuple[Module, Lesson] | None:
        return next(((m, l) for m, l in self.lessons() if m.id == module_id and l.id == lesson_id), None)

    def find_quiz(self, quiz_id: str) -> Quiz | None:
        return next((q for q in self.quizzes() if q.id == quiz_id), None)

    def module_of(self, quiz: Quiz) -> Module | None:
        return next((m for m in self.modules if m.quiz is quiz), None)


def scope_for(launch: LaunchContext, catalogue: Any) -> Scope:
    course = catalogue.get(launch.course_id) if launch.course_id else None
    if course is None and launch.course_id:
        raise NoContent(f"The linked course {launch.course_id!r} is not in this tool's catalogue.")
    if course is None:
        raise NoContent("This activity is not linked to a course of this tool yet.")
    module = next((m for m in course.modules if m.id == launch.module_id), None) if launch.module_id else None
    if launch.module_id and module is None:
        raise NoContent(f"The linked module {launch.module_id!r} is not in course {course.id!r}.")
    return Scope(course=course, module=module)


def _attempt(session: Session, launch: LaunchContext, scope: Scope) -> Attempt:
    if launch.resource_link_pk is None:
        raise NoContent("This launch has no resource link.")
    return get_or_create(session, Attempt, {"user_pk": launch.user_pk, "resource_link_pk": launch.resource_link_pk},
                         course_id=scope.course.id, module_id=scope.module.id if scope.module else None,
                         started_at=utcnow(), updated_at=utcnow(), progress=0.0, seconds=0)


def _clamp_seconds(seconds: int) -> int:
    return max(0, min(int(seconds), MAX_SECONDS_PER_ACTION))


def _statements(launch: LaunchContext, attempt: Attempt, scope: Scope, settings: Settings) -> CourseStatements:
    """Statement builder for this attempt: pseudonymous actor unless the administrator enabled names."""
    return CourseStatements(
        base_iri=settings.activity_iri_base, course_id=scope.course.id,
        registration=str(uuid.uuid5(uuid.NAMESPACE_URL, f"mirco-attempt:{launch.issuer}:{attempt.id}")),
        learner=launch.learner(),
        with_names=settings.actor_names, course_title=dict(scope.course.title.values), language=launch.locale)


def view_lesson(db: Database, settings: Settings, launch: LaunchContext, scope: Scope, module: Module,
                lesson: Lesson, *, seconds: int = 0) -> Attempt:
    """A learner opened (or came back to) a lesson."""
    with db.transaction() as session:
        attempt = _attempt(session, launch, scope)
        view = session.scalar(select(LessonView).where(LessonView.attempt_id == attempt.id,
                                                       LessonView.lesson_id == lesson.id))
        now = utcnow()
        if view is None:
            session.add(LessonView(attempt_id=attempt.id, module_id=module.id, lesson_id=lesson.id,
                                   first_viewed_at=now, last_viewed_at=now, views=1, seconds=_clamp_seconds(seconds),
                                   timed_at=now))
        else:
            view.views += 1
            view.last_viewed_at = now
            view.seconds += _clamp_seconds(seconds)
            if view.timed_at is None or _aware(view.timed_at) < now - timedelta(seconds=MAX_BEACON_SECONDS):
                view.timed_at = now  # the reading clock starts now; a recent one keeps late reports of a reload
        attempt.seconds += _clamp_seconds(seconds)
        builder = _statements(launch, attempt, scope, settings)
        statements = [builder.lesson_experienced(module.id, lesson.id, title=dict(lesson.title.values))]
        statements += _refresh(session, launch, attempt, scope, builder)
        store_statements(session, statements, authority=tool_authority(settings))
        return attempt


def _aware(moment: datetime) -> datetime:
    """SQLite returns timezone-aware columns without their zone; they are stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def record_lesson_time(db: Database, settings: Settings, launch: LaunchContext, scope: Scope, module: Module,
                       lesson: Lesson, seconds: int) -> int:
    """Visible time on an open lesson page, reported by the player (Page Visibility API, sendBeacon).

    The caller (the player's view) refuses a report outside 0..MAX_BEACON_SECONDS. Credited never more than
    the time since the last credit (or the page's opening), so no sequence of reports adds up to more than the
    wall-clock time the lesson was open: two tabs share one clock. Stored on the lesson view and the attempt
    and recorded as an `experienced` statement with result.duration. Returns the seconds credited (0: nothing
    recorded).
    """
    with db.transaction() as session:
        found = session.execute(
            select(Attempt, LessonView).join(LessonView, LessonView.attempt_id == Attempt.id)
            .where(Attempt.user_pk == launch.user_pk, Attempt.resource_link_pk == launch.resource_link_pk,
                   LessonView.lesson_id == lesson.id, LessonView.module_id == module.id)).first()
        if found is None:
            raise NotOpened("Open the lesson before reporting time spent on it.")
        attempt, view = found
        now = utcnow()
        clock = view.timed_at or view.last_viewed_at
        credited = max(0, min(seconds, int((now - _aware(clock)).total_seconds())))
        if credited == 0:
            return 0
        # guarded by the clock read above: of two concurrent reports (two tabs) only one is credited
        claimed = session.execute(
            update(LessonView).where(LessonView.id == view.id, LessonView.timed_at == view.timed_at
                                     if view.timed_at is not None else LessonView.timed_at.is_(None))
            .values(seconds=LessonView.seconds + credited, timed_at=now)
            .execution_options(synchronize_session=False)).rowcount
        if not claimed:
            return 0
        attempt.seconds = Attempt.seconds + credited  # in SQL: a quiz submitted meanwhile keeps its time
        attempt.updated_at = now
        builder = _statements(launch, attempt, scope, settings)
        statement = builder.lesson_experienced(module.id, lesson.id, title=dict(lesson.title.values), seconds=credited)
        store_statements(session, [statement], authority=tool_authority(settings))
        return credited


INTERACTION = {"single": InteractionType.CHOICE, "multiple": InteractionType.CHOICE,
               "true_false": InteractionType.TRUE_FALSE, "matching": InteractionType.MATCHING,
               "ordering": InteractionType.SEQUENCING, "fill_in": InteractionType.FILL_IN}


class Submission(NamedTuple):
    """A quiz submission as recorded: its grade, the learner's attempt at the link, the quiz attempt's number."""

    result: QuizResult
    attempt: Attempt
    number: int


def submit_quiz(db: Database, settings: Settings, launch: LaunchContext, scope: Scope, quiz: Quiz,
                responses: Mapping[str, Any], *, seconds: int = 0, token: str | None = None) -> Submission:
    """A learner submitted a quiz: grade it, keep every response, report it, queue the score for the platform.

    Concurrent submissions of one learner queue on a lock of the learner's attempt row, so the count of quiz
    attempts is read after the previous submission committed: a limit of 3 stores 3, however many race
    (uq_quiz_attempt_number backs it). A `token` already recorded (the same form sent twice) records nothing
    and answers the attempt it made."""
    result = quiz.grade(responses)
    with db.transaction() as session:
        attempt = _locked_attempt(session, launch, scope)
        if token is not None:
            earlier = session.scalar(select(QuizAttempt).where(QuizAttempt.attempt_id == attempt.id,
                                                               QuizAttempt.token == token))
            if earlier is not None:
                if earlier.quiz_id != quiz.id:
                    raise TokenOfAnotherQuiz("This submission token was used for another quiz.")
                return Submission(quiz.grade(stored_responses(session, earlier.id)), attempt, earlier.number)
        used = session.scalar(select(func.count()).select_from(QuizAttempt).where(
            QuizAttempt.attempt_id == attempt.id, QuizAttempt.quiz_id == quiz.id)) or 0
        if quiz.attempts and used >= quiz.attempts:
            raise AttemptsExhausted(f"You have used all {quiz.attempts} attempts at this quiz.")
        quiz_attempt = QuizAttempt(attempt_id=attempt.id, quiz_id=quiz.id, number=used + 1, submitted_at=utcnow(),
                                   points=result.points, max_points=result.max_points, passed=result.passed,
                                   seconds=_clamp_seconds(seconds), token=token)
        session.add(quiz_attempt)
        session.flush()
        session.add_all([QuizResponse(quiz_attempt_id=quiz_attempt.id, question_id=q.id,
                                      response=responses.get(q.id), correct=result.correct[q.id])
                         for q in quiz.questions])
        attempt.seconds += _clamp_seconds(seconds)
        module = scope.module_of(quiz)
        container = module.id if module else quiz.id  # the final assessment is its own container (as in SCORM)
        builder = _statements(launch, attempt, scope, settings)
        statements = [
            builder.question_answered(
                container, quiz.id, q.id, interaction_type=INTERACTION[q.type],
                response=_response_text(responses.get(q.id)), success=result.correct[q.id],
                prompt=dict(q.prompt.values), correct_responses=[_response_text(q.correct_response())],
                choices=[Choice(c.id, dict(c.text.values)) for c in q.choices])
            for q in quiz.questions
        ]
        statements.append(builder.quiz_finished(container, quiz.id, raw=result.points, maximum=result.max_points,
                                                passing_scaled=quiz.passing_score / 100,
                                                title=dict(quiz.title.values), seconds=_clamp_seconds(seconds)))
        statements += _refresh(session, launch, attempt, scope, builder, force_score=True)
        store_statements(session, statements, authority=tool_authority(settings))
        return Submission(result, attempt, quiz_attempt.number)


def _locked_attempt(session: Session, launch: LaunchContext, scope: Scope) -> Attempt:
    """The learner's attempt, write-locked for the rest of the transaction (PostgreSQL: the row; SQLite: the
    database, as the first write of the transaction) and read again after the lock was granted."""
    attempt = _attempt(session, launch, scope)
    session.execute(update(Attempt).where(Attempt.id == attempt.id).values(updated_at=utcnow())
                    .execution_options(synchronize_session=False))
    session.refresh(attempt)
    return attempt


def stored_responses(session: Session, quiz_attempt_id: int) -> dict[str, Any]:
    """The answers of a recorded quiz attempt, in the shapes `Quiz.grade` takes (unanswered questions left out)."""
    return {question_id: response for question_id, response in session.execute(
        select(QuizResponse.question_id, QuizResponse.response)
        .where(QuizResponse.quiz_attempt_id == quiz_attempt_id)) if response is not None}


def _refresh(session: Session, launch: LaunchContext, attempt: Attempt, scope: Scope, builder: CourseStatements,
             *, force_score: bool = False) -> list[dict]:
    """Recompute progress and score; on completion (or a new quiz score) queue the score for the gradebook.
    Each quiz's attempts make its outcome by the link's grading policy (lti_tool.grading); the score is the
    mean over the activity's quizzes."""
    session.flush()
    viewed = set(session.scalars(select(LessonView.lesson_id).where(LessonView.attempt_id == attempt.id)))
    tries: dict[str, list[Outcome]] = {}
    for quiz_id, points, max_points, ok in session.execute(
            select(QuizAttempt.quiz_id, QuizAttempt.points, QuizAttempt.max_points, QuizAttempt.passed)
            .where(QuizAttempt.attempt_id == attempt.id).order_by(QuizAttempt.number)):
        tries.setdefault(quiz_id, []).append(Outcome(points / max_points if max_points else 0.0, True, ok))
    lessons = scope.lessons()
    quizzes = scope.quizzes()
    done = sum(1 for _, lesson in lessons if lesson.id in viewed) + sum(1 for q in quizzes if q.id in tries)
    total = len(lessons) + len(quizzes)
    attempt.progress = round(done / total, 4) if total else 1.0
    attempt.updated_at = utcnow()
    if quizzes and tries:
        policy = link_policy(session, launch.resource_link_pk)
        outcomes = [combine(policy, tries.get(q.id, [])) for q in quizzes]
        attempt.score_scaled = round(sum(o.value for o in outcomes if o) / len(quizzes), 4)
        attempt.passed = all(o is not None and o.passed for o in outcomes)
    newly_completed = attempt.completed_at is None and done == total
    statements: list[dict] = []
    if newly_completed:
        attempt.completed_at = utcnow()
        statements.append(builder.module_completed(scope.module.id, title=dict(scope.module.title.values),
                                                   seconds=attempt.seconds) if scope.module
                          else builder.course_completed(seconds=attempt.seconds))
    if (newly_completed or force_score) and launch.resource_link_pk is not None:
        complete = attempt.completed_at is not None
        queue_score(session, launch, given=(attempt.score_scaled if attempt.score_scaled is not None else
                                            (1.0 if complete else 0.0)) * 100,
                    completed=complete, graded=complete or attempt.score_scaled is not None,
                    label=(scope.module or scope.course).title.get(),
                    resource_id=f"{scope.course.id}/{scope.module.id}" if scope.module else scope.course.id)
    return statements


def _response_text(response: Any) -> str:
    """xAPI interaction response pattern: choices and sequences joined with [,], pairs with [.]."""
    if isinstance(response, bool):
        return "true" if response else "false"
    if isinstance(response, Mapping):
        return "[,]".join(f"{k}[.]{v}" for k, v in response.items())
    if isinstance(response, (list, tuple)):
        return "[,]".join(str(x) for x in response)
    return "" if response is None else str(response)[:1000]
