"""Typed, immutable curriculum objects returned by the loader."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Literal, Mapping

from courses.translit import to_cyrillic_markdown

QuestionType = Literal["single", "multiple", "true_false", "matching", "ordering", "fill_in"]
QUESTION_TYPES: tuple[str, ...] = ("single", "multiple", "true_false", "matching", "ordering", "fill_in")
OUTCOME_DOMAINS: tuple[str, ...] = ("knowledge", "skills", "responsibility")
RESOURCE_TYPES: tuple[str, ...] = (
    "instrument", "eu-law", "report", "book", "article", "guide", "dataset", "website", "other",
)


def language_chain(lang: str) -> list[str]:
    """Candidate tags from the most to the least specific: sr-Latn-ME -> sr-Latn-ME, sr-Latn, sr."""
    parts = lang.split("-")
    return ["-".join(parts[:i]) for i in range(len(parts), 0, -1)]


@dataclass(frozen=True)
class LocalizedText:
    """Text in several languages with per-field fallback to the course's default language."""

    values: Mapping[str, str]
    default: str

    def get(self, lang: str | None = None) -> str:
        return self.resolve(lang)[1]

    def language_of(self, lang: str | None = None) -> str:
        """The language the text for `lang` is really in (the default one when it falls back), so a page can
        mark fallback text with its own `lang` for screen readers and tell the learner."""
        return self.resolve(lang)[0]

    def resolve(self, lang: str | None = None) -> tuple[str, str]:
        """(language tag actually shown, text) for a learner who asked for `lang`."""
        if lang:
            for tag in language_chain(lang):
                if tag in self.values:
                    return tag, self.values[tag]
            if lang.startswith("sr-Cyrl") or lang == "sr":
                latin = self._latin_serbian(lang)
                if latin is not None:
                    return "sr-Cyrl", to_cyrillic_markdown(latin)
            if lang.startswith(("bs", "hr", "sr")) and "sr-Latn" in self.values:
                return "sr-Latn", self.values["sr-Latn"]  # mutually intelligible: better than falling back to English
        if self.default in self.values and self.values[self.default]:
            return self.default, self.values[self.default]
        return next(iter(self.values.items()), (self.default, ""))

    def _latin_serbian(self, lang: str) -> str | None:
        region = lang.split("-")[2:] if lang.startswith("sr-Cyrl") else []
        for tag in (["sr-Latn-" + region[0]] if region else []) + ["sr-Latn"]:
            if tag in self.values:
                return self.values[tag]
        return None

    def languages(self) -> set[str]:
        return set(self.values)

    def __str__(self) -> str:
        return self.get()


@dataclass(frozen=True)
class Outcome:
    id: str
    domain: str
    text: LocalizedText


@dataclass(frozen=True)
class LibraryResource:
    id: str
    title: LocalizedText
    type: str
    language: str
    authors: tuple[str, ...] = ()
    publisher: str | None = None
    year: int | None = None
    url: str | None = None
    file: Path | None = None
    description: LocalizedText | None = None
    """The curriculum's own note on the document (`note:` of a catalogue reference)."""
    tags: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    """Languages in which the document itself exists (not the languages of our notes)."""
    doi: str | None = None
    eli: str | None = None
    isbn: str | None = None
    minutes: int | None = None
    """Reading time the curriculum assigns for this document (`minutes:` of its reference), counted in the
    duration of every lesson that assigns the document."""

    def citation(self, lang: str | None = None) -> str:
        """The APA 7 reference shown to people."""
        from courses.citations import apa

        return apa(self, lang)


@dataclass(frozen=True)
class Choice:
    id: str
    text: LocalizedText
    correct: bool = False
    feedback: LocalizedText | None = None


@dataclass(frozen=True)
class Pair:
    id: str
    source: LocalizedText
    target: LocalizedText


@dataclass(frozen=True)
class OrderItem:
    id: str
    text: LocalizedText


def _normalise_answer(text: str, case_sensitive: bool) -> str:
    text = " ".join(unicodedata.normalize("NFC", text).split())
    return text if case_sensitive else text.casefold()


@dataclass(frozen=True)
class Question:
    """One assessment item. Responses: single -> choice id; multiple -> list of choice ids; true_false -> bool;
    matching -> {pair id: pair id of the chosen target}; ordering -> list of item ids; fill_in -> text."""

    id: str
    type: QuestionType
    prompt: LocalizedText
    explanation: LocalizedText
    points: float = 1.0
    outcomes: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()
    answer: bool | None = None
    pairs: tuple[Pair, ...] = ()
    items: tuple[OrderItem, ...] = ()
    answers: tuple[str, ...] = ()
    case_sensitive: bool = False

    def correct_response(self) -> Any:
        """The response that scores full points, in the same shape as learner responses."""
        if self.type == "single":
            return next(c.id for c in self.choices if c.correct)
        if self.type == "multiple":
            return [c.id for c in self.choices if c.correct]
        if self.type == "true_false":
            return self.answer
        if self.type == "matching":
            return {p.id: p.id for p in self.pairs}
        if self.type == "ordering":
            return [i.id for i in self.items]
        return self.answers[0]

    def is_correct(self, response: Any) -> bool:
        """All-or-nothing scoring, as SCORM and xAPI report interactions (correct / incorrect)."""
        if response is None:
            return False
        if self.type == "single":
            return isinstance(response, str) and response == self.correct_response()
        if self.type == "multiple":
            return isinstance(response, (list, tuple, set)) and set(response) == set(self.correct_response())
        if self.type == "true_false":
            return isinstance(response, bool) and response is self.answer
        if self.type == "matching":
            return isinstance(response, Mapping) and dict(response) == self.correct_response()
        if self.type == "ordering":
            return isinstance(response, (list, tuple)) and list(response) == self.correct_response()
        if isinstance(response, str):
            given = _normalise_answer(response, self.case_sensitive)
            return any(given == _normalise_answer(a, self.case_sensitive) for a in self.answers)
        return False


