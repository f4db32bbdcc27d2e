"""Scale-out proven on this machine: gunicorn with 4 workers on PostgreSQL and Redis, 50 simulated learners
doing full LTI launches, lesson views, quiz submissions and xAPI writes; then the same under faults.

Counted, never timed: no 5xx, every accepted statement stored once and forwarded once (by id), every
learner's grade delivered to the platform, every outbox drained.
"""
from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter

import pytest
import requests

from tests.e2e.checks import check_nothing_lost, outbox_waiting, stored_statement_ids

from tests.e2e.stack import LEARNERS, LESSONS, STATEMENTS_PER_LEARNER, Stack, learner_ids, wait_for

pytestmark = pytest.mark.slow
OUTAGE_S = 60.0
"""How long the external LRS and the AGS endpoint refuse everything (the issue: "fail for a minute")."""


def test_fifty_learners_on_four_workers(stack: Stack) -> None:
    users = learner_ids(LEARNERS)
    outcomes = stack.run_learners(users)
    statuses = Counter(code for o in outcomes for code in o.statuses)
    assert not [code for code in statuses if code >= 500], statuses
    assert sum(o.connection_errors for o in outcomes) == 0
    check_nothing_lost(stack, outcomes, users)
    stored = stored_statement_ids(stack)
    assert len(stored) > len(users) * STATEMENTS_PER_LEARNER  # the tool's own statements are there too
    metrics = requests.get(stack.tool.url + "/metrics", timeout=10).text
    assert f'mirco_outbox_depth{{outbox="lrs-forward:{stack.tool.env["MIRCO_LRS_FORWARD_URLS"]}"}} 0.0' in metrics
    requests_served = sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                          if line.startswith("mirco_http_request_duration_seconds_count"))
    assert f'mirco_lti_launches_total{{message_type="LtiResourceLinkRequest"}} {float(len(users))}' in metrics
    assert f"mirco_xapi_statements_stored_total {float(len(stored))}" in metrics
    report = stack.tool.mirco("doctor")  # raises unless every check passes (exit 0)
    assert report.rstrip().endswith("all checks passed") and "/lti/jwks.json answers (HTTP 200)" in report
    per_learner = len(LESSONS) + 2 + STATEMENTS_PER_LEARNER  # lessons, quiz page and answer, xAPI writes
    assert requests_served >= len(users) * per_learner  # counted in every worker, summed by one scrape


def test_a_worker_killed_mid_load_loses_nothing(stack: Stack) -> None:
    users = learner_ids(LEARNERS)

    def kill_one() -> None:
        time.sleep(2)
        os.kill(stack.tool.worker_pids()[0], signal.SIGKILL)

    killer = threading.Thread(target=kill_one)
    killer.start()
    outcomes = stack.run_learners(users)
    killer.join()
    wait_for(lambda: len(stack.tool.worker_pids()) == 4, 30, "replacement worker")
    assert not [code for o in outcomes for code in o.statuses if code >= 500]
    check_nothing_lost(stack, outcomes, users)


def test_postgres_restart_mid_load_loses_nothing(stack: Stack) -> None:
    users = learner_ids(LEARNERS)

    def restart() -> None:
        time.sleep(2)
        stack.postgres.restart()

    restarter = threading.Thread(target=restart)
    restarter.start()
    outcomes = stack.run_learners(users)
    restarter.join()
    check_nothing_lost(stack, outcomes, users)


def test_lrs_and_ags_failing_for_a_while_then_everything_arrives_once(stack: Stack) -> None:
    users = learner_ids(LEARNERS)
    stack.lrs.switch.on = stack.ags_switch.on = True
    failing_since = time.monotonic()
    outcomes = stack.run_learners(users)
    # both stay down for a full minute while the worker keeps trying and backing off (2, 4, 8, 16, 32 s ...)
    time.sleep(max(5.0, OUTAGE_S - (time.monotonic() - failing_since)))
    assert stack.lrs.switch.refused and stack.ags_switch.refused
    assert outbox_waiting(stack) > 0 and not stack.platform.scores
    stack.lrs.switch.on = stack.ags_switch.on = False
    check_nothing_lost(stack, outcomes, users)
