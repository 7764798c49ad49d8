"""Date parsing for Chinese government pages.

Public API:

- :func:`parse_date` — the date written in a short text (a list cell, a label value).
- :func:`find_date` / :func:`find_dates` — locate dates inside longer text and return
  :class:`DateMatch` objects (the parts found, the matched text and its position).
- :func:`url_date_parts` — the year / month / day a CMS put into an article URL.
- :func:`infer_year` — the year of a month-day date from its neighbours in a list.

Forms understood: ``2024-03-05``, ``2024/3/5``, ``2024.03.05``, ``2024年3月5日``,
``24-03-05`` (two-digit year), ``[03-05]``, ``03-05``, ``3月5日``, ``二〇二四年三月五日``
(``〇``, ``○`` or ``零``), full-width digits and separators. Impossible dates (2024-02-30)
are rejected. Nothing here ever looks at today's date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

__all__ = [
    "DateMatch", "parse_date", "find_date", "find_dates", "url_date_parts", "infer_year",
    "normalize_digits",
]

_MIN_YEAR, _MAX_YEAR = 1900, 2100

# Full-width digits and separators -> ASCII (same length, so positions survive).
_FW_TABLE = {0xFF10 + i: 0x30 + i for i in range(10)}
_FW_TABLE.update({0xFF0D: ord("-"), 0xFF0F: ord("/"), 0xFF0E: ord("."), 0x2014: ord("-"),
                  0x2013: ord("-"), 0x2212: ord("-"), 0xFF3B: ord("["), 0xFF3D: ord("]"),
                  0x3000: ord(" "), 0xA0: ord(" ")})

_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}

_CN = "〇○零Ｏ一二三四五六七八九"
_DATE_RE = re.compile(
    # 1. 二〇二四年三月五日
    rf"(?P<cy>[{_CN}]{{4}})\s*年\s*(?P<cm>[一二三四五六七八九十]{{1,2}})\s*月"
    rf"\s*(?P<cd>[一二三四五六七八九十]{{1,3}})\s*[日号]"
    # 2. 2024年3月5日
    r"|(?P<ky>(?:19|20|21)\d{2})\s*年\s*(?P<km>\d{1,2})\s*月\s*(?P<kd>\d{1,2})(?:\s*[日号]|(?![\d\u4e00-\u9fff]))"
    # 3. 2024-03-05, 2024/3/5, 2024.03.05
    r"|(?<![\d.])(?P<y>(?:19|20|21)\d{2})\s?(?P<sep>[-/.])\s?(?P<m>\d{1,2})\s?(?P=sep)\s?(?P<d>\d{1,2})(?!\d)"
    # 4. 24-03-05 (two-digit year, always YY-MM-DD)
    r"|(?<![\d.\-/:])(?P<sy>\d{2})(?P<ssep>[-/.])(?P<sm>\d{1,2})(?P=ssep)(?P<sd>\d{1,2})(?![\d:]|[-/.]\d)"
    # 5. 3月5日 (no year)
    r"|(?<![\d年])(?P<pm>\d{1,2})\s*月\s*(?P<pd>\d{1,2})\s*[日号]"
    # 6. [03-05], 03-05, 3/5 (no year)
    r"|(?<![\d.\-/:])(?P<qm>\d{1,2})(?P<qsep>[-/.])(?P<qd>\d{1,2})(?![\d:]|[-/.]\d)"
)

# Year (and month, day) an article URL carries: /2024/0305/, t20240305_, /art/2024/3/5/,
# /202403/, /2024-03/05/, /2024/03/ ...
_URL_YMD8 = re.compile(r"(?<!\d)((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)")
_URL_Y_MD = re.compile(r"/((?:19|20)\d{2})[/_-](0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=[/_.])")
_URL_Y_M_D = re.compile(r"/((?:19|20)\d{2})[/_-](\d{1,2})[/_-](\d{1,2})(?=/)")
_URL_YM = re.compile(r"/((?:19|20)\d{2})[-_]?(0[1-9]|1[0-2])(?=/)")
_URL_Y = re.compile(r"/((?:19|20)\d{2})(?=/)")


@dataclass(slots=True, frozen=True)
class DateMatch:
    """One date found in a text. ``year`` is ``None`` for month-day forms."""

    year: int | None
    month: int
    day: int
    text: str  # as matched (after full-width normalisation)
    start: int
    end: int

    @property
    def has_year(self) -> bool:
        return self.year is not None

    @property
    def date(self) -> date | None:
        """The date, or ``None`` when the year is unknown."""
        return _make(self.year, self.month, self.day) if self.year is not None else None

    def with_year(self, year: int | None) -> date | None:
        """The date with ``year`` filled in when the text had none."""
        if self.year is not None:
            return _make(self.year, self.month, self.day)
        return _make(year, self.month, self.day) if year is not None else None


def normalize_digits(text: str) -> str:
    """Full-width digits, dashes, slashes, dots and spaces to ASCII (same length)."""
    return text.translate(_FW_TABLE)


def _make(y: int | None, m: int, d: int) -> date | None:
    if y is None or not _MIN_YEAR <= y <= _MAX_YEAR:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _cn_number(s: str) -> int:
    """一..三十一 (month/day numerals) to int; 0 when malformed."""
    if "十" not in s:
        return _CN_DIGITS.get(s, 0) if len(s) == 1 else 0
    head, _, tail = s.partition("十")
    tens = _CN_DIGITS.get(head, 0) if head else 1
    ones = _CN_DIGITS.get(tail, 0) if tail else 0
    return tens * 10 + ones


def _from_match(m: re.Match[str]) -> DateMatch | None:
    g = m.groupdict()
    if g["cy"] is not None:
        year = int("".join(str(_CN_DIGITS[c]) for c in g["cy"]))
        month, day = _cn_number(g["cm"]), _cn_number(g["cd"])
    elif g["ky"] is not None:
        year, month, day = int(g["ky"]), int(g["km"]), int(g["kd"])
    elif g["y"] is not None:
        year, month, day = int(g["y"]), int(g["m"]), int(g["d"])
    elif g["sy"] is not None:
        yy = int(g["sy"])
        year = 2000 + yy if yy < 70 else 1900 + yy
        month, day = int(g["sm"]), int(g["sd"])
    elif g["pm"] is not None:
        year, month, day = None, int(g["pm"]), int(g["pd"])
    else:
        year, month, day = None, int(g["qm"]), int(g["qd"])
    # Validate: month/day must exist (Feb 29 allowed without a year).
    check = _make(year if year is not None else 2000, month, day)
    if check is None:
        return None
    return DateMatch(year, month, day, m.group(0), m.start(), m.end())


def find_dates(text: str, *, partial: bool = True) -> list[DateMatch]:
    """Every valid date in ``text``, left to right.

    ``partial=False`` drops month-day forms (no year). Impossible dates are skipped.
    """
    if not text:
        return []
    norm = normalize_digits(text)
    found: list[DateMatch] = []
    for m in _DATE_RE.finditer(norm):
        dm = _from_match(m)
        if dm is not None and (partial or dm.year is not None):
            found.append(dm)
    return found


def find_date(text: str, *, partial: bool = True, default_year: int | None = None) -> tuple[date | None, str]:
    """The first date in ``text`` and the text it was written as.

    A month-day form gets ``default_year`` (``None`` date when that is missing, but the
    matched text is still returned so callers can infer the year elsewhere).
    Returns ``(None, "")`` when there is no date.
    """
    for dm in find_dates(text, partial=partial):
        return dm.with_year(default_year), dm.text.strip()
    return None, ""


def parse_date(text: str, *, default_year: int | None = None) -> date | None:
    """Parse the date written in ``text`` (the first one), e.g. ``"[03-05]"``.

    Month-day forms take ``default_year``; without it they give ``None``.
    """
    return find_date(text, default_year=default_year)[0]


def url_date_parts(url: str | None) -> tuple[int | None, int | None, int | None]:
    """``(year, month, day)`` a CMS encoded into an article URL (any may be ``None``).

    Recognises ``t20240305_``, ``/2024/0305/``, ``/art/2024/3/5/``, ``/202403/`` and a bare
    ``/2024/`` folder. Only the path is looked at.
    """
    if not url:
        return None, None, None
    path = url.split("?", 1)[0]
    slash = path.find("//")
    if slash >= 0:
        path = path[path.find("/", slash + 2):] if path.find("/", slash + 2) >= 0 else "/"
    for rx in (_URL_YMD8, _URL_Y_MD, _URL_Y_M_D):
        m = rx.search(path)
        if m:
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if _make(y, mo, d) is not None:
                return y, mo, d
    m = _URL_YM.search(path)
    if m:
        return int(m.group(1)), int(m.group(2)), None
    m = _URL_Y.search(path)
    if m:
        return int(m.group(1)), None, None
    return None, None, None


def infer_year(month: int, day: int, before: tuple[int, int, int] | None,
               after: tuple[int, int, int] | None) -> int | None:
    """Year of a month-day date from the nearest dated rows above and below it.

    ``before``/``after`` are ``(year, month, day)`` of the nearest rows with a known year.
    Lists run newest first, so a row dated 12-28 under a 2024-01-03 row is from 2023; a
    jump of more than six months is read as a year boundary.
    """
    if before is not None:
        y, m, _ = before
        return y - 1 if month - m > 6 else y
    if after is not None:
        y, m, _ = after
        if m - month > 6:
            return y + 1
        return y
    return None
