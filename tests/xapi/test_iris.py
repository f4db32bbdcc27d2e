"""Activity IRIs stay storable: a SCORM 2004 interaction id may be 4,000 characters, the LRS keeps IRIs of at most
2,048 bytes."""
from __future__ import annotations

from xapi.iris import activity_iri
from xapi.validation import MAX_IDENTIFIER_BYTES, check_iri

BASE = "https://mirco.example.org/xapi/activities"


def test_ordinary_ids_are_percent_encoded_segments() -> None:
    assert activity_iri(BASE, "course", "m 1", "q/1") == BASE + "/course/m%201/q%2F1"


def test_a_4000_character_interaction_id_gives_a_stable_storable_iri() -> None:
    long_id = "spaces and <script> " * 200
    iri = activity_iri(BASE, "pkg:abc", "sco-1", long_id)
    assert len(iri.encode()) <= MAX_IDENTIFIER_BYTES
    assert iri == activity_iri(BASE, "pkg:abc", "sco-1", long_id)
    assert iri != activity_iri(BASE, "pkg:abc", "sco-1", long_id + "x")
    assert iri.startswith(BASE + "/pkg%3Aabc/sco-1/sha256-")
    assert check_iri(iri, "object.id") == iri
