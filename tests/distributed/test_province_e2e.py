"""Issue 21's acceptance test: the province set-up end to end, every part a real process.

A PostgreSQL-backed ``govwatch serve`` watching several simulated sites defers their due full scans
to the job queue (it crawls nothing itself); two ``govwatch worker`` processes take them, one site
at a time each, one crawl at a time on the shared host (all the sites live on 127.0.0.1). The
worker whose crawl is under way is killed with SIGKILL once its run has stored
:data:`KILL_AFTER` pages; the other worker's stalled-job timer puts the dead worker's job back in
the queue and resumes that run. Then every site has exactly ONE complete run, whose findings'
fingerprints equal those of a single-process run of the same site on SQLite
(``pipeline.inspect_site``), no page stored before the kill was requested again
(``SimServer.request_count``), and ``govwatch runs`` shows the queue: every scan job done (the four
and those a job deferred again when it found the shared host busy: service/tasks.py).
Every wait is bounded; every process is stopped by its PID in a ``finally``."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from govwatch.core.settings import load_settings
from govwatch.pipeline import inspect_site
from govwatch.sim import SimOptions, SimServer
from govwatch.sim.options import default_sites
from govwatch.store.db import Store
from tests.conftest import SLOW_SECONDS
from tests.distributed.conftest import BOUND, wait_for, write_crawl_settings
from tests.distributed.serving import Processes, empty_queue, env, query, queue_jobs

SITES = ("trs", "jcms", "legacy", "fgw")  # three host sites and one under a path prefix, all on 127.0.0.1
KILL_AFTER = 15  # pages the doomed worker's run has stored when it is killed
STALLED_AFTER = 3.0  # the workers' heartbeat timeout (default 30 s)
RATE = 20  # requests per second per host: crawls of several seconds, so the kill lands mid-crawl


@pytest.fixture(scope="module")
def province() -> Iterator[SimServer]:
    """A small simulated portfolio of its own (its request counts see only this module's requests)."""
    options = SimOptions(seed=29, site_pages=80, slow_seconds=SLOW_SECONDS, slow_ok_seconds=0.2, hostile=False,
                         sites=tuple(s for s in default_sites() if s.id in SITES))
    with SimServer(options).running() as server:
        yield server


@pytest.fixture()
def procs(tmp_path: Path) -> Iterator[Processes]:
    group = Processes(tmp_path)
    try:
        yield group
    finally:
        group.stop_all()


def references(sim: SimServer, urls: list[str], folder: Path) -> dict[str, set[str]]:
    """Each site's findings' fingerprints from an uninterrupted single-process run on SQLite."""
    db = f"sqlite:///{folder / 'reference.db'}"
    settings = load_settings(write_crawl_settings(folder / "reference.yaml"), {"store": {"url": db}})
    store = Store(db)
    out: dict[str, set[str]] = {}
    try:
        sim.reset_faults()
        for url in urls:
            run_id = inspect_site(url, settings, store, as_of=sim.options.day).run_id
            out[url] = {fp for (fp,) in query(store, "SELECT fingerprint FROM findings WHERE run_id = :r", r=run_id)}
    finally:
        store.close()
    return out


def fetch_rows(store: Store, run_id: int) -> dict[str, tuple[Any, ...]]:
    """Every stored fetch of the run by URL: (fetch id, role, status, fetched_at, attempts)."""
    rows = query(store, "SELECT u.url, f.id, f.role, f.status, f.fetched_at, f.attempts FROM fetches f "
                        "JOIN urls u ON u.id = f.url_id WHERE f.run_id = :r", r=run_id)
    by_url = {row[0]: row[1:] for row in rows}
    assert len(by_url) == len(rows), "a URL was stored twice in one run"
    return by_url


def requests_of(sim: SimServer, urls: Any) -> dict[str, int]:
    return {url: sim.request_count(url) + sim.request_count(url, "HEAD") for url in urls}


def crawling(store: Store) -> tuple[int, int] | None:
    """(run id, site id) of a running run with at least :data:`KILL_AFTER` pages stored."""
    found = query(store, "SELECT r.id, r.site_id FROM runs r JOIN fetches f ON f.run_id = r.id "
                         "WHERE r.status = 'running' AND f.role = 'page' GROUP BY r.id, r.site_id "
                         "HAVING count(*) >= :n", n=KILL_AFTER)
    return (int(found[0][0]), int(found[0][1])) if found else None


def holder(procs: Processes, store: Store, site_id: int) -> tuple[int, str]:
    """The ``doing`` scan job of the site and the worker that runs it (its log names the job it started)."""
    [(job_id,)] = query(store, "SELECT id FROM procrastinate_jobs WHERE status = 'doing' AND task_name = 'scan_site' "
                               "AND (args->>'site_id')::int = :s", s=site_id)
    [name] = [n for n in ("w1", "w2") if f"scan_site[{job_id}]" in procs.log(n)]
    return int(job_id), name


def scans_done(store: Store, site_ids: Iterable[int]) -> bool:
    """Every job of the queue succeeded (none waits: a job that found the shared host busy was
    deferred again and ran later) and every site has its completed run."""
    statuses = {s for _, _, _, s in queue_jobs(store)}
    completed = {int(s) for (s,) in query(store, "SELECT site_id FROM runs WHERE status = 'completed'")}
    return statuses == {"succeeded"} and set(site_ids) <= completed


def test_serve_and_two_workers_scan_a_province_through_a_kill_9(pg_store: Store, pg_database: str,
                                                               province: SimServer, procs: Processes,
                                                               tmp_path: Path) -> None:
    empty_queue(pg_store)
    urls = [province.site_url(s) for s in SITES]
    expected = references(province, urls, tmp_path)
    assert all(expected.values())  # every site has findings: the comparison compares something

    config = tmp_path / "service.yaml"
    config.write_text("use_registry: false\nsites:\n" + "".join(f"  - url: '{u}'\n" for u in urls)
                      + "schedule: {probe_interval: 1h, patrol: 'off', full_scan: 30d}\n", encoding="utf-8")
    polite = write_crawl_settings(tmp_path / "polite.yaml", rate=RATE)
    province.reset_faults()
    procs.serve("serve", pg_database, config, polite, alerts=False)
    wait_for("serve to defer the four due scans", lambda: (procs.alive(), [
        (q, t, s) for _, q, t, s in queue_jobs(pg_store)])[1] == [("scan", "scan_site", "todo")] * 4)
    assert query(pg_store, "SELECT count(*) FROM runs") == [(0,)]  # deferred, not crawled by serve
    site_ids = {url: pg_store.site_id(url) for url in urls}

    for name in ("w1", "w2"):
        procs.worker(name, pg_database, polite, queues="scan", alerts=False, stalled_after=STALLED_AFTER)
    run_id, site_id = wait_for(f"a run with {KILL_AFTER} pages", lambda: (procs.alive(), crawling(pg_store))[1])
    job_id, doomed = holder(procs, pg_store, site_id)
    procs.kill(doomed)

    [(status,)] = query(pg_store, "SELECT status FROM runs WHERE id = :r", r=run_id)
    assert status == "running"  # killed mid-crawl: nobody marked it
    before = fetch_rows(pg_store, run_id)
    assert len(before) >= KILL_AFTER
    requested = requests_of(province, before)

    wait_for("every scan job done", lambda: (procs.alive(), scans_done(pg_store, site_ids.values()))[1], limit=BOUND)
    heir = "w2" if doomed == "w1" else "w1"
    assert "stalled" in procs.log(heir) and f"scan_site[{job_id}]" in procs.log(heir)  # it took the dead one's job

    for url in urls:
        runs = query(pg_store, "SELECT id, kind, status, complete FROM runs WHERE site_id = :s", s=site_ids[url])
        assert [(kind, status, complete) for _, kind, status, complete in runs] == [("scan", "completed", True)], url
        found = {fp for (fp,) in query(pg_store, "SELECT fingerprint FROM findings WHERE run_id = :r", r=runs[0][0])}
        assert found == expected[url], url
    assert query(pg_store, "SELECT id FROM runs WHERE site_id = :s", s=site_id) == [(run_id,)]  # resumed, not redone
    after = fetch_rows(pg_store, run_id)
    for url, row in before.items():
        assert after[url] == row, url  # kept as the dead worker stored it
    assert requests_of(province, before) == requested  # and not fetched again

    listing = subprocess.run([sys.executable, "-m", "govwatch", "runs", "--db", pg_database], env=env(),
                             capture_output=True, text=True, timeout=BOUND)
    assert listing.returncode == 0, listing.stderr
    shown = listing.stdout + listing.stderr
    jobs = len(queue_jobs(pg_store))  # the four, and those a job found its host busy deferred again
    assert jobs >= 4 and f"scan（扫描）：已完成 {jobs}" in shown and "任务队列：" in shown, shown
    as_json = subprocess.run([sys.executable, "-m", "govwatch", "runs", "--db", pg_database, "--json", "-"], env=env(),
                             capture_output=True, text=True, timeout=BOUND)
    document = json.loads(as_json.stdout)
    assert document["queue"] == {"scan": {"succeeded": jobs}}
    assert sorted((r["site"], r["kind"], r["complete"]) for r in document["runs"] if r["kind"] != "probe") == sorted(
        (url, "scan", True) for url in urls)
    assert procs.stop("serve") == 0, procs.log("serve")
