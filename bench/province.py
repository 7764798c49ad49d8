"""Province benchmark (issue 21): full scans of many small simulated sites by 2 ``govwatch worker``s
on PostgreSQL, store size per site-run, probes/s, re-scoring every stored run, dashboard queries.

    .venv/bin/python bench/province.py [--sites 1000] [--hosts 50] [--workers 2] [--concurrency 2]
        [--min-pages 50] [--max-pages 300] [--rules national-2019,suqian-2022,census-2015] [--probe-seconds 20] [--limit 5400]
        [--pg URL] [--keep] [--json FILE]

1. **Sites.** ``--sites`` simulated sites (pages drawn uniformly in ``--min-pages``..``--max-pages``,
   the three families in turn, seeded) served by ``--hosts`` ``SimServer``s, each on its own
   loopback address (127.0.1.1, 127.0.1.2, …), all in one child process. A province's sites have
   their own host names, and a worker's crawl holds its host's lock (docs/deploy.md §2), so the
   sites are spread over hosts as they would be; the scan jobs go in host by host in turn.
2. **Store.** A throwaway PostgreSQL database (``--pg``, default ``GOVWATCH_TEST_PG`` or the local
   test server) migrated to head; dropped at the end unless ``--keep``.
3. **Full scans.** One ``scan_site`` job per site (as ``serve`` defers them), then ``--workers``
   ``govwatch worker --queues scan`` processes (``--concurrency`` jobs each). Sites per hour =
   jobs done / (last job's end − first job's start), from Procrastinate's own event rows; the
   workers' CPU from /proc before they are stopped (by PID, SIGTERM). Crawl settings: loopback
   allowed, no per-host rate limit, no rendering, no security measurements (docs/deploy.md §5).
4. **Store size** (``store_stats``: ``pg_total_relation_size`` per govwatch table, indexes included)
   over the completed runs.
5. **Re-score** every completed run with each of ``--rules`` (the scans' own table, then others: a
   check runs again only where a table differs in a section it read, rules/reads.py):
   ``scoring.runs.score_stored_runs`` (the batch path) and, for comparison, ``score_stored_run``
   one run at a time on the first ``--one-by-one`` runs.
6. **Dashboard queries** (``store.dashboard_rows``, the cases of ``bench/dashboard_queries.py``)
   at this size, median of 5.
7. **Probes/s**: ``bench/prober.py`` (2 prober processes, 2,000 targets always due) on the same
   database for ``--probe-seconds``.

Prints a table of figures, ``--json FILE`` writes them. Everything is on 127.0.0.0/8; every child
process is stopped by its PID; ``--limit`` bounds the wait for the scans (seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import create_engine, make_url, text  # noqa: E402

from govwatch.store.db import Store  # noqa: E402

AS_OF = "2026-12-01"
PG_DEFAULT = os.environ.get("GOVWATCH_TEST_PG", "postgresql+psycopg://govwatch:govwatch@127.0.0.1:5432/postgres")
SETTINGS = """\
crawl:
  allow_private: ["127.0.0.0/8", "::1", "localhost"]
  timeout: 5
  connect_timeout: 2
  network: offline
  per_host_rate: 0
  seed_retry_seconds: 1
render:
  enabled: false
security:
  enabled: false
