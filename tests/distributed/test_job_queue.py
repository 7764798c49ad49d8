"""The job queue from govwatch's side, in-process on the real PostgreSQL: jobs deferred in the
transaction of the state change that causes them, one waiting job per queueing lock, the web's job
requests and the service's due scans as queue jobs (the service crawling nothing itself), and the
advisory host lock."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, text

from govwatch.service.scheduler import Scheduler
from govwatch.sim import SimServer
from govwatch.store import tables as t
from govwatch.store.db import Store, now_iso
from govwatch.store.host_locks import host_lock, host_lock_holders
from govwatch.store.job_queue import defer, defer_in, queue_stats, uses_job_queue
from govwatch.store.ticket_rows import TicketChange, change_tickets, insert_tickets, ticket_rows
from govwatch.store.web_rows import add_job_request, job_request, start_job_request
from tests.conftest import AS_OF, sim_settings
from tests.service.test_scheduler import config_for, run_until


def jobs(store: Store) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, queue_name, task_name, lock, queueing_lock, args, CAST(status AS text) "
                                 "AS status FROM procrastinate_jobs ORDER BY id")).mappings()
        return [dict(r) for r in rows]


@pytest.fixture()
def empty_queue(pg_store: Store) -> Store:
    with pg_store.engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE procrastinate_jobs, procrastinate_events CASCADE")
    return pg_store


def test_a_job_is_deferred_in_the_callers_transaction(empty_queue: Store) -> None:
    store = empty_queue
    site_id = store.site_id("http://rollback.example.gov.cn/")
    with pytest.raises(RuntimeError), store.engine.begin() as conn:
        conn.execute(insert(t.job_requests).values(kind="inspect", site_id=site_id, args={}, state="queued",
                                                   created_at=now_iso()))
        assert defer_in(conn, "scan_site", {"site_id": site_id}, queue="scan") is not None
        raise RuntimeError("the state change fails after the job was deferred")
    assert jobs(store) == []  # rolled back together with the request row
    with store.engine.connect() as conn:
        assert conn.execute(select(t.job_requests)).all() == []

    with store.engine.begin() as conn:
        job_id = defer_in(conn, "scan_site", {"site_id": site_id, "名称": "检查"}, queue="scan",
                          lock=f"site:{site_id}", queueing_lock=f"scan:{site_id}")
    assert [(j["id"], j["task_name"], j["lock"], j["queueing_lock"], j["args"], j["status"]) for j in jobs(store)] == [
        (job_id, "scan_site", f"site:{site_id}", f"scan:{site_id}", {"site_id": site_id, "名称": "检查"}, "todo")]


def test_one_waiting_job_per_queueing_lock_and_the_transaction_goes_on(empty_queue: Store) -> None:
    store = empty_queue
    first = defer(store, "scan_site", {"site_id": 1}, queue="scan", queueing_lock="scan:1")
    with store.engine.begin() as conn:
        assert defer_in(conn, "scan_site", {"site_id": 1}, queue="scan", queueing_lock="scan:1") is None
        other = defer_in(conn, "patrol_site", {"site_id": 1}, queue="patrol", queueing_lock="patrol:1")
    assert [j["id"] for j in jobs(store)] == [first, other]  # the refused one left the rest of the transaction
    assert queue_stats(store) == {"scan": {"todo": 1}, "patrol": {"todo": 1}}


def test_a_web_job_request_defers_its_job_with_the_site_lock(empty_queue: Store, tmp_path: Path) -> None:
    store = empty_queue
    site_id = store.site_id("http://request.example.gov.cn/")
    inspect_id = add_job_request(store, "inspect", site_id, {}, None)
    rescore_id = add_job_request(store, "rescore", site_id, {"run_id": 1}, None)
    recheck_id = add_job_request(store, "recheck", site_id, {"tickets": [1]}, None)
    assert [(j["queue_name"], j["task_name"], j["lock"], j["args"]) for j in jobs(store)] == [
        ("scan", "scan_site", f"site:{site_id}", {"request_id": inspect_id, "site_id": site_id, "kind": "manual"}),
        ("report", "rescore", None, {"request_id": rescore_id}),
        ("scan", "recheck", f"site:{site_id}", {"request_id": recheck_id, "site_id": site_id})]
    # A worker takes the request (a retried job takes it again); an ended one is not run twice.
    assert start_job_request(store, inspect_id)["state"] == "running"  # type: ignore[index]
    assert start_job_request(store, inspect_id) is not None
    with store.engine.begin() as conn:
        conn.execute(t.job_requests.update().where(t.job_requests.c.id == inspect_id).values(state="done"))
    assert start_job_request(store, inspect_id) is None
    assert job_request(store, inspect_id)["state"] == "done"  # type: ignore[index]

    sqlite = Store(f"sqlite:///{tmp_path / 'local.db'}")  # SQLite: no queue, the scheduler claims the row
    try:
        assert not uses_job_queue(sqlite)
        local = add_job_request(sqlite, "inspect", sqlite.site_id("http://request.example.gov.cn/"), {}, None)
        assert job_request(sqlite, local)["state"] == "queued"  # type: ignore[index]
        assert queue_stats(sqlite) == {}
    finally:
        sqlite.close()


def test_a_ticket_verification_defers_its_recheck_with_the_tickets_move(empty_queue: Store) -> None:
    store = empty_queue
    site_id = store.site_id("http://ticket.example.gov.cn/")
    run_id = store.create_run(site_id, AS_OF.isoformat(), {})
    [ticket] = insert_tickets(store, site_id, [{
        "fingerprint": "f" * 16, "problem_id": "p1", "kind": "broken_link", "indicator": "链接可用性",
        "url": "http://ticket.example.gov.cn/a.html", "source": None, "target": None, "message": "链接不可用",
        "evidence": {}, "origin": "check", "found_run_id": run_id}], actor="test")
    job = {"kind": "recheck", "site_id": site_id, "args": {"tickets": [ticket]}, "requested_by": None}

    def refuse(_row: dict[str, Any]) -> TicketChange:
        raise ValueError("工单状态不允许复查")

    with pytest.raises(ValueError):
        change_tickets(store, [ticket], refuse, actor="test", job=job)
    assert jobs(store) == []  # the refused change deferred nothing
    out = change_tickets(store, [ticket], lambda _row: TicketChange({"state": "verifying"}, "verify"),
                         actor="test", job=job)
    assert [(j["task_name"], j["lock"], j["args"]) for j in jobs(store)] == [
        ("recheck", f"site:{site_id}", {"request_id": out["job_id"], "site_id": site_id})]
    assert ticket_rows(store, [ticket])[0]["verify_job_id"] == out["job_id"]


def test_serve_on_postgresql_defers_a_due_scan_and_crawls_nothing(empty_queue: Store, dsim: SimServer) -> None:
    store = empty_queue
    url = dsim.site_url("legacy")
    config = config_for(url, probe_interval="1h", patrol="off", full_scan="30d")
    first = Scheduler(store, config, sim_settings(store.url), alerts=False)
    run_until(first, lambda: bool(first.finished))
    site_id = store.site_id(url)
    [job] = jobs(store)
    assert (job["queue_name"], job["task_name"], job["lock"], job["queueing_lock"]) == (
        "scan", "scan_site", f"site:{site_id}", f"scan:{site_id}")
    assert job["args"]["site_id"] == site_id and job["args"]["job_key"] == f"scan:{url}"
    with store.engine.connect() as conn:
        assert conn.execute(select(t.runs.c.id).where(t.runs.c.site_id == site_id)).all() == []  # no crawl here
        state = conn.execute(select(t.schedule_state).where(t.schedule_state.c.job_key == f"scan:{url}")).mappings().one()
    assert state["next_due_at"] > state["last_started_at"]  # the next scan is planned a cycle later

    # A restart: nothing is due again; with defer_outbox (serve running no sender of its own) alert
    # delivery becomes notify jobs, one waiting at most.
    again = Scheduler(store, config, sim_settings(store.url), alerts=True, defer_outbox=True)
    run_until(again, lambda: False, limit=1.5)
    assert [(j["queue_name"], j["task_name"], j["lock"], j["queueing_lock"]) for j in jobs(store)] == [
        ("scan", "scan_site", f"site:{site_id}", f"scan:{site_id}"), ("notify", "drain_outbox", "outbox", "outbox")]


def test_the_host_lock_keeps_two_crawls_of_one_host_apart(pg_store: Store, tmp_path: Path) -> None:
    async def crawl(store: Store, host: str, log: list[tuple[str, str]], name: str) -> None:
        async with host_lock(store, host):
            log.append(("in", name))
            if store.engine.dialect.name == "postgresql":
                assert len(host_lock_holders(store, host)) == 1
            await asyncio.sleep(0.3)
            log.append(("out", name))

    async def two(store: Store, hosts: tuple[str, str]) -> list[tuple[str, str]]:
        log: list[tuple[str, str]] = []
        await asyncio.gather(crawl(store, hosts[0], log, "a"), crawl(store, hosts[1], log, "b"))
        return log

    same = asyncio.run(two(pg_store, ("www.example.gov.cn", "WWW.example.gov.cn")))
    assert [e for e, _ in same] == ["in", "out", "in", "out"]  # one after the other
    assert host_lock_holders(pg_store, "www.example.gov.cn") == []  # released
    apart = asyncio.run(two(pg_store, ("a.example.gov.cn", "b.example.gov.cn")))
    assert [e for e, _ in apart] == ["in", "in", "out", "out"]  # other hosts: together

    sqlite = Store(f"sqlite:///{tmp_path / 'local.db'}")  # one process: no lock
    try:
        assert [e for e, _ in asyncio.run(two(sqlite, ("h", "h")))] == ["in", "in", "out", "out"]
    finally:
        sqlite.close()


def test_a_waiting_host_lock_can_be_cancelled(pg_store: Store) -> None:
    async def go() -> list[int]:
        async with host_lock(pg_store, "busy.example.gov.cn"):
            waiter = asyncio.create_task(host_lock(pg_store, "busy.example.gov.cn").__aenter__())
            await asyncio.sleep(0.6)
            assert not waiter.done()
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
        return host_lock_holders(pg_store, "busy.example.gov.cn")

    assert asyncio.run(go()) == []


def test_prune_deletes_only_jobs_finished_before_the_retention(empty_queue: Store) -> None:
    """``store prune``'s job rows: finished (any final status) and last touched before the window go,
    with their events; a finished job touched inside the window, and waiting or running jobs however
    old, stay. A dry run counts the same rows and deletes none."""
    from govwatch.commands.main import main
    from govwatch.store.job_queue import prune_finished_jobs

    store = empty_queue
    ids = {}
    for name, status, days_ago in [("old_ok", "succeeded", 20), ("old_failed", "failed", 20),
                                   ("old_cancelled", "cancelled", 30), ("recent_ok", "succeeded", 2),
                                   ("old_waiting", "todo", 40), ("old_running", "doing", 40)]:
        ids[name] = defer(store, "scan_site", {"site_id": len(ids) + 1}, queue="scan")
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE procrastinate_jobs SET status = CAST(:s AS procrastinate_job_status) "
                              "WHERE id = :j"), {"s": status, "j": ids[name]})
            conn.execute(text("UPDATE procrastinate_events SET at = now() - make_interval(days => :d) "
                              "WHERE job_id = :j"), {"d": days_ago, "j": ids[name]})
    assert prune_finished_jobs(store, keep_days=14, dry_run=True) == 3
    assert len(jobs(store)) == 6
    assert main(["store", "prune", "--db", store.url, "--job-retention-days", "14"]) == 0
    left = {j["id"] for j in jobs(store)}
    assert left == {ids["recent_ok"], ids["old_waiting"], ids["old_running"]}
    with store.engine.connect() as conn:
        orphans = conn.execute(text("SELECT count(*) FROM procrastinate_events WHERE job_id <> ALL(:left)"),
                               {"left": list(left)}).scalar()
    assert orphans == 0
    assert prune_finished_jobs(store, keep_days=14) == 0  # nothing more to do
