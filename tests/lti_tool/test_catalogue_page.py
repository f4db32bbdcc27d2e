"""The catalogue page that `make run` shows before any LTI launch, over a real HTTP server."""
from __future__ import annotations

import threading
from collections.abc import Iterator

import lxml.html
import pytest
import requests
from werkzeug.serving import make_server

from lti_tool.migrate import upgrade
from lti_tool.state import app_state


@pytest.fixture
def live_url(app) -> Iterator[str]:
    upgrade(app_state(app).db.engine)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def test_catalogue_lists_courses_with_level_hours_and_outcomes(live_url: str) -> None:
    page = requests.get(live_url + "/", timeout=10)
    assert page.status_code == 200
    assert "Refugee protection essentials" in page.text
    assert "EQF level 5" in page.text and "2 hours" in page.text
    assert "Explain the refugee definition of the 1951 Convention" in page.text


def test_course_detail_and_unknown_course(live_url: str) -> None:
    detail = requests.get(live_url + "/courses/mini-course", timeout=10)
    assert detail.status_code == 200 and "Who is a refugee?" in detail.text
    missing = requests.get(live_url + "/courses/%3Cscript%3Ealert(1)", timeout=10)
    assert missing.status_code == 404 and missing.headers["Content-Type"].startswith("text/html")
    assert "<script>alert(1)" not in missing.text and "&lt;script&gt;alert(1)" in missing.text
    as_json = requests.get(live_url + "/courses/nope", headers={"Accept": "application/json"}, timeout=10)
    assert as_json.status_code == 404 and as_json.json()["error"] == "Not Found"


def test_course_page_shows_each_languages_translation_coverage(live_url: str) -> None:
    """mini-course has 3 of its 6 files in sr-Latn (Cyrillic made from them): the page says so per language."""
    english = lxml.html.fromstring(requests.get(live_url + "/courses/mini-course", timeout=10).text)
    items = [" ".join(li.text_content().split()) for li in english.xpath("//ul[@class='language-coverage']/li")]
    assert items[0] == "English: original text"
    assert "Serbian (Latin): 50% of the course translated; the rest is shown in the original language" in items
    assert any(i.startswith("Serbian (Cyrillic): 50% of the course translated (transliterated from Serbian (Latin))")
               for i in items), items
