"""The shared launch store: values shared by every worker, expiry, and single-use pop (database and Redis)."""
from __future__ import annotations

import threading
import time
import uuid

import pytest

from lti_tool.launch_store import DatabaseLaunchStore, RedisLaunchStore, launch_store
from lti_tool.state import app_state
from tests.conftest import empty_all_tables
from tests.lti.conftest import build_tool

REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_store():
    store = RedisLaunchStore(REDIS_URL)
    try:
        store.client.ping()
    except Exception:  # noqa: BLE001 - any failure means Redis is not there
        pytest.skip("Redis not reachable at 127.0.0.1:6379")
    return store


@pytest.fixture(params=["database", "redis"])
def store(request, tool):
    return DatabaseLaunchStore(app_state(tool.app).db) if request.param == "database" else redis_store()


def test_set_get_pop_once(store):
    key = f"k-{uuid.uuid4().hex}"
    store.set(key, {"a": 1}, 60)
    assert store.get(key) == {"a": 1}
    assert store.pop(key) == {"a": 1}
    assert store.pop(key) is None and store.get(key) is None


def test_expired_values_are_gone(store):
    key = f"k-{uuid.uuid4().hex}"
    store.set(key, "v", 1)
    time.sleep(1.2)
    assert store.get(key) is None and store.pop(key) is None


def test_add_sets_only_an_absent_or_expired_key(store):
    key = f"k-{uuid.uuid4().hex}"
    assert store.add(key, 1, 1) is True
    assert store.add(key, 2, 60) is False and store.get(key) == 1
    time.sleep(1.2)
    assert store.add(key, 3, 60) is True and store.get(key) == 3


def test_concurrent_adds_let_exactly_one_win(store):
    """What makes a used OIDC state single-use across workers."""
    key = f"k-{uuid.uuid4().hex}"
    results: list = []
    barrier = threading.Barrier(6)

    def add() -> None:
        barrier.wait()
        results.append(store.add(key, 1, 60))

    threads = [threading.Thread(target=add) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 5 + [True]


def test_concurrent_pops_give_the_value_to_exactly_one(store):
    key = f"k-{uuid.uuid4().hex}"
    store.set(key, "nonce", 60)
    results: list = []
    barrier = threading.Barrier(6)

    def take() -> None:
        barrier.wait()
        results.append(store.pop(key))

    threads = [threading.Thread(target=take) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=str) == [None] * 5 + ["nonce"]


def test_tool_uses_redis_when_configured(database_url, tmp_path):
    redis_store()

    app = build_tool(database_url, tmp_path / "instance", 5000, redis_url=REDIS_URL)
    with app.app_context():
        assert isinstance(launch_store(), RedisLaunchStore)
    app_state(app).db.dispose()
    empty_all_tables(database_url)
