"""Embedded LRS tables.

Revision ID: xapi_0001
Revises:
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa

revision = "xapi_0001"
down_revision = None
branch_labels = ("xapi",)
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "lrs_statement",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("actor_key", sa.Text(), nullable=False),
        sa.Column("verb_id", sa.Text(), nullable=False),
        sa.Column("object_activity", sa.Text()),
        sa.Column("object_ref", sa.String(36)),
        sa.Column("registration", sa.String(36)),
        sa.Column("stored_us", sa.BigInteger(), nullable=False),
        sa.Column("timestamp_us", sa.BigInteger(), nullable=False),
        sa.Column("voided", sa.Boolean(), nullable=False),
        sa.Column("authority_key", sa.Text(), nullable=False),
        sa.Column("version", sa.String(16), nullable=False),
        sa.Column("has_attachments", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_lrs_statement"),
        sa.UniqueConstraint("id", name="uq_lrs_statement_id"),
    )
    for column in ("object_ref", "stored_us"):
        op.create_index(f"ix_lrs_statement_{column}", "lrs_statement", [column])
    op.create_table(
        "lrs_statement_index",
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("statement_seq", SEQ, nullable=False),
        sa.Column("direct", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "value", "statement_seq", name="pk_lrs_statement_index"),
    )
    op.create_table(
        "lrs_attachment",
        sa.Column("sha2", sa.String(128), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha2", name="pk_lrs_attachment"),
    )
    op.create_table(
        "lrs_activity_definition",
        sa.Column("activity_id", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("first_seq", SEQ, nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("activity_id", "digest", name="pk_lrs_activity_definition"),
    )
    op.create_table(
        "lrs_document",
        sa.Column("pk", SEQ, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("activity_id", sa.Text(), nullable=False),
        sa.Column("agent_key", sa.Text(), nullable=False),
        sa.Column("registration", sa.String(36), nullable=False),
        sa.Column("doc_id", sa.Text(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("etag", sa.String(64), nullable=False),
        sa.Column("updated_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name="pk_lrs_document"),
        sa.UniqueConstraint("kind", "activity_id", "agent_key", "registration", "doc_id",
                            name="uq_lrs_document_key"),
    )
    op.create_table(
        "lrs_client",
        sa.Column("pk", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("secret_hash", sa.String(128), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("created_us", sa.BigInteger(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name="pk_lrs_client"),
        sa.UniqueConstraint("key", name="uq_lrs_client_key"),
    )
    op.create_table(
        "lrs_forward_cursor",
        sa.Column("target", sa.String(512), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_us", sa.BigInteger(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.PrimaryKeyConstraint("target", name="pk_lrs_forward_cursor"),
    )
    op.create_table(
        "lrs_forward_rejected",
        sa.Column("pk", SEQ, primary_key=True, autoincrement=True),
        sa.Column("target", sa.String(512), nullable=False),
        sa.Column("statement_id", sa.String(36), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("at_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name="pk_lrs_forward_rejected"),
    )


def downgrade() -> None:
    for table in ("lrs_forward_rejected", "lrs_forward_cursor", "lrs_client", "lrs_document",
                  "lrs_activity_definition", "lrs_attachment", "lrs_statement_index", "lrs_statement"):
        op.drop_table(table)
