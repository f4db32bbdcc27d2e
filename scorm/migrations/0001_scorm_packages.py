"""Imported SCORM packages and their launchable items.

Revision ID: scorm_0001
Revises:
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa

revision = "scorm_0001"
down_revision = None
branch_labels = ("scorm",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scorm_package",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("identifier", sa.String(255), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("language", sa.String(35), nullable=False),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("default_organization", sa.String(255), nullable=False),
        sa.Column("organizations", sa.JSON(), nullable=False),
        sa.Column("source_name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("file_count", sa.Integer(), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("schema_note", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_scorm_package"),
        sa.UniqueConstraint("sha256", name="uq_scorm_package_sha256"),
    )
    op.create_table(
        "scorm_sco",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("package_id", sa.String(32), nullable=False),
        sa.Column("organization", sa.String(255), nullable=False),
        sa.Column("identifier", sa.String(255), nullable=False),
        sa.Column("parent", sa.String(255), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("href", sa.Text(), nullable=False),
        sa.Column("scorm_type", sa.String(10), nullable=False),
        sa.Column("mastery", sa.Float(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_scorm_sco"),
        sa.ForeignKeyConstraint(["package_id"], ["scorm_package.id"], name="fk_scorm_sco_package_id_scorm_package",
                                ondelete="CASCADE"),
        sa.UniqueConstraint("package_id", "organization", "identifier", name="uq_scorm_sco_item"),
    )
    op.create_index("ix_scorm_sco_package_id", "scorm_sco", ["package_id"])


def downgrade() -> None:
    op.drop_index("ix_scorm_sco_package_id", table_name="scorm_sco")
    op.drop_table("scorm_sco")
    op.drop_table("scorm_package")
