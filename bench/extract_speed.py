"""Speed of govwatch.extract.extract_page, in ms per page.

Usage: python bench/extract_speed.py [--corpus PATH] [--rounds N] [--worker]

Pages: the real-page corpus (if ../shared exists), the test fixtures and, when
``govwatch.sim`` is importable, pages of the simulated sites. Prints, per set,
the mean and median over pages, the figure for pages of 20–40 KB, and both "cold" (URL
cache cleared before every page: a site's first page) and "warm" (cache kept, as during a
crawl where template links repeat) timings.

``--worker`` times what the crawl's extraction worker does with each page instead
(``extract_for_crawl`` with the run's text scan: facts, compression and the content scan).
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from datetime import date  # noqa: E402
from typing import Any  # noqa: E402

from govwatch.analysis.content.text_scan import scan_body  # noqa: E402
from govwatch.crawl.extractor import extract_for_crawl  # noqa: E402
from govwatch.extract import extract_page  # noqa: E402
from govwatch.extract.resolve import clear_cache  # noqa: E402

_ROOT_URL = "http://www.example.gov.cn/"
_SCAN = functools.partial(scan_body, as_of=date(2026, 11, 22))


def _extract(body: bytes, url: str) -> Any:
    return extract_page(body, url)


def _worker(body: bytes, url: str) -> Any:
    return extract_for_crawl(body, url, "text/html", _ROOT_URL, text_scan=_SCAN)


def _time(pages: list[tuple[str, bytes]], rounds: int, cold: bool, run: Any = _extract) -> list[float]:
    per_page = []
    for name, body in pages:
        url = f"{_ROOT_URL}bench/{name}"
        run(body, url)  # warm-up (imports, regex caches)
        best = float("inf")
        for _ in range(rounds):
            if cold:
                clear_cache()
            t0 = time.perf_counter()
            run(body, url)
            best = min(best, time.perf_counter() - t0)
        per_page.append(best * 1000)
    return per_page


def _report_worker(label: str, pages: list[tuple[str, bytes]], rounds: int) -> None:
    if not pages:
        return
    ms = _time(pages, rounds, False, _worker)
    cpu = time.process_time()
    for name, body in pages:
        _worker(body, f"{_ROOT_URL}bench/{name}")
    cpu = (time.process_time() - cpu) * 1000 / len(pages)
    print(f"{label}: {len(pages)} pages, worker (facts, compression, text scan): best-of-{rounds} mean "
          f"{statistics.mean(ms):.3f} ms/page, median {statistics.median(ms):.3f} ms; one pass {cpu:.3f} CPU ms/page")


def _report(label: str, pages: list[tuple[str, bytes]], rounds: int) -> None:
    if not pages:
        return
    sizes = [len(b) for _, b in pages]
    print(f"{label}: {len(pages)} pages, mean size {statistics.mean(sizes) / 1024:.1f} KB")
    for cold in (True, False):
        ms = _time(pages, rounds, cold)
        mid = [m for m, s in zip(ms, sizes, strict=False) if 20 * 1024 <= s <= 40 * 1024]
        mid_txt = f", 20-40 KB pages ({len(mid)}): {statistics.mean(mid):.3f} ms" if mid else ""
        print(f"  {'cold' if cold else 'warm'}: mean {statistics.mean(ms):.3f} ms/page, "
              f"median {statistics.median(ms):.3f} ms{mid_txt}, "
              f"{1000 / statistics.mean(ms):.0f} pages/s on one core")


def _sim_pages(limit: int) -> list[tuple[str, bytes]]:
    """Pages of the simulated sites (every family and page kind), generated in-process."""
    try:
        from datetime import date

        from govwatch.sim import Portfolio, SimOptions
    except Exception:  # noqa: BLE001 - the simulator is optional here
        return []
    portfolio = Portfolio.with_fake_ports(SimOptions(seed=7, as_of=date(2026, 11, 22), site_pages=120))
    pages: list[tuple[str, bytes]] = []
    for site_id, gen in portfolio.sites.items():
        for path, _kind in gen.iter_pages():
            resp = gen.respond("GET", path.partition("?")[0], path.partition("?")[2])
            if resp.status == 200 and not resp.fault:
                pages.append((f"{site_id}/{path or 'index'}", resp.body))
    step = max(1, len(pages) // limit)
    return pages[::step][:limit]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus" / "real-pages"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--sim-pages", type=int, default=300, help="simulated pages to time (0: none)")
    ap.add_argument("--worker", action="store_true", help="time the extraction worker's whole pass per page")
    args = ap.parse_args(argv)
    corpus = Path(args.corpus) / "pages"
    real = [(p.name, p.read_bytes()) for p in sorted(corpus.glob("*.html"))] if corpus.is_dir() else []
    fixtures = [(p.name, p.read_bytes()) for p in sorted((ROOT / "tests" / "extract" / "fixtures").glob("*"))
                if p.is_file()]
    if not real:
        print(f"(no corpus at {corpus}; fixtures only)")
    report = _report_worker if args.worker else _report
    report("corpus", real, args.rounds)
    report("fixtures", fixtures, args.rounds)
    report("simulator", _sim_pages(args.sim_pages), args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
