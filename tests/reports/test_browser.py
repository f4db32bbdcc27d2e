"""In a real browser: a learner launched over LTI 1.3 completes module 1 and passes its quiz; a trainer launched in
the same platform course sees that learner as completed with the right score in the overview, the learner table,
the item analysis and the exports. Screenshots of every report page at 360 and 1280 px, axe-core on each."""
from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from lti_tool.lti.services import sync_roster
from lti_tool.models import LtiContext
from lti_tool.state import app_state
from tests.browser.conftest import AXE_JS, axe_violations, browser, page, screenshot  # noqa: F401 - fixtures
from tests.lti.conftest import platform, tool  # noqa: F401 - fixtures

MODULE_LINK = {"title": "Module 1", "custom": {"course": "mini-course", "module": "m1-basics"}, "lineitem": None}


def launch_id(url: str) -> str:
    return parse_qs(urlsplit(url).query)["launch"][0]


def learner_completes_module_one(page, platform) -> None:  # noqa: F811 - the fixtures' names
    page.goto(f"{platform.url}/start/resource/learner-1?link=link-m1")
    page.wait_for_url("**/play/**")
    outline = page.url
    for href in [a.get_attribute("href") for a in page.locator("a[href*='/play/lesson/']").all()]:
        page.goto(href if href.startswith("http") else outline.split("/play/")[0] + href)
    page.goto(outline)
    page.locator("a[href*='/play/quiz/']").first.click()
    page.check("#q-q1-a")
    page.check("#q-q2-true")
    page.check("#q-q3-a")
    page.check("#q-q3-b")
    page.select_option("#q-q4-p1", "p1")
    page.select_option("#q-q4-p2", "p2")
    for item, position in (("i1", "3"), ("i2", "2"), ("i3", "1")):  # q5 wrong: 5 of 6, 83.3 %
        page.select_option(f"#q-q5-{item}", position)
    page.fill("#q-q6", "33")
    page.get_by_role("button", name="Submit answers").click()
    page.wait_for_load_state()


def test_trainer_sees_the_learner_who_completed(page, browser, tool, platform):  # noqa: F811
    platform.state.links["link-m1"] = dict(MODULE_LINK)
    learner_completes_module_one(page, platform)
    learner_launch = launch_id(page.url) if "launch=" in page.url else launch_id(
        page.locator("a[href*='launch=']").first.get_attribute("href"))
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").count() == 0
    assert page.goto(f"{tool.url}/reports/?launch={learner_launch}").status == 403

    with app_state(tool.app).db.sessions() as session:
        context_pk = session.scalar(select(LtiContext.id))
    assert sync_roster(tool.app, context_pk) == 3  # Ana, Boris (never launched), Vera (teacher)

    trainer = browser.new_context(viewport={"width": 1280, "height": 900})
    trainer.add_init_script(path=str(AXE_JS))
    tab = trainer.new_page()
    tab.goto(f"{platform.url}/start/resource/teacher-1?link=link-m1")
    tab.wait_for_url("**/play/**")
    assert axe_violations(tab) == []  # the player with the trainer's navigation
    tab.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    tab.wait_for_url("**/mini-course/**")
    assert tab.locator("#overview-table tr:has-text('Enrolled') td").inner_text() == "2"
    assert tab.locator("#overview-table tr:has-text('Completed') td").inner_text() == "1"
    assert tab.locator("#overview-table tr:has-text('Passed') td").inner_text() == "1"
    assert tab.locator("#overview-table tr:has-text('Average score') td").inner_text() == "83.3"
    assert tab.locator("#overview-table tr:has-text('Not started') td").inner_text() == "1"
    check_page(tab, "reports-overview")

    tab.get_by_role("link", name="Learners", exact=True).click()
    row = tab.locator("#learners-table tbody tr", has_text="Ana Learner")
    assert "completed, passed" in row.inner_text() and "83.3 %" in row.inner_text()
    assert "not started" in tab.locator("#learners-table tbody tr", has_text="Boris Learner").inner_text()
    check_page(tab, "reports-learners")

    row.get_by_role("link").click()
    assert tab.locator(".timeline li", has_text="Passed “Module 1 check” with 83%").count() == 1
    check_page(tab, "reports-learner-timeline")

    tab.get_by_role("link", name="Item analysis").click()
    tab.wait_for_url("**/items?**")
    items = tab.locator("#items-table > tbody > tr")
    assert items.count() == 6
    cells = [[c.inner_text().strip() for c in items.nth(i).locator("> td").all()] for i in range(6)]
    assert "q1:" in items.nth(0).locator("> th").inner_text() and cells[0] == ["1.00", "–", "1", "too easy"]
    assert "q5:" in items.nth(4).locator("> th").inner_text() and cells[4] == ["0.00", "–", "1", "too hard"]  # wrong
    check_page(tab, "reports-items")

    tab.get_by_role("link", name="Learning outcomes").click()
    check_page(tab, "reports-outcomes")

    tab.get_by_role("link", name="Learners", exact=True).click()
    export = tab.request.get(tab.locator("a", has_text="CSV").first.get_attribute("href")
                             if tab.locator("a", has_text="CSV").first.get_attribute("href").startswith("http")
                             else tool.url + tab.locator("a", has_text="CSV").first.get_attribute("href"))
    rows = {r["Learner"]: r for r in csv.DictReader(io.StringIO(export.text().lstrip("\ufeff")))}
    assert rows["Ana Learner"]["Status"] == "completed" and rows["Ana Learner"]["Score (%)"] == "83.3"
    assert rows["Boris Learner"]["Status"] == "not started"
    trainer.close()


def check_page(tab, name: str) -> None:
    tab.wait_for_load_state()  # a click's navigation may still be under way: axe needs the new document
    assert axe_violations(tab) == []
    screenshot(tab, name)
    tab.set_viewport_size({"width": 1280, "height": 900})
