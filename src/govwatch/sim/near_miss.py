"""Near-misses of the wording lexicon's fixed expressions, one class at a time (issue 16 class 4).

One copy of the corruption logic for ``bench/lexicon_recall.py`` (substitutes drawn from a real
corpus) and for the simulator (substitutes drawn from :func:`common_chars`, the simulator's own
vocabulary plus the lexicon). Classes, as ``data/lexicons/wording.yaml``'s check judges them
(``WordingMatch.how`` in :data:`HOW`):

- ``homophone``: one character replaced by another with the same toneless reading;
- ``near_homophone``: by one differing only in 前后鼻音, 平翘舌, n/l, f/h or r/l;
- ``shape``: by one of similar shape (``data/lexicons/shapes.txt``) that is not a (near-)homophone;
- ``swap``: two adjacent different characters exchanged;
- ``drop``: one character left out inside an expression of five or more characters (for five and
  six characters not next to either end);
- ``drop_edge``: the first or last character of an expression of six or more left out; the
  context must show punctuation on that side (:attr:`Corruption.side`);
- ``insert``: one character (drawn by frequency) added inside an expression of four or more
  characters (function words such as 的 only from eight on).

Under construction variation the simulator plants one near-miss per class on each site
(:func:`site_near_misses`), each in a neutral sentence; the expressions are chosen by seed and
the scanner is never run to choose them.
"""

from __future__ import annotations

from bisect import bisect
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import Protocol, TypeVar

from govwatch.analysis.content.wording import (
    FUNCTION_WORDS,
    CharSimilarity,
    Phrase,
    char_similarity,
    is_cjk,
    wording_lexicon,
)
from govwatch.sim import words
from govwatch.sim.rng import Rng, stable_int

T = TypeVar("T")
CLASSES: tuple[str, ...] = ("homophone", "near_homophone", "shape", "swap", "drop", "drop_edge", "insert")
# The wording check's ``how`` (WordingMatch.how) for each class.
HOW: dict[str, str] = {"homophone": "homophone", "near_homophone": "substitution", "shape": "substitution",
                       "swap": "transposition", "drop": "drop", "drop_edge": "drop", "insert": "insert"}
# Neutral sentences a planted near-miss stands in: (text before, text after).
TEMPLATES: tuple[tuple[str, str], ...] = (
    ("本网站转载的稿件中涉及", "的内容，均以权威部门发布的信息为准。"),
    ("近期各单位组织集中学习，", "相关内容已纳入年度干部培训课程。"),
    ("根据有关通知要求，现就", "相关宣传事项说明如下。"),
    ("编者按：", "相关报道摘自上级部门公开发布的信息，转载时未作改动。"),
)
QUOTED_SHARE = 0.3  # share of the other classes' forms also written in quotes
ATTEMPTS = 200  # expressions tried per class before a site goes without that class


class Draws(Protocol):
    """The draws a corruption needs (``random.Random`` and :class:`govwatch.sim.rng.Rng` both give them)."""

    def random(self) -> float: ...

    def randrange(self, start: int, stop: int | None = None) -> int: ...

    def choice(self, seq: list[T]) -> T: ...


@dataclass(frozen=True, slots=True)
class Corruption:
    """A corrupted form and the side ("before" | "after" | "") whose neighbour must be punctuation."""

    form: str
    side: str = ""


class Corruptor:
    """Seeded corruptions of one class; substitutes and inserted characters come from ``chars``
    (inserted ones drawn by their counts)."""

    def __init__(self, r: Draws, similarity: CharSimilarity, chars: Counter[str]) -> None:
        self.r = r
        self.similarity = similarity
        self.common = sorted(chars)
        self.inserted = list(chars.keys())
        self.cumulative = list(accumulate(chars.values()))

    def corrupt(self, phrase: Phrase, cls: str) -> Corruption | None:
        """One corruption of ``phrase`` of class ``cls`` (None when the class does not apply)."""
        if cls in ("homophone", "near_homophone", "shape"):
            return self.substitute(phrase.text, cls)
        if cls == "swap":
            return self.swap(phrase.text)
        if cls == "drop":
            return self.drop(phrase.text, phrase.category)
        if cls == "drop_edge":
            return self.drop_edge(phrase.text)
        if cls == "insert":
            return self.insert(phrase.text)
        raise ValueError(cls)

    def substitute(self, text: str, kind: str) -> Corruption | None:
        options = [(i, c) for i, ch in enumerate(text) if is_cjk(ch)
                   for c in self.common if c != ch and self.similarity.kind(c, ch) == kind]
        if not options:
            return None
        i, c = self.r.choice(options)
        return Corruption(text[:i] + c + text[i + 1:])

    def swap(self, text: str) -> Corruption | None:
        options = [i for i in range(len(text) - 1) if text[i] != text[i + 1] and is_cjk(text[i]) and is_cjk(text[i + 1])]
        if not options:
            return None
        i = self.r.choice(options)
        return Corruption(text[:i] + text[i + 1] + text[i] + text[i + 2:])

    def drop(self, text: str, category: str) -> Corruption | None:
        n = len(text)
        inner = range(1, n - 1) if n >= 7 else range(2, n - 2)
        options = [i for i in inner if is_cjk(text[i]) and
                   (text[i] not in FUNCTION_WORDS or (n >= 8 and category != "organisation"))]
        if n < 5 or not options:
            return None
        i = self.r.choice(options)
        return Corruption(text[:i] + text[i + 1:])

    def drop_edge(self, text: str) -> Corruption | None:
        if len(text) < 6:
            return None
        first = self.r.random() < 0.5
        if not is_cjk(text[0 if first else -1]):
            first = not first
            if not is_cjk(text[0 if first else -1]):
                return None
        if first:
            return Corruption(text[1:], "before")
        return Corruption(text[:-1], "after")

    def insert(self, text: str) -> Corruption | None:
        n = len(text)
        if n < 4 or not self.inserted:
            return None
        total = self.cumulative[-1] + 0.0
        for _ in range(50):  # a weighted draw as random.Random.choices makes it
            c = self.inserted[bisect(self.cumulative, self.r.random() * total, 0, len(self.inserted) - 1)]
            if n >= 8 or c not in FUNCTION_WORDS:
                i = self.r.randrange(1, n)
                return Corruption(text[:i] + c + text[i:])
        return None


