"""A worker killed with SIGKILL in the middle of a crawl (docs/deploy.md §2): its heartbeat stops,
another worker's stalled-job timer puts the job back in the queue, takes it and resumes the run the
dead worker left. The site ends with ONE complete run whose findings are those of a single-process
run of the same site on SQLite, and nothing the dead worker stored was fetched again (the
simulator counts every request per URL). A worker stopped with SIGTERM leaves its run interrupted,
exits 0, and its job is retried."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import text

from govwatch.sim import SimServer
from govwatch.store.db import Store
from govwatch.store.job_queue import defer
from tests.conftest import AS_OF
from tests.distributed.conftest import BOUND, Workers, wait_for, write_crawl_settings
from tests.distributed.serving import env

STALLED_AFTER = 3.0  # the workers' heartbeat timeout in these tests (default 30 s)


def query(store: Store, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def fetch_rows(store: Store, run_id: int) -> dict[str, tuple[Any, ...]]:
    """Every stored fetch of the run by URL: (fetch id, role, status, fetched_at, attempts)."""
    rows = query(store, "SELECT u.url, f.id, f.role, f.status, f.fetched_at, f.attempts FROM fetches f "
                        "JOIN urls u ON u.id = f.url_id WHERE f.run_id = :r", r=run_id)
    by_url = {row[0]: row[1:] for row in rows}
    assert len(by_url) == len(rows), "a URL was stored twice in one run"
    return by_url


def counts(sim: SimServer, urls: Any) -> dict[str, int]:
    return {url: sim.request_count(url) + sim.request_count(url, "HEAD") for url in urls}


def reference(sim: SimServer, url: str, folder: Path) -> set[str]:
    """The findings' fingerprints of an uninterrupted single-process run on SQLite (same settings)."""
    db = folder / "reference.db"
    sim.reset_faults()
    done = subprocess.run([sys.executable, "-m", "govwatch", "inspect", url, "--db", str(db), "--config",
                           str(write_crawl_settings(folder / "reference.yaml")), "--as-of", AS_OF.isoformat()],
                          env=env(), capture_output=True, text=True, timeout=BOUND)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db) as conn:
        return {fp for (fp,) in conn.execute("SELECT fingerprint FROM findings")}


def job_status(store: Store, job_id: int) -> str:
    return str(query(store, "SELECT CAST(status AS text) FROM procrastinate_jobs WHERE id = :j", j=job_id)[0][0])


def test_a_worker_killed_mid_crawl_is_replaced_and_the_run_resumed(pg_store: Store, dsim: SimServer,
                                                                    workers: Workers, tmp_path: Path) -> None:
    url = dsim.site_url("jcms")
    expected = reference(dsim, url, tmp_path)
    assert expected  # the site has findings: the comparison compares something

    site_id = pg_store.site_id(url)
    polite = write_crawl_settings(tmp_path / "polite.yaml", rate=20)  # the kill lands mid-crawl
    dsim.reset_faults()
    job_id = defer(pg_store, "scan_site", {"site_id": site_id, "as_of": AS_OF.isoformat()}, queue="scan",
                   lock=f"site:{site_id}", queueing_lock=f"scan:{site_id}")
    assert job_id is not None
    workers.start_worker("doomed", polite, stalled_after=STALLED_AFTER)
    pages = "SELECT count(*) FROM fetches WHERE role = 'page'"
    wait_for("30 pages stored", lambda: query(pg_store, pages)[0][0] >= 30, workers)
    workers.kill("doomed")

    [(run_id, status)] = query(pg_store, "SELECT id, status FROM runs WHERE site_id = :s", s=site_id)
    assert status == "running"  # dead mid-crawl: nobody marked it
    assert job_status(pg_store, job_id) == "doing"
    before = fetch_rows(pg_store, run_id)
    assert len(before) >= 30
    requested = counts(dsim, before)

    workers.start_worker("heir", polite, stalled_after=STALLED_AFTER)
    wait_for("the stalled job done by the other worker", lambda: job_status(pg_store, job_id) == "succeeded", workers)

    assert query(pg_store, "SELECT id, status, complete FROM runs WHERE site_id = :s", s=site_id) == [
        (run_id, "completed", True)]  # the same run, finished: one complete run, no second one
    after = fetch_rows(pg_store, run_id)
    for stored_url, row in before.items():
        assert after[stored_url] == row, stored_url  # kept as the dead worker stored it
    assert counts(dsim, before) == requested  # and not fetched again
    found = {fp for (fp,) in query(pg_store, "SELECT fingerprint FROM findings WHERE run_id = :r", r=run_id)}
    assert found == expected
    assert "stalled" in workers.log("heir")


def test_sigterm_leaves_the_run_interrupted_and_the_job_retried(pg_store: Store, dsim: SimServer,
                                                                workers: Workers, tmp_path: Path) -> None:
    url = dsim.site_url("trs")
    site_id = pg_store.site_id(url)
    dsim.reset_faults()
    job_id = defer(pg_store, "scan_site", {"site_id": site_id, "as_of": AS_OF.isoformat()}, queue="scan",
                   lock=f"site:{site_id}")
    assert job_id is not None
    workers.start_worker("stopped", write_crawl_settings(tmp_path / "polite.yaml", rate=20))
    wait_for("pages stored", lambda: query(pg_store, "SELECT count(*) FROM fetches f JOIN runs r ON r.id = f.run_id "
                                                     "WHERE r.site_id = :s", s=site_id)[0][0] >= 20, workers)
    assert workers.stop("stopped") == 0, workers.log("stopped")
    [(run_id, status)] = query(pg_store, "SELECT id, status FROM runs WHERE site_id = :s", s=site_id)
    assert status == "interrupted"
    assert job_status(pg_store, job_id) == "todo"  # back in the queue: the next worker resumes the run
    assert query(pg_store, "SELECT attempts FROM procrastinate_jobs WHERE id = :j", j=job_id) == [(1,)]
