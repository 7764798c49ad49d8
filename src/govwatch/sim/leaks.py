"""Made-up personal data the simulator plants, valid by the rules checkers apply, and its decoys.

Valid values (docs/sources.md §7): an 18-digit resident ID number (region code of the site's division,
a real birth date, ISO 7064 MOD 11-2 check character), a mainland mobile number (``1[3-9]`` + 9
digits), a UnionPay card number (``62``, 16 digits, Luhn check digit). Decoys look alike but must
never be reported: masked values, IDs with a wrong check character, an impossible birth date or
region code 99, mobile-like digits inside a longer number, landline numbers, a card failing Luhn.

Independent of :mod:`govwatch.analysis.content.personal` on purpose: the simulator is the ground truth the
checker is tested against. Everything is a pure function of its arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from govwatch.sim.rng import rng_for

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_char(first17: str) -> str:
    """The check character of the first 17 digits of a resident ID number."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=False)) % 11]


def luhn_digit(body: str) -> str:
    """The Luhn check digit to append to ``body``."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        n = int(ch)
        if i % 2 == 0:  # doubled: these digits sit at odd positions once the check digit is appended
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return str(-total % 10)


@dataclass(frozen=True, slots=True)
class Person:
    """One made-up person's identifiers (all valid)."""

    name: str
    id_number: str
    mobile: str
    card: str


_SURNAMES = "王李张刘陈杨赵黄周吴"
_GIVEN = ("伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "军", "杰")


def person(region6: str, *key: object) -> Person:
    """A person with a valid ID number born in ``region6`` (a 6-digit division code)."""
    r = rng_for("person", *key)
    born = date(1960 + r.randrange(40), 1 + r.randrange(12), 1 + r.randrange(28))
    first17 = f"{region6}{born:%Y%m%d}{r.randrange(1000):03d}"
    mobile = "1" + "3456789"[r.randrange(7)] + "".join(str(r.randrange(10)) for _ in range(9))
    card_body = "6222" + "".join(str(r.randrange(10)) for _ in range(11))
    name = _SURNAMES[r.randrange(len(_SURNAMES))] + _GIVEN[r.randrange(len(_GIVEN))]
    return Person(name, first17 + id_check_char(first17), mobile, card_body + luhn_digit(card_body))


def masked_mobile(mobile: str) -> str:
    """``138****1234``: how a careful site publishes a mobile number."""
    return f"{mobile[:3]}****{mobile[-4:]}"


def masked_id(id_number: str) -> str:
    """``3201**********1234``: how a careful site publishes an ID number."""
    return f"{id_number[:4]}{'*' * 10}{id_number[-4:]}"


def decoys(region6: str, *key: object) -> list[tuple[str, str, str]]:
    """(label, value, what) of values that look personal but are not (never to be reported)."""
    p = person(region6, "decoy", *key)
    r = rng_for("decoys", *key)
    wrong_check = p.id_number[:17] + next(c for c in "0123456789X" if c != p.id_number[17])
    bad_date17 = f"{region6}19901332{r.randrange(1000):03d}"  # month 13
    region99_17 = f"99{region6[2:]}{p.id_number[6:17]}"
    bad_card = p.card[:-1] + str((int(p.card[-1]) + 1) % 10)
    long_run = f"2026{r.randrange(10000):04d}{p.mobile}{r.randrange(100):02d}"  # 21 digits
    area = 10 + r.randrange(890)
    return [
        ("联系手机", masked_mobile(p.mobile), "masked mobile"),
        ("身份证号", masked_id(p.id_number), "masked resident ID"),
        ("证件号码", wrong_check, "resident ID with a wrong check character"),
        ("原证件号码", bad_date17 + id_check_char(bad_date17), "resident ID with an impossible birth date"),
        ("境外人员证件号", region99_17 + id_check_char(region99_17), "resident ID with region code 99"),
        ("受理编号", long_run, "mobile-like digits inside a longer number"),
        ("办公电话", f"0{area}-{6 + r.randrange(3)}{r.randrange(10**7):07d}", "landline number"),
        ("对公账号", bad_card, "card number failing the Luhn check"),
    ]
