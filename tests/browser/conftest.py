"""Shared browser fixtures: the tool on a live 127.0.0.1 server, Debian's chromium through Playwright, axe-core.

Reuse from any test folder with `from tests.browser.conftest import serve, axe_violations, screenshot, ...` or by
putting browser tests under tests/browser/. Chromium missing: skipped locally, a failure under CI=true.

One Playwright driver per process at a time (the sync API refuses a second one), so `browser` is module-scoped:
each module starts and stops its own, and modules never overlap.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest
from werkzeug.serving import make_server

from tests.conftest import ROOT

CHROMIUM = Path(os.environ.get("MIRCO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
IN_CI = os.environ.get("CI", "").lower() == "true"


def require(ok: bool, what: str) -> None:
    """Skip locally, fail under CI=true, when a browser-test dependency is missing."""
    if not ok:
        if IN_CI:
            pytest.fail(f"{what} is required under CI=true")
        pytest.skip(f"{what} is not available")


@contextmanager
def serve(wsgi_app: Any) -> Iterator[str]:
    """Serve a WSGI app on a free 127.0.0.1 port in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@pytest.fixture
def live_server(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The `app` fixture (both databases) on a real port."""
    with serve(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    require(CHROMIUM.exists(), f"{CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    """A fresh page (own cookies) with axe-core preloaded and CSP violations collected in `page.csp_errors`."""
    require(AXE_JS.is_file(), "node_modules/axe-core (npm ci)")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(path=str(AXE_JS))  # injected by the driver: not subject to the page's CSP
    tab = context.new_page()
    tab.csp_errors = []
    tab.on("console", lambda msg: "Content Security Policy" in msg.text and tab.csp_errors.append(msg.text))
    yield tab
    context.close()


def axe_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's WCAG 2.1 A/AA (+ best practice) violations of the given impacts, one readable line each."""
    found = page.evaluate("""async (tags) => {
        const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""", AXE_TAGS)
    return [f"{v['impact']} {v['id']}: {v['help']} at {v['nodes']}" for v in found if v["impact"] in impacts]


def screenshot(page: Any, name: str, widths: tuple[int, ...] = (360, 1280)) -> list[Path]:
    """Full-page screenshots under test-artifacts/screenshots/, one per width."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        path = folder / f"{name}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        saved.append(path)
    return saved
