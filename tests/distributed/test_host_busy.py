"""A crawl job whose host is busy gives its worker's slot back (service/tasks.py ``_on_host``): it
defers itself again and ends, so jobs of other hosts run meanwhile; nothing of it is lost (its
request row stays ``queued``, the jobs run once the host is free) and two crawls of one host never
overlap. The host is held by the test itself (the advisory lock a crawl takes) until the other
host's job is done: no timing decides the outcome."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from govwatch.sim import SimOptions, SimServer
from govwatch.store.db import Store
from govwatch.store.host_locks import HOST_LOCK_SPACE, host_lock_holders
from govwatch.store.web_rows import add_job_request, job_request
from tests.conftest import AS_OF
from tests.distributed.conftest import Workers, wait_for, write_crawl_settings
from tests.distributed.test_workers import job_statuses, runs_of, scan

OTHER_HOST = "127.0.0.2"  # loopback too, another host name: another host lock


@pytest.fixture(scope="module")
def other_sim() -> Iterator[SimServer]:
    """A simulator on another loopback address (another host to the host locks)."""
    with SimServer(SimOptions(seed=23, as_of=AS_OF, site_pages=60, hostile=False), host=OTHER_HOST).running() as s:
        yield s


def queued_jobs(store: Store, task: str) -> list[dict[str, object]]:
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(
            "SELECT id, args, lock, CAST(status AS text) AS status FROM procrastinate_jobs "
            "WHERE task_name = :task AND status = 'todo' ORDER BY id"), {"task": task}).mappings()]


def test_a_job_of_a_busy_host_leaves_the_slot_to_another_hosts_job(pg_store: Store, dsim: SimServer,
                                                                    other_sim: SimServer, workers: Workers,
                                                                    tmp_path: Path) -> None:
    busy = [pg_store.site_id(dsim.site_url("jcms")), pg_store.site_id(dsim.site_url("legacy"))]
    free = pg_store.site_id(other_sim.site_url("fgw"))
    dsim.reset_faults()
    holder = pg_store.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        holder.execute(text("SELECT pg_advisory_lock(:space, hashtext('127.0.0.1'))"), {"space": HOST_LOCK_SPACE})
        first = scan(pg_store, busy[0])  # the busy host's jobs are deferred first: they are taken first
        request_id = add_job_request(pg_store, "inspect", busy[1], {}, None)
        other = scan(pg_store, free)
        workers.start_worker("w1", write_crawl_settings(tmp_path / "fast.yaml"), concurrency=2)

        wait_for("the other host's scan done while 127.0.0.1 is busy",
                 lambda: job_statuses(pg_store, [other]) == ["succeeded"], workers)
        [other_run] = runs_of(pg_store, free)
        assert (other_run["status"], other_run["complete"]) == ("completed", True)
        assert runs_of(pg_store, busy[0]) == runs_of(pg_store, busy[1]) == []  # nothing crawled on the busy host
        assert job_statuses(pg_store, [first]) == ["succeeded"]  # ended at once, slot given back ...
        waiting = queued_jobs(pg_store, "scan_site")
        assert {(j["args"]["site_id"], j["lock"]) for j in waiting} >= {  # type: ignore[index]
            (busy[0], f"site:{busy[0]}"), (busy[1], f"site:{busy[1]}")}  # ... and deferred again, locks kept
        request = job_request(pg_store, request_id)
        assert request is not None and request["state"] == "queued" and request["progress"] == {"stage": "waiting"}
        assert host_lock_holders(pg_store, "127.0.0.1") == [holder.execute(text("SELECT pg_backend_pid()")).scalar()]
    finally:
        holder.execute(text("SELECT pg_advisory_unlock(:space, hashtext('127.0.0.1'))"), {"space": HOST_LOCK_SPACE})
        holder.close()  # the host is free

    wait_for("both crawls of 127.0.0.1 done", lambda: [r["status"] for r in runs_of(pg_store, busy[0])] == ["completed"]
             and job_request(pg_store, request_id)["state"] in ("done", "failed"), workers)  # type: ignore[index]
    [scanned], [inspected] = runs_of(pg_store, busy[0]), runs_of(pg_store, busy[1])
    request = job_request(pg_store, request_id)
    assert request is not None and (request["state"], request["run_id"]) == ("done", inspected["id"])
    assert (scanned["kind"], inspected["kind"]) == ("scan", "manual")
    one, two = sorted((scanned, inspected), key=lambda r: r["started_at"])
    assert one["finished_at"] <= two["started_at"]  # one crawl of the host at a time
