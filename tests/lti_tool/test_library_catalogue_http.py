"""The shared e-library over HTTP with the real sample curricula: each document once, one spelling per publisher,
a page per document listing the curricula and lessons that cite it, citation downloads that parse."""
from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import empty_all_tables, make_test_app
from tests.courses.test_library_catalogue import SAMPLES, parse_ris

PALERMO = "palermo-trafficking-protocol-2000"


class _Links(HTMLParser):
    """Result titles (links inside `<h3>`) and the options of the publisher filter."""

    def __init__(self) -> None:
        super().__init__()
        self.results: list[str] = []
        self.publishers: list[str] = []
        self._in_h3 = self._in_publisher = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self._in_h3 |= tag == "h3"
        if tag == "a" and self._in_h3:
            self.results.append(str(attributes["href"]))
        if tag == "select":
            self._in_publisher = attributes.get("name") == "publisher"
        if tag == "option" and self._in_publisher and attributes.get("value"):
            self.publishers.append(str(attributes["value"]))

    def handle_endtag(self, tag: str) -> None:
        self._in_h3 &= tag != "h3"
        if tag == "select":
            self._in_publisher = False


def _parse(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


@pytest.fixture
def client(database_url: str, tmp_path: Path):
    courses = tmp_path / "courses"
    shutil.copytree(SAMPLES, courses)
    lesson = [p for p in sorted((courses / "migration-gender" / "modules").glob("*/0*.md"))
              if p.name.count(".") == 1][3]  # the English lesson, in a copy: no lesson file of the repository edited
    text = lesson.read_text(encoding="utf-8")
    lesson.write_text(text.replace("\nminutes:", f"\nlibrary: [{PALERMO}]\nminutes:", 1), encoding="utf-8")
    app = make_test_app(database_url, tmp_path / "instance", courses_dirs=(courses,))
    assert not app.extensions["mirco"].catalogue.errors, app.extensions["mirco"].catalogue.errors
    app.config["CITING_LESSON"] = re.search(r"^title: (.+)$", text, re.M)[1]  # type: ignore[index]
    yield app.test_client()
    app.extensions["mirco"].db.dispose()
    empty_all_tables(database_url)


def test_trafficking_search_lists_each_document_once(client) -> None:
    html = client.get("/library", query_string={"q": "trafficking"}).get_data(as_text=True)
    documents = [href.split("?")[0].rsplit("/", 1)[1] for href in _parse(html).results]
    assert documents and len(documents) == len(set(documents)), documents
    assert PALERMO in documents and "coe-anti-trafficking-convention-2005" in documents
    assert f"{len(documents)} resources found" in html


def test_publisher_filter_offers_each_publisher_once(client) -> None:
    publishers = _parse(client.get("/library").get_data(as_text=True)).publishers
    assert publishers and len(publishers) == len(set(publishers))
    assert "International Organization for Migration" in publishers and "IOM" not in publishers
    html = client.get("/library", query_string={"publisher": "European Union Agency for Asylum"}).get_data(as_text=True)
    assert len(_parse(html).results) == 1


def test_document_page_lists_citing_curricula_and_lessons(client) -> None:
    html = client.get(f"/library/migration-development/{PALERMO}").get_data(as_text=True)
    cited = html.split("Cited by", 1)[1].split("How to cite", 1)[0]
    for title in ("Global and Regional Migration Governance", "Migration and Development", "Migration and Gender"):
        assert title in cited
    assert client.application.config["CITING_LESSON"] in cited
    for fmt in ("ris", "bib", "json"):
        assert f"/library/migration-development/{PALERMO}/cite.{fmt}" in html


def test_citation_downloads_parse(client) -> None:
    ris = client.get(f"/library/migration-gender/{PALERMO}/cite.ris")
    assert ris.status_code == 200 and ris.mimetype == "application/x-research-info-systems"
    assert f'filename="{PALERMO}.ris"' in ris.headers["Content-Disposition"]
    [record] = parse_ris(ris.get_data(as_text=True))
    assert record["TY"] == ["STAT"] and record["PY"] == ["2000"] and record["PB"] == ["United Nations"]
    bib = client.get(f"/library/migration-gender/{PALERMO}/cite.bib").get_data(as_text=True)
    assert bib.startswith(f"@misc{{{PALERMO},\n") and bib.count("{") == bib.count("}") and "  year = {2000}" in bib
    [item] = json.loads(client.get(f"/library/migration-gender/{PALERMO}/cite.json").get_data(as_text=True))
    assert item["id"] == PALERMO and item["issued"] == {"date-parts": [[2000]]}


@pytest.mark.parametrize("path, status", [
    (f"/library/migration-gender/{PALERMO}/cite.exe", 404),
    (f"/library/migration-gender/{PALERMO}/cite.%2e%2e", 404),
    ("/library/migration-gender/not-a-document/cite.ris", 404),
    (f"/library/no-such-course/{PALERMO}/cite.ris", 404),
    ("/library?outcome=%3Cscript%3E", 400),
    ("/library?outcome=" + "K" * 300, 400),
])
def test_bad_citation_and_filter_requests_are_refused(client, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:200]
