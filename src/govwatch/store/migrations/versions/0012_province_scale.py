"""a province on several machines: probe_days (probe visits rolled up per day) and probe_schedule
(the distributed prober's targets, claimed in batches with a lease)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 22:20:00.000000

docs/deploy.md describes both.
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('probe_days',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('target_kind', sa.String(length=12), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('visits', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('total_ms_sum', sa.Float(), nullable=False),
    sa.Column('total_ms_count', sa.Integer(), nullable=False),
    sa.Column('total_ms_max', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ),
    sa.PrimaryKeyConstraint('site_id', 'target_kind', 'url', 'day')
    )
    op.create_table('probe_schedule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('target_kind', sa.String(length=12), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('interval_s', sa.Float(), nullable=False),
    sa.Column('timeout_s', sa.Float(), nullable=False),
    sa.Column('next_due_at', sa.String(length=32), nullable=False),
    sa.Column('leased_by', sa.Text(), nullable=True),
    sa.Column('leased_until', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('site_id', 'url', name='uq_probe_schedule_site_url')
    )
    op.create_index('ix_probe_schedule_due', 'probe_schedule', ['next_due_at'])


def downgrade() -> None:
    op.drop_index('ix_probe_schedule_due', table_name='probe_schedule')
    op.drop_table('probe_schedule')
    op.drop_table('probe_days')
