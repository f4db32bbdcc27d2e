"""Markdown in question prompts and options (docs/course-format.md allows it): HTML on the item-analysis page,
plain text in CSV and XLSX exports, never the raw `**` markup."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.conftest import empty_all_tables, make_test_app, mini_course_with


@pytest.fixture
def app(database_url: str, tmp_path: Path):
    """The report fixtures' app, its mini course with Markdown in a prompt and in an option."""
    courses = mini_course_with(tmp_path / "courses", {
        "prompt: Which article of the 1951": "prompt: Which **article** of the 1951",
        "{id: b, text: Article 1F,": "{id: b, text: '*Article* 1F',"})
    application = make_test_app(database_url, tmp_path / "instance", courses_dirs=(courses,))
    yield application
    application.extensions["mirco"].db.dispose()
    empty_all_tables(database_url)


def test_prompts_are_html_on_the_page_and_plain_text_in_exports(client, seeded):
    html = client.get(seeded.url("I", "items")).get_data(as_text=True)
    assert "Which <strong>article</strong> of the 1951" in html and "**" not in html
    assert "*Article* 1F" not in html and "Article 1F" in html
    rows = list(csv.DictReader(io.StringIO(client.get(seeded.url("I", "export/items.csv")).get_data(
        as_text=True).lstrip("\ufeff"))))
    assert next(r["Prompt"] for r in rows if r["Question"] == "q1").startswith("Which article of the 1951")
    options = client.get(seeded.url("I", "export/distractors.csv")).get_data(as_text=True)
    assert "Article 1F" in options and "*" not in options
    sheet = load_workbook(io.BytesIO(client.get(seeded.url("I", "export/items.xlsx")).data)).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "Which article of the 1951 Convention sets out non-refoulement?" in cells
    assert not [c for c in cells if "**" in c]
