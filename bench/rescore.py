"""Re-scoring benchmark: a stored 20,000-page run re-checked and re-scored with other rule tables.

    .venv/bin/python bench/rescore.py [--db bench/out/bench.db] [--run N] [--rules census-2015,suqian-2022]

The store is the one ``bench/crawl.py`` leaves in bench/out/bench.db (run that first: it crawls a
generated 20,000-page site served by nginx). Nothing is fetched: like ``govwatch score`` it runs
again the checks that read a section of the rule table in which the new table differs, reuses the
stored results of the others (content, personal data, …: rules/reads.py), and scores. Prints, per table: the
re-score time, the time of the checks run again, peak RSS and the verdict.
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

    from govwatch.checks import REGISTRY, load_builtin_checks
    from govwatch.pipeline import check_and_report
    from govwatch.rules import load_ruleset
    from govwatch.scoring.runs import score_stored_run
    from govwatch.store import tables as t
    from govwatch.store.db import Store

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
    load_builtin_checks()
    with store.engine.connect() as conn:
        recorded = conn.execute(select(func.count()).select_from(t.check_runs).where(
            t.check_runs.c.run_id == run_id, t.check_runs.c.rule_reads.is_not(None))).scalar()
    if recorded < len(REGISTRY):  # a run checked before every check or its table reads were recorded
        started = time.perf_counter()
        check_and_report(store, run_id)
        print(f"first check of the stored run (all checks, as govwatch inspect does): "
              f"{time.perf_counter() - started:.2f} s")
    for name in args.rules.split(","):
        rules = load_ruleset(name.strip())
        started = time.perf_counter()
        scored = score_stored_run(store, run_id, rules)
        done = time.perf_counter()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        sheet = scored.sheet
        verdict = sheet["verdict"] or f"待定 (≤{sheet['score_upper_bound']})"
        ran = sum(c.elapsed_ms for c in scored.check_runs) / 1000
        reused = sum(1 for c in scored.check_runs if c.elapsed_ms == 0.0)
        print(f"{rules.id:15s} re-score {done - started:6.2f} s (checks run again {ran:5.2f} s; reused "
              f"{reused} of {len(scored.check_runs)})  findings {len(scored.findings):4d}  peak RSS {rss:5.0f} MB  "
              f"→ {verdict}, score {sheet['score']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
