"""The player's content file: lessons rendered to sanitized HTML at export time, quizzes, IRIs and verbs.

Written as `content.js` (a script that sets `window.MIRCO_CONTENT`) rather than JSON, because browsers refuse
`fetch()` on `file://` and the package must also play offline straight from the unpacked zip.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from courses.markdown import course_media_path, render_markdown
from courses.model import Course, Question
from courses.translit import to_cyrillic_markdown
from scorm.plan import QuizRef, Sco
from xapi.iris import activity_iri
from xapi.vocabulary import Cmi5, Extension, Verb

UI_LABELS = {
    "en": {
        "contents": "Contents", "next": "Next", "previous": "Previous", "submit": "Submit answers",
        "retry": "Try again", "exit": "Save and exit", "score": "Score", "passed": "Passed", "failed": "Not passed",
        "correct": "Correct", "incorrect": "Incorrect", "attemptsLeft": "Attempts left", "noAttempts":
        "No attempts left", "true": "True", "false": "False", "moveUp": "Move up", "moveDown": "Move down",
        "choose": "Choose…", "done": "All lessons read", "saved": "Progress saved", "quiz": "Assessment",
        "closed": "You can close this window now.",
    },
    "sr-Latn": {
        "contents": "Sadržaj", "next": "Dalje", "previous": "Nazad", "submit": "Predaj odgovore",
        "retry": "Pokušaj ponovo", "exit": "Sačuvaj i izađi", "score": "Rezultat", "passed": "Položeno",
        "failed": "Nije položeno", "correct": "Tačno", "incorrect": "Netačno", "attemptsLeft": "Preostali pokušaji",
        "noAttempts": "Nema više pokušaja", "true": "Tačno", "false": "Netačno", "moveUp": "Pomeri gore",
        "moveDown": "Pomeri dole", "choose": "Izaberite…", "done": "Sve lekcije pročitane",
        "saved": "Napredak sačuvan", "quiz": "Provera znanja", "closed": "Sada možete zatvoriti ovaj prozor.",
    },
}


@dataclass
class MediaCollector:
    """Maps lesson image paths to files inside the package and remembers which files to copy."""

    files: dict[str, Path] = field(default_factory=dict)

    def rewriter(self, base: Path, course_root: Path):  # type: ignore[no-untyped-def]
        def rewrite(src: str) -> str:
            relative = course_media_path(base, course_root, src)
            if relative is None:  # the loader refuses such images; never pack a file from outside the course
                return ""
            name = "media/" + relative
            self.files[name] = course_root.resolve() / relative
            return quote(name)
        return rewrite


def _labels(lang: str) -> dict[str, str]:
    if lang.startswith(("sr-Latn", "bs", "hr")):
        return UI_LABELS["sr-Latn"]
    if lang.startswith("sr"):
        return {k: to_cyrillic_markdown(v) for k, v in UI_LABELS["sr-Latn"].items()}
    return UI_LABELS["en"]


class ContentBuilder:
    """Builds the player content for one course, language and set of SCOs."""

    def __init__(self, course: Course, lang: str, iri_base: str) -> None:
        self.course, self.lang, self.base = course, lang, iri_base
        self.media = MediaCollector()

    def _md(self, text: str, base: Path | None = None) -> str:
        rewrite = self.media.rewriter(base, self.course.path) if base is not None else None
        return render_markdown(text, rewrite)

    def _question(self, question: Question, parts: tuple[str, ...]) -> dict[str, Any]:
        t = lambda text: text.get(self.lang)  # noqa: E731 - local shorthand
        data: dict[str, Any] = {
            "id": question.id, "type": question.type, "points": question.points,
            "iri": activity_iri(self.base, self.course.id, *parts, question.id),
            "prompt": self._md(t(question.prompt)), "text": t(question.prompt),
            "explanation": self._md(t(question.explanation)), "outcomes": list(question.outcomes),
        }
        if question.type in ("single", "multiple"):
            data["choices"] = [{"id": c.id, "text": self._md(t(c.text)), "correct": c.correct,
                                "feedback": self._md(t(c.feedback)) if c.feedback else ""} for c in question.choices]
        elif question.type == "true_false":
            data["answer"] = question.answer
        elif question.type == "matching":
            data["pairs"] = [{"id": p.id, "source": t(p.source), "target": t(p.target)} for p in question.pairs]
        elif question.type == "ordering":
            data["items"] = [{"id": i.id, "text": t(i.text)} for i in question.items]
        else:
            data["answers"] = list(question.answers)
            data["caseSensitive"] = question.case_sensitive
        return data

    def _quiz(self, ref: QuizRef) -> dict[str, Any]:
        quiz = ref.quiz
        return {
            "id": quiz.id, "title": quiz.title.get(self.lang), "passing": quiz.passing_score,
            "attempts": quiz.attempts, "shuffle": quiz.shuffle, "maxPoints": quiz.max_points,
            "iri": activity_iri(self.base, self.course.id, *ref.parts),
            "questions": [self._question(q, ref.parts) for q in quiz.questions],
        }

    def sco(self, sco: Sco) -> dict[str, Any]:
        return {
            "key": sco.key, "title": sco.title.get(self.lang), "iri": sco.iri(self.base, self.course.id),
            "mastery": sco.mastery_percent,
            "outcomes": [{"id": o, "iri": activity_iri(self.base, self.course.id, "outcomes", o)}
                         for o in sco.outcomes],
            "lessons": [{
                "id": lesson.id, "title": lesson.title.get(self.lang), "minutes": lesson.minutes,
                "outcomes": list(lesson.outcomes),
                "iri": activity_iri(self.base, self.course.id, module.id, lesson.id),
                "html": self._md(lesson.body.get(self.lang), lesson.path.parent),
            } for module, lesson in sco.lessons],
            "quizzes": [self._quiz(ref) for ref in sco.quizzes],
        }

    def build(self, fmt: str, scos: tuple[Sco, ...], suspend_limit: int) -> dict[str, Any]:
        return {
            "format": fmt, "lang": self.lang, "suspendLimit": suspend_limit,
            "course": {"id": self.course.id, "version": self.course.version,
                       "title": self.course.title.get(self.lang),
                       "iri": activity_iri(self.base, self.course.id)},
            "labels": _labels(self.lang),
            "xapi": {
                "verbs": {name.lower(): getattr(Verb, name) for name in (
                    "INITIALIZED", "COMPLETED", "PASSED", "FAILED", "TERMINATED", "ANSWERED", "PROGRESSED")},
                "cmi5Category": Cmi5.CATEGORY_CMI5, "moveOnCategory": Cmi5.CATEGORY_MOVEON,
                "progress": Extension.PROGRESS, "sessionId": Extension.SESSION_ID,
                "masteryScore": Extension.MASTERY_SCORE,
            },
            "scos": {sco.key: self.sco(sco) for sco in scos},
        }


def content_script(data: dict[str, Any]) -> str:
    """`content.js`: JSON safe to embed in a script (no `</script>`, no U+2028 surprises)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"window.MIRCO_CONTENT={text};\n"
