"""The whole stack for the end-to-end tests: private PostgreSQL, Redis, gunicorn (4 workers), `mirco worker`,
an LTI platform with 50 learners and an external LRS, all on 127.0.0.1."""
from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from tests.conftest import IN_CI
from tests.e2e.stack import (REDIS_URL, ExternalLRS, Learner, Outcome, PrivatePostgres, Switch, ThreadedServer,
                             Tool, free_port, learner_ids, make_platform, tool_environment)
from lti_tool.app import create_app
from lti_tool.demo.platform import PlatformState
from lti_tool.lti.registration import PlatformDetails, add_platform
from lti_tool.state import app_state

LEARNERS = 50
WORKERS = 4


def _require(condition: bool, why: str) -> None:
    if not condition:
        if IN_CI:
            pytest.fail(why + " (required under CI=true)")
        pytest.skip(why)


@dataclass
class Stack:
    tool: Tool
    postgres: PrivatePostgres
    platform: PlatformState
    platform_url: str
    ags_switch: Switch
    lrs: ExternalLRS

    def run_learners(self, users: list[str], threads: int = LEARNERS) -> list[Outcome]:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            return list(pool.map(lambda user: Learner(user, self.platform_url, self.tool.url).run(), users))


def build_stack(directory: Path, workers: int, learners: int = LEARNERS) -> Iterator[Stack]:
    _require(PrivatePostgres.available(), "PostgreSQL server binaries (initdb) not installed")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        _require(False, f"Redis not reachable at {REDIS_URL}")
    postgres = PrivatePostgres()
    port = free_port()
    lrs = ExternalLRS()
    lrs_server = ThreadedServer(lrs.app())
    state, ags_switch, platform_app = make_platform(f"http://127.0.0.1:{port}", learners)
    platform_server = ThreadedServer(platform_app)
    state.issuer = platform_server.url
    tool = Tool(tool_environment(directory / "instance", postgres.url, port, lrs_server.url), port,
                directory / "tool.log")
    try:
        tool.mirco("init")
        register_platform(tool, state)
        tool.start_web(workers)
        tool.start_worker()
        yield Stack(tool, postgres, state, platform_server.url, ags_switch, lrs)
    finally:
        tool.stop()
        platform_server.stop()
        lrs_server.stop()
        postgres.stop()


def register_platform(tool: Tool, state: PlatformState) -> None:
    """What `mirco platforms add` does, through the same function (the command needs an app context fix)."""
    app = create_app({"instance_path": tool.env["MIRCO_INSTANCE_PATH"],
                      "database_url": tool.env["MIRCO_DATABASE_URL"], "courses_dirs": ()})
    with app_state(app).db.transaction() as session:
        add_platform(session, PlatformDetails(
            issuer=state.issuer, client_id=state.client_id, deployment_id=state.deployment_id,
            auth_login_url=state.issuer + "/authorize", auth_token_url=state.issuer + "/token",
            key_set_url=state.issuer + "/jwks"), "manual")
    app_state(app).db.dispose()


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    yield from build_stack(tmp_path, WORKERS)


__all__ = ["Stack", "build_stack", "learner_ids", "LEARNERS"]
