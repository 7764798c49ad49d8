"""Lexicons shipped as data (``govwatch/data/lexicons/*.yaml``) and the Aho-Corasick matcher.

Each lexicon file starts with a header naming its source; docs/content.md says how to update
them. The matcher is ``pyahocorasick`` (one automaton per lexicon, built once per process).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import resources
from typing import Any

import ahocorasick
import yaml

LEXICON_PACKAGE = "govwatch.data"


def load_yaml(name: str) -> dict[str, Any]:
    """A lexicon file from ``govwatch/data/lexicons/`` (shipped inside the package)."""
    text = resources.files(LEXICON_PACKAGE).joinpath("lexicons", name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise TypeError(f"lexicon {name}: expected a mapping")
    return data


class Matcher:
    """Exact multi-pattern matching (Aho-Corasick) of terms, each carrying a payload."""

    def __init__(self, terms: Iterable[tuple[str, Any]]) -> None:
        self._automaton = ahocorasick.Automaton()
        count = 0
        for term, payload in terms:
            if term:
                self._automaton.add_word(term, (term, payload))
                count += 1
        self.size = count
        if count:
            self._automaton.make_automaton()

    def iter(self, text: str) -> Iterator[tuple[int, int, str, Any]]:
        """(start, end, term, payload) of every occurrence in ``text`` (overlaps included)."""
        if not self.size or not text:
            return
        for end, (term, payload) in self._automaton.iter(text):
            yield end + 1 - len(term), end + 1, term, payload

    def raw_iter(self, text: str) -> Iterator[tuple[int, tuple[str, Any]]]:
        """(index of the last character, (term, payload)) of every occurrence: the automaton's
        own iterator, for hot loops."""
        if not self.size or not text:
            return iter(())
        return self._automaton.iter(text)


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
