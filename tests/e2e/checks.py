"""What every end-to-end scenario must show afterwards: nothing accepted is lost, nothing is doubled, every
grade arrives and the outboxes drain."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import create_engine, func, select

from lti_tool.models import OutboxMessage
from tests.e2e.stack import STATEMENTS_PER_LEARNER, Outcome, Stack, wait_for
from xapi.storage import statement


def engine_of(stack: Stack):  # type: ignore[no-untyped-def]
    return create_engine(stack.postgres.url.replace("postgresql://", "postgresql+psycopg://"))


def stored_statement_ids(stack: Stack) -> Counter:
    engine = engine_of(stack)
    with engine.connect() as connection:
        ids = Counter(connection.scalars(select(statement.c.id)))
    engine.dispose()
    return ids


def outbox_waiting(stack: Stack) -> int:
    engine = engine_of(stack)
    with engine.connect() as connection:
        waiting = connection.scalar(select(func.count()).select_from(OutboxMessage.__table__)
                                    .where(OutboxMessage.sent_at.is_(None)))
    engine.dispose()
    return waiting


def settle(stack: Stack, timeout: float = 120) -> None:
    """Wait until the worker has delivered every grade and forwarded every stored statement."""
    def drained() -> bool:
        return outbox_waiting(stack) == 0 and set(stack.lrs.received) >= set(stored_statement_ids(stack))
    wait_for(drained, timeout, "outbox drain")


def check_nothing_lost(stack: Stack, outcomes: list[Outcome], users: list[str]) -> None:
    stored = stored_statement_ids(stack)
    accepted = [sid for o in outcomes for sid in o.accepted_ids]
    assert len(accepted) == len(users) * STATEMENTS_PER_LEARNER
    assert all(stored[sid] == 1 for sid in accepted), "an accepted statement is missing"
    assert max(stored.values()) == 1
    settle(stack)
    forwarded = stack.lrs.received
    assert set(forwarded) == set(stored), "stored and forwarded statements differ"
    assert max(forwarded.values()) == 1, "a statement was forwarded twice"
    graded = {score["userId"] for score in stack.platform.scores}
    assert graded == set(users), f"no grade for {sorted(set(users) - graded)}"
    assert all(o.quiz_passed for o in outcomes)
