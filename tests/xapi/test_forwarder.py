"""Forwarding to an external LRS that refuses for a while, loses an acknowledgement, then recovers: every
statement arrives (by id) once in the external LRS, also across a worker restart; a killed worker re-sends only
the POST in flight."""
from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest
import requests
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


class WorkerKilled(BaseException):
    """The worker process dies here (kill -9): nothing after this point of the drain runs."""


class RecordingSession(requests.Session):
    """The forwarder's HTTP session: records which of `known` ids each POST carried; dies after POST `die_after`."""

    def __init__(self, known: list[str], die_after: int | None = None) -> None:
        super().__init__()
        self.known, self.die_after, self.sent = known, die_after, []

    def post(self, url, data=None, **kwargs):  # type: ignore[no-untyped-def, override]
        self.sent.append([sid for sid in self.known if sid.encode() in data])
        response = super().post(url, data=data, **kwargs)
        if len(self.sent) == self.die_after:
            raise WorkerKilled  # the target stored the statement, its answer never arrived
        return response


def test_a_crash_in_a_split_batch_resends_only_the_statement_in_flight(database_url: str, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                       external) -> None:
    """A batch refused for one bad statement goes one by one, each committed: a worker killed there re-sends one
    statement, not the batch; each statement goes with its own attachment only."""
    endpoint, external_app, flaky = external
    flaky.refuse, flaky.lose_next_ack = 0, False
    tool = make_test_app(database_url, tmp_path / "tool", lrs_forward_urls=(endpoint,), lrs_forward_keys=("fwd",),
                         lrs_forward_secrets=("fwd-secret",))
    db = tool.extensions["mirco"].db
    target = forwarder.Target(endpoint, "fwd", "fwd-secret")
    try:
        parts = {}
        good = []
        for n in range(4):
            content = f"attachment {n}".encode()
            sha2 = hashlib.sha256(content).hexdigest()
            parts[sha2] = ("text/plain", content)
            good.append(statement(attachments=[{"usageType": "http://example.com/usage", "display": {"en-US": "a"},
                                                "contentType": "text/plain", "length": len(content), "sha2": sha2}]))
        bad = statement(context={"contextAgents": [  # xAPI 2.0 only: refused by a 1.0.3 request
            {"objectType": "contextAgent", "agent": {"mbox": "mailto:i@example.com"}}]})
        order = [good[0], bad, good[1], good[2], good[3]]
        with db.transaction() as session:
            store_statements(session, order, version="2.0.0", attachments=parts)
        ids = [s["id"] for s in order]

        dying = RecordingSession(ids, die_after=4)  # batch (400), good0, bad (400), good1 -> killed
        with pytest.raises(WorkerKilled):
            forwarder.drain_target(db.sessions, target, http=dying)
        assert dying.sent == [ids, [ids[0]], [ids[1]], [ids[2]]]
        restarted = RecordingSession(ids)
        assert forwarder.drain_target(db.sessions, target, http=restarted) == 3
        assert restarted.sent == [ids[2:]]  # good1 again (it was in flight), then the rest: nothing else twice
        assert sorted(external_ids(external_app)) == sorted(s["id"] for s in good)
        with db.sessions() as session:
            rejected = session.execute(select(storage.forward_rejected)).all()
        assert [(r.statement_id, r.status) for r in rejected] == [(bad["id"], 400)]
    finally:
        db.dispose()
        empty_all_tables(database_url)


class HeldSession(requests.Session):
    """The first worker's HTTP session: its POST waits until `go_on` is set (a slow external LRS)."""

    def __init__(self) -> None:
        super().__init__()
        self.sending, self.go_on = threading.Event(), threading.Event()

    def post(self, url, **kwargs):  # type: ignore[no-untyped-def, override]
        self.sending.set()
        self.go_on.wait(30)
        return super().post(url, **kwargs)


def test_a_second_worker_skips_the_target_the_first_is_sending_to(database_url: str, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                   external) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite installations run one worker on one host (docs/lrs.md)")
    endpoint, external_app, flaky = external
    flaky.refuse, flaky.lose_next_ack = 0, False
    tool = make_test_app(database_url, tmp_path / "tool")
    db = tool.extensions["mirco"].db
    target = forwarder.Target(endpoint, "fwd", "fwd-secret")
    try:
        with db.transaction() as session:
            first_ids = store_statements(session, [statement() for _ in range(20)])
        first, delivered = HeldSession(), []
        sender = threading.Thread(target=lambda: delivered.append(forwarder.drain_target(db.sessions, target,
                                                                                         http=first)))
        sender.start()
        assert first.sending.wait(30)
        second = RecordingSession(first_ids)
        assert forwarder.drain_target(db.sessions, target, http=second) == 0 and second.sent == []
        first.go_on.set()
        sender.join(30)
        assert delivered == [20]
        with db.transaction() as session:
            later = store_statements(session, [statement() for _ in range(5)])
        after = RecordingSession(first_ids + later)
        assert forwarder.drain_target(db.sessions, target, http=after) == 5  # the lock went with the first send
        assert after.sent == [later]
        assert sorted(external_ids(external_app)) == sorted(first_ids + later)
    finally:
        db.dispose()
        empty_all_tables(database_url)
