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

from sqlalchemy import select
from sqlalchemy.orm import Session

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
    """`PT1H02M00S` -> `1 h 2 min` (only what xapi.builders writes: hours, minutes, seconds)."""
    body = iso.removeprefix("PT")
    out = []
    for unit, word in (("H", "h"), ("M", "min"), ("S", "s")):
        if unit in body:
            number, body = body.split(unit, 1)
            try:
                value = round(float(number))
            except ValueError:
                return iso
            if value:
                out.append(f"{value} {word}")
    return " ".join(out) or "0 s"


@dataclass(frozen=True)
class Event:
    when: str
    verb: str
    sentence: str


def sentence(statement: dict, lang: str | None = None) -> Event:
    """`Answered "Which article…": correct (response: a).` — the actor is the learner the page is about."""
    verb = statement.get("verb", {})
    verb_word = _pick(verb.get("display"), lang) or str(verb.get("id", "")).rsplit("/", 1)[-1]
    obj = statement.get("object", {})
    definition = obj.get("definition") or {}
    name = (_pick(definition.get("name"), lang) or _pick(definition.get("description"), lang)
            or str(obj.get("id", "")))
    details = []
    result = statement.get("result") or {}
    score = (result.get("score") or {}).get("scaled")
    if isinstance(score, (int, float)):
        details.append(f"score {round(score * 100)} %")
    if "success" in result and verb_word.lower() not in ("passed", "failed"):
        answered = "answered" in str(verb.get("id", ""))
        details.append(("correct" if result["success"] else "incorrect") if answered
                       else ("passed" if result["success"] else "failed"))
    if result.get("response") not in (None, ""):
        details.append(f"response: {str(result['response'])[:120]}")
    if result.get("duration"):
        details.append(f"time {_duration_words(str(result['duration']))}")
    text = f"{verb_word[:1].upper()}{verb_word[1:]} “{name}”".lstrip() + (f": {', '.join(details)}" if details else "") + "."
    return Event(when=str(statement.get("timestamp", "")), verb=verb_word, sentence=text)


def timeline(session: Session, scope: ReportScope, user_pk: int, lang: str | None = None) -> list[Event]:
    """The learner's statements in this context and curriculum, newest first (at most TIMELINE_LIMIT)."""
    found: list[dict] = []
    for registration in registrations(session, scope, [user_pk]):
        found.extend(statements_by_registration(session, registration))
    found.sort(key=lambda s: _instant(s.get("timestamp", "")), reverse=True)
    return [sentence(s, lang) for s in found[:TIMELINE_LIMIT]]


def _instant(stamp: str) -> datetime:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=timezone.utc)


def ndjson_lines(session: Session, scope: ReportScope, user_pks: list[int]) -> Iterator[str]:
    """One statement per line, attempt after attempt, each attempt's statements in stored order."""
    for registration in registrations(session, scope, user_pks):
        for statement in statements_by_registration(session, registration):
            yield json.dumps(statement, ensure_ascii=False, separators=(",", ":")) + "\n"
