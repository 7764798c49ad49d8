"""The migrations on a real PostgreSQL: up and down, one revision at a time, building exactly the
tables ``store/tables.py`` declares, and storing the values SQLite let through (``not_assessed``).

The server is the one at ``GOVWATCH_TEST_PG`` (default: the local server that ``scripts/postgres-up``
prepares). Each test works in a throwaway database that it creates and drops. When the server is
unreachable the tests skip, unless the environment variable ``CI`` is set: then they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, insert, inspect, make_url, select
from sqlalchemy.exc import DataError, SQLAlchemyError

from govwatch.store import tables as t
from govwatch.store.db import HEAD_REVISION, MIGRATIONS, Store
from govwatch.store.job_queue import is_queue_table
from tests.conftest import PG_URL, pg_unreachable

DECLARED = "declared"  # the schema where the table definitions are created directly, for comparison


@pytest.fixture(scope="module")
def server() -> Iterator[Engine]:
    """A connection to the server's maintenance database (autocommit: CREATE DATABASE needs it)."""
    shown = make_url(PG_URL).render_as_string(hide_password=True)
    try:
        engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
        with engine.connect():
            pass
    except (ImportError, SQLAlchemyError) as exc:
        cause = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        pg_unreachable(f"PostgreSQL not reachable at {shown} (GOVWATCH_TEST_PG): {cause}")
    yield engine
    engine.dispose()


@pytest.fixture()
def database(server: Engine) -> Iterator[str]:
    """The URL of a new, empty database, dropped after the test."""
    name = f"govwatch_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with server.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')


def migrate(url: str, step: Callable[[Config, str], None], target: str) -> str | None:
    """Run one Alembic command (``command.upgrade`` or ``command.downgrade``) the way the store does
    (on a connection handed to env.py); the revision reached, None at base."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            cfg = Config()
            cfg.set_main_option("script_location", str(MIGRATIONS))
            cfg.attributes["connection"] = conn
            step(cfg, target)
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    finally:
        engine.dispose()


def revisions() -> list[str]:
    """Every revision, oldest first."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return [s.revision for s in reversed(list(ScriptDirectory.from_config(cfg).walk_revisions()))]


def unqualified(default: str, schema: str) -> str:
    """A column default without the schema name (a serial's is ``nextval('<schema>.<seq>'::regclass)``)."""
    return default.replace(f'"{schema}".', "").replace(f"{schema}.", "")


def schema_of(conn: Connection, schema: str) -> dict[str, dict[str, Any]]:
    """What PostgreSQL reports about each table of ``schema``: columns (type as the server names it,
    nullability, default), primary key, foreign keys, unique constraints and indexes."""
    insp = inspect(conn)
    out: dict[str, dict[str, Any]] = {}
    for table in insp.get_table_names(schema=schema):
        if table == "alembic_version" or is_queue_table(table):  # the job queue's: Procrastinate's schema (0013)
            continue
        out[table] = {
            "columns": {c["name"]: (str(c["type"]), c["nullable"], unqualified(c["default"] or "", schema))
                        for c in insp.get_columns(table, schema=schema)},
            "primary key": insp.get_pk_constraint(table, schema=schema)["constrained_columns"],
            "foreign keys": sorted((tuple(fk["constrained_columns"]), fk["referred_table"],
                                    tuple(fk["referred_columns"])) for fk in insp.get_foreign_keys(table, schema=schema)),
            "unique": sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(table, schema=schema)),
            "indexes": sorted((i["name"], tuple(i["column_names"]), i["unique"])
                              for i in insp.get_indexes(table, schema=schema)),
        }
    return out


def migrated_and_declared(url: str) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """The migrated schema (public) and the one ``tables.metadata`` creates directly (``declared``)."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {DECLARED}")
            t.metadata.create_all(conn.execution_options(schema_translate_map={None: DECLARED}))
        with engine.connect() as conn:
            return schema_of(conn, "public"), schema_of(conn, DECLARED)
    finally:
        engine.dispose()


def test_the_migrations_go_up_and_down_and_build_exactly_the_declared_tables(database: str) -> None:
    chain = revisions()
    assert chain[-1] == HEAD_REVISION
    assert [migrate(database, command.upgrade, "+1") for _ in chain] == chain  # one revision at a time
    assert [migrate(database, command.downgrade, "-1") for _ in chain] == [*chain[-2::-1], None]
    engine = create_engine(database)
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == ["alembic_version"]
    engine.dispose()
    assert migrate(database, command.upgrade, "head") == HEAD_REVISION
    engine = create_engine(database)
    with engine.connect() as conn:  # 0013: Procrastinate's queue, dropped by the downgrade above, made again
        assert {n for n in inspect(conn).get_table_names() if is_queue_table(n)} == {
            "procrastinate_jobs", "procrastinate_workers", "procrastinate_events", "procrastinate_periodic_defers"}
    engine.dispose()
    migrated, declared = migrated_and_declared(database)
    assert sorted(migrated) == sorted(declared) == sorted(t.metadata.tables)
    for table in declared:
        assert migrated[table] == declared[table], table


def test_the_comparison_sees_a_column_narrower_than_declared(database: str) -> None:
    # Before 0005, check_runs.status was VARCHAR(8): the comparison above must notice such a gap.
    assert migrate(database, command.upgrade, "0004") == "0004"
    migrated, declared = migrated_and_declared(database)
    assert migrated["check_runs"]["columns"]["status"] == ("VARCHAR(8)", False, "")
    assert declared["check_runs"]["columns"]["status"] == ("VARCHAR(16)", False, "")
    assert migrated["check_runs"] != declared["check_runs"]


def test_a_store_on_postgresql_keeps_what_sqlite_let_through(database: str) -> None:
    store = Store(database)  # govwatch's own way in: it migrates the empty database to head
    try:
        run_id = store.create_run(store.site_id("https://www.example.gov.cn/"), "2026-11-22", {"crawl": {}})
        code = "interaction.interpretation.no_interpretation_link"  # 49 characters: findings.code was String(40)
        with store.engine.begin() as conn:
            conn.execute(insert(t.check_runs).values(run_id=run_id, check_name="interpretation", status="not_assessed",
                                                     elapsed_ms=1.5, error="no 政策解读 column"))
            conn.execute(insert(t.findings).values(
                run_id=run_id, kind="interpretation_unlinked", code=code, indicator="政策解读", severity="warning",
                url="https://www.example.gov.cn/", message="m", evidence={"pages": 1}, fingerprint="0" * 16))
        with store.engine.connect() as conn:
            assert conn.execute(select(t.check_runs.c.status, t.check_runs.c.findings)).one() == ("not_assessed", 0)
            assert conn.execute(select(t.findings.c.code, t.findings.c.evidence)).one() == (code, {"pages": 1})
    finally:
        store.close()
    # Narrowing the column again would cut the stored value: PostgreSQL refuses, and the store stays at head.
    with pytest.raises(DataError, match="too long"):
        migrate(database, command.downgrade, "0004")
    assert migrate(database, command.upgrade, "head") == HEAD_REVISION
