"""Forwarding to external LRSs: the statement log is the outbox, each target keeps a cursor (last seq sent).

Because statements commit in `seq` order (xapi.service serializes writers), a cursor never skips one. A batch
is POSTed; the cursor moves only after the target accepted it. Delivery is therefore at least once: a crash (or a
lost answer, a timeout) between the POST and the commit re-sends that one batch, never more; an xAPI LRS keeps
one copy of a statement sent twice (same id + same content), so the target ends up with each id once.
"""
from __future__ import annotations

import hashlib
import json
import logging
import random
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

import requests
from sqlalchemy import select, text, update
from sqlalchemy.orm import sessionmaker

from xapi import storage
from xapi.clock import now_us
from xapi.lrs import multipart
from xapi.service import attachment_content

log = logging.getLogger("mirco.xapi.forwarder")
BACKOFF_BASE_S = 2.0
BACKOFF_MAX_S = 600.0
PERMANENT = {400, 413}
DEFAULT_BATCH = 50
"""Statements per POST: also the most a crash can make the forwarder send twice (MIRCO_LRS_FORWARD_BATCH)."""


@dataclass(frozen=True)
class Target:
    url: str
    key: str = ""
    secret: str = ""
    version: str = "1.0.3"

    @property
    def statements_url(self) -> str:
        return self.url.rstrip("/") + "/statements"


def targets_from(urls: Sequence[str], keys: Sequence[str], secrets: Sequence[str]) -> list[Target]:
    """MIRCO_LRS_FORWARD_URLS / _KEYS / _SECRETS, matched by position."""
    return [Target(url, keys[i] if i < len(keys) else "", secrets[i] if i < len(secrets) else "")
            for i, url in enumerate(urls)]


def backoff_us(attempts: int) -> int:
    """Exponential backoff with jitter: 2 s, 4 s, 8 s ... at most 10 minutes."""
    delay = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** max(0, attempts - 1))
    return int(delay * random.uniform(0.8, 1.2) * 1_000_000)


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status


def _send(http: requests.Session, target: Target, bodies: list[dict], attachments: dict) -> None:
    headers = {"X-Experience-API-Version": target.version}
    payload = json.dumps(bodies).encode()
    if attachments:
        content_type, payload = multipart.build(payload, attachments)
    else:
        content_type = "application/json"
    headers["Content-Type"] = content_type
    auth = (target.key, target.secret) if target.key else None
    response = http.post(target.statements_url, data=payload, headers=headers, auth=auth, timeout=30)
    if response.status_code not in (200, 204):
        raise _Refused(response.status_code, response.text[:300])


def _outgoing(body: str) -> dict:
    """The statement as forwarded: `stored` and `version` are for the receiving LRS to set."""
    statement = json.loads(body)
    statement.pop("stored", None)
    statement.pop("version", None)
    return statement


def _attachments_of(body: dict, attachments: dict) -> dict:
    """The parts one statement declares (a part no statement declares makes the receiving LRS refuse the POST)."""
    wanted = {a["sha2"].lower() for a in body.get("attachments", [])}
    return {sha2: part for sha2, part in attachments.items() if sha2 in wanted}


def _advance(sessions: sessionmaker, target: Target, from_seq: int, to_seq: int,
             rejected: tuple[str, int, str] | None = None) -> bool:
    """Commit the target's position past `to_seq` (with a refusal for good, if any): a crash after this re-sends
    nothing up to `to_seq`. False when another worker moved the position meanwhile (then this one stops)."""
    fc = storage.forward_cursor
    with sessions.begin() as session:
        moved = session.execute(update(fc).where(fc.c.target == target.url, fc.c.last_seq == from_seq).values(
            last_seq=to_seq, attempts=0, next_attempt_us=0, last_error=None)).rowcount == 1
        if moved and rejected:
            sid, status, message = rejected
            session.execute(storage.forward_rejected.insert().values(
                target=target.url, statement_id=sid, status=status, message=message[:500], at_us=now_us()))
    return moved


