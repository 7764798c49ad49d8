"""The wording check reports nothing on clean government text (a shipped fixture of real
sentences, tests/unit/data/wording_clean.txt), as it stands and with every fixed expression
and accepted variant placed between its sentences."""

from __future__ import annotations

import random
from pathlib import Path

from govwatch.analysis.content.text_scan import typo_hits, wording_hits
from govwatch.analysis.content.wording import wording_lexicon
from govwatch.extract.text import PageText

CLEAN = Path(__file__).parent / "data" / "wording_clean.txt"


def _sentences() -> list[str]:
    return [line for line in CLEAN.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]


def test_clean_sentences_raise_nothing() -> None:
    sentences = _sentences()
    assert len(sentences) >= 200
    page = PageText(title=sentences[0], text="".join(sentences))
    assert wording_hits(page) == [] and typo_hits(page) == []


def test_expressions_between_clean_sentences_raise_nothing() -> None:
    sentences = _sentences()
    expressions = sorted(wording_lexicon().allowed)
    r = random.Random(16)
    parts: list[str] = []
    for text in expressions:
        s = r.choice(sentences)
        borders = [0, *(i + 1 for i, ch in enumerate(s) if ch in "，、：")]
        cut = r.choice(borders)
        parts.append(s[:cut] + text + s[cut:])
    page = PageText(title="", text="".join(parts))
    assert wording_hits(page) == []
