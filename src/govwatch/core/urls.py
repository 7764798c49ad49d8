"""URL normalisation and crawl scope.

One normal form for every URL the tool stores or compares, so that dedupe, link
targets and findings agree: absolute, scheme and host lower-cased, default port
dropped, dot segments resolved, fragment removed, empty path made ``/``, and
spaces and non-ASCII characters percent-encoded. Query strings keep their order
(reordering changes meaning on some CMSs).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "sms:", "ftp:", "file:")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters left as they are when percent-encoding a path or query.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = "/%:@!$&'()*+,;=-._~?"


def normalize_url(href: str, base: str | None = None) -> str | None:
    """Return the normal form of ``href`` resolved against ``base``. Never raises.

    Returns ``None`` for references that are not fetchable web resources
    (``javascript:``, ``mailto:``, fragments only, empty strings) and for unusable ones
    (bad ports, unbalanced IPv6 brackets, hosts IDNA cannot encode, control characters in
    the host): :func:`is_web_reference` tells the two apart. Session ids are stripped
    (:func:`strip_session_ids`), so one page is one URL whatever session a link carries.
    """
    try:
        return _normalize(href, base)
    except (ValueError, UnicodeError, TypeError, AttributeError):
        return None


def _normalize(href: str, base: str | None) -> str | None:
    href = href.strip().replace("\\", "/")
    if not href or href.startswith("#"):
        return None
    lowered = href[:12].lower()
    if lowered.startswith(_SKIP_SCHEMES):
        return None
    absolute = _join(base, href) if base else href
    plain = _PLAIN.fullmatch(absolute)
    if plain is not None:  # most links: already in the normal form but for the default port
        scheme, host, port, path, query = plain.groups()
        if (port is None or int(port) <= 65535) and "/." not in path \
                and (query is None or ("sid" not in query.lower() and "sess" not in query.lower())):
            number = None if port is None else int(port)
            netloc = host if number is None or number == _DEFAULT_PORTS[scheme] else f"{host}:{number}"
            return f"{scheme}://{netloc}{path or '/'}" + (f"?{query}" if query else "")
    parts = urlsplit(absolute)
    port = parts.port
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if not host.isascii():
        host = host.encode("idna").decode("ascii")
    if _BAD_HOST.search(host) is not None:
        return None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    path, query = strip_session_ids(parts.path or "/", parts.query)
    path = _resolve_dots(path)
    path = quote(path, safe=_PATH_SAFE)
    query = quote(query, safe=_QUERY_SAFE)
    return urlunsplit((scheme, netloc, path, query, ""))


def _join(base: str, href: str) -> str:
    """``urljoin(base, href)``, without parsing either where both are plain: an origin-relative path
    (``/a/b.html``, no dot segment) on a base of a plain origin is the origin and the path; a
    relative path (``b.html``, ``./b.html``, ``a/b.html``, no dot segment, no empty segment) on a
    plain folder (no dot segment, no empty segment) is the folder and the path. urljoin reads the
    same: no scheme, host, parameters, query or fragment in the reference, and nothing to resolve
    (tests/unit/test_worker_fast_paths.py compares the two)."""
    first = href[:1]
    if first == "/":
        if href[1:2] != "/" and _ROOTED.fullmatch(href) is not None:
            origin = _PLAIN_ORIGIN.match(base)
            if origin is not None:
                return origin.group() + href
    elif _RELATIVE.fullmatch(href) is not None and _PLAIN_FOLDER.fullmatch(base) is not None:
        return base + (href[2:] if first == "." else href)
    return urljoin(base, href)


def is_web_reference(href: str) -> bool:
    """Whether ``href`` means to point at a web page (absolute http(s), scheme-relative or
    relative), as opposed to a ``mailto:``/``javascript:`` link, a fragment or another scheme:
    such a reference that :func:`normalize_url` turns down is an unusable link, not a skipped one."""
    h = href.strip()
    if not h or h.startswith("#") or h[:12].lower().startswith(_SKIP_SCHEMES):
        return False
    m = _SCHEME.match(h)
    return m is None or m.group(1).lower() in ("http", "https")


# Path parameters (``;jsessionid=…``) and query parameters that carry a session, not a page.
_SESSION_PATH_PARAM = re.compile(r";(?:jsessionid|phpsessid|sessionid|sid|aspsessionid[a-z]*)=[^/;?]*", re.I)
_SESSION_QUERY_KEYS = ("phpsessid", "jsessionid", "sessionid", "session_id", "aspsessionid")
_SESSION_TOKEN = re.compile(r"^[0-9A-Za-z_\-.!]{16,}$")  # what a ``sid`` value looks like when it is a session
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
# _join's plain references and bases: segments of unreserved characters, none empty or starting with a dot.
_SEGMENT = r"[A-Za-z0-9_\-~][A-Za-z0-9_\-.~]*"
_ROOTED = re.compile(rf"(?:/{_SEGMENT})+/?")
_RELATIVE = re.compile(rf"(?:\./)?{_SEGMENT}(?:/{_SEGMENT})*")
_PLAIN_ORIGIN = re.compile(r"https?://[a-z0-9\-.]+(?::[0-9]{1,5})?(?=/|\Z)")
_PLAIN_FOLDER = re.compile(rf"https?://[a-z0-9\-.]+(?::[0-9]{{1,5}})?(?:/{_SEGMENT})*/")
# An absolute URL that is its own normal form but for a default port (and a path with a segment
# starting with a dot, a port beyond 65535 or a query naming a session: :func:`_normalize` tells):
# lower-case scheme and host of letters, digits, dots and hyphens, a path of unreserved characters
# without empty segments, a non-empty query of unreserved characters, ``=``, ``&`` and ``/``, no
# fragment. ``urlsplit``, ``quote`` and ``urlunsplit`` give it back as it is; tests/unit/
# test_worker_fast_paths.py compares the two paths.
_PLAIN = re.compile(r"(https?)://([a-z0-9\-.]+)(?::([0-9]{1,5}))?((?:/[A-Za-z0-9_\-.~]+)*/?)(?:\?([A-Za-z0-9_\-.~=&/]+))?")
# Characters no host name holds (after IDNA): controls, spaces and URL delimiters.
_BAD_HOST = re.compile(r"[\x00-\x20\x7f<>\"{}|\\^`%/?#@\[\]]")


def strip_session_ids(path: str, query: str) -> tuple[str, str]:
    """``(path, query)`` without session ids (case-insensitive): ``;jsessionid=``, ``;sid=``,
    ``;phpsessid=`` … path parameters, and the query parameters ``PHPSESSID``, ``jsessionid``,
    ``sessionid``, ``ASPSESSIONID…`` and ``sid`` when its value looks like a session token
    (16+ letters and digits: ``sid=3`` is a site or section id and stays). Other parameters
    keep their order and spelling."""
    if ";" in path:
        low = path.lower()
        if "sid=" in low or "sessionid" in low:
            path = _SESSION_PATH_PARAM.sub("", path) or "/"
    if query:
        low = query.lower()
        if "sid" in low or "sess" in low:
            kept = [p for p in query.split("&") if not _is_session_param(p)]
            query = "&".join(kept)
    return path, query


def _is_session_param(pair: str) -> bool:
    key, _, value = pair.partition("=")
    key = key.strip().lower()
    if key.startswith(_SESSION_QUERY_KEYS):
        return True
    return key == "sid" and _SESSION_TOKEN.match(value) is not None


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
