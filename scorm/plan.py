"""Which shareable content objects (SCOs / cmi5 AUs) a course becomes: one per module or one for the course."""
from __future__ import annotations

from dataclasses import dataclass

from courses.model import Course, Lesson, LocalizedText, Module, Quiz
from xapi.iris import activity_iri


@dataclass(frozen=True)
class QuizRef:
    """A quiz with the IRI path parts that name it (module quizzes sit under their module)."""

    quiz: Quiz
    parts: tuple[str, ...]


@dataclass(frozen=True)
class Sco:
    """One launchable unit: some lessons and the quizzes that assess them."""

    key: str
    title: LocalizedText
    description: LocalizedText
    parts: tuple[str, ...]
    lessons: tuple[tuple[Module, Lesson], ...]
    quizzes: tuple[QuizRef, ...]

    @property
    def href(self) -> str:
        return f"{self.key}.html"

    @property
    def mastery_percent(self) -> float | None:
        """The passing score an LMS may apply to the SCO's score: only meaningful with exactly one quiz."""
        return self.quizzes[0].quiz.passing_score if len(self.quizzes) == 1 else None

    @property
    def minutes(self) -> int:
        return sum(lesson.minutes for _, lesson in self.lessons)

    @property
    def outcomes(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for _, lesson in self.lessons:
            seen.update(dict.fromkeys(lesson.outcomes))
        for ref in self.quizzes:
            for question in ref.quiz.questions:
                seen.update(dict.fromkeys(question.outcomes))
        return tuple(seen)

    def iri(self, base: str, course_id: str) -> str:
        return activity_iri(base, course_id, *self.parts)


def _module_quiz(module: Module) -> tuple[QuizRef, ...]:
    return (QuizRef(module.quiz, (module.id, module.quiz.id)),) if module.quiz else ()


def _final(course: Course) -> tuple[QuizRef, ...]:
    return (QuizRef(course.final_assessment, (course.final_assessment.id,)),) if course.final_assessment else ()


def plan_scos(course: Course, per: str = "module") -> tuple[Sco, ...]:
    """Module SCOs in course order (plus the final assessment as its own SCO), or a single course SCO."""
    if per == "course":
        quizzes = tuple(ref for m in course.modules for ref in _module_quiz(m)) + _final(course)
        return (Sco("sco-course", course.title, course.description, (), tuple(course.lessons()), quizzes),)
    scos = [
        Sco(f"sco-{module.id}", module.title, module.description, (module.id,),
            tuple((module, lesson) for lesson in module.lessons), _module_quiz(module))
        for module in course.modules
    ]
    for ref in _final(course):
        scos.append(Sco(f"sco-{ref.quiz.id}", ref.quiz.title, ref.quiz.title, ref.parts, (), (ref,)))
    return tuple(scos)
