"""Near-misses of fixed expressions (严重表述错误) and ordinary typos (错别字).

A fixed expression (``data/lexicons/wording.yaml``) is split into anchor segments (two; four from
twelve characters on), chosen among the expression's words that are rarest in the lexicon. Any
text holding the expression with one edit (two substitutions from twelve characters on) still
holds one segment intact; a swap across the border of two segments is matched as an exact
pattern. One Aho-Corasick pass finds the anchors; a cheap test drops hits whose other segments
are not nearly in place; each remaining hit aligns the expression with the text and judges:

- **transposition** (``swap``): two adjacent characters exchanged (两个维护 → 两个护维);
- **substitution** of a *similar* character (:class:`CharSimilarity`): a ``homophone`` (same
  toneless pinyin: 李强 → 李墙, ``how`` = ``homophone``), a ``near_homophone`` (前后鼻音
  an/ang en/eng in/ing, 平翘舌 z/zh c/ch s/sh, n/l, r/l, f/h: 复兴 → 复新) or a character of
  similar ``shape`` (``data/lexicons/shapes.txt``: 特 → 持); one character, two from twelve
  characters on; an arbitrary substitution (``other``) only in leader/political expressions of
  eight characters or more (two from twelve), never within two characters of either end
  (社会主义现代化强省 is not 强国 miswritten);
- **drop** (漏字) of one character: inside expressions of five or more characters (next to an
  end only from seven on); at either end from six on and only where the text beside that end is
  not CJK (文化和旅游厅 is another body, not 文化和旅游部 with 部 dropped); a function word (和,
  的 …) inside only in leader/political expressions of eight or more (人力资源社会保障部 is an
  accepted short form);
- **insert** (多字) of one character inside an expression of four or more characters (a
  function word only from eight on).

Organisation names accept no arbitrary substitution: local bodies (市生态环境局) are correct names
of other organisations. Differing, dropped and inserted characters must be CJK ideographs, so
punctuation, digits and Latin text never make a near-miss. The allow-list is every expression
and every accepted variant (``variants`` in the lexicon): a candidate that equals one, or lies
inside an exact occurrence of one, is never reported (山西省人民政府 is not a homophone error of
陕西省人民政府). Where two near-misses overlap, the longer expression's is kept, then the one with
fewer differing characters.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from govwatch.analysis.content.lexicon import LEXICON_PACKAGE, Matcher, load_yaml, typo_matcher

FUNCTION_WORDS = frozenset("的地得之和与及并或等了着过是在对、")
SWAP = -1  # anchor payload offset marking an exact adjacent-swap variant


@dataclass(frozen=True, slots=True)
class Phrase:
    text: str
    category: str
    serious: bool
    source: str = ""


@dataclass(frozen=True, slots=True)
class WordingMatch:
    """A near-miss ``found`` at ``start`` of the canonical ``expected``.

    ``how`` is the edit (homophone | substitution | transposition | drop | insert);
    ``error_class`` says which class of error it is: homophone, near_homophone, shape, other
    (an arbitrary substitution), swap, drop or insert."""

    found: str
    expected: str
    category: str
    serious: bool
    how: str
    error_class: str
    start: int


@dataclass(frozen=True, slots=True)
class TypoMatch:
    found: str
    expected: str
    start: int


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def near_reading(reading: str) -> str:
    """A toneless reading with the commonly confused distinctions folded: 平翘舌 (zh/ch/sh →
    z/c/s), n → l, h → f, r → l at the start; 前后鼻音 (-ang/-eng/-ing → -an/-en/-in) at the end."""
    for retro, flat in (("zh", "z"), ("ch", "c"), ("sh", "s")):
        if reading.startswith(retro):
            reading = flat + reading[2:]
            break
    else:
        if reading[:1] in ("n", "r") and reading != "ng":
            reading = "l" + reading[1:]
        elif reading[:1] == "h":
            reading = "f" + reading[1:]
    if reading.endswith(("ang", "eng", "ing")):
        reading = reading[:-1]
    return reading


class CharSimilarity:
    """Whether two characters are homophones, near-homophones or of similar shape.

    Readings come from ``data/lexicons/readings.txt`` (pypinyin's dictionary written out by
    ``scripts/build_readings.py``), shapes from ``data/lexicons/shapes.txt`` (pycorrector's
    形近字 groups written out by ``scripts/build_shapes.py``): nothing is imported at run time."""

    def __init__(self, readings_text: str, shapes_text: str) -> None:
        self.exact: dict[str, int] = {}
        self.near: dict[str, int] = {}
        near_bits: dict[str, int] = {}
        bit = 0
        for line in readings_text.splitlines():
            if not line or line.startswith("#"):
                continue
            reading, chars = line.split("\t", 1)
            near_bit = near_bits.setdefault(near_reading(reading), len(near_bits))
            for ch in chars:
                self.exact[ch] = self.exact.get(ch, 0) | (1 << bit)
                self.near[ch] = self.near.get(ch, 0) | (1 << near_bit)
            bit += 1
        self.shapes: dict[str, set[str]] = defaultdict(set)
        for line in shapes_text.splitlines():
            if line and not line.startswith("#"):
                for ch in line:
                    self.shapes[ch].update(line)

    def homophone(self, a: str, b: str) -> bool:
        return bool(self.exact.get(a, 0) & self.exact.get(b, 0))

    def kind(self, a: str, b: str) -> str:
        """homophone | near_homophone | shape | other, the closest relation of ``a`` to ``b``."""
        if self.exact.get(a, 0) & self.exact.get(b, 0):
            return "homophone"
        if self.near.get(a, 0) & self.near.get(b, 0):
            return "near_homophone"
        if b in self.shapes.get(a, ()):
            return "shape"
        return "other"


@lru_cache(maxsize=1)
def char_similarity() -> CharSimilarity:
    folder = resources.files(LEXICON_PACKAGE).joinpath("lexicons")
    return CharSimilarity(folder.joinpath("readings.txt").read_text(encoding="utf-8"),
                          folder.joinpath("shapes.txt").read_text(encoding="utf-8"))


def homophone(a: str, b: str) -> bool:
    """Whether two characters share a reading (pinyin without tones)."""
    return char_similarity().homophone(a, b)


def _segments(n: int) -> list[tuple[int, int]]:
    """Anchor segments: four from twelve characters on (two substituted characters leave two
    intact), else two (one edit leaves one intact; a swap across their border is matched as an
    exact pattern)."""
    if n >= 12:
        return [(n * i // 4, n * (i + 1) // 4) for i in range(4)]
    h = n // 2
    return [(0, h), (h, n)]


def substring_counts(texts: Iterable[str]) -> Counter[str]:
    """How many of ``texts`` hold each substring of two characters or more."""
    counts: Counter[str] = Counter()
    for t in texts:
        counts.update({t[i:j] for i in range(len(t)) for j in range(i + 2, len(t) + 1)})
    return counts


def _rare_segments(text: str, count: int, holding: Counter[str]) -> list[tuple[int, int]]:
    """``count`` contiguous segments of ``text`` (two characters or more) whose words are the
    rarest in the lexicon (``holding``: how many expressions hold each; 委员会 and 发展 are poor
    anchors, as they are in government text; a two-character segment counts extra), found by
    dynamic programming over the borders."""
    n = len(text)

    def cost(seg: str) -> int:
        return holding[seg] + (30 if len(seg) == 2 else 0)

    @cache
    def best(start: int, left: int) -> tuple[int, tuple[tuple[int, int], ...]]:
        if left == 1:
            return (cost(text[start:]), ((start, n),)) if n - start >= 2 else (10**9, ())
        options = []
        for end in range(start + 2, n - 2 * (left - 1) + 1):
            rest_cost, rest = best(end, left - 1)
            options.append((cost(text[start:end]) + rest_cost, ((start, end), *rest)))
        return min(options) if options else (10**9, ())

    total, segments = best(0, count)
    return list(segments) if total < 10**9 else _segments(n)


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _common_suffix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[-1 - i] == b[-1 - i]:
        i += 1
    return i


_Entry = tuple[int, int, str]  # (phrase index, anchor offset in the phrase or SWAP, phrase text)


class _Gate:
    """Which of a shared anchor's entries can pass :meth:`WordingLexicon._plausible` at one hit,
    found by a few look-ups of the characters around the hit instead of one test per entry
    (人民政府 anchors 25 province governments: 宁川市人民政府 tested each of them).

    Each entry is probed at the first character of each other segment (four segments: one must
    start within one character of its place) or at the first two characters of the other
    segment (two segments: at most one of its characters may be out of place, so one of the two
    is in place within one character; a one-character segment is never out of place, so it
    passes always, as a swap entry does). An entry no probe finds is one ``_plausible`` rejects;
    dropping it before ``_plausible`` also leaves it out of the scan's ``tried`` set, which is no
    change: the same (alignment, phrase) is reached again only from another of the phrase's
    anchors found in its place, and with that anchor in place the first test passes. Near the
    text's start, where ``_plausible`` would read negative offsets (Python's from-the-end), every
    entry goes through as before."""

    __slots__ = ("always", "probes", "reach")

    def __init__(self, entries: list[_Entry], others: list[dict[int, list[tuple[str, int]]]]) -> None:
        always: set[int] = set()
        probes: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        for k, (index, offset, _text) in enumerate(entries):
            segments = others[index][offset] if offset != SWAP else []
            if len(segments) >= 2:
                keys = [(c - offset, seg[0]) for seg, c in segments]
            elif len(segments) == 1 and len(segments[0][0]) >= 2:
                seg, c = segments[0]
                keys = [(c - offset, seg[0]), (c - offset + 1, seg[1])]
            else:
                always.add(k)
                continue
            for at, ch in keys:
                probes[at][ch].add(k)
        self.always = frozenset(always)
        self.probes = tuple((at, dict(by_char)) for at, by_char in sorted(probes.items()))
        self.reach = min((at for at, _by_char in self.probes), default=0) - 1

    def passing(self, text: str, start: int, entries: list[_Entry]) -> list[_Entry]:
        """The entries, in their order, that may be plausible at an anchor hit at ``start``."""
        if start + self.reach < 0:
            return entries
        chosen = set(self.always)
        n = len(text)
        for at, by_char in self.probes:
            for p in range(start + at - 1, min(start + at + 2, n)):
                found = by_char.get(text[p])
                if found:
                    chosen |= found
        return [entries[k] for k in sorted(chosen)]


class WordingLexicon:
    """The fixed expressions, the allow-list and the anchor automaton.

    An anchor shared by ``gate_from`` expressions or more carries a :class:`_Gate`."""

    def __init__(self, phrases: list[Phrase], variants: Iterable[str] = (), *,
                 similarity: CharSimilarity | None = None, gate_from: int = 4) -> None:
        self.phrases = phrases
        self.similarity = similarity or char_similarity()
        self.allowed = frozenset(p.text for p in phrases) | frozenset(variants)
        anchors: dict[str, list[_Entry]] = defaultdict(list)
        self._others: list[dict[int, list[tuple[str, int]]]] = []
        holding = substring_counts(p.text for p in phrases)
        for i, p in enumerate(phrases):
            t = p.text
            segments = _rare_segments(t, len(_segments(len(t))), holding)
            for a, b in segments:
                anchors[t[a:b]].append((i, a, t))
            self._others.append({a: [(t[c:d], c) for c, d in segments if c != a] for a, _b in segments})
            if len(segments) == 2:  # a swap across the border breaks both segments: matched exactly
                k = segments[1][0] - 1
                if t[k] != t[k + 1]:
                    anchors[t[:k] + t[k + 1] + t[k] + t[k + 2:]].append((i, SWAP, t))
        self._anchors = Matcher((segment, (entries, _Gate(entries, self._others) if len(entries) >= gate_from else None))
                                for segment, entries in anchors.items())
        self._allowed = Matcher((text, None) for text in self.allowed)
        self._longest_allowed = max(map(len, self.allowed), default=0)

    def judge_same_length(self, window: str, phrase: Phrase) -> tuple[str, str] | None:
        """(how, class) when ``window`` is ``phrase`` with a swap or similar characters."""
        expected = phrase.text
        diffs = [i for i, (x, y) in enumerate(zip(window, expected, strict=True)) if x != y]
        if not diffs or any(not is_cjk(window[i]) for i in diffs):
            return None
        n = len(expected)
        if (len(diffs) == 2 and diffs[1] == diffs[0] + 1 and window[diffs[0]] == expected[diffs[1]]
                and window[diffs[1]] == expected[diffs[0]]):
            return "transposition", "swap"
        if len(diffs) > 2:
            return None
        kinds = [self.similarity.kind(window[i], expected[i]) for i in diffs]
        if "other" not in kinds:
            homophones = all(k == "homophone" for k in kinds)
            if len(diffs) == 2 and n < 12:
                return None
            if homophones:
                return "homophone", "homophone"
            return "substitution", next(k for k in kinds if k != "homophone")
        if phrase.category == "organisation":
            return None
        if len(diffs) <= (2 if n >= 12 else 1 if n >= 8 else 0) and 2 <= diffs[0] and diffs[-1] <= n - 3:
            return "substitution", "other"
        return None

    @staticmethod
    def judge_drop(text: str, start: int, phrase: Phrase) -> bool:
        """Whether ``text[start:start + n - 1]`` is ``phrase`` (n characters) with one CJK
        character left out. At either end only where the text beside it is not CJK: 文化和旅游厅
        is another body, not 文化和旅游部 with 部 dropped. A function word (和, 的 …) inside only in
        long leader/political expressions: 人力资源社会保障部 is an accepted short form."""
        expected = phrase.text
        n = len(expected)
        if n < 5:
            return False
        window = text[start:start + n - 1]
        p = _common_prefix(window, expected)
        if p + _common_suffix(window, expected) < n - 1:
            return False
        k = p  # the dropped position (the first one if a doubled character makes it ambiguous)
        if not is_cjk(expected[k]):
            return False
        if k == 0:
            return n >= 6 and (start == 0 or not is_cjk(text[start - 1]))
        if k == n - 1:
            return n >= 6 and (start + n - 1 >= len(text) or not is_cjk(text[start + n - 1]))
        if k in (1, n - 2) and n < 7:  # one character left on that side is weak evidence
            return False
        return expected[k] not in FUNCTION_WORDS or (n >= 8 and phrase.category != "organisation")

    @staticmethod
    def judge_insert(window: str, expected: str) -> bool:
        """Whether ``window`` is ``expected`` with one CJK character added inside."""
        n = len(expected)
        if n < 4:
            return False
        p = _common_prefix(window, expected)
        q = _common_suffix(window, expected)
        if p + q < n or p == 0 or q == 0:
            return False
        extra = window[p]
        return is_cjk(extra) and (n >= 8 or extra not in FUNCTION_WORDS)

    def _readings(self, text: str, w0: int, phrase: Phrase) -> list[tuple[int, str, str, str]]:
        """(start, found, how, class) of every near-miss reading of ``phrase`` aligned at ``w0``: the
        same length (swap, substitutions), a drop or an insert. Several may hold on one text
        (中共中中央书记处 is a swap 共中 with a stray 中 before it, or 中 doubled); the scan keeps
        the one with the fewest edits, then the one that explains the most characters."""
        t, n = phrase.text, len(phrase.text)
        if text.startswith(t, w0):
            return []
        out = []
        if w0 >= 0 and w0 + n <= len(text):
            judged = self.judge_same_length(text[w0:w0 + n], phrase)
            if judged is not None:
                out.append((w0, text[w0:w0 + n], *judged))
        for start in (w0, w0 + 1):  # dropped after / before the anchor
            if start >= 0 and start + n - 1 <= len(text) and self.judge_drop(text, start, phrase):
                out.append((start, text[start:start + n - 1], "drop", "drop"))
        for start in (w0, w0 - 1):  # inserted after / before the anchor
            if start >= 0 and start + n + 1 <= len(text) and self.judge_insert(text[start:start + n + 1], t):
                out.append((start, text[start:start + n + 1], "insert", "insert"))
        return out

    def _plausible(self, text: str, w0: int, index: int, offset: int) -> bool:
        """A cheap necessary condition for a near-miss aligned at ``w0`` (most anchor hits are
        common words such as 发展 or 委员会). With four segments, one or two edits leave another
        segment intact within one character of its place; with two, the edit lies in the other
        segment, so all its characters but one stand within one character of their place (a
        swap across the border is matched as an exact pattern)."""
        others = self._others[index][offset]
        if len(others) >= 2:
            return any(text.startswith(seg, w0 + c + d) for seg, c in others for d in (0, -1, 1))
        seg, c = others[0]
        missing = 0
        for j, ch in enumerate(seg):
            at = w0 + c + j
            if ch not in text[max(at - 1, 0):at + 2]:
                missing += 1
                if missing > 1:
                    return False
        return True

    def scan(self, text: str) -> list[WordingMatch]:
        """Near-misses in ``text``; where two overlap, the longer expression's is kept."""
        found: dict[tuple[int, int, int], WordingMatch] = {}
        tried: set[tuple[int, int]] = set()
        for end, (segment, (hits, gate)) in self._anchors.raw_iter(text):
            start = end + 1 - len(segment)
            if gate is not None:
                hits = gate.passing(text, start, hits)
            for index, offset, expected in hits:
                if offset == SWAP:
                    phrase = self.phrases[index]
                    found[(start, len(expected), index)] = WordingMatch(text[start:start + len(expected)], expected,
                                                         phrase.category, phrase.serious, "transposition", "swap",
                                                         start)
                    continue
                w0 = start - offset
                if text.startswith(expected, w0):  # an exact occurrence: the common case
                    continue
                key = (w0, index)
                if key in tried:
                    continue
                tried.add(key)
                if not self._plausible(text, w0, index, offset):
                    continue
                phrase = self.phrases[index]
                for s, window, how, cls in self._readings(text, w0, phrase):
                    found[(s, len(window), index)] = WordingMatch(window, phrase.text, phrase.category,
                                                                  phrase.serious, how, cls, s)
        if not found:
            return []
        return self._kept(text, found.values())

    def _inside_allowed(self, text: str, m: WordingMatch) -> bool:
        """Whether an exact occurrence of an allowed form covers the candidate (only the text
        around it is searched)."""
        lo = max(0, m.start - self._longest_allowed)
        end = m.start + len(m.found)
        region = text[lo:end + self._longest_allowed]
        return any(lo + s <= m.start and end <= lo + e for s, e, _t, _p in self._allowed.iter(region))

    def _kept(self, text: str, candidates: Iterable[WordingMatch]) -> list[WordingMatch]:
        """Candidates outside the allow-list, the longer expression's where two overlap."""
        matches = sorted((m for m in candidates
                          if m.found not in self.allowed and not self._inside_allowed(text, m)),
                         key=lambda m: (m.start, -len(m.found)))
        kept: list[WordingMatch] = []
        for m in matches:
            if kept and m.start < kept[-1].start + len(kept[-1].found):
                if _preference(m) > _preference(kept[-1]):
                    kept[-1] = m
                continue
            kept.append(m)
        return kept


