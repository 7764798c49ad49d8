"""Memoised :func:`govwatch.core.urls.normalize_url` for extraction.

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

from govwatch.core.urls import _SKIP_SCHEMES, normalize_url

__all__ = ["Resolver", "resolve", "clear_cache"]

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):(//)?")
_MISS = object()


@lru_cache(maxsize=1 << 15)
def _cached(href: str, key_base: str | None) -> str | None:
    return normalize_url(href, key_base)


def _folder(base: str) -> str:
    cut = len(base)
    for ch in "?#":
        i = base.find(ch)
        if 0 <= i < cut:
            cut = i
    return base[: base.rfind("/", 0, cut) + 1]


class Resolver:
    """``normalize_url(href, base)`` for one base URL, memoised on the part of it that matters."""

    __slots__ = ("base", "_scheme", "_origin", "_folder", "_memo")

    def __init__(self, base: str | None) -> None:
        self.base = base
        self._memo: dict[str, str | None] = {}  # href -> result for this base (lists, nav, links ask again)
        self._scheme: str | None = None
        self._origin: str | None = None
        self._folder: str | None = None
        if base is None:
            return
        m = _SCHEME.match(base)
        if m is None:
            return
        self._scheme = m.group(0)
        if m.group(2):
            end = base.find("/", m.end())
            origin = base if end < 0 else base[:end]
            for ch in "?#":
                i = origin.find(ch)
                if i >= 0:
                    origin = origin[:i]
            self._origin = origin + "/"
            folder = _folder(base)
            if folder.count("/") >= 3:  # base with a path; else let urljoin see the whole thing
                self._folder = folder

    def __call__(self, href: str | None) -> str | None:
        if not href:
            return None
        result = self._memo.get(href, _MISS)
        if result is _MISS:
            result = self._memo[href] = self._resolve(href)
        return result  # type: ignore[return-value]

    def _resolve(self, href: str) -> str | None:
        h = href.strip()
        if "\\" in h:
            h = h.replace("\\", "/")
        if not h:
            return None
        c = h[0]
        base = self.base
        if c == "#":
            return None
        if base is None:
            return _cached(h, None)
        if c == "/":
            if h[1:2] == "/":  # //host/path
                if len(h) < 3 or h[2] in "/?#":  # empty host: urljoin keeps the base
                    return _cached(h, base)
                return _cached(h, self._scheme or base)
            return _cached(h, self._origin or base)
        if c == "?" or c == ";":  # query-only (or legacy ;params) references keep the whole base
            return _cached(h, base)
        if h.startswith(("http://", "https://")):
            return _cached(h, None)
        m = _SCHEME.match(h)
        if m is not None:
            if h[:12].lower().startswith(_SKIP_SCHEMES):  # javascript:, mailto: ...: None whatever the base
                return None
            # scheme://... does not depend on the base; "http:x" oddities keep the whole base
            return _cached(h, None if m.group(2) else base)
        return _cached(h, self._folder or base)


def resolve(href: str, base: str | None) -> str | None:
    """``normalize_url(href, base)``, memoised on the part of ``base`` that matters."""
    return Resolver(base)(href)


def clear_cache() -> None:
    """Forget memoised results (benchmarks measure the cold cost with it): URLs, and the
    cached readings of inline scripts."""
    _cached.cache_clear()
    from govwatch.extract.scripts import clear_cache as clear_scripts  # late: scripts imports this module's users

    clear_scripts()
