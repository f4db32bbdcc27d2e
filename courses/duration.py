"""Honest study times, computed from the content instead of typed by authors.

A lesson takes its reading time (its words at `WORDS_PER_MINUTE`) plus the e-library reading it assigns (the
`minutes` a curriculum gives a document it references); a module adds `MINUTES_PER_QUESTION` for each question of
its quiz; a course adds its final assessment.

`WORDS_PER_MINUTE` is a chosen rate: Brysbaert's meta-analysis of 190 studies (2019, "How many words do we read per
minute?", Journal of Memory and Language 109, 104047) puts silent reading of English non-fiction by adults at
about 238 words per minute; our learners are officials reading dense legal and policy text, often in a second
language, so we count 200. `MINUTES_PER_QUESTION` (1.5) is also chosen: reading a question and its options,
answering, and reading the feedback.
"""
from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from courses.errors import Problem

if TYPE_CHECKING:
    from courses.model import Course, Module, Quiz

WORDS_PER_MINUTE = 200
MINUTES_PER_QUESTION = 1.5
TOLERANCE = 0.25
"""Declared and computed course hours may differ by this share of the computed hours before the validator warns."""

_LINK_TARGET = re.compile(r"\]\([^)]*\)")  # the address of a Markdown link or image is not read
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def word_count(markdown: str) -> int:
    """Words a reader reads: Markdown punctuation, link addresses and table rules do not count."""
    return len(_WORD.findall(_LINK_TARGET.sub("]", markdown)))


def reading_minutes(markdown: str) -> int:
    """Whole minutes to read `markdown`, at least one for any text."""
    words = word_count(markdown)
    return math.ceil(words / WORDS_PER_MINUTE) if words else 0


def quiz_minutes(quiz: Quiz | None) -> int:
    return math.ceil(len(quiz.questions) * MINUTES_PER_QUESTION) if quiz else 0


def module_minutes(module: Module) -> int:
    return sum(lesson.estimated_minutes for lesson in module.lessons) + quiz_minutes(module.quiz)


def course_minutes(course: Course) -> int:
    return sum(module_minutes(m) for m in course.modules) + quiz_minutes(course.final_assessment)


def _line_of_hours(course: Course) -> int | None:
    try:
        text = (course.path / "course.yaml").read_text(encoding="utf-8-sig")
    except OSError:
        return None
    match = re.search(r"^hours:", text, re.M)
    return text[:match.start()].count("\n") + 1 if match else None


def duration_warnings(course: Course) -> list[Problem]:
    """What an author should look at, not an error: declared hours more than `TOLERANCE` from the content's."""
    computed = course_minutes(course) / 60
    warnings = []
    if course.hours and abs(course.hours - computed) > TOLERANCE * computed:
        warnings.append(Problem(
            "course.yaml", _line_of_hours(course), f"hours: {course.hours:g} declared, but the lessons, assigned library reading and "
            f"questions take about {computed:.1f} h at {WORDS_PER_MINUTE} words a minute and "
            f"{MINUTES_PER_QUESTION:g} min a question (more than {TOLERANCE:.0%} apart; if the rest is "
            "self-study, say so in the description)"))
    return warnings
