"""Serbian Latin -> Cyrillic transliteration, so authors write sr-Latn once and learners may read sr-Cyrl.

Serbian orthography is one-to-one except the digraphs lj, nj, dž, which map to single letters. Text inside
Markdown code spans, link targets and HTML-like tags is left alone by the caller (see `to_cyrillic_markdown`).
"""
from __future__ import annotations

import re
import unicodedata

_DIGRAPHS = {"Lj": "Љ", "LJ": "Љ", "lj": "љ", "Nj": "Њ", "NJ": "Њ", "nj": "њ", "Dž": "Џ", "DŽ": "Џ", "dž": "џ"}
_SINGLE = dict(zip(
    "ABVGDĐEŽZIJKLMNOPRSTĆUFHCČŠabvgdđežzijklmnoprstćufhcčš",
    "АБВГДЂЕЖЗИЈКЛМНОПРСТЋУФХЦЧШабвгдђежзијклмнопрстћуфхцчш",
))
_SINGLE.update(zip("ǄǅǆǇǈǉǊǋǌ", "ЏЏџЉЉљЊЊњ"))  # the one-character digraph letters of Unicode
_TOKEN = re.compile(r"Lj|LJ|lj|Nj|NJ|nj|Dž|DŽ|dž|.", re.S)
# Link/image targets, autolinks, code spans, URLs, e-mail addresses and HTML entities stay in Latin script.
_PROTECTED = re.compile(
    r"\]\([^)]*\)|<[^>]*>|`[^`]*`|https?://\S+|\b[\w.+-]+@[\w-]+\.[\w.]+\b|&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9a-fA-F]+);")


def to_cyrillic(text: str) -> str:
    """Transliterate plain Serbian Latin text to Cyrillic (decomposed input, e.g. from macOS files, composed first)."""
    text = unicodedata.normalize("NFC", text)
    return "".join(_DIGRAPHS.get(t) or _SINGLE.get(t, t) for t in _TOKEN.findall(text))


def to_cyrillic_markdown(text: str) -> str:
    """Transliterate Markdown, keeping URLs, code and link targets intact."""
    out, last = [], 0
    for match in _PROTECTED.finditer(text):
        out.append(to_cyrillic(text[last:match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(to_cyrillic(text[last:]))
    return "".join(out)
