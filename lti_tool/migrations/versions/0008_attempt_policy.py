"""Attempt policy: a resource link's grading method; quiz attempts numbered once per quiz and submission token.

Revision ID: tool_0008
Revises: tool_0007
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

revision = "tool_0008"
down_revision = "tool_0007"
branch_labels = None
depends_on = None


RENUMBER = """UPDATE quiz_attempt SET number = (
    SELECT ranked.n FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY attempt_id, quiz_id ORDER BY number, id) AS n
                          FROM quiz_attempt) AS ranked
    WHERE ranked.id = quiz_attempt.id)"""
"""Parallel submissions could store two attempts with one number (the race this revision closes): number them
again in the order they were stored, so the unique constraint can be created; no attempt is dropped."""


def upgrade() -> None:
    with op.batch_alter_table("lti_resource_link") as batch:
        batch.add_column(sa.Column("grading", sa.String(length=10), nullable=True))
    op.execute(RENUMBER)
    with op.batch_alter_table("quiz_attempt") as batch:
        batch.add_column(sa.Column("token", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_quiz_attempt_number", ["attempt_id", "quiz_id", "number"])
        batch.create_unique_constraint("uq_quiz_attempt_token", ["attempt_id", "token"])


def downgrade() -> None:
    with op.batch_alter_table("quiz_attempt") as batch:
        batch.drop_constraint("uq_quiz_attempt_token", type_="unique")
        batch.drop_constraint("uq_quiz_attempt_number", type_="unique")
        batch.drop_column("token")
    with op.batch_alter_table("lti_resource_link") as batch:
        batch.drop_column("grading")
