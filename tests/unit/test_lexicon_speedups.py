"""The wording scan's two shortcuts change no hit: the automaton fed two letters a character
(``Matcher``, a wide lexicon) finds what a plain substring search finds, and the anchor gate
(``WordingLexicon(gate_from=...)``) drops only entries the plausibility test would reject."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from govwatch.analysis.content.lexicon import Matcher, load_yaml
from govwatch.analysis.content.wording import WordingLexicon, is_cjk, lexicon_phrases

CLEAN = (Path(__file__).parent / "data" / "wording_clean.txt").read_text(encoding="utf-8")
WORDING = load_yaml("wording.yaml")


def _occurrences(terms: list[str], text: str) -> list[tuple[int, int, str]]:
    """Every (start, end, term) by str.find, in the matcher's order: by end, then longest first."""
    found = []
    for term in terms:
        at = text.find(term)
        while at >= 0:
            found.append((at, at + len(term), term))
            at = text.find(term, at + 1)
    return sorted(found, key=lambda f: (f[1], -len(f[2])))


def _texts(terms: list[str], seed: int) -> list[str]:
    """Terms among clean text, ASCII, characters beyond the BMP, lone surrogates and U+FFFF."""
    r = random.Random(seed)
    odd = ["😀", "𠀀", "\ud800", "\udfff", "\uffff", " ", "\n", "a", "1", "一", "\u4e00\u0000", "\u00ff"]
    texts = []
    for _ in range(300):
        parts = []
        for _ in range(r.randrange(1, 12)):
            pick = r.random()
            if pick < 0.4:
                parts.append(r.choice(terms))
            elif pick < 0.7:
                at = r.randrange(len(CLEAN))
                parts.append(CLEAN[at:at + r.randrange(1, 40)])
            else:
                parts.append(r.choice(odd))
        texts.append("".join(parts))
    return texts


def test_a_wide_matcher_finds_what_a_substring_search_finds() -> None:
    lexicon = WordingLexicon(lexicon_phrases(WORDING), WORDING.get("variants") or ())
    terms = sorted(lexicon.allowed)
    matcher = Matcher((t, None) for t in terms)
    assert matcher.wide  # hundreds of first characters: matched as letters
    for text in _texts(terms, 1):
        assert [(s, e, t) for s, e, t, _p in matcher.iter(text)] == _occurrences(terms, text)


def test_a_narrow_matcher_finds_the_same() -> None:
    terms = ["博彩", "彩票", "工做", "ab", "做工"]
    matcher = Matcher((t, None) for t in terms)
    assert not matcher.wide
    for text in _texts(terms, 2):
        assert [(s, e, t) for s, e, t, _p in matcher.iter(text)] == _occurrences(terms, text)


@pytest.mark.parametrize("term", ["😀好", "好\ud800", "a\uffff"])
def test_terms_the_letters_cannot_hold_are_refused(term: str) -> None:
    with pytest.raises(ValueError):
        Matcher([(term, None)])


def _mutations(text: str, r: random.Random, pool: str) -> list[str]:
    """The expression with each single edit the scan judges (substitute, drop, insert, swap) and
    two substitutions, each at the text's start, inside a sentence and before another copy."""
    n = len(text)
    forms = [text]
    for k in range(n):
        forms.append(text[:k] + r.choice(pool) + text[k + 1:])
        forms.append(text[:k] + text[k + 1:])
        forms.append(text[:k] + r.choice(pool) + text[k:])
        if k + 1 < n:
            forms.append(text[:k] + text[k + 1] + text[k] + text[k + 2:])
    a, b = sorted(r.sample(range(n), 2))
    forms.append(text[:a] + r.choice(pool) + text[a + 1:b] + r.choice(pool) + text[b + 1:])
    return [t for form in forms for t in (form, f"会议强调{form}。", f"{r.choice(pool)}{form}{text}")]


def test_the_anchor_gate_changes_no_near_miss() -> None:
    """Every anchor gated against none gated, over mutations of every expression: the same
    near-misses (and some are found, so the comparison is not of empty lists)."""
    phrases, variants = lexicon_phrases(WORDING), WORDING.get("variants") or ()
    gated = WordingLexicon(phrases, variants, gate_from=1)
    plain = WordingLexicon(phrases, variants, gate_from=len(phrases) + 1)
    r = random.Random(22)
    pool = "".join(sorted({ch for ch in CLEAN if is_cjk(ch)}))
    found = 0
    for phrase in phrases:
        for text in _mutations(phrase.text, r, pool):
            expected = plain.scan(text)
            assert gated.scan(text) == expected, text
            found += bool(expected)
    assert found > 10 * len(phrases)
