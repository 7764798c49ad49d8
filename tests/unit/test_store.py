"""The store: migrations agree with the table definitions; bodies are stored once.

Tests that take ``store_url`` or ``any_store`` (tests/conftest.py) run on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from govwatch.store import tables
from govwatch.store.blobs import body_hash, compress
from govwatch.store.db import HEAD_REVISION, MIGRATIONS, Store
from govwatch.store.job_queue import outside_queue
from govwatch.store.tables import metadata

QUEUE_LEFT_OUT = {"include_name": outside_queue}  # Procrastinate's tables (0013, PostgreSQL only) are not in tables.py


def test_migrations_build_exactly_the_declared_tables(store_url: str) -> None:
    store = Store(store_url)
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn, opts=QUEUE_LEFT_OUT), metadata) == []


def test_the_head_revision_constant_is_alembics_head() -> None:
    # Stores at this revision open without Alembic; a new migration must move the constant.
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD_REVISION


def test_a_store_one_migration_behind_is_upgraded_when_opened(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    with Store(url).engine.begin() as conn:  # make it look like a store made before 0004
        conn.exec_driver_sql("DROP TABLE run_facts")
        conn.exec_driver_sql("ALTER TABLE runs DROP COLUMN complete")  # added by 0006
        conn.exec_driver_sql("ALTER TABLE runs DROP COLUMN incomplete_reasons")
        conn.exec_driver_sql("ALTER TABLE fetches DROP COLUMN filename")  # added by 0007
        for table in ("alert_states", "outbox", "schedule_state",  # added by 0008
                      "user_sites", "web_sessions", "api_tokens", "login_attempts", "job_requests", "users"):  # 0009
            conn.exec_driver_sql(f"DROP TABLE {table}")
        conn.exec_driver_sql("DROP INDEX ix_probes_site_kind_at")  # added by 0010
        conn.exec_driver_sql("DROP INDEX ix_runs_site")
        conn.exec_driver_sql("ALTER TABLE scores DROP COLUMN triggered_vetoes")  # added by 0019
        conn.exec_driver_sql("DROP TABLE run_analyses")  # added by 0018
        conn.exec_driver_sql("ALTER TABLE check_runs DROP COLUMN rule_reads")  # added by 0017
        conn.exec_driver_sql("ALTER TABLE pages DROP COLUMN text_hits")  # added by 0016
        conn.exec_driver_sql("DROP INDEX ix_pages_run")  # added by 0015
        conn.exec_driver_sql("DROP INDEX ix_check_runs_run")
        for table in ("counterfeit_suspects",  # added by 0014
                      "probe_schedule", "probe_days",  # added by 0012
                      "spot_check_sites", "spot_checks", "public_reports", "ticket_attachments",  # added by 0011
                      "rectify_tickets", "rectify_notices", "audit_events", "reviewer_findings"):
            conn.exec_driver_sql(f"DROP TABLE {table}")
        conn.exec_driver_sql("ALTER TABLE exemptions DROP COLUMN withdrawn_at")
        conn.exec_driver_sql(  # reviewer_findings as 0003 made it (0011 added columns with foreign keys)
            "CREATE TABLE reviewer_findings (id INTEGER NOT NULL PRIMARY KEY, run_id INTEGER NOT NULL "
            "REFERENCES runs (id), indicator TEXT NOT NULL, kind VARCHAR(40) NOT NULL, url TEXT NOT NULL, "
            "message TEXT NOT NULL, evidence JSON NOT NULL, points FLOAT, reviewer TEXT, "
            "created_at VARCHAR(32) NOT NULL)")
        conn.exec_driver_sql("CREATE INDEX ix_reviewer_findings_run ON reviewer_findings (run_id)")
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0003'")
    store = Store(url)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == HEAD_REVISION
        assert compare_metadata(MigrationContext.configure(conn, opts=QUEUE_LEFT_OUT), metadata) == []


def test_reopening_a_store_keeps_its_data(store_url: str) -> None:
    first = Store(store_url)
    site = first.site_id("http://h/")
    first.close()
    second = Store(store_url)
    assert second.site_id("http://h/") == site
    assert second.site_id("http://other/") == site + 1
    second.close()


def test_bodies_are_stored_once_per_content(any_store: Store) -> None:
    store = any_store
    body = "<html>政务公开</html>".encode() * 100
    with store.engine.begin() as conn:
        store.store_blobs(conn, {body_hash(body): (len(body), compress(body))})
    with store.engine.begin() as conn:
        store.store_blobs(conn, {body_hash(body): (len(body), compress(body))})
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*), sum(length(data)) FROM blobs").one()[0] == 1
        compressed = conn.exec_driver_sql("SELECT length(data) FROM blobs").scalar_one()
    assert compressed < len(body) / 5
    assert store.body(body_hash(body)) == body


def test_many_rows_are_inserted_in_statements_within_the_variable_limit(any_store: Store) -> None:
    store = any_store
    assert 999 <= store.max_params <= 32000
    store.max_params = 4  # four one-value rows per statement: two of them for eleven URLs, then three rows
    urls = [f"http://h/{i}.html" for i in range(11)]
    with store.engine.begin() as conn:
        ids = store.url_ids(conn, urls + urls[:3])  # repeats are interned once
        store.insert_rows(conn, tables.urls, ("url",), [("http://h/0.html",)], ignore_conflicts=True)
    with store.engine.connect() as conn:
        stored = dict(conn.exec_driver_sql("SELECT url, id FROM urls").all())
    assert stored == ids and sorted(stored) == sorted(urls)


def test_check_results_of_a_run_without_columns_or_checks_are_stored(any_store: Store) -> None:
    """A run whose analysis found no column (an unreadable site, a patrol) stores its findings."""
    from govwatch.core.model import Finding
    from govwatch.store.run_results import check_findings, replace_check_results

    store = any_store
    run_id = store.create_run(store.site_id("http://h/"), "2026-12-04", {})
    finding = Finding(kind="site_unreadable", code="crawl.homepage_failed", indicator="", url="http://h/",
                      message="首页无法打开", evidence={})
    replace_check_results(store, run_id, [finding], [], [])
    assert [f.kind for f in check_findings(store, run_id)] == ["site_unreadable"]
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM columns").scalar() == 0
