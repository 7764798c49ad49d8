"""Dashboard page benchmark: whole page renders through FastAPI's TestClient over 3,000 sites × 12 runs.

    .venv/bin/python bench/dashboard_pages.py [--sites 3000] [--runs 12] [--db PATH] [--repeat 5]

The store is the one of ``bench/dashboard_queries.py`` (its ``fill``): a temporary SQLite file, or
``--db`` (filled when it does not exist, reused when it does, so the queries and the pages can be
timed over the same file). An admin signs in; each page is requested once to warm up, then
``--repeat`` times; the figure is the median wall time of the request in process (routing, scope,
queries, template rendering: the server's time, no network). Printed against the issue's targets:
总览 and an org page with 3,000 sites < 1 s, a site page < 300 ms, ``GET /api/v1/sites`` < 500 ms.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from fastapi.testclient import TestClient  # noqa: E402

from dashboard_queries import fill  # noqa: E402
from govwatch.core.settings import Settings  # noqa: E402
from govwatch.store.db import Store  # noqa: E402
from govwatch.web.accounts import AccountError, add_account  # noqa: E402
from govwatch.web.app import create_app  # noqa: E402

PASSWORD = "bench-pages-1"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]*)"')
PROVINCE = "34"  # the root org of the filled store: every site is in its subtree


def sign_in(client: TestClient) -> None:
    field = CSRF_INPUT.search(client.get("/login").text)
    assert field, "no login form"
    answer = client.post("/login", data={"name": "bench", "password": PASSWORD, "csrf_token": field.group(1)},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text


def timed_get(client: TestClient, path: str, repeat: int) -> tuple[float, int]:
    """The median milliseconds of ``GET path`` (after one warm-up request) and the answer's size."""
    size = len(client.get(path).content)
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - began) * 1000)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    return statistics.median(times), size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", help="SQLite file: filled when missing, reused when present (default: temporary)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.db) if args.db else Path(tmp) / "dashboard.db"
        fresh = not path.exists()
        store = Store(f"sqlite:///{path}")
        if fresh:
            began = time.perf_counter()
            fill(store, args.sites, args.runs)
            print(f"filled {args.sites} sites × {args.runs} runs in {time.perf_counter() - began:.1f} s")
        sites = args.sites  # a reused --db must hold this many (checked against the API below)
        try:
            add_account(store, "bench", "admin", PASSWORD)
        except AccountError:  # the account of an earlier run over the same --db
            pass
        pages = [("总览 /", "/", 1000.0), (f"组织 /orgs/{PROVINCE} ({sites} sites)", f"/orgs/{PROVINCE}", 1000.0),
                 ("站点 /sites/7", "/sites/7", 300.0), (f"API /api/v1/sites ({sites} sites)", "/api/v1/sites", 500.0)]
        with TestClient(create_app(store, Settings())) as client:
            sign_in(client)
            listed = client.get("/api/v1/sites").json()["sites"]
            assert len(listed) == sites, (len(listed), sites)
            results = [(name, *timed_get(client, url, args.repeat), target) for name, url, target in pages]
        width = max(len(r[0]) for r in results)
        print(f"{'page':<{width}}  {'median':>9}  {'target':>8}  {'bytes':>9}")
        for name, ms, size, target in results:
            print(f"{name:<{width}}  {ms:6.0f} ms  {target:5.0f} ms  {size:9,}  {'ok' if ms < target else 'MISSED'}")
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
