"""the dashboard's indexes: probes by site, target kind and time (with ok); runs by site

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 20:00:00.000000

``store/dashboard_rows.availability_days`` sums a week of homepage probes of every site (24 a day:
half a million rows at 3,000 sites); with ``ok`` in the index it never reads the table
(bench/dashboard_queries.py: 381 -> 265 ms). A site's page reads its runs by ``site_id``.
"""

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_probes_site_kind_at', 'probes', ['site_id', 'target_kind', 'at', 'ok'])
    op.create_index('ix_runs_site', 'runs', ['site_id'])


def downgrade() -> None:
    op.drop_index('ix_runs_site', table_name='runs')
    op.drop_index('ix_probes_site_kind_at', table_name='probes')
