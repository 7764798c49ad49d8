"""Dashboard query benchmark: the aggregate queries of the web dashboard on 3,000 sites × 12 runs.

    .venv/bin/python bench/dashboard_queries.py [--sites 3000] [--runs 12] [--db PATH] [--repeat 5]

Fills a temporary SQLite store (or ``--db``, kept) with a synthetic but schema-valid portfolio:
a province of 16 cities and 96 counties; per site 12 runs (full scans, every fourth a patrol, one
in ten of the newest incomplete), each full run with a score sheet (the real rules engine's sheet of
the default table, verdict and vetoes varied), 20 findings and 15 columns with days left; and the
homepage probed hourly for the last 10 days. Rows go in through the store's own bulk insert
(``Store.insert_rows``). Then times each query of ``govwatch.store.dashboard_rows`` (median of
``--repeat``) for every scope the pages use and prints the figures (milliseconds).

The issue's targets (server time of the whole page or API answer; the queries are most of it):
总览 and an org page with 3,000 sites < 1 s, a site page < 300 ms, the API list of 3,000 sites < 500 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from govwatch.rules import load_ruleset  # noqa: E402
from govwatch.rules.engine import ScoreInput, score  # noqa: E402
from govwatch.store import dashboard_rows as rows  # noqa: E402
from govwatch.store import tables as t  # noqa: E402
from govwatch.store.db import Store  # noqa: E402

TODAY = date(2026, 12, 4)
COLUMN_NAMES = ["首页", "工作动态", "通知公告", "政策文件", "政策解读", "人事信息", "财政预决算", "规划计划",
                "统计信息", "建议提案", "政务公开指南", "机构职能", "领导信息", "互动交流", "办事服务"]


def _sheets() -> list[str]:
    """Score sheets as JSON text: the default table's real sheet with the verdict, score and
    vetoes varied (合格, 不合格 by points, 不合格 by a veto, not fully assessed)."""
    base = score(load_ruleset(), ScoreInput(findings=[], looked_for=frozenset()))
    out = []
    for verdict, points, veto in (("合格", 91.5, None), ("不合格", 52.0, None), ("不合格", None, 1), (None, None, None)):
        sheet = json.loads(json.dumps(base))
        sheet.update(verdict=verdict, score=points)
        for i, v in enumerate(sheet["vetoes"]):
            v["triggered"] = i == veto
        out.append(json.dumps(sheet, ensure_ascii=False))
    return out


def fill(store: Store, n_sites: int, n_runs: int) -> dict[str, Any]:
    """The synthetic portfolio (see the module docstring); returns ids the timings need."""
    rnd = random.Random(19)
    sheets = _sheets()
    e = json.dumps({})
    with store.engine.begin() as conn:
        orgs: list[tuple[Any, ...]] = [(1, "34", "安徽省", None, "province")]
        orgs += [(2 + c, f"34{c:02d}", f"第{c}市", 1, "city") for c in range(16)]
        orgs += [(18 + k, f"34{k // 6:02d}{k % 6:02d}", f"第{k}县", 2 + k // 6, "county") for k in range(96)]
        store.insert_rows(conn, t.orgs, ("id", "code", "name", "parent_id", "level"), orgs)
        store.insert_rows(conn, t.sites, ("id", "url", "name", "created_at", "registered", "org_id"), [
            (s, f"http://site{s}.gov.example/", f"网站{s}", "2026-01-01T00:00:00+00:00", True,
             2 + (s % 16) if s % 4 == 0 else 18 + s % 96) for s in range(1, n_sites + 1)])
        runs, scores, findings, columns = [], [], [], []
        run_id = 0
        for s in range(1, n_sites + 1):
            for k in range(n_runs):
                run_id += 1
                as_of = (TODAY - timedelta(days=7 * (n_runs - k))).isoformat() + "T09:00:00+08:00"
                patrol = k % 4 == 3
                complete = not patrol and not (k == n_runs - 1 and s % 10 == 0)
                runs.append((run_id, s, "patrol" if patrol else "scan", "completed", as_of, as_of, as_of, e, complete))
                if patrol:
                    continue
                scores.append((run_id, "census-2015", as_of, sheets[(s + k) % 4]))
                for f in range(20):
                    findings.append((run_id, "broken_link", "usability.links.broken", f"indicator-{f % 8}",
                                     "error" if f % 3 else "warning", f"http://site{s}.gov.example/p{f}.html",
                                     "链接无法访问", json.dumps({"status": 404}), f"{run_id:010d}{f:06d}"))
                for c, name in enumerate(COLUMN_NAMES):
                    left = rnd.randint(-20, 60) if c % 3 != 2 else None
                    columns.append((run_id, name, f"http://site{s}.gov.example/c{c}/", "homepage" if c == 0 else
                                    "dynamic", "keyword:动态", "nav", "static", "2026-11-01", 10, 0, False,
                                    None if left is None else left < 0, None if left is None else 14, left, c == 0, e))
        scored = {r[0] for r in scores}
        store.insert_rows(conn, t.runs, ("id", "site_id", "kind", "status", "as_of", "started_at", "finished_at",
                                         "settings", "complete"), runs)
        store.insert_rows(conn, t.scores, ("run_id", "ruleset", "computed_at", "sheet"), scores)
        conn.exec_driver_sql("UPDATE scores SET verdict = json_extract(sheet, '$.verdict'), "
                             "score = json_extract(sheet, '$.score')")
        store.insert_rows(conn, t.findings, ("run_id", "kind", "code", "indicator", "severity", "url", "message",
                                             "evidence", "fingerprint"), findings)
        store.insert_rows(conn, t.columns, ("run_id", "name", "url", "type", "type_reason", "discovered_by",
                                            "read_via", "last_update", "items", "undated", "blank", "stale",
                                            "window_days", "days_left", "is_key", "details"), columns)
        start = datetime(TODAY.year, TODAY.month, TODAY.day) - timedelta(days=9)
        probes = [(s, "homepage", f"http://site{s}.gov.example/",
                   (start + timedelta(hours=h)).isoformat() + "+08:00", rnd.random() > 0.02, 15.0)
                  for s in range(1, n_sites + 1) for h in range(24 * 10)]
        store.insert_rows(conn, t.probes, ("site_id", "target_kind", "url", "at", "ok", "timeout_s"), probes)
        conn.exec_driver_sql("ANALYZE")
    return {"runs": len(runs), "scores": len(scored), "findings": len(findings), "columns": len(columns),
            "probes": len(probes)}


def timed(fn: Callable[[], Any], repeat: int) -> float:
    """The median wall time of ``fn`` in milliseconds."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", help="SQLite file to fill and keep (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.db) if args.db else Path(tmp) / "dashboard.db"
        if path.exists():
            print(f"{path} exists: give a new file", file=sys.stderr)
            return 2
        store = Store(f"sqlite:///{path}")
        began = time.perf_counter()
        sizes = fill(store, args.sites, args.runs)
        print(f"filled {args.sites} sites in {time.perf_counter() - began:.1f} s: "
              + ", ".join(f"{k} {v}" for k, v in sizes.items())
              + f"; {path.stat().st_size / 1e6:.0f} MB")
        everyone = None
        city = {s for s in range(1, args.sites + 1) if s % 16 == 3}  # a city and its counties: an IN list
        half = set(range(1, args.sites // 2 + 1))  # a large scope: filtered as rows come
        site = {7}
        run = rows.overview(store, site).sites[0].run_id or 0
        cases: list[tuple[str, Callable[[], Any]]] = [
            ("overview (all sites)", lambda: rows.overview(store, everyone)),
            (f"overview ({len(half)} sites in scope)", lambda: rows.overview(store, half)),
            ("org tree (all sites)", lambda: rows.org_tree(store, everyone)),
            (f"org tree ({len(city)} sites in scope)", lambda: rows.org_tree(store, city)),
            ("sites at risk (all, 7 days, top 200)", lambda: rows.sites_at_risk(store, everyone, today=TODAY)),
            (f"sites at risk ({len(half)} sites)", lambda: rows.sites_at_risk(store, half, today=TODAY)),
            ("availability 7 days (all sites)", lambda: rows.availability_days(store, everyone, today=TODAY)),
            (f"availability 7 days ({len(city)} sites)", lambda: rows.availability_days(store, city, today=TODAY)),
            ("newest runs (all, 20)", lambda: rows.newest_runs(store, everyone)),
            (f"newest runs ({len(half)} sites)", lambda: rows.newest_runs(store, half)),
            ("site: overview of one site", lambda: rows.overview(store, site)),
            ("site: availability 7 days", lambda: rows.availability_days(store, site, today=TODAY)),
            ("site: newest runs", lambda: rows.newest_runs(store, site, limit=12)),
            ("site: columns at risk", lambda: rows.sites_at_risk(store, site, today=TODAY, within_days=3650)),
            ("site: findings by indicator", lambda: rows.findings_by_indicator(store, run, site)),
        ]
        results = [(name, timed(fn, args.repeat)) for name, fn in cases]
        width = max(len(n) for n, _ in results)
        for name, ms in results:
            print(f"{name:<{width}}  {ms:8.1f} ms")
        page = {n: ms for n, ms in results}
        total = sum(ms for n, ms in results if n.startswith("site:"))
        print(f"{'总览 queries (overview + at risk + availability + newest runs)':<{width}}  "
              f"{page['overview (all sites)'] + page['sites at risk (all, 7 days, top 200)'] + page['availability 7 days (all sites)'] + page['newest runs (all, 20)']:8.1f} ms")
        print(f"{'站点 queries (the five site: rows)':<{width}}  {total:8.1f} ms")
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
