"""Personal data in text: resident ID numbers, mainland mobile numbers, bank card numbers.

Every value is validated before it counts, and leaves this module only masked:

- **Resident ID** (GB 11643-1999): 18 characters, the first two a province code
  (``data/lexicons/provinces.yaml``), a birth date ``YYYYMMDD`` between 1900-01-01 and the
  inspection date, and the ISO 7064 MOD 11-2 check character (``X`` for 10).
- **Mobile**: ``1[3-9]`` and nine more digits, not part of a longer digit run.
- **Bank card**: 16–19 digits (optionally grouped by four with spaces or hyphens) passing the
  Luhn check, with a plausible issuer prefix (IIN): ``62`` (China UnionPay), ``4`` (Visa),
  ``51``–``55`` and ``2221``–``2720`` (Mastercard), ``35`` (JCB). Numbers that are valid ID
  numbers are not also counted as cards.

Masked values (``138****1234``) never match: ``*`` is neither a digit nor allowed next to one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from govwatch.analysis.content.lexicon import load_yaml

_ID = re.compile(r"(?<![0-9A-Za-z*＊])([1-8]\d{16}[0-9Xx])(?![0-9A-Za-z*＊])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z*＊])(1[3-9]\d{9})(?![0-9A-Za-z*＊])")
_CARD = re.compile(r"(?<![0-9*＊])(\d{4}(?:[ -]?\d{4}){3}(?:[ -]?\d{1,3})?)(?![0-9*＊])")
_FOUR_DIGITS = re.compile(r"\d{4}")  # every pattern above needs four digits in a row: a cheap first test
# What each pattern's value needs, without the look-arounds: a search that starts with a digit (or a
# literal) skips the text in C, where a pattern starting with a look-behind is tried at every
# character. A text these find nothing in has no match of the pattern (most pages: dates and phone
# numbers with an area code hold no 11 digits in a row), so the pattern is not run.
_ID_GATE = re.compile(r"[1-8]\d{16}[0-9Xx]")
_MOBILE_GATE = re.compile(r"1[3-9]\d{9}")
_CARD_GATE = re.compile(r"\d{4}(?:[ -]?\d{4}){3}")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

TYPE_LABELS = {"id_card": "身份证号", "mobile": "手机号", "bank_card": "银行卡号"}


@lru_cache(maxsize=1)
def province_codes() -> frozenset[str]:
    """The province codes a resident ID number may start with (shipped as data)."""
    return frozenset(str(k) for k in load_yaml("provinces.yaml")["provinces"])


def id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits of an ID number."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=False)) % 11]


def valid_resident_id(value: str, as_of: date) -> bool:
    """Whether ``value`` is a valid 18-digit resident ID number on ``as_of``."""
    if len(value) != 18 or not value[:17].isdigit() or value[:2] not in province_codes():
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if born.year < 1900 or born > as_of:
        return False
    return id_check_char(value[:17]) == value[17].upper()


def id_shaped(value: str) -> bool:
    """A province code and a year 1900–2099 where an ID number has them (whatever the date and
    check character): such 18-digit numbers are mistyped or invented IDs, never counted as cards."""
    return len(value) == 18 and value[:2] in province_codes() and value[6:8] in ("19", "20")


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def plausible_iin(digits: str) -> bool:
    """Whether the issuer prefix is one of UnionPay 62, Visa 4, Mastercard 51–55/2221–2720, JCB 35."""
    return (digits.startswith(("62", "4", "35")) or "51" <= digits[:2] <= "55"
            or "2221" <= digits[:4] <= "2720")


def valid_bank_card(digits: str) -> bool:
    return 16 <= len(digits) <= 19 and plausible_iin(digits) and luhn_ok(digits)


def mask(kind: str, value: str) -> str:
    """The masked form shown in evidence: 320102********1234, 138****1234, 6222 **** **** 1234."""
    if kind == "id_card":
        return value[:6] + "*" * 8 + value[-4:].upper()
    if kind == "mobile":
        return value[:3] + "****" + value[-4:]
    return f"{value[:4]} **** **** {value[-4:]}"


@dataclass(frozen=True, slots=True)
class PersonalMatch:
    """One valid personal value found in text (``masked`` only: the full value is not kept)."""

    kind: str  # id_card | mobile | bank_card
    masked: str
    start: int


def find_personal(text: str, as_of: date) -> list[PersonalMatch]:
    """Valid resident IDs, mobile numbers and bank cards in ``text``, in order of position."""
    out: list[PersonalMatch] = []
    taken: list[tuple[int, int]] = []
    if _FOUR_DIGITS.search(text) is None:
        return out
    for m in _ID.finditer(text) if _ID_GATE.search(text) is not None else ():
        if valid_resident_id(m.group(1), as_of):
            out.append(PersonalMatch("id_card", mask("id_card", m.group(1)), m.start(1)))
            taken.append(m.span(1))
        elif id_shaped(m.group(1)):
            taken.append(m.span(1))  # an ID with a wrong check character: neither an ID nor a card
    for m in _CARD.finditer(text) if _CARD_GATE.search(text) is not None else ():
        digits = re.sub(r"[ -]", "", m.group(1))
        if any(a < m.end(1) and m.start(1) < b for a, b in taken):
            continue
        if valid_bank_card(digits):
            out.append(PersonalMatch("bank_card", mask("bank_card", digits), m.start(1)))
            taken.append(m.span(1))
    for m in _MOBILE.finditer(text) if _MOBILE_GATE.search(text) is not None else ():
        if not any(a <= m.start(1) < b for a, b in taken):
            out.append(PersonalMatch("mobile", mask("mobile", m.group(1)), m.start(1)))
    out.sort(key=lambda p: p.start)
    return out
