"""Per-learner figures of one context and curriculum, computed in SQL and grouped by learner in the database.

A learner is a context member whose roles are a learner's (NRPS roster or launch). Progress counts lessons
viewed and quizzes submitted over the scope's lessons and quizzes; the score is the mean over the scope's
quizzes of each quiz's best scaled score; both as lti_tool.progress computes them for one attempt.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Select, Text, and_, case, cast, distinct, func, literal, or_, select
from sqlalchemy.orm import Session

from lti_tool.models import Attempt, LessonView, LtiMembership, LtiUser, QuizAttempt
from lti_tool.reports.filters import LearnerFilter
from lti_tool.reports.groups import institution_label
from lti_tool.reports.scope import ReportScope


def learner_role_clause() -> Any:
    """Membership rows of learners: a Learner role and no teaching role (roles is a JSON list of URIs)."""
    roles = cast(LtiMembership.roles, Text)
    return and_(roles.like("%Learner%"), ~roles.like("%Instructor%"), ~roles.like("%ContentDeveloper%"),
                ~roles.like("%membership#Administrator%"), LtiMembership.status != "Deleted")


def learner_pks(scope: ReportScope) -> Select:
    return select(LtiMembership.user_pk).where(LtiMembership.context_pk == scope.context_pk, learner_role_clause())


def in_scope(scope: ReportScope) -> Any:
    """Attempts at the scope's links by anyone but the context's teachers and removed members.

    Written as NOT IN the (few) other members rather than IN the learners: every attempt's user is a member
    (lti_tool.lti.records adds the membership at launch), and PostgreSQL estimates the JSON role filter as one
    row, which turns `IN learners` into nested loops over every response.
    """
    others = select(LtiMembership.user_pk).where(LtiMembership.context_pk == scope.context_pk,
                                                 ~learner_role_clause())
    return and_(Attempt.resource_link_pk.in_(scope.link_pks), Attempt.user_pk.not_in(others))


def lesson_key() -> Any:
    return LessonView.module_id + literal("/") + LessonView.lesson_id


def learner_rows(scope: ReportScope) -> Select:
    """One row per learner: user, sub, name, email, institution (lti_tool.reports.groups), progress, score,
    passed, seconds, attempts, last_activity, status.

    The per-learner figures are one UNION ALL of the roster and the three progress tables, grouped once by
    learner: a single hash aggregate, whatever the planner guesses about the JSON role filter (joining four
    grouped subqueries made PostgreSQL pick nested loops that recomputed them for every learner).
    """
    link = Attempt.resource_link_pk.in_(scope.link_pks)
    zero, none_time = literal(0), literal(None, Attempt.updated_at.type)

    def part(user: Any, member: Any = zero, seconds: Any = zero, last: Any = none_time, lessons: Any = zero,
             quizzes: Any = zero, best: Any = literal(0.0, Float), passed: Any = zero, tries: Any = zero,
             started: Any = zero) -> Select:
        return select(user.label("user_pk"), member.label("member"), seconds.label("seconds"),
                      last.label("last_activity"), lessons.label("lessons"), quizzes.label("quizzes"),
                      best.label("best"), passed.label("passed"), tries.label("tries"), started.label("started"))

    roster = part(LtiMembership.user_pk, member=literal(1)).where(
        LtiMembership.context_pk == scope.context_pk, learner_role_clause())
    attempts = part(Attempt.user_pk, seconds=Attempt.seconds, last=Attempt.updated_at, started=literal(1)).where(link)
    lessons = (part(Attempt.user_pk, lessons=func.count(distinct(lesson_key())))
               .join(LessonView, LessonView.attempt_id == Attempt.id)
               .where(link, lesson_key().in_(scope.lesson_keys)).group_by(Attempt.user_pk))
    scaled = QuizAttempt.points / func.nullif(QuizAttempt.max_points, 0)
    per_quiz = (select(Attempt.user_pk, func.max(scaled).label("best"),
                       func.max(case((QuizAttempt.passed, 1), else_=0)).label("passed"), func.count().label("tries"))
                .join(QuizAttempt, QuizAttempt.attempt_id == Attempt.id)
                .where(link, QuizAttempt.quiz_id.in_([q.id for q in scope.quizzes]))
                .group_by(Attempt.user_pk, QuizAttempt.quiz_id).subquery())
    quizzes = part(per_quiz.c.user_pk, quizzes=literal(1), best=func.coalesce(per_quiz.c.best, 0.0),
                   passed=per_quiz.c.passed, tries=per_quiz.c.tries)
    union = roster.union_all(attempts, lessons, quizzes).subquery("parts")
    totals = (select(union.c.user_pk, func.sum(union.c.seconds).label("seconds"),
                     func.max(union.c.last_activity).label("last_activity"),
                     func.sum(union.c.lessons).label("lessons"), func.sum(union.c.quizzes).label("quizzes"),
                     func.sum(union.c.best).label("best_sum"), func.sum(union.c.passed).label("passed"),
                     func.sum(union.c.tries).label("tries"), func.max(union.c.started).label("started"))
              .group_by(union.c.user_pk).having(func.max(union.c.member) == 1).subquery("totals"))
    n_quizzes, total = len(scope.quizzes), scope.total_items
    done = totals.c.lessons + totals.c.quizzes
    progress = cast(done, Float) / total if total else literal(1.0, Float)
    score = (case((totals.c.quizzes > 0, totals.c.best_sum / n_quizzes), else_=None) if n_quizzes
             else literal(None, Float))
    passed = case((totals.c.passed >= n_quizzes, True), else_=False) if n_quizzes else literal(None)
    status = case((totals.c.started == 0, "not_started"), (done >= total, "completed"), else_="in_progress")
    return (select(LtiUser.id.label("user_pk"), LtiUser.sub.label("sub"),
                   func.coalesce(LtiUser.name, LtiUser.email, LtiUser.sub).label("name"),
                   LtiUser.email.label("email"), institution_label().label("institution"),
                   progress.label("progress"), score.label("score"),
                   passed.label("passed"), totals.c.seconds.label("seconds"), totals.c.tries.label("attempts"),
                   totals.c.last_activity.label("last_activity"), status.label("status"),
                   totals.c.quizzes.label("quizzes_taken"), totals.c.best_sum.label("best_sum"))
            .join_from(totals, LtiUser, LtiUser.id == totals.c.user_pk)
            .join(LtiMembership, and_(LtiMembership.user_pk == totals.c.user_pk,
                                      LtiMembership.context_pk == scope.context_pk)))


def _like(text: str) -> str:
    """A LIKE pattern for lower-cased text containing `text`, its wildcards and escape character escaped."""
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def filtered(scope: ReportScope, selection: LearnerFilter) -> Any:
    """The learner rows as a subquery with the selection's conditions applied (no order, no paging)."""
    rows = learner_rows(scope).subquery("learners")
    conditions = []
    if selection.search:
        pattern = _like(selection.search)
        conditions.append(or_(func.lower(rows.c.name).like(pattern, escape="\\"),
                              func.lower(func.coalesce(rows.c.email, "")).like(pattern, escape="\\"),
                              func.lower(rows.c.sub).like(pattern, escape="\\")))
    if selection.since:
        conditions.append(rows.c.last_activity >= selection.since)
    if selection.until:
        conditions.append(rows.c.last_activity < selection.until)
    if selection.institution:
        conditions.append(rows.c.institution == selection.institution)
    if selection.status:
        conditions.append(rows.c.status == selection.status)
    return select(rows).where(*conditions).subquery("selected")


