"""The tool's RSA signing keys: private halves as 0600 files in `Settings.keys_path`, public halves in the database.

Every worker and host reads the same keys; rotation keeps the previous public key in the JWKS until the grace
period ends, so platforms that cached it still verify messages signed just before the rotation.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.models import LtiKey, utcnow


class SigningKeyUnavailable(RuntimeError):
    """The active key cannot be used (file missing or unreadable); the message says which file."""


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_pem: str
    public_pem: str


def _new_rsa_pair() -> tuple[str, str]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()).decode()
    public_pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private_pem, public_pem


def kid_of(public_pem: str) -> str:
    """RFC 7638 thumbprint: the same kid pylti1p3 derives from the public key."""
    return JWK.from_pem(public_pem.encode()).thumbprint()


def public_jwk(public_pem: str) -> dict:
    jwk = json.loads(JWK.from_pem(public_pem.encode()).export_public())
    jwk.update(kid=kid_of(public_pem), alg="RS256", use="sig")
    return jwk


def _write_private(keys_path: Path, kid: str, private_pem: str) -> None:
    keys_path.mkdir(parents=True, exist_ok=True)
    os.chmod(keys_path, 0o700)
    fd = os.open(keys_path / f"{kid}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(private_pem)


@lru_cache(maxsize=16)
def _read_private(path: Path, mtime_ns: int) -> str:
    return path.read_text(encoding="ascii")


def create_key(session: Session, keys_path: Path) -> LtiKey:
    private_pem, public_pem = _new_rsa_pair()
    kid = kid_of(public_pem)
    _write_private(keys_path, kid, private_pem)
    key = LtiKey(kid=kid, public_pem=public_pem, created_at=utcnow())
    session.add(key)
    session.flush()
    return key


def active_row(session: Session) -> LtiKey | None:
    return session.scalars(select(LtiKey).where(LtiKey.retired_at.is_(None))
                           .order_by(LtiKey.created_at.desc())).first()


def ensure_key(session: Session, keys_path: Path) -> LtiKey:
    """The active key, created when there is none (used by `mirco init`)."""
    return active_row(session) or create_key(session, keys_path)


def rotate(session: Session, keys_path: Path, grace_days: int) -> tuple[LtiKey, list[str]]:
    """Make a new key active; retire the old one until the grace period ends; delete expired ones.

    Returns the new key and the kids deleted now.
    """
    now = utcnow()
    for old in session.scalars(select(LtiKey).where(LtiKey.retired_at.is_(None))):
        old.retired_at = now
        old.expires_at = now + timedelta(days=grace_days)
    deleted = purge_expired(session, keys_path)
    session.flush()
    return create_key(session, keys_path), deleted


def _expired(key: LtiKey, now: datetime) -> bool:
    """SQLite returns naive datetimes; every stored time is UTC."""
    expires = key.expires_at
    if expires is None:
        return False
    return (expires if expires.tzinfo else expires.replace(tzinfo=timezone.utc)) <= now


def purge_expired(session: Session, keys_path: Path) -> list[str]:
    now = utcnow()
    deleted = []
    for key in session.scalars(select(LtiKey).where(LtiKey.expires_at.is_not(None))):
        if _expired(key, now):
            (keys_path / f"{key.kid}.pem").unlink(missing_ok=True)
            session.delete(key)
            deleted.append(key.kid)
    return deleted


def signing_key(session: Session, keys_path: Path) -> SigningKey:
    """The active key with its private half, read from its 0600 file (cached per file version)."""
    row = active_row(session)
    if row is None:
        raise SigningKeyUnavailable("the tool has no signing key yet; run `mirco init`")
    path = keys_path / f"{row.kid}.pem"
    try:
        private_pem = _read_private(path, path.stat().st_mtime_ns)
    except OSError as exc:
        raise SigningKeyUnavailable(f"private key file {path} cannot be read: {exc.strerror}") from None
    return SigningKey(kid=row.kid, private_pem=private_pem, public_pem=row.public_pem)


def jwks(session: Session) -> dict:
    """Public keys platforms may use to verify the tool: the active one and those still in their grace period."""
    now = utcnow()
    keys = []
    for key in session.scalars(select(LtiKey).order_by(LtiKey.created_at.desc())):
        if not _expired(key, now):
            keys.append(public_jwk(key.public_pem))
    return {"keys": keys}
