"""pages.text_hits: the content scanners' hits, found once during extraction

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 10:00:00.000000

The wording, typo, banned-term and personal-data scanners read a page's visible text. They ran after
the crawl over every stored body (decompressed, decoded and parsed a second time: a fifth of the
inspecting process's CPU on a 20,000-page site, and its memory peak on a 5 MB page). The extraction
worker now runs them while it has the page and stores what they found with the page row (compact JSON,
"" when nothing). NULL: not scanned at extraction (every run stored before this revision): the checks
then scan the stored body as before.
"""

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('pages', sa.Column('text_hits', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('pages') as batch:
        batch.drop_column('text_hits')