@dataclass(frozen=True)
class LearnerPage:
    rows: list[Any]
    total: int


def learner_page(session: Session, scope: ReportScope, selection: LearnerFilter) -> LearnerPage:
    """The selected learners, sorted, one page of them (all of them when `selection.limit` is 0)."""
    rows = filtered(scope, selection)
    column = func.lower(rows.c.name) if selection.sort == "name" else rows.c[selection.sort]
    order = column.desc() if selection.descending else column.asc()
    query = (select(rows, func.count().over().label("total"))
             .order_by(order.nulls_last(), func.lower(rows.c.name), rows.c.user_pk))
    if selection.limit:
        query = query.limit(selection.limit).offset(selection.offset)
    found = list(session.execute(query))
    if found or not selection.offset:
        return LearnerPage(rows=found, total=found[0].total if found else 0)
    return LearnerPage(rows=[], total=session.scalar(select(func.count()).select_from(rows)) or 0)


@dataclass(frozen=True)
class Overview:
    enrolled: int
    not_started: int
    in_progress: int
    completed: int
    passed: int
    average_score: float | None
    """The mean of the best score of every quiz a learner took (quizzes not taken do not count as 0)."""
    average_seconds: float | None


def overview(session: Session, scope: ReportScope) -> Overview:
    rows = learner_rows(scope).subquery()

    def count(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = session.execute(select(
        func.count(), count(rows.c.status == "not_started"), count(rows.c.status == "in_progress"),
        count(rows.c.status == "completed"), count(rows.c.passed.is_(True)),
        cast(func.sum(rows.c.best_sum), Float) / func.nullif(func.sum(rows.c.quizzes_taken), 0),
        func.avg(case((rows.c.status != "not_started", rows.c.seconds), else_=None)))).one()
    return Overview(int(row[0]), int(row[1]), int(row[2]), int(row[3]), int(row[4]),
                    float(row[5]) if row[5] is not None else None, float(row[6]) if row[6] is not None else None)


@dataclass(frozen=True)
class ModuleFunnel:
    module_id: str
    title: str
    started: int
    completed: int
    passed: int | None


def module_funnel(session: Session, scope: ReportScope, lang: str | None = None) -> list[ModuleFunnel]:
    """Per module: learners who started it, viewed every lesson and submitted its quiz, passed its quiz."""
    quiz_module = {m.quiz.id: m.id for m in scope.modules if m.quiz}
    lesson_items = (select(Attempt.user_pk, LessonView.module_id.label("module_id"),
                           (literal("l:") + LessonView.lesson_id).label("item"))
                    .join(LessonView, LessonView.attempt_id == Attempt.id)
                    .where(in_scope(scope), lesson_key().in_(scope.lesson_keys)))
    items = [lesson_items]
    if quiz_module:
        items.append(select(Attempt.user_pk, case(quiz_module, value=QuizAttempt.quiz_id).label("module_id"),
                            (literal("q:") + QuizAttempt.quiz_id).label("item"))
                     .join(QuizAttempt, QuizAttempt.attempt_id == Attempt.id)
                     .where(in_scope(scope), QuizAttempt.quiz_id.in_(list(quiz_module))))
    union = items[0].union_all(*items[1:]).subquery() if len(items) > 1 else items[0].subquery()
    per_learner = (select(union.c.user_pk, union.c.module_id, func.count(distinct(union.c.item)).label("done"))
                   .group_by(union.c.user_pk, union.c.module_id).subquery())
    needed = {m.id: len(m.lessons) + (1 if m.quiz else 0) for m in scope.modules}
    funnel = {row.module_id: row for row in session.execute(
        select(per_learner.c.module_id, func.count().label("started"),
               func.sum(case((per_learner.c.done >= case(needed, value=per_learner.c.module_id, else_=0), 1),
                             else_=0)).label("completed"))
        .group_by(per_learner.c.module_id))} if needed else {}
    passed = dict(session.execute(
        select(QuizAttempt.quiz_id, func.count(distinct(Attempt.user_pk)))
        .join(Attempt, Attempt.id == QuizAttempt.attempt_id)
        .where(in_scope(scope), QuizAttempt.passed.is_(True), QuizAttempt.quiz_id.in_(list(quiz_module)))
        .group_by(QuizAttempt.quiz_id)).all())
    return [ModuleFunnel(module_id=m.id, title=m.title.get(lang),
                         started=int(funnel[m.id].started) if m.id in funnel else 0,
                         completed=int(funnel[m.id].completed or 0) if m.id in funnel else 0,
                         passed=int(passed.get(m.quiz.id, 0)) if m.quiz else None)
            for m in scope.modules]


def institutions(session: Session, scope: ReportScope) -> list[str]:
    """The institution filter's choices: the labels of the context's learners, as the learner table shows them."""
    label = institution_label()
    found = session.scalars(select(label).distinct()
                            .join_from(LtiMembership, LtiUser, LtiUser.id == LtiMembership.user_pk)
                            .where(LtiMembership.context_pk == scope.context_pk, learner_role_clause(),
                                   label.is_not(None)))
    return sorted(found, key=lambda text: (text.casefold(), text))


def learner_in_context(session: Session, scope: ReportScope, user_pk: int) -> Any | None:
    rows = learner_rows(scope).subquery()
    return session.execute(select(rows).where(rows.c.user_pk == user_pk)).first()



@dataclass(frozen=True)
class LessonTime:
    module_title: str
    lesson_title: str
    views: int
    seconds: int
    last_viewed_at: Any


def lesson_times(session: Session, scope: ReportScope, user_pk: int, lang: str | None = None) -> list[LessonTime]:
    """One learner's visits and visible reading time per lesson of the scope, in reading order."""
    found = {(row.module_id, row.lesson_id): row for row in session.execute(
        select(LessonView.module_id, LessonView.lesson_id, func.sum(LessonView.views).label("views"),
               func.sum(LessonView.seconds).label("seconds"), func.max(LessonView.last_viewed_at).label("last"))
        .join(Attempt, Attempt.id == LessonView.attempt_id)
        .where(Attempt.resource_link_pk.in_(scope.link_pks), Attempt.user_pk == user_pk)
        .group_by(LessonView.module_id, LessonView.lesson_id))}
    return [LessonTime(m.title.get(lang), lesson.title.get(lang), int(row.views), int(row.seconds), row.last)
            for m in scope.modules for lesson in m.lessons if (row := found.get((m.id, lesson.id)))]
