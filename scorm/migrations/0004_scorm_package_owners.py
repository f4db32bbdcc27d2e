"""Imported packages belong to the platform that imported them; administrators share them.

Packages imported before this revision have no recorded importer: they become administrators' packages shared
with every platform, so that every resource link that opens one today keeps working; an administrator narrows
that with `mirco packages share PACKAGE --revoke --all` and `--platform ID`. The sha256 is no longer unique
across the whole tool (two platforms may import the same zip, each its own copy).

Revision ID: scorm_0004
Revises: scorm_0003
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa

revision = "scorm_0004"
down_revision = "scorm_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scorm_package") as batch:
        batch.add_column(sa.Column("owner_platform", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("owner_context", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("shared", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.drop_constraint("uq_scorm_package_sha256", type_="unique")
        batch.create_index("ix_scorm_package_sha256", ["sha256"])
        batch.create_index("ix_scorm_package_owner_platform", ["owner_platform"])
    op.execute(sa.text("UPDATE scorm_package SET shared = :yes").bindparams(yes=True))
    op.create_table(
        "scorm_package_share",
        sa.Column("package_id", sa.String(32), sa.ForeignKey("scorm_package.id", ondelete="CASCADE",
                                                             name="fk_scorm_package_share_package_id_scorm_package"),
                  nullable=False),
        sa.Column("platform_pk", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("package_id", "platform_pk", name="pk_scorm_package_share"),
    )


def downgrade() -> None:
    op.drop_table("scorm_package_share")
    with op.batch_alter_table("scorm_package") as batch:
        batch.drop_index("ix_scorm_package_owner_platform")
        batch.drop_index("ix_scorm_package_sha256")
        batch.create_unique_constraint("uq_scorm_package_sha256", ["sha256"])
        batch.drop_column("shared")
        batch.drop_column("owner_context")
        batch.drop_column("owner_platform")
