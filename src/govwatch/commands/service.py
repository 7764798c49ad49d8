"""``govwatch serve`` (the monitoring service) and ``govwatch runs`` (every run, by kind).

Thin: parse, call :mod:`govwatch.service`, print. ``serve`` composes the scheduler, the alert
sender and the web app (:func:`govwatch.web.app.create_app` under uvicorn) in one event loop; it
exits 0 when SIGTERM or ``--duration`` stopped it (a service stopping normally), 130 after Ctrl-C,
2 for a bad config or flag (the message names the key), 1 when it failed (e.g. the store, or the
web port already in use).
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from govwatch.commands.common import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    UsageError,
    add_db_flag,
    cli_settings,
    console,
    dashboard_url,
    open_store,
    plain,
    write_json,
)

SERVE_EPILOG = """\
The service watches the registry's sites (status 正常) and the config's sites[]: availability
probes at each site's probe_interval, the daily patrol (日巡查) at its patrol time (Beijing time),
full scans on their full_scan cycle, the bulletin on schedule.bulletin into bulletin_dir, and
pushes alerts to the configured channels. It serves the web dashboard and REST API on
--host/--port (default the settings' web section: 127.0.0.1:8000; --no-web for none) and runs
the jobs the web queues (inspect now, re-score) under the same limits as scans. Sites added to or
removed from the registry or the config file are picked up within a minute, without a restart. Every job's last
and next times are kept in the store (schedule_state): restarted, it runs once what fell due
while it was down and never repeats what completed. The config reference is docs/service.md.

With a PostgreSQL store (--db postgresql+psycopg://...) it crawls, probes and sends nothing itself:
due scans, patrols, bulletins, the web's jobs and alert delivery become jobs of the store's queue,
and the probe targets rows of probe_schedule, for `govwatch worker`s (docs/deploy.md); the web,
the schedule, the alert reminders and escalations and the daily store growth pass stay here.

Stops on SIGTERM (exit 0; scans in flight are left interrupted and resumed at the next start,
pending messages stay in the outbox), Ctrl-C (exit 130) or after --duration seconds (exit 0).
A bad config exits 2 naming the key; a failure (e.g. the store, a port in use) exits 1.
"""

RUNS_EPILOG = """\
kind: manual (govwatch inspect), scan (the service's full scan), patrol (the daily patrol, 巡查: a
light pass, never a verdict), recheck (the re-check of rectification tickets, 复查: their pages
only, never a verdict) and probe (the availability visits of one site and day, summed: not
a run; pages = visits, score = the share of failed visits). complete: whether the run read the
whole site. verdict/score: of the run's newest score sheet (empty while not fully assessed).
"""

WEB_STOP_GRACE = 5  # seconds open web connections get to finish when the service stops
STOP_GRACE = 30.0  # seconds the parts get to stop on their own (systemd's TimeoutStopSec is 60)
KIND_LABELS = {"inspect": "manual", "manual": "manual", "scan": "scan", "patrol": "patrol", "recheck": "recheck",
               "probe": "probe"}
RUN_KINDS = ("manual", "scan", "patrol", "recheck", "probe")
LIGHT_PASSES = {"patrol": "巡查", "recheck": "复查"}  # runs that read a few pages: never a verdict


# -- govwatch serve ---------------------------------------------------------------------------------


def _service_config(path: str) -> Any:
    from govwatch.core.serviceconfig import load_service_config
    from govwatch.core.settings import ConfigError

    try:
        return load_service_config(path)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the scheduler (and the alert sender) until SIGTERM, Ctrl-C or --duration."""
    from govwatch.core import aio
    from govwatch.core.serviceconfig import config_warnings

    if args.duration is not None and not args.duration > 0:
        raise UsageError(f"--duration 须大于 0，收到 {args.duration:g}")
    if args.port is not None and not 0 < args.port < 65536:
        raise UsageError(f"--port 须在 1 到 65535 之间，收到 {args.port}")
    config = _service_config(args.config)
    settings = cli_settings(argparse.Namespace(config=args.settings, db=args.db))
    host = args.host or settings.web.host
    port = args.port if args.port is not None else settings.web.port
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log = logging.getLogger("govwatch.service")
    for warning in config_warnings(config):
        log.warning("config: %s", warning)
    alerts = not args.no_alerts
    listener = None
    if not args.no_web:
        try:
            listener = _listen(host, port)
        except OSError as exc:
            plain(console, f"运行失败：无法在 {host}:{port} 上提供网页看板：{exc.strerror or exc}"
                           "（该端口可能已被其他服务占用？请用 --port 换一个端口，或加 --no-web）")
            return EXIT_FAILURE
    store = open_store(settings)
    try:
        if listener is not None:
            log.info("dashboard: %s", dashboard_url(host, listener.getsockname()[1]))
        aio.run(_serve(store, config, settings, duration=args.duration, alerts=alerts, listener=listener,
                       config_path=args.config))
    except aio.Terminated:
        log.info("stopped by SIGTERM")
        return EXIT_OK
    except KeyboardInterrupt:
        log.info("stopped by Ctrl-C")
        return EXIT_INTERRUPTED
    except RuntimeError as exc:
        plain(console, f"运行失败：{exc}")
        return EXIT_FAILURE
    finally:
        store.close()
        if listener is not None:
            listener.close()
    log.info("stopped after --duration %gs", args.duration)
    return EXIT_OK


def _listen(host: str, port: int) -> Any:
    """The web's listening socket, bound before anything starts (a port in use is an ``OSError``
    here, not a failure inside uvicorn, which would exit the process from a task)."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family)


async def _serve_web(store: Any, config: Any, settings: Any, listener: Any, stop: Any) -> None:
    """The web app under uvicorn on ``listener`` until ``stop`` is set; then open connections get
    :data:`WEB_STOP_GRACE` seconds. The service owns SIGINT and SIGTERM: uvicorn installs no handler.
    The app gets the service config as ``app.state.service_config`` (管理 → 通知渠道 shows its channels, masked)."""
    import asyncio
    import contextlib
    from collections.abc import Iterator

    import uvicorn

    from govwatch.web.app import create_app

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    app = create_app(store, settings)
    app.state.service_config = config
    server = Server(uvicorn.Config(app, lifespan="off", log_level="warning",
                                   timeout_graceful_shutdown=WEB_STOP_GRACE))
    serving = asyncio.create_task(server.serve(sockets=[listener]), name="uvicorn")
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait([serving, stopping], return_when=asyncio.FIRST_COMPLETED)
    finally:
        server.should_exit = True
        stopping.cancel()
        await serving


async def _serve(store: Any, config: Any, settings: Any, *, duration: float | None, alerts: bool,
                 listener: Any = None, config_path: str | None = None) -> None:
    """The scheduler, the sender and the web app (on ``listener``, when given) in one loop until
    ``duration`` passes (or the task is cancelled).

    On a PostgreSQL store (docs/deploy.md §2) no sender runs here: the scheduler defers the outbox's
    delivery as ``drain_outbox`` jobs for the ``notify`` workers instead (never both: two senders
    would deliver a row twice), and its probes are the probe workers' (``probe_schedule``)."""
    import asyncio

    from govwatch.service.scheduler import Scheduler, config_file_reloader
    from govwatch.store.job_queue import uses_job_queue

    stop = asyncio.Event()
    distributed = uses_job_queue(store)
    reload = config_file_reloader(config_path, config) if config_path else None  # sites added while it runs
    scheduler = Scheduler(store, config, settings, alerts=alerts, defer_outbox=distributed, reload_config=reload)
    tasks = [asyncio.create_task(scheduler.run(stop), name="scheduler")]
    if alerts and not distributed:
        from govwatch.alerts.sender import Sender

        tasks.append(asyncio.create_task(Sender(store, config).run(stop), name="sender"))
    if listener is not None:
        tasks.append(asyncio.create_task(_serve_web(store, config, settings, listener, stop), name="web"))
    timer = asyncio.get_running_loop().call_later(duration, stop.set) if duration else None
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            if task.exception() is not None:
                raise RuntimeError(f"{task.get_name()}: {task.exception()}")
    finally:
        # Stopping (SIGTERM cancels this task): each part ends its own work (scans in flight are
        # left interrupted, the outbox keeps its rows); whatever still runs after STOP_GRACE is cancelled.
        stop.set()
        if timer is not None:
            timer.cancel()
        _, late = await asyncio.wait(tasks, timeout=STOP_GRACE)
        for task in late:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


# -- govwatch runs ------------------------------------------------------------------------------------


def run_listing(store: Any, *, site: str | None, org: str | None, kind: str | None) -> list[dict[str, Any]]:
    """The rows ``govwatch runs`` lists (oldest first): runs and the probes per site and day."""
    from govwatch.store.probes import TargetError, normal_url
    from govwatch.store.registry_rows import site_id_of
    from govwatch.store.run_listing import probe_day_rows, run_rows

    site_ids: set[int] | None = None
    if site:
        try:
            found = site_id_of(store, normal_url(site))
        except TargetError as exc:
            raise UsageError(str(exc)) from None
        site_ids = {found} if found is not None else set()
    if org:
        from govwatch.registry import RegistryError, registered_sites
        try:
            in_org = {s.id for s in registered_sites(store, org)}
        except RegistryError as exc:
            raise UsageError(str(exc)) from None
        site_ids = in_org if site_ids is None else site_ids & in_org
    rows: list[dict[str, Any]] = []
    if kind != "probe":
        stored = ("inspect", "manual") if kind == "manual" else (kind,) if kind else None
        for r in run_rows(store, site_ids=site_ids, kinds=stored):
            kind_label = KIND_LABELS.get(r["kind"], r["kind"])
            patrol = kind_label in LIGHT_PASSES
            rows.append({"id": r["id"], "site": r["site_url"], "site_name": r["site_name"], "kind": kind_label,
                         "status": r["status"], "as_of": r["as_of"], "started": r["started_at"],
                         "finished": r["finished_at"], "pages": (r["stats"] or {}).get("pages"),
                         "complete": r["complete"], "verdict": None if patrol else r["verdict"],
                         "score": None if patrol else r["score"]})
    if kind in (None, "probe"):
        for p in probe_day_rows(store, site_ids=site_ids):
            rows.append({"id": None, "site": p["site_url"], "site_name": p["site_name"], "kind": "probe",
                         "status": "completed", "as_of": p["day"], "started": p["first"], "finished": p["last"],
                         "pages": int(p["visits"]), "complete": None, "verdict": None,
                         "score": None, "failed": int(p["failed"] or 0)})
    rows.sort(key=lambda r: (r["started"] or "", r["kind"] == "probe", r["id"] or 0))
    return rows


def _cell(row: dict[str, Any], key: str) -> str:
    value = row[key]
    if key == "verdict" and row["kind"] in LIGHT_PASSES:
        return LIGHT_PASSES[row["kind"]]
    if key == "score" and row["kind"] == "probe":
        return f"failed {row['failed']}/{row['pages']}"
    if value is None:
        return "-"
    if key == "complete":
        return "yes" if value else "no"
    if key in ("started", "finished"):
        return str(value)[:19].replace("T", " ")
    if key == "score":
        return f"{value:g}"
    return str(value)


QUEUE_STATUS_LABELS = {"todo": "等待", "doing": "执行中", "succeeded": "已完成", "failed": "失败",
                       "cancelled": "已取消", "aborting": "中止中", "aborted": "已中止"}
QUEUE_LABELS = {"scan": "扫描", "patrol": "巡查", "report": "报告", "notify": "告警发送"}


def queue_lines(stats: dict[str, dict[str, int]]) -> list[str]:
    """The job queue's state (``job_queue.queue_stats``) in Chinese: one line per queue."""
    if not stats:
        return ["任务队列：空（尚无任务）"]
    order = {status: n for n, status in enumerate(QUEUE_STATUS_LABELS)}
    lines = ["任务队列："]
    for queue, counts in sorted(stats.items()):
        parts = "，".join(f"{QUEUE_STATUS_LABELS.get(status, status)} {n}"
                         for status, n in sorted(counts.items(), key=lambda item: order.get(item[0], len(order))))
        label = QUEUE_LABELS.get(queue)
        lines.append(f"  {queue}（{label}）：{parts}" if label else f"  {queue}：{parts}")
    return lines


def cmd_runs(args: argparse.Namespace) -> int:
    """List runs with their kind, times, pages, completeness, verdict and score (and, on a
    PostgreSQL store, the job queue's jobs per queue and status)."""
    from govwatch.store.job_queue import queue_stats, uses_job_queue

    store = open_store(cli_settings(args))
    try:
        rows = run_listing(store, site=args.site, org=args.org, kind=args.kind)
        queue = queue_stats(store) if uses_job_queue(store) else None
    finally:
        store.close()
    if args.json:
        write_json({"runs": rows} if queue is None else {"runs": rows, "queue": queue}, args.json)
        if args.json == "-":
            return EXIT_OK
    columns = ("id", "site", "kind", "status", "started", "finished", "pages", "complete", "verdict", "score")
    table = [list(columns)] + [[_cell(r, c) for c in columns] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    import sys

    for line in table:
        sys.stdout.write("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip() + "\n")
    plain(console, f"检查运行 {sum(r['kind'] != 'probe' for r in rows)} 次，"
                   f"可访问性监测 {sum(r['kind'] == 'probe' for r in rows)} 天")
    if queue is not None:
        for queue_line in queue_lines(queue):
            plain(console, queue_line)
    return EXIT_OK


# -- parser ---------------------------------------------------------------------------------------------


def add_service_commands(sub: Any) -> None:
    """Register ``serve`` and ``runs`` on the CLI's subparsers."""
    raw = argparse.RawDescriptionHelpFormatter
    p = sub.add_parser("serve", help="run the monitoring service: probes, daily patrols, scans, alerts",
                       description="Run the monitoring service in the foreground until stopped.",
                       epilog=SERVE_EPILOG, formatter_class=raw)
    p.add_argument("--config", required=True, metavar="FILE", help="the service config (YAML; docs/service.md)")
    add_db_flag(p)
    p.add_argument("--settings", metavar="FILE", help="YAML settings file (sections: crawl, store, probe, render, web)")
    p.add_argument("--duration", type=float, metavar="S", help="stop after S seconds (tests, benchmarks)")
    p.add_argument("--no-alerts", action="store_true", help="measure and schedule only: no alert is raised or sent")
    p.add_argument("--host", metavar="ADDR", help="the web dashboard's address (default: settings web.host, 127.0.0.1)")
    p.add_argument("--port", type=int, metavar="N", help="the web dashboard's port (default: settings web.port, 8000)")
    p.add_argument("--no-web", action="store_true", help="no web dashboard or API (queued web jobs still run)")
    p.set_defaults(func=cmd_serve)

    r = sub.add_parser("runs", help="list runs: manual inspections, scans, patrols and probes",
                       description="List the runs in the store, oldest first.", epilog=RUNS_EPILOG,
                       formatter_class=raw)
    r.add_argument("--site", metavar="URL", help="only this site (its homepage URL)")
    r.add_argument("--org", metavar="CODE", help="only sites of this organisation and its sub-organisations")
    r.add_argument("--kind", choices=RUN_KINDS, help="only runs of this kind")
    r.add_argument("--json", metavar="FILE", help="write the list as JSON here ('-' for stdout)")
    add_db_flag(r)
    r.add_argument("--config", help="YAML settings file")
    r.set_defaults(func=cmd_runs)
