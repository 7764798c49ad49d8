"""the rectification loop: tickets, notices, attachments, public reports, spot checks, the audit trail;
reviewer findings that last (site, status) and withdrawable exemptions

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 22:00:00.000000

docs/rectification.md describes every table. Reviewer findings stored before this migration get
their run's site (they then hold for later runs too, as the new rule says) and status ``active``.
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reviewer_findings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('site_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=12), server_default='active', nullable=False))
        batch_op.add_column(sa.Column('ended_run_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.String(length=32), nullable=True))
    with op.batch_alter_table('reviewer_findings', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_reviewer_findings_site', 'sites', ['site_id'], ['id'])
        batch_op.create_foreign_key('fk_reviewer_findings_ended_run', 'runs', ['ended_run_id'], ['id'])
        batch_op.create_index('ix_reviewer_findings_site', ['site_id', 'status'], unique=False)
    op.execute('UPDATE reviewer_findings SET site_id = (SELECT runs.site_id FROM runs '
               'WHERE runs.id = reviewer_findings.run_id)')
    with op.batch_alter_table('exemptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.String(length=32), nullable=True))

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.Text(), nullable=True),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('from_state', sa.String(length=12), nullable=True),
    sa.Column('to_state', sa.String(length=12), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_audit_events_subject', 'audit_events', ['subject', 'subject_id', 'id'])

    op.create_table('rectify_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('doc_number', sa.Text(), nullable=False),
    sa.Column('issued_at', sa.String(length=32), nullable=False),
    sa.Column('deadline', sa.String(length=10), nullable=False),
    sa.Column('issuer', sa.Text(), nullable=True),
    sa.Column('created_by', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_rectify_notices_site', 'rectify_notices', ['site_id'])

    op.create_table('rectify_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=32), nullable=False),
    sa.Column('problem_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('indicator', sa.Text(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('target', sa.Text(), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('origin', sa.String(length=12), server_default='check', nullable=False),
    sa.Column('found_run_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('deadline', sa.String(length=10), nullable=True),
    sa.Column('feedback', sa.Text(), nullable=True),
    sa.Column('verify_job_id', sa.Integer(), nullable=True),
    sa.Column('verify_run_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.Column('closed_at', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ),
    sa.ForeignKeyConstraint(['found_run_id'], ['runs.id'], ),
    sa.ForeignKeyConstraint(['notice_id'], ['rectify_notices.id'], ),
    sa.ForeignKeyConstraint(['verify_job_id'], ['job_requests.id'], ),
    sa.ForeignKeyConstraint(['verify_run_id'], ['runs.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_rectify_tickets_site_state', 'rectify_tickets', ['site_id', 'state'])
    op.create_index('ix_rectify_tickets_site_fingerprint', 'rectify_tickets', ['site_id', 'fingerprint'])

    op.create_table('ticket_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.Text(), nullable=False),
    sa.Column('content_type', sa.Text(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('blob_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['rectify_tickets.id'], ),
    sa.ForeignKeyConstraint(['event_id'], ['audit_events.id'], ),
    sa.ForeignKeyConstraint(['blob_hash'], ['blobs.hash'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_ticket_attachments_ticket', 'ticket_attachments', ['ticket_id'])

    op.create_table('public_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('external_id', sa.Text(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('site_name', sa.Text(), nullable=True),
    sa.Column('category', sa.String(length=12), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('reporter', sa.Text(), nullable=True),
    sa.Column('received_at', sa.String(length=32), nullable=False),
    sa.Column('forward_deadline', sa.String(length=32), nullable=False),
    sa.Column('answer_deadline', sa.String(length=32), nullable=False),
    sa.Column('deadline_estimated', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('forwarded_at', sa.String(length=32), nullable=True),
    sa.Column('answered_at', sa.String(length=32), nullable=True),
    sa.Column('closed_at', sa.String(length=32), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'external_id', name='uq_public_reports_channel_external')
    )
    op.create_index('ix_public_reports_site_state', 'public_reports', ['site_id', 'state'])

    op.create_table('spot_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('period', sa.Text(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('population', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('created_by', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('spot_check_sites',
    sa.Column('spot_check_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['spot_check_id'], ['spot_checks.id'], ),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], ),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ),
    sa.PrimaryKeyConstraint('spot_check_id', 'site_id')
    )


def downgrade() -> None:
    op.drop_table('spot_check_sites')
    op.drop_table('spot_checks')
    op.drop_index('ix_public_reports_site_state', table_name='public_reports')
    op.drop_table('public_reports')
    op.drop_index('ix_ticket_attachments_ticket', table_name='ticket_attachments')
    op.drop_table('ticket_attachments')
    op.drop_index('ix_rectify_tickets_site_fingerprint', table_name='rectify_tickets')
    op.drop_index('ix_rectify_tickets_site_state', table_name='rectify_tickets')
    op.drop_table('rectify_tickets')
    op.drop_index('ix_rectify_notices_site', table_name='rectify_notices')
    op.drop_table('rectify_notices')
    op.drop_index('ix_audit_events_subject', table_name='audit_events')
    op.drop_table('audit_events')
    with op.batch_alter_table('exemptions', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_at')
    with op.batch_alter_table('reviewer_findings', schema=None) as batch_op:
        batch_op.drop_index('ix_reviewer_findings_site')
        batch_op.drop_constraint('fk_reviewer_findings_ended_run', type_='foreignkey')
        batch_op.drop_constraint('fk_reviewer_findings_site', type_='foreignkey')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('ended_run_id')
        batch_op.drop_column('status')
        batch_op.drop_column('site_id')
