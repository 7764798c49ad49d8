"""fetches.filename: a download's Content-Disposition file name (reports name the file, not the endpoint)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 19:20:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('fetches') as batch:
        batch.add_column(sa.Column('filename', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('fetches') as batch:
        batch.drop_column('filename')
