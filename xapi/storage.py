"""Tables of the embedded LRS (all prefixed `lrs_`), on their own MetaData and Alembic branch `xapi`.

Statements keep their JSON as accepted plus indexed columns; `lrs_statement_index` holds one row per
(agent | activity | verb | registration) a statement can be found by, so every query is an index range scan.
Rows are only ever inserted by the statement transaction (never updated), so concurrent writers cannot deadlock.
"""
from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, Column, Index, Integer, LargeBinary, MetaData, String,
                        Table, Text, UniqueConstraint)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Same constraint naming as lti_tool.models.NAMING (xapi imports nothing of ours, so it is repeated here)."""

metadata = MetaData(naming_convention=NAMING)

SeqType = BigInteger().with_variant(Integer(), "sqlite")
"""64-bit on PostgreSQL; INTEGER on SQLite, where only `INTEGER PRIMARY KEY` is the auto-increasing rowid."""

statement = Table(
    "lrs_statement", metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True,
           comment="strictly increasing in commit order: the paging cursor"),
    Column("id", String(36), nullable=False, unique=True),
    Column("actor_key", Text, nullable=False),
    Column("verb_id", Text, nullable=False),
    Column("object_activity", Text),
    Column("object_ref", String(36), comment="StatementRef target id (voiding and statement references)"),
    Column("registration", String(36)),
    Column("stored_us", BigInteger, nullable=False, comment="stored, microseconds since the epoch"),
    Column("timestamp_us", BigInteger, nullable=False),
    Column("voided", Boolean, nullable=False, default=False),
    Column("authority_key", Text, nullable=False),
    Column("version", String(16), nullable=False),
    Column("has_attachments", Boolean, nullable=False, default=False),
    Column("body", Text, nullable=False, comment="the statement JSON as stored"),
    Index("ix_lrs_statement_object_ref", "object_ref"),
    Index("ix_lrs_statement_stored_us", "stored_us"),
)
"""Filters on actor, verb, activity and registration use `lrs_statement_index` (whose primary key is the index);
the same columns here stay unindexed so each insert maintains fewer B-trees (docs/decisions/0005-lrs-storage.md)."""

statement_index = Table(
    "lrs_statement_index", metadata,
    Column("kind", String(12), primary_key=True, comment="agent | activity | verb | registration"),
    Column("value", Text, primary_key=True, comment="agent identity key, activity id, verb id or registration"),
    Column("statement_seq", SeqType, primary_key=True, comment="lrs_statement.seq (no FK: written by the same insert)"),
    Column("direct", Boolean, nullable=False,
           comment="actor/object (agent), object (activity); false for related_agents/related_activities only"),
)

attachment = Table(
    "lrs_attachment", metadata,
    Column("sha2", String(128), primary_key=True),
    Column("content_type", Text, nullable=False),
    Column("content", LargeBinary, nullable=False),
)

activity_definition = Table(
    "lrs_activity_definition", metadata,
    Column("activity_id", Text, primary_key=True),
    Column("digest", String(64), primary_key=True, comment="sha256 of the canonical definition JSON"),
    Column("first_seq", SeqType, nullable=False),
    Column("definition", Text, nullable=False),
)
"""Each distinct definition seen for an activity (insert-only); `GET activities` merges them in order."""

document = Table(
    "lrs_document", metadata,
    Column("pk", SeqType, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False, comment="state | activity_profile | agent_profile"),
    Column("activity_id", Text, nullable=False, default=""),
    Column("agent_key", Text, nullable=False, default=""),
    Column("registration", String(36), nullable=False, default=""),
    Column("doc_id", Text, nullable=False),
    Column("content_type", Text, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("etag", String(64), nullable=False),
    Column("updated_us", BigInteger, nullable=False),
    UniqueConstraint("kind", "activity_id", "agent_key", "registration", "doc_id", name="uq_lrs_document_key"),
)

client = Table(
    "lrs_client", metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("key", String(100), nullable=False, unique=True),
    Column("secret_hash", String(128), nullable=False, comment="sha256 of the random secret"),
    Column("scopes", Text, nullable=False, comment="space-separated xAPI scopes"),
    Column("created_us", BigInteger, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
)

forward_cursor = Table(
    "lrs_forward_cursor", metadata,
    Column("target", String(512), primary_key=True, comment="endpoint URL of the external LRS"),
    Column("last_seq", BigInteger, nullable=False, default=0, comment="highest statement seq delivered"),
    Column("attempts", Integer, nullable=False, default=0, comment="consecutive failures"),
    Column("next_attempt_us", BigInteger, nullable=False, default=0),
    Column("last_error", Text),
)
"""The outbox for forwarding is the statement log itself: each target remembers how far it got."""

forward_rejected = Table(
    "lrs_forward_rejected", metadata,
    Column("pk", SeqType, primary_key=True, autoincrement=True),
    Column("target", String(512), nullable=False),
    Column("statement_id", String(36), nullable=False),
    Column("status", Integer, nullable=False),
    Column("message", Text, nullable=False),
    Column("at_us", BigInteger, nullable=False),
)
"""Statements an external LRS refused for good (4xx other than 409/429): kept for the admin, not retried."""