def _preference(m: WordingMatch) -> tuple[int, int]:
    """Of two overlapping near-misses: the longer expression's, then the one with fewer edits (a
    swap, a drop or an insert is one; a substitution one per differing character: 陕吸省 is 陕西省
    with one homophone, not 山西省 with two). On a tie the earlier, then longer one stays, so the
    reading that explains more characters wins: 山西省人民政不府 is 不 inserted, not 府 read as 不
    before a stray 府; 中共中中央书记处 is 中 doubled, not 中共 swapped after a stray 中; 位五一体总体布局
    is 五位 swapped, not 五 dropped after a stray 位."""
    if m.how in ("transposition", "drop", "insert"):
        edits = 1
    else:
        edits = sum(1 for x, y in zip(m.found, m.expected, strict=True) if x != y)
    return len(m.expected), -edits


def lexicon_phrases(data: dict[str, object]) -> list[Phrase]:
    """Every expression of a wording lexicon document, with its group's category and source."""
    groups = data["categories"]
    assert isinstance(groups, dict)
    return [Phrase(text, spec.get("category", key), bool(spec["serious"]), spec.get("source", ""))
            for key, spec in groups.items() for text in spec["phrases"]]


@lru_cache(maxsize=1)
def wording_lexicon() -> WordingLexicon:
    data = load_yaml("wording.yaml")
    return WordingLexicon(lexicon_phrases(data), list(data.get("variants") or ()))


def find_typos(text: str) -> list[TypoMatch]:
    """Confusion-set typos (``typos.yaml``) in ``text``."""
    return [TypoMatch(term, right, start) for start, _end, term, right in typo_matcher().iter(text)]
