"""URL normalisation and crawl scope.

One normal form for every URL the tool stores or compares, so that dedupe, link
targets and findings agree: absolute, scheme and host lower-cased, default port
dropped, dot segments resolved, fragment removed, empty path made ``/``, and
spaces and non-ASCII characters percent-encoded. Query strings keep their order
(reordering changes meaning on some CMSs).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "sms:", "ftp:", "file:")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters left as they are when percent-encoding a path or query.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = "/%:@!$&'()*+,;=-._~?"


def normalize_url(href: str, base: str | None = None) -> str | None:
    """Return the normal form of ``href`` resolved against ``base``.

    Returns ``None`` for references that are not fetchable web resources
    (``javascript:``, ``mailto:``, fragments only, empty strings, bad ports).
    """
    href = href.strip().replace("\\", "/")
    if not href or href.startswith("#"):
        return None
    lowered = href[:12].lower()
    if lowered.startswith(_SKIP_SCHEMES):
        return None
    absolute = urljoin(base, href) if base else href
    try:
        parts = urlsplit(absolute)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    path = _resolve_dots(parts.path or "/")
    path = quote(path, safe=_PATH_SAFE)
    query = quote(parts.query, safe=_QUERY_SAFE)
    return urlunsplit((scheme, netloc, path, query, ""))


def _resolve_dots(path: str) -> str:
    """Resolve ``.`` and ``..`` segments, keeping a trailing slash."""
    if "/." not in path:
        return path
    trailing = path.endswith("/") or path.endswith("/.") or path.endswith("/..")
    resolved = posixpath.normpath(path)
    if resolved.startswith("//"):
        resolved = "/" + resolved.lstrip("/")
    if trailing and not resolved.endswith("/"):
        resolved += "/"
    return resolved


def origin(url: str) -> str:
    """``scheme://host[:port]`` of a normalised URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def host_of(url: str) -> str:
    """The host (with port, as in the normal form) of a URL."""
    return urlsplit(url).netloc


@dataclass(frozen=True, slots=True)
class Scope:
    """Which URLs belong to a site: a host, or a path prefix on a shared host.

    ``prefix`` is ``/`` for a whole host. ``extra_hosts`` are further hosts of the
    same site (e.g. a separate attachment server) that may be crawled.
    ``excluded_prefixes`` carve other sites out of a host (集约化 platforms).
    """

    origin: str
    prefix: str = "/"
    extra_hosts: frozenset[str] = field(default_factory=frozenset)
    excluded_prefixes: tuple[str, ...] = ()

    @property
    def _authority_prefix(self) -> str:
        return f"//{self.host}{self.prefix}"

    @classmethod
    def for_site(cls, url: str, *, prefix_site: bool | None = None,
                 extra_hosts: tuple[str, ...] = (), excluded_prefixes: tuple[str, ...] = ()) -> Scope:
        """Scope of the site whose homepage is ``url``.

        A homepage whose path is more than ``/`` (or ``/index.html``) is a path-prefix
        site unless ``prefix_site`` says otherwise.
        """
        norm = normalize_url(url)
        if norm is None:
            raise ValueError(f"not an http(s) URL: {url!r}")
        path = urlsplit(norm).path
        folder = path if path.endswith("/") else posixpath.dirname(path).rstrip("/") + "/"
        if prefix_site is None:
            prefix_site = folder != "/"
        return cls(
            origin=origin(norm),
            prefix=folder if prefix_site else "/",
            extra_hosts=frozenset(h.lower() for h in extra_hosts),
            excluded_prefixes=tuple(excluded_prefixes),
        )

    @property
    def host(self) -> str:
        return urlsplit(self.origin).netloc

    def contains(self, url: str) -> bool:
        """True when ``url`` (normalised) belongs to this site."""
        if not self.excluded_prefixes:  # fast path: a plain prefix test on the normal form
            rest = url[5:] if url.startswith("http:") else url[6:] if url.startswith("https:") else None
            if rest is not None and rest.startswith(self._authority_prefix):
                return True
        parts = urlsplit(url)
        if parts.netloc in self.extra_hosts:
            return True
        # http and https of one host are one site (many sites serve both).
        if parts.netloc != self.host:
            return False
        path = parts.path or "/"
        if not path.startswith(self.prefix):
            return False
        return not any(path.startswith(p) for p in self.excluded_prefixes)
