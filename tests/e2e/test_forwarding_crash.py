"""`mirco worker` killed with SIGKILL while a slow external LRS holds its POST: after a restart every statement
arrives, and the only ones sent twice are those of the POST that was in flight (MIRCO_LRS_FORWARD_BATCH)."""
from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import IN_CI
from tests.e2e.checks import settle, stored_statement_ids
from tests.e2e.stack import LRS_KEY, LRS_SECRET, XAPI_HEADERS, Stack, Unavailable, build_stack, wait_for

pytestmark = pytest.mark.slow
BATCH = 10
HELD_POST = 4  # three POSTs accepted and committed before the one the worker dies in


@pytest.fixture
def small_stack(tmp_path: Path) -> Iterator[Stack]:
    try:
        yield from build_stack(tmp_path, 1, 0, {"MIRCO_LRS_FORWARD_BATCH": str(BATCH)})
    except Unavailable as exc:
        if IN_CI:
            pytest.fail(str(exc))
        pytest.skip(str(exc))


def test_a_worker_killed_mid_delivery_resends_only_the_post_in_flight(small_stack: Stack) -> None:
    stack = small_stack
    stack.lrs.hold.arm(HELD_POST)
    actor = {"account": {"homePage": "https://e2e.example.org", "name": "crash"}}
    for _ in range(2):  # 200 statements in the embedded LRS, in two POSTs
        batch = [{"id": str(uuid.uuid4()), "actor": actor, "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                  "object": {"id": f"https://e2e.example.org/activities/{n}"}} for n in range(100)]
        answer = requests.post(stack.tool.url + "/xapi/statements", json=batch, headers=XAPI_HEADERS,
                               auth=(LRS_KEY, LRS_SECRET), timeout=60)
        assert answer.status_code == 200, answer.text
    assert stack.lrs.hold.holding.wait(60), f"the worker never sent POST {HELD_POST} ({len(stack.lrs.posts)} sent)"
    worker = stack.tool.worker
    assert worker is not None and worker.poll() is None  # it is waiting for the LRS's answer right now
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    stack.lrs.hold.release.set()  # the LRS stores the statements; its answer goes nowhere
    wait_for(lambda: len(stack.lrs.posts) >= HELD_POST, 10, "the held POST")
    in_flight = stack.lrs.posts[HELD_POST - 1]
    assert len(in_flight) == BATCH
    stack.tool.start_worker()
    settle(stack)

    stored = set(stored_statement_ids(stack))
    received = stack.lrs.received
    assert len(stored) == 200 and set(received) == stored  # every id at least once, nothing foreign
    twice = {sid for sid, count in received.items() if count > 1}
    assert twice == set(in_flight), f"sent twice: {len(twice)}, in flight: {len(in_flight)}"
    assert max(received.values()) == 2
    assert sum(received.values()) == len(stored) + BATCH
