"""run completeness: whether the crawl read the site (a site that cannot be read is never a pass)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 17:20:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('runs') as batch:
        batch.add_column(sa.Column('complete', sa.Boolean(), nullable=True))
        batch.add_column(sa.Column('incomplete_reasons', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('runs') as batch:
        batch.drop_column('incomplete_reasons')
        batch.drop_column('complete')
