"""CMI data (SCORM 1.2 or 2004, as the browser runtime commits it) -> xAPI statements.

Each commit is compared with the previous commit of the same session: new or changed interactions become
`answered`, a higher progress `progressed`, the first completion `completed`, a new success status `passed` or
`failed` with the score, and the terminating commit `suspended` (when the learner will resume) and `terminated`.
Statements are built with xapi.builders, so actor, registration and IRIs match the rest of the suite.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Mapping

from tincan import Extensions, Result, Score

from xapi.builders import CourseStatements
from xapi.vocabulary import Extension, InteractionType
from xapi.vocabulary import Verb as V

INTERACTION_TYPES = {t for name, t in vars(InteractionType).items() if name.isupper()}
RESULT_SUCCESS = {"correct": True, "wrong": False, "incorrect": False}
STATUS_12 = {"passed": ("completed", "passed"), "failed": ("completed", "failed"), "completed": ("completed", "unknown"),
             "incomplete": ("incomplete", "unknown"), "browsed": ("incomplete", "unknown"),
             "not attempted": ("not attempted", "unknown")}


@dataclass(frozen=True)
class Interaction:
    index: int
    id: str
    type: str
    response: str
    result: str
    patterns: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class CmiState:
    completion: str = "unknown"
    success: str = "unknown"
    scaled: float | None = None
    raw: float | None = None
    min: float | None = None
    max: float | None = None
    progress: float | None = None
    exit: str = ""
    session_seconds: float | None = None
    location: str = ""
    suspend_data: str = ""
    interactions: tuple[Interaction, ...] = ()


def _number(value: Any) -> float | None:
    """A finite number, or None: "NaN" and "inf" parse as floats but mean nothing and break JSON and grades."""
    try:
        number = float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
    return number if number is not None and math.isfinite(number) else None


def _scaled(value: float | None) -> float | None:
    return None if value is None else max(-1.0, min(1.0, value))


def cmi_entries(node: Any) -> list[Mapping]:
    """scorm-again serialises CMI arrays as {"0": {...}, "1": {...}} (or a list)."""
    if isinstance(node, Mapping):
        items = [node[k] for k in sorted((k for k in node if str(k).isdigit()), key=int)]
    elif isinstance(node, list):
        items = node
    else:
        items = []
    return [i for i in items if isinstance(i, Mapping)]


_ISO = re.compile(r"^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?\Z")
_HMS = re.compile(r"^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)\Z")


def duration_seconds(text: Any) -> float | None:
    """SCORM 2004 `PT1H2M3.5S` or SCORM 1.2 `HHHH:MM:SS.SS` -> seconds (None when absent or malformed)."""
    if not isinstance(text, str) or not text:
        return None
    if match := _HMS.match(text):
        return int(match[1]) * 3600 + int(match[2]) * 60 + float(match[3])
    if (match := _ISO.match(text)) and text not in ("P", "PT"):
        days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
        return days * 86400 + hours * 3600 + minutes * 60 + seconds
    return None


def _xapi_response_12(kind: str, value: str) -> str:
    """SCORM 1.2 response formats -> the xAPI ones (`a,b` -> `a[,]b`, `1.a` -> `1[.]a`, `t` -> `true`)."""
    if kind == "true-false":
        return {"t": "true", "f": "false", "0": "false", "1": "true"}.get(value.lower(), value)
    if kind in ("choice", "sequencing", "likert"):
        return "[,]".join(part.strip() for part in value.split(","))
    if kind == "matching":
        return "[,]".join(pair.strip().replace(".", "[.]", 1) for pair in value.split(","))
    return value


def read_cmi(cmi: Mapping[str, Any], version: str) -> CmiState:
    """The parts of a committed CMI object that tracking needs; missing or malformed values become defaults."""
    if not isinstance(cmi, Mapping):
        return CmiState()
    scorm12 = version == "scorm12"
    core = cmi.get("core") if isinstance(cmi.get("core"), Mapping) else {}
    score = (core if scorm12 else cmi).get("score")
    score = score if isinstance(score, Mapping) else {}
    interactions = []
    for index, item in enumerate(cmi_entries(cmi.get("interactions"))):
        kind = str(item.get("type") or "other")
        kind = kind if kind in INTERACTION_TYPES else "other"
        response = str(item.get("student_response" if scorm12 else "learner_response") or "")
        patterns = tuple(str(p.get("pattern") or "") for p in cmi_entries(item.get("correct_responses")))
        if scorm12:
            response = _xapi_response_12(kind, response)
            patterns = tuple(_xapi_response_12(kind, p) for p in patterns)
        interactions.append(Interaction(index, str(item.get("id") or "")[:4000], kind, response[:4000],
                                        str(item.get("result") or ""), patterns,
                                        str(item.get("description") or "")[:1000]))
    raw, low, high = _number(score.get("raw")), _number(score.get("min")), _number(score.get("max"))
    if scorm12:
        completion, success = STATUS_12.get(str(core.get("lesson_status") or ""), ("unknown", "unknown"))
        scaled = None if raw is None else round((raw - (low or 0)) / ((high or 100) - (low or 0)), 4) \
            if (high or 100) != (low or 0) else None
        return CmiState(completion, success, _scaled(scaled), raw, low, high, None, str(core.get("exit") or ""),
                        duration_seconds(core.get("session_time")), str(core.get("lesson_location") or ""),
                        str(cmi.get("suspend_data") or ""), tuple(interactions))
    scaled = _number(score.get("scaled"))
    return CmiState(str(cmi.get("completion_status") or "unknown"), str(cmi.get("success_status") or "unknown"),
                    _scaled(scaled), raw, low, high,
                    _number(cmi.get("progress_measure")), str(cmi.get("exit") or ""),
                    duration_seconds(cmi.get("session_time")), str(cmi.get("location") or ""),
                    str(cmi.get("suspend_data") or ""), tuple(interactions))


def _score(state: CmiState) -> Score | None:
    """The xAPI score; raw/min/max only when consistent (xAPI wants min <= raw <= max, min < max), since an
    LRS refuses the whole statement otherwise and SCOs do report raw scores beyond their own max."""
    if state.scaled is None:
        return None
    low, high, raw = state.min, state.max, state.raw
    bounds_ok = low is None or high is None or low < high
    raw_ok = raw is not None and (low is None or raw >= low) and (high is None or raw <= high)
    if bounds_ok and raw_ok:
        return Score(scaled=state.scaled, raw=raw, min=low, max=high)
    return Score(scaled=state.scaled, min=low, max=high) if bounds_ok and raw is None else Score(scaled=state.scaled)


def commit_statements(builder: CourseStatements, sco_key: str, title: Mapping[str, str], before: CmiState,
                      after: CmiState, *, terminated: bool) -> list[dict]:
    """The statements one commit means, in the order things happened in the SCO."""
    sco = builder.module(sco_key, title)
    parents = [builder.course()]
    statements = []
    previous = {i.index: i for i in before.interactions}
    for item in after.interactions:
        if not item.id or previous.get(item.index) == item:
            continue
        statements.append(builder.question_answered(
            sco_key, "interactions", item.id, interaction_type=item.type, response=item.response,
            success=RESULT_SUCCESS.get(item.result), prompt={"und": item.description} if item.description else None,
            correct_responses=list(item.patterns) or None))
    if after.progress is not None and (before.progress is None or after.progress > before.progress):
        result = Result(extensions=Extensions({Extension.PROGRESS: round(max(0.0, min(1.0, after.progress)) * 100)}))
        statements.append(builder.statement(V.PROGRESSED, sco, parents=parents, result=result))
    if after.completion == "completed" and before.completion != "completed":
        statements.append(builder.module_completed(sco_key, title=title, seconds=after.session_seconds))
    if after.success in ("passed", "failed") and after.success != before.success:
        result = Result(success=after.success == "passed", score=_score(after),
                        completion=after.completion == "completed" or None)
        statements.append(builder.statement(V.PASSED if after.success == "passed" else V.FAILED, sco,
                                            parents=parents, result=result))
    if terminated:
        if after.exit == "suspend":
            statements.append(builder.session_event(V.SUSPENDED, module_id=sco_key, seconds=after.session_seconds))
        statements.append(builder.session_event(V.TERMINATED, module_id=sco_key, seconds=after.session_seconds))
    return statements


def is_review(cmi: Mapping[str, Any], version: str) -> bool:
    """The committed data is of a review session (the mode the LMS loaded, which the SCO cannot change)."""
    if not isinstance(cmi, Mapping):
        return False
    if version == "scorm12":
        core = cmi.get("core") if isinstance(cmi.get("core"), Mapping) else {}
        return core.get("lesson_mode") == "review"
    return cmi.get("mode") == "review"


def read_objectives(cmi: Mapping[str, Any]) -> dict[str, tuple[str, float | None]]:
    """cmi.objectives of a SCORM 2004 commit: id -> (success_status, scaled score), for sequencing."""
    if not isinstance(cmi, Mapping):
        return {}
    found = {}
    for item in cmi_entries(cmi.get("objectives")):
        score = item.get("score") if isinstance(item.get("score"), Mapping) else {}
        if item.get("id"):
            found[str(item["id"])[:4000]] = (str(item.get("success_status") or "unknown"),
                                             _scaled(_number(score.get("scaled"))))
    return found
