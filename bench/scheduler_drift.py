"""Scheduler drift benchmark: 1,000 probe targets on their clocks, alerts on, against local servers.

    .venv/bin/python bench/scheduler_drift.py [--targets 1000] [--per-site 10] [--interval 5m]
                                              [--duration S] [--servers 10] [--down-share 0.02]
                                              [--flaky 0.02] [--json FILE] [--profile FILE]

Starts ``--servers`` aiohttp servers on 127.0.0.1 in a child process (each answer after 1–20 ms; a
target whose path hashes into ``--down-share`` always answers 503, any other fails at random with
probability ``--flaky``, so the alert path runs), and a fake DingTalk robot (``govwatch.sim.robots``,
signed) in a thread. The service config has ``--targets / --per-site`` ``sites[]`` entries, each a
homepage with ``--per-site - 1`` key columns and its own ``probe_interval``; patrols, scans and
bulletins are off. The real :class:`~govwatch.service.scheduler.Scheduler` (with the
:class:`~govwatch.alerts.observer.AlertObserver`) and :class:`~govwatch.alerts.sender.Sender` run on
one event loop over a SQLite store in a temporary folder for ``--duration`` seconds (default two
intervals plus one: the stagger spreads the first visits over the first interval).

Every visit's planned time (the Monitor's slot, jitter included: ``TargetStats.planned_at``) is
recorded as the visit is reported; the stored ``probes`` rows are then read back and joined with
them. Prints the drift ``|start − planned|`` (p50/p95/p99/max, seconds and share of the interval;
the target is p99 < 10 %), the event loop's lag, visits per target (got against the slots due before
the stop), CPU seconds of the whole process per 1,000 visits, peak RSS, and the rows written
(probes, alert states, schedule states, outbox) with the messages the robot accepted. ``--json``
writes the figures; ``--profile FILE`` writes a cProfile of the event loop's thread (cumulative).
Exit status 1 when a target got fewer visits than its slots due or a stored visit has no plan.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import json
import math
import multiprocessing as mp
import pstats
import random
import resource
import statistics
import sys
import tempfile
import time
import zlib
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from govwatch.alerts.sender import Sender
from govwatch.core.serviceconfig import ServiceConfig, parse_duration, parse_service_config
from govwatch.core.settings import load_settings
from govwatch.core.windows import parse_at
from govwatch.crawl.availability.visit import Visit
from govwatch.service.scheduler import Scheduler
from govwatch.sim.robots import RobotServer
from govwatch.store import service_rows
from govwatch.store.db import Store
from govwatch.store.probes import Target, probes_in_window
from govwatch.store.schedule_rows import job_states

SECRET = "SECbench0scheduler0drift"
LATENCY_MS = (1.0, 20.0)
LAG_PERIOD = 0.1  # seconds between two looks at the event loop's lag
EDGE = 0.5  # seconds at the run's ends within which a slot may or may not have been visited


def always_down(path: str, share: float) -> bool:
    """Whether the target at ``path`` always fails (the same answer in the servers and here)."""
    return zlib.crc32(path.encode()) % 10_000 < share * 10_000


# -- the target servers (a child process) -------------------------------------------------------

def serve(count: int, down_share: float, flaky: float, ports: Any, stop: Any) -> None:
    """Run ``count`` servers on 127.0.0.1 until ``stop`` is set; their ports go to ``ports``."""
    from aiohttp import web

    rng = random.Random(18)

    async def handle(request: web.BaseRequest) -> web.Response:
        await asyncio.sleep(rng.uniform(*LATENCY_MS) / 1000)
        if always_down(request.path, down_share):
            return web.Response(status=503, text="down")
        if rng.random() < flaky:
            return web.Response(status=500, text="flaky")
        return web.Response(text=f"<html><head><title>{request.path}</title></head><body>ok</body></html>",
                            content_type="text/html")

    async def main() -> None:
        runners = []
        found = []
        for _ in range(count):
            runner = web.ServerRunner(web.Server(handle, access_log=None), shutdown_timeout=0.1)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            runners.append(runner)
            found.append(runner.addresses[0][1])
        ports.put(found)
        while not stop.is_set():
            await asyncio.sleep(0.2)
        for runner in runners:
            await runner.cleanup()

    asyncio.run(main())


# -- the service config ---------------------------------------------------------------------------

def service_config(ports: list[int], targets: int, per_site: int, interval: float, jitter: float,
                   robot_url: str) -> ServiceConfig:
    """``targets`` probe targets as ``sites[]`` (homepage + key columns), spread over the servers."""
    sites = []
    for n in range(math.ceil(targets / per_site)):
        base = f"http://127.0.0.1:{ports[n % len(ports)]}/site{n:04d}/"
        columns = [f"{base}col{k}/" for k in range(1, min(per_site, targets - n * per_site))]
        sites.append({"url": base, "name": f"基准站点{n:04d}", "key_columns": columns, "probe_interval": interval})
    return parse_service_config({
        "use_registry": False,
        "schedule": {"probe_jitter": jitter, "probe_timeout": 5, "patrol": "off", "full_scan": "off",
                     "bulletin": "off"},
        "sites": sites,
        "channels": [{"name": "ops-ding", "type": "dingtalk", "url": robot_url, "secret": SECRET}],
        "alerts": [{"events": ["site_down", "site_recovered", "column_down", "column_recovered"],
                    "channels": ["ops-ding"]}],
    }, "bench.yaml")


# -- the run --------------------------------------------------------------------------------------

def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def slots_due(offset: float, interval: float, jitter: float, duration: float) -> tuple[int, int]:
    """(fewest, most) visits a target staggered by ``offset`` must and may get in ``duration`` s: slot 0
    at ``offset``, slot k at ``offset + k·interval ± jitter·interval``; within EDGE of the ends either."""
    fewest = most = 0
    k = 0
    while True:
        centre = offset + k * interval
        spread = jitter * interval if k else 0.0
        if centre - spread >= duration:
            return fewest, most
        most += 1
        fewest += centre + spread < duration - EDGE
        k += 1


async def run_service(scheduler: Scheduler, sender: Sender, duration: float,
                      lags: list[float], backlog: list[int]) -> tuple[float, float]:
    """Run the scheduler and the sender for ``duration`` s; returns (wall start, wall stop). Every
    LAG_PERIOD the loop's lag goes to ``lags`` and the observer calls waiting to ``backlog``."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    async def watch_lag() -> None:
        while not stop.is_set():
            before = loop.time()
            await asyncio.sleep(LAG_PERIOD)
            lags.append(loop.time() - before - LAG_PERIOD)
            backlog.append(scheduler._alert_calls.qsize())  # a bench looks inside

    started = time.time()
    loop.call_later(duration, stop.set)
    tasks = [asyncio.create_task(scheduler.run(stop), name="scheduler"),
             asyncio.create_task(sender.run(stop), name="sender"),
             asyncio.create_task(watch_lag(), name="lag")]
    await asyncio.gather(*tasks)
    return started, time.time()


