"""State, activity profile and agent profile documents: optimistic concurrency by ETag, JSON merge on POST."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from xapi import storage
from xapi.clock import now_us
from xapi.errors import BadRequest, Conflict, PreconditionFailed
from xapi.jsontext import loads

KINDS = ("state", "activity_profile", "agent_profile")


@dataclass(frozen=True)
class DocumentKey:
    """Where a document lives; unused parts are empty strings (so the unique key works on every database)."""

    kind: str
    activity_id: str = ""
    agent_key: str = ""
    registration: str = ""

    def where(self, table=storage.document):  # type: ignore[no-untyped-def]
        return [table.c.kind == self.kind, table.c.activity_id == self.activity_id,
                table.c.agent_key == self.agent_key, table.c.registration == self.registration]


@dataclass(frozen=True)
class Document:
    content_type: str
    content: bytes
    etag: str
    updated_us: int


@dataclass(frozen=True)
class Preconditions:
    """If-Match / If-None-Match as sent (None when absent); `require_for_overwrite` makes an unconditional
    overwrite a 409, `require_for_create` an unconditional creation a 400."""

    if_match: str | None = None
    if_none_match: str | None = None
    require_for_overwrite: bool = False
    require_for_create: bool = False


def is_json(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() == "application/json"


def etag_of(content: bytes) -> str:
    return hashlib.sha1(content).hexdigest()


def _tags(header: str) -> set[str]:
    return {t.strip().removeprefix("W/").strip('"') for t in header.split(",")}


def check_preconditions(existing: Document | None, pre: Preconditions) -> None:
    if pre.if_match is not None:
        tags = _tags(pre.if_match)
        if existing is None or ("*" not in tags and existing.etag not in tags):
            raise PreconditionFailed("If-Match does not match the document's current ETag")
    if pre.if_none_match is not None and existing is not None:
        tags = _tags(pre.if_none_match)
        if "*" in tags or existing.etag in tags:
            raise PreconditionFailed("If-None-Match: the document already exists")
    unconditional = pre.if_match is None and pre.if_none_match is None
    if existing is not None and pre.require_for_overwrite and unconditional:
        raise Conflict("the document exists: send If-Match with its ETag (or If-None-Match: *) to change it")
    if existing is None and pre.require_for_create and unconditional:
        raise BadRequest("send If-None-Match: * to create this document (or If-Match with the ETag of the one "
                         "you mean to replace)")


def get(session: Session, key: DocumentKey, doc_id: str) -> Document | None:
    t = storage.document
    row = session.execute(select(t.c.content_type, t.c.content, t.c.etag, t.c.updated_us)
                          .where(*key.where(), t.c.doc_id == doc_id)).first()
    return Document(row.content_type, bytes(row.content), row.etag, row.updated_us) if row else None


def list_ids(session: Session, key: DocumentKey, since_us: int | None = None) -> list[str]:
    t = storage.document
    stmt = select(t.c.doc_id).where(*key.where()).order_by(t.c.doc_id)
    if since_us is not None:
        stmt = stmt.where(t.c.updated_us > since_us)
    return list(session.execute(stmt).scalars())


def put(session: Session, key: DocumentKey, doc_id: str, content_type: str, content: bytes,
        pre: Preconditions, *, merge: bool = False) -> Document:
    """Create or replace (PUT), or merge JSON objects (POST, `merge=True`)."""
    existing = get(session, key, doc_id)
    check_preconditions(existing, Preconditions(pre.if_match, pre.if_none_match,
                                                pre.require_for_overwrite and not merge,
                                                pre.require_for_create and not merge))
    if merge and existing is not None:  # POST to a missing document stores it as it is, like PUT
        content_type, content = _merged(existing, content_type, content)
    document = Document(content_type, content, etag_of(content), now_us())
    values = {"content_type": content_type, "content": content, "etag": document.etag,
              "updated_us": document.updated_us}
    t = storage.document
    if existing is None:
        session.execute(t.insert().values(kind=key.kind, activity_id=key.activity_id, agent_key=key.agent_key,
                                          registration=key.registration, doc_id=doc_id, **values))
    else:
        session.execute(update(t).where(*key.where(), t.c.doc_id == doc_id).values(**values))
    return document


def _json_object(content: bytes, what: str) -> dict:
    value = loads(content, what)
    if not isinstance(value, dict):
        raise BadRequest(f"{what}: must be a JSON object to be merged")
    return value


def _merged(existing: Document, content_type: str, content: bytes) -> tuple[str, bytes]:
    if not is_json(existing.content_type) or not is_json(content_type):
        raise BadRequest("POST merges JSON objects only: the stored and the posted document must be "
                         "application/json")
    merged = {**_json_object(existing.content, "stored document"), **_json_object(content, "posted document")}
    return "application/json", json.dumps(merged, ensure_ascii=False).encode()


def remove(session: Session, key: DocumentKey, doc_id: str | None, pre: Preconditions) -> None:
    """Delete one document (by id) or all documents under the key (state only)."""
    t = storage.document
    if doc_id is not None:
        check_preconditions(get(session, key, doc_id), Preconditions(pre.if_match, pre.if_none_match))
        session.execute(delete(t).where(*key.where(), t.c.doc_id == doc_id))
        return
    where = key.where() if key.registration else key.where()[:3]  # no registration: every registration
    session.execute(delete(t).where(*where))


def remove_for_agent(session: Session, agent_key: str) -> int:
    """GDPR erasure: delete every state and agent profile document of the agent; return the count."""
    t = storage.document
    return session.execute(delete(t).where(t.c.agent_key == agent_key)).rowcount or 0
