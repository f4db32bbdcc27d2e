"""The service layer the tool calls directly: builders -> store_statements in the caller's transaction,
report queries, concurrent writers (no deadlock, strictly increasing stored order), GDPR erasure."""
from __future__ import annotations

import json
import threading
import time
import uuid

import pytest
from sqlalchemy import func, select

from tests.xapi.conftest import statement
from xapi import admin, storage
from xapi.builders import Choice, CourseStatements, Learner
from xapi.errors import Conflict, InvalidStatement
from xapi.clock import now_us
from xapi.service import (StatementQuery, consistent_through, query_statements, statements_by_activity,
                          statements_by_actor, statements_by_registration, store_statements)
from xapi.vocabulary import Verb

BASE = "https://mirco.example.org/xapi/activities"


def course(registration: str, subject: str = "learner-42") -> CourseStatements:
    return CourseStatements(base_iri=BASE, course_id="migration-governance", registration=registration,
                            learner=Learner("https://moodle.example.org", subject), course_title={"en": "Gov"})


def test_builders_make_valid_statements_that_reports_can_read(lrs_app) -> None:  # type: ignore[no-untyped-def]
    db = lrs_app.extensions["mirco"].db
    registration = str(uuid.uuid4())
    b = course(registration)
    built = [
        b.session_event(Verb.INITIALIZED),
        b.lesson_experienced("m1", "l1", title={"en": "Lesson"}, seconds=90),
        b.lesson_progressed("m1", "l1", 50),
        b.question_answered("m1", "quiz", "q1", interaction_type="choice", response="b", success=False,
                            correct_responses=["a"], choices=[Choice("a", {"en": "A"}), Choice("b", {"en": "B"})],
                            prompt={"en": "Which?"}),
        b.quiz_finished("m1", "quiz", raw=8, maximum=10, passing_scaled=0.7),
        b.module_completed("m1", seconds=600),
        b.course_completed(seconds=3600),
        b.session_event(Verb.TERMINATED, seconds=3700),
    ]
    with db.transaction() as session:
        store_statements(session, built)
    with db.sessions() as session:
        attempt = statements_by_registration(session, registration)
        assert [s["verb"]["id"] for s in attempt] == [Verb.INITIALIZED, Verb.EXPERIENCED, Verb.PROGRESSED,
                                                     Verb.ANSWERED, Verb.PASSED, Verb.COMPLETED, Verb.COMPLETED,
                                                     Verb.TERMINATED]
        module = statements_by_activity(session, f"{BASE}/migration-governance/m1")
        assert len(module) == 5  # lesson x2, answered, quiz passed (module is parent/grouping) + module completed
        actor = {"account": {"homePage": "https://moodle.example.org", "name": "learner-42"}}
        assert len(statements_by_actor(session, actor, verb=Verb.ANSWERED)) == 1
    passed = built[4]
    assert passed["result"]["score"]["scaled"] == 0.8 and passed["result"]["success"] is True
    assert passed["context"]["contextActivities"]["parent"][0]["id"] == f"{BASE}/migration-governance/m1"
    assert built[1]["actor"] == {"objectType": "Agent", "account": {"homePage": "https://moodle.example.org",
                                                                     "name": "learner-42"}}
    named = CourseStatements(base_iri=BASE, course_id="c", registration=registration, with_names=True,
                             learner=Learner("https://m.org", "7", name="Ana", email="ana@example.org"))
    assert named.course_completed()["actor"]["mbox"] == "mailto:ana@example.org"


def test_store_is_atomic_with_the_callers_transaction(lrs_app) -> None:  # type: ignore[no-untyped-def]
    db = lrs_app.extensions["mirco"].db
    with pytest.raises(RuntimeError):
        with db.transaction() as session:
            store_statements(session, [statement()])
            raise RuntimeError("progress update failed")
    with pytest.raises(InvalidStatement):
        with db.transaction() as session:
            store_statements(session, [statement(), statement(verb={"id": "nope"})])
    with db.sessions() as session:
        assert session.execute(select(storage.statement.c.seq)).first() is None


def test_stored_json_has_the_lrs_stored_time_once_and_timestamp_defaults_to_it(lrs_app) -> None:  # type: ignore[no-untyped-def]
    """`stored` (and a missing `timestamp`) are added to the statement's JSON under the writer lock."""
    db = lrs_app.extensions["mirco"].db
    sent_stored = statement(stored="2001-01-01T00:00:00Z")
    timed = statement(timestamp="2024-05-06T07:08:09.123Z")
    with db.transaction() as session:
        store_statements(session, [sent_stored, timed])

    def no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
        assert len({k for k, _ in pairs}) == len(pairs)
        return dict(pairs)

    with db.sessions() as session:
        rows = {r.id: r for r in session.execute(select(storage.statement))}
    first = json.loads(rows[sent_stored["id"]].body, object_pairs_hook=no_duplicate_keys)
    assert first["stored"] != "2001-01-01T00:00:00Z" and first["timestamp"] == first["stored"]
    assert rows[sent_stored["id"]].timestamp_us == rows[sent_stored["id"]].stored_us
    second = json.loads(rows[timed["id"]].body, object_pairs_hook=no_duplicate_keys)
    assert second["timestamp"] == "2024-05-06T07:08:09.123Z" and second["stored"] == first["stored"]
    assert rows[timed["id"]].timestamp_us == 1714979289123000


def test_conflicting_resend_raises(lrs_app) -> None:  # type: ignore[no-untyped-def]
    db = lrs_app.extensions["mirco"].db
    body = statement()
    with db.transaction() as session:
        store_statements(session, [body])
    with pytest.raises(Conflict), db.transaction() as session:
        store_statements(session, [dict(body, object={"id": "http://example.com/other"})])