def _one_by_one(sessions: sessionmaker, http: requests.Session, target: Target, batch: list[tuple[int, dict]],
                attachments: dict, last_seq: int) -> int:
    """After a permanent refusal of the batch: send each statement alone, committing the position after each, so
    one bad statement cannot block the others and a crash re-sends at most the one in flight."""
    delivered = 0
    for seq, body in batch:
        rejected = None
        try:
            _send(http, target, [body], _attachments_of(body, attachments))
            delivered += 1
        except _Refused as exc:
            if exc.status == 409:  # already there: delivered before
                delivered += 1
            elif exc.status in PERMANENT:
                rejected = (body["id"], exc.status, str(exc))
            else:
                raise
        if not _advance(sessions, target, last_seq, seq, rejected):
            break
        last_seq = seq
    return delivered


@contextmanager
def _sending_alone(sessions: sessionmaker, target: Target) -> Iterator[bool]:
    """On PostgreSQL, whether this worker holds the target's advisory lock (held on a connection of its own for
    the whole send): a second worker skips the target instead of sending the same POST, and the lock dies with
    the connection, so a killed worker blocks nobody. SQLite installations run one worker on one host."""
    engine = sessions.kw["bind"]
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = int.from_bytes(hashlib.sha256(f"mirco-forward:{target.url}".encode()).digest()[:8], "big", signed=True)
    with engine.connect() as connection:
        alone = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar())
        connection.commit()
        try:
            yield alone
        finally:
            if alone:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()


def drain_target(sessions: sessionmaker, target: Target, *, batch_size: int = DEFAULT_BATCH,
                 http: requests.Session | None = None) -> int:
    """Send the next batch to one target if it is due; return how many statements it accepted.

    At least once, never more than the unit in flight again: the position is committed after each accepted POST
    (`batch_size` statements, or one when a batch is split), so a crash or a lost answer re-sends only the
    statements of the one POST whose answer did not arrive (the receiving LRS keeps one copy per id).
    """
    with _sending_alone(sessions, target) as alone:
        return _drain(sessions, target, batch_size, http) if alone else 0


def _drain(sessions: sessionmaker, target: Target, batch_size: int, http: requests.Session | None) -> int:
    fc, st = storage.forward_cursor, storage.statement
    with sessions.begin() as session:
        cursor = session.execute(select(fc).where(fc.c.target == target.url)).first()
        if cursor is None:
            session.execute(fc.insert().values(target=target.url, last_seq=0, attempts=0, next_attempt_us=0))
            last_seq, attempts, due = 0, 0, 0
        else:
            last_seq, attempts, due = cursor.last_seq, cursor.attempts, cursor.next_attempt_us
    if due > now_us():
        return 0
    with sessions() as session:
        rows = session.execute(select(st.c.seq, st.c.body, st.c.has_attachments).where(st.c.seq > last_seq)
                               .order_by(st.c.seq).limit(batch_size)).all()
        batch = [(r.seq, _outgoing(r.body)) for r in rows]
        hashes = [a["sha2"].lower() for _, body in batch for a in body.get("attachments", []) if "fileUrl" not in a]
        attachments = attachment_content(session, hashes) if hashes else {}
    if not batch:
        return 0
    http = http or requests.Session()
    try:
        try:
            _send(http, target, [body for _, body in batch], attachments)
        except _Refused as exc:
            if not (exc.status == 409 or exc.status in PERMANENT):
                raise
            return _one_by_one(sessions, http, target, batch, attachments, last_seq)
        _advance(sessions, target, last_seq, batch[-1][0])
        return len(batch)
    except (_Refused, requests.RequestException) as exc:
        log.warning("forwarding to %s failed (attempt %d): %s", target.url, attempts + 1, exc)
        with sessions.begin() as session:
            session.execute(update(fc).where(fc.c.target == target.url).values(
                attempts=attempts + 1, next_attempt_us=now_us() + backoff_us(attempts + 1),
                last_error=str(exc)[:500]))
        return 0


def drain_once(sessions: sessionmaker, targets: Iterable[Target], *, batch_size: int = DEFAULT_BATCH,
               http: requests.Session | None = None) -> int:
    """One pass over every target; the number of statements delivered (0 = nothing due or nothing new)."""
    return sum(drain_target(sessions, t, batch_size=batch_size, http=http) for t in targets)
