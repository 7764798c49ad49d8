"""Prober benchmark: sustained probes per second of ``govwatch worker --queues probe``'s prober.

    .venv/bin/python bench/prober.py [--targets 2000] [--workers 2] [--concurrency 20] [--batch 50]
                                     [--interval 1s] [--duration 30] [--db URL] [--json FILE]

Starts the simulator's flaky server (``govwatch.sim.flaky``; 1 % of visits reset, 1 % blips, so the
re-probe path runs) on 127.0.0.1 in a child process, writes ``--targets`` probe targets (paths of
that server, 10 per site) into ``probe_schedule`` with ``--interval`` (short: every target is due
again before the workers get round to it, so they never idle and the figure is their capacity),
then runs ``--workers`` child processes, each one :func:`~govwatch.service.prober.run_prober`
(``--concurrency``, ``--batch``) for ``--duration`` seconds on the same store (``--db``: a
PostgreSQL URL; default a SQLite file in a temporary folder).

Prints the probe rows stored per second (sustained: the rows stored, over the span from the first
visit to the last), per worker, the failures stored against those the server served, and the
fewest and most visits of one target (an even spread: the workers share the due rows). Exit
status 1 when a finished visit was not stored once, or the server saw more visits than were stored
and cut at the stop (visits in flight are cancelled and their rows given back).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from govwatch.core.serviceconfig import parse_duration
from govwatch.core.settings import Settings
from govwatch.service.prober import run_prober
from govwatch.sim.flaky import FlakyConfig, FlakyServer
from govwatch.store import tables as t
from govwatch.store.db import Store
from govwatch.store.probe_schedule_rows import PlannedTarget, iso_utc, sync_probe_schedule
from govwatch.store.probes import Target


def serve(port_out: Any, stop: Any) -> None:
    """The flaky server in its own process (its event loop never competes with the workers')."""
    with FlakyServer(FlakyConfig(reset=0.01, blip=0.01, blip_kinds=("reset", "error500"), seed=5)).running() as srv:
        port_out.put(srv.port)
        stop.wait()
        port_out.put(srv.truth())


def worker(url: str, name: str, seconds: float, concurrency: int, batch: int, out: Any) -> None:
    """One prober process for ``seconds``."""
    async def go() -> Any:
        store = Store(url)
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(seconds, stop.set)
        try:
            return await run_prober(store, Settings(), stop, worker_id=name, batch=batch, concurrency=concurrency,
                                    lease_s=120.0, seed=hash(name) & 0xFFFF)
        finally:
            store.close()

    stats = asyncio.run(go())
    out.put({"worker": name, "claimed": stats.claimed, "visits": stats.visits, "failed": stats.failed,
             "stored": stats.stored, "released": stats.released})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--interval", default="1s", help="each target's probe interval (short: always due)")
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--db", help="store URL (default: a SQLite file in a temporary folder)")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    interval = parse_duration(args.interval)
    ctx = mp.get_context("spawn")
    port_q, stop_server = ctx.Queue(), ctx.Event()
    server = ctx.Process(target=serve, args=(port_q, stop_server), daemon=True)
    server.start()
    port = port_q.get(timeout=30)
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'bench.db'}"
        store = Store(url)
        plans = []
        for i in range(args.targets):
            site = store.site_id(f"http://127.0.0.1:{port}/s{i // 10}/")
            plans.append(PlannedTarget(Target(site, "", f"http://127.0.0.1:{port}/s{i // 10}/t{i}/",
                                              "homepage" if i % 10 == 0 else "column"), interval, 15.0))
        sync_probe_schedule(store, plans, now=datetime.now(UTC))
        with store.engine.begin() as conn:  # everything due now
            conn.execute(update(t.probe_schedule).values(next_due_at=iso_utc(datetime.now(UTC) - timedelta(seconds=1))))
        out = ctx.Queue()
        started = time.monotonic()
        procs = [ctx.Process(target=worker, args=(url, f"w{n}", args.duration, args.concurrency, args.batch, out))
                 for n in range(args.workers)]
        for proc in procs:
            proc.start()
        results = [out.get(timeout=args.duration + 120) for _ in procs]
        for proc in procs:
            proc.join()
        wall = time.monotonic() - started
        stop_server.set()
        truth = port_q.get(timeout=30)
        server.join(10)
        with store.engine.connect() as conn:
            rows, first, last = conn.execute(select(func.count(), func.min(t.probes.c.at), func.max(t.probes.c.at))
                                             .select_from(t.probes)).one()
            failed = conn.execute(select(func.count()).select_from(t.probes).where(t.probes.c.ok.is_(False))).scalar()
            visits = [n for (n,) in conn.execute(select(func.count()).select_from(t.probes).group_by(t.probes.c.url))]
        store.close()
    span = (datetime.fromisoformat(last) - datetime.fromisoformat(first)).total_seconds() if rows else 0.0
    figures = {
        "targets": args.targets, "workers": args.workers, "concurrency": args.concurrency, "batch": args.batch,
        "interval_s": interval, "duration_s": args.duration, "wall_s": round(wall, 2),
        "store": "postgresql" if url.startswith("postgresql") else "sqlite",
        "probes_stored": rows, "probes_per_s": round(rows / span, 1) if span else None,
        "failed_stored": failed, "server_failures": truth["outages"] + truth["blips"],
        "server_visits": truth["visits"], "cut_at_stop": truth["visits"] - rows, "visits_per_target_max": max(visits, default=0),
        "visits_per_target_min": min(visits, default=0), "per_worker": results,
    }
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
    finished = sum(r["visits"] for r in results)
    cut_at_stop = truth["visits"] - rows  # visits the stop cancelled after the server saw them
    return 0 if rows == finished and 0 <= cut_at_stop <= sum(r["released"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
