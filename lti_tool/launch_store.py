"""Short-lived launch state shared by every worker: the database by default, Redis when MIRCO_REDIS_URL is set.

`pop` is atomic, which is what makes OIDC state and nonces single-use across workers and hosts.
"""
from __future__ import annotations

import json
import random
from datetime import timedelta, timezone
from typing import Any, Protocol

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from flask import Flask, current_app

from lti_tool.db import Database
from lti_tool.models import LaunchStoreEntry, utcnow
from lti_tool.state import app_state


class LaunchStore(Protocol):
    def set(self, key: str, value: Any, ttl: int) -> None: ...
    def add(self, key: str, value: Any, ttl: int) -> bool: ...
    def get(self, key: str) -> Any | None: ...
    def pop(self, key: str) -> Any | None: ...


class DatabaseLaunchStore:
    """Rows with an expiry time; expired rows are ignored at once and deleted now and then.

    One statement per operation: an upsert to set, DELETE ... RETURNING to pop (PostgreSQL and SQLite >= 3.35),
    so two workers popping the same nonce cannot both get it.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self.table = LaunchStoreEntry.__table__
        dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
        self.insert = dialect.insert

    def set(self, key: str, value: Any, ttl: int) -> None:
        now = utcnow()
        row = {"key": key, "value": value, "expires_at": now + timedelta(seconds=ttl)}
        statement = self.insert(self.table).values(row)
        statement = statement.on_conflict_do_update(index_elements=["key"], set_={
            "value": statement.excluded.value, "expires_at": statement.excluded.expires_at})
        with self.db.connection() as connection, connection.begin():
            if random.random() < 0.01:
                connection.execute(delete(self.table).where(self.table.c.expires_at < now))
            connection.execute(statement)

    def add(self, key: str, value: Any, ttl: int) -> bool:
        """Set `key` only if no live value holds it; True when this call set it (atomic: INSERT ... ON CONFLICT)."""
        now = utcnow()
        row = {"key": key, "value": value, "expires_at": now + timedelta(seconds=ttl)}
        statement = self.insert(self.table).values(row)
        statement = statement.on_conflict_do_update(
            index_elements=["key"], set_={"value": statement.excluded.value,
                                          "expires_at": statement.excluded.expires_at},
            where=self.table.c.expires_at <= now).returning(self.table.c.key)
        with self.db.connection() as connection, connection.begin():
            if random.random() < 0.01:
                connection.execute(delete(self.table).where(self.table.c.expires_at < now))
            return connection.execute(statement).first() is not None

    def get(self, key: str) -> Any | None:
        with self.db.connection() as connection:
            return connection.scalar(select(self.table.c.value).where(
                self.table.c.key == key, self.table.c.expires_at > utcnow()))

    def pop(self, key: str) -> Any | None:
        with self.db.connection() as connection, connection.begin():
            row = connection.execute(delete(self.table).where(self.table.c.key == key)
                                     .returning(self.table.c.value, self.table.c.expires_at)).first()
        if row is None:
            return None
        expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=timezone.utc)
        return row.value if expires > utcnow() else None


class RedisLaunchStore:
    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url)
        self.prefix = "mirco:lti:"

    def set(self, key: str, value: Any, ttl: int) -> None:
        self.client.set(self.prefix + key, json.dumps(value), ex=ttl)

    def add(self, key: str, value: Any, ttl: int) -> bool:
        return bool(self.client.set(self.prefix + key, json.dumps(value), ex=ttl, nx=True))

    def get(self, key: str) -> Any | None:
        raw = self.client.get(self.prefix + key)
        return None if raw is None else json.loads(raw)

    def pop(self, key: str) -> Any | None:
        raw = self.client.getdel(self.prefix + key)
        return None if raw is None else json.loads(raw)


def make_launch_store(db: Database, redis_url: str) -> LaunchStore:
    return RedisLaunchStore(redis_url) if redis_url else DatabaseLaunchStore(db)


def launch_store(app: Flask | None = None) -> LaunchStore:
    """The application's store (database or Redis), created once per application and shared by its threads."""
    ext = (app or current_app).extensions
    if "mirco.launch_store" not in ext:
        state = app_state(app)
        ext["mirco.launch_store"] = make_launch_store(state.db, state.settings.redis_url)
    return ext["mirco.launch_store"]
