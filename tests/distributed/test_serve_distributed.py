"""``govwatch serve`` on a PostgreSQL store (docs/deploy.md §2, "What serve does on PostgreSQL"), as a
real subprocess: it runs no sender of its own (a pending outbox row stays pending while it runs
alone) and defers the delivery as ``drain_outbox`` jobs instead; it probes nothing itself (the site
gets no request from it) and puts the watched targets in ``probe_schedule``. A ``govwatch worker
--queues probe,notify`` with the service config then visits the site that is down, its visits raise
the down alert into the outbox (the alert observer fed by the prober), and the same worker's notify
queue delivers it, and the pending row, exactly once each to a webhook on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from govwatch.alerts.events import Event
from govwatch.core.clock import SHANGHAI
from govwatch.sim.robots import RobotServer
from govwatch.store import service_rows as rows
from govwatch.store.db import Store
from tests.distributed.conftest import wait_for, write_crawl_settings
from tests.distributed.serving import Processes, empty_queue, env, query, queue_jobs
from tests.service.test_service_e2e import SwitchedSite

SITE_NAME = "东山县人民政府网站"
QUIET = 3.0  # seconds serve runs alone (three probe intervals, more than a sender's pass) before a worker starts


@pytest.fixture()
def procs(tmp_path: Path) -> Iterator[Processes]:
    group = Processes(tmp_path)
    try:
        yield group
    finally:
        group.stop_all()


def test_serve_on_postgresql_leaves_probes_and_delivery_to_the_workers(pg_store: Store, pg_database: str,
                                                                      procs: Processes, tmp_path: Path) -> None:
    empty_queue(pg_store)
    site = SwitchedSite()
    site.down.set()  # 503 from the start: down after two failed visits
    requests: list[str] = []
    with site.running(), RobotServer("webhook").running() as robot:
        original = site.server.RequestHandlerClass.do_GET  # type: ignore[attr-defined]

        def counted(handler: object) -> None:
            requests.append("GET")
            original(handler)
        site.server.RequestHandlerClass.do_GET = counted  # type: ignore[attr-defined]

        config = tmp_path / "service.yaml"
        config.write_text(f"use_registry: false\nsites:\n  - {{url: '{site.url}', name: {SITE_NAME}}}\n"
                          "schedule: {probe_interval: 1s, probe_jitter: 0, patrol: 'off', full_scan: 'off'}\n"
                          f"channels:\n  - {{name: hook, type: webhook, url: '{robot.url}'}}\n"
                          "alerting: {failure_threshold: 2, success_threshold: 2}\n"
                          "alerts:\n  - {events: [site_down], channels: [hook]}\n", encoding="utf-8")
        settings = write_crawl_settings(tmp_path / "settings.yaml")
        at = datetime.now(SHANGHAI)
        event = Event("site_down", "critical", "http://www.qs.gov.cn/", "青山县人民政府", "450121",
                      "http://www.qs.gov.cn/", "【预警】青山县人民政府网站首页无法访问", "青山县人民政府网站首页已连续2次无法访问。",
                      "site_down:http://www.qs.gov.cn/", at)
        [waiting] = rows.insert_outbox(pg_store, [rows.OutboxRow(
            event_kind=event.kind, severity=event.severity, recipient="hook", channel="hook",
            dedupe_key=event.dedupe_key, payload=event.to_payload(), next_attempt_at=rows.stamp(at))])

        procs.serve("serve", pg_database, config, settings, alerts=True)
        wait_for("the site's homepage in probe_schedule", lambda: (procs.alive(), query(
            pg_store, "SELECT url, interval_s FROM probe_schedule"))[1] == [(site.url, 1.0)])
        wait_for("a drain_outbox job deferred", lambda: (procs.alive(), [
            (q, t) for _, q, t, _ in queue_jobs(pg_store)])[1] == [("notify", "drain_outbox")])
        time.sleep(QUIET)
        procs.alive()
        assert requests == []  # serve probes nothing itself on PostgreSQL
        assert query(pg_store, "SELECT count(*) FROM probes") == [(0,)]
        assert rows.outbox_counts(pg_store) == {"pending": 1}  # and sends nothing: no sender of its own
        assert robot.messages == []

        procs.worker("prober", pg_database, settings, queues="probe,notify", config=config)
        wait_for("both messages at the webhook", lambda: (procs.alive(), len(robot.messages) >= 2)[1])
        wait_for("the outbox all sent", lambda: rows.outbox_counts(pg_store) == {"sent": 2})
        time.sleep(QUIET)  # more failed visits and delivery passes: no second down row, nothing sent twice
        assert procs.stop("prober") == 0, procs.log("prober")
        assert procs.stop("serve") == 0, procs.log("serve")

    assert len(requests) >= 3  # the worker visited the site, again and again
    down_rows = query(pg_store, "SELECT id, state FROM outbox WHERE event_kind = 'site_down' AND dedupe_key LIKE :k",
                      k=f"%{site.url}%")
    assert [state for _, state in down_rows] == ["sent"]  # one down alert, however many failed visits
    assert sorted(m["delivery_id"] for m in robot.messages) == sorted(f"gw-{i}" for i in (waiting, down_rows[0][0]))
    down = next(m for m in robot.messages if m["delivery_id"] == f"gw-{down_rows[0][0]}")
    assert SITE_NAME in str(down["payload"])  # the target built from the claimed row carries the site's name
    assert query(pg_store, "SELECT state FROM alert_states WHERE target_key = :k", k=f"site:{site.url}") == [("down",)]
    probes = query(pg_store, "SELECT count(*), sum(CASE WHEN ok THEN 0 ELSE 1 END) FROM probes WHERE url = :u",
                   u=site.url)
    assert probes[0][0] >= 3 and probes[0][0] == probes[0][1]  # every visit stored, every one failed


def test_the_queue_lines_of_govwatch_runs_are_chinese_in_a_fixed_status_order(tmp_path: Path) -> None:
    from govwatch.commands.service import queue_lines

    assert queue_lines({}) == ["任务队列：空（尚无任务）"]
    assert queue_lines({"scan": {"succeeded": 7, "doing": 2, "todo": 3}, "notify": {"failed": 1, "todo": 1},
                        "custom": {"weird": 4}}) == [
        "任务队列：", "  custom：weird 4", "  notify（告警发送）：等待 1，失败 1", "  scan（扫描）：等待 3，执行中 2，已完成 7"]
    # A SQLite store has no queue: `govwatch runs` shows none, and its JSON has no "queue".
    db = f"sqlite:///{tmp_path / 'local.db'}"
    Store(db).close()
    shown = subprocess.run([sys.executable, "-m", "govwatch", "runs", "--db", db], env=env(), capture_output=True,
                           text=True, timeout=120)
    assert shown.returncode == 0 and "检查运行 0 次" in shown.stderr and "任务队列" not in shown.stdout + shown.stderr
    as_json = subprocess.run([sys.executable, "-m", "govwatch", "runs", "--db", db, "--json", "-"], env=env(),
                             capture_output=True, text=True, timeout=120)
    assert json.loads(as_json.stdout) == {"runs": []}
