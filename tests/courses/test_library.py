"""E-library search over the curriculum model: folding, filters, facets and paging, without any web layer."""
from __future__ import annotations

from hypothesis import given, strategies as st

from courses import library
from courses.loader import load_course
from tests.conftest import FIXTURE_COURSES

COURSE = load_course(FIXTURE_COURSES / "mini-course")
ENTRIES = library.entries([COURSE])


def test_fold_ignores_case_and_diacritics_and_spells_dj() -> None:
    assert library.fold("Zaštita ĐORĐEVIĆ") == "zastita djordjevic"
    assert library.fold("ЗАШТИТА") == "заштита"


def test_every_query_word_must_match_title_or_description() -> None:
    assert [e.key for e in library.search(ENTRIES, library.Filters(query="CONVENTION protocol"))] == ["refugee-convention"]
    assert library.search(ENTRIES, library.Filters(query="convention unrelated")) == []


def test_filters_and_facets() -> None:
    assert library.search(ENTRIES, library.Filters(type="report")) == []
    assert len(library.search(ENTRIES, library.Filters(type="instrument", year=1951, language="en"))) == 1
    facets = library.facet_values(ENTRIES)
    assert facets == {"type": ["instrument"], "language": ["en"], "year": [1951], "publisher": ["United Nations"],
                      "curriculum": ["mini-course"], "outcome": []}


@given(st.lists(st.integers(), max_size=60), st.integers(min_value=-5, max_value=100), st.integers(1, 25))
def test_page_is_always_in_range(items: list[int], number: int, size: int) -> None:
    shown, pages = library.page(items, number, size)  # type: ignore[arg-type]
    assert pages >= 1 and len(shown) <= size
    assert shown == items[(min(max(number, 1), pages) - 1) * size:][:size]


@given(st.text(max_size=200))
def test_any_query_text_is_safe(query: str) -> None:
    assert isinstance(library.search(ENTRIES, library.Filters(query=query)), list)
