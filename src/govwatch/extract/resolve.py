"""Memoised :func:`govwatch.urls.normalize_url` for extraction.

``normalize_url`` costs ~10 µs per call, and a page has hundreds of references, most of them
template links repeated on every page of a site. The result of resolving an href depends
only on part of the base URL: nothing for absolute URLs, the scheme for ``//host/..``, the
origin for ``/path``, the base's folder for ``path`` / ``../path``, and the whole base for
``?query`` or other oddities. Keying a cache on exactly that part gives the same answers as
calling ``normalize_url(href, base)`` directly, while template links cost one lookup.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..urls import normalize_url

__all__ = ["resolve", "clear_cache"]

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):(//)?")


@lru_cache(maxsize=1 << 16)
def _cached(href: str, key_base: str | None) -> str | None:
    return normalize_url(href, key_base)


def _folder(base: str) -> str:
    cut = len(base)
    for ch in "?#":
        i = base.find(ch)
        if 0 <= i < cut:
            cut = i
    return base[: base.rfind("/", 0, cut) + 1]


def resolve(href: str, base: str | None) -> str | None:
    """``normalize_url(href, base)``, memoised on the part of ``base`` that matters."""
    h = href.strip().replace("\\", "/")
    if not h or h[0] == "#":
        return None
    if base is None:
        return _cached(h, None)
    m = _SCHEME.match(h)
    if m is not None:
        if m.group(2):  # scheme://... does not depend on the base at all
            return _cached(h, None)
        return _cached(h, base)  # "http:x" style oddities: keep the whole base
    if h.startswith("//"):
        if len(h) < 3 or h[2] == "/":
            return _cached(h, base)
        m = _SCHEME.match(base)
        return _cached(h, m.group(0) if m else base)
    if h[0] == "/":
        m = _SCHEME.match(base)
        if m and m.group(2):
            end = base.find("/", m.end())
            origin = base if end < 0 else base[:end]
            for ch in "?#":
                i = origin.find(ch)
                if i >= 0:
                    origin = origin[:i]
            return _cached(h, origin + "/")
        return _cached(h, base)
    if h[0] == "?":
        return _cached(h, base)
    folder = _folder(base)
    if folder.count("/") < 3:  # base without a path: let urljoin see the whole thing
        return _cached(h, base)
    return _cached(h, folder)


def clear_cache() -> None:
    """Forget memoised results (benchmarks measure the cold cost with it)."""
    _cached.cache_clear()
