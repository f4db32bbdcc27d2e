"""One-time registration URLs: the only way in to dynamic registration. An administrator creates one with
`mirco platforms registration-url` and pastes it into the platform; it works once, until it expires. The
database keeps only the SHA-256 of its secret."""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lti_tool.models import LtiRegistrationToken, utcnow

TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,100}")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def create_token(session: Session, hours: int) -> tuple[str, datetime]:
    """A new secret (shown once, to the administrator) and when it expires."""
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(hours=hours)
    session.add(LtiRegistrationToken(token_hash=_digest(token), expires_at=expires_at))
    session.flush()
    return token, expires_at


def claim_token(session: Session, token: str) -> int | None:
    """Mark an unused, unexpired token used and return its id; None for unknown, used, expired or malformed.
    One conditional UPDATE, so two requests racing with the same URL cannot both win."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    now = utcnow()
    digest = _digest(token)
    claimed = session.execute(
        update(LtiRegistrationToken)
        .where(LtiRegistrationToken.token_hash == digest, LtiRegistrationToken.used_at.is_(None),
               LtiRegistrationToken.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return None
    return session.scalar(select(LtiRegistrationToken.id).where(LtiRegistrationToken.token_hash == digest))


def release_token(session: Session, token_id: int) -> None:
    """Give a claimed token back after a registration that changed nothing, so the administrator can retry."""
    session.execute(update(LtiRegistrationToken).where(LtiRegistrationToken.id == token_id)
                    .values(used_at=None).execution_options(synchronize_session=False))


def purge_spent_tokens(session: Session) -> int:
    """Delete used and expired tokens; they are worth nothing any more."""
    result = session.execute(
        LtiRegistrationToken.__table__.delete().where(
            (LtiRegistrationToken.used_at.is_not(None)) | (LtiRegistrationToken.expires_at <= utcnow())))
    return result.rowcount or 0
