"""widen check_runs.status and findings.code to fit what is stored (PostgreSQL enforces lengths)

SQLite ignores a VARCHAR's length; PostgreSQL rejects longer values. ``check_runs.status``
stores ``not_assessed`` (12 characters) in a String(8); ``findings.code`` stores codes such as
``interaction.interpretation.no_interpretation_link`` (49) in a String(40). On SQLite the
tables are rebuilt (batch mode) so that the declared types match ``tables.py`` there too.
The downgrade narrows them again and fails, on PostgreSQL, while longer values are stored.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 10:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('check_runs', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=sa.String(length=8), type_=sa.String(length=16),
                              existing_nullable=False)
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.alter_column('code', existing_type=sa.String(length=40), type_=sa.String(length=64),
                              existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('findings', schema=None) as batch_op:
        batch_op.alter_column('code', existing_type=sa.String(length=64), type_=sa.String(length=40),
                              existing_nullable=False)
    with op.batch_alter_table('check_runs', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=sa.String(length=16), type_=sa.String(length=8),
                              existing_nullable=False)
