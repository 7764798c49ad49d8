"""Precision and recall per finding category on the simulator with construction variation.

Serves variation seeds 1, 2, 3 (``SimOptions(variation=N)``) of one host site per CMS family,
inspects each site (rendering off, as the e2e tests do), and compares the findings with the
manifest by kind and URL (``govwatch.sim.expected``: broken links by target, footer findings by
item and problem, dark links by target). Precision is printed for the kinds whose every instance
the manifest lists; for the others only recall. ``--misses`` lists what was missed or unplanted.

    .venv/bin/python bench/variation_quality.py [--pages 200] [--variations 1,2,3] [--misses]
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path

from govwatch.core.settings import load_settings
from govwatch.pipeline import inspect_site
from govwatch.sim import SimOptions, SimServer, SiteSpec
from govwatch.sim.expected import COMPLETE_KINDS, expected_keys, found_keys, planted_kinds, suspected_links
from govwatch.store.db import Store

AS_OF = date(2026, 11, 22)
SITES = (SiteSpec("trs", "trs", "host", "city"), SiteSpec("jcms", "jcms", "host", "county"),
         SiteSpec("legacy", "legacy", "host", "department", dept="wjw"))
CRAWL = {"concurrency": 16, "per_host_concurrency": 8, "per_host_rate": 0, "timeout": 1.0, "connect_timeout": 1.0,
         "backoff": 0.1, "network": "offline"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--variations", default="1,2,3")
    parser.add_argument("--misses", action="store_true", help="list missed and unplanted findings")
    args = parser.parse_args()
    true_pos: Counter[str] = Counter()
    expected_n: Counter[str] = Counter()
    found_n: Counter[str] = Counter()
    misses = []
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite:///{Path(folder) / 'bench.db'}")
        settings = load_settings(overrides={"crawl": CRAWL, "store": {"url": store.url}, "render": {"enabled": False}},
                                 environ={})
        for variation in (int(v) for v in args.variations.split(",")):
            options = SimOptions(seed=7, as_of=AS_OF, site_pages=args.pages, slow_seconds=2.5, slow_ok_seconds=0.2,
                                 sites=SITES, hostile=False, variation=variation)
            with SimServer(options).running() as sim:
                for spec in SITES:
                    truth = sim.manifest["sites"][spec.id]
                    doc = inspect_site(sim.site_url(spec.id), settings, store, as_of=AS_OF).document
                    expected = expected_keys(truth)
                    found = found_keys(doc, planted_kinds(truth)) - suspected_links(truth)
                    for key in expected:
                        expected_n[key[0]] += 1
                        true_pos[key[0]] += key in found
                    for key in found:
                        if key[0] in COMPLETE_KINDS:
                            found_n[key[0]] += 1
                    misses += [(variation, spec.id, "missed", k) for k in sorted(expected - found)]
                    misses += [(variation, spec.id, "unplanted", k) for k in sorted(found - expected)
                               if k[0] in COMPLETE_KINDS]
        store.close()
    print(f"{'category':28s} {'expected':>8s} {'found':>6s} {'recall':>7s} {'precision':>9s}")
    for kind in sorted(set(expected_n) | set(found_n)):
        recall = true_pos[kind] / expected_n[kind] if expected_n[kind] else float("nan")
        precision = f"{true_pos[kind] / found_n[kind]:.3f}" if found_n[kind] else ("-" if kind not in COMPLETE_KINDS
                                                                                  else "n/a")
        print(f"{kind:28s} {expected_n[kind]:8d} {found_n[kind] if kind in COMPLETE_KINDS else '-':>6} "
              f"{recall:7.3f} {precision:>9s}")
    if args.misses:
        for miss in misses:
            print(*miss)


if __name__ == "__main__":
    main()
