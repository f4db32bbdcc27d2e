"""The tool's database: one engine per application, sessions as explicit transactions.

Each package keeps its own SQLAlchemy metadata (`lti_tool.models`, `xapi.storage`, `scorm.models`);
they share one database and one Alembic environment with a migration branch per package.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str) -> Engine:
    """Create an engine with the connection settings that concurrent workers need on each backend."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


class ScopedSessions(sessionmaker):
    """A sessionmaker (callable, `.begin()`) whose sessions use the request's shared connection when it is idle,
    so code written for a plain sessionmaker (the LRS blueprint, the forwarder) gets the scope too."""

    def __init__(self, engine: Engine, shared: Callable[[], Connection | None]) -> None:
        super().__init__(engine, expire_on_commit=False)
        self._shared = shared

    def __call__(self, **local_kw: Any) -> Session:
        if "bind" not in local_kw:
            shared = self._shared()
            if shared is not None:
                local_kw["bind"] = shared
        return super().__call__(**local_kw)


class Database:
    """Engine plus session factory; `transaction()` is the one way code writes.

    Inside a request scope (opened by the application around every request) sessions take turns on one
    connection, checked out at first use: one pool checkout and one liveness ping per request instead of one per
    session, which on PostgreSQL is most of the cost of a short request such as an LTI launch. A session opened
    while another one still holds the shared connection's transaction gets a pooled connection of its own, so
    every session keeps its own commit or rollback exactly as without the scope.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._scope: ContextVar[list[Connection] | None] = ContextVar(f"mirco_db_scope_{id(self)}", default=None)
        self.sessions = ScopedSessions(self.engine, self._idle_shared_connection)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Yield a session; commit on success, roll back everything on any error."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A connection for Core statements (the request's shared one when idle); whatever the caller leaves
        uncommitted is rolled back at the end, as closing a pooled connection would."""
        shared = self._idle_shared_connection()
        if shared is None:
            with self.engine.connect() as connection:
                yield connection
            return
        try:
            yield shared
        finally:
            if shared.in_transaction():
                shared.rollback()

    def open_scope(self) -> Token:
        """Start sharing one connection among the sessions of this context (a request); pass the token to
        `close_scope`."""
        return self._scope.set([])

    def close_scope(self, token: Token) -> None:
        holder = self._scope.get()
        self._scope.reset(token)
        for connection in holder or ():
            connection.close()

    def _idle_shared_connection(self) -> Connection | None:
        holder = self._scope.get()
        if holder is None:
            return None
        if holder and (holder[0].closed or holder[0].invalidated):
            holder.pop().close()  # the database went away mid-request: start again on a fresh connection
        if not holder:
            holder.append(self.engine.connect())
        return None if holder[0].in_transaction() else holder[0]

    def dispose(self) -> None:
        self.engine.dispose()
