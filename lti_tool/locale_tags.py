"""Platform locale names -> BCP 47 language tags, done once where a launch enters the tool.

Platforms send what they call a locale: Moodle sends its language-pack name (`sr_lt`, `sr_cr`, `pt_br`, `en_us_k12`,
`de_du`, `mis` ...), others send BCP 47 (`sr-Latn-RS`) or POSIX names (`mk_MK`). xAPI statements, `<html lang>` and
content look-ups need a well-formed BCP 47 tag, so the launch stores only `to_bcp47(raw)`; what cannot be read as a
language becomes None (the tool's default language), never an error.

Moodle's conventions: the first part is the language (ISO 639-1, else 639-3); a second part `lt` / `cr` is the
Latin / Cyrillic script for Serbian and Uyghur (`sr_lt`, `sr_cr`, `ug_lt`); a two-letter part that is a CLDR
territory is the region (`pt_br`, `zh_cn`); every other part is a flavour of the same language (`_kids`, `_wp`
Workplace, `_uni`, `de_du` "Du" form, `fr_incl` ...), which a language tag does not carry (`valencia` is a
registered BCP 47 variant: kept).
"""
from __future__ import annotations

import re
from functools import lru_cache

from babel import Locale

MAX_LENGTH = 35
"""The longest locale kept (lti_launch.locale is 35 characters); longer input is not a locale."""

_SHAPE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,6}\Z")
_MOODLE_SCRIPTS = {"lt": "Latn", "cr": "Cyrl"}
_MOODLE_SCRIPTED = frozenset({"sr", "ug"})
"""The languages whose Moodle packs name their script `_lt` / `_cr` (elsewhere `lt` is Lithuania: `lt_lt`)."""
_REGISTERED_VARIANTS = frozenset({"valencia"})
# Moodle pack names whose parts would read wrongly by the rules above (from each pack's langconfig.php:
# `thislanguage`, `parentlanguage`), and legacy or ISO 639-3 names that BCP 47 writes otherwise.
_WHOLE_NAMES = {
    "mis": "sr-Latn-ME",  # Moodle's "Crnogorski" pack (ISO 639-2 "uncoded"); the tool's Montenegrin
    "cnr": "sr-Latn-ME",
    "sh": "sr-Latn",
    "en_ar": "en",  # English (pirate), not Argentina
    "mi_tn": "mi",  # Māori - Tainui, not Tunisia
    "no_gr": "no",  # Norsk for schools, not Greece
    "fi_co": "fi",  # Suomi+, not Colombia
    "sd_ap": "sd",
    "ug_ug": "ug",  # Uyghur in its Arabic script, the default one
    "pan": "pa",
    "hat": "ht",
}


@lru_cache(maxsize=1)
def _cldr() -> tuple[frozenset[str], frozenset[str]]:
    """(script codes, territory codes) that CLDR knows, as Babel ships them."""
    english = Locale("en")
    return frozenset(english.scripts), frozenset(english.territories)


def to_bcp47(raw: object) -> str | None:
    """The BCP 47 tag a platform locale means (`sr_lt` -> `sr-Latn`, `pt_br` -> `pt-BR`, `sr-Latn-RS` kept), or
    None for anything that is not a locale name (empty, too long, control characters, path pieces ...)."""
    if not isinstance(raw, str) or len(raw) > MAX_LENGTH:
        return None
    name = raw.strip()
    if not _SHAPE.match(name):
        return None
    parts = name.lower().replace("-", "_").split("_")
    for size in (2, 1):
        whole = _WHOLE_NAMES.get("_".join(parts[:size]))
        if whole:  # a full tag (`sr-Latn-ME`) stands alone; a bare language takes the usual subtags after it
            return whole if "-" in whole else "-".join([whole, *_subtags(whole, parts[size:])])
    return "-".join([parts[0], *_subtags(parts[0], parts[1:])])


def _subtags(language: str, parts: list[str]) -> list[str]:
    """Script, region and registered variants, in BCP 47 order; Moodle's flavours left out."""
    scripts, territories = _cldr()
    script = region = None
    variants: list[str] = []
    for position, part in enumerate(parts):
        if position == 0 and language in _MOODLE_SCRIPTED and part in _MOODLE_SCRIPTS:
            script = _MOODLE_SCRIPTS[part]
        elif len(part) == 4 and part.title() in scripts and script is None and region is None:
            script = part.title()
        elif (part.upper() in territories and (len(part) == 2 or part.isdigit())) and region is None:
            region = part.upper()
        elif part in _REGISTERED_VARIANTS:
            variants.append(part)
    return [tag for tag in (script, region) if tag] + variants
