"""WAF block and challenge pages: answers that stand in for the page the crawl asked for.

A page whose body carries a marker of ``data/waf_challenges.yaml`` (安全狗, 云锁, 知道创宇加速乐
``__jsl_clearance`` …, with the file's sources) was not read: the crawler records it as blocked —
error class ``unverifiable`` with a detail starting :data:`BLOCKED_PREFIX` — so it is never judged
as the site's content nor its links as broken, and the run's coverage (``crawl.coverage``) counts it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

BLOCKED_PREFIX = "blocked by a WAF challenge"
# A 2xx answer is a challenge only when it is as small as challenge pages are (a real page that
# mentions a marker — an article about 网站安全狗 — is larger and carries a strong marker rarely).
MAX_CHALLENGE_BYTES = 64 * 1024
_SCANNED_BYTES = 64 * 1024  # markers sit in the page's first bytes
# The statuses WAFs answer with (403 and 503 mostly, 429 when rate-limiting, a few vendors' own
# codes). 404 and 500 are not among them: a site's own error page with a login captcha stays broken.
BLOCK_STATUSES = frozenset({403, 405, 406, 412, 418, 429, 468, 493, 501, 503})


@dataclass(frozen=True, slots=True)
class Marker:
    text: str
    vendor: str
    strong: bool


@cache
def markers() -> tuple[Marker, ...]:
    """The markers of ``data/waf_challenges.yaml``, lower-cased."""
    text = resources.files("govwatch.data").joinpath("waf_challenges.yaml").read_text(encoding="utf-8")
    return tuple(Marker(str(m["text"]).lower(), str(m["vendor"]), bool(m["strong"]))
                 for m in yaml.safe_load(text)["markers"])


def _text(body: bytes) -> str:
    head = body[:_SCANNED_BYTES]
    for encoding in ("utf-8", "gb18030"):
        try:
            return head.decode(encoding).lower()
        except UnicodeDecodeError:
            continue
    return head.decode("utf-8", "replace").lower()


# The characters whose lower case holds an ASCII letter: İ (U+0130, "i̇") and the Kelvin sign (U+212A,
# "k") (tests/unit/test_worker_fast_paths.py checks every code point).
_LOWER_TO_ASCII = ("\u0130", "\u212a")


@cache
def _strong_ascii() -> tuple[tuple[Marker, bytes], ...] | None:
    """The strong markers with their bytes, or None when one is not ASCII (no fast path)."""
    strong = tuple((m, m.text.encode("ascii")) for m in markers() if m.strong and m.text.isascii())
    return strong if len(strong) == sum(m.strong for m in markers()) else None


def _strong_in_utf8(body: bytes) -> Marker | None | bool:
    """The first strong marker in a body whose first :data:`_SCANNED_BYTES` are UTF-8, read on the
    bytes (True when this cannot tell: the head is not UTF-8, holds İ or K, or a marker is not
    ASCII). Lower-casing a page of CJK text is half of :func:`challenge_marker`'s cost; the bytes
    are lower-cased in a tenth of the time. The same answer: an ASCII marker in the lower-cased text
    lies in a run of ASCII characters (no other character's lower case holds ASCII but the two of
    :data:`_LOWER_TO_ASCII`), which are the same bytes in UTF-8, lower-cased alike by
    ``bytes.lower``, and no byte of a multi-byte UTF-8 character is ASCII."""
    strong = _strong_ascii()
    if strong is None:
        return True
    head = body[:_SCANNED_BYTES]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return True
    if not text.isascii() and any(c in text for c in _LOWER_TO_ASCII):
        return True
    low = head.lower()
    return next((m for m, raw in strong if raw in low), None)


def challenge_marker(status: int | None, body: bytes) -> Marker | None:
    """The marker that makes this answer a WAF block or challenge page, or None.

    A blocking status (:data:`BLOCK_STATUSES`) with any marker is a block page; a success needs a
    strong marker and a body no larger than :data:`MAX_CHALLENGE_BYTES`."""
    if not body or status is None:
        return None
    blocking = status in BLOCK_STATUSES
    if not blocking and (status >= 400 or len(body) > MAX_CHALLENGE_BYTES):
        return None
    if not blocking:
        found = _strong_in_utf8(body)
        if found is not True:
            return found  # type: ignore[return-value]
    text = _text(body)
    return next((m for m in markers() if (blocking or m.strong) and m.text in text), None)


def blocked_detail(status: int | None, marker: Marker) -> str:
    """The fetch row's error detail of a blocked page."""
    return f"{BLOCKED_PREFIX} ({marker.vendor}: {marker.text!r}), HTTP {status}"


def is_blocked(row: Mapping[str, Any] | None) -> bool:
    """Whether a fetch row records a page a WAF challenge stood in for."""
    if row is None:
        return False
    return row.get("error") == "unverifiable" and str(row.get("error_detail") or "").startswith(BLOCKED_PREFIX)
