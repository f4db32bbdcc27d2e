"""LTI 1.3 registrations, keys, launch store, launches, learner progress and the outbox.

Revision ID: tool_0002
Revises: tool_0001
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa

revision = "tool_0002"
down_revision = "tool_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lti_key',
    sa.Column('kid', sa.String(length=100), nullable=False),
    sa.Column('public_pem', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('kid', name=op.f('pk_lti_key'))
    )
    op.create_table('lti_launch_store',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_lti_launch_store'))
    )
    op.create_index(op.f('ix_lti_launch_store_expires_at'), 'lti_launch_store', ['expires_at'], unique=False)
    op.create_table('lti_platform',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('auth_login_url', sa.Text(), nullable=False),
    sa.Column('auth_token_url', sa.Text(), nullable=False),
    sa.Column('auth_audience', sa.Text(), nullable=True),
    sa.Column('key_set_url', sa.Text(), nullable=True),
    sa.Column('key_set', sa.JSON(), nullable=True),
    sa.Column('registered_by', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_platform')),
    sa.UniqueConstraint('issuer', 'client_id', name='uq_lti_platform_issuer_client')
    )
    op.create_table('lti_context',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('context_id', sa.String(length=255), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('memberships_url', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platform.id'], name=op.f('fk_lti_context_platform_id_lti_platform'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_context')),
    sa.UniqueConstraint('platform_id', 'context_id', name='uq_lti_context_platform')
    )
    op.create_index(op.f('ix_lti_context_platform_id'), 'lti_context', ['platform_id'], unique=False)
    op.create_table('lti_deployment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('deployment_id', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platform.id'], name=op.f('fk_lti_deployment_platform_id_lti_platform'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_deployment')),
    sa.UniqueConstraint('platform_id', 'deployment_id', name='uq_lti_deployment_platform')
    )
    op.create_index(op.f('ix_lti_deployment_platform_id'), 'lti_deployment', ['platform_id'], unique=False)
    op.create_table('lti_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('sub', sa.String(length=255), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('email', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platform.id'], name=op.f('fk_lti_user_platform_id_lti_platform'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_user')),
    sa.UniqueConstraint('platform_id', 'sub', name='uq_lti_user_platform')
    )
    op.create_index(op.f('ix_lti_user_platform_id'), 'lti_user', ['platform_id'], unique=False)
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platform.id'], name=op.f('fk_outbox_platform_id_lti_platform'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    op.create_index(op.f('ix_outbox_kind'), 'outbox', ['kind'], unique=False)
    op.create_index(op.f('ix_outbox_next_attempt_at'), 'outbox', ['next_attempt_at'], unique=False)
    op.create_table('lti_membership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('context_pk', sa.Integer(), nullable=False),
    sa.Column('user_pk', sa.Integer(), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['context_pk'], ['lti_context.id'], name=op.f('fk_lti_membership_context_pk_lti_context'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_pk'], ['lti_user.id'], name=op.f('fk_lti_membership_user_pk_lti_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_membership')),
    sa.UniqueConstraint('context_pk', 'user_pk', name='uq_lti_membership_context')
    )
    op.create_index(op.f('ix_lti_membership_context_pk'), 'lti_membership', ['context_pk'], unique=False)
    op.create_index(op.f('ix_lti_membership_user_pk'), 'lti_membership', ['user_pk'], unique=False)
    op.create_table('lti_resource_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('deployment_pk', sa.Integer(), nullable=False),
    sa.Column('context_pk', sa.Integer(), nullable=True),
    sa.Column('resource_link_id', sa.String(length=255), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('course_id', sa.String(length=100), nullable=True),
    sa.Column('module_id', sa.String(length=100), nullable=True),
    sa.Column('lesson_id', sa.String(length=100), nullable=True),
    sa.Column('lineitem_url', sa.Text(), nullable=True),
    sa.Column('lineitems_url', sa.Text(), nullable=True),
    sa.Column('ags_scopes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['context_pk'], ['lti_context.id'], name=op.f('fk_lti_resource_link_context_pk_lti_context'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deployment_pk'], ['lti_deployment.id'], name=op.f('fk_lti_resource_link_deployment_pk_lti_deployment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platform.id'], name=op.f('fk_lti_resource_link_platform_id_lti_platform'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_resource_link')),
    sa.UniqueConstraint('platform_id', 'resource_link_id', name='uq_lti_resource_link_platform')
    )
    op.create_index(op.f('ix_lti_resource_link_deployment_pk'), 'lti_resource_link', ['deployment_pk'], unique=False)
    op.create_index(op.f('ix_lti_resource_link_platform_id'), 'lti_resource_link', ['platform_id'], unique=False)
    op.create_table('attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_pk', sa.Integer(), nullable=False),
    sa.Column('resource_link_pk', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.String(length=100), nullable=False),
    sa.Column('module_id', sa.String(length=100), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('score_scaled', sa.Float(), nullable=True),
    sa.Column('passed', sa.Boolean(), nullable=True),
    sa.Column('seconds', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['resource_link_pk'], ['lti_resource_link.id'], name=op.f('fk_attempt_resource_link_pk_lti_resource_link'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_pk'], ['lti_user.id'], name=op.f('fk_attempt_user_pk_lti_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempt')),
    sa.UniqueConstraint('user_pk', 'resource_link_pk', name='uq_attempt_user_link')
    )
    op.create_index(op.f('ix_attempt_resource_link_pk'), 'attempt', ['resource_link_pk'], unique=False)
    op.create_index(op.f('ix_attempt_user_pk'), 'attempt', ['user_pk'], unique=False)
    op.create_table('lti_launch',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('deployment_pk', sa.Integer(), nullable=False),
    sa.Column('context_pk', sa.Integer(), nullable=True),
    sa.Column('resource_link_pk', sa.Integer(), nullable=True),
    sa.Column('user_pk', sa.Integer(), nullable=False),
    sa.Column('message_type', sa.String(length=50), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('locale', sa.String(length=35), nullable=True),
    sa.Column('return_url', sa.Text(), nullable=True),
    sa.Column('deep_linking', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['context_pk'], ['lti_context.id'], name=op.f('fk_lti_launch_context_pk_lti_context'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deployment_pk'], ['lti_deployment.id'], name=op.f('fk_lti_launch_deployment_pk_lti_deployment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platform.id'], name=op.f('fk_lti_launch_platform_id_lti_platform'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_link_pk'], ['lti_resource_link.id'], name=op.f('fk_lti_launch_resource_link_pk_lti_resource_link'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_pk'], ['lti_user.id'], name=op.f('fk_lti_launch_user_pk_lti_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_launch'))
    )
    op.create_index(op.f('ix_lti_launch_platform_id'), 'lti_launch', ['platform_id'], unique=False)
    op.create_index(op.f('ix_lti_launch_user_pk'), 'lti_launch', ['user_pk'], unique=False)
    op.create_table('lesson_view',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.String(length=100), nullable=False),
    sa.Column('lesson_id', sa.String(length=100), nullable=False),
    sa.Column('first_viewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_viewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], name=op.f('fk_lesson_view_attempt_id_attempt'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson_view')),
    sa.UniqueConstraint('attempt_id', 'lesson_id', name='uq_lesson_view_attempt')
    )
    op.create_index(op.f('ix_lesson_view_attempt_id'), 'lesson_view', ['attempt_id'], unique=False)
    op.create_table('quiz_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.String(length=100), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('points', sa.Float(), nullable=False),
    sa.Column('max_points', sa.Float(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('seconds', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], name=op.f('fk_quiz_attempt_attempt_id_attempt'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_attempt'))
    )
    op.create_index(op.f('ix_quiz_attempt_attempt_id'), 'quiz_attempt', ['attempt_id'], unique=False)
    op.create_table('quiz_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quiz_attempt_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=100), nullable=False),
    sa.Column('response', sa.JSON(), nullable=True),
    sa.Column('correct', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['quiz_attempt_id'], ['quiz_attempt.id'], name=op.f('fk_quiz_response_quiz_attempt_id_quiz_attempt'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_response'))
    )
    op.create_index(op.f('ix_quiz_response_quiz_attempt_id'), 'quiz_response', ['quiz_attempt_id'], unique=False)


def downgrade() -> None:
    op.drop_table("quiz_response")
    op.drop_table("quiz_attempt")
    op.drop_table("lesson_view")
    op.drop_table("lti_launch")
    op.drop_table("attempt")
    op.drop_table("lti_resource_link")
    op.drop_table("lti_membership")
    op.drop_table("outbox")
    op.drop_table("lti_user")
    op.drop_table("lti_deployment")
    op.drop_table("lti_context")
    op.drop_table("lti_platform")
    op.drop_table("lti_launch_store")
    op.drop_table("lti_key")
