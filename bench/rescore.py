"""Re-scoring benchmark: a stored 20,000-page run re-checked and re-scored with other rule tables.

    .venv/bin/python bench/rescore.py [--db bench/out/bench.db] [--run N] [--rules census-2015,suqian-2022]

The store is the one ``bench/crawl.py`` leaves in bench/out/bench.db (run that first: it crawls a
generated 20,000-page site served by nginx). Nothing is fetched: ``govwatch score`` re-runs the
checks on the stored facts with each table (its windows may differ) and scores the findings.
Prints, per table: seconds for the checks, for the engine, in total, peak RSS, and the verdict.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=str(ROOT / "bench" / "out" / "bench.db"))
    parser.add_argument("--run", type=int, help="run id (default: the newest completed run)")
    parser.add_argument("--rules", default="census-2015,suqian-2022,zhongkai-2018,national-2019")
    args = parser.parse_args()

    from sqlalchemy import func, select

    from govwatch.checks import run_checks
    from govwatch.rules import load_ruleset
    from govwatch.scoring import score_checked
    from govwatch.store import tables as t
    from govwatch.store.db import Store
    from govwatch.store.rundata import StoreRunData

    if not Path(args.db).exists():
        print(f"no store at {args.db}: run bench/crawl.py first", file=sys.stderr)
        return 2
    store = Store(args.db)
    with store.engine.connect() as conn:
        run_id = args.run or conn.execute(select(func.max(t.runs.c.id)).where(t.runs.c.status == "completed")).scalar()
        pages = conn.execute(select(func.count()).select_from(t.pages).where(t.pages.c.run_id == run_id)).scalar()
        links = conn.execute(select(func.count()).select_from(t.links).where(t.links.c.run_id == run_id)).scalar()
    if run_id is None:
        print("no completed run in the store", file=sys.stderr)
        return 2
    print(f"run {run_id}: {pages} pages, {links} stored links")
    for name in args.rules.split(","):
        rules = load_ruleset(name.strip())
        started = time.perf_counter()
        data = StoreRunData(store, run_id, rules=rules)
        findings, check_runs = run_checks(data)
        checked = time.perf_counter()
        sheet = score_checked(store, data, findings, check_runs).sheet
        done = time.perf_counter()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        verdict = sheet["verdict"] or f"待定 (≤{sheet['score_upper_bound']})"
        print(f"{rules.id:15s} checks {checked - started:6.2f} s  engine+store {done - checked:5.2f} s  "
              f"total {done - started:6.2f} s  findings {len(findings):4d}  peak RSS {rss:5.0f} MB  "
              f"→ {verdict}, score {sheet['score']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
