"""Course catalogue table.

Revision ID: tool_0001
Revises:
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa

revision = "tool_0001"
down_revision = None
branch_labels = ("tool",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "course",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("version", sa.String(50), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("source_path", sa.Text(), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("eqf_level", sa.Integer(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_course"),
    )


def downgrade() -> None:
    op.drop_table("course")
