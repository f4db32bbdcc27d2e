"""Reading time per lesson, as the player's beacon reports it over HTTP: stored on the lesson view and the attempt,
recorded as an xAPI `experienced` statement with result.duration, bounded by the time that really passed, and
refused when hostile. The reports' time spent and averages follow."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from lti_tool.models import Attempt, LessonView, utcnow
from lti_tool.reports.timeline import attempt_registration
from lti_tool.state import app_state
from tests.reports.conftest import ISSUER
from xapi.service import statements_by_registration

LESSON = "/play/lesson/m1-basics/m1-l1-definition"


def open_lesson(client, launch_id: str) -> str:
    page = client.get(f"{LESSON}?launch={launch_id}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def report(client, launch_id: str | None, seconds: str, path: str = LESSON):
    data = {"seconds": seconds} if launch_id is None else {"launch": launch_id, "seconds": seconds}
    return client.post(f"{path}/time", data=data)


def wind_back(app, launch, seconds: int) -> None:
    """As if the lesson page had been opened `seconds` ago (instead of waiting in the test)."""
    with app_state(app).db.transaction() as session:
        attempt_id = session.scalar(select(Attempt.id).where(Attempt.user_pk == launch.user_pk,
                                                             Attempt.resource_link_pk == launch.resource_link_pk))
        session.execute(update(LessonView).where(LessonView.attempt_id == attempt_id,
                                                 LessonView.lesson_id == "m1-l1-definition")
                        .values(timed_at=utcnow() - timedelta(seconds=seconds)))


def lesson_seconds(app, launch) -> tuple[int, int, list[dict]]:
    with app_state(app).db.sessions() as session:
        attempt = session.scalar(select(Attempt).where(Attempt.user_pk == launch.user_pk,
                                                       Attempt.resource_link_pk == launch.resource_link_pk))
        view = session.scalar(select(LessonView).where(LessonView.attempt_id == attempt.id,
                                                       LessonView.lesson_id == "m1-l1-definition"))
        statements = statements_by_registration(session, attempt_registration(ISSUER, attempt.id))
    timed = [s for s in statements if s["verb"]["id"].endswith("/experienced") and "result" in s]
    return view.seconds, attempt.seconds, timed


def test_lesson_page_reports_visible_time_and_it_is_stored_and_stated(app, client, seeded):
    learner = seeded.launches["A"]
    html = open_lesson(client, learner.launch_id)
    assert f'data-time-url="{LESSON}/time"' in html and f'data-launch="{learner.launch_id}"' in html
    assert "player.js" in html
    before = lesson_seconds(app, learner)
    wind_back(app, learner, 100)
    assert report(client, learner.launch_id, "45").status_code == 204
    view, attempt, timed = lesson_seconds(app, learner)
    assert (view, attempt) == (before[0] + 45, before[1] + 45)
    assert [s["result"]["duration"] for s in timed] == ["PT45S"]
    assert timed[0]["object"]["id"].endswith("/m1-basics/m1-l1-definition")


def test_reports_never_add_up_to_more_than_the_time_that_passed(app, client, seeded):
    learner = seeded.launches["B"]
    open_lesson(client, learner.launch_id)
    before = lesson_seconds(app, learner)
    wind_back(app, learner, 30)
    assert report(client, learner.launch_id, "600").status_code == 204  # claims 600, 30 passed
    for _ in range(5):  # a hostile client repeating its report right away gains nothing
        assert report(client, learner.launch_id, "600").status_code == 204
    view, attempt, timed = lesson_seconds(app, learner)
    assert 30 <= view - before[0] <= 31 and attempt - before[1] == view - before[0]
    assert len(timed) == 1


@pytest.mark.parametrize("seconds", ["-5", "601", "1e3", "", "abc", "99999999999", " 30", "3.5", "٣٠", "0x10"])
def test_hostile_durations_are_refused_and_change_nothing(app, client, seeded, seconds):
    learner = seeded.launches["C"]
    open_lesson(client, learner.launch_id)
    wind_back(app, learner, 1000)
    before = lesson_seconds(app, learner)
    answer = report(client, learner.launch_id, seconds)
    assert answer.status_code == 400 and b"seconds" in answer.data
    assert lesson_seconds(app, learner) == before


def test_time_needs_a_launch_an_opened_lesson_and_a_lesson_of_the_activity(app, client, seeded):
    learner = seeded.launches["E"]  # E has never opened a lesson
    assert report(client, None, "10").status_code == 401
    assert report(client, learner.launch_id, "10").status_code == 409
    assert report(client, learner.launch_id, "10", "/play/lesson/m1-basics/nope").status_code == 404
    assert report(client, learner.launch_id, "10", "/play/lesson/m2-other/m1-l1-definition").status_code == 404
    assert client.get(f"{LESSON}/time?launch={learner.launch_id}").status_code == 405


def test_one_report_carries_up_to_600_seconds_and_601_is_refused(app, client, seeded):
    learner = seeded.launches["D"]
    open_lesson(client, learner.launch_id)
    wind_back(app, learner, 1000)  # enough time passed for either report to be credited in full
    before = lesson_seconds(app, learner)
    answer = report(client, learner.launch_id, "601")
    assert answer.status_code == 400 and b"from 0 to 600" in answer.data
    assert lesson_seconds(app, learner) == before
    assert report(client, learner.launch_id, "600").status_code == 204
    view, attempt, timed = lesson_seconds(app, learner)
    assert (view - before[0], attempt - before[1]) == (600, 600)
    assert [s["result"]["duration"] for s in timed[len(before[2]):]] == ["PT10M00S"]


def test_reports_time_spent_and_averages_include_reading_time(app, client, seeded):
    def minutes(who: str) -> float:
        text = client.get(seeded.url("I", "export/learners.csv")).get_data(as_text=True)
        rows = {r["Learner"]: r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))}
        return float(rows[f"Learner {who}"]["Time (minutes)"])

    def average() -> str:
        html = client.get(seeded.url("I")).get_data(as_text=True)
        return html.split('<th scope="row">Average time (minutes)</th><td>')[1].split("<")[0]

    before_a, before_avg = minutes("A"), float(average())
    learner = seeded.launches["A"]
    open_lesson(client, learner.launch_id)
    wind_back(app, learner, 600)
    assert report(client, learner.launch_id, "600").status_code == 204
    assert minutes("A") == before_a + 10
    assert float(average()) == pytest.approx(before_avg + 10 / 5, abs=0.05)  # five learners have started


def test_learner_page_and_export_show_time_per_lesson(app, client, seeded):
    learner = seeded.launches["A"]
    open_lesson(client, learner.launch_id)
    wind_back(app, learner, 90)
    assert report(client, learner.launch_id, "90").status_code == 204
    user = seeded.users["A"]
    html = client.get(seeded.url("I", f"learners/{user}")).get_data(as_text=True)
    assert 'id="lessons-table"' in html and "Time per lesson" in html
    text = client.get(seeded.url("I", "export/lessons.csv", user=str(user))).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["Lesson"] for r in rows] == ["The refugee definition", "Non-refoulement"]
    first = rows[0]
    assert float(first["Reading time (minutes)"]) == 2.5 and first["Visits"] == "2"  # 60 s seeded + 90 s read
    assert client.get(seeded.url("I", "export/lessons.csv", user="abc")).status_code == 400
    assert client.get(seeded.url("I", "export/lessons.xlsx", user=str(seeded.users["G"]))).status_code == 400
