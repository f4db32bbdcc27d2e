"""A cursor over parsed YAML that type-checks fields, merges translation overlays and records located problems.

The loader walks a course with it; nothing stops at the first mistake, so authors see every problem at once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from courses.errors import Problem
from courses.model import LocalizedText
from courses.yamlsource import LineList

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\Z")
LANG_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?\Z")
SOURCE_HASH_KEY = "source_hash"
"""The key a translation file stamps with the SHA-256 of the English file it was made from (see
courses/translations.py): not content, so the loader sets it aside before checking a translation's keys."""
NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters YAML escapes can produce but XML 1.0 (every manifest) cannot hold."""


@dataclass
class Problems:
    """Collects problems; paths are shown relative to the course folder."""

    root: Path
    items: list[Problem] = field(default_factory=list)

    def add(self, file: Path, line: int, message: str, *, blocking: bool = False) -> None:
        try:
            name = str(file.relative_to(self.root))
        except ValueError:
            name = str(file)
        self.items.append(Problem(name, line, message, blocking))


@dataclass(frozen=True)
class Overlay:
    lang: str
    data: Any
    file: Path


_CONTROL_MESSAGE = "contains a control character (such as \\x01) that packages cannot carry; remove it"


def _type_name(value: Any) -> str:
    for kind, name in ((bool, "true/false"), (dict, "a mapping"), (list, "a list"), (str, "text"),
                       ((int, float), "a number"), (type(None), "nothing")):
        if isinstance(value, kind):
            return name
    return type(value).__name__


class Node:
    """One mapping in a YAML file, with the parallel mappings of its translation overlays."""

    def __init__(self, problems: Problems, data: Any, file: Path, line: int, default_lang: str,
                 overlays: tuple[Overlay, ...] = ()) -> None:
        self.problems = problems
        self.data = data if isinstance(data, dict) else {}
        self.is_mapping = isinstance(data, dict)
        self.file = file
        self.line = getattr(data, "line", line) or line
        self.default_lang = default_lang
        self.overlays = tuple(o for o in overlays if isinstance(o.data, dict))

    def report(self, message: str, key: str | None = None) -> None:
        self.problems.add(self.file, self.line_of(key), message)

    def line_of(self, key: str | None) -> int:
        lines = getattr(self.data, "lines", {})
        return lines.get(key, self.line) if key is not None else self.line

    def check_keys(self, required: Iterable[str], optional: Iterable[str], what: str) -> bool:
        """Report unknown and missing keys; False when this is not a mapping at all."""
        required, allowed = set(required), set(required) | set(optional)
        if not self.is_mapping:
            self.report(f"{what}: expected a mapping of keys and values")
            return False
        for key in self.data:
            if key not in allowed:
                self.report(f"{what}: unknown key {key!r} (expected one of: {', '.join(sorted(allowed))})", key)
        for overlay in self.overlays:
            for key in overlay.data:
                if key not in allowed:
                    line = getattr(overlay.data, "lines", {}).get(key, 0)
                    self.problems.add(overlay.file, line, f"{what}: unknown key {key!r} in {overlay.lang} translation")
        for key in sorted(required - set(self.data)):
            self.report(f"{what}: missing required key {key!r}")
        return True

    def value(self, key: str) -> Any:
        return self.data.get(key)

    def string(self, key: str, what: str, required: bool = True, pattern: re.Pattern[str] | None = None,
               default: str | None = None) -> str | None:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, (int, float)) and not isinstance(value, bool) and pattern is None:
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            self.report(f"{what}.{key}: expected non-empty text, got {_type_name(value)}", key)
            return default
        if NOT_XML_TEXT.search(value):
            self.report(f"{what}.{key}: {_CONTROL_MESSAGE}", key)
            return default
        if pattern is not None and not pattern.match(value):
            self.report(f"{what}.{key}: {value!r} is not valid here (expected {pattern.pattern})", key)
            return default
        return value.strip()

    def identifier(self, what: str, key: str = "id") -> str | None:
        return self.string(key, what, pattern=ID_PATTERN)

    def number(self, key: str, what: str, minimum: float | None = None, maximum: float | None = None,
               integer: bool = False, default: float | None = None) -> float | None:
        value = self.data.get(key)
        if value is None:
            return default
        ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok_type:
            kind = "a whole number" if integer else "a number"
            self.report(f"{what}.{key}: expected {kind}, got {value!r}", key)
            return default
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            bounds = f"{minimum if minimum is not None else '-inf'} to {maximum if maximum is not None else 'inf'}"
            self.report(f"{what}.{key}: {value} is out of range (expected {bounds})", key)
            return default
        return value

    def boolean(self, key: str, what: str, default: bool | None = None) -> bool | None:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.report(f"{what}.{key}: expected true or false, got {value!r}", key)
            return default
        return value

    def string_list(self, key: str, what: str, pattern: re.Pattern[str] | None = None) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.report(f"{what}.{key}: expected a list, got {_type_name(value)}", key)
            return ()
        out = []
        for index, item in enumerate(value):
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                item = str(item)
            if (not isinstance(item, str) or not item.strip() or NOT_XML_TEXT.search(item)
                    or (pattern is not None and not pattern.match(item))):
                line = value.lines[index] if isinstance(value, LineList) else self.line_of(key)
                self.problems.add(self.file, line, f"{what}.{key}[{index}]: {item!r} is not valid here")
                continue
            out.append(item.strip())
        return tuple(out)

    def text(self, key: str, what: str, required: bool = True) -> LocalizedText | None:
        """A translatable field: plain text in the default language or a {language: text} map, plus overlays."""
        value = self.data.get(key)
        values: dict[str, str] = {}
        if isinstance(value, str) and value.strip():
            values[self.default_lang] = value.strip()
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            values[self.default_lang] = str(value)
        elif isinstance(value, dict) and value:
            for lang, text in value.items():
                line = getattr(value, "lines", {}).get(lang, self.line_of(key))
                if not isinstance(lang, str) or not LANG_PATTERN.match(lang):
                    self.problems.add(self.file, line, f"{what}.{key}: {lang!r} is not a language tag like en or sr-Latn")
                elif isinstance(text, (int, float)) and not isinstance(text, bool):
                    values[lang] = str(text)
                elif not isinstance(text, str) or not text.strip():
                    self.problems.add(self.file, line, f"{what}.{key}.{lang}: expected non-empty text")
                else:
                    values[lang] = text.strip()
            if values and self.default_lang not in values:
                self.report(f"{what}.{key}: no text in the default language {self.default_lang!r}", key)
        elif value is not None:
            self.report(f"{what}.{key}: expected text or a map of language to text, got {_type_name(value)}", key)
        elif required:
            self.report(f"{what}: missing required key {key!r}")
        for overlay in self.overlays:
            translated = overlay.data.get(key)
            if translated is None:
                continue
            if isinstance(translated, (str, int, float)) and not isinstance(translated, bool) and str(translated).strip():
                values[overlay.lang] = str(translated).strip()
            else:
                line = getattr(overlay.data, "lines", {}).get(key, 0)
                self.problems.add(overlay.file, line, f"{what}.{key}: expected translated text")
        for lang, text in list(values.items()):
            if NOT_XML_TEXT.search(text):
                self.report(f"{what}.{key}.{lang}: {_CONTROL_MESSAGE}", key)
                del values[lang]
        if not values:
            return None
        return LocalizedText(values=values, default=self.default_lang)

    def child(self, key: str) -> Node:
        return Node(self.problems, self.data.get(key), self.file, self.line_of(key), self.default_lang,
                    tuple(Overlay(o.lang, o.data.get(key), o.file) for o in self.overlays))

    def items(self, key: str, what: str, required: bool = True) -> list[Node]:
        """The mappings of a list field; overlay entries are matched to them by `id`."""
        value = self.data.get(key)
        if value is None:
            if required:
                self.report(f"{what}: missing required key {key!r}")
            return []
        if not isinstance(value, list):
            self.report(f"{what}.{key}: expected a list, got {_type_name(value)}", key)
            return []
        if not value and required:
            self.report(f"{what}.{key}: the list is empty", key)
        own_ids = {_entry_id(item) for item in value} - {None}
        overlay_by_id = [(overlay, self._overlay_entries(overlay, key, what, own_ids)) for overlay in self.overlays]
        nodes = []
        for index, item in enumerate(value):
            line = value.lines[index] if isinstance(value, LineList) else self.line_of(key)
            overlays = tuple(Overlay(o.lang, by_id.get(_entry_id(item)), o.file) for o, by_id in overlay_by_id)
            nodes.append(Node(self.problems, item, self.file, line, self.default_lang, overlays))
        return nodes

    def _overlay_entries(self, overlay: Overlay, key: str, what: str, own_ids: set[str]) -> dict[str, Any]:
        """A translation's entries of list `key` by id; an entry whose id the original list lacks is reported
        (translators must not drop or invent ids, or text would silently stay untranslated)."""
        entries = overlay.data.get(key)
        if entries is None:
            return {}
        if not isinstance(entries, list):
            line = getattr(overlay.data, "lines", {}).get(key, 0)
            self.problems.add(overlay.file, line, f"{what}.{key}: expected a list in the {overlay.lang} translation")
            return {}
        lines = getattr(entries, "lines", [])
        by_id = {}
        for index, entry in enumerate(entries):
            entry_id = _entry_id(entry)
            if entry_id not in own_ids:
                line = lines[index] if index < len(lines) else 0
                self.problems.add(overlay.file, line, f"{what}.{key}[{index}]: " + (
                    "a translated entry needs the id of the entry it translates" if entry_id is None else
                    f"{entry_id!r} is not an id in the original list (translated entries are matched by id)"))
                continue
            by_id[entry_id] = entry
        return by_id


def _entry_id(entry: Any) -> str | None:
    """The `id` of a list entry when it is text (anything else cannot match and is reported elsewhere)."""
    value = (entry.get("id") or entry.get("ref")) if isinstance(entry, dict) else None  # library: `ref` alone
    return value if isinstance(value, str) else None


def check_unique(problems: Problems, nodes: list[tuple[str | None, Node]], what: str) -> None:
    """Report every id used more than once in one scope, at each repeated place."""
    seen: dict[str, Node] = {}
    for ident, node in nodes:
        if ident is None:
            continue
        if ident in seen:
            first = seen[ident]
            node.report(f"duplicate {what} id {ident!r} (first used in {first.file.name}:{first.line})")
        else:
            seen[ident] = node
