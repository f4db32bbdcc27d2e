"""A learner's statements as sentences a trainer reads, and the NDJSON export of a selection's statements.

Statements are found by registration: lti_tool.progress gives every attempt its own registration, so a
learner's statements in another context (same curriculum, other platform course) never leak into this one.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator
from urllib.parse import quote, unquote, urlsplit

from babel.lists import format_list
from flask_babel import format_percent, format_timedelta, get_locale, gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from tincan.conversions.iso8601 import make_timedelta

from courses.markdown import plain_text
from courses.model import Course, Question
from lti_tool.models import Attempt, LtiContext, LtiPlatform
from lti_tool.reports.scope import ReportScope
from xapi.service import statements_by_registration

TIMELINE_LIMIT = 500


def attempt_registration(issuer: str, attempt_id: int) -> str:
    """The registration lti_tool.progress puts in every statement of an attempt (same formula)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mirco-attempt:{issuer}:{attempt_id}"))


def registrations(session: Session, scope: ReportScope, user_pks: Iterable[int]) -> list[str]:
    """Registrations of the given learners' attempts in the scope."""
    query = (select(LtiPlatform.issuer, Attempt.id)
             .join(LtiContext, LtiContext.platform_id == LtiPlatform.id)
             .join(Attempt, Attempt.resource_link_pk.in_(scope.link_pks))
             .where(LtiContext.id == scope.context_pk, Attempt.user_pk.in_(list(user_pks))).order_by(Attempt.id))
    return [attempt_registration(issuer, attempt_id) for issuer, attempt_id in session.execute(query)]


def _pick(texts: Any, lang: str | None) -> str:
    if not isinstance(texts, dict) or not texts:
        return ""
    for tag in (lang, "en-US", "en"):
        if tag and tag in texts:
            return str(texts[tag])
    return str(next(iter(texts.values())))


def _duration_words(iso: str) -> str:
    """`PT1H02M00S` -> `1 hour` / `62 minutes` in the trainer's language (only what xapi.builders writes)."""
    try:
        return format_timedelta(make_timedelta(iso), threshold=1.5)
    except (ValueError, TypeError, OverflowError):
        return iso


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Event:
    when: datetime | None
    verb: str
    sentence: str


def _course_path(iri: str, course_id: str) -> list[str] | None:
    """The ids after the course's own segment of an activity IRI (xapi.iris.activity_iri): [] for the course,
    [module], [module, lesson-or-quiz], [module, quiz, question]; None for an activity from elsewhere."""
    marker = "/" + quote(course_id, safe="-._~")
    path = urlsplit(iri).path.rstrip("/")
    if not (path.endswith(marker) or marker + "/" in path):
        return None
    tail = path.rsplit(marker, 1)[1].strip("/") if path.endswith(marker) else path.split(marker + "/", 1)[1]
    return [unquote(part) for part in tail.split("/")] if tail else []


def _answer_words(question: Question, response: str, lang: str | None) -> str:
    """An xAPI response pattern (`a[,]b`, `p1[.]p2[,]p2[.]p1`, `i3[,]i1`, `true`) in the course's words."""
    parts = response.split("[,]") if response else []
    if question.type == "true_false":
        return _("True") if response == "true" else _("False") if response == "false" else response
    if question.type in ("single", "multiple"):
        texts = {c.id: plain_text(c.text.get(lang)) for c in question.choices}
        return format_list([texts.get(p, p) for p in parts], locale=get_locale())
    if question.type == "ordering":
        texts = {i.id: plain_text(i.text.get(lang)) for i in question.items}
        return " → ".join(texts.get(p, p) for p in parts)
    if question.type == "matching":
        sources = {p.id: p.source.get(lang) for p in question.pairs}
        targets = {p.id: p.target.get(lang) for p in question.pairs}
        pairs = [pair.split("[.]", 1) for pair in parts]
        return format_list([f"{sources.get(p[0], p[0])} → {targets.get(p[-1], p[-1])}" for p in pairs],
                           locale=get_locale())
    return response


@dataclass(frozen=True)
class _Found:
    name: str
    kind: str  # course, module, lesson, quiz, question, other
    question: Question | None = None


def _activity(obj: dict, course: Course | None, lang: str | None) -> _Found:
    """What a statement's object is, named from the course in the trainer's language where it is ours."""
    definition = obj.get("definition") or {}
    fallback = (_pick(definition.get("name"), lang) or _pick(definition.get("description"), lang)
                or str(obj.get("id", "")))
    path = _course_path(str(obj.get("id", "")), course.id) if course else None
    if course is None or path is None:
        return _Found(fallback, "other")
    if not path:
        return _Found(course.title.get(lang), "course")
    module = next((m for m in course.modules if m.id == path[0]), None)
    final = course.final_assessment
    if len(path) == 1:
        return _Found(module.title.get(lang), "module") if module else _Found(fallback, "other")
    lesson = next((lesson for lesson in module.lessons if lesson.id == path[1]), None) if module else None
    if lesson is not None and len(path) == 2:
        return _Found(lesson.title.get(lang), "lesson")
    quiz = module.quiz if module and module.quiz and module.quiz.id == path[1] else (
        final if final and final.id == path[1] else None)
    if quiz is None:
        return _Found(fallback, "other")
    if len(path) == 2:
        return _Found(quiz.title.get(lang), "quiz")
    question = next((q for q in quiz.questions if q.id == path[2]), None)
    if question is None:
        return _Found(fallback, "other")
    return _Found(plain_text(question.prompt.get(lang)), "question", question)


