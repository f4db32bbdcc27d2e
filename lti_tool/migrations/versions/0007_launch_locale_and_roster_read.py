"""Launch locales as BCP 47 (rows stored before are normalised), and when each course's roster was last read.

Revision ID: tool_0007
Revises: tool_0006
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa

from lti_tool.locale_tags import to_bcp47

revision = "tool_0007"
down_revision = "tool_0006"
branch_labels = None
depends_on = None

launch = sa.table("lti_launch", sa.column("locale", sa.String(35)))


def upgrade() -> None:
    with op.batch_alter_table("lti_context") as batch:
        batch.add_column(sa.Column("roster_read_at", sa.DateTime(timezone=True), nullable=True))
    connection = op.get_bind()
    stored = connection.execute(sa.select(launch.c.locale).distinct().where(launch.c.locale.is_not(None))).scalars()
    for raw in list(stored):
        tag = to_bcp47(raw)
        if tag != raw:
            connection.execute(launch.update().where(launch.c.locale == raw).values(locale=tag))


def downgrade() -> None:
    """The raw platform names are not kept: the locales stay BCP 47."""
    with op.batch_alter_table("lti_context") as batch:
        batch.drop_column("roster_read_at")
