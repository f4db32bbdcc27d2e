"""Scale-out proven on this machine: gunicorn with 4 workers on PostgreSQL and Redis, 50 simulated learners
doing full LTI launches, lesson views, quiz submissions and xAPI writes; then the same under faults.

Counted, never timed: no 5xx (but 503 while the database restarts), every accepted statement stored as sent and
forwarded (once, or again only within what the scenario's failure allows), every learner's grade delivered with
the expected score, every outbox drained.
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
from xapi.forwarder import DEFAULT_BATCH as FORWARD_BATCH

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
    """The web worker killed is one in the middle of a launch: it is waiting for the platform's key set."""
    users = learner_ids(LEARNERS)
    killed: list[int | None] = []
    stack.jwks_hold.arm()

    def kill_the_one_holding_a_launch() -> None:
        if stack.jwks_hold.holding.wait(60):
            pid = stack.tool.worker_holding(stack.jwks_hold.caller_port)
            killed.append(pid)
            if pid is not None:
                os.kill(pid, signal.SIGKILL)
        stack.jwks_hold.release.set()

    killer = threading.Thread(target=kill_the_one_holding_a_launch)
    killer.start()
    outcomes = stack.run_learners(users)
    killer.join()
    assert killed and killed[0] is not None, "no web worker was found waiting on the held key set request"
    wait_for(lambda: len(stack.tool.worker_pids()) == 4 and killed[0] not in stack.tool.worker_pids(), 30,
             "replacement worker")
    assert sum(o.connection_errors for o in outcomes) >= 1  # the launch in flight really broke
    assert not [code for o in outcomes for code in o.statuses if code >= 500]
    check_nothing_lost(stack, outcomes, users)


def test_postgres_restart_mid_load_loses_nothing(stack: Stack) -> None:
    users = learner_ids(LEARNERS)
    restarted_at: list[int] = []

    def restart() -> None:
        wait_for(lambda: stack.responses >= 150, 120, "learners under way")
        restarted_at.append(stack.responses)
        stack.postgres.restart()

    restarter = threading.Thread(target=restart)
    restarter.start()
    outcomes = stack.run_learners(users)
    restarter.join()
    statuses = Counter(code for o in outcomes for code in o.statuses)
    assert restarted_at and stack.responses > restarted_at[0] + 100, "the restart did not happen mid-load"
    assert not [code for code in statuses if code >= 500 and code != 503], \
        (statuses, [line for o in outcomes for line in o.trail if line.endswith(" 500")])
    # a POST (statements, scores) in flight when the database went away may be sent once more
    check_nothing_lost(stack, outcomes, users, resent_at_most=FORWARD_BATCH + 1)


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