def test_concurrent_writers_never_deadlock_and_order_is_strict(lrs_app) -> None:  # type: ignore[no-untyped-def]
    """8 writers, batches sharing activities/agents/voiding targets; stored order equals seq order."""
    db = lrs_app.extensions["mirco"].db
    targets = [statement() for _ in range(4)]
    with db.transaction() as session:
        store_statements(session, targets)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(6):
                batch = [statement() for _ in range(10)]
                if i == n % 6:
                    batch.append(statement(verb={"id": Verb.VOIDED},
                                           object={"objectType": "StatementRef", "id": targets[n % 4]["id"]}))
                with db.transaction() as session:
                    store_statements(session, batch)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    with db.sessions() as session:
        rows = session.execute(select(storage.statement.c.seq, storage.statement.c.stored_us)
                               .order_by(storage.statement.c.seq)).all()
        assert len(rows) == 4 + 8 * 60 + 8
        stored = [r.stored_us for r in rows]
        assert stored == sorted(stored)
        seen, after = [], None
        while True:
            page = query_statements(session, StatementQuery(limit=37, ascending=True, after_seq=after))
            seen += [s["id"] for s in page.statements]
            if not page.more:
                break
            after = page.last_seq
        assert len(seen) == len(set(seen)) == len(rows) - 4


def test_erase_agent_voids_scrubs_and_deletes_documents(lrs_app) -> None:  # type: ignore[no-untyped-def]
    db = lrs_app.extensions["mirco"].db
    learner = {"mbox": "mailto:forget-me@example.com", "name": "Forget Me"}
    other = statement()
    mine = [statement(actor=learner), statement(context={"instructor": learner})]
    with db.transaction() as session:
        store_statements(session, [other, *mine])
        session.execute(storage.document.insert().values(
            kind="state", activity_id="http://x.org/a", agent_key="mbox:mailto:forget-me@example.com",
            registration="", doc_id="s", content_type="text/plain", content=b"x", etag="e", updated_us=1))
    with db.transaction() as session:
        result = admin.erase_agent(session, learner)
    assert (result.statements_voided, result.statements_scrubbed, result.documents_deleted) == (2, 2, 1)
    with db.sessions() as session:
        bodies = list(session.execute(select(storage.statement.c.body)).scalars())
        assert not any("forget-me" in b or "Forget Me" in b for b in bodies)
        visible = query_statements(session, StatementQuery()).statements
        assert other["id"] in {s["id"] for s in visible}
        assert not {s["id"] for s in mine} & {s["id"] for s in visible}
        assert "forget-me" not in "".join(admin.export(session, include_voided=True))


def test_definitions_equal_only_to_python_are_both_kept(lrs_app) -> None:  # type: ignore[no-untyped-def]
    """`true` and `1` are equal as Python values, not as JSON: one batch with both keeps two definitions."""
    db = lrs_app.extensions["mirco"].db
    activity = "http://example.com/activities/flag-" + uuid.uuid4().hex
    ext = "http://example.com/ext/flag"
    batch = [statement(object={"id": activity, "definition": {"extensions": {ext: value}}}) for value in (True, 1)]
    with db.transaction() as session:
        store_statements(session, batch)
    with db.sessions() as session:
        stored = session.scalars(select(storage.activity_definition.c.definition)
                                 .where(storage.activity_definition.c.activity_id == activity)).all()
    assert sorted(json.dumps(json.loads(text)["extensions"][ext]) for text in stored) == ["1", "true"]


def _stored_at_or_before(session, moment: int) -> int:  # type: ignore[no-untyped-def]
    return session.execute(select(func.count()).where(storage.statement.c.stored_us <= moment)).scalar()


def test_consistent_through_is_now_when_no_writer_is_busy(lrs_app) -> None:  # type: ignore[no-untyped-def]
    """Not the latest stored time: a client waiting for `now - Consistent-Through` to shrink would wait forever."""
    db = lrs_app.extensions["mirco"].db
    with db.sessions() as session:
        before = now_us()
        assert consistent_through(session) >= before - 1  # nothing stored yet
    with db.transaction() as session:
        store_statements(session, [statement()])
    time.sleep(0.2)
    with db.sessions() as session:
        latest = session.execute(select(func.max(storage.statement.c.stored_us))).scalar()
        before = now_us()
        through = consistent_through(session)
        assert through >= before - 1 > latest + 150_000
        assert through <= now_us()


def test_consistent_through_holds_while_writers_are_busy(lrs_app) -> None:  # type: ignore[no-untyped-def]
    """The header's promise, checked against concurrent writers that keep their transaction (and the writer lock)
    open for a while after stamping: once a reader is told T, no statement stored at or before T appears later."""
    db = lrs_app.extensions["mirco"].db
    errors: list[BaseException] = []
    done = threading.Event()
    seen: list[tuple[int, int]] = []

    def writer() -> None:
        try:
            for _ in range(12):
                with db.transaction() as session:
                    store_statements(session, [statement()])
                    time.sleep(0.02)  # stamped, not yet committed
                time.sleep(0.005)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    def reader() -> None:
        try:
            while not done.is_set():
                with db.sessions() as session:
                    through = consistent_through(session)
                    seen.append((through, _stored_at_or_before(session, through)))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    writers = [threading.Thread(target=writer) for _ in range(3)]
    readers = [threading.Thread(target=reader) for _ in range(2)]
    for thread in writers + readers:
        thread.start()
    for thread in writers:
        thread.join(120)
    done.set()
    for thread in readers:
        thread.join(30)
    assert errors == []
    assert len(seen) > 20
    with db.sessions() as session:
        assert _stored_at_or_before(session, now_us()) == 36
        late = [(through, count, final) for through, count in seen
                if (final := _stored_at_or_before(session, through)) != count]
    assert late == []
