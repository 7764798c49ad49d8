"""the monitoring service: alert states, the notification outbox, the schedule's state

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 19:30:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'alert_states',
        sa.Column('target_key', sa.String(600), primary_key=True),
        sa.Column('target_kind', sa.String(12), nullable=False),
        sa.Column('site_id', sa.Integer(), sa.ForeignKey('sites.id')),
        sa.Column('state', sa.String(12), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.String(32), nullable=False),
    )
    op.create_table(
        'outbox',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('created_at', sa.String(32), nullable=False),
        sa.Column('event_kind', sa.String(24), nullable=False),
        sa.Column('severity', sa.String(8), nullable=False),
        sa.Column('site_id', sa.Integer(), sa.ForeignKey('sites.id')),
        sa.Column('org_code', sa.String(32)),
        sa.Column('target_url', sa.Text()),
        sa.Column('recipient', sa.String(120), nullable=False),
        sa.Column('channel', sa.String(120), nullable=False),
        sa.Column('dedupe_key', sa.String(600), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('next_attempt_at', sa.String(32)),
        sa.Column('last_error', sa.Text()),
        sa.Column('sent_at', sa.String(32)),
        sa.Column('digest_of', sa.JSON()),
        sa.UniqueConstraint('dedupe_key', 'recipient', 'channel', name='uq_outbox_dedupe'),
    )
    op.create_index('ix_outbox_state_due', 'outbox', ['state', 'next_attempt_at'])
    op.create_table(
        'schedule_state',
        sa.Column('job_key', sa.String(600), primary_key=True),
        sa.Column('job_kind', sa.String(16), nullable=False),
        sa.Column('target', sa.Text()),
        sa.Column('last_started_at', sa.String(32)),
        sa.Column('last_finished_at', sa.String(32)),
        sa.Column('next_due_at', sa.String(32)),
        sa.Column('last_run_id', sa.Integer()),
        sa.Column('last_error', sa.Text()),
    )


def downgrade() -> None:
    op.drop_table('schedule_state')
    op.drop_index('ix_outbox_state_due', table_name='outbox')
    op.drop_table('outbox')
    op.drop_table('alert_states')
