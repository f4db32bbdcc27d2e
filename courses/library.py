"""The e-library across curricula: every resource of every course, searchable and filterable.

Search is over titles and descriptions in every language a resource has, ignoring case and diacritics, and a
query in Serbian Cyrillic finds text authors wrote in Latin script (and the other way round).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Iterable

from courses.model import Course, LibraryResource
from courses.translit import to_cyrillic


@dataclass(frozen=True)
class Entry:
    course: Course
    resource: LibraryResource
    haystack: str = field(repr=False, compare=False)

    @property
    def key(self) -> tuple[str, str]:
        return self.course.id, self.resource.id


@dataclass(frozen=True)
class Filters:
    query: str = ""
    type: str | None = None
    language: str | None = None
    year: int | None = None
    publisher: str | None = None
    curriculum: str | None = None


def fold(text: str) -> str:
    """Lower-case, diacritic-free form used on both sides of a comparison (`Zaštita` -> `zastita`)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("\u0111", "dj")


def _searchable(resource: LibraryResource) -> str:
    texts = list(resource.title.values.values())
    if resource.description:
        texts.extend(resource.description.values.values())
    both_scripts = [t for text in texts for t in (text, to_cyrillic(text))]
    return fold("\n".join(both_scripts))


def entries(courses: Iterable[Course]) -> list[Entry]:
    """Every resource once per course that lists it, in title order."""
    found = [Entry(c, r, _searchable(r)) for c in courses for r in c.library]
    return sorted(found, key=lambda e: (fold(e.resource.title.get()), e.course.id, e.resource.id))


def _matches(entry: Entry, terms: list[str], filters: Filters) -> bool:
    r = entry.resource
    return (
        (filters.type is None or r.type == filters.type)
        and (filters.language is None or r.language == filters.language or r.language.startswith(filters.language + "-"))
        and (filters.year is None or r.year == filters.year)
        and (filters.publisher is None or r.publisher == filters.publisher)
        and (filters.curriculum is None or entry.course.id == filters.curriculum)
        and all(term in entry.haystack for term in terms)
    )


def search(all_entries: Iterable[Entry], filters: Filters) -> list[Entry]:
    """Entries matching every filter and every word of the query."""
    terms = fold(filters.query).split()
    return [e for e in all_entries if _matches(e, terms, filters)]


def facet_values(all_entries: Iterable[Entry]) -> dict[str, list]:
    """The values each filter can take, for the filter form: types, languages, years, publishers, curricula."""
    listed = list(all_entries)
    return {
        "type": sorted({e.resource.type for e in listed}),
        "language": sorted({e.resource.language for e in listed}),
        "year": sorted({e.resource.year for e in listed if e.resource.year}, reverse=True),
        "publisher": sorted({e.resource.publisher for e in listed if e.resource.publisher}, key=fold),
        "curriculum": sorted({e.course.id for e in listed}),
    }


def find(all_entries: Iterable[Entry], course_id: str, resource_id: str) -> Entry | None:
    return next((e for e in all_entries if e.key == (course_id, resource_id)), None)


def page(items: list[Entry], number: int, size: int) -> tuple[list[Entry], int]:
    """One page of results and the page count (at least 1); `number` is clamped into range."""
    pages = max(1, -(-len(items) // size))
    number = min(max(number, 1), pages)
    return items[(number - 1) * size: number * size], pages

