"""the job queue of distributed workers: Procrastinate's schema (procrastinate_* tables, types and
functions) on PostgreSQL; nothing on SQLite, where `govwatch serve` runs every job in-process

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 22:40:00.000000

The schema is Procrastinate 3.10.0's own schema.sql, kept beside the migrations
(migrations/procrastinate/schema-3.10.0.sql) so this revision builds the same objects whatever
version is installed later; a Procrastinate upgrade that changes its schema gets a new revision
applying Procrastinate's migration files. docs/deploy.md §2 describes the queue.
"""

from pathlib import Path

from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

SCHEMA = Path(__file__).resolve().parent.parent / "procrastinate" / "schema-3.10.0.sql"

DROP = """
DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs,
    procrastinate_workers CASCADE;
DO $$
DECLARE f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%'
    LOOP
        EXECUTE 'DROP FUNCTION ' || f || ' CASCADE';
    END LOOP;
END;
$$;
DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_event_type, procrastinate_job_status CASCADE;
"""


def _run_script(sql: str) -> None:
    """Run a multi-statement script as it is (the driver's cursor: no bind-parameter parsing)."""
    cursor = op.get_bind().connection.cursor()
    try:
        cursor.execute(sql)
    finally:
        cursor.close()


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _run_script(SCHEMA.read_text(encoding="utf-8"))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _run_script(DROP)