@dataclass(frozen=True)
class QuizResult:
    points: float
    max_points: float
    passed: bool
    correct: Mapping[str, bool]

    @property
    def scaled(self) -> float:
        return round(self.points / self.max_points, 4) if self.max_points else 0.0


@dataclass(frozen=True)
class Quiz:
    id: str
    title: LocalizedText
    passing_score: float
    attempts: int
    shuffle: bool
    questions: tuple[Question, ...]

    @property
    def max_points(self) -> float:
        return sum(q.points for q in self.questions)

    def question(self, question_id: str) -> Question:
        return next(q for q in self.questions if q.id == question_id)

    def grade(self, responses: Mapping[str, Any]) -> QuizResult:
        """Score a complete submission; unanswered questions count as wrong."""
        correct = {q.id: q.is_correct(responses.get(q.id)) for q in self.questions}
        points = sum(q.points for q in self.questions if correct[q.id])
        max_points = self.max_points
        passed = max_points > 0 and points * 100 >= self.passing_score * max_points
        return QuizResult(points=points, max_points=max_points, passed=passed, correct=correct)


@dataclass(frozen=True)
class Lesson:
    id: str
    title: LocalizedText
    minutes: int
    outcomes: tuple[str, ...]
    body: LocalizedText
    path: Path
    library: tuple[str, ...] = ()
    """Ids of e-library documents the lesson assigns (front-matter `library:`)."""
    estimated_minutes: int = 0
    """Reading time of the text plus the assigned library reading (courses.duration); `minutes` is what the
    author typed, kept for comparison."""


@dataclass(frozen=True)
class Module:
    id: str
    title: LocalizedText
    description: LocalizedText
    lessons: tuple[Lesson, ...]
    quiz: Quiz | None
    path: Path

    @property
    def outcomes(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for lesson in self.lessons:
            seen.update(dict.fromkeys(lesson.outcomes))
        return tuple(seen)

    @property
    def minutes(self) -> int:
        return sum(lesson.minutes for lesson in self.lessons)

    @property
    def estimated_minutes(self) -> int:
        """Computed study time: lessons, assigned reading and the quiz (courses.duration)."""
        from courses.duration import module_minutes

        return module_minutes(self)


@dataclass(frozen=True)
class Course:
    id: str
    version: str
    default_language: str
    title: LocalizedText
    description: LocalizedText
    eqf_level: int
    credits: float
    hours: float
    audience: LocalizedText
    licence: str
    authors: tuple[str, ...]
    outcomes: tuple[Outcome, ...]
    modules: tuple[Module, ...]
    final_assessment: Quiz | None
    library: tuple[LibraryResource, ...]
    path: Path
    content_hash: str
    languages: tuple[str, ...] = field(default=())

    @property
    def estimated_minutes(self) -> int:
        """Computed guided study time: lessons, assigned reading and every quiz (courses.duration)."""
        from courses.duration import course_minutes

        return course_minutes(self)

    def offers(self, lang: str) -> bool:
        """Whether the course has text in `lang`: written by its authors, or Serbian Cyrillic made from Latin."""
        return lang in self.languages or (lang.startswith("sr-Cyrl") and "sr-Latn" in self.languages)

    def offered_languages(self) -> list[str]:
        """The languages `offers` accepts, for messages that list them."""
        return [*self.languages, *(["sr-Cyrl"] if "sr-Latn" in self.languages and "sr-Cyrl" not in self.languages
                                   else [])]

    def module(self, module_id: str) -> Module:
        return next(m for m in self.modules if m.id == module_id)

    def lessons(self) -> Iterator[tuple[Module, Lesson]]:
        for module in self.modules:
            for lesson in module.lessons:
                yield module, lesson

    def find_lesson(self, lesson_id: str) -> tuple[Module, Lesson] | None:
        return next(((m, l) for m, l in self.lessons() if l.id == lesson_id), None)

    def quizzes(self) -> Iterator[Quiz]:
        for module in self.modules:
            if module.quiz:
                yield module.quiz
        if self.final_assessment:
            yield self.final_assessment

    def find_quiz(self, quiz_id: str) -> Quiz | None:
        return next((q for q in self.quizzes() if q.id == quiz_id), None)

    def outcome(self, outcome_id: str) -> Outcome:
        return next(o for o in self.outcomes if o.id == outcome_id)
