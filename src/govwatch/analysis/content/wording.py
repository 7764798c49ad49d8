"""Near-misses of canonical phrases (严重表述错误) and ordinary typos (错别字).

A canonical phrase (``data/lexicons/wording.yaml``) is split into two or three anchor segments;
any text holding the phrase with one or two characters wrong still holds one segment intact.
The anchors are found with one Aho-Corasick pass; each hit aligns a window of the phrase's
length and compares it with the phrase:

- an adjacent **transposition** (两个维护 → 两个护维) is always reported;
- a **homophone** substitution (same pinyin, tones ignored: 李强 → 李墙) is reported, up to
  two characters for phrases of five or more characters, one for shorter ones;
- an arbitrary substitution is reported only in long leader/political phrases (one character
  from eight characters on, two from twelve), never in organisation names, whose local
  variants (市生态环境局) are correct names of other bodies.

Differing characters must be CJK ideographs in the text, so windows running into punctuation,
digits or Latin text never match.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from govwatch.analysis.content.lexicon import LEXICON_PACKAGE, Matcher, load_yaml, typo_matcher


@dataclass(frozen=True, slots=True)
class Phrase:
    text: str
    category: str
    serious: bool


@dataclass(frozen=True, slots=True)
class WordingMatch:
    """A near-miss ``found`` at ``start`` of the canonical ``expected``."""

    found: str
    expected: str
    category: str
    serious: bool
    how: str  # transposition | homophone | substitution
    start: int


@dataclass(frozen=True, slots=True)
class TypoMatch:
    found: str
    expected: str
    start: int


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


@lru_cache(maxsize=1)
def _reading_masks() -> dict[str, int]:
    """Character -> bit mask of its toneless readings (``data/lexicons/readings.txt``, written
    from pypinyin's dictionary by ``scripts/build_readings.py``; a few MB instead of pypinyin's 55)."""
    masks: dict[str, int] = {}
    text = resources.files(LEXICON_PACKAGE).joinpath("lexicons", "readings.txt").read_text(encoding="utf-8")
    bit = 0
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        _reading, chars = line.split("\t", 1)
        for ch in chars:
            masks[ch] = masks.get(ch, 0) | (1 << bit)
        bit += 1
    return masks


def homophone(a: str, b: str) -> bool:
    """Whether two characters share a reading (pinyin without tones)."""
    masks = _reading_masks()
    return bool(masks.get(a, 0) & masks.get(b, 0))


def _segments(n: int) -> list[tuple[int, int]]:
    if n >= 6:
        a, b = n // 3, 2 * n // 3
        return [(0, a), (a, b), (b, n)]
    h = n // 2
    return [(0, h), (h, n)]


class WordingLexicon:
    """The canonical phrases and their anchor automaton."""

    def __init__(self, phrases: list[Phrase]) -> None:
        self.phrases = phrases
        self.canonical = frozenset(p.text for p in phrases)
        anchors: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, p in enumerate(phrases):
            for a, b in _segments(len(p.text)):
                anchors[p.text[a:b]].append((i, a))
        self._anchors = Matcher(anchors.items())

    def judge(self, window: str, phrase: Phrase) -> str | None:
        """How ``window`` is a near-miss of ``phrase`` (None: it is not one)."""
        expected = phrase.text
        if window == expected or window in self.canonical:
            return None
        diffs = [i for i, (x, y) in enumerate(zip(window, expected, strict=False)) if x != y]
        if not diffs or any(not _is_cjk(window[i]) for i in diffs):
            return None
        n = len(expected)
        if (len(diffs) == 2 and diffs[1] == diffs[0] + 1 and window[diffs[0]] == expected[diffs[1]]
                and window[diffs[1]] == expected[diffs[0]]):
            return "transposition"
        if len(diffs) <= (2 if n >= 5 else 1) and all(homophone(window[i], expected[i]) for i in diffs):
            return "homophone"
        if phrase.category != "organisation":
            allowed = 2 if n >= 12 else 1 if n >= 8 else 0
            if len(diffs) <= allowed:
                return "substitution"
        return None

    def scan(self, text: str) -> list[WordingMatch]:
        """Near-misses in ``text``; where two overlap, the longer phrase's is kept."""
        found: dict[tuple[int, int], WordingMatch] = {}
        for start, _end, _seg, hits in self._anchors.iter(text):
            for index, offset in hits:
                phrase = self.phrases[index]
                w0 = start - offset
                if w0 < 0 or (w0, index) in found:
                    continue
                window = text[w0:w0 + len(phrase.text)]
                if len(window) != len(phrase.text):
                    continue
                how = self.judge(window, phrase)
                if how is not None:
                    found[(w0, index)] = WordingMatch(window, phrase.text, phrase.category, phrase.serious,
                                                      how, w0)
        matches = sorted(found.values(), key=lambda m: (m.start, -len(m.found)))
        kept: list[WordingMatch] = []
        for m in matches:
            if kept and m.start < kept[-1].start + len(kept[-1].found):
                if len(m.found) > len(kept[-1].found):
                    kept[-1] = m
                continue
            kept.append(m)
        return kept


@lru_cache(maxsize=1)
def wording_lexicon() -> WordingLexicon:
    data = load_yaml("wording.yaml")
    phrases = [Phrase(text, cat, bool(spec["serious"])) for cat, spec in data["categories"].items()
               for text in spec["phrases"]]
    return WordingLexicon(phrases)


def find_typos(text: str) -> list[TypoMatch]:
    """Confusion-set typos (``typos.yaml``) in ``text``."""
    return [TypoMatch(term, right, start) for start, _end, term, right in typo_matcher().iter(text)]
