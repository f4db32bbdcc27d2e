"""Reading time per lesson: lesson_view.timed_at, until when the player's beacons have been credited.

Revision ID: tool_0003
Revises: tool_0002
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa

revision = "tool_0003"
down_revision = "tool_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lesson_view") as batch:
        batch.add_column(sa.Column("timed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lesson_view") as batch:
        batch.drop_column("timed_at")
