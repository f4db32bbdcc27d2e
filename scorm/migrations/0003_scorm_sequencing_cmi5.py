"""SCORM 2004 sequencing trees of imported packages and per-item launch settings (cmi5 AUs).

Revision ID: scorm_0003
Revises: scorm_0002
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa

revision = "scorm_0003"
down_revision = "scorm_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scorm_package") as batch:
        batch.add_column(sa.Column("sequencing", sa.JSON(), nullable=True))
    with op.batch_alter_table("scorm_sco") as batch:
        batch.add_column(sa.Column("extra", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scorm_sco") as batch:
        batch.drop_column("extra")
    with op.batch_alter_table("scorm_package") as batch:
        batch.drop_column("sequencing")
