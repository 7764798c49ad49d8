"""run_analyses: whole-run analyses stored with the rule-table sections they read

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 05:10:00.000000

Re-scoring a run with a table of other column windows or reply limits ran the column discovery and
the message reading again (most of ~160 ms a small run on PostgreSQL), though neither depends on
those sections: only the judgement does. The analyses are now stored once per run as JSON with the
table sections they read (rules/reads.py); a re-score with a table that agrees on those sections
restores them and judges again. No row: not stored (runs checked before this revision): computed.
"""

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('run_analyses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('rule_reads', sa.Text(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('run_id', 'name', name='uq_run_analyses_run_name')
    )


def downgrade() -> None:
    op.drop_table('run_analyses')
