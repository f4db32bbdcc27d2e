"""The shared e-library catalogue of the sample curricula: one record per document, controlled publishers,
well-formed identifiers, references checked by the validator, citations that reference managers can read."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from courses import citations, identifiers, library
from courses.errors import CourseValidationError
from courses.loader import load_course
from courses.model import LibraryResource, LocalizedText

SAMPLES = Path(__file__).resolve().parents[2] / "sample_courses"
COURSES = [load_course(folder) for folder in sorted(SAMPLES.iterdir()) if (folder / "course.yaml").is_file()]
ENTRIES = library.entries(COURSES)


def _normalised(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", library.fold(text)).strip()


def test_no_document_is_listed_twice_by_title_or_identifier() -> None:
    seen: dict[str, str] = {}
    duplicates = []
    for entry in ENTRIES:
        r = entry.resource
        keys = [f"title:{_normalised(r.title.get())}"] + [f"{k}:{v}" for k, v in (
            ("url", r.url), ("doi", r.doi), ("eli", r.eli), ("isbn", r.isbn)) if v]
        for key in keys:
            if key in seen and seen[key] != r.id:
                duplicates.append((key, seen[key], r.id))
            seen.setdefault(key, r.id)
    assert duplicates == []
    assert len(ENTRIES) == len({e.key for e in ENTRIES})


def test_every_curriculum_reference_is_kept_and_shared_documents_list_each_curriculum() -> None:
    assert sum(len(e.citing) for e in ENTRIES) == sum(len(c.library) for c in COURSES)
    trafficking = [e for e in ENTRIES if e.key == "palermo-trafficking-protocol-2000"]
    assert len(trafficking) == 1
    assert {c.course.id for c in trafficking[0].citing} == {c.id for c in COURSES}


def test_publisher_facet_has_no_variant_spellings() -> None:
    publishers = library.facet_values(ENTRIES)["publisher"]
    assert len(publishers) == len({_normalised(p) for p in publishers})
    stripped = {_normalised(re.sub(r"\s*\(.*?\)", "", p)) for p in publishers}
    assert len(stripped) == len(publishers), publishers  # "IOM" and "IOM (IOM)" would collapse here
    assert "IOM" not in publishers and not any("(" in p for p in publishers)


def test_serbian_titles_come_from_the_catalogue_and_notes_from_the_curriculum() -> None:
    entry = next(e for e in ENTRIES if e.key == "cedaw-1979")
    assert entry.resource.title.get("sr-Latn") == "Konvencija o eliminisanju svih oblika diskriminacije žena"
    gender = entry.cited_by("migration-gender")
    assert gender and gender.resource.description and "ratifikovale" in gender.resource.description.get("sr-Latn")


@pytest.mark.parametrize("value, valid", [
    ("10.1787/1999124x", True), ("10.12/x", False), ("doi:10.1787/1999124x", False)])
def test_doi(value: str, valid: bool) -> None:
    assert identifiers.is_doi(value) is valid


@pytest.mark.parametrize("value, valid", [
    ("http://data.europa.eu/eli/reg/2024/1351/oj", True), ("https://eur-lex.europa.eu/eli/reg/2024/1351/oj", False),
    ("http://data.europa.eu/eli/", False)])
def test_eli(value: str, valid: bool) -> None:
    assert identifiers.is_eli(value) is valid


@pytest.mark.parametrize("value, valid", [
    ("978-92-9068-826-8", False), ("978-0-306-40615-7", True), ("0-306-40615-2", True), ("0-306-40615-3", False),
    ("978030640615", False)])
def test_isbn_check_digit(value: str, valid: bool) -> None:
    assert identifiers.is_isbn(value) is valid


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(SAMPLES, tmp_path / "courses")
    return tmp_path / "courses"


def _problems(folder: Path) -> list[str]:
    with pytest.raises(CourseValidationError) as caught:
        load_course(folder)
    return [str(p) for p in caught.value.problems]


def test_validator_locates_an_unknown_reference(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    course = root / "migration-gender" / "course.yaml"
    text = course.read_text(encoding="utf-8")
    course.write_text(text.replace("- ref: cedaw-1979\n", "- ref: cedaw-1997\n", 1), encoding="utf-8")
    line = text.splitlines().index("- ref: cedaw-1979") + 1
    assert f"course.yaml:{line}: library entry cedaw-1997.ref: 'cedaw-1997' is not a document of library.yaml" in \
        _problems(root / "migration-gender")  # the translation's note for cedaw-1979 is reported too: an orphan


def test_validator_refuses_a_publisher_spelling_outside_the_list_and_malformed_identifiers(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    catalogue = root / "library.yaml"
    lines = catalogue.read_text(encoding="utf-8").splitlines()
    at = lines.index("- id: iom-world-migration-report-2024")
    publisher = next(i for i in range(at, len(lines)) if lines[i].startswith("  publisher:"))
    lines[publisher] = "  publisher: IOM (IOM)"
    lines.insert(at + 1, "  doi: 10.1/not-a-doi")
    lines.insert(at + 1, "  isbn: 978-0-306-40615-8")
    catalogue.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = _problems(root / "migration-development")
    assert f"{catalogue}:{publisher + 3}: library document iom-world-migration-report-2024.publisher: 'IOM (IOM)' " \
           "is not in the publishers list of library.yaml (add it there, or use the spelling listed)" in problems
    assert any(p.startswith(f"{catalogue}:{at + 2}:") and "isbn" in p and "check digit" in p for p in problems)
    assert any(p.startswith(f"{catalogue}:{at + 3}:") and "doi" in p for p in problems)


def test_lesson_may_assign_only_documents_of_its_course(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    lesson = root / "migration-gender" / "modules"
    first = sorted(lesson.glob("*/01-*.md"))[0]
    text = first.read_text(encoding="utf-8")
    first.write_text(text.replace("\nminutes:", "\nlibrary: [cedaw-1979, agenda-2030]\nminutes:", 1), encoding="utf-8")
    problems = _problems(root / "migration-gender")
    assert len(problems) == 1 and "lesson library: 'agenda-2030' is not in the course's library" in problems[0]
    first.write_text(text.replace("\nminutes:", "\nlibrary: [cedaw-1979]\nminutes:", 1), encoding="utf-8")
    course = load_course(root / "migration-gender")
    entry = next(e for e in library.entries([course]) if e.key == "cedaw-1979")
    assert [lesson.path.name for _, lesson in entry.citing[0].lessons] == [first.name]


RECORD = LibraryResource(
    id="oecd-imo-2024", title=LocalizedText({"en": "International Migration Outlook 2024 {50% & more}"}, "en"),
    type="report", language="en", languages=("en", "fr"), authors=("OECD",), publisher="OECD Publishing",
    year=2024, url="https://doi.org/10.1787/50b0353e-en", doi="10.1787/50b0353e-en", tags=("labour",))


def test_apa_bibtex_exact_text() -> None:
    assert citations.apa(RECORD) == ("OECD. (2024). International Migration Outlook 2024 {50% & more}. "
                                     "OECD Publishing. https://doi.org/10.1787/50b0353e-en")
    assert citations.bibtex(RECORD) == (
        "@techreport{oecd-imo-2024,\n"
        "  title = {{International Migration Outlook 2024 \\{50\\% \\& more\\}}},\n"
        "  author = {{OECD}},\n"
        "  year = {2024},\n"
        "  institution = {OECD Publishing},\n"
        "  doi = {10.1787/50b0353e-en},\n"
        "  url = {https://doi.org/10.1787/50b0353e-en},\n"
        "  language = {en, fr}\n"
        "}\n")


def parse_ris(text: str) -> list[dict[str, list[str]]]:
    """A small RIS reader: `TAG  - value` lines, records closed by `ER  - `."""
    records, current = [], {}
    for line in text.splitlines():
        match = re.fullmatch(r"([A-Z][A-Z0-9])  - ?(.*)", line)
        assert match, f"not a RIS line: {line!r}"
        if match[1] == "ER":
            records.append(current)
            current = {}
        else:
            current.setdefault(match[1], []).append(match[2])
    assert current == {}, "record not closed by ER"
    return records


def test_ris_and_csl_json_round_trip_for_every_catalogue_document() -> None:
    for entry in ENTRIES:
        r = entry.resource
        [record] = parse_ris(citations.ris(r))
        assert record["TI"] == [" ".join(r.title.get().split())] and record["ID"] == [r.id]
        assert record.get("PY") == ([str(r.year)] if r.year else None) and record.get("UR") == [r.url]
        [item] = json.loads(citations.csl_json(r))
        assert item["title"] == r.title.get() and item["URL"] == r.url
    [record] = parse_ris(citations.ris(RECORD))
    assert record["TY"] == ["RPRT"] and record["DO"] == ["10.1787/50b0353e-en"] and record["LA"] == ["en", "fr"]


@pytest.mark.parametrize("content, expected", [
    ("documents: [\n", "library.yaml:"),
    ("- just a list\n", "expected a mapping"),
    ("publishers: []\ndocuments: {id: x}\n", "expected a list"),
    ("publishers: [A]\ndocuments:\n  - id: ../../etc\n    title: x\n    type: report\n    languages: [en]\n"
     "    url: javascript:alert(1)\n", "is not an http(s) address"),
    ("publishers: [A]\ndocuments:\n" + "  - id: x\n    title: x\n    type: report\n    languages: [en]\n"
     "    url: https://example.org/\n" * 2, "duplicate"),
])
def test_a_broken_catalogue_is_reported_not_crashed_on(tmp_path: Path, content: str, expected: str) -> None:
    root = _copy(tmp_path)
    (root / "library.yaml").write_text(content, encoding="utf-8")
    problems = _problems(root / "migration-governance")
    assert any(expected in p for p in problems), problems
