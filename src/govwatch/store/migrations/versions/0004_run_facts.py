"""run facts: what post-crawl site measurements found (TLS, HTTPS, IPv6, cloaking)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 21:10:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('run_facts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('created', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('run_id', 'name', name='uq_run_facts_run_name')
    )


def downgrade() -> None:
    op.drop_table('run_facts')
