"""Lexicon benchmark: the cost of scanning page text with all lexicons.

    .venv/bin/python bench/lexicon_speed.py [--pages 300] [--kb 10] [--seed 1]
    .venv/bin/python bench/lexicon_speed.py --site DIR [--pages 3000] [--seed 1]

Generates pages of realistic government text (~10 KB of UTF-8 each) from the simulator's word
lists (govwatch.sim.words: sentences, topics, meetings, places, departments; read-only), with
a few correct fixed phrases and a rare planted error, then times per page:

- ``lexicons``: wording near-misses (anchor automaton + window checks), typos and banned terms
  (Aho-Corasick) — what the content checks run on a page's text; target < 1 ms per 10 KB page;
- ``personal``: the resident-ID / mobile / bank-card scan (regex + validation), for reference;
- ``html``: visible text from the page's HTML (selectolax), for reference.

Prints the median and 95th percentile in ms per 10 KB page (figures scaled to exactly 10 KB).
The automata are built before timing (once per process in real runs).

``--site DIR`` times what the crawl's extraction worker does per page instead: ``--pages`` HTML
files drawn from DIR (a site ``bench/crawl.py`` exported, or ../shared/corpus/real-pages/pages),
each read as the worker reads it (``page_text_from_body``) and scanned (``scan_text``), with the
parts of the scan apart. Prints CPU ms per page (the best of three passes over all pages: the
machine is shared) and the pages with hits.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from govwatch.analysis.content.lexicon import banned_matcher
from govwatch.analysis.content.personal import find_personal
from govwatch.analysis.content.text_scan import banned_hits, personal_hits, scan_text, typo_hits, wording_hits
from govwatch.analysis.content.wording import find_typos, wording_lexicon
from govwatch.extract.text import PageText, page_text, page_text_from_body
from govwatch.sim import words

PHRASES = ("习近平新时代中国特色社会主义思想", "习近平总书记", "两个维护", "中国式现代化", "国务院办公厅",
           "国务院总理李强", "全面从严治党")
ERRORS = ("国务院总理李墙", "两个维户", "工做", "博彩")


def make_page(r: random.Random, kb: int) -> str:
    parts: list[str] = []
    size = 0
    while size < kb * 1024:
        pick = r.random()
        if pick < 0.55:
            s = r.choice(words.SENTENCES)
        elif pick < 0.75:
            s = (f"{r.choice(words.CITIES)}市{r.choice(list(words.DEPARTMENTS.values()))[0]}召开"
                 f"{r.choice(words.TOPICS)}{r.choice(words.MEETINGS)}。")
        elif pick < 0.9:
            s = f"{r.choice(words.ACTIONS)}{r.choice(words.TOPICS)}{r.choice(words.DOC_KINDS)}，联系电话：0523-8688{r.randrange(1000, 9999)}。"
        elif pick < 0.995:
            s = f"坚持以{r.choice(PHRASES)}为指导，{r.choice(words.SENTENCES)}"
        else:
            s = f"{r.choice(ERRORS)}。"
        parts.append(s)
        size += len(s.encode("utf-8"))
    return "".join(parts)


def timed(fn, text: str, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn(text)
        best = min(best, time.perf_counter() - started)
    return best * 1000


def cpu_per_page(fn: Callable[[], object], pages: int) -> float:
    """The best of three runs of ``fn`` (over all pages), in CPU ms per page."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        fn()
        best = min(best, time.process_time() - started)
    return best * 1000 / pages


def site_pages(folder: Path, pages: int, seed: int) -> None:
    """The extraction worker's text scan over ``pages`` HTML files of ``folder``."""
    files = sorted(folder.rglob("*.html"))
    random.Random(seed).shuffle(files)
    bodies = [f.read_bytes() for f in files[:pages]]
    as_of = date(2026, 6, 30)
    texts = [page_text_from_body(body, "text/html") for body in bodies]
    scan_text(texts[0], as_of)  # build automata

    def each(step: Callable[[PageText], object]) -> Callable[[], object]:
        return lambda: [step(text) for text in texts]

    parts: dict[str, Callable[[], object]] = {
        "page_text": lambda: [page_text_from_body(body, "text/html") for body in bodies],
        "scan_text": each(lambda text: scan_text(text, as_of)),
        "  wording": each(wording_hits), "  typos": each(typo_hits), "  banned": each(banned_hits),
        "  personal": each(lambda text: personal_hits([("text", text.title), *text.segments], as_of))}
    hits = sum(1 for text in texts if scan_text(text, as_of))
    chars = sum(len(text.text) for text in texts) / len(texts)
    print(f"{len(texts)} pages of {folder} ({chars:.0f} characters of text a page), {hits} with hits")
    for name, fn in parts.items():
        print(f"{name:11s} {cpu_per_page(fn, len(texts)):.4f} CPU ms / page")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=None, help="300 generated, or 3000 of --site")
    ap.add_argument("--kb", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--site", type=Path, help="time the extraction worker's scan over this folder's HTML files")
    args = ap.parse_args()
    if args.site is not None:
        site_pages(args.site, args.pages or 3000, args.seed)
        return
    args.pages = args.pages or 300
    r = random.Random(args.seed)
    pages = [make_page(r, args.kb) for _ in range(args.pages)]
    lexicon, banned = wording_lexicon(), banned_matcher()
    as_of = date(2026, 6, 30)
    find_typos("预热"), lexicon.scan("国务院总理李墙")  # build automata, load pypinyin

    def lexicons(text: str) -> None:
        lexicon.scan(text)
        find_typos(text)
        list(banned.iter(text))

    figures: dict[str, list[float]] = {"lexicons": [], "personal": [], "html": []}
    hits = 0
    for text in pages:
        scale = 10 * 1024 / len(text.encode("utf-8"))
        html = "<html><body>" + "".join(f"<p>{text[i:i + 200]}</p>" for i in range(0, len(text), 200)) + "</body></html>"
        figures["lexicons"].append(timed(lexicons, text) * scale)
        figures["personal"].append(timed(lambda t: find_personal(t, as_of), text) * scale)
        figures["html"].append(timed(page_text, html) * scale)
        hits += len(lexicon.scan(text)) + len(find_typos(text))
    print(f"pages: {len(pages)} of ~{args.kb} KB (UTF-8), wording/typo hits: {hits}")
    for name, values in figures.items():
        values.sort()
        p95 = values[int(len(values) * 0.95) - 1]
        print(f"{name:9s} median {statistics.median(values):.3f} ms / 10 KB page   p95 {p95:.3f} ms")


if __name__ == "__main__":
    main()
