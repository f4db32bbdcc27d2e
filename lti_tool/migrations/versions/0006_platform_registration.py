"""Platform registration by one-time URL only: a platform status (pending until approved) and the URLs' hashes.

Revision ID: tool_0006
Revises: tool_0005
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa

revision = "tool_0006"
down_revision = "tool_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lti_platform") as batch:
        batch.add_column(sa.Column("status", sa.String(length=20), nullable=False, server_default="active"))
    op.create_table(
        "lti_registration_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_registration_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_lti_registration_token_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("lti_registration_token")
    with op.batch_alter_table("lti_platform") as batch:
        batch.drop_column("status")
