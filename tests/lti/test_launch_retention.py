"""Launches past MIRCO_LAUNCH_RETENTION_DAYS are deleted by `mirco worker`; the learner's progress stays, and the
browser holding the old launch is told to start again from the course."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from lti_tool.cli import cli
from lti_tool.config import ConfigError, load_settings
from lti_tool.lti import retention
from lti_tool.models import Attempt, LtiLaunch, LtiUser, utcnow
from lti_tool.state import app_state
from tests.lti.test_flow import launch_as


def _age_launches(app, user_sub: str, days: int) -> None:
    with app_state(app).db.transaction() as session:
        user_pk = session.scalar(select(LtiUser.id).where(LtiUser.sub == user_sub))
        session.execute(update(LtiLaunch).where(LtiLaunch.user_pk == user_pk)
                        .values(created_at=utcnow() - timedelta(days=days)))


def test_worker_purges_expired_launches_and_keeps_progress(tool, platform, monkeypatch) -> None:
    old_browser, page = launch_as(platform, user="learner-1")
    assert page.status_code == 200, page.text
    lesson_url = tool.url + "/play/lesson/m1-basics/m1-l1-definition"
    assert old_browser.http.get(lesson_url, timeout=10).status_code == 200
    new_browser, page = launch_as(platform, user="learner-2")
    assert page.status_code == 200, page.text
    _age_launches(tool.app, "learner-1", days=31)
    with app_state(tool.app).db.sessions() as session:
        attempts_before = session.scalar(select(func.count()).select_from(Attempt))
    assert attempts_before >= 1

    monkeypatch.setattr(retention, "_next_purge", 0.0)
    result = tool.app.test_cli_runner().invoke(cli, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 item(s) handled" in result.output

    with app_state(tool.app).db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(LtiLaunch)) == 1
        assert session.scalar(select(func.count()).select_from(Attempt)) == attempts_before
    gone = old_browser.http.get(lesson_url, timeout=10)
    assert gone.status_code == 401 and "launch it from there" in gone.text
    assert new_browser.http.get(lesson_url, timeout=10).status_code == 200

    # within the hour nothing runs again, even though another launch has expired meanwhile
    _age_launches(tool.app, "learner-2", days=31)
    again = tool.app.test_cli_runner().invoke(cli, ["worker", "--once"])
    assert "0 item(s) handled" in again.output


def test_purge_works_in_bounded_batches(tool, platform) -> None:
    for user in ("learner-1", "learner-2", "learner-1"):
        assert launch_as(platform, user=user)[1].status_code == 200
        _age_launches(tool.app, user, days=40)
    cut_off = utcnow() - timedelta(days=30)
    with app_state(tool.app).db.transaction() as session:
        assert retention.purge_launches(session, cut_off, limit=2) == 2
    with app_state(tool.app).db.transaction() as session:
        assert retention.purge_launches(session, cut_off, limit=2) == 1
        assert retention.purge_launches(session, cut_off, limit=2) == 0


@pytest.mark.parametrize("value", ["0", "-3", "thirty"])
def test_retention_setting_must_be_a_positive_number_of_days(value: str, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("MIRCO_LAUNCH_RETENTION_DAYS", value)
    with pytest.raises(ConfigError, match="MIRCO_LAUNCH_RETENTION_DAYS"):
        load_settings({"instance_path": tmp_path})
