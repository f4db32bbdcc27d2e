"""Health checks shared by `/readyz` and `mirco doctor`: each says what is wrong and how to fix it."""
from __future__ import annotations

from dataclasses import dataclass

import redis
from alembic.util import CommandError
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from lti_tool.logs import redact
from lti_tool.migrate import pending_heads


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def reason_of(exc: BaseException) -> str:
    """First line of an error, without secrets (a driver message may quote a URL)."""
    lines = str(exc).strip().splitlines() or [type(exc).__name__]
    return redact(lines[0])[:300]


def check_database(engine: Engine) -> Check:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return Check("database", False, f"cannot connect ({engine.dialect.name}): {reason_of(exc.orig or exc)}",
                     "check MIRCO_DATABASE_URL and that the database server is running and reachable")
    return Check("database", True, f"{engine.dialect.name} reachable")


def check_migrations(engine: Engine) -> Check:
    try:
        pending = pending_heads(engine)
    except CommandError as exc:  # the database carries a revision this code does not know
        return Check("migrations", False, f"database schema is from another version: {reason_of(exc)}",
                     "install the release that matches the database, or restore the backup taken before upgrading")
    except SQLAlchemyError as exc:
        return Check("migrations", False, f"cannot read the schema version: {reason_of(exc)}",
                     "fix the database connection first")
    if pending:
        return Check("migrations", False, f"not applied: {', '.join(sorted(pending))}",
                     "run `mirco init` (applies migrations; safe to run again)")
    return Check("migrations", True, "schema up to date")


def check_redis(url: str) -> Check:
    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except (redis.RedisError, ValueError) as exc:
        return Check("redis", False, f"no answer: {reason_of(exc)}",
                     "check MIRCO_REDIS_URL and that Redis is running (or unset it to keep launch data in the database)")
    finally:
        client.close()
    return Check("redis", True, "answers PING")


def readiness(engine: Engine, redis_url: str) -> list[Check]:
    """What a load balancer needs before sending traffic: database, schema up to date, Redis when configured."""
    database = check_database(engine)
    checks = [database, check_migrations(engine) if database.ok else
              Check("migrations", False, "not checked: no database", database.fix)]
    if redis_url:
        checks.append(check_redis(redis_url))
    return checks
