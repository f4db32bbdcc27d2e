"""The launch URL that names a lesson or quiz by itself: `{tool}/lti/launch?course=C&module=M&lesson=L`.

A cartridge's LTI links carry it as their launch URL because importers keep that URL and may drop custom
parameters (Moodle's Common Cartridge converter does); LTI 1.3 platforms send it back as `target_link_uri`.
The exporter builds it and the tool reads it, here, so both sides agree on one format.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from courses.reader import ID_PATTERN

LAUNCH_PATH = "/lti/launch"
MAX_URL = 4096
FIELDS = ("course", "module", "lesson", "quiz")


@dataclass(frozen=True)
class ContentRef:
    """What a launch URL names: a course, optionally a module, and a lesson or a quiz (`item`)."""

    course: str
    module: str | None = None
    item: str | None = None


def launch_url(base_url: str, course: str, module: str | None = None, *, lesson: str | None = None,
               quiz: str | None = None) -> str:
    """The tool's launch URL naming one lesson (`lesson`) or quiz (`quiz`) of `course`."""
    params = {"course": course, "module": module, "lesson": lesson, "quiz": quiz}
    return base_url.rstrip("/") + LAUNCH_PATH + "?" + urlencode({k: v for k, v in params.items() if v})


def content_in_launch_url(url: object, base_url: str) -> ContentRef | None:
    """The content a launch URL of THIS tool names; None for another site's URL, a URL naming nothing, or any
    malformed value (unknown, repeated or empty parameters, ids outside the authoring id pattern)."""
    if not isinstance(url, str) or len(url) > MAX_URL:
        return None
    try:
        parts, base = urlsplit(url), urlsplit(base_url.rstrip("/"))
        pairs = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query), max_num_fields=8)
    except ValueError:
        return None
    if (parts.scheme.lower(), parts.netloc.lower(), parts.path) != \
            (base.scheme.lower(), base.netloc.lower(), base.path + LAUNCH_PATH) or parts.fragment:
        return None
    values = dict(pairs)
    if not values or len(values) != len(pairs) or not set(values) <= set(FIELDS) or "course" not in values:
        return None
    if not all(ID_PATTERN.match(v) for v in values.values()) or ("lesson" in values and "quiz" in values):
        return None
    if "lesson" in values and "module" not in values:
        return None  # a lesson always lives in a module; only the final assessment (a quiz) has none
    return ContentRef(values["course"], values.get("module"), values.get("lesson") or values.get("quiz"))
