"""scores.triggered_vetoes: the names of a sheet's triggered vetoes, beside the sheet

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 05:20:00.000000

The dashboard's overview and org tree showed each failed site's triggered vetoes by reading them out
of the whole score sheet (PostgreSQL detoasts and parses kilobytes of JSON a site: 0.6 ms each, most
of the overview's time at 1,000 sites). The names are now stored when the sheet is (joined by the
unit separator, '' when none). NULL: a sheet stored before this revision, read from the sheet.
"""

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('scores', sa.Column('triggered_vetoes', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('scores') as batch:
        batch.drop_column('triggered_vetoes')
