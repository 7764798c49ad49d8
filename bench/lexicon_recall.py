"""Lexicon benchmark: recall of the wording check per near-miss class.

    .venv/bin/python bench/lexicon_recall.py [--corpus ../shared/corpus/real-pages] [--seed 1] [--per 1]

Corrupts every fixed expression of the lexicon (``data/lexicons/wording.yaml``) with every
near-miss class, ``--per`` times each (seeded), places the corrupted form at a clause border of
a clean sentence from the real-page corpus and runs the scan. A corruption counts as found when
the scan reports a near-miss over the corrupted span; ``suggested`` counts those whose
suggestion (``expected``) is the original expression (a few corruptions are equally near two
expressions: 东省人民政府 may be 广东 or 山东). The classes (``homophone``, ``near_homophone``, ``shape``, ``swap``, ``drop``, ``drop_edge``, ``insert``)
and how each corruption is made: ``govwatch.sim.near_miss`` (the simulator plants the same
corruptions under construction variation, with substitutes from its own vocabulary).

A substitute is drawn from the corpus's characters (common characters, as a writer would
mistype them); an expression whose characters have no substitute of a class is not counted
for that class, nor is a corruption that is itself a correct expression or accepted variant,
nor one that still holds the expression whole (an insert doubling an end character: 海关总署署).
Prints per class: expressions eligible, found, recall. Target: recall ≥ 0.97 per class.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from govwatch.analysis.content.wording import WordingLexicon, char_similarity, is_cjk, wording_lexicon  # noqa: E402
from govwatch.sim.near_miss import CLASSES, Corruptor, is_error  # noqa: E402
from lexicon_false_positives import sentences_of  # noqa: E402
from real_corpus import DEFAULT_CORPUS, load_corpus  # noqa: E402


def place(r: random.Random, sentences: list[str], form: str, side: str) -> tuple[str, int]:
    """``form`` at a clause border of a random sentence: (text, start of form)."""
    s = r.choice(sentences)
    borders = [i + 1 for i, ch in enumerate(s) if ch in "，、："] or [0]
    cut = r.choice(borders)
    before, after = s[:cut], s[cut:]
    if side == "before":
        before += "“"
    elif side == "after":
        after = "”" + after
    return before + form + after, len(before)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--per", type=int, default=1, help="corruptions per expression and class")
    ap.add_argument("--misses", type=int, default=10, help="misses listed per class")
    args = ap.parse_args()
    from govwatch.extract.text import page_text_from_body

    texts = [page_text_from_body(p.body, "text/html").text for p in load_corpus(args.corpus)]
    sentences = sentences_of(texts)
    chars = Counter(ch for t in texts for ch in t if is_cjk(ch))
    lexicon: WordingLexicon = wording_lexicon()
    r = random.Random(args.seed)
    corruptor = Corruptor(r, char_similarity(), chars)
    print(f"lexicon: {len(lexicon.phrases)} expressions; contexts: {len(sentences)} corpus sentences; "
          f"substitutes from {len(chars)} corpus characters; seed {args.seed}")
    print(f"{'class':15s} {'eligible':>8s} {'found':>6s} {'recall':>7s} {'suggested':>9s}")
    worst = 1.0
    for cls in CLASSES:
        eligible = found = suggested = 0
        misses: list[str] = []
        for phrase in lexicon.phrases:
            for _ in range(args.per):
                got = corruptor.corrupt(phrase, cls)
                if got is None or not is_error(got, phrase.text, lexicon.allowed):
                    continue  # not an error, or one that still holds the expression (海关总署署)
                form, side = got.form, got.side
                text, start = place(r, sentences, form, side)
                eligible += 1
                end = start + len(form)
                over = [m for m in lexicon.scan(text) if m.start < end and m.start + len(m.found) > start]
                found += bool(over)
                suggested += any(m.expected == phrase.text for m in over)
                if over:
                    continue
                if len(misses) < args.misses:
                    misses.append(f"    {form} (← {phrase.text}) in …{text[max(0, start - 6):end + 6]}…")
        recall = found / eligible if eligible else 1.0
        worst = min(worst, recall)
        print(f"{cls:15s} {eligible:8d} {found:6d} {recall:7.3f} {suggested:9d}")
        for line in misses:
            print(line)
    print(f"lowest recall {worst:.3f} (target ≥ 0.97)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
