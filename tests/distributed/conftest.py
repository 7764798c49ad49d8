"""Fixtures of the distributed-work tests (docs/deploy.md §2): the real PostgreSQL at
``GOVWATCH_TEST_PG`` (``scripts/postgres-up`` prepares the local one) with a throwaway database per
test module, dropped after; the simulator on 127.0.0.1; real ``govwatch worker`` processes, each
stopped by its PID at the end of the test that started it.

When PostgreSQL is unreachable the tests skip, unless ``CI`` is set: then they fail.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from govwatch.sim import SimOptions, SimServer
from govwatch.store.db import Store
from tests.conftest import AS_OF, PG_URL, SIM_ALLOW_PRIVATE, SLOW_SECONDS, pg_unreachable
from tests.distributed.serving import Processes

BOUND = 180.0  # seconds: generous bound for what a test waits for (a hang fails the test, never a timing)


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    """The URL of a new database for this test module, migrated to head (Procrastinate's schema
    included), dropped after the module."""
    shown = make_url(PG_URL).render_as_string(hide_password=True)
    try:
        server = create_engine(PG_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
        with server.connect():
            pass
    except (ImportError, SQLAlchemyError) as exc:
        cause = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        pg_unreachable(f"PostgreSQL not reachable at {shown} (GOVWATCH_TEST_PG): {cause}")
    name = f"govwatch_distributed_{os.getpid()}_{uuid.uuid4().hex[:8]}"
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


@pytest.fixture()
def pg_store(pg_database: str) -> Iterator[Store]:
    store = Store(pg_database)
    yield store
    store.close()


@pytest.fixture(scope="session")
def dsim() -> Iterator[SimServer]:
    """The distributed tests' own simulator (its request counts see only their requests)."""
    options = SimOptions(seed=17, as_of=AS_OF, site_pages=200, slow_seconds=SLOW_SECONDS, slow_ok_seconds=0.2)
    with SimServer(options).running() as server:
        yield server


def write_crawl_settings(path: Path, *, rate: float = 0) -> Path:
    """Settings for workers and reference runs: loopback hosts allowed, offline, quick timeouts,
    no rendering and no site measurements (their own requests would blur the counts), ``rate``
    requests per second per host (0: unlimited)."""
    hosts = ", ".join(f'"{h}"' for h in SIM_ALLOW_PRIVATE)
    path.write_text(f"crawl:\n  allow_private: [{hosts}]\n  timeout: 1\n  connect_timeout: 1\n  network: offline\n"
                    f"  per_host_rate: {rate}\n  seed_retry_seconds: 1\n"
                    "render:\n  enabled: false\nsecurity:\n  enabled: false\n", encoding="utf-8")
    return path


class Workers(Processes):
    """``govwatch worker`` processes of one test on the store ``db``; :meth:`stop_all` stops each by its PID."""

    def __init__(self, db: str, folder: Path) -> None:
        super().__init__(folder)
        self.db = db

    def start_worker(self, name: str, settings: Path, *, queues: str = "scan", concurrency: int = 1,
                     stalled_after: float = 30, config: Path | None = None) -> subprocess.Popen[bytes]:
        """A worker named ``name`` (its log: ``<name>.log``), alerts off, with the service config ``config``
        if given."""
        service = ["--config", str(config)] if config is not None else []
        return self.start(name, "worker", "--db", self.db, "--settings", str(settings), "--queues", queues,
                          "--concurrency", str(concurrency), "--name", name, "--stalled-after", str(stalled_after),
                          "--no-alerts", *service)


@pytest.fixture()
def workers(pg_database: str, tmp_path: Path) -> Iterator[Workers]:
    group = Workers(pg_database, tmp_path)
    try:
        yield group
    finally:
        group.stop_all()


def wait_for(what: str, done: Callable[[], Any], workers: Workers | None = None, limit: float = BOUND) -> Any:
    """Poll ``done()`` every 0.1 s until it is truthy (its value) or ``limit`` seconds pass (a
    failure naming ``what``, with the workers' logs)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = done()
        if value:
            return value
        if workers is not None:
            dead = [n for n, p in workers.procs.items() if p.poll() is not None and p.returncode != -signal.SIGKILL]
            assert not dead, f"worker {dead} exited while waiting for {what}:\n" + "\n".join(
                workers.log(n) for n in dead)
        time.sleep(0.1)
    logs = "\n".join(f"--- {n}\n{workers.log(n)[-3000:]}" for n in workers.procs) if workers else ""
    raise AssertionError(f"{what}: not within {limit:g} s\n{logs}")
