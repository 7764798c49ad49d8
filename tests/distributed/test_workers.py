"""Real ``govwatch worker`` processes on the real PostgreSQL crawling simulated sites: a scan done
by a worker, the per-site job lock (two scans of one site never overlap, even with room for both),
and the host lock (two workers, two sites on one host: both jobs taken at once, the crawls one
after the other, the job that found the host busy deferred again). Intervals come from the queue's own event rows (when each job started and ended)
and from the runs' start and finish times."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from govwatch.sim import SimServer
from govwatch.store import tables as t
from govwatch.store.db import Store
from govwatch.store.job_queue import defer
from govwatch.store.web_rows import add_job_request, job_request
from tests.conftest import AS_OF
from tests.distributed.conftest import Workers, wait_for, write_crawl_settings


def job_intervals(store: Store, job_ids: list[int]) -> list[tuple[datetime, datetime]]:
    """When each job started and when it ended (its first ``started`` and last final event)."""
    out = []
    with store.engine.connect() as conn:
        for job_id in job_ids:
            rows = dict(conn.execute(text(
                "SELECT CAST(type AS text), max(at) FROM procrastinate_events WHERE job_id = :id GROUP BY type"),
                {"id": job_id}).all())
            out.append((rows["started"], rows["succeeded"]))
    return out


def job_statuses(store: Store, job_ids: list[int]) -> list[str]:
    with store.engine.connect() as conn:
        status = dict(conn.execute(text("SELECT id, CAST(status AS text) FROM procrastinate_jobs")).all())
    return [status[j] for j in job_ids]


def runs_of(store: Store, site_id: int) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t.runs).where(t.runs.c.site_id == site_id)
                                              .order_by(t.runs.c.id)).mappings()]


def pages_of(store: Store, run_id: int) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM fetches WHERE run_id = :r AND role = 'page'"),
                                {"r": run_id}).scalar_one())


def scan(store: Store, site_id: int) -> int:
    """A scan job of the site as the service defers it (site lock), without its queueing lock so
    that a second one can wait too."""
    job_id = defer(store, "scan_site", {"site_id": site_id, "as_of": AS_OF.isoformat()}, queue="scan",
                   lock=f"site:{site_id}")
    assert job_id is not None
    return job_id


def test_a_worker_scans_a_site_and_two_scans_of_it_never_overlap(pg_store: Store, dsim: SimServer,
                                                                  workers: Workers, tmp_path: Path) -> None:
    url = dsim.site_url("trs")
    site_id = pg_store.site_id(url)
    dsim.reset_faults()
    jobs = [scan(pg_store, site_id), scan(pg_store, site_id)]
    workers.start_worker("w1", write_crawl_settings(tmp_path / "fast.yaml"), concurrency=2)  # room for both at once
    wait_for("both scans done", lambda: job_statuses(pg_store, jobs) == ["succeeded", "succeeded"], workers)

    (start1, end1), (start2, end2) = sorted(job_intervals(pg_store, jobs))
    assert end1 <= start2  # the second scan of the site waited for the first
    runs = runs_of(pg_store, site_id)
    assert [(r["kind"], r["status"], r["complete"]) for r in runs] == [("scan", "completed", True)] * 2
    truth = dsim.manifest["sites"]["trs"]["page_count"]
    assert all(pages_of(pg_store, r["id"]) >= truth for r in runs)  # every page of the site, both times
    assert all(r["as_of"] == AS_OF.isoformat() for r in runs)


def test_two_workers_never_crawl_one_host_together(pg_store: Store, dsim: SimServer, workers: Workers,
                                                   tmp_path: Path) -> None:
    urls = [dsim.site_url("jcms"), dsim.site_url("legacy")]
    assert {u.split("//")[1].split(":")[0] for u in urls} == {"127.0.0.1"}  # two sites, one host
    site_ids = [pg_store.site_id(u) for u in urls]
    dsim.reset_faults()
    jobs = [scan(pg_store, s) for s in site_ids]
    polite = write_crawl_settings(tmp_path / "polite.yaml", rate=20)  # crawls of several seconds
    workers.start_worker("w1", polite)
    workers.start_worker("w2", polite)

    def both_crawled() -> bool:
        runs = [runs_of(pg_store, s) for s in site_ids]
        return all(len(r) == 1 and r[0]["status"] == "completed" for r in runs) and set(
            job_statuses(pg_store, all_jobs(pg_store))) == {"succeeded"}
    wait_for("both scans done", both_crawled, workers)

    (start1, end1), (start2, end2) = sorted(job_intervals(pg_store, jobs))
    assert start2 < end1  # both workers held a job at once: nothing but the host lock kept them apart
    first, second = sorted((runs_of(pg_store, s)[0] for s in site_ids), key=lambda r: r["started_at"])
    assert first["finished_at"] <= second["started_at"]  # the second crawl began after the first ended
    assert first["status"] == second["status"] == "completed"
    assert [j for j in all_jobs(pg_store) if j > max(jobs)]  # the job that found the host busy: deferred again


def all_jobs(store: Store) -> list[int]:
    with store.engine.connect() as conn:
        return [int(i) for i in conn.execute(text("SELECT id FROM procrastinate_jobs ORDER BY id")).scalars()]


def test_web_requests_run_on_workers_from_queued_to_done(pg_store: Store, dsim: SimServer, workers: Workers,
                                                         tmp_path: Path) -> None:
    url = dsim.site_url("fgw")
    site_id = pg_store.site_id(url)
    dsim.reset_faults()
    inspect_id = add_job_request(pg_store, "inspect", site_id, {"rules": "national-2019"}, None)
    workers.start_worker("w1", write_crawl_settings(tmp_path / "fast.yaml"), queues="scan,report")
    wait_for("the inspection request ended", lambda: request_state(pg_store, inspect_id) in ("done", "failed"), workers)
    request = job_request(pg_store, inspect_id)
    assert request is not None and request["state"] == "done", request
    [run] = runs_of(pg_store, site_id)
    assert (request["run_id"], run["kind"], run["status"]) == (run["id"], "manual", "completed")
    assert request["progress"]["stage"] == "inspecting" and request["progress"]["pages"] > 0

    rescore_id = add_job_request(pg_store, "rescore", site_id, {}, None)
    wait_for("the re-score request ended", lambda: request_state(pg_store, rescore_id) in ("done", "failed"), workers)
    rescored = job_request(pg_store, rescore_id)
    assert rescored is not None and (rescored["state"], rescored["run_id"]) == ("done", run["id"]), rescored
    bad_id = add_job_request(pg_store, "rescore", site_id, {"rules": "没有这张表"}, None)
    wait_for("the bad request ended", lambda: request_state(pg_store, bad_id) in ("done", "failed"), workers)
    bad = job_request(pg_store, bad_id)
    assert bad is not None and bad["state"] == "failed" and "未知的评分规则表" in bad["error"]  # failed, in Chinese


def request_state(store: Store, request_id: int) -> str | None:
    row = job_request(store, request_id)
    return None if row is None else str(row["state"])


def test_a_notify_worker_delivers_the_outbox(pg_store: Store, workers: Workers, tmp_path: Path) -> None:
    from govwatch.alerts.events import Event
    from govwatch.core.clock import SHANGHAI
    from govwatch.sim.robots import RobotServer
    from govwatch.store import service_rows as rows

    site = "http://www.qs.gov.cn/"
    at = datetime.now(SHANGHAI)
    event = Event("site_down", "critical", site, "青山县人民政府", "450121", site, "【预警】青山县人民政府网站首页无法访问",
                  "青山县人民政府网站首页已连续2次无法访问。", f"site_down:{site}", at)
    with RobotServer("webhook").running() as robot:
        config = tmp_path / "service.yaml"
        config.write_text(f'use_registry: false\nchannels:\n  - name: hook\n    type: webhook\n    url: "{robot.url}"\n',
                          encoding="utf-8")
        [row_id] = rows.insert_outbox(pg_store, [rows.OutboxRow(
            event_kind=event.kind, severity=event.severity, recipient="hook", channel="hook",
            dedupe_key=event.dedupe_key, payload=event.to_payload(), next_attempt_at=rows.stamp(at))])
        job_id = defer(pg_store, "drain_outbox", {}, queue="notify", lock="outbox", queueing_lock="outbox")
        assert job_id is not None
        workers.start_worker("notify", write_crawl_settings(tmp_path / "fast.yaml"), queues="notify", config=config)
        wait_for("the job done", lambda: job_statuses(pg_store, [job_id]) == ["succeeded"], workers)
        assert rows.outbox_counts(pg_store) == {"sent": 1}
        assert [m["delivery_id"] for m in robot.messages] == [f"gw-{row_id}"]