"""


# -- the simulated sites ------------------------------------------------------------------------

def site_specs(n_sites: int, hosts: int, min_pages: int, max_pages: int) -> list[list[Any]]:
    """The sites of each host: site ``i`` on host ``i % hosts``, pages seeded in the range."""
    from govwatch.sim.options import SiteSpec

    rnd = random.Random(21)
    families = ("trs", "jcms", "legacy")
    per_host: list[list[Any]] = [[] for _ in range(hosts)]
    for i in range(n_sites):
        per_host[i % hosts].append(SiteSpec(f"p{i}", families[i % 3], "host", ("city", "county")[i % 2],  # type: ignore[arg-type]
                                            pages=rnd.randint(min_pages, max_pages)))
    return per_host


def serve(n_sites: int, hosts: int, min_pages: int, max_pages: int, out: Any, stop: Any) -> None:
    """The simulators in one child process and one event loop: host ``k`` on 127.0.1.(k+1).
    Sends back [(url, pages)] in job order (host by host in turn)."""
    from govwatch.sim import SimOptions, SimServer

    async def main() -> None:
        servers = []
        for k, specs in enumerate(site_specs(n_sites, hosts, min_pages, max_pages)):
            if not specs:
                continue
            options = SimOptions(seed=100 + k, as_of=date.fromisoformat(AS_OF), sites=tuple(specs), hostile=False,
                                 slow_seconds=0.5, slow_ok_seconds=0.1)
            server = SimServer(options, host=f"127.0.1.{k + 1}")
            await server.start()
            servers.append(server)
        sites = {sid: (s["homepage"], s["page_count"]) for server in servers
                 for sid, s in server.manifest["sites"].items()}
        out.put([sites[f"p{i}"] for i in range(n_sites)])
        while not stop.is_set():
            await asyncio.sleep(0.5)
        for server in servers:
            await server.stop()

    asyncio.run(main())


# -- the database and the workers ---------------------------------------------------------------

def throwaway_database(pg: str) -> tuple[str, Callable[[], None]]:
    """A new database on the server of ``pg`` (migrated to head) and the function that drops it."""
    server = create_engine(pg, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    name = f"govwatch_province_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with server.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(pg).set(database=name).render_as_string(hide_password=False)
    Store(url).close()

    def drop() -> None:
        with server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        server.dispose()
    return url, drop


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process (and its waited children), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(x) for x in fields[11:15]) / ticks


def cpu_pressure() -> float:
    """Linux PSI: microseconds some task waited for a CPU, since boot (0 where unknown)."""
    try:
        line = Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except OSError:
        return 0.0
    return float(line.rsplit("total=", 1)[1])


def job_counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {str(s): int(n) for s, n in conn.execute(text(
            "SELECT CAST(status AS text), count(*) FROM procrastinate_jobs GROUP BY status"))}


def scan_span(store: Store) -> tuple[float, int]:
    """Seconds from the first job's start to the last job's end, and the jobs that succeeded."""
    with store.engine.connect() as conn:
        first, last, done = conn.execute(text(
            "SELECT min(at) FILTER (WHERE type = 'started'), max(at) FILTER (WHERE type IN ('succeeded', 'failed')), "
            "count(*) FILTER (WHERE type = 'succeeded') FROM procrastinate_events")).one()
    return ((last - first).total_seconds() if first and last else 0.0), int(done)


def run_scans(url: str, sites: list[tuple[str, int]], args: argparse.Namespace, folder: Path,
              server_pid: int) -> dict[str, Any]:
    """Enqueue one scan per site, run the workers until every job ended (or ``--limit``); the
    workers' and the simulator's CPU and the machine's CPU pressure over the wait."""
    from govwatch.store.job_queue import defer

    store = Store(url)
    for site_url, _ in sites:
        site_id = store.site_id(site_url)
        defer(store, "scan_site", {"site_id": site_id, "as_of": AS_OF}, queue="scan", lock=f"site:{site_id}",
              queueing_lock=f"scan:{site_id}")
    settings = folder / "settings.yaml"
    settings.write_text(SETTINGS, encoding="utf-8")
    environ = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    procs = []
    for n in range(args.workers):
        log = open(folder / f"w{n}.log", "wb")  # noqa: SIM115 - closed once the child holds it
        procs.append(subprocess.Popen([sys.executable, "-m", "govwatch", "worker", "--db", url, "--settings",
                                       str(settings), "--queues", "scan", "--concurrency", str(args.concurrency),
                                       "--name", f"w{n}", "--no-alerts"], env=environ, stdout=log,
                                      stderr=subprocess.STDOUT))
        log.close()
    began, pressure, server_cpu = time.monotonic(), cpu_pressure(), cpu_seconds(server_pid)
    cpu: dict[int, float] = {}
    try:
        while time.monotonic() - began < args.limit:
            counts = job_counts(store)
            left = counts.get("todo", 0) + counts.get("doing", 0)
            for proc in procs:
                if proc.poll() is None:
                    cpu[proc.pid] = cpu_seconds(proc.pid)
                elif left:
                    raise RuntimeError(f"worker {proc.pid} exited ({proc.returncode}): see {folder}")
            if not left:
                break
            time.sleep(2)
            print(f"\r  {time.monotonic() - began:6.0f} s  jobs {counts}", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
    waited = time.monotonic() - began
    pressure = (cpu_pressure() - pressure) / 1e6 / waited
    server_cpu = cpu_seconds(server_pid) - server_cpu
    span, done = scan_span(store)
    with store.engine.connect() as conn:
        runs, pages = conn.execute(text(
            "SELECT count(DISTINCT r.id), count(f.id) FROM runs r LEFT JOIN fetches f ON f.run_id = r.id "
            "AND f.role = 'page' WHERE r.status = 'completed'")).one()
    store.close()
    counts = job_counts(Store(url))
    return {"jobs": len(sites), "jobs_by_status": counts, "succeeded": done, "runs_completed": int(runs),
            "pages_stored": int(pages), "pages_served": sum(p for _, p in sites), "span_s": round(span, 1),
            "sites_per_hour": round(done / span * 3600) if span else None,
            "pages_per_s": round(int(pages) / span, 1) if span else None,
            "worker_cpu_s": round(sum(cpu.values()), 1),
            "worker_cpu_s_per_site": round(sum(cpu.values()) / done, 2) if done else None,
            "simulator_cpu_s": round(server_cpu, 1), "cpu_pressure": round(pressure, 2)}


# -- store size, re-score, dashboard ------------------------------------------------------------

def store_size(url: str) -> dict[str, Any]:
    from govwatch.store.growth_rows import store_stats

    store = Store(url)
    stats = store_stats(store)
    with store.engine.connect() as conn:
        runs = int(conn.execute(text("SELECT count(*) FROM runs WHERE status = 'completed'")).scalar_one())
        database = int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
    store.close()
    tables = {row["table"]: row for row in stats["tables"]}
    total = sum(row["bytes"] or 0 for row in tables.values())
    biggest = sorted(tables.values(), key=lambda r: -(r["bytes"] or 0))[:6]
    return {"runs": runs, "tables_bytes": total, "database_bytes": database,
            "bytes_per_run": round(total / runs) if runs else None,
            "bodies_stored_bytes": stats["bodies"]["stored_bytes"], "bodies_raw_bytes": stats["bodies"]["bytes"],
            "largest_tables": {r["table"]: {"rows": r["rows"], "bytes": r["bytes"]} for r in biggest}}


def rescore(url: str, rules_names: list[str], one_by_one: int) -> list[dict[str, Any]]:
    """Every completed run re-scored with each of ``rules_names`` (the batch path: a check runs again
    only where the table differs in a section it read), then, with the first table, one run at a
    time on the first ``one_by_one`` runs (the same sheets)."""
    from govwatch.rules import load_ruleset
    from govwatch.scoring import runs as scoring

    store = Store(url)
    with store.engine.connect() as conn:
        run_ids = [int(r) for r in conn.execute(text("SELECT id FROM runs WHERE status = 'completed' ORDER BY id"))
                   .scalars()]
    results: list[dict[str, Any]] = []
    for name in rules_names:
        rules = load_ruleset(name)
        out: dict[str, Any] = {"runs": len(run_ids), "rules": rules.id}
        began = time.perf_counter()
        batch = scoring.score_stored_runs(store, run_ids, rules)
        out["batch_s"] = round(time.perf_counter() - began, 2)
        out["batch_ms_per_run"] = round(out["batch_s"] / len(run_ids) * 1000, 1) if run_ids else None
        if not results:
            sample = run_ids[:one_by_one]
            began = time.perf_counter()
            sheets = [scoring.score_stored_run(store, run_id, rules).sheet for run_id in sample]
            single = time.perf_counter() - began
            out["same_sheets"] = json.dumps(sheets, sort_keys=True) == json.dumps(batch[:len(sample)], sort_keys=True)
            out["one_by_one_runs"] = len(sample)
            out["one_by_one_s"] = round(single, 2)
            out["one_by_one_ms_per_run"] = round(single / len(sample) * 1000, 1) if sample else None
        results.append(out)
    store.close()
    return results


def timed(fn: Callable[[], Any], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    return round(statistics.median(times), 1)


def dashboard(url: str) -> dict[str, float]:
    """The dashboard's queries (bench/dashboard_queries.py's cases) on this store, ms (median of 5)."""
    from govwatch.store import dashboard_rows as rows

    store = Store(url)
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
    today = date.fromisoformat(AS_OF)
    site_ids = sorted(store.site_ids())
    half = set(site_ids[: len(site_ids) // 2])
    site = {site_ids[0]}
    run = rows.overview(store, site).sites[0].run_id or 0
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("overview (all sites)", lambda: rows.overview(store, None)),
        (f"overview ({len(half)} sites in scope)", lambda: rows.overview(store, half)),
        ("org tree (all sites)", lambda: rows.org_tree(store, None)),
        ("sites at risk (all, 7 days, top 200)", lambda: rows.sites_at_risk(store, None, today=today)),
        ("availability 7 days (all sites)", lambda: rows.availability_days(store, None, today=today)),
        ("newest runs (all, 20)", lambda: rows.newest_runs(store, None)),
        ("site: overview of one site", lambda: rows.overview(store, site)),
        ("site: availability 7 days", lambda: rows.availability_days(store, site, today=today)),
        ("site: newest runs", lambda: rows.newest_runs(store, site, limit=12)),
        ("site: columns at risk", lambda: rows.sites_at_risk(store, site, today=today, within_days=3650)),
        ("site: findings by indicator", lambda: rows.findings_by_indicator(store, run, site)),
    ]
    out = {name: timed(fn) for name, fn in cases}
    store.close()
    return out


def probes(url: str, seconds: float, folder: Path) -> dict[str, Any]:
    """``bench/prober.py`` on this database: its sustained probes/s."""
    target = folder / "prober.json"
    subprocess.run([sys.executable, str(ROOT / "bench" / "prober.py"), "--db", url, "--duration", str(seconds),
                    "--json", str(target)], check=False, stdout=subprocess.DEVNULL, timeout=seconds + 600,
                   env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    figures = json.loads(target.read_text(encoding="utf-8")) if target.exists() else {}
    return {k: figures.get(k) for k in ("targets", "workers", "concurrency", "probes_stored", "probes_per_s",
                                        "failed_stored", "server_failures")}


# -- main ---------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--min-pages", type=int, default=50)
    parser.add_argument("--max-pages", type=int, default=300)
    parser.add_argument("--rules", default="national-2019,suqian-2022,census-2015",
                        help="the tables all stored runs are re-scored with, comma-separated (the first also one run at a time)")
    parser.add_argument("--one-by-one", type=int, default=100, help="runs re-scored one at a time for comparison")
    parser.add_argument("--probe-seconds", type=float, default=20.0, help="0: skip the prober")
    parser.add_argument("--limit", type=float, default=5400.0, help="seconds to wait for the scans at most")
    parser.add_argument("--pg", default=PG_DEFAULT, help="a PostgreSQL URL whose role may create databases")
    parser.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    if not 1 <= args.hosts <= 254 or args.sites < 1:
        parser.error("--sites must be at least 1 and --hosts in 1..254")
    ctx = mp.get_context("spawn")
    sites_q, stop = ctx.Queue(), ctx.Event()
    server = ctx.Process(target=serve, args=(args.sites, args.hosts, args.min_pages, args.max_pages, sites_q, stop))
    server.start()
    url, drop = throwaway_database(args.pg)
    figures: dict[str, Any] = {"sites": args.sites, "hosts": args.hosts, "workers": args.workers,
                               "concurrency": args.concurrency, "pages_range": [args.min_pages, args.max_pages],
                               "database": make_url(url).render_as_string(hide_password=True)}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            sites = sites_q.get(timeout=600)
            print(f"{len(sites)} sites ({sum(p for _, p in sites)} pages) on {args.hosts} loopback hosts; "
                  f"scanning with {args.workers} workers × {args.concurrency}", file=sys.stderr)
            figures["scans"] = run_scans(url, sites, args, folder, server.pid or 0)
            stop.set()
            figures["store"] = store_size(url)
            figures["rescore"] = rescore(url, [n.strip() for n in args.rules.split(",")], args.one_by_one)
            figures["dashboard_ms"] = dashboard(url)
            if args.probe_seconds > 0:
                figures["probes"] = probes(url, args.probe_seconds, folder)
    finally:
        stop.set()
        server.join(30)
        if server.is_alive():
            os.kill(server.pid or 0, signal.SIGTERM)
            server.join(10)
        if args.keep:
            print(f"kept: {url}", file=sys.stderr)
        else:
            drop()
    print_table(figures)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


def print_table(f: dict[str, Any]) -> None:
    s, st, r = f["scans"], f["store"], f["rescore"]
    lines = [
        ("sites scanned (succeeded / jobs)", f"{s['succeeded']} / {s['jobs']}  {s['jobs_by_status']}"),
        ("pages stored / served", f"{s['pages_stored']} / {s['pages_served']}"),
        ("scan span (first start → last end)", f"{s['span_s']} s"),
        ("full scans per hour", f"{s['sites_per_hour']}  ({s['pages_per_s']} pages/s)"),
        ("worker CPU (per site)", f"{s['worker_cpu_s']} s ({s['worker_cpu_s_per_site']} s)"),
        ("simulator CPU / machine CPU pressure (PSI some)", f"{s['simulator_cpu_s']} s / {s['cpu_pressure']:.0%}"),
        ("store: tables / database", f"{st['tables_bytes'] / 1e6:.1f} MB / {st['database_bytes'] / 1e6:.1f} MB"),
        ("store per site-run", f"{(st['bytes_per_run'] or 0) / 1e6:.2f} MB over {st['runs']} runs"),
        ("largest tables", ", ".join(f"{k} {v['bytes'] / 1e6:.1f} MB" for k, v in st["largest_tables"].items())),
    ]
    lines += [(f"re-score all {x['runs']} runs with {x['rules']} (batch)",
               f"{x['batch_s']} s ({x['batch_ms_per_run']} ms a run)") for x in r]
    lines.append((f"re-score one at a time ({r[0]['one_by_one_runs']} runs, {r[0]['rules']})",
                  f"{r[0]['one_by_one_s']} s ({r[0]['one_by_one_ms_per_run']} ms a run); "
                  f"same sheets: {r[0]['same_sheets']}"))
    lines += [(f"dashboard: {k}", f"{v} ms") for k, v in f["dashboard_ms"].items()]
    if "probes" in f:
        p = f["probes"]
        lines.append(("probes/s (bench/prober.py)", f"{p['probes_per_s']} ({p['workers']} workers × {p['concurrency']}, "
                                                    f"{p['targets']} targets)"))
    width = max(len(k) for k, _ in lines)
    for key, value in lines:
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    raise SystemExit(main())
