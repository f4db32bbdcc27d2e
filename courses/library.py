"""The e-library across curricula: every document once, with the curricula and lessons that cite it, searchable
and filterable.

Search is over titles and descriptions in every language a resource has, ignoring case and diacritics, and a
query in Serbian Cyrillic finds text authors wrote in Latin script (and the other way round).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Iterable

from courses.model import Course, Lesson, LibraryResource, Module
from courses.translit import to_cyrillic


@dataclass(frozen=True)
class Citing:
    """One curriculum's use of a document: its own note (and shipped file), and the lessons that assign it."""

    course: Course
    resource: LibraryResource
    lessons: tuple[tuple[Module, Lesson], ...] = ()


@dataclass(frozen=True)
class Entry:
    """One document, once, with every curriculum that cites it."""

    resource: LibraryResource
    citing: tuple[Citing, ...]
    haystack: str = field(repr=False, compare=False)

    @property
    def course(self) -> Course:
        return self.citing[0].course

    @property
    def key(self) -> str:
        return self.resource.id

    def cited_by(self, course_id: str) -> Citing | None:
        return next((c for c in self.citing if c.course.id == course_id), None)


@dataclass(frozen=True)
class Filters:
    query: str = ""
    type: str | None = None
    language: str | None = None
    year: int | None = None
    publisher: str | None = None
    curriculum: str | None = None
    outcome: str | None = None


def fold(text: str) -> str:
    """Lower-case, diacritic-free form used on both sides of a comparison (`Zaštita` -> `zastita`)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("\u0111", "dj")


def _searchable(resource: LibraryResource, citing: list[Citing]) -> str:
    texts = [*resource.title.values.values(), *resource.authors, resource.publisher or ""]
    for c in citing:
        if c.resource.description:
            texts.extend(c.resource.description.values.values())
    both_scripts = [t for text in texts for t in (text, to_cyrillic(text))]
    return fold("\n".join(both_scripts))


def _identity(resource: LibraryResource) -> tuple:
    """What makes two curricula's entries the same document: the catalogue id with the record's title and url
    (stand-alone courses may reuse an id for a different document; those stay apart)."""
    return resource.id, resource.title.get(), resource.url


def entries(courses: Iterable[Course]) -> list[Entry]:
    """Every document once, with the curricula (and their lessons) that cite it, in title order."""
    grouped: dict[tuple, list[Citing]] = {}
    for course in courses:
        assigned: dict[str, list[tuple[Module, Lesson]]] = {}
        for module, lesson in course.lessons():
            for ref in lesson.library:
                assigned.setdefault(ref, []).append((module, lesson))
        for resource in course.library:
            grouped.setdefault(_identity(resource), []).append(
                Citing(course, resource, tuple(assigned.get(resource.id, ()))))
    found = [Entry(citing[0].resource, tuple(citing), _searchable(citing[0].resource, citing))
             for citing in grouped.values()]
    return sorted(found, key=lambda e: (fold(e.resource.title.get()), e.resource.id, e.course.id))


def _in_language(resource: LibraryResource, wanted: str) -> bool:
    return any(lang == wanted or lang.startswith(wanted + "-") for lang in resource.languages)


def _matches(entry: Entry, terms: list[str], filters: Filters) -> bool:
    r = entry.resource
    citing = [c for c in entry.citing if filters.curriculum is None or c.course.id == filters.curriculum]
    return (
        bool(citing)
        and (filters.type is None or r.type == filters.type)
        and (filters.language is None or _in_language(r, filters.language))
        and (filters.year is None or r.year == filters.year)
        and (filters.publisher is None or r.publisher == filters.publisher)
        and (filters.outcome is None or any(filters.outcome in lesson.outcomes
                                            for c in citing for _, lesson in c.lessons))
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
        "language": sorted({lang for e in listed for lang in e.resource.languages}),
        "year": sorted({e.resource.year for e in listed if e.resource.year}, reverse=True),
        "publisher": sorted({e.resource.publisher for e in listed if e.resource.publisher}, key=fold),
        "curriculum": sorted({c.course.id for e in listed for c in e.citing}),
        "outcome": sorted({o for e in listed for c in e.citing for _, lesson in c.lessons for o in lesson.outcomes}),
    }


def find(all_entries: Iterable[Entry], course_id: str, resource_id: str) -> Entry | None:
    """The document `resource_id` as cited by curriculum `course_id`."""
    return next((e for e in all_entries if e.key == resource_id and e.cited_by(course_id)), None)


def page(items: list[Entry], number: int, size: int) -> tuple[list[Entry], int]:
    """One page of results and the page count (at least 1); `number` is clamped into range."""
    pages = max(1, -(-len(items) // size))
    number = min(max(number, 1), pages)
    return items[(number - 1) * size: number * size], pages