def is_error(corruption: Corruption | None, expression: str, allowed: frozenset[str]) -> bool:
    """Whether a corruption is a near-miss to plant or count: not itself a correct expression or
    accepted variant, and not still holding the expression whole (海关总署署)."""
    return corruption is not None and corruption.form not in allowed and expression not in corruption.form


def near(form: str, other: str) -> bool:
    """Whether ``form`` is within one edit of ``other`` (two substitutions or a swap at the same
    length, one character more or less)."""
    if len(form) == len(other):
        return sum(1 for x, y in zip(form, other, strict=True) if x != y) <= 2
    short, long = sorted((form, other), key=len)
    if len(long) - len(short) != 1:
        return False
    i = next((k for k, (x, y) in enumerate(zip(short, long, strict=False)) if x != y), len(short))
    return short[i:] == long[i + 1:]


def ambiguous(form: str, expression: str, phrases: list[Phrase]) -> bool:
    """Whether ``form`` is as near another expression as the one it was made from (东省人民政府:
    广东 or 山东?): no single suggestion is right, so the simulator plants none such."""
    return any(p.text != expression and near(form, p.text) for p in phrases)


@lru_cache(maxsize=1)
def common_chars() -> Counter[str]:
    """The simulator's substitute characters with their counts: its own text vocabulary
    (``sim/words.py``, without the deliberately rare characters) plus the lexicon's expressions."""
    vocabulary = [name for _code, abbr, name in words.PROVINCES for name in (abbr, name)]
    vocabulary += [*words.CITIES, *words.COUNTIES, *(n for pair in words.DEPARTMENTS.values() for n in pair),
                   *words.TOPICS, *words.ACTIONS, *words.MEETINGS, *words.PLACES, *words.ISSUES, *words.PEOPLE,
                   *words.MATTERS, *words.DOC_KINDS, *words.INDICATORS, *words.SENTENCES, *words.REPLY_SENTENCES]
    vocabulary += [p.text for p in wording_lexicon().phrases]
    return Counter(ch for text in vocabulary for ch in text if is_cjk(ch) and ch not in words.RARE_CHARS)


@dataclass(frozen=True, slots=True)
class NearMiss:
    """A planted near-miss: ``form`` of ``expected`` (class ``cls``) in ``sentence``."""

    cls: str
    form: str
    expected: str
    sentence: str

    @property
    def how(self) -> str:
        return HOW[self.cls]


def sentence_with(r: Draws, corruption: Corruption, quoted: bool) -> str:
    """``corruption`` in one of the neutral :data:`TEMPLATES`, in quotes when it must stand beside
    punctuation (drop_edge) or ``quoted`` says so."""
    before, after = r.choice(list(TEMPLATES))
    form = corruption.form
    if corruption.side or quoted:
        form = f"“{form}”"
    return before + form + after


@lru_cache(maxsize=64)
def site_near_misses(seed: int, variation: int, site_id: str) -> tuple[NearMiss, ...]:
    """One near-miss per class for a site under construction variation (none for variation 0),
    each of another expression, chosen by (seed, variation, site id); never a form as near
    another expression (:func:`ambiguous`)."""
    if variation <= 0:
        return ()
    r = Rng(stable_int(seed, variation, site_id, "near_miss"))
    lexicon = wording_lexicon()
    corruptor = Corruptor(r, char_similarity(), common_chars())
    used: set[str] = set()
    out: list[NearMiss] = []
    for cls in CLASSES:
        for _ in range(ATTEMPTS):
            phrase = r.choice(lexicon.phrases)
            if phrase.text in used:
                continue
            corruption = corruptor.corrupt(phrase, cls)
            if (corruption is None or not is_error(corruption, phrase.text, lexicon.allowed)
                    or ambiguous(corruption.form, phrase.text, lexicon.phrases)):
                continue
            used.add(phrase.text)
            quoted = r.random() < QUOTED_SHARE
            out.append(NearMiss(cls, corruption.form, phrase.text, sentence_with(r, corruption, quoted)))
            break
    return tuple(out)
