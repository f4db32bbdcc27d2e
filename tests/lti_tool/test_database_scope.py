"""One connection per request: sessions opened one after another share it; a session opened while another holds
its transaction gets its own, so every session still commits or rolls back exactly its own work."""
from __future__ import annotations

import pytest
from sqlalchemy import event, select

from lti_tool.db import Database
from lti_tool.models import LtiPlatform


def _platform(issuer: str) -> LtiPlatform:
    return LtiPlatform(issuer=issuer, client_id="c", name=issuer, auth_login_url=issuer + "/auth",
                       auth_token_url=issuer + "/token", key_set_url=issuer + "/jwks", key_set=None)


@pytest.fixture
def db(database_url: str):
    database = Database(database_url)
    checkouts: list[int] = []
    event.listen(database.engine, "checkout", lambda *_: checkouts.append(1))
    database.checkouts = checkouts  # type: ignore[attr-defined]
    yield database
    with database.transaction() as session:
        for row in session.scalars(select(LtiPlatform).where(LtiPlatform.issuer.like("https://scope.%"))):
            session.delete(row)
    database.dispose()


def _issuers(db: Database) -> set[str]:
    with db.sessions() as session:
        return set(session.scalars(select(LtiPlatform.issuer).where(LtiPlatform.issuer.like("https://scope.%"))))


def test_sessions_in_a_scope_share_one_checkout(db: Database) -> None:
    token = db.open_scope()
    try:
        with db.transaction() as session:
            session.add(_platform("https://scope.one"))
        with db.sessions.begin() as session:  # the sessionmaker API, as the LRS and its forwarder use it
            assert session.scalar(select(LtiPlatform.name).where(LtiPlatform.issuer == "https://scope.one"))
        with db.connection() as connection:
            assert connection.scalar(select(LtiPlatform.id).where(LtiPlatform.issuer == "https://scope.one"))
    finally:
        db.close_scope(token)
    assert len(db.checkouts) == 1  # type: ignore[attr-defined]
    assert _issuers(db) == {"https://scope.one"}  # committed, visible from outside the scope


def test_a_nested_transaction_commits_on_its_own(db: Database) -> None:
    token = db.open_scope()
    try:
        with pytest.raises(RuntimeError):
            with db.transaction() as outer:
                outer.scalar(select(LtiPlatform.id))  # the outer session now holds the shared connection
                with db.transaction() as inner:  # so this one gets a connection of its own
                    inner.add(_platform("https://scope.inner"))
                outer.add(_platform("https://scope.outer"))
                outer.flush()
                raise RuntimeError("the outer work fails after the inner one committed")
    finally:
        db.close_scope(token)
    assert len(db.checkouts) == 2  # type: ignore[attr-defined]
    assert _issuers(db) == {"https://scope.inner"}


def test_uncommitted_core_work_is_rolled_back_and_the_connection_stays_usable(db: Database) -> None:
    token = db.open_scope()
    try:
        with db.connection() as connection:
            connection.execute(LtiPlatform.__table__.insert().values(
                issuer="https://scope.lost", client_id="c", name="lost", auth_login_url="x", auth_token_url="x",
                key_set_url="x"))
        with db.transaction() as session:
            session.add(_platform("https://scope.kept"))
    finally:
        db.close_scope(token)
    assert len(db.checkouts) == 1  # type: ignore[attr-defined]
    assert _issuers(db) == {"https://scope.kept"}
