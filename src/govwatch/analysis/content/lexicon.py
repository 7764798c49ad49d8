"""Lexicons shipped as data (``govwatch/data/lexicons/*.yaml``) and the Aho-Corasick matcher.

Each lexicon file starts with a header naming its source; docs/content.md says how to update
them. The matcher is ``pyahocorasick`` (one automaton per lexicon, built once per process).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import resources
from typing import Any

import ahocorasick
import yaml

LEXICON_PACKAGE = "govwatch.data"
_BEYOND_BMP = re.compile("[\U00010000-\U0010ffff]")
_NOT_IN_TERMS = re.compile("[\U00010000-\U0010ffff\ud800-\udfff\uffff]")
_STAND_IN = "\uffff"  # a noncharacter, in no term: stands for a character beyond the BMP
_utf16 = codecs.utf_16_be_encode  # the codec itself: str.encode's look-up of it costs more on a short text


def load_yaml(name: str) -> dict[str, Any]:
    """A lexicon file from ``govwatch/data/lexicons/`` (shipped inside the package)."""
    text = resources.files(LEXICON_PACKAGE).joinpath("lexicons", name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise TypeError(f"lexicon {name}: expected a mapping")
    return data


def letters(text: str) -> str:
    """``text`` as a wide automaton reads it (:class:`Matcher`): each character as two letters,
    the two bytes of its UTF-16 code unit, so character ``i`` is letters ``2i`` and ``2i + 1`` (a
    character beyond the BMP as one stand-in, a lone surrogate as its own code unit: neither is
    in any term)."""
    encoded = _utf16(text, "surrogatepass")[0]
    if len(encoded) != 2 * len(text):  # surrogate pairs: characters beyond the BMP
        encoded = _utf16(_BEYOND_BMP.sub(_STAND_IN, text), "surrogatepass")[0]
    return encoded.decode("latin-1")


class Matcher:
    """Exact multi-pattern matching (Aho-Corasick) of terms, each carrying a payload.

    pyahocorasick finds a node's child by a linear search of its children, and the root has one
    child per distinct first character of the terms: each character of the text that starts no
    term costs a comparison with every one (411 in the wording anchors). A wide lexicon (more than
    :data:`WIDE` first characters) is therefore matched as :func:`letters`: the root then has one
    child per high byte (80 for the wording anchors) and no node more than 256, and the anchors'
    scan takes a quarter to a half of the time (docs/benchmarks.md, "Issue 22: CPU per page"); a
    narrow lexicon (typos, banned terms) is faster as it is. A match of letters starting at an odd
    letter (the low byte of one character and the high byte of the next) is no match and is
    dropped; a letter offset halved is the character offset. Terms are of the BMP, without
    surrogates or U+FFFF (checked)."""

    WIDE = 64

    def __init__(self, terms: Iterable[tuple[str, Any]]) -> None:
        words = [(term, payload) for term, payload in terms if term]
        for term, _payload in words:
            if _NOT_IN_TERMS.search(term):
                raise ValueError(f"lexicon term {term!r}: a character beyond the BMP, a surrogate or U+FFFF")
        self.size = len(words)
        self.wide = len({term[0] for term, _payload in words}) > self.WIDE
        self._automaton = ahocorasick.Automaton()
        for term, payload in words:
            self._automaton.add_word(letters(term) if self.wide else term, (term, payload))
        if words:
            self._automaton.make_automaton()

    def iter(self, text: str) -> Iterator[tuple[int, int, str, Any]]:
        """(start, end, term, payload) of every occurrence in ``text`` (overlaps included), in the
        order of the end, then longest first."""
        for last, (term, payload) in self.raw_iter(text):
            yield last + 1 - len(term), last + 1, term, payload

    def raw_iter(self, text: str) -> Iterator[tuple[int, tuple[str, Any]]]:
        """(index of the last character, (term, payload)) of every occurrence, in the same order:
        for hot loops."""
        if not self.size or not text:
            return iter(())
        if not self.wide:
            return self._automaton.iter(text)
        return ((last >> 1, found) for last, found in self._automaton.iter(letters(text)) if last & 1)


@lru_cache(maxsize=1)
def typo_matcher() -> Matcher:
    """wrong form → correct form (``typos.yaml``)."""
    data = load_yaml("typos.yaml")
    return Matcher((wrong, right) for wrong, right in data["typos"].items())


@lru_cache(maxsize=1)
def banned_matcher() -> Matcher:
    """banned term → (category, label) (``banned.yaml``)."""
    data = load_yaml("banned.yaml")
    return Matcher((term, (cat, spec["label"])) for cat, spec in data["categories"].items()
                   for term in spec["terms"])


def lexicon_sources() -> dict[str, str]:
    """Each shipped lexicon's declared source (for reports and docs)."""
    return {name: load_yaml(name).get("source", "") for name in
            ("wording.yaml", "typos.yaml", "banned.yaml", "provinces.yaml")}
