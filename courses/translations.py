"""Which files of a course are translated, which translations are stale, and stamping them.

A translation file (`NAME.LANG.yaml`, `NAME.LANG.md`) records in a `source_hash:` key the SHA-256 of the English
file it was made from; `stamp` writes it after a translator has finished. When the English file changes later its
hash no longer matches and the translation is *stale*; a translation without a stamp is *unverified* (nobody has
said which English version it follows); an English file without a translation *falls back* to English.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from courses.loader import FRONT_MATTER, MAX_FILE_BYTES, TRANSLATION_FILE
from courses.reader import SOURCE_HASH_KEY
from courses.yamlsource import YamlSyntaxError, parse_yaml

State = Literal["current", "stale", "unverified", "missing"]
HASH_PATTERN = re.compile(r"^[0-9a-f]{64}\Z")
_STAMP_LINE = re.compile(rf"^{SOURCE_HASH_KEY}:[^\n]*\n?", re.M)


class StampError(ValueError):
    """A file cannot be stamped (not a translation file, no English source, unreadable); the message says why."""


@dataclass(frozen=True)
class FileStatus:
    """One English file in one language: its translation (if any) and how that translation stands."""

    source: Path
    lang: str
    state: State
    translation: Path | None = None
    line: int = 0
    """Line of the stamp in the translation (0 when there is none)."""


@dataclass(frozen=True)
class LanguageCoverage:
    lang: str
    files: tuple[FileStatus, ...]

    def count(self, state: State) -> int:
        return sum(1 for f in self.files if f.state == state)

    def having(self, state: State) -> list[FileStatus]:
        return [f for f in self.files if f.state == state]

    @property
    def translated(self) -> int:
        return len(self.files) - self.count("missing")

    @property
    def percent(self) -> int:
        """Translated share of the files, rounded down: 100 only when nothing falls back to English."""
        return self.translated * 100 // len(self.files) if self.files else 0


@dataclass(frozen=True)
class TranslationReport:
    folder: Path
    sources: tuple[Path, ...]
    languages: tuple[LanguageCoverage, ...]

    def language(self, lang: str) -> LanguageCoverage | None:
        return next((c for c in self.languages if c.lang == lang), None)


def source_hash(path: Path) -> str:
    """SHA-256 of an English file, line endings and a BOM normalised (a checkout on Windows is the same text)."""
    data = path.read_bytes()
    try:
        data = data.decode("utf-8-sig").replace("\r\n", "\n").encode()
    except UnicodeDecodeError:
        pass
    return hashlib.sha256(data).hexdigest()


def _is_source(path: Path, folder: Path) -> bool:
    parts = path.relative_to(folder).parts
    if any(part.startswith(".") for part in parts) or TRANSLATION_FILE.match(path.name):
        return False
    return path.suffix == ".yaml" or (path.suffix == ".md" and parts[0] == "modules")


def source_files(folder: Path) -> list[Path]:
    """The English files of a course: its YAML files and the lessons under modules/ (not a README beside them)."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".yaml", ".md")
                  and _is_source(p, folder))


def _translations(source: Path) -> dict[str, Path]:
    found = {}
    for candidate in source.parent.glob(f"{source.stem}.*{source.suffix}"):
        match = TRANSLATION_FILE.match(candidate.name)
        if match and match["stem"] == source.stem:
            found[match["lang"]] = candidate
    return found


def read_stamp(path: Path) -> tuple[Any, int]:
    """The `source_hash` a translation file records and its line; (None, 0) when unstamped or unreadable."""
    if path.stat().st_size > MAX_FILE_BYTES:
        return None, 0
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, 0
    offset = 0
    if path.suffix == ".md":
        match = FRONT_MATTER.match(text)
        if not match:
            return None, 0
        text, offset = match.group(1), 1
    try:
        data = parse_yaml(text, offset)
    except YamlSyntaxError:
        return None, 0
    if not isinstance(data, dict) or SOURCE_HASH_KEY not in data:
        return None, 0
    return data[SOURCE_HASH_KEY], data.lines.get(SOURCE_HASH_KEY, 1)


def _status(source: Path, lang: str, translation: Path | None, current_hash: str) -> FileStatus:
    if translation is None:
        return FileStatus(source, lang, "missing")
    stamp, line = read_stamp(translation)
    if stamp is None:
        return FileStatus(source, lang, "unverified", translation)
    state: State = "current" if stamp == current_hash else "stale"
    return FileStatus(source, lang, state, translation, line)


def translation_report(folder: Path) -> TranslationReport:
    """Per language found in the course, the state of every English file's translation."""
    sources = source_files(folder)
    found = {source: _translations(source) for source in sources}
    langs = sorted({lang for per_source in found.values() for lang in per_source})
    hashes = {source: source_hash(source) for source in sources}
    return TranslationReport(folder, tuple(sources), tuple(
        LanguageCoverage(lang, tuple(_status(s, lang, found[s].get(lang), hashes[s]) for s in sources))
        for lang in langs))


def english_source(translation: Path) -> Path:
    """The English file a translation file translates; StampError when the name is not NAME.LANG.ext."""
    match = TRANSLATION_FILE.match(translation.name)
    if not match:
        raise StampError(f"{translation}: not a translation file (named NAME.LANG.yaml or NAME.LANG.md)")
    source = translation.with_name(f"{match['stem']}.{match['ext']}")
    if not source.is_file():
        raise StampError(f"{translation}: there is no English {source.name} beside it")
    return source


def stamp(translation: Path) -> bool:
    """Record in `translation` the hash of its English file as it is now; False when it already was."""
    source = english_source(translation)
    digest = source_hash(source)
    if read_stamp(translation)[0] == digest:
        return False
    if translation.stat().st_size > MAX_FILE_BYTES:
        raise StampError(f"{translation}: file is larger than {MAX_FILE_BYTES // 1024} KiB")
    raw = translation.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StampError(f"{translation}: not UTF-8 text (byte {exc.start})") from None
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    text = text[len(bom):]
    newline = "\r\n" if "\r\n" in text else "\n"
    line = f"{SOURCE_HASH_KEY}: {digest}{newline}"
    head_end = 0
    if translation.suffix == ".md":
        match = FRONT_MATTER.match(text)
        if not match:
            raise StampError(f"{translation}: a lesson starts with front matter between two '---' lines")
        head_start, head_end = match.start(1), match.end(1)
    else:
        opening = re.match(r"---[ \t]*\r?\n", text)
        head_start, head_end = (opening.end() if opening else 0), len(text)
    head = _STAMP_LINE.sub("", text[head_start:head_end])  # an older stamp goes; the new one leads
    translation.write_bytes((bom + text[:head_start] + line + head + text[head_end:]).encode())
    if read_stamp(translation)[0] != digest:  # the file's own YAML was unusual: undo rather than corrupt it
        translation.write_bytes(raw)
        raise StampError(f"{translation}: could not add a top-level {SOURCE_HASH_KEY}: line; add it by hand")
    return True
