"""What every end-to-end scenario must show afterwards: every accepted statement stored once with what was sent,
forwarded at least once and re-sent no more than the scenario's failures allow, each learner's grade delivered
once with the right score, and the outboxes drained."""
from __future__ import annotations

import json
from collections import Counter

from sqlalchemy import create_engine, func, select

from lti_tool.models import OutboxMessage
from tests.e2e.stack import E2E_ACTIVITIES, STATEMENTS_PER_LEARNER, Outcome, Stack, wait_for
from xapi.storage import statement

EXPECTED_GRADE = {"scoreGiven": 25.0, "scoreMaximum": 100, "activityProgress": "InProgress",
                  "gradingProgress": "FullyGraded"}
"""What each learner's quiz earns in the gradebook: 3 of the 6 questions of m1-quiz right (50 %, passed), the final
assessment not taken, so the course (two quizzes) scores 25 % and is not completed."""


def engine_of(stack: Stack):  # type: ignore[no-untyped-def]
    return create_engine(stack.postgres.url.replace("postgresql://", "postgresql+psycopg://"))


def stored_statement_ids(stack: Stack) -> Counter:
    engine = engine_of(stack)
    with engine.connect() as connection:
        ids = Counter(connection.scalars(select(statement.c.id)))
    engine.dispose()
    return ids


def learners_statements(stack: Stack) -> dict[str, str]:
    """The statements the simulated learners sent, as stored: id -> the learner in its actor."""
    engine = engine_of(stack)
    with engine.connect() as connection:
        rows = connection.execute(select(statement.c.id, statement.c.body)
                                  .where(statement.c.object_activity.startswith(E2E_ACTIVITIES))).all()
    engine.dispose()
    return {row.id: json.loads(row.body)["actor"]["account"]["name"] for row in rows}


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


def check_grades(stack: Stack, users: list[str], *, resent_at_most: int = 0) -> None:
    """Each learner's delivered scores are the expected one; a learner has more than one only when a failure made
    the worker send a score again (at most `resent_at_most` in all)."""
    delivered: dict[str, list[dict]] = {}
    for score in stack.platform.scores:
        delivered.setdefault(score["userId"], []).append({k: score[k] for k in EXPECTED_GRADE})
    assert sorted(delivered) == sorted(users), f"no grade for {sorted(set(users) - set(delivered))}"
    wrong = {user: scores for user, scores in delivered.items() if any(s != EXPECTED_GRADE for s in scores)}
    assert not wrong, f"wrong scores delivered: {wrong}"
    extra = sum(len(scores) - 1 for scores in delivered.values())
    assert extra <= resent_at_most, f"{extra} score(s) delivered twice"


def check_nothing_lost(stack: Stack, outcomes: list[Outcome], users: list[str], *,
                       resent_at_most: int = 0) -> None:
    """`resent_at_most`: how many deliveries (statements to the external LRS, scores to the platform) the
    scenario's failures may repeat (the forwarder re-sends at most the POST in flight)."""
    accepted = {sid: o.user for o in outcomes for sid in o.accepted_ids}
    assert len(accepted) == len(users) * STATEMENTS_PER_LEARNER
    assert learners_statements(stack) == accepted, "stored learner statements differ from those accepted"
    assert all(o.quiz_passed for o in outcomes)
    settle(stack)
    stored = stored_statement_ids(stack)
    forwarded = stack.lrs.received
    assert set(forwarded) == set(stored), "stored and forwarded statements differ"
    resent = sum(forwarded.values()) - len(forwarded)
    assert resent <= resent_at_most, f"{resent} statement(s) forwarded twice"
    check_grades(stack, users, resent_at_most=resent_at_most)
