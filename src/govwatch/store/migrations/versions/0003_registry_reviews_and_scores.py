"""registry, reviews and scores

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 18:24:18.028551
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('orgs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.String(length=16), server_default='other', nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['orgs.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    op.create_table('filings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('starts', sa.String(length=10), nullable=False),
    sa.Column('ends', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('kinds', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.create_index('ix_filings_site', ['site_id'], unique=False)

    op.create_table('assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reviewer', sa.Text(), nullable=True),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('run_id', 'indicator', name='uq_assessments_run_indicator')
    )
    op.create_table('exemptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('fingerprint', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('reviewer', sa.Text(), nullable=True),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('exemptions', schema=None) as batch_op:
        batch_op.create_index('ix_exemptions_site', ['site_id'], unique=False)

    op.create_table('reviewer_findings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('points', sa.Float(), nullable=True),
    sa.Column('reviewer', sa.Text(), nullable=True),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reviewer_findings', schema=None) as batch_op:
        batch_op.create_index('ix_reviewer_findings_run', ['run_id'], unique=False)

    op.create_table('scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('ruleset', sa.String(length=64), nullable=False),
    sa.Column('computed_at', sa.String(length=32), nullable=False),
    sa.Column('verdict', sa.String(length=8), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('sheet', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('run_id', 'ruleset', name='uq_scores_run_ruleset')
    )
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registered', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('org_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('role', sa.String(length=16), server_default='portal', nullable=False))
        batch_op.add_column(sa.Column('level', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('sponsor', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('icp', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('police_record', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('responsible_unit', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('contact', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=8), server_default='正常', nullable=False))
        batch_op.add_column(sa.Column('has_services', sa.Boolean(), server_default='1', nullable=False))
        batch_op.create_foreign_key('fk_sites_org', 'orgs', ['org_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_constraint('fk_sites_org', type_='foreignkey')
        batch_op.drop_column('has_services')
        batch_op.drop_column('status')
        batch_op.drop_column('contact')
        batch_op.drop_column('responsible_unit')
        batch_op.drop_column('police_record')
        batch_op.drop_column('icp')
        batch_op.drop_column('sponsor')
        batch_op.drop_column('level')
        batch_op.drop_column('role')
        batch_op.drop_column('org_id')
        batch_op.drop_column('registered')

    op.drop_table('scores')
    with op.batch_alter_table('reviewer_findings', schema=None) as batch_op:
        batch_op.drop_index('ix_reviewer_findings_run')

    op.drop_table('reviewer_findings')
    with op.batch_alter_table('exemptions', schema=None) as batch_op:
        batch_op.drop_index('ix_exemptions_site')

    op.drop_table('exemptions')
    op.drop_table('assessments')
    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.drop_index('ix_filings_site')

    op.drop_table('filings')
    op.drop_table('orgs')
