"""The export formats and the facts that differ between them."""
from __future__ import annotations

FORMATS: tuple[str, ...] = ("scorm12", "scorm2004", "cmi5", "cc")
SCO_GRANULARITY: tuple[str, ...] = ("module", "course")

SEQUENCING: tuple[str, ...] = ("portable", "full")
"""SCORM 2004 sequencing of an export. `portable` (default): flow and choice, rollup by quiz mastery, no
`imsss:mapInfo` (Moodle up to 5.1 cannot upload a package with any mapInfo: a typo in its scormlib.php).
`full`: each SCO also stays disabled until the previous one is satisfied, through global objectives (mapInfo)."""

SUSPEND_LIMITS = {"scorm12": 4096, "scorm2004": 64000, "cmi5": 64000}
"""Characters of suspend data each runtime must accept (SCORM 1.2: 4,096; 2004 3rd/4th ed.: 64,000;
cmi5 keeps resume state in the xAPI State API, where we keep the same ceiling)."""

FORMAT_TITLES = {
    "scorm12": "SCORM 1.2",
    "scorm2004": "SCORM 2004 4th Edition",
    "cmi5": "cmi5",
    "cc": "IMS Common Cartridge (1.1 by default, 1.3 with --cc-version 1.3)",
}
