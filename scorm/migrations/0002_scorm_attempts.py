"""Learner attempts at imported SCOs played through LTI.

Revision ID: scorm_0002
Revises: scorm_0001
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa

revision = "scorm_0002"
down_revision = "scorm_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scorm_attempt",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("package_id", sa.String(32), nullable=False),
        sa.Column("sco_id", sa.Integer(), nullable=False),
        sa.Column("user_pk", sa.Integer(), nullable=False),
        sa.Column("resource_link_pk", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("registration", sa.String(36), nullable=False),
        sa.Column("cmi", sa.JSON(), nullable=False),
        sa.Column("completion", sa.String(20), nullable=False),
        sa.Column("success", sa.String(20), nullable=False),
        sa.Column("score_scaled", sa.Float(), nullable=True),
        sa.Column("progress", sa.Float(), nullable=True),
        sa.Column("total_seconds", sa.Float(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_scorm_attempt"),
        sa.ForeignKeyConstraint(["package_id"], ["scorm_package.id"],
                                name="fk_scorm_attempt_package_id_scorm_package", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sco_id"], ["scorm_sco.id"], name="fk_scorm_attempt_sco_id_scorm_sco",
                                ondelete="CASCADE"),
        sa.UniqueConstraint("user_pk", "resource_link_pk", "sco_id", "number", name="uq_scorm_attempt_number"),
    )
    for column in ("package_id", "user_pk", "resource_link_pk"):
        op.create_index(f"ix_scorm_attempt_{column}", "scorm_attempt", [column])


def downgrade() -> None:
    for column in ("package_id", "user_pk", "resource_link_pk"):
        op.drop_index(f"ix_scorm_attempt_{column}", table_name="scorm_attempt")
    op.drop_table("scorm_attempt")
