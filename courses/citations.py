"""Citations of one e-library document: APA 7 text for people, RIS, BibTeX and CSL-JSON files for reference
managers (Zotero, Mendeley, EndNote, citeproc). One mapping from our document types to each format's types."""
from __future__ import annotations

import json
import re

from courses.model import LibraryResource

_RIS_TYPES = {"instrument": "STAT", "eu-law": "STAT", "report": "RPRT", "book": "BOOK", "article": "JOUR",
              "guide": "RPRT", "dataset": "DATA", "website": "ELEC", "other": "GEN"}
_BIBTEX_TYPES = {"book": "book", "article": "article", "report": "techreport", "guide": "techreport"}
_CSL_TYPES = {"instrument": "legislation", "eu-law": "legislation", "report": "report", "book": "book",
              "article": "article-journal", "guide": "report", "dataset": "dataset", "website": "webpage",
              "other": "document"}


def _creators(r: LibraryResource) -> tuple[str, ...]:
    """Corporate authors stand for themselves; without authors the publisher is the author (APA 7, 9.11)."""
    return r.authors or ((r.publisher,) if r.publisher else ())


def apa(r: LibraryResource, lang: str | None = None) -> str:
    """APA 7 reference: Author. (Year). *Title*. Publisher. URL — the publisher is left out when it is the author."""
    creators = _creators(r)
    parts = [", ".join(creators[:-1]) + (", & " if len(creators) > 1 else "") + creators[-1] + "."] if creators else []
    parts.append(f"({r.year})." if r.year else "(n.d.).")
    parts.append(r.title.get(lang) + ".")
    if r.publisher and r.publisher not in creators:
        parts.append(r.publisher + ".")
    if r.doi:
        parts.append(f"https://doi.org/{r.doi}")
    elif r.url:
        parts.append(r.url)
    return " ".join(parts)


def ris(r: LibraryResource) -> str:
    """RIS (the tagged format every reference manager imports): `TAG  - value` lines, ending with `ER  - `."""
    lines = [("TY", _RIS_TYPES.get(r.type, "GEN")), ("ID", r.id), ("TI", r.title.get())]
    lines += [("AU", a) for a in _creators(r)]
    lines += [("PY", str(r.year))] if r.year else []
    lines += [("PB", r.publisher)] if r.publisher else []
    lines += [("LA", lang) for lang in r.languages]
    lines += [("DO", r.doi)] if r.doi else []
    lines += [("SN", r.isbn)] if r.isbn else []
    lines += [("UR", r.url)] if r.url else []
    lines += [("KW", t) for t in r.tags]
    return "".join(f"{tag}  - {_one_line(value)}\r\n" for tag, value in lines) + "ER  - \r\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _bibtex_escape(text: str) -> str:
    return re.sub(r"([\\{}&%$#_^~])", lambda m: {"\\": r"\textbackslash{}", "~": r"\textasciitilde{}",
                                                   "^": r"\textasciicircum{}"}.get(m[1], "\\" + m[1]), _one_line(text))


def bibtex(r: LibraryResource) -> str:
    """BibTeX entry; corporate authors in double braces so BibTeX does not split them into given/family names."""
    fields = [("title", "{" + _bibtex_escape(r.title.get()) + "}")]
    if _creators(r):
        fields.append(("author", " and ".join("{" + _bibtex_escape(a) + "}" for a in _creators(r))))
    if r.year:
        fields.append(("year", str(r.year)))
    if r.publisher:
        fields.append(("institution" if r.type in ("report", "guide") else "publisher", _bibtex_escape(r.publisher)))
    for name, value in (("doi", r.doi), ("isbn", r.isbn), ("url", r.url)):
        if value:
            fields.append((name, value.replace("%", r"\%")))
    if r.languages:
        fields.append(("language", ", ".join(r.languages)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{_BIBTEX_TYPES.get(r.type, 'misc')}{{{r.id},\n{body}\n}}\n"


def csl_json(r: LibraryResource) -> str:
    """CSL-JSON (citeproc's input), a list with one item."""
    item: dict = {"id": r.id, "type": _CSL_TYPES.get(r.type, "document"), "title": r.title.get()}
    if _creators(r):
        item["author"] = [{"literal": a} for a in _creators(r)]
    if r.year:
        item["issued"] = {"date-parts": [[r.year]]}
    for name, value in (("publisher", r.publisher), ("DOI", r.doi), ("ISBN", r.isbn), ("URL", r.url)):
        if value:
            item[name] = value
    if r.languages:
        item["language"] = r.languages[0]
    return json.dumps([item], ensure_ascii=False, indent=2) + "\n"


FORMATS = {"ris": (ris, "application/x-research-info-systems"), "bib": (bibtex, "application/x-bibtex"),
           "json": (csl_json, "application/vnd.citationstyles.csl+json")}
"""Download formats by file extension: how to write one, and its media type."""
