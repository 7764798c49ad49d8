"""``govwatch worker``: run the jobs ``govwatch serve`` defers on a PostgreSQL store.

Thin: parse, check, call :func:`govwatch.service.worker.run_worker`. Exits 0 when SIGTERM stopped
it (a worker stopping normally: its crawls are left interrupted and their jobs resume them later),
130 after Ctrl-C, 2 for a bad flag, config or a store that is not PostgreSQL, 1 when it failed.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
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
    open_store,
    plain,
)

EPILOG = """\
A worker takes jobs from the job queue in the store's PostgreSQL database (docs/deploy.md §2):
scan (full scans, the web's 立即检查, ticket re-checks), patrol (daily patrols), report (re-scores,
bulletins), notify (alert delivery) and probe (the batch prober of availability targets). Start as
many as the machines allow, on any machine that reaches the database; two workers never crawl one
site, nor one host, at the same time. A worker killed mid-crawl is noticed when its heartbeat
stops (--stalled-after seconds): another worker takes its job and resumes the run without fetching
again what was stored.

With --config (the service config) and alerts on, finished scans and patrols and the prober's
visits feed the alert observer as under `govwatch serve`: a site going down raises its alert into
the outbox, which the notify queue delivers.

SIGTERM stops it (exit 0): crawls in hand stop at once, their runs are left interrupted and their
jobs retried later. Ctrl-C exits 130, a bad flag or a SQLite store 2, a failure 1.
"""

QUEUES = ("scan", "patrol", "report", "notify", "probe")


def _queues(text: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(q.strip() for q in text.split(",") if q.strip()))
    unknown = [q for q in names if q not in QUEUES]
    if unknown or not names:
        raise UsageError(f"--queues 中有未知的队列：{'、'.join(unknown) or '（空）'}（可选：{','.join(QUEUES)}）")
    if "probe" in names and importlib.util.find_spec("govwatch.service.prober") is None:
        raise UsageError("本版本没有批量探测程序（govwatch.service.prober），--queues 不能含 probe")
    return names


def _service_config(path: str | None) -> Any:
    if path is None:
        return None
    from govwatch.core.serviceconfig import load_service_config
    from govwatch.core.settings import ConfigError

    try:
        return load_service_config(path)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def cmd_worker(args: argparse.Namespace) -> int:
    """Run a worker until SIGTERM or Ctrl-C."""
    from govwatch.core import aio

    queues = _queues(args.queues)
    if args.concurrency < 1:
        raise UsageError(f"--concurrency 须至少为 1，收到 {args.concurrency}")
    if args.stalled_after is not None and not args.stalled_after > 0:
        raise UsageError(f"--stalled-after 须大于 0，收到 {args.stalled_after:g}")
    config = _service_config(args.config)
    settings = cli_settings(argparse.Namespace(config=args.settings, db=args.db))
    if not settings.store.url.startswith("postgresql"):
        raise UsageError(f"任务队列需要 PostgreSQL 存储（--db postgresql+psycopg://…），当前存储为 {settings.store.url}；"
                         "SQLite 存储由 govwatch serve 在本进程内执行全部任务")
    store = open_store(settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from govwatch.service.scheduler import config_file_reloader
    from govwatch.service.tasks import TaskContext
    from govwatch.service.worker import WorkerOptions, run_worker

    try:
        reload = config_file_reloader(args.config, config) if args.config and config else None
        ctx = TaskContext(store, settings, config, alerts=not args.no_alerts, reload_config=reload)
        options = WorkerOptions(queues=queues, concurrency=args.concurrency, name=args.name or "")
        if args.stalled_after is not None:
            options = dataclasses.replace(options, stalled_after=args.stalled_after)
        aio.run(run_worker(ctx, options))
    except aio.Terminated:
        logging.getLogger("govwatch.worker").info("stopped by SIGTERM")
        return EXIT_OK
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except RuntimeError as exc:
        plain(console, f"运行失败：{exc}")
        return EXIT_FAILURE
    finally:
        store.close()
    return EXIT_OK


def add_worker_command(sub: Any) -> None:
    """Register ``worker`` on the CLI's subparsers."""
    p = sub.add_parser("worker", help="run jobs of a PostgreSQL store's queue: scans, patrols, reports, alerts, probes",
                       description="Run a worker in the foreground until stopped.", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--queues", default=",".join(QUEUES), metavar="LIST",
                   help=f"comma-separated queues to work on (default: {','.join(QUEUES)})")
    p.add_argument("--concurrency", type=int, default=2, metavar="N", help="jobs at once (default 2)")
    add_db_flag(p)
    p.add_argument("--config", metavar="FILE",
                   help="the service config (YAML; docs/service.md): site configs, bulletin_dir, alert channels")
    p.add_argument("--settings", metavar="FILE", help="YAML settings file (sections: crawl, store, probe, render)")
    p.add_argument("--name", metavar="NAME", help="the worker's name in logs and leases (default: host:pid)")
    p.add_argument("--stalled-after", type=float, metavar="S",
                   help="seconds without a heartbeat before a worker's jobs go to others (default 30)")
    p.add_argument("--no-alerts", action="store_true", help="crawls and probes raise no alerts")
    p.set_defaults(func=cmd_worker)
