"""Launch rows past their retention are deleted by `mirco worker`: a launch is a browser's key to the tool for
a while, not a record to keep (progress, scores and statements live in their own tables and stay)."""
from __future__ import annotations

import time
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lti_tool.models import LtiLaunch, utcnow
from lti_tool.state import app_state

PURGE_BATCH = 5000
PURGE_EVERY_SECONDS = 3600.0
_next_purge = 0.0


def purge_launches(session: Session, created_before: datetime, limit: int = PURGE_BATCH) -> int:
    """Delete up to `limit` launches created before the cut-off (bounded, so no transaction grows large)."""
    ids = session.scalars(select(LtiLaunch.id).where(LtiLaunch.created_at < created_before).limit(limit)).all()
    if ids:
        session.execute(delete(LtiLaunch).where(LtiLaunch.id.in_(ids)))
    return len(ids)


def purge_expired_launches(app: Flask) -> int:
    """Worker drain: once an hour, one batch per pass until no expired launch is left."""
    global _next_purge
    if time.monotonic() < _next_purge:
        return 0
    state = app_state(app)
    with state.db.transaction() as session:
        deleted = purge_launches(session, utcnow() - timedelta(days=state.settings.launch_retention_days))
    if deleted < PURGE_BATCH:
        _next_purge = time.monotonic() + PURGE_EVERY_SECONDS
    return deleted
