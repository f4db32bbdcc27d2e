"""Stable activity IRIs: the same lesson has the same IRI whether delivered by LTI, SCORM or cmi5."""
from __future__ import annotations

import hashlib
from urllib.parse import quote

from xapi.validation import MAX_IDENTIFIER_BYTES

LONG_SEGMENT = 200
"""Encoded length above which a segment is replaced by its digest when the whole IRI would be too long to store."""


def activity_iri(base: str, course_id: str, *parts: str) -> str:
    """`{base}/{course}/{module}/{lesson-or-quiz}[/{question}]`, each id percent-encoded.

    `base` is the configured activity base IRI (lti_tool.config.Settings.activity_iri_base), e.g.
    `https://mirco.example.org/xapi/activities`. SCORM 2004 allows ids of 4,000 characters, which would make an IRI
    the LRS refuses; only then are the long segments written as `sha256-<hex>` of the id (still one IRI per id).
    """
    segments = [quote(s, safe="-._~") for s in (course_id, *parts)]
    iri = base.rstrip("/") + "/" + "/".join(segments)
    if len(iri) <= MAX_IDENTIFIER_BYTES:
        return iri
    segments = [s if len(s) <= LONG_SEGMENT else "sha256-" + hashlib.sha256(s.encode("ascii")).hexdigest()
                for s in segments]
    return base.rstrip("/") + "/" + "/".join(segments)
