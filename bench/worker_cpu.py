"""CPU per page of the crawl's extraction worker (``extract_for_crawl`` with the run's text scan),
and a digest of everything it returns, to compare two trees page by page.

Usage::

    python bench/worker_cpu.py --site /tmp/gw-perf-20000/site [--limit N] [--digest OUT] [--profile]
    python bench/worker_cpu.py --sim --corpus [--digest OUT]
    PYTHONPATH=<tree>/src python bench/worker_cpu.py ...   # another tree (git archive of a commit)
    python bench/worker_cpu.py --compare A B                # two digest files: the pages that differ
    python bench/worker_cpu.py --site /tmp/gw-perf-20000/site --limit 2000 --passes 3 --parts

Pages: every ``*.html`` file of ``--site`` (its URL ``http://127.0.0.1:8080/<path>``, as served by
``bench/memory_peaks.py``'s nginx), the five simulator sites' pages, files and endpoints
(``--sim``, as tests/unit/test_text_of_tree.py builds them) and the real-page corpus (``--corpus``,
three content types each). Prints the process CPU per page of one pass (the bodies read first),
with ``--parts`` the CPU per page of some of its parts too (functions wrapped with
``time.process_time``; the URL cache cleared before each pass) and of the crawler's
``challenge_marker``, and with ``--profile`` cProfile's top functions. ``--digest`` writes one line per page: its name and
the SHA-256 of the PreparedPage's fields (facts JSON, text hits, links, pagination, the body's
compressed form decompressed, ...), so two trees' outputs can be compared.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

if not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from govwatch.analysis.content.text_scan import scan_body  # noqa: E402
from govwatch.crawl.extractor import extract_for_crawl  # noqa: E402
from govwatch.store.blobs import decompress  # noqa: E402

ORIGIN = "http://127.0.0.1:8080/"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real-pages" / "pages"
_SCAN = functools.partial(scan_body, as_of=date(2026, 12, 5))


def site_pages(site: Path, limit: int | None) -> list[tuple[str, bytes, str, str]]:
    files = sorted(site.rglob("*.html"))[:limit]
    return [(str(f.relative_to(site)), f.read_bytes(), ORIGIN + str(f.relative_to(site)), "text/html") for f in files]


def sim_pages() -> list[tuple[str, bytes, str, str]]:
    from govwatch.sim import SimOptions, default_sites
    from govwatch.sim.portfolio import site_origins
    from govwatch.sim.site import SiteGenerator

    out = []
    options = SimOptions(seed=7, site_pages=150)
    for site in default_sites():
        spec = options.spec(site.id)
        gen = SiteGenerator(options, spec, options.portfolio.index(spec),
                            site_origins(options, spec, "http://127.0.0.1:8000", "http://127.0.0.1:9/",
                                         "http://127.0.0.1:9/"))
        paths = [path for path, _kind in gen.iter_pages()] + list(gen.iter_files()) \
            + [path for _col, path in gen.iter_endpoints()]
        for path in paths:
            answer = gen.respond("GET", path)
            if answer.status == 200:
                out.append((f"sim:{site.id}:{path}", answer.body, "http://127.0.0.1:8000" + path,
                            answer.content_type))
    return out


def corpus_pages() -> list[tuple[str, bytes, str, str]]:
    out = []
    for f in sorted(CORPUS.glob("*.html")):
        body = f.read_bytes()
        for ct in ("text/html", "text/html; charset=utf-8", ""):
            out.append((f"corpus:{f.name}:{ct}", body, f"http://www.example.gov.cn/{f.name}", ct))
    return out


def run(body: bytes, url: str, content_type: str) -> Any:
    return extract_for_crawl(body, url, content_type, ORIGIN, text_scan=_SCAN)


def digest(page: Any) -> str:
    h = hashlib.sha256()
    for name in ("page_type", "title", "publish_date", "facts_json", "links", "pagination", "encoding",
                 "soft_404", "body_hash", "body_size", "needs_render", "footer_by_script", "text_hits"):
        h.update(repr(getattr(page, name)).encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    h.update(decompress(page.body_zstd, "zstd"))
    return h.hexdigest()


def _parts(pages: list[tuple[str, bytes, str, str]], passes: int) -> None:
    import govwatch.analysis.content.text_scan as text_scan
    import govwatch.extract.page as page_module
    from govwatch.crawl.challenge import challenge_marker
    from govwatch.extract.resolve import clear_cache

    spent: dict[str, float] = {}

    def wrap(module: Any, name: str, label: str) -> None:
        inner = getattr(module, name)

        def timed(*a: Any, **k: Any) -> Any:
            t0 = time.process_time()
            try:
                return inner(*a, **k)
            finally:
                spent[label] = spent.get(label, 0.0) + time.process_time() - t0

        setattr(module, name, timed)

    for name in ("scan_document", "build_links", "_lists_and_pagination", "security_signs"):
        wrap(page_module, name, name)
    wrap(text_scan, "wording_hits", "wording_hits")
    wrap(text_scan, "find_personal", "find_personal")
    best: dict[str, float] = {}
    for _ in range(passes):
        clear_cache()
        spent.clear()
        t0 = time.process_time()
        for _name, body, url, ct in pages:
            run(body, url, ct)
        spent["the worker's whole pass"] = time.process_time() - t0
        t0 = time.process_time()
        for _name, body, _url, _ct in pages:
            challenge_marker(200, body)
        spent["challenge_marker (crawler)"] = time.process_time() - t0
        for key, value in spent.items():
            best[key] = min(best.get(key, float("inf")), value)
    for key, value in best.items():
        print(f"{key:<28} {value * 1e6 / len(pages):8.1f} CPU us/page (best of {passes})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--site", type=Path)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--sim", action="store_true")
    ap.add_argument("--corpus", action="store_true")
    ap.add_argument("--digest", type=Path)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--passes", type=int, default=1)
    ap.add_argument("--compare", nargs=2, type=Path)
    ap.add_argument("--parts", action="store_true")
    args = ap.parse_args()
    if args.compare:
        a, b = (dict(line.split("\t") for line in p.read_text().splitlines()) for p in args.compare)
        differ = [k for k in a if a[k] != b.get(k)] + [k for k in b if k not in a]
        print(f"{len(a)} / {len(b)} pages, {len(differ)} differ")
        for k in differ[:20]:
            print("  ", k)
        sys.exit(1 if differ else 0)
    pages = []
    if args.site:
        pages += site_pages(args.site, args.limit)
    if args.sim:
        pages += sim_pages()
    if args.corpus:
        pages += corpus_pages()
    run(pages[0][1], pages[0][2], pages[0][3])  # imports, lexicons
    if args.parts:
        _parts(pages, args.passes)
        return
    if args.profile:
        import cProfile
        import pstats
        prof = cProfile.Profile()
        prof.enable()
        for _name, body, url, ct in pages:
            run(body, url, ct)
        prof.disable()
        stats = pstats.Stats(prof)
        stats.sort_stats("tottime").print_stats(35)
        stats.sort_stats("cumulative").print_stats(45)
        return
    best = float("inf")
    digests: list[str] = []
    for _ in range(args.passes):
        digests = []
        spent = 0.0
        for _name, body, url, ct in pages:
            t0 = time.process_time()
            page = run(body, url, ct)
            spent += time.process_time() - t0
            if args.digest:
                digests.append(digest(page))
        best = min(best, spent)
    print(f"{len(pages)} pages: {best * 1000 / len(pages):.3f} CPU ms/page (best of {args.passes})")
    if args.digest:
        with args.digest.open("w") as out:
            for (name, *_rest), dig in zip(pages, digests, strict=True):
                out.write(f"{name}\t{dig}\n")
        print(f"digest of {len(pages)} pages written to {args.digest}")

if __name__ == "__main__":
    main()
