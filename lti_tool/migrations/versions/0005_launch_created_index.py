"""Index launches by creation time, for the worker's purge of launches past their retention.

Revision ID: tool_0005
Revises: tool_0004
Create Date: 2026-12-04
"""
from alembic import op

revision = "tool_0005"
down_revision = "tool_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_lti_launch_created_at", "lti_launch", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_lti_launch_created_at", table_name="lti_launch")
