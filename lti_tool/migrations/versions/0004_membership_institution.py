"""Institution or group of a context member, as the platform names it in the launch.

Revision ID: tool_0004
Revises: tool_0003
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa

revision = "tool_0004"
down_revision = "tool_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lti_membership") as batch:
        batch.add_column(sa.Column("institution", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lti_membership") as batch:
        batch.drop_column("institution")
