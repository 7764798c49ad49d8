"""Date parsing for Chinese government pages.

Public API:

- :func:`parse_date` — the date written in a short text (a list cell, a label value).
- :func:`find_date` / :func:`find_dates` — locate dates inside longer text and return
  :class:`DateMatch` objects (the parts found, the matched text and its position).
- :func:`url_date_parts` — the year / month / day a CMS put into an article URL.
- :func:`infer_year` — the year of a month-day date from its neighbours in a list.
- :func:`epoch_date` — the date of a JSON API's epoch timestamp (ms or s, Asia/Shanghai).

Forms understood: ``2024-03-05``, ``2024/3/5``, ``2024.03.05``, ``2024年3月5日``,
two-digit years ``24-03-05``, ``24/3/5``, ``24年3月5日`` (always read YY-MM-DD; 00–69 →
20YY, 70–99 → 19YY), ``[03-05]``, ``03-05``, ``3月5日``, Chinese numerals
``二〇二四年三月五日`` (year digits ``〇``/``○``/``零``/``Ｏ``/letter ``O``, month and day
``十``, ``二十三``, ``三十一``, ``廿三``, ``卅一``; also ``2024年三月五日``), full-width
digits and separators. Impossible dates (2024-02-30) are rejected. Month-day forms have no
year until a caller supplies one; nothing here ever looks at today's date.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import NamedTuple

__all__ = [
    "DateMatch", "parse_date", "find_date", "find_dates", "url_date_parts", "infer_year",
    "normalize_digits", "valid_parts", "two_digit_year", "epoch_date",
]

_MIN_YEAR, _MAX_YEAR = 1900, 2100
_Date = date  # for annotations inside DateMatch, whose ``date`` property hides the class name

# Full-width digits and separators -> ASCII (same length, so positions survive).
_FW_TABLE = {0xFF10 + i: 0x30 + i for i in range(10)}
_FW_TABLE.update({0xFF0D: ord("-"), 0xFF0F: ord("/"), 0xFF0E: ord("."), 0x2014: ord("-"),
                  0x2013: ord("-"), 0x2212: ord("-"), 0xFF3B: ord("["), 0xFF3D: ord("]"),
                  0x3000: ord(" "), 0xA0: ord(" ")})

_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "o": 0, "0": 0, "一": 1, "二": 2, "三": 3,
              "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

_CN = "〇○零ＯOo0一二三四五六七八九"
_CN_MD = "一二三四五六七八九十廿卅"
# 二〇二四年三月五日, 二〇二四年十月二十三日, 2024年三月五日 — tried only when the text holds
# 年 and 月 and a Chinese numeral could be part of a date (see find_dates).
_CN_RE = re.compile(
    rf"(?P<cy>[{_CN}]{{4}}|\d{{4}})\s*年\s*(?P<cm>[{_CN_MD}]{{1,3}})\s*月"
    rf"\s*(?P<cd>[{_CN_MD}]{{1,3}})\s*[日号]"
)
_CN_GATE = re.compile(rf"[〇○零ＯOo{_CN_MD}]\s*年|年\s*[{_CN_MD}]")
# Every numeric form starts with a number, so the regex engine can skip to digits quickly;
# what the number means (year, two-digit year, month) is decided in Python.
_NUM_RE = re.compile(
    r"(?P<a>\d++)(?:"  # possessive: the leading number is never re-split (speed)
    r"\s*+年\s*+(?P<km>\d{1,2}+)\s*+月\s*+(?P<kd>\d{1,2}+)(?:\s*[日号]|(?![\d\u4e00-\u9fff]))"  # 2024年3月5日
    r"|\s*+月\s*+(?P<pd>\d{1,2}+)\s*+[日号]"  # 3月5日
    r"|(?P<sp1>\s?)(?P<sep>[-/.])(?P<sp2>\s?)(?P<b>\d{1,2}+)"  # 2024-03-05, 24-03-05, 03-05
    r"(?:(?P<sp3>\s?)(?P=sep)(?P<sp4>\s?)(?P<c>\d{1,2}+))?(?![\d:])"
    r")"
)

# Year (and month, day) an article URL carries: /2024/0305/, t20240305_, /art/2024/3/5/,
# /202403/, /2024-03/05/, /2024/03/ ...
_URL_YMD8 = re.compile(r"(?<!\d)((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)")
_URL_Y_MD = re.compile(r"/((?:19|20)\d{2})[/_-](0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=[/_.])")
_URL_Y_M_D = re.compile(r"/((?:19|20)\d{2})[/_-](\d{1,2})[/_-](\d{1,2})(?=/)")
_URL_YM = re.compile(r"/((?:19|20)\d{2})[-_]?(0[1-9]|1[0-2])(?=/)")
_URL_Y = re.compile(r"/((?:19|20)\d{2})(?=/)")


class DateMatch(NamedTuple):
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

    def with_year(self, year: int | None) -> _Date | None:
        """The date with ``year`` filled in when the text had none."""
        if self.year is not None:
            return _make(self.year, self.month, self.day)
        return _make(year, self.month, self.day) if year is not None else None


_NEEDS_FW = re.compile("[\u2013\u2014\u2212\uff0d-\uff19\uff3b\uff3d]")


def normalize_digits(text: str) -> str:
    """Full-width digits, dashes, slashes, dots and spaces to ASCII (same length)."""
    if _NEEDS_FW.search(text) is None:  # translate() is slow; most text needs nothing
        return text
    return text.translate(_FW_TABLE)


def _make(y: int | None, m: int, d: int) -> date | None:
    if y is None or not _MIN_YEAR <= y <= _MAX_YEAR:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def two_digit_year(yy: int) -> int:
    """A two-digit year: 00–69 → 20YY, 70–99 → 19YY (government sites predate 2000)."""
    return 2000 + yy if yy < 70 else 1900 + yy


def _cn_number(s: str) -> int:
    """一..三十一 (also 廿三, 卅一) month/day numerals to int; 0 when malformed."""
    if s[0] in "廿卅":
        tens, tail = (2 if s[0] == "廿" else 3), s[1:]
        if len(tail) > 1 or (tail and tail not in _CN_DIGITS):
            return 0
        return tens * 10 + (_CN_DIGITS[tail] if tail else 0)
    if "十" not in s:
        return _CN_DIGITS.get(s, 0) if len(s) == 1 else 0
    head, _, tail = s.partition("十")
    if len(head) > 1 or len(tail) > 1 or "十" in tail:
        return 0
    tens = _CN_DIGITS.get(head, 0) if head else 1
    ones = _CN_DIGITS.get(tail, 0) if tail else 0
    return tens * 10 + ones


_MONTH_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def valid_parts(year: int | None, month: int, day: int) -> bool:
    """Whether the date exists (Feb 29 allowed when the year is unknown)."""
    if not 1 <= month <= 12 or not 1 <= day <= _MONTH_DAYS[month]:
        return False
    if year is not None:
        if not _MIN_YEAR <= year <= _MAX_YEAR:
            return False
        if month == 2 and day == 29 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
            return False
    return True


def _from_num(m: re.Match[str], text: str) -> DateMatch | None:
    a, km, kd, pd, sp1, _sep, sp2, b, sp3, sp4, c = m.groups()
    start = m.start()
    prev = text[start - 1] if start else ""
    if prev.isdigit() or len(a) > 4:
        return None
    year: int | None
    if km is not None:  # 2024年3月5日, 24年3月5日
        if len(a) == 2:
            year = two_digit_year(int(a))
        elif len(a) != 4 or a[:2] not in ("19", "20", "21"):
            return None
        else:
            year = int(a)
        month, day = int(km), int(kd)
    elif pd is not None:  # 3月5日
        if len(a) > 2 or prev == "年":
            return None
        year, month, day = None, int(a), int(pd)
    elif len(a) == 4:  # 2024-03-05
        if c is None or prev == "." or a[:2] not in ("19", "20", "21"):
            return None
        year, month, day = int(a), int(b), int(c)
    else:
        if len(a) == 3 or sp1 or sp2 or sp3 or sp4 or (prev and prev in ".-/:"):
            return None
        end = m.end()
        if text[end: end + 1] in ("-", "/", ".") and text[end + 1: end + 2].isdigit():
            return None  # part of a longer number chain (1-2-3-4, 10.0.0.1)
        if c is not None:  # 24-03-05: always YY-MM-DD
            if len(a) != 2:
                return None
            year = two_digit_year(int(a))
            month, day = int(b), int(c)
        else:  # 03-05
            year, month, day = None, int(a), int(b)
    if not valid_parts(year, month, day):
        return None  # impossible date
    return DateMatch(year, month, day, m.group(0), start, m.end())


def _from_cn(m: re.Match[str], text: str) -> DateMatch | None:
    cy = m.group("cy")
    start = m.start()
    prev = text[start - 1] if start else ""
    if prev and (prev.isdigit() or prev in _CN_DIGITS):
        return None  # part of a longer number
    if cy.isdigit():
        year = int(cy)
    else:
        if not any(c in _CN_DIGITS and not c.isascii() for c in cy):
            return None  # "o0o0年" is not a year
        year = int("".join(str(_CN_DIGITS[c]) for c in cy))
    month, day = _cn_number(m.group("cm")), _cn_number(m.group("cd"))
    if _make(year, month, day) is None:
        return None
    return DateMatch(year, month, day, m.group(0), start, m.end())


def find_dates(text: str, *, partial: bool = True) -> list[DateMatch]:
    """Every valid date in ``text``, left to right.

    ``partial=False`` drops month-day forms (no year). Impossible dates are skipped.
    """
    if not text:
        return []
    norm = normalize_digits(text)
    found: list[DateMatch] = []
    for m in _NUM_RE.finditer(norm):
        dm = _from_num(m, norm)
        if dm is not None and (partial or dm.year is not None):
            found.append(dm)
    if "年" in norm and "月" in norm and _CN_GATE.search(norm) is not None:
        for m in _CN_RE.finditer(norm):
            dm = _from_cn(m, norm)
            if dm is not None and not any(f.start < dm.end and dm.start < f.end for f in found):
                found.append(dm)
        found.sort(key=lambda d: d.start)
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


@lru_cache(maxsize=1 << 14)
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
            if 1 <= mo <= 12 and _MIN_YEAR <= y <= _MAX_YEAR:
                return y, mo, None  # impossible day: the year and month still hold
    m = _URL_YM.search(path)
    if m:
        return int(m.group(1)), int(m.group(2)), None
    m = _URL_Y.search(path)
    if m:
        return int(m.group(1)), None, None
    return None, None, None


# Lists run newest first, but CMSs sort by a manual order as often as by date: a row may be
# a few days "later" than the row above it without a year having passed.
SORT_SLACK_DAYS = 7
_DOY = (0, 0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335)  # day of a leap year before each month


def _doy(month: int, day: int) -> int:
    return _DOY[month] + day


def infer_year(month: int, day: int, before: tuple[int, int, int] | None,
               after: tuple[int, int, int] | None, slack_days: int = SORT_SLACK_DAYS) -> int | None:
    """Year of a month-day date from the nearest dated rows above and below it.

    ``before``/``after`` are ``(year, month, day)`` of the rows next to it whose year is
    known (or already inferred). Lists run newest first, so a row dated later in the year
    than the row above it belongs to the year before (12-28 under 2024-01-03 is 2023-12-28;
    05-10 under 2024-03-05 is 2023-05-10), and a row dated earlier in the year than the row
    below it to the year after. Up to ``slack_days`` out of order is read as the same year
    (manual sorting), not as a year boundary.
    """
    here = _doy(month, day)
    if before is not None:
        y, m, d = before
        return y - 1 if here - _doy(m, d) > slack_days else y
    if after is not None:
        y, m, d = after
        return y + 1 if _doy(m, d) - here > slack_days else y
    return None


# Hours east of UTC in Asia/Shanghai (no daylight saving since 1991).
_CST = timezone(timedelta(hours=8))


def epoch_date(value: float) -> date | None:
    """The Asia/Shanghai date of an epoch timestamp in milliseconds (JSON APIs) or seconds."""
    v = float(value)
    if 1e11 <= v < 1e14:
        v /= 1000.0
    elif not 1e8 <= v < 1e11:
        return None
    try:
        d = datetime.fromtimestamp(v, tz=_CST).date()
    except (OverflowError, OSError, ValueError):
        return None
    return d if _MIN_YEAR <= d.year <= _MAX_YEAR else None
