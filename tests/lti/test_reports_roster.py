"""The reports count the course's members as the platform lists them (NRPS), read when a teacher opens them: a
course of 30 shows 30 enrolled on the first opening, the time of the read is shown, a platform without the roster
service is named, and a slow or failing platform does not hold the page. Over real HTTP through the test platform."""
from __future__ import annotations

import dataclasses
import time

import lxml.html
from sqlalchemy import select

from lti_tool.demo.platform import INSTRUCTOR, LEARNER, Member
from lti_tool.models import LtiContext
from lti_tool.reports.roster import wait_for_reads
from lti_tool.state import app_state
from tests.lti.test_flow import launch_as

TEACHER = Member("teacher-1", "Vera Teacher", "vera@example.org", [INSTRUCTOR])


def _course_of(platform, learners: int) -> None:
    platform.state.members = [Member(f"learner-{i}", f"Learner {i}", f"l{i}@example.org", [LEARNER])
                              for i in range(1, learners + 1)] + [TEACHER]


def _settings(tool, **changes) -> None:
    state = app_state(tool.app)
    state.settings = dataclasses.replace(state.settings, **changes)


def _open_reports(tool, browser, page):
    launch_id = page.url.split("launch=")[1]
    overview = browser.http.get(tool.url + "/reports/", params={"launch": launch_id}, timeout=30)
    assert overview.status_code == 200, overview.text
    doc = lxml.html.fromstring(overview.text)
    return overview, int(doc.xpath("//ul[@class='figures']/li[1]/span")[0].text)


def _read_at(tool):
    with app_state(tool.app).db.sessions() as session:
        return session.scalars(select(LtiContext.roster_read_at)).one()


def test_a_course_of_30_shows_30_enrolled_on_first_opening(tool, platform):
    _course_of(platform, 30)
    browser, page = launch_as(platform, "teacher-1")
    overview, enrolled = _open_reports(tool, browser, page)
    assert enrolled == 30
    assert "Members last read from the platform:" in overview.text and "does not offer" not in overview.text
    first_read = _read_at(tool)
    assert first_read is not None
    _open_reports(tool, browser, page)
    assert _read_at(tool) == first_read, "read again only when older than MIRCO_ROSTER_MAX_AGE_SECONDS"
    _settings(tool, roster_max_age_seconds=0)
    platform.state.members.append(Member("learner-31", "Late Learner", "late@example.org", [LEARNER]))
    assert _open_reports(tool, browser, page)[1] == 31 and _read_at(tool) > first_read


def test_a_slow_platform_does_not_hold_the_page(tool, platform):
    _course_of(platform, 30)
    platform.state.nrps_delay_seconds = 4
    _settings(tool, roster_wait_seconds=1)
    browser, page = launch_as(platform, "teacher-1")
    started = time.monotonic()
    overview, enrolled = _open_reports(tool, browser, page)
    assert time.monotonic() - started < 3.5, "the page waits MIRCO_ROSTER_WAIT_SECONDS, not for the platform"
    assert "being read from the platform" in overview.text and enrolled == 0
    again, _ = _open_reports(tool, browser, page)
    assert "being read from the platform" in again.text, "the read under way is not started twice"
    wait_for_reads(tool.app)
    overview, enrolled = _open_reports(tool, browser, page)
    assert enrolled == 30 and "being read" not in overview.text


def test_a_platform_without_the_roster_service_is_named(tool, platform):
    _course_of(platform, 30)
    platform.state.offers_nrps = False
    browser, page = launch_as(platform, "teacher-1")
    overview, enrolled = _open_reports(tool, browser, page)
    assert "does not offer this tool the list of the course" in overview.text
    assert enrolled == 0 and "Members last read" not in overview.text


def test_a_failing_roster_read_is_said_and_the_page_still_answers(tool, platform):
    _course_of(platform, 30)
    browser, page = launch_as(platform, "teacher-1")
    with app_state(tool.app).db.transaction() as session:
        session.scalars(select(LtiContext)).one().memberships_url = platform.url + "/no-such-roster"
    overview, enrolled = _open_reports(tool, browser, page)
    assert "could not be read from the platform" in overview.text and enrolled == 0
