"""A real Chromium, with the profile of a privacy-minded learner, launching the tool inside Moodle's iframe.

The profile blocks third-party cookies (`profile.cookie_controls_mode = 1`, written into the profile's Preferences
before Chromium starts: the command-line flag alone blocks nothing in current Chromium). The tool's cookies are
`Partitioned`, so the embedded launch still works. Where the learner also refuses the tool's cookies inside the
course site (a cookie exception for the tool's origin under the platform's top-level site), the launch is refused
and the page links to the platform's own launch page, which starts a fresh launch in a new window: the platform
here refuses a reused login hint, as Moodle does, so the fallback reaches the content only if it replays nothing.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from lti_tool.state import app_state
from tests.conftest import empty_all_tables
from tests.lti.conftest import build_tool, register
from tests.lti.support import Server, course_page_platform
from tests.lti.test_browser_iframe import ARGS, CHROMIUM
from tests.servers import free_port

pytestmark = pytest.mark.browser
BLOCK = 2  # Chromium's CONTENT_SETTING_BLOCK


def profile(user_data: Path, blocked_in: tuple[str, str] | None) -> Path:
    """A Chromium profile that blocks third-party cookies and, with `blocked_in` (tool origin, platform origin),
    every cookie of the tool while it is embedded in the platform."""
    preferences: dict = {"profile": {"cookie_controls_mode": 1}}
    if blocked_in:
        tool, platform = blocked_in
        preferences["profile"]["content_settings"] = {
            "exceptions": {"cookies": {f"{tool},{platform}": {"setting": BLOCK}}}}
    (user_data / "Default").mkdir(parents=True)
    (user_data / "Default" / "Preferences").write_text(json.dumps(preferences))
    return user_data


@pytest.fixture
def moodle_like(database_url, tmp_path):  # type: ignore[no-untyped-def]
    """Tool and a platform registered the way Moodle is (auth at /mod/lti/auth.php, cmid 42), on different sites."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} missing (apt-get install -y chromium)")
    tool_port, platform_port = free_port(), free_port()
    tool = build_tool(database_url, tmp_path / "instance", tool_port, secure_cookies=True)
    platform_url, tool_url = f"http://localhost:{platform_port}", f"http://127.0.0.1:{tool_port}"
    platform, state = course_page_platform("moodle-like", tool_url, platform_url, "42", "/course/view.php")
    register(tool, platform_url, "client-1", "dep-1", platform_url + "/jwks", auth_path="/mod/lti/auth.php")
    servers = [Server(tool, tool_port), Server(platform, platform_port)]
    yield tool_url, platform_url, state
    for server in servers:
        server.close()
    app_state(tool).db.dispose()
    empty_all_tables(database_url)


def browse(tmp_path: Path, blocked_in: tuple[str, str] | None):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    context = playwright.chromium.launch_persistent_context(
        str(profile(tmp_path / "chromium-profile", blocked_in)), executable_path=str(CHROMIUM), args=ARGS,
        headless=True)
    return playwright, context


def test_third_party_cookies_blocked_the_partitioned_launch_still_works(moodle_like, tmp_path):
    tool_url, platform_url, _ = moodle_like
    playwright, context = browse(tmp_path, None)
    try:
        page = context.new_page()
        page.goto(platform_url + "/course/view.php")
        text = page.frame_locator("#tool").locator("main").inner_text(timeout=20000)
        assert "Refugee protection essentials" in text and "could not be completed" not in text
    finally:
        context.close()
        playwright.stop()


def test_tool_cookies_refused_in_the_frame_the_platform_relaunches_in_a_new_window(moodle_like, tmp_path):
    tool_url, platform_url, state = moodle_like
    playwright, context = browse(tmp_path, (tool_url, platform_url))
    try:
        page = context.new_page()
        page.goto(platform_url + "/course/view.php")
        frame = page.frame_locator("#tool")
        assert "could not be completed" in frame.locator("h1").inner_text(timeout=20000)
        used_before = len(state.used_launch_ids)
        with context.expect_page() as opened:
            frame.get_by_role("link", name="Open the activity in a new window").click()
        window = opened.value
        window.wait_for_load_state()
        text = window.locator("body").inner_text(timeout=20000)
        assert "Refugee protection essentials" in text and "could not be completed" not in text, text[:500]
        assert window.url.startswith(tool_url + "/play/")
        assert len(state.used_launch_ids) == used_before + 1  # one fresh hint, answered once
        assert frame.locator("a#relaunch").get_attribute("href") == platform_url + "/mod/lti/launch.php?id=42"
    finally:
        context.close()
        playwright.stop()
