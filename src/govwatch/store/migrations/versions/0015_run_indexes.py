"""indexes on pages.run_id and check_runs.run_id: a stored run's pages and check records are read by run

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 23:40:00.000000

Every re-check and re-score reads a run's pages (``RunData.pages()``); without the index each read
scanned the pages of every run (bench/province.py, docs/deploy.md §5: re-scoring 148 stored runs took
520 ms a run, 117 ms with the index). A crawl inserts pages in batches, so the index costs little there.
"""

from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_pages_run', 'pages', ['run_id'])
    op.create_index('ix_check_runs_run', 'check_runs', ['run_id'])


def downgrade() -> None:
    op.drop_index('ix_check_runs_run', table_name='check_runs')
    op.drop_index('ix_pages_run', table_name='pages')
