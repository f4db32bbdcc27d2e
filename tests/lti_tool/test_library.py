"""The e-library over HTTP: listing, search, filters, pagination, detail with citation, safe downloads."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_COURSES, empty_all_tables, make_test_app

EXTRA = """
  - id: sr-guide
    title: {en: Guide to asylum procedure, sr-Latn: Vodič kroz postupak azila}
    publisher: Beogradski centar za ljudska prava
    year: 2021
    type: guide
    language: sr-Latn
    file: files/vodic.pdf
    description: {en: Practical guide on protection for case officers, sr-Latn: Praktični vodič o zaštiti za službenike}
    tags: [asylum, serbia]
"""


def _filler(count: int) -> str:
    return "".join(f"""
  - id: report-{i:02d}
    title: Annual migration report number {i:02d}
    publisher: Regional Observatory
    year: {2000 + i}
    type: report
    language: en
    url: https://example.org/reports/{i}
""" for i in range(count))


@pytest.fixture
def library_app(database_url: str, tmp_path: Path):
    course = tmp_path / "courses" / "mini-course"
    shutil.copytree(FIXTURE_COURSES / "mini-course", course)
    (course / "files").mkdir()
    (course / "files" / "vodic.pdf").write_bytes(b"%PDF-1.4 test guide\n")
    (tmp_path / "outside.txt").write_text("secret")
    with (course / "course.yaml").open("a", encoding="utf-8") as handle:
        handle.write(EXTRA + _filler(24))
    app = make_test_app(database_url, tmp_path / "instance", courses_dirs=(tmp_path / "courses",))
    assert app.extensions["mirco"].catalogue.get("mini-course") is not None, app.extensions["mirco"].catalogue.errors
    yield app
    app.extensions["mirco"].db.dispose()
    empty_all_tables(database_url)


@pytest.fixture
def client(library_app):
    return library_app.test_client()


def test_list_counts_every_resource_and_paginates(client) -> None:
    first = client.get("/library")
    assert first.status_code == 200
    text = first.get_data(as_text=True)
    assert "26 resources found" in text
    assert 'aria-current="page"' in text and 'rel="next"' in text
    second = client.get("/library?page=2").get_data(as_text=True)
    assert 'rel="prev"' in second and 'start="21"' in second
    assert client.get("/library?page=99").status_code == 200  # clamped to the last page


def test_search_ignores_case_diacritics_and_script(client) -> None:
    for query in ("ZAŠTITI", "zastiti", "заштити", "asylum procedure"):
        text = client.get("/library", query_string={"q": query}).get_data(as_text=True)
        assert "1 resource found" in text, query
        assert "Guide to asylum procedure" in text
    assert "No resource matches" in client.get("/library?q=nothing-like-this").get_data(as_text=True)


def test_filters_combine(client) -> None:
    assert "25 resources found" in client.get("/library?language=en").get_data(as_text=True)
    assert "1 resource found" in client.get("/library?language=sr").get_data(as_text=True)
    assert "1 resource found" in client.get("/library?type=report&year=2003").get_data(as_text=True)
    assert "24 resources found" in client.get(
        "/library", query_string={"publisher": "Regional Observatory", "curriculum": "mini-course"}).get_data(as_text=True)
    assert "0 resources found" in client.get("/library?curriculum=other-course").get_data(as_text=True)


def test_results_in_serbian_use_three_plural_forms(client) -> None:
    assert "Pronađen je 1 izvor" in client.get("/library?q=vodic&lang=sr-Latn").get_data(as_text=True)
    assert "Pronađena su 3 izvora" in client.get("/library?q=3&lang=sr-Latn").get_data(as_text=True)  # 03 13 23
    assert "Pronađeno je 12 izvora" in client.get("/library?q=number+1&lang=sr-Latn").get_data(as_text=True)  # 01 10-19 21
    assert "Pronađeno je 26 izvora" in client.get("/library?lang=sr-Latn").get_data(as_text=True)


@pytest.mark.parametrize("query", [
    "type=weapon", "year=abc", "year=99999", "year=-1", "page=0", "page=x", "language=%3Cscript%3E",
    "curriculum=../../etc", "q=" + "a" * 201, "publisher=" + "p" * 201,
])
def test_malformed_filters_are_a_clear_400(client, query: str) -> None:
    response = client.get("/library?" + query)
    assert response.status_code == 400
    assert "parameter" in response.get_data(as_text=True)


def test_hostile_query_is_escaped(client) -> None:
    text = client.get("/library", query_string={"q": '"><script>alert(1)</script>'}).get_data(as_text=True)
    assert "<script>alert(1)" not in text and "&lt;script&gt;" in text


def test_detail_shows_citation_and_translation(client) -> None:
    page = client.get("/library/mini-course/refugee-convention").get_data(as_text=True)
    assert "United Nations. (1951). Convention relating to the Status of Refugees. https://www.unhcr.org/" in page  # APA 7
    assert 'target="_blank" rel="noopener noreferrer"' in page
    serbian = client.get("/library/mini-course/sr-guide?lang=sr-Latn").get_data(as_text=True)
    assert "<h1>Vodič kroz postupak azila</h1>" in serbian and "Kako citirati" in serbian
    cyrillic = client.get("/library/mini-course/sr-guide?lang=sr-Cyrl").get_data(as_text=True)
    assert "<h1>Водич кроз поступак азила</h1>" in cyrillic


def test_download_sends_the_attached_file_only(client) -> None:
    with client.get("/library/mini-course/sr-guide/file") as response:
        assert response.status_code == 200 and response.data.startswith(b"%PDF")
        disposition = response.headers["Content-Disposition"]
    assert "attachment" in disposition and "vodic.pdf" in disposition
    assert client.get("/library/mini-course/refugee-convention/file").status_code == 404  # a link, no file
    for path in ("/library/mini-course/..%2F..%2Foutside.txt/file", "/library/../outside.txt",
                 "/library/mini-course/%2e%2e/file", "/library/nope/sr-guide/file"):
        assert client.get(path).status_code == 404, path


def test_unknown_resource_is_404_json_for_api_clients(client) -> None:
    response = client.get("/library/mini-course/missing", headers={"Accept": "application/json"})
    assert response.status_code == 404 and "not in the e-library" in response.get_json()["message"]
