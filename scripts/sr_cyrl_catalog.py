"""Regenerate the Serbian Cyrillic catalog from the Serbian Latin one (one-to-one transliteration).

Usage: .venv/bin/python scripts/sr_cyrl_catalog.py   (after editing lti_tool/translations/sr_Latn/.../messages.po)
Placeholders such as %(name)s, quoted commands („mirco init“) and Latin-only names (MIRCO, HTTP) stay as written.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from courses.translit import to_cyrillic  # noqa: E402  (the repository root is not installed in every venv)

CATALOGS = ROOT / "lti_tool" / "translations"
KEEP = re.compile(r"%\([A-Za-z_]+\)[sd]|%[sd]|„[^“”]*[“”]|"
                  r"\b(?:MIRCO|HTTP|ECTS|EQF|PDF|xAPI|LTI|SCORM|NDJSON|UTC|CSV|XLSX|NRPS|cmi5)\b|\.(?:zip|csv|xlsx|ndjson)\b")


def cyrillic(text: str) -> str:
    out, last = [], 0
    for match in KEEP.finditer(text):
        out.append(to_cyrillic(text[last:match.start()]))
        out.append(match.group(0))
        last = match.end()
    return "".join(out) + to_cyrillic(text[last:])


def main() -> None:
    source = CATALOGS / "sr_Latn" / "LC_MESSAGES" / "messages.po"
    target = CATALOGS / "sr_Cyrl" / "LC_MESSAGES" / "messages.po"
    with source.open("rb") as handle:
        catalog = read_po(handle, locale="sr_Latn")
    catalog.locale = "sr_Cyrl"
    catalog.language_team = catalog.language_team.replace("(Latin)", "(Cyrillic)")
    catalog.header_comment = (
        "# Serbian (Cyrillic) translations for MIRCO Learning Suite.\n"
        "# GENERATED from sr_Latn by scripts/sr_cyrl_catalog.py: edit sr_Latn, then run the script.")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.string, (list, tuple)):
            message.string = tuple(cyrillic(s) for s in message.string)
        else:
            message.string = cyrillic(message.string)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=True)
    print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
