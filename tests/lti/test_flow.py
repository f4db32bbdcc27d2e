"""The whole flow over real HTTP against lti1p3platform: login -> launch -> lesson; quiz -> AGS score at the
platform; NRPS roster; deep-linking round trip."""
from __future__ import annotations

import requests
from sqlalchemy import event, select

from lti_tool.lti.services import drain_scores, sync_roster
from lti_tool.models import LtiLaunch, LtiMembership, LtiResourceLink, OutboxMessage
from lti_tool.state import app_state
from tests.lti.support import Browser


def launch_as(platform, user: str = "learner-1", link: str = "link-1"):
    browser = Browser()
    page = browser.open(f"{platform.url}/start/resource/{user}?link={link}")
    return browser, page


def test_login_launch_lesson_over_http(tool, platform):
    browser, page = launch_as(platform)
    assert page.status_code == 200, page.text
    assert page.url.startswith(tool.url + "/play/")
    assert "Refugee protection essentials" in page.text
    lesson = browser.http.get(tool.url + "/play/lesson/m1-basics/m1-l1-definition", timeout=10)
    assert lesson.status_code == 200
    assert "<article>" in lesson.text
    with app_state(tool.app).db.sessions() as session:
        launch = session.scalars(select(LtiLaunch)).one()
        assert launch.message_type == "LtiResourceLinkRequest"
        link = session.get(LtiResourceLink, launch.resource_link_pk)
        assert link.course_id == "mini-course"
        assert link.lineitems_url == platform.url + "/ags/lineitems"


def test_a_returning_learners_launch_writes_only_the_launch(tool, platform):
    """The second launch of the same learner and link finds its rows in one query and changes none of them."""
    assert launch_as(platform)[1].status_code == 200
    statements: list[str] = []
    engine = app_state(tool.app).db.engine

    def record(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert launch_as(platform)[1].status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    lti_writes = [s.split(" (")[0] for s in statements if s.startswith(("INSERT INTO lti_", "UPDATE lti_"))]
    assert lti_writes == ["INSERT INTO lti_launch_store", "INSERT INTO lti_launch"]


def test_quiz_score_reaches_platform_gradebook(tool, platform):
    browser, page = launch_as(platform)
    quiz_page = browser.http.get(tool.url + "/play/quiz/m1-quiz", timeout=10)
    result = browser.submit(quiz_page, None, **{"q-q1": "a", "q-q2": "true", "q-q6": "33", "confirm": "1"})
    assert result.status_code == 200 and "Passed" in result.text
    assert drain_scores(tool.app) == 1
    assert len(platform.state.scores) == 1
    score = platform.state.scores[0]
    assert score["userId"] == "learner-1"
    assert score["scoreMaximum"] == 100 and score["gradingProgress"] == "FullyGraded"
    assert score["activityProgress"] == "InProgress"
    (item,) = platform.state.lineitems.values()  # created by the tool: the link had none
    assert item["resourceLinkId"] == "link-1" and item["scoreMaximum"] == 100
    with app_state(tool.app).db.sessions() as session:
        message = session.scalars(select(OutboxMessage)).one()
        assert message.sent_at is not None and message.attempts == 0
        assert session.scalars(select(LtiResourceLink)).one().lineitem_url == item["id"]


def test_platform_down_keeps_score_for_retry(tool, platform):
    browser, _ = launch_as(platform)
    quiz_page = browser.http.get(tool.url + "/play/quiz/m1-quiz", timeout=10)
    browser.submit(quiz_page, None, **{"q-q1": "a", "confirm": "1"})
    with app_state(tool.app).db.transaction() as session:
        link = session.scalars(select(LtiResourceLink)).one()
        link.lineitems_url = "http://127.0.0.1:1/ags/lineitems"  # nothing listens there
    assert drain_scores(tool.app) == 1
    with app_state(tool.app).db.sessions() as session:
        message = session.scalars(select(OutboxMessage)).one()
        assert message.sent_at is None and message.attempts == 1 and message.last_error
        assert message.next_attempt_at > message.created_at
    assert platform.state.scores == []
    assert drain_scores(tool.app) == 0  # not due yet: backoff


def test_roster_lists_members_who_never_launched(tool, platform):
    browser, _ = launch_as(platform, user="teacher-1")
    page = browser.http.get(tool.url + "/play/members", timeout=10)
    assert page.status_code == 200, page.text
    assert "Boris Learner" in page.text and "not started" in page.text
    with app_state(tool.app).db.sessions() as session:
        assert len(session.scalars(select(LtiMembership)).all()) == 3
        context_pk = session.scalars(select(LtiLaunch)).one().context_pk
    assert sync_roster(tool.app, context_pk) == 3


def test_deep_linking_round_trip(tool, platform):
    browser = Browser()
    picker = browser.open(f"{platform.url}/start/deeplink/teacher-1")
    assert picker.status_code == 200 and "Choose what to add" in picker.text, picker.text
    done = browser.submit(picker, None, item=["mini-course/m1-basics", "mini-course/m1-basics/m1-l1-definition"])
    assert done.status_code == 200, done.text
    assert "Content added" in done.text
    links = [v for k, v in platform.state.links.items() if k != "link-1"]
    assert sorted(l["custom"].get("lesson", "") for l in links) == ["", "m1-l1-definition"]
    graded = [l for l in links if l["lineitem"]]
    assert len(graded) == 1 and graded[0]["custom"] == {"course": "mini-course", "module": "m1-basics"}
    item = next(iter(platform.state.lineitems.values()))
    assert item["scoreMaximum"] == 100 and item["resourceId"] == "mini-course/m1-basics"
    module_link = next(k for k, v in platform.state.links.items() if v is graded[0])
    learner, page = launch_as(platform, link=module_link)
    assert page.status_code == 200 and "Who is a refugee?" in page.text
    lesson_link = next(k for k, v in platform.state.links.items() if v["custom"].get("lesson"))
    _, lesson = launch_as(platform, link=lesson_link)
    assert lesson.status_code == 200 and "/play/lesson/m1-basics/m1-l1-definition" in lesson.url


def test_the_test_platform_refuses_a_reused_login_hint_as_moodle_does(tool, platform):
    """The platform's lti_message_hint is one-time: the auth endpoint answers it once, then says invalid_request."""
    start = requests.get(f"{platform.url}/start/resource/learner-1?link=link-1", allow_redirects=False, timeout=10)
    tool_login = start.headers["Location"]
    first = Browser().open(tool_login)
    assert first.status_code == 200 and "Refugee protection essentials" in first.text
    replay = Browser().open(tool_login)  # a new browser replays the same login (the old "new window" fallback)
    assert replay.status_code == 400 and "already used" in replay.text
