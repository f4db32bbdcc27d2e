"""What a context's reports cover: which curriculum, and which of its modules the context's links open."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from courses.catalogue import Catalogue
from courses.model import Course, Module, Question, Quiz
from lti_tool.models import LtiResourceLink


@dataclass(frozen=True)
class ReportScope:
    """One curriculum in one context: the resource links that open it and the content they cover together."""

    context_pk: int
    course: Course
    link_pks: tuple[int, ...]
    modules: tuple[Module, ...]
    whole_course: bool

    @property
    def quizzes(self) -> tuple[Quiz, ...]:
        found = [m.quiz for m in self.modules if m.quiz]
        if self.whole_course and self.course.final_assessment:
            found.append(self.course.final_assessment)
        return tuple(found)

    @property
    def lesson_keys(self) -> tuple[str, ...]:
        """`module/lesson` keys: lesson ids are unique only within their module."""
        return tuple(f"{m.id}/{lesson.id}" for m in self.modules for lesson in m.lessons)

    @property
    def total_items(self) -> int:
        """Lessons plus quizzes: the denominator of progress, as lti_tool.progress counts it."""
        return len(self.lesson_keys) + len(self.quizzes)

    def module_of_quiz(self, quiz_id: str) -> Module | None:
        return next((m for m in self.modules if m.quiz and m.quiz.id == quiz_id), None)

    def quiz(self, quiz_id: str) -> Quiz | None:
        return next((q for q in self.quizzes if q.id == quiz_id), None)

    def questions(self) -> list[tuple[Quiz, Question]]:
        return [(quiz, q) for quiz in self.quizzes for q in quiz.questions]


def course_ids_in_context(session: Session, context_pk: int) -> list[str]:
    return sorted(set(session.scalars(select(LtiResourceLink.course_id).where(
        LtiResourceLink.context_pk == context_pk, LtiResourceLink.course_id.is_not(None)))))


def report_scope(session: Session, catalogue: Catalogue, context_pk: int, course_id: str) -> ReportScope | None:
    """None when no link of the context opens this course, or the course is not installed."""
    course = catalogue.get(course_id)
    if course is None:
        return None
    links = session.execute(select(LtiResourceLink.id, LtiResourceLink.module_id).where(
        LtiResourceLink.context_pk == context_pk, LtiResourceLink.course_id == course_id)).all()
    if not links:
        return None
    linked_modules = {module_id for _, module_id in links}
    whole = None in linked_modules  # a link to a module the course lacks opens nothing (progress refuses it)
    modules = course.modules if whole else tuple(m for m in course.modules if m.id in linked_modules)
    return ReportScope(context_pk=context_pk, course=course, link_pks=tuple(sorted(pk for pk, _ in links)),
                       modules=modules, whole_course=whole)