def stored_probes(store: Store, site_ids: set[int], days: int) -> list[dict[str, Any]]:
    today = date.today() + timedelta(days=1)  # the window ends at the end of tomorrow: any time zone
    return [row for site_id in sorted(site_ids) for row in probes_in_window(store, site_id, today, days)]


class GcPauses:
    """The longest garbage collection pauses (they stop every thread, the event loop's too)."""

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._began = 0.0

    def __call__(self, phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.pauses.append(time.perf_counter() - self._began)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    interval = parse_duration(args.interval)
    duration = args.duration if args.duration is not None else 3 * interval
    ctx = mp.get_context("spawn")
    ports_q, stop_servers = ctx.Queue(), ctx.Event()
    servers = ctx.Process(target=serve, args=(args.servers, args.down_share, args.flaky, ports_q, stop_servers),
                          name="bench-servers")
    servers.start()
    try:
        ports = ports_q.get(timeout=60)
        with tempfile.TemporaryDirectory(prefix="gw-drift-") as work, \
                RobotServer("dingtalk", secret=SECRET).running() as robot:
            db_url = f"sqlite:///{work}/govwatch.db"
            config = service_config(ports, args.targets, args.per_site, interval, args.jitter, robot.url)
            settings = load_settings(overrides={"store": {"url": db_url}}, environ={})
            store = Store(db_url)
            scheduler = Scheduler(store, config, settings, alerts=True)
            loaded = time.perf_counter()
            scheduler.load()
            load_seconds = time.perf_counter() - loaded
            monitor = scheduler.monitor
            assert monitor is not None
            stats_of = {s.target.url: s for s in monitor.stats.values()}
            plans: dict[tuple[str, str], float] = {}
            reported = monitor.on_visit

            def record(target: Target, n: int, result: Visit) -> None:
                planned = stats_of[target.url].planned_at
                if planned is not None:
                    plans[(target.url, result.at)] = planned
                if reported is not None:
                    reported(target, n, result)
            monitor.on_visit = record
            sender = Sender(store, config)
            lags: list[float] = []
            backlog: list[int] = []
            usage_before = resource.getrusage(resource.RUSAGE_SELF)
            gc_pauses = GcPauses()
            gc.callbacks.append(gc_pauses)
            profiler = cProfile.Profile() if args.profile else None
            if profiler is not None:
                profiler.enable()
            started, stopped = asyncio.run(run_service(scheduler, sender, duration, lags, backlog))
            if profiler is not None:
                profiler.disable()
            usage = resource.getrusage(resource.RUSAGE_SELF)
            gc.callbacks.remove(gc_pauses)
            cpu = (usage.ru_utime - usage_before.ru_utime) + (usage.ru_stime - usage_before.ru_stime)
            if profiler is not None:
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(60)
                Path(args.profile).write_text(out.getvalue(), encoding="utf-8")
            rows = stored_probes(store, {t.site_id for t in monitor.targets}, 3)
            figures = report_figures(rows, plans, monitor.targets, interval, args, stopped - started)
            outbox = service_rows.outbox_counts(store)
            states = service_rows.load_alert_states(store)
            figures.update({
                "load_seconds": round(load_seconds, 2),
                "cpu_seconds": round(cpu, 2),
                "cpu_per_1000_visits": round(cpu / max(1, len(rows)) * 1000, 2),
                "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
                "loop_lag_p99_s": round(quantile(lags, 0.99), 4),
                "loop_lag_max_s": round(max(lags, default=0.0), 4),
                "observer_backlog_max": max(backlog, default=0),
                "gc_pause_max_s": round(max(gc_pauses.pauses, default=0.0), 4),
                "gc_collections": len(gc_pauses.pauses),
                "alert_states": len(states),
                "alert_states_down": sum(1 for s in states if s["state"] == "down"),
                "schedule_states": len(job_states(store)),
                "outbox_rows": sum(outbox.values()),
                "outbox_by_state": outbox,
                "robot_messages": len(robot.messages),
            })
            store.close()
    finally:
        stop_servers.set()
        servers.join(timeout=30)
        if servers.is_alive():
            servers.terminate()
            servers.join(timeout=10)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures["servers_cpu_seconds"] = round(children.ru_utime + children.ru_stime, 2)
    return figures


def report_figures(rows: list[dict[str, Any]], plans: dict[tuple[str, str], float], targets: list[Target],
                   interval: float, args: argparse.Namespace, ran: float) -> dict[str, Any]:
    """Drift of every stored visit against its plan, and visits per target against its slots."""
    drifts = []
    unplanned = 0
    for row in rows:
        planned = plans.get((row["url"], row["at"]))
        if planned is None:
            unplanned += 1
            continue
        drifts.append(abs(parse_at(row["at"]).timestamp() - planned))
    got = Counter(row["url"] for row in rows)
    short: list[str] = []
    extra: list[str] = []
    for i, target in enumerate(targets):
        fewest, most = slots_due(interval * i / len(targets), interval, args.jitter, ran)
        if got[target.url] < fewest:
            short.append(target.url)
        elif got[target.url] > most:
            extra.append(target.url)
    down = [t for t in targets if always_down(urlsplit(t.url).path, args.down_share)]
    per_target = sorted(got[t.url] for t in targets)
    return {
        "targets": len(targets), "interval_s": interval, "duration_s": round(ran, 1), "jitter": args.jitter,
        "visits_stored": len(rows), "visits_planned": len(plans), "visits_unplanned": unplanned,
        "visits_per_target_min": per_target[0] if per_target else 0,
        "visits_per_target_median": statistics.median(per_target) if per_target else 0,
        "visits_per_target_max": per_target[-1] if per_target else 0,
        "targets_short": len(short), "targets_extra": len(extra), "short_examples": short[:5],
        "targets_always_down": len(down),
        "drift_p50_s": round(quantile(drifts, 0.50), 4), "drift_p95_s": round(quantile(drifts, 0.95), 4),
        "drift_p99_s": round(quantile(drifts, 0.99), 4), "drift_max_s": round(max(drifts, default=0.0), 4),
        "drift_p99_share": round(quantile(drifts, 0.99) / interval, 4),
        "drift_max_share": round(max(drifts, default=0.0) / interval, 4),
    }


def print_figures(f: dict[str, Any]) -> None:
    iv = f["interval_s"]
    print(f"targets:              {f['targets']} ({f['targets_always_down']} always down), every {iv:g} s "
          f"± {f['jitter']:.0%}; ran {f['duration_s']:g} s (setup {f['load_seconds']:g} s)")
    print(f"visits stored:        {f['visits_stored']} (planned {f['visits_planned']}, without a plan "
          f"{f['visits_unplanned']}); per target min/median/max {f['visits_per_target_min']}/"
          f"{f['visits_per_target_median']}/{f['visits_per_target_max']}; short of the slots due "
          f"{f['targets_short']}, over {f['targets_extra']}")
    print("drift |start-planned|: p50 {:.3f} s, p95 {:.3f} s, p99 {:.3f} s, max {:.3f} s; p99 {:.3%} of the "
          "interval, max {:.3%} (target p99 < 10%)".format(f["drift_p50_s"], f["drift_p95_s"], f["drift_p99_s"],
                                                           f["drift_max_s"], f["drift_p99_share"],
                                                           f["drift_max_share"]))
    print(f"event loop lag:       p99 {f['loop_lag_p99_s'] * 1000:.1f} ms, max {f['loop_lag_max_s'] * 1000:.1f} ms; "
          f"observer calls waiting: at most {f['observer_backlog_max']}; longest of "
          f"{f['gc_collections']} GC pauses {f['gc_pause_max_s'] * 1000:.1f} ms")
    print(f"CPU seconds:          {f['cpu_seconds']:.1f} (whole process: scheduler, observer, sender, robot); "
          f"{f['cpu_per_1000_visits']:.2f} per 1,000 visits; target servers {f['servers_cpu_seconds']:.1f}")
    print(f"peak RSS:             {f['peak_rss_mb']:.0f} MB")
    print(f"rows written:         probes {f['visits_stored']}, alert states {f['alert_states']} "
          f"({f['alert_states_down']} down), schedule states {f['schedule_states']}, outbox {f['outbox_rows']} "
          f"{f['outbox_by_state']}; robot accepted {f['robot_messages']} messages")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", type=int, default=1000)
    parser.add_argument("--per-site", type=int, default=10, help="targets per site (homepage + key columns)")
    parser.add_argument("--interval", default="5m", help="probe interval (5m, 30s, 2 …)")
    parser.add_argument("--jitter", type=float, default=0.2, help="± fraction of the interval")
    parser.add_argument("--duration", type=float, help="seconds to run (default: 3 intervals)")
    parser.add_argument("--servers", type=int, default=10)
    parser.add_argument("--down-share", type=float, default=0.02, help="share of targets that always fail")
    parser.add_argument("--flaky", type=float, default=0.02, help="chance that any other answer fails")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--profile", help="write a cProfile of the event loop's thread to this file")
    args = parser.parse_args(argv)
    figures = measure(args)
    print_figures(figures)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return 1 if figures["targets_short"] or figures["visits_unplanned"] else 0


if __name__ == "__main__":
    sys.exit(main())
