"""Shared fixtures: one simulator per test process (real HTTP servers on 127.0.0.1), and its
sites inspected once per test process (:class:`InspectedSites`)."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from govwatch.core.jsonfile import json_bytes
from govwatch.core.settings import Settings, load_settings
from govwatch.pipeline import inspect_site
from govwatch.store import tables as store_tables
from govwatch.store.db import Store
from govwatch.store.stored_run import StoreRunData

AS_OF = date(2026, 11, 22)
SLOW_SECONDS = 2.5  # the simulator's slow pages: well past the tests' crawl timeout
CRAWL_TIMEOUT = 1.0


# The simulator's hosts are all on loopback: its external-role hosts on other ports are other hosts
# than the site, reachable only through this explicit allowance (crawl/address_guard.py).
SIM_ALLOW_PRIVATE = ("127.0.0.0/8", "::1", "localhost")


def sim_settings(db_url: str, *, render: bool = False, **crawl: object) -> Settings:
    """Crawl settings for tests: fast on loopback, hermetic (offline), short timeouts.
    Rendering and the accessibility measurement are off unless a test is about them (script-filled lists
    are then read from their endpoints)."""
    base = {"concurrency": 16, "per_host_concurrency": 8, "per_host_rate": 0, "timeout": CRAWL_TIMEOUT,
            "connect_timeout": 1.0, "backoff": 0.1, "network": "offline",
            "seed_retry_seconds": 1.0,  # a failing homepage is retried patiently, but not 30 s in a test
            "extract_workers": 1,  # the simulated sites are small: one worker process per inspection is enough
            "allow_private": list(SIM_ALLOW_PRIVATE)}
    # The accessibility measurement starts chromium for every inspection: only the tests about it turn it on.
    return load_settings(overrides={"crawl": {**base, **crawl}, "store": {"url": db_url},
                                    "render": {"enabled": render}, "security": {"accessibility": False}},
                         environ={})


@pytest.fixture(scope="session")
def sim() -> Iterator[object]:
    from govwatch.sim import SimOptions, SimServer

    options = SimOptions(seed=7, as_of=AS_OF, site_pages=200, slow_seconds=SLOW_SECONDS, slow_ok_seconds=0.2)
    with SimServer(options).running() as server:
        yield server


@dataclass(frozen=True)
class InspectedSite:
    """One simulated site's stored run and its inspection JSON."""

    run_id: int
    document_json: bytes
    data: StoreRunData  # the stored run as checks see it (read it, never write through it)

    @property
    def document(self) -> dict[str, Any]:
        """The inspection document, parsed afresh: a test may change its copy."""
        return orjson.loads(self.document_json)


@dataclass
class InspectedSites:
    """The simulated sites, each inspected on its first request and then kept: the whole site,
    ``sim_settings`` (rendering off), as of ``AS_OF``, all in one store.

    Read-only: a test that writes to a store (scores, reviewer input, a later run) works on
    :meth:`copy_store`; a test that needs other settings or simulator state inspects on its own."""

    sim: Any
    store: Store
    _sites: dict[str, InspectedSite] = field(default_factory=dict)

    def __getitem__(self, site_id: str) -> InspectedSite:
        if site_id not in self._sites:
            inspection = inspect_site(self.sim.site_url(site_id), sim_settings(self.store.url), self.store,
                                      as_of=AS_OF)
            self._sites[site_id] = InspectedSite(inspection.run_id, json_bytes(inspection.document),
                                                 StoreRunData(self.store, inspection.run_id))
        return self._sites[site_id]

    def site_ids(self) -> list[str]:
        """The family sites (those with columns; not the hostile trap site)."""
        return [site_id for site_id, truth in self.sim.manifest["sites"].items() if truth.get("columns")]

    def copy_store(self, folder: Path) -> Store:
        """A private copy of the store (every site inspected so far) in ``folder``."""
        target = folder / "copy.db"
        source = sqlite3.connect(self.store.url.removeprefix("sqlite:///"))
        with closing(source), closing(sqlite3.connect(target)) as copy:
            source.backup(copy)
        return Store(f"sqlite:///{target}")


