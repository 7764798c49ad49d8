"""Lexicon benchmark: recall of the wording check per near-miss class.

    .venv/bin/python bench/lexicon_recall.py [--corpus ../shared/corpus/real-pages] [--seed 1] [--per 1]

Corrupts every fixed expression of the lexicon (``data/lexicons/wording.yaml``) with every
near-miss class, ``--per`` times each (seeded), places the corrupted form at a clause border of
a clean sentence from the real-page corpus and runs the scan. A corruption counts as found when
the scan reports a near-miss over the corrupted span; ``suggested`` counts those whose
suggestion (``expected``) is the original expression (a few corruptions are equally near two
expressions: 东省人民政府 may be 广东 or 山东). Classes:

- ``homophone``: one character replaced by another with the same toneless reading;
- ``near_homophone``: by one differing only in 前后鼻音, 平翘舌, n/l, f/h or r/l;
- ``shape``: by one of similar shape (``data/lexicons/shapes.txt``) that is not a (near-)homophone;
- ``swap``: two adjacent different characters exchanged;
- ``drop``: one character left out inside an expression of five or more characters (for six and
  seven characters not next to either end, where one character left over is weak evidence);
- ``drop_edge``: the first or last character of an expression of six or more left out, the
  neighbour on that side being punctuation (next to another CJK character an edge drop is
  read as another word: 文化和旅游厅 is not 文化和旅游部 with 部 missing);
- ``insert``: one character (drawn from the corpus's character frequencies) added inside an
  expression of four or more characters (function words such as 的 only from eight on).

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
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from govwatch.analysis.content.wording import (  # noqa: E402
    FUNCTION_WORDS,
    CharSimilarity,
    Phrase,
    WordingLexicon,
    char_similarity,
    is_cjk,
    wording_lexicon,
)
from lexicon_false_positives import sentences_of  # noqa: E402
from real_corpus import DEFAULT_CORPUS, load_corpus  # noqa: E402

CLASSES = ("homophone", "near_homophone", "shape", "swap", "drop", "drop_edge", "insert")
Corruption = tuple[str, str] | None  # (corrupted form, punctuation the context must show beside it) | None


class Corruptor:
    """Seeded corruptions of one class."""

    def __init__(self, r: random.Random, similarity: CharSimilarity, chars: Counter[str]) -> None:
        self.r = r
        self.similarity = similarity
        self.common = sorted(chars)
        self.weighted = list(chars.keys()), list(chars.values())

    def substitute(self, text: str, kind: str) -> Corruption:
        options = [(i, c) for i, ch in enumerate(text) if is_cjk(ch)
                   for c in self.common if c != ch and self.similarity.kind(c, ch) == kind]
        if not options:
            return None
        i, c = self.r.choice(options)
        return text[:i] + c + text[i + 1:], ""

    def swap(self, text: str) -> Corruption:
        options = [i for i in range(len(text) - 1) if text[i] != text[i + 1] and is_cjk(text[i]) and is_cjk(text[i + 1])]
        if not options:
            return None
        i = self.r.choice(options)
        return text[:i] + text[i + 1] + text[i] + text[i + 2:], ""

    def drop(self, text: str, category: str) -> Corruption:
        n = len(text)
        inner = range(1, n - 1) if n >= 7 else range(2, n - 2)
        options = [i for i in inner if is_cjk(text[i]) and
                   (text[i] not in FUNCTION_WORDS or (n >= 8 and category != "organisation"))]
        if n < 5 or not options:
            return None
        i = self.r.choice(options)
        return text[:i] + text[i + 1:], ""

    def drop_edge(self, text: str) -> Corruption:
        if len(text) < 6:
            return None
        first = self.r.random() < 0.5
        if not is_cjk(text[0 if first else -1]):
            first = not first
            if not is_cjk(text[0 if first else -1]):
                return None
        if first:
            return text[1:], "before"
        return text[:-1], "after"

    def insert(self, text: str) -> Corruption:
        n = len(text)
        if n < 4:
            return None
        chars, weights = self.weighted
        for _ in range(50):
            c = self.r.choices(chars, weights)[0]
            if n >= 8 or c not in FUNCTION_WORDS:
                i = self.r.randrange(1, n)
                return text[:i] + c + text[i:], ""
        return None


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
    makers: dict[str, Callable[[Phrase], Corruption]] = {
        "homophone": lambda p: corruptor.substitute(p.text, "homophone"),
        "near_homophone": lambda p: corruptor.substitute(p.text, "near_homophone"),
        "shape": lambda p: corruptor.substitute(p.text, "shape"),
        "swap": lambda p: corruptor.swap(p.text),
        "drop": lambda p: corruptor.drop(p.text, p.category),
        "drop_edge": lambda p: corruptor.drop_edge(p.text),
        "insert": lambda p: corruptor.insert(p.text),
    }
    print(f"lexicon: {len(lexicon.phrases)} expressions; contexts: {len(sentences)} corpus sentences; "
          f"substitutes from {len(chars)} corpus characters; seed {args.seed}")
    print(f"{'class':15s} {'eligible':>8s} {'found':>6s} {'recall':>7s} {'suggested':>9s}")
    worst = 1.0
    for cls in CLASSES:
        eligible = found = suggested = 0
        misses: list[str] = []
        for phrase in lexicon.phrases:
            for _ in range(args.per):
                got = makers[cls](phrase)
                if got is None or got[0] in lexicon.allowed or phrase.text in got[0]:
                    continue  # not an error, or one that still holds the expression (海关总署署)
                form, side = got
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
