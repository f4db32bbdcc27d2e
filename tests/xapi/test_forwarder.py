"""Forwarding to an external LRS that refuses for a while, loses an acknowledgement, then recovers:
every statement arrives exactly once (by id), also across a worker restart."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lti_tool.db import make_engine
from lti_tool.migrate import upgrade
from lti_tool.lrs import forward_statements
from lti_tool.worker import run_pass
from tests.conftest import empty_all_tables, make_test_app
from tests.xapi.conftest import KEY, SECRET, serve, statement
from xapi import forwarder, storage
from xapi.service import store_statements


class Flaky:
    """WSGI middleware: refuse the first `refuse` POSTs (503), then accept one but answer 500 (lost ack)."""

    def __init__(self, app, refuse: int) -> None:  # type: ignore[no-untyped-def]
        self.app, self.refuse, self.posts, self.lock = app, refuse, [], threading.Lock()
        self.lose_next_ack = True

    def __call__(self, environ, start_response):  # type: ignore[no-untyped-def]
        if environ["REQUEST_METHOD"] != "POST":
            return self.app(environ, start_response)
        with self.lock:
            self.posts.append(environ["PATH_INFO"])
            refuse = len(self.posts) <= self.refuse
        if refuse:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"down for maintenance"]
        if self.lose_next_ack:
            self.lose_next_ack = False
            for _ in self.app(environ, lambda *a, **k: None):
                pass
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
            return [b"stored, but the answer got lost"]
        return self.app(environ, start_response)


@pytest.fixture
def external(tmp_path: Path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'external.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    app = make_test_app(url, tmp_path / "external", lrs_default_key="fwd", lrs_default_secret="fwd-secret")
    flaky = Flaky(app.wsgi_app, refuse=3)
    app.wsgi_app = flaky  # type: ignore[method-assign]
    for base in serve(app):
        yield base + "/xapi", app, flaky
    app.extensions["mirco"].db.dispose()


def external_ids(app) -> list[str]:  # type: ignore[no-untyped-def]
    with app.extensions["mirco"].db.sessions() as session:
        return list(session.execute(select(storage.statement.c.id)).scalars())


def test_backoff_grows_exponentially_and_is_capped() -> None:
    assert 1.5e6 <= forwarder.backoff_us(1) <= 2.5e6
    assert 6e6 <= forwarder.backoff_us(3) <= 10e6
    assert forwarder.backoff_us(50) <= forwarder.BACKOFF_MAX_S * 1.2 * 1e6


def test_every_statement_delivered_exactly_once(database_url: str, tmp_path: Path, external,  # type: ignore[no-untyped-def]
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint, external_app, flaky = external
    monkeypatch.setattr(forwarder, "BACKOFF_BASE_S", 0.0)
    settings = {"lrs_forward_urls": (endpoint,), "lrs_forward_keys": ("fwd",),
                "lrs_forward_secrets": ("fwd-secret",)}
    tool = make_test_app(database_url, tmp_path / "tool", lrs_default_key=KEY, lrs_default_secret=SECRET, **settings)
    db = tool.extensions["mirco"].db
    try:
        sent = []
        for _ in range(5):  # 5 transactions of 50 statements, as the player would write them
            batch = [statement() for _ in range(50)]
            with db.transaction() as session:
                sent += store_statements(session, batch)
        delivered = 0
        for _ in range(6):  # 3 refusals + 1 lost acknowledgement, then progress
            delivered += run_pass(tool, [forward_statements])
        assert 0 < delivered < len(sent)

        restarted = make_test_app(database_url, tmp_path / "tool", **settings)  # a new worker process
        for _ in range(10):
            run_pass(restarted, [forward_statements])
        restarted.extensions["mirco"].db.dispose()
        got = external_ids(external_app)
        assert sorted(got) == sorted(sent)  # every id, each once
        assert len(flaky.posts) >= 3 + 1 + 3
        with db.sessions() as session:
            cursor = session.execute(select(storage.forward_cursor)).one()
            assert cursor.attempts == 0 and cursor.last_error is None
            assert cursor.last_seq == session.execute(select(func.max(storage.statement.c.seq))).scalar()
    finally:
        tool.extensions["mirco"].db.dispose()
        empty_all_tables(database_url)


def test_permanently_refused_statement_is_recorded_not_blocking(database_url: str, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                external) -> None:
    endpoint, external_app, flaky = external
    flaky.refuse, flaky.lose_next_ack = 0, False
    tool = make_test_app(database_url, tmp_path / "tool", lrs_forward_urls=(endpoint,), lrs_forward_keys=("fwd",),
                         lrs_forward_secrets=("fwd-secret",))
    db = tool.extensions["mirco"].db
    try:
        good = statement()
        refused = statement(context={"contextAgents": [  # xAPI 2.0 only: refused by a 1.0.3 request
            {"objectType": "contextAgent", "agent": {"mbox": "mailto:i@example.com"}}]})
        with db.transaction() as session:
            store_statements(session, [good, refused], version="2.0.0")
        assert run_pass(tool, [forward_statements]) == 1
        assert external_ids(external_app) == [good["id"]]
        with db.sessions() as session:
            rejected = session.execute(select(storage.forward_rejected)).one()
        assert rejected.statement_id == refused["id"] and rejected.status == 400
        assert "contextAgents" in rejected.message
    finally:
        db.dispose()
        empty_all_tables(database_url)
