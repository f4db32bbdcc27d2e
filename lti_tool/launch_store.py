"""Short-lived launch state shared by every worker: the database by default, Redis when MIRCO_REDIS_URL is set.

`pop` is atomic, which is what makes OIDC state and nonces single-use across workers and hosts.
"""
from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import delete, select

from lti_tool.db import Database
from lti_tool.models import LaunchStoreEntry, utcnow


class LaunchStore(Protocol):
    def set(self, key: str, value: Any, ttl: int) -> None: ...
    def get(self, key: str) -> Any | None: ...
    def pop(self, key: str) -> Any | None: ...


class DatabaseLaunchStore:
    """Rows with an expiry time; expired rows are ignored at once and deleted now and then."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def set(self, key: str, value: Any, ttl: int) -> None:
        now = utcnow()
        with self.db.transaction() as session:
            if random.random() < 0.01:
                session.execute(delete(LaunchStoreEntry).where(LaunchStoreEntry.expires_at < now))
            session.merge(LaunchStoreEntry(key=key, value=value, expires_at=now + timedelta(seconds=ttl)))

    def get(self, key: str) -> Any | None:
        with self.db.sessions() as session:
            return session.scalar(select(LaunchStoreEntry.value).where(
                LaunchStoreEntry.key == key, LaunchStoreEntry.expires_at > utcnow()))

    def pop(self, key: str) -> Any | None:
        with self.db.transaction() as session:
            value = session.scalar(select(LaunchStoreEntry.value).where(
                LaunchStoreEntry.key == key, LaunchStoreEntry.expires_at > utcnow()))
            if value is None:
                return None
            deleted = session.execute(delete(LaunchStoreEntry).where(LaunchStoreEntry.key == key)).rowcount
            return value if deleted == 1 else None  # another worker took it first


class RedisLaunchStore:
    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url)
        self.prefix = "mirco:lti:"

    def set(self, key: str, value: Any, ttl: int) -> None:
        self.client.set(self.prefix + key, json.dumps(value), ex=ttl)

    def get(self, key: str) -> Any | None:
        raw = self.client.get(self.prefix + key)
        return None if raw is None else json.loads(raw)

    def pop(self, key: str) -> Any | None:
        raw = self.client.getdel(self.prefix + key)
        return None if raw is None else json.loads(raw)


def make_launch_store(db: Database, redis_url: str) -> LaunchStore:
    return RedisLaunchStore(redis_url) if redis_url else DatabaseLaunchStore(db)
