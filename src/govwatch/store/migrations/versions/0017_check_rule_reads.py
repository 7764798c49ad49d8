"""check_runs.rule_reads: the rule-table sections a check read when it ran

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 02:00:00.000000

Re-scoring a stored run with another rule table ran again every check that might read the table
(~117 ms a small run; 1,000 runs took two minutes). Each check's reads are now recorded (a JSON list
of the table's top-level sections, rules/reads.py), so a re-score runs a check again only when the
new table differs in a section it read. NULL: not recorded (runs checked before this revision): the
check runs again.
"""

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('check_runs', sa.Column('rule_reads', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('check_runs') as batch:
        batch.drop_column('rule_reads')
