"""the web dashboard and REST API: users, their sites, sessions, API tokens, login attempts, job requests

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10 10:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'users',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(64), nullable=False, unique=True),
        sa.Column('role', sa.String(12), nullable=False),
        sa.Column('org_id', sa.Integer(), sa.ForeignKey('orgs.id')),
        sa.Column('password_hash', sa.Text(), nullable=False),
        sa.Column('created_at', sa.String(32), nullable=False),
        sa.Column('disabled', sa.Boolean(), nullable=False, server_default='0'),
    )
    op.create_table(
        'user_sites',
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), primary_key=True),
        sa.Column('site_id', sa.Integer(), sa.ForeignKey('sites.id'), primary_key=True),
    )
    op.create_table(
        'web_sessions',
        sa.Column('token_hash', sa.String(64), primary_key=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('csrf_token', sa.String(64), nullable=False),
        sa.Column('created_at', sa.String(32), nullable=False),
        sa.Column('expires_at', sa.String(32), nullable=False),
    )
    op.create_index('ix_web_sessions_user', 'web_sessions', ['user_id'])
    op.create_table(
        'api_tokens',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('token_hash', sa.String(64), nullable=False, unique=True),
        sa.Column('created_at', sa.String(32), nullable=False),
        sa.Column('last_used_at', sa.String(32)),
    )
    op.create_table(
        'login_attempts',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('key', sa.String(300), nullable=False),
        sa.Column('at', sa.String(32), nullable=False),
    )
    op.create_index('ix_login_attempts_key_at', 'login_attempts', ['key', 'at'])
    op.create_table(
        'job_requests',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('kind', sa.String(16), nullable=False),
        sa.Column('site_id', sa.Integer(), sa.ForeignKey('sites.id'), nullable=False),
        sa.Column('args', sa.JSON(), nullable=False),
        sa.Column('requested_by', sa.Integer(), sa.ForeignKey('users.id')),
        sa.Column('state', sa.String(8), nullable=False),
        sa.Column('run_id', sa.Integer(), sa.ForeignKey('runs.id')),
        sa.Column('progress', sa.JSON()),
        sa.Column('created_at', sa.String(32), nullable=False),
        sa.Column('started_at', sa.String(32)),
        sa.Column('finished_at', sa.String(32)),
        sa.Column('error', sa.Text()),
    )
    op.create_index('ix_job_requests_state', 'job_requests', ['state', 'id'])


def downgrade() -> None:
    op.drop_index('ix_job_requests_state', table_name='job_requests')
    op.drop_table('job_requests')
    op.drop_index('ix_login_attempts_key_at', table_name='login_attempts')
    op.drop_table('login_attempts')
    op.drop_table('api_tokens')
    op.drop_index('ix_web_sessions_user', table_name='web_sessions')
    op.drop_table('web_sessions')
    op.drop_table('user_sites')
    op.drop_table('users')
