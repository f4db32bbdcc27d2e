"""MIRCO_CONTENT_ORIGIN: package content served from an origin of its own (here localhost, the tool being on
127.0.0.1: the same server, another origin). The package keeps that origin, which is not the tool's: the tool's pages are not served there, and the player and its API stay out of reach; an exported
SCORM 1.2 course plays and commits through the bridge."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lti_tool.state import app_state
from tests.conftest import empty_all_tables
from tests.lti.conftest import Tool, build_tool, platform  # noqa: F401 - the platform, registered with `tool` below
from tests.lti.support import Server
from tests.scorm.factories import export_zip, hostile_package
from tests.scorm.test_browser_isolation import probes
from tests.scorm.test_lti_playback import attempts, launch, link_imported, play_module_quiz, until
from tests.servers import free_port

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning"),
    pytest.mark.filterwarnings("ignore:Exception ignored in:pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture
def tool(database_url, tmp_path):  # type: ignore[no-untyped-def]
    port = free_port()
    app = build_tool(database_url, tmp_path / "instance", port, content_origin=f"http://localhost:{port}")
    server = Server(app, port)
    yield Tool(app, server.url)
    server.close()
    app_state(app).db.dispose()
    empty_all_tables(database_url)


def test_a_hostile_sco_on_the_content_origin_cannot_reach_the_tool(browser, tool, platform, tmp_path):  # noqa: F811
    link_imported(tool, platform, hostile_package(tmp_path / "h.zip"), "link-hostile", "Hostile")
    page, errors = launch(browser, platform, "link-hostile")
    frame = page.frame_locator("#sco-frame").frame_locator("iframe")  # framed by the page holding the API
    expect(frame.locator("body[data-done='1']")).to_be_attached(timeout=15000)
    found = probes(frame)
    content_origin = app_state(tool.app).settings.content_origin
    assert frame.locator("html").evaluate("() => self.origin") == content_origin != tool.url
    assert found["cookie"] in ("read:", "blocked")  # its own origin: none of the tool's cookies
    assert found["reports"].startswith("read:404")  # the content origin serves package files only
    # its parent is the content origin's page that holds its own API (SCORM's discovery starts there); the player
    # above it, on the tool's origin, stays out of reach
    assert found["parent-location"].startswith(f"read:{content_origin}/scorm/sco/")
    assert found["parent-api"] == "read:function"
    assert frame.locator("html").evaluate(
        "() => { try { return String(window.top.document.title); } catch (e) { return 'blocked'; } }") == "blocked"
    assert frame.locator("html").evaluate(
        "() => { try { return typeof window.top.API; } catch (e) { return 'blocked'; } }") == "blocked"
    assert found["answered"] == ""  # what it posts to its parent reaches no runtime: the player hears that page only
    url = frame.locator("html").evaluate("() => location.href")
    assert url.startswith(content_origin + "/scorm/content/")
    assert page.request.get(url).status == 200
    assert page.request.get(tool.url + url[len(content_origin):]).status == 404  # never on the tool's origin
    page.close()
    assert errors == []


def test_an_exported_course_plays_from_the_content_origin(browser, scorm_again, tool, platform, mini_course,  # noqa: F811
                                                          tmp_path):
    link_imported(tool, platform, export_zip(mini_course, "scorm12", tmp_path / "p.zip"), "link-pkg", "Package")
    page, errors = launch(browser, platform, "link-pkg")
    play_module_quiz(page, mini_course, page.frame_locator("#sco-frame").frame_locator("iframe"))
    (first,) = until(lambda: [a for a in attempts(tool.app) if a.finished])
    assert (first.completion, first.success, first.score_scaled) == ("completed", "passed", 0.6667)
    page.close()
    assert errors == []
