"""LRS clients: HTTP Basic credentials with xAPI scopes. Secrets are random, so a SHA-256 hash is enough."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from xapi import storage
from xapi.clock import now_us
from xapi.errors import BadRequest

SCOPES = ("statements/write", "statements/read", "statements/read/mine", "state", "profile", "all/read", "all")


@dataclass(frozen=True)
class Client:
    name: str
    key: str
    scopes: frozenset[str]

    def allows(self, *needed: str) -> bool:
        """True when the client holds `all` or any of the `needed` scopes."""
        return "all" in self.scopes or any(s in self.scopes for s in needed)

    def authority(self, home_page: str) -> dict:
        """The Agent the LRS writes as `authority` on statements this client sends."""
        return {"objectType": "Agent", "name": self.name, "account": {"homePage": home_page, "name": self.key}}


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_scopes(scopes: list[str]) -> frozenset[str]:
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise BadRequest(f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(SCOPES)}")
    if not scopes:
        raise BadRequest(f"give at least one scope of: {', '.join(SCOPES)}")
    return frozenset(scopes)


def add_client(session: Session, name: str, scopes: list[str], *, key: str | None = None,
               secret: str | None = None) -> tuple[str, str]:
    """Create a client; return (key, secret). The secret is shown once and only its hash is kept."""
    checked = check_scopes(scopes)
    if not name.strip() or len(name) > 200:
        raise BadRequest("client name: 1 to 200 characters")
    key = key or secrets.token_hex(16)
    secret = secret or secrets.token_urlsafe(32)
    if session.execute(select(storage.client.c.pk).where(storage.client.c.key == key)).first():
        raise BadRequest(f"a client with key {key!r} already exists")
    session.execute(storage.client.insert().values(
        name=name, key=key, secret_hash=hash_secret(secret), scopes=" ".join(sorted(checked)),
        created_us=now_us(), disabled=False))
    return key, secret


def ensure_client(session: Session, name: str, key: str, secret: str, scopes: list[str]) -> bool:
    """Create the client unless its key exists (the seed credential); True when created."""
    if session.execute(select(storage.client.c.pk).where(storage.client.c.key == key)).first():
        return False
    add_client(session, name, scopes, key=key, secret=secret)
    return True


def authenticate(session: Session, key: str, secret: str) -> Client | None:
    row = session.execute(select(storage.client).where(storage.client.c.key == key)).first()
    if row is None or row.disabled or not hmac.compare_digest(row.secret_hash, hash_secret(secret)):
        return None
    return Client(row.name, row.key, frozenset(row.scopes.split()))


def is_disabled(session: Session, key: str) -> bool:
    """True when the key is recorded and revoked: revocation also binds a key given in the settings (the seed)."""
    return bool(session.execute(select(storage.client.c.disabled).where(storage.client.c.key == key)).scalar())


def disable_client(session: Session, key: str) -> bool:
    """Revoke a credential: its requests get 401 from now on; its statements stay. False for an unknown key."""
    found = session.execute(update(storage.client).where(storage.client.c.key == key).values(disabled=True))
    return found.rowcount > 0


def list_clients(session: Session) -> list[tuple[str, str, str, bool]]:
    """(name, key, scopes, disabled) of every client."""
    return [(r.name, r.key, r.scopes, r.disabled)
            for r in session.execute(select(storage.client).order_by(storage.client.c.pk))]
