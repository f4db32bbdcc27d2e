"""The course's members for the reports, read from the platform (NRPS) when a trainer opens them.

A report counts everyone enrolled, not only who launched: the members are read again when the last read is older
than MIRCO_ROSTER_MAX_AGE_SECONDS. The read runs in a thread of its own; the page waits for it at most
MIRCO_ROSTER_WAIT_SECONDS and otherwise shows the last known members and says a read is under way. One read per
course at a time in a process; a failed read is retried only after the same lifetime (a platform that is down
must not slow every page).
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import Flask
from sqlalchemy import select

from lti_tool.lti.services import ServiceUnavailable, sync_roster
from lti_tool.models import LtiContext, utcnow
from lti_tool.state import app_state

log = logging.getLogger("mirco.roster")


@dataclass(frozen=True)
class RosterStatus:
    """What the overview says about the members it counts."""

    offered: bool
    """The platform offers the roster service (the launch carried a context_memberships_url)."""
    read_at: datetime | None
    """When the members were last read from the platform (UTC); None: never."""
    reading: bool = False
    """A read is still under way: the page did not wait for it to finish."""
    error: str | None = None
    """Why the last read failed, when it did."""


@dataclass
class _Read:
    thread: threading.Thread
    failed_at: datetime | None = None
    error: str | None = None


_lock = threading.Lock()


def _reads(app: Flask) -> dict[int, _Read]:
    """Context pk -> the last read this process started for the application."""
    return app.extensions.setdefault("mirco.roster_reads", {})


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite returns timezone-aware columns without their zone; they are stored in UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment is not None and moment.tzinfo is None else moment


def _stored(app: Flask, context_pk: int) -> tuple[bool, datetime | None]:
    with app_state(app).db.sessions() as session:
        row = session.execute(select(LtiContext.memberships_url, LtiContext.roster_read_at)
                              .where(LtiContext.id == context_pk)).first()
    return (bool(row and row.memberships_url), _aware(row.roster_read_at) if row else None)


def fresh_roster(app: Flask, context_pk: int) -> RosterStatus:
    """Read the members again when the last read is too old (waiting a short while for it); the roster's status."""
    settings = app_state(app).settings
    offered, read_at = _stored(app, context_pk)
    if not offered:
        return RosterStatus(offered=False, read_at=read_at)
    lifetime = timedelta(seconds=settings.roster_max_age_seconds)
    if read_at is not None and utcnow() - read_at < lifetime:
        return RosterStatus(offered=True, read_at=read_at)
    read = _start_read(app, context_pk, lifetime)
    read.thread.join(settings.roster_wait_seconds)
    _, read_at = _stored(app, context_pk)
    return RosterStatus(offered=True, read_at=read_at, reading=read.thread.is_alive(), error=read.error)


def _start_read(app: Flask, context_pk: int, lifetime: timedelta) -> _Read:
    """The read under way for this course, else a new one (unless the last one failed within `lifetime`)."""
    reads = _reads(app)
    with _lock:
        last = reads.get(context_pk)
        if last is not None and (last.thread.is_alive() or
                                 (last.failed_at is not None and utcnow() - last.failed_at < lifetime)):
            return last
        read = _Read(threading.Thread(target=lambda: _read(app, context_pk, read), daemon=True,
                                      name=f"roster-{context_pk}"))
        reads[context_pk] = read
        read.thread.start()
        return read


def _read(app: Flask, context_pk: int, read: _Read) -> None:
    try:
        with app.app_context():
            count = sync_roster(app, context_pk)
        log.info("roster of context %s read: %d members", context_pk, count)
    except ServiceUnavailable as exc:
        read.failed_at, read.error = utcnow(), str(exc)
        log.warning("roster of context %s not read: %s", context_pk, exc)
    except Exception as exc:  # noqa: BLE001 - a background read must never die silently
        read.failed_at, read.error = utcnow(), type(exc).__name__
        log.exception("roster of context %s not read", context_pk)


def wait_for_reads(app: Flask, timeout: float = 10.0) -> None:
    """Wait for the application's reads under way in this process (tests, and a clean shutdown)."""
    with _lock:
        threads = [read.thread for read in _reads(app).values()]
    for thread in threads:
        thread.join(timeout)
