"""A real browser (Debian's chromium) launching the tool inside a cross-site iframe, as Moodle embeds it.

The platform page is on http://localhost:<port>, the tool on http://127.0.0.1:<port>: different sites, so the
launch POST inside the iframe is a cross-site request. With `Secure; SameSite=None; Partitioned` the state cookie
travels and the lesson opens; with `SameSite=Lax` it does not, and the tool offers "open in a new window".
"""
from __future__ import annotations

from pathlib import Path

import pytest

from lti_tool.state import app_state
from tests.conftest import empty_all_tables
from tests.lti.conftest import build_tool, register
from tests.lti.support import Server, course_page_platform
from tests.servers import free_port

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium():  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} missing (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def embedded_launch(chromium, database_url: str, tmp_path: Path, secure: bool) -> str:
    """Serve tool + platform, open the platform's course page with the tool in an iframe, return the frame text."""
    tool_port, platform_port = free_port(), free_port()
    tool = build_tool(database_url, tmp_path / "instance", tool_port, secure_cookies=secure)
    platform_url = f"http://localhost:{platform_port}"
    tool_url = f"http://127.0.0.1:{tool_port}"
    platform, _ = course_page_platform("iframe-platform", tool_url, platform_url, "link-1", "/course")
    register(tool, platform_url, "client-1", "dep-1", platform_url + "/jwks")
    servers = [Server(tool, tool_port), Server(platform, platform_port)]
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(platform_url + "/course")
        frame = page.frame_locator("#tool")
        frame.locator("h1").first.wait_for(timeout=20000)
        return frame.locator("main").inner_text(timeout=20000)
    finally:
        context.close()
        for server in servers:
            server.close()
        app_state(tool).db.dispose()
        empty_all_tables(database_url)


def test_launch_in_cross_site_iframe_with_partitioned_secure_cookie(chromium, database_url, tmp_path):
    text = embedded_launch(chromium, database_url, tmp_path, secure=True)
    assert "Refugee protection essentials" in text and "could not be completed" not in text


def test_lax_cookie_fails_in_iframe_and_offers_a_new_window(chromium, database_url, tmp_path):
    text = embedded_launch(chromium, database_url, tmp_path, secure=False)
    assert "Open the activity in a new window" in text
