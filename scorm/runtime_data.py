"""The CMI data a SCO's session starts from: what the LMS initialises (SCORM 1.2 RTE 3.4, SCORM 2004 4th ed. RTE 4.2).

The LMS owns the read-only elements (learner, entry, credit, mode, total time, launch data, mastery, limits) and
keeps what the SCO set in earlier sessions of the same attempt (location, suspend data, statuses, scores,
objectives, interactions, comments, preferences). The result is the nested object scorm-again's `loadFromJSON`
takes; element checks and the spec's error codes for misuse stay scorm-again's.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from scorm.cmi_xapi import cmi_entries

MAX_ITEMS = 250
"""Entries kept per CMI array (objectives, interactions, comments): more than any SCO we know of reports."""
MAX_TEXT = 64000

Shape = Mapping[str, Any]
"""An element's shape: None for a value, a Shape for an object, a one-item list for an array of that Shape."""
_SCORE = {"scaled": None, "raw": None, "min": None, "max": None}
_ITEM_OBJECTIVES = [{"id": None}]
_PATTERNS = [{"pattern": None}]
KEPT_2004: Shape = {
    "location": None, "suspend_data": None, "completion_status": None, "success_status": None,
    "progress_measure": None, "score": _SCORE,
    "learner_preference": {"audio_level": None, "language": None, "delivery_speed": None, "audio_captioning": None},
    "objectives": [{"id": None, "success_status": None, "completion_status": None, "progress_measure": None,
                    "description": None, "score": _SCORE}],
    "interactions": [{"id": None, "type": None, "timestamp": None, "weighting": None, "learner_response": None,
                      "result": None, "latency": None, "description": None, "objectives": _ITEM_OBJECTIVES,
                      "correct_responses": _PATTERNS}],
    "comments_from_learner": [{"comment": None, "location": None, "timestamp": None}],
}
"""What a SCORM 2004 SCO set that the next session of its attempt starts from (RTE 4.2)."""
KEPT_12: Shape = {
    "core": {"lesson_location": None, "lesson_status": None, "score": {"raw": None, "min": None, "max": None}},
    "suspend_data": None, "comments": None,
    "student_preference": {"audio": None, "language": None, "speed": None, "text": None},
    "objectives": [{"id": None, "status": None, "score": {"raw": None, "min": None, "max": None}}],
    "interactions": [{"id": None, "time": None, "type": None, "weighting": None, "student_response": None,
                      "result": None, "latency": None, "objectives": _ITEM_OBJECTIVES,
                      "correct_responses": _PATTERNS}],
}
"""The same for SCORM 1.2 (RTE 3.4): interactions are write-only to the SCO but their count is not."""
PREFERENCES_2004 = {"audio_level": "1", "language": "", "delivery_speed": "1", "audio_captioning": "0"}
PREFERENCES_12 = {"audio": "0", "language": "", "speed": "0", "text": "0"}
"""learner_preference / student_preference defaults (2004 RTE 4.2.11; 1.2 RTE 3.4.2.5)."""


def kept(cmi: Any, shape: Shape) -> dict:
    """The parts of committed CMI data (untrusted: the browser sent it) that fit `shape`: values as text,
    empty ones left out (scorm-again's defaults apply), arrays as scorm-again serialises them ({"0": {...}})."""
    out: dict = {}
    if not isinstance(cmi, Mapping):
        return out
    for key, sub in shape.items():
        value = cmi.get(key)
        if sub is None:
            if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value) != "":
                out[key] = str(value)[:MAX_TEXT]
        elif isinstance(sub, list):
            items = [kept(v, sub[0]) for v in cmi_entries(value)[:MAX_ITEMS]]
            items = [i for i in items if i]
            if items:
                out[key] = {str(n): item for n, item in enumerate(items)}
        elif found := kept(value, sub):
            out[key] = found
    return out


@dataclass(frozen=True)
class SessionStart:
    """How the LMS opens this session of an attempt, and what it knows about the learner and the item."""

    learner_id: str
    learner_name: str
    entry: str
    """ab-initio (first session of the attempt), resume (the last one suspended), or "" (RTE 4.2.10)."""
    review: bool = False
    total_seconds: float = 0.0
    """The attempt's sessions so far (cmi.total_time is the LMS's sum of session_time, RTE 4.2.26)."""
    mastery: float | None = None
    """The pass mark as a fraction (1.2 adlcp:masteryscore / 100, 2004 the primary objective's measure)."""
    item: Mapping[str, Any] = field(default_factory=dict)
    """From the manifest (scorm.manifest_read._launch_data): launch_data, max_time_allowed, time_limit_action,
    completion_threshold, objectives."""


def initial_cmi(version: str, stored: Mapping[str, Any] | None, start: SessionStart) -> dict:
    """The CMI object scorm-again loads before the SCO's Initialize: the attempt's data so far (`stored`, the
    last commit; None for a new attempt) and the elements the LMS sets."""
    if version == "scorm12":
        return _initial_12(stored, start)
    data = kept(stored, KEPT_2004) if stored else {}
    data.setdefault("learner_preference", {})
    data["learner_preference"] = {**PREFERENCES_2004, **data["learner_preference"]}
    listed = {o.get("id") for o in data.get("objectives", {}).values()}
    objectives = list(data.get("objectives", {}).values()) + [
        {"id": i} for i in start.item.get("objectives", []) if isinstance(i, str) and i not in listed]
    if objectives:
        data["objectives"] = {str(n): o for n, o in enumerate(objectives[:MAX_ITEMS])}
    data.update(learner_id=start.learner_id[:4000], learner_name=start.learner_name[:250], entry=start.entry,
                credit="no-credit" if start.review else "credit", mode="review" if start.review else "normal",
                total_time=iso_duration(start.total_seconds))
    for element in ("launch_data", "max_time_allowed", "time_limit_action", "completion_threshold"):
        if start.item.get(element):
            data[element] = str(start.item[element])
    if start.mastery is not None:
        data["scaled_passing_score"] = f"{start.mastery:g}"
    return data


def _initial_12(stored: Mapping[str, Any] | None, start: SessionStart) -> dict:
    data = kept(stored, KEPT_12) if stored else {}
    core = data.setdefault("core", {})
    core.update(student_id=start.learner_id[:255], student_name=start.learner_name[:255], entry=start.entry,
                credit="no-credit" if start.review else "credit", lesson_mode="review" if start.review else "normal",
                total_time=hms_duration(start.total_seconds))
    data["student_preference"] = {**PREFERENCES_12, **data.get("student_preference", {})}
    if start.item.get("launch_data"):
        data["launch_data"] = str(start.item["launch_data"])
    student_data = {k: str(start.item[k]) for k in ("max_time_allowed", "time_limit_action") if start.item.get(k)}
    if start.mastery is not None:
        student_data["mastery_score"] = f"{start.mastery * 100:g}"
    if student_data:
        data["student_data"] = student_data
    return data


def iso_duration(seconds: float) -> str:
    """SCORM 2004 timeinterval (second,10,2): PT#H#M#S."""
    hours, rest = divmod(round(max(0.0, seconds), 2), 3600)
    minutes, secs = divmod(rest, 60)
    return f"PT{int(hours)}H{int(minutes)}M{secs:.2f}S".replace(".00S", "S")


def hms_duration(seconds: float) -> str:
    """SCORM 1.2 CMITimespan: HHHH:MM:SS.SS."""
    hours, rest = divmod(round(max(0.0, seconds), 2), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{int(hours):04d}:{int(minutes):02d}:{secs:05.2f}"
