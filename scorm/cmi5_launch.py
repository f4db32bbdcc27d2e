"""The LMS side of cmi5 (cmi5 spec, sections 8-10) for imported cmi5 packages: what the tool writes before it
opens an AU (LMS.LaunchData, `launched`), the launch URL, and how it reads the AU's statements back to decide
whether the AU's moveOn criterion is met (and so whether the grade goes to the platform).

Pure functions over dicts: the caller stores documents and statements in its own transaction.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, Iterable, Mapping
from urllib.parse import urlencode

from xapi.vocabulary import Cmi5, Extension, Verb

LAUNCH_DATA = "LMS.LaunchData"
OUTCOME_VERBS = (Verb.COMPLETED, Verb.PASSED, Verb.FAILED)
"""The verbs `au_outcome` reads: the LMS needs no other statement of the AU to decide its moveOn."""


def launch_url(content_url: str, *, endpoint: str, fetch: str, registration: str, actor: Mapping[str, Any],
               activity_id: str) -> str:
    """cmi5 8.1: the AU's URL with endpoint, fetch, actor, registration and activityId appended."""
    query = urlencode({"endpoint": endpoint, "fetch": fetch, "actor": json.dumps(actor, separators=(",", ":")),
                       "registration": registration, "activityId": activity_id})
    return content_url + ("&" if "?" in content_url else "?") + query


def context_template(session_id: str, course_id: str) -> dict:
    return {"contextActivities": {"grouping": [{"id": course_id}]} if course_id else {},
            "extensions": {Extension.SESSION_ID: session_id}}


def launch_data(template: Mapping[str, Any], au: Mapping[str, Any], mastery: float | None,
                return_url: str | None, *, mode: str = "Normal") -> dict:
    """cmi5 10.2.1: the LMS.LaunchData state document (`mode`: Normal, or Review for an AU already satisfied)."""
    data: dict[str, Any] = {"contextTemplate": dict(template), "launchMode": mode,
                            "moveOn": au.get("moveOn") or "NotApplicable"}
    if au.get("launchParameters"):
        data["launchParameters"] = au["launchParameters"]
    if mastery is not None:
        data["masteryScore"] = mastery
    if return_url:
        data["returnURL"] = return_url
    if au.get("entitlementKey"):
        data["entitlementKey"] = {"courseStructure": au["entitlementKey"]}
    return data


def _context(template: Mapping[str, Any], registration: str, *, move_on: bool = False) -> dict:
    context = {"registration": registration, "extensions": dict(template.get("extensions", {})),
               "contextActivities": {**template.get("contextActivities", {}),
                                     "category": [{"id": Cmi5.CATEGORY_CMI5}]}}
    if move_on:
        context["contextActivities"]["category"].append({"id": Cmi5.CATEGORY_MOVEON})
    return context


def launched_statement(actor: Mapping[str, Any], activity_id: str, registration: str, template: Mapping[str, Any],
                       au: Mapping[str, Any], url: str, mastery: float | None, *, mode: str = "Normal") -> dict:
    """cmi5 9.3.1: `launched`, sent by the LMS before the AU opens."""
    context = _context(template, registration)
    context["extensions"].update({Extension.LAUNCH_MODE: mode, Extension.LAUNCH_URL: url,
                                  Extension.MOVE_ON: au.get("moveOn") or "NotApplicable"})
    if au.get("launchParameters"):
        context["extensions"][Extension.LAUNCH_PARAMETERS] = au["launchParameters"]
    if mastery is not None:
        context["extensions"][Extension.MASTERY_SCORE] = mastery
    return {"id": str(uuid.uuid4()), "actor": dict(actor),
            "verb": {"id": Verb.LAUNCHED, "display": {"en-US": "launched"}},
            "object": {"id": activity_id, "objectType": "Activity"}, "context": context}


def satisfied_statement(actor: Mapping[str, Any], object_id: str, object_type: str, registration: str,
                        session_id: str) -> dict:
    """cmi5 9.3.9: `satisfied`, sent by the LMS when the moveOn criteria of a block's / the course's AUs are met."""
    return {"id": str(uuid.uuid4()), "actor": dict(actor),
            "verb": {"id": Verb.SATISFIED, "display": {"en-US": "satisfied"}},
            "object": {"id": object_id, "objectType": "Activity",
                       "definition": {"type": object_type}},
            "context": _context({"extensions": {Extension.SESSION_ID: session_id}}, registration, move_on=True)}


@dataclass(frozen=True)
class AuOutcome:
    completed: bool = False
    passed: bool = False
    failed: bool = False
    scaled: float | None = None


def _is_cmi5(statement: Mapping[str, Any]) -> bool:
    categories = ((statement.get("context") or {}).get("contextActivities") or {}).get("category") or []
    return any(isinstance(c, Mapping) and c.get("id") == Cmi5.CATEGORY_CMI5 for c in categories)


def au_outcome(statements: Iterable[Mapping[str, Any]], activity_id: str, mastery: float | None) -> AuOutcome:
    """What the AU's cmi5-defined statements (one registration, oldest first within each verb) say: a `passed`
    below the mastery score does not count (cmi5 9.3.5: the LMS must not accept it as passing). The score is the
    last one of the passing statements, else of the failing ones, so the order across verbs does not matter
    (the caller may read each verb on its own)."""
    completed = False
    passing: list[float | None] = []
    failing: list[float | None] = []
    for statement in statements:
        if (statement.get("object") or {}).get("id") != activity_id or not _is_cmi5(statement):
            continue
        verb = (statement.get("verb") or {}).get("id")
        score = ((statement.get("result") or {}).get("score") or {}).get("scaled")
        score = float(score) if isinstance(score, (int, float)) and not isinstance(score, bool) else None
        if verb == Verb.COMPLETED:
            completed = True
        elif verb == Verb.PASSED and (mastery is None or (score is not None and score >= mastery)):
            passing.append(score)
        elif verb == Verb.FAILED:
            failing.append(score)
    scores = [s for s in (passing or failing) if s is not None]
    return AuOutcome(completed, bool(passing), bool(failing) and not passing, scores[-1] if scores else None)


def move_on_met(move_on: str, outcome: AuOutcome) -> bool:
    return {"Completed": outcome.completed, "Passed": outcome.passed,
            "CompletedAndPassed": outcome.completed and outcome.passed,
            "CompletedOrPassed": outcome.completed or outcome.passed,
            "NotApplicable": True}.get(move_on, False)
