"""Package content cannot reach the tool: a hostile SCO, launched over LTI from a real platform and played in
Chromium, cannot read the tool's cookies, pages or player, and its forged messages never reach the runtime; the
same file opened as a top-level page has an opaque origin."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.lti.conftest import platform, tool  # noqa: F401 - the real tool and platform servers
from tests.scorm.factories import hostile_package
from tests.scorm.test_lti_playback import attempts, launch, link_imported, until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning"),
    pytest.mark.filterwarnings("ignore:Exception ignored in:pytest.PytestUnraisableExceptionWarning"),
]


def probes(frame) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return dict(frame.locator("li[data-probe]").evaluate_all(
        "items => items.map(li => [li.dataset.probe, li.textContent])"))


def test_hostile_sco_cannot_reach_the_tool(browser, scorm_again, tool, platform, tmp_path):  # noqa: F811
    link_imported(tool, platform, hostile_package(tmp_path / "h.zip"), "link-hostile", "Hostile")
    page, errors = launch(browser, platform, "link-hostile")
    frame = page.frame_locator("#sco-frame")
    expect(frame.locator("body[data-done='1']")).to_be_attached(timeout=15000)
    found = probes(frame)
    assert {name: found[name] for name in ("cookie", "parent-document", "parent-location", "parent-api", "storage",
                                           "reports")} == dict.fromkeys(
        ("cookie", "parent-document", "parent-location", "parent-api", "storage", "reports"), "blocked")
    assert found["answered"] == "own-call"  # the runtime answered the SCO's own call, and nothing forged
    assert page.evaluate("() => [typeof window.API, typeof window.API_1484_11]") == ["undefined", "undefined"]
    # what the SCO set itself through the bridge was committed; the forged "passed" never was
    (attempt,) = until(lambda: [a for a in attempts(tool.app) if a.cmi.get("core", {}).get("lesson_status")])
    assert attempt.cmi["core"]["lesson_status"] == "incomplete" and attempt.completion != "completed"
    content_url = frame.locator("html").evaluate("() => location.href")
    page.close()
    assert errors == []

    # the same file as a top-level page (a link a teacher could be sent): sandboxed by its own CSP
    top = browser.new_page()
    top.goto(f"{platform.url}/start/resource/learner-1?link=link-hostile")  # the learner's tool cookies exist
    top.wait_for_url("**/scorm/play?**")
    top.goto(content_url)
    assert top.evaluate("() => self.origin") == "null"
    assert top.evaluate("() => { try { return document.cookie; } catch (e) { return 'blocked'; } }") == "blocked"
    expect(top.locator("li[data-probe='reports']")).to_have_text("blocked")
    top.close()