@pytest.fixture(scope="session")
def inspected_sites(sim: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InspectedSites]:
    """The simulator's sites, each inspected once per test session (per xdist worker)."""
    sites = InspectedSites(sim, Store(f"sqlite:///{tmp_path_factory.mktemp('inspected') / 'sites.db'}"))
    yield sites
    sites.store.close()


@pytest.fixture()
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty SQLite store; with ``GOVWATCH_TEST_STORE=postgresql`` the session's PostgreSQL database,
    emptied (to run a whole directory's store-backed tests on PostgreSQL once)."""
    if os.environ.get("GOVWATCH_TEST_STORE") == "postgresql":
        url: str = request.getfixturevalue("pg_session_url")
        empty_pg_database(url)
        s = Store(url)
    else:
        s = Store(f"sqlite:///{tmp_path / 'test.db'}")
    yield s
    s.close()


# -- the store on both backends ------------------------------------------------------------------
# ``store_url`` / ``any_store`` run a test twice: on a new SQLite file and on PostgreSQL (the server at
# GOVWATCH_TEST_PG; scripts/postgres-up prepares the local one). PostgreSQL: one throwaway database per
# test session and xdist worker, migrated once and dropped at the end; each test starts from it emptied
# (rows deleted, sequences restarted: 25 ms, where a database cloned from a template costs 1.5 s with its drop).

PG_URL = os.environ.get("GOVWATCH_TEST_PG", "postgresql+psycopg://govwatch:govwatch@127.0.0.1:5432/postgres")


def pg_unreachable(reason: str) -> None:
    """Skip a test that needs PostgreSQL, or fail it when ``CI`` is set (CI must run it)."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI is set, so this fails (scripts/postgres-up starts the server)")
    pytest.skip(f"{reason}; start it with scripts/postgres-up (with CI set this fails)")


@pytest.fixture(scope="session")
def pg_session_url() -> Iterator[str]:
    """A PostgreSQL database for this test session (and xdist worker), migrated to head, dropped at the end."""
    from sqlalchemy import create_engine, make_url
    from sqlalchemy.exc import SQLAlchemyError

    shown = make_url(PG_URL).render_as_string(hide_password=True)
    try:
        server = create_engine(PG_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
        with server.connect():
            pass
    except (ImportError, SQLAlchemyError) as exc:
        cause = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        pg_unreachable(f"PostgreSQL not reachable at {shown} (GOVWATCH_TEST_PG): {cause}")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"govwatch_session_{worker}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with server.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        Store(url).close()  # migrates the empty database to head
        yield url
    finally:
        with server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        server.dispose()


def empty_pg_database(url: str) -> None:
    """Delete every row of the session database and restart its sequences (ids start at 1 again)."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            known = set(store_tables.metadata.tables)
            others = [name for (name,) in conn.exec_driver_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
                if name not in known]
            if others:  # tables the store's migrations made beyond tables.py (e.g. a job queue's)
                conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{n}"' for n in others) + " CASCADE")
            for table in reversed(store_tables.metadata.sorted_tables):
                conn.execute(table.delete())
            for (sequence,) in conn.exec_driver_sql(
                    "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'").all():
                conn.exec_driver_sql(f'ALTER SEQUENCE "{sequence}" RESTART')
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store's URL: a new SQLite file, or the session's PostgreSQL database emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url: str = request.getfixturevalue("pg_session_url")
    empty_pg_database(url)
    return url


@pytest.fixture()
def any_store(store_url: str) -> Iterator[Store]:
    """An empty :class:`Store` on SQLite, then on PostgreSQL (the test runs twice)."""
    s = Store(store_url)
    yield s
    s.close()
