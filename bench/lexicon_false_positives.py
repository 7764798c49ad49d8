"""Lexicon benchmark: false positives of the wording check on clean real government text.

    .venv/bin/python bench/lexicon_false_positives.py [--corpus ../shared/corpus/real-pages] [--pages 1000] [--kb 10] [--seed 1]

Runs the wording check (near-misses of the fixed expressions and confusion-set typos,
``analysis/content/text_scan.py``) over three sets of clean text and prints the false positives
per 1,000 pages, each with its context:

- ``real``: every page of the real-page corpus as it is (visible text and title);
- ``shuffled``: ``--pages`` pages of ~``--kb`` KB made of the corpus's sentences in seeded random
  order (sentences joined without separators, as text nodes are);
- ``expressions``: the same number of pages in which the fixed expressions and accepted
  variants of the lexicon (each many times) are placed at clause borders of corpus sentences —
  correct expressions next to arbitrary neighbours must not be reported either.

The corpus pages are real text; a few carry text altered by the third parties that copied them
(see the corpus README), so each hit is listed for review: a hit that is a real error is not a
false positive. Target: ≤ 1 false positive per 1,000 clean pages.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from govwatch.analysis.content.text_scan import typo_hits, wording_hits  # noqa: E402
from govwatch.analysis.content.wording import wording_lexicon  # noqa: E402
from govwatch.extract.text import PageText, page_text_from_body  # noqa: E402
from real_corpus import DEFAULT_CORPUS, load_corpus  # noqa: E402

SENTENCE_END = re.compile(r"(?<=[。！？；])")


def sentences_of(texts: list[str]) -> list[str]:
    """Distinct sentences (ending in 。！？；) of at least six characters, in corpus order."""
    seen: dict[str, None] = {}
    for text in texts:
        for s in SENTENCE_END.split(text):
            s = s.strip()
            if len(s) >= 6:
                seen.setdefault(s, None)
    return list(seen)


def build_page(r: random.Random, sentences: list[str], kb: int, inserts: list[str]) -> str:
    parts: list[str] = []
    size = 0
    while size < kb * 1024:
        s = r.choice(sentences)
        if inserts and r.random() < 0.5:  # at a clause border, as expressions stand in real text
            borders = [0, *(i + 1 for i, ch in enumerate(s) if ch in "，、：" )]
            cut = r.choice(borders)
            s = s[:cut] + r.choice(inserts) + s[cut:]
        parts.append(s)
        size += len(s.encode("utf-8"))
    return "".join(parts)


def hits_of(text: PageText) -> list[dict[str, object]]:
    return [{"kind": "wording_error", **h} for h in wording_hits(text)] + \
           [{"kind": "typo", **h} for h in typo_hits(text)]


def report(name: str, pages: list[PageText]) -> int:
    count = 0
    listed: list[str] = []
    for i, page in enumerate(pages):
        for hit in hits_of(page):
            count += int(hit.get("count", 1))  # type: ignore[call-overload]
            listed.append(f"    page {i}: {hit['kind']} {hit['found']} → {hit['expected']} "
                          f"({hit.get('error_class', '')}) …{hit['context']}… ×{hit['count']}")
    per_k = count * 1000 / max(len(pages), 1)
    print(f"{name:12s} pages {len(pages):5d}  hits {count:4d}  per 1,000 pages {per_k:.2f}")
    for line in sorted(set(listed)):
        print(line)
    return count


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--kb", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    real = [page_text_from_body(p.body, "text/html") for p in load_corpus(args.corpus)]
    sentences = sentences_of([p.text for p in real] + [p.title for p in real])
    lexicon = wording_lexicon()
    expressions = sorted(lexicon.allowed)
    r = random.Random(args.seed)
    shuffled = [PageText(title="", text=build_page(r, sentences, args.kb, [])) for _ in range(args.pages)]
    with_expr = [PageText(title="", text=build_page(r, sentences, args.kb, expressions)) for _ in range(args.pages)]
    print(f"corpus: {len(real)} pages, {len(sentences)} distinct sentences; lexicon: {len(lexicon.phrases)} "
          f"expressions, {len(lexicon.allowed)} allowed forms")
    total = sum(report(name, pages) for name, pages in
                (("real", real), ("shuffled", shuffled), ("expressions", with_expr)))
    pages = len(real) + 2 * args.pages
    print(f"all          pages {pages:5d}  hits {total:4d}  per 1,000 pages {total * 1000 / pages:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
