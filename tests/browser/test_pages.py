"""The public pages in a real browser: axe-core in every complete language, keyboard use, layout from 320 px,
framing by registered platforms only, page weight; screenshots at 360 px and 1280 px in test-artifacts/."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from lti_tool.i18n import LANGUAGES
from lti_tool.migrate import upgrade
from lti_tool.security_headers import set_platform_origins
from lti_tool.state import app_state
from tests.browser.conftest import axe_violations, screenshot, serve
from tests.conftest import FIXTURE_COURSES, ROOT, make_test_app

pytestmark = pytest.mark.browser

PAGES = {
    "catalogue": "/",
    "course-detail": "/courses/mini-course",
    "library": "/library",
    "library-detail": "/library/mini-course/refugee-convention",
    "error-404": "/library/mini-course/no-such-resource",
    "error-401": "/play/",
}
COMPLETE = [lang for lang in LANGUAGES if lang.complete]
FRAMERS: list[str] = []  # origins the test "registers" as platforms


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    """The tool with the test course and the sample curricula, on SQLite: these pages read no database rows."""
    folder = tmp_path_factory.mktemp("browser-site")
    url = f"sqlite:///{folder / 'tool.sqlite3'}"
    app = make_test_app(url, folder / "instance", courses_dirs=(FIXTURE_COURSES, ROOT / "sample_courses"))
    upgrade(app_state(app).db.engine)
    set_platform_origins(app, lambda: FRAMERS)
    with serve(app) as base:
        yield base
    app_state(app).db.dispose()


@pytest.mark.parametrize("language", COMPLETE, ids=[lang.catalog for lang in COMPLETE])
def test_axe_finds_no_serious_violation(page, site: str, language) -> None:
    problems = []
    for name, path in PAGES.items():
        page.goto(f"{site}{path}?lang={language.tag}")
        assert page.get_attribute("html", "lang") == language.tag
        problems += [f"{name}: {v}" for v in axe_violations(page)]
    assert not problems, "\n".join(problems)
    assert not page.csp_errors, page.csp_errors


def test_screenshots_and_no_horizontal_scroll_from_320px(page, site: str) -> None:
    for name, path in PAGES.items():
        page.goto(site + path)
        saved = screenshot(page, name)
        assert all(p.stat().st_size > 1000 for p in saved)
        page.set_viewport_size({"width": 320, "height": 700})
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} scrolls sideways at 320 px by {overflow}px"
    page.goto(site + "/library?lang=sr-Cyrl")
    screenshot(page, "library-sr-Cyrl")


def _focused(page) -> dict:
    return page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
        return {id: e.id, tag: e.tagName, text: e.textContent.trim(), outline: s.outlineStyle,
                width: parseFloat(s.outlineWidth), top: e.getBoundingClientRect().top}; }""")


def _tab_to(page, element_id: str, limit: int = 40) -> dict:
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if focused["id"] == element_id:
            return focused
    raise AssertionError(f"#{element_id} is not reachable with Tab")


def test_keyboard_skip_link_search_and_language_switch(page, site: str) -> None:
    page.goto(site + "/library")
    page.keyboard.press("Tab")
    skip = _focused(page)
    assert skip["tag"] == "A" and skip["text"] == "Skip to main content"
    assert skip["top"] >= 0 and skip["outline"] != "none" and skip["width"] >= 2  # visible, with a focus ring
    page.keyboard.press("Enter")
    assert _focused(page)["id"] == "main"

    search = _tab_to(page, "library-q")
    assert search["outline"] != "none"
    page.keyboard.type("refugee convention")
    page.keyboard.press("Enter")
    page.wait_for_url("**/library?**q=refugee+convention**")
    assert "Convention relating to the Status of Refugees" in page.inner_text("main")

    page.goto(site + "/library")
    _tab_to(page, "language-select")
    page.keyboard.press("End")  # last option: Crnogorski
    page.keyboard.press("Tab")
    assert _focused(page)["text"] == "Change language"
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "sr-Latn-ME"
    assert page.url.endswith("/library?lang=sr-Latn-ME") and page.inner_text("h1") == "E-biblioteka"


def test_only_registered_platforms_may_frame_the_tool(page, site: str) -> None:
    outer = Flask("platform")
    outer.add_url_rule("/", "frame", lambda: f'<iframe src="{site}/library" title="tool"></iframe>')
    with serve(outer) as platform, serve(outer) as stranger:
        FRAMERS[:] = [platform + "/mod/lti/launch.php"]
        try:
            page.goto(platform)
            frame = page.frame_locator("iframe")
            assert frame.locator("h1").inner_text(timeout=10_000) == "E-library"
            page.goto(stranger)  # waits for the frame's load event, which a refused frame also fires
            assert page.frames[1].url.startswith("chrome-error://"), page.frames[1].url
        finally:
            FRAMERS.clear()


def test_page_weight_without_media_is_small(page, site: str) -> None:
    sizes: dict[str, int] = {}
    page.on("response", lambda r: r.request.resource_type in ("document", "stylesheet", "script") and
            sizes.__setitem__(r.url, len(r.body())))
    for path in PAGES.values():
        sizes.clear()
        page.goto(site + path)
        page.wait_for_load_state("networkidle")
        assert all(url.startswith(site) for url in sizes), f"assets from elsewhere: {list(sizes)}"
        assert sum(sizes.values()) < 150 * 1024, (path, sizes)


def test_axe_helper_reports_real_violations(page) -> None:
    """The check above can fail: a page with an unlabelled field and an image without text is caught."""
    broken = Flask("broken")
    broken.add_url_rule("/", "broken", lambda: '<!doctype html><html><title>x</title><body><main>'
                        '<img src="/x.png"><input type="text"></main></body></html>')
    with serve(broken) as url:
        page.goto(url)
        found = " ".join(axe_violations(page, impacts=("serious", "critical")))
    assert "image-alt" in found and "label" in found
