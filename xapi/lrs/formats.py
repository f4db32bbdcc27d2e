"""GET statements `format`: exact (as stored), ids (identifiers only), canonical (one language per map)."""
from __future__ import annotations

from typing import Any

from werkzeug.datastructures import LanguageAccept

from xapi.identity import ids_only

LANGUAGE_MAPS = {"display", "name", "description"}


def as_ids(statement: dict) -> dict:
    out = dict(statement)
    out["actor"] = ids_only(statement["actor"])
    out["verb"] = {"id": statement["verb"]["id"]}
    out["object"] = _object_ids(statement["object"])
    if "authority" in out:
        out["authority"] = ids_only(out["authority"])
    context = statement.get("context")
    if context:
        context = dict(context)
        for key in ("instructor", "team"):
            if key in context:
                context[key] = ids_only(context[key])
        if "contextActivities" in context:
            context["contextActivities"] = {
                k: [{"id": a["id"]} for a in (v if isinstance(v, list) else [v])]
                for k, v in context["contextActivities"].items()}
        out["context"] = context
    return out


def _object_ids(obj: dict) -> dict:
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":  # objectType is optional for an Activity and not an identifier
        return {"id": obj["id"]}
    if kind in ("Agent", "Group"):
        return ids_only(obj)
    if kind == "SubStatement":
        inner = as_ids(obj)
        inner.pop("authority", None)
        return inner
    return obj


def canonical(value: Any, languages: LanguageAccept, key: str | None = None) -> Any:
    """Each language map reduced to the best match for Accept-Language (first entry if none matches)."""
    if isinstance(value, dict):
        if key in LANGUAGE_MAPS and value and all(isinstance(v, str) for v in value.values()):
            best = languages.best_match(list(value)) or next(iter(value))
            return {best: value[best]}
        if key == "extensions":
            return value
        return {k: canonical(v, languages, k) for k, v in value.items()}
    if isinstance(value, list):
        return [canonical(v, languages, key) for v in value]
    return value


def render(statement: dict, fmt: str, languages: LanguageAccept) -> dict:
    if fmt == "ids":
        return as_ids(statement)
    if fmt == "canonical":
        return canonical(statement, languages)
    return statement
