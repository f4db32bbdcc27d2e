"""Stable activity IRIs: the same lesson has the same IRI whether delivered by LTI, SCORM or cmi5."""
from __future__ import annotations

from urllib.parse import quote


def activity_iri(base: str, course_id: str, *parts: str) -> str:
    """`{base}/{course}/{module}/{lesson-or-quiz}[/{question}]`, each id percent-encoded.

    `base` is the configured activity base IRI (lti_tool.config.Settings.activity_iri_base), e.g.
    `https://mirco.example.org/xapi/activities`.
    """
    segments = [course_id, *parts]
    return base.rstrip("/") + "/" + "/".join(quote(s, safe="-._~") for s in segments)