def sentence(statement: dict, course: Course | None = None, lang: str | None = None) -> Event:
    """`Answered “Which article…” with “Article 1F” — incorrect.` in the trainer's language, the course's
    titles and answer texts in the course's language nearest to it; the actor is the learner the page is about."""
    verb = statement.get("verb") or {}
    verb_id = str(verb.get("id", ""))
    key = verb_id.rsplit("/", 1)[-1]
    found = _activity(statement.get("object") or {}, course, lang)
    name = _short(found.name)
    result = statement.get("result") or {}
    score = (result.get("score") or {}).get("scaled")
    score_text = format_percent(score) if isinstance(score, (int, float)) else None
    success = result.get("success")
    response = result.get("response")
    if key == "answered":
        verdict = {True: _("correct"), False: _("incorrect")}.get(success) if isinstance(success, bool) else None
        answer = None
        if isinstance(response, str) and response != "":
            answer = _short(_answer_words(found.question, response, lang) if found.question else response, 120)
        if answer is not None and verdict:
            text = _("Answered “%(question)s” with “%(answer)s” — %(verdict)s", question=name, answer=answer,
                     verdict=verdict)
        elif answer is not None:
            text = _("Answered “%(question)s” with “%(answer)s”", question=name, answer=answer)
        elif verdict:
            text = _("Answered “%(question)s” — %(verdict)s", question=name, verdict=verdict)
        else:
            text = _("Answered “%(question)s”", question=name)
    elif key in ("passed", "failed") and score_text:
        text = (_("Passed “%(name)s” with %(score)s", name=name, score=score_text) if key == "passed"
                else _("Failed “%(name)s” with %(score)s", name=name, score=score_text))
    else:
        templates = {"passed": _("Passed “%(name)s”"), "failed": _("Failed “%(name)s”"),
                     "completed": _("Completed “%(name)s”"), "launched": _("Opened “%(name)s”"),
                     "initialized": _("Opened “%(name)s”"), "suspended": _("Left “%(name)s” to resume later"),
                     "resumed": _("Came back to “%(name)s”"), "terminated": _("Closed “%(name)s”"),
                     "progressed": _("Made progress in “%(name)s”"),
                     "experienced": (_("Read the lesson “%(name)s”") if found.kind == "lesson"
                                     else _("Viewed “%(name)s”"))}
        word = _pick(verb.get("display"), lang) or key
        text = templates.get(key, f"{word[:1].upper()}{word[1:]} “%(name)s”".lstrip()) % {"name": name}
    if result.get("duration"):
        text = _("%(what)s (time: %(duration)s)", what=text, duration=_duration_words(str(result["duration"])))
    words = {"answered": _("answered"), "passed": _("passed"), "failed": _("failed"), "completed": _("completed"),
             "experienced": _("read"), "progressed": _("progressed"), "launched": _("opened"),
             "initialized": _("opened"), "suspended": _("left"), "resumed": _("came back"), "terminated": _("closed")}
    when = _instant(str(statement.get("timestamp", "")))
    return Event(when=None if when == NEVER else when, verb=words.get(key, key), sentence=text + ".")


def timeline(session: Session, scope: ReportScope, user_pk: int, lang: str | None = None) -> list[Event]:
    """The learner's statements in this context and curriculum, newest first (at most TIMELINE_LIMIT)."""
    found: list[dict] = []
    for registration in registrations(session, scope, [user_pk]):
        found.extend(statements_by_registration(session, registration))
    found.sort(key=lambda s: _instant(str(s.get("timestamp", ""))), reverse=True)
    return [sentence(s, scope.course, lang) for s in found[:TIMELINE_LIMIT]]


NEVER = datetime.min.replace(tzinfo=timezone.utc)


def _instant(stamp: str) -> datetime:
    try:
        found = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return NEVER
    return found if found.tzinfo else found.replace(tzinfo=timezone.utc)


def ndjson_lines(session: Session, scope: ReportScope, user_pks: list[int]) -> Iterator[str]:
    """One statement per line, attempt after attempt, each attempt's statements in stored order."""
    for registration in registrations(session, scope, user_pks):
        for statement in statements_by_registration(session, registration):
            yield json.dumps(statement, ensure_ascii=False, separators=(",", ":")) + "\n"
