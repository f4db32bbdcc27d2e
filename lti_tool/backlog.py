"""How much waits to leave the process, for metrics and `mirco doctor`.

Two queues exist: the tool's `outbox` table (AGS scores and other messages, one row each, done when `sent_at`
or, for good, `failed_at` is set) and the LRS forwarding, where the statement log itself is the queue and each
external LRS has a cursor (`lrs_forward_cursor.last_seq`). Either may be absent from a database that is not
migrated yet; it is then skipped, not an error.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Connection, Engine, and_, func, inspect, select

from lti_tool.models import OutboxMessage

OUTBOX = OutboxMessage.__table__


@dataclass(frozen=True)
class Backlog:
    name: str
    depth: int
    oldest_age_seconds: float
    failed: int = 0
    """Entries given up on for good (kept for the administrator, never retried)."""


def _age(now: datetime, oldest: datetime | None) -> float:
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:  # SQLite hands back naive UTC datetimes
        oldest = oldest.replace(tzinfo=timezone.utc)
    return max(0.0, (now - oldest).total_seconds())


def _tool_outbox(connection: Connection, now: datetime) -> list[Backlog]:
    waiting = and_(OUTBOX.c.sent_at.is_(None), OUTBOX.c.failed_at.is_(None))
    rows = connection.execute(
        select(OUTBOX.c.kind, func.count().filter(waiting), func.min(OUTBOX.c.created_at).filter(waiting),
               func.count().filter(OUTBOX.c.failed_at.is_not(None)))
        .where(OUTBOX.c.sent_at.is_(None)).group_by(OUTBOX.c.kind).order_by(OUTBOX.c.kind))
    return [Backlog(f"outbox:{kind}", depth, _age(now, oldest), failed) for kind, depth, oldest, failed in rows]


def _lrs_forwarding(connection: Connection, now: datetime, targets: tuple[str, ...]) -> list[Backlog]:
    from xapi.storage import forward_cursor, forward_rejected, statement

    found = []
    for target in targets:
        last_seq = connection.scalar(select(forward_cursor.c.last_seq).where(forward_cursor.c.target == target)) or 0
        depth, oldest_us = connection.execute(
            select(func.count(), func.min(statement.c.stored_us)).where(statement.c.seq > last_seq)).one()
        rejected = connection.scalar(select(func.count()).where(forward_rejected.c.target == target))
        oldest = datetime.fromtimestamp(oldest_us / 1e6, timezone.utc) if oldest_us is not None else None
        found.append(Backlog(f"lrs-forward:{target}", depth, _age(now, oldest), rejected or 0))
    return found


def stored_statements(engine: Engine) -> int | None:
    """Rows in the LRS statement table (voided and erased ones stay as rows), None before it exists."""
    from xapi.storage import statement

    if statement.name not in inspect(engine).get_table_names():
        return None
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(statement))


def outbox_backlog(engine: Engine, forward_targets: tuple[str, ...] = (), now: datetime | None = None
                   ) -> list[Backlog]:
    """Depth, age of the oldest waiting entry and given-up count of every queue that exists in the database."""
    now = now or datetime.now(timezone.utc)
    tables = set(inspect(engine).get_table_names())
    found: list[Backlog] = []
    with engine.connect() as connection:
        if OUTBOX.name in tables:
            found += _tool_outbox(connection, now)
        if forward_targets and {"lrs_statement", "lrs_forward_cursor", "lrs_forward_rejected"} <= tables:
            found += _lrs_forwarding(connection, now, forward_targets)
    return found
