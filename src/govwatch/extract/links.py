"""Outgoing references of a page as :class:`~govwatch.core.model.Link` values.

Every URL is resolved against the effective base (``<base href>`` else the page URL) and
normalised with :func:`govwatch.core.urls.normalize_url` (memoised, see :mod:`.resolve`). Whether a link leaves the site is not
decided here; the crawler knows the site's scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from govwatch.core.model import Link, LinkKind
from govwatch.core.urls import is_web_reference
from govwatch.extract.downloads import ATTACHMENT_EXTENSIONS, url_filename
from govwatch.extract.resolve import Resolver
from govwatch.extract.walk import RawRef

__all__ = ["ATTACHMENT_EXTENSIONS", "IMAGE_EXTENSIONS", "kind_by_extension", "build_links", "LinkSet",
           "CAP_WARNING", "INTERNAL_ERROR", "UNUSABLE_LINK", "DEFAULT_MAX_LINKS"]

# Page warnings that name what extraction lost (see ``extract.page.problem_warnings``).
INTERNAL_ERROR = "extract: internal error"
UNUSABLE_LINK = "extract: unusable link"
CAP_WARNING = "extract: cap:"
DEFAULT_MAX_LINKS = 10_000  # references read per page (the crawl's ``max_links_per_page``)
MAX_NAMED_UNUSABLE = 20  # unusable links named one by one per page; the rest are counted

IMAGE_EXTENSIONS = frozenset("jpg jpeg png gif bmp webp svg ico tif tiff".split())


def _extension(url: str) -> str:
    path = url.split("?", 1)[0].split("#", 1)[0]
    slash = path.rfind("/")
    dot = path.rfind(".")
    return path[dot + 1:].lower() if dot > slash else ""


@lru_cache(maxsize=1 << 14)
def kind_by_extension(url: str, default: LinkKind = "page") -> LinkKind:
    """``attachment`` or ``image`` by the URL path's extension, ``attachment`` for a download
    script whose query names a file (``downfile.jsp?filename=名单.xlsx``), else ``default``."""
    ext = _extension(url)
    if ext in ATTACHMENT_EXTENSIONS:
        return "attachment"
    if ext in IMAGE_EXTENSIONS:
        return "image"
    if "?" in url and url_filename(url) is not None:
        return "attachment"
    return default


def _kind(hint: str, url: str) -> LinkKind | None:
    if hint == "page":
        return kind_by_extension(url)
    if hint == "image" or hint == "script" or hint == "frame":
        return hint  # type: ignore[return-value]
    if hint == "embed":
        return kind_by_extension(url, "attachment")
    # <link rel=... as=...>
    _, rel, as_ = hint.split(":", 2)
    if "stylesheet" in rel:
        return "style"
    if "icon" in rel:
        return "image"
    if "dns-prefetch" in rel or "preconnect" in rel:
        return None  # a host, not a resource
    if as_ in ("script", "style", "image"):
        return "style" if as_ == "style" else as_  # type: ignore[return-value]
    return kind_by_extension(url)


class LinkSet:
    """Links of one page, deduplicated on (url, kind, text), in document order."""

    __slots__ = ("links", "_seen")

    def __init__(self) -> None:
        self.links: list[Link] = []
        self._seen: set[tuple[str, str, str]] = set()

    def add(self, url: str, text: str, kind: LinkKind, tag: str, via: str = "html") -> None:
        key = (url, kind, text)
        if key not in self._seen:
            self._seen.add(key)
            self.links.append(Link(url=url, text=text, kind=kind, tag=tag, via=via))


def build_links(refs: Iterable[RawRef], resolver: Resolver, out: LinkSet, via: str = "html",
                warnings: list[str] | None = None) -> None:
    """Resolve and classify raw references into ``out``.

    A reference meant as a web link that cannot be resolved (``//host]/path``, a bad port) is
    left out and named in ``warnings`` (:data:`UNUSABLE_LINK`, error class ``invalid_url``); a
    reference whose handling fails costs only that reference (:data:`INTERNAL_ERROR`)."""
    add = out.add
    unusable = 0
    for tag, href, text, hint in refs:
        try:
            url = resolver(href)
            if url is None:
                if warnings is not None and is_web_reference(href):
                    unusable += 1
                    if unusable <= MAX_NAMED_UNUSABLE:
                        warnings.append(f"{UNUSABLE_LINK} {href.strip()[:200]!r} in <{tag}> (invalid_url)")
                continue
            kind = kind_by_extension(url) if hint == "page" else _kind(hint, url)
            if kind is not None:
                add(url, text, kind, tag, via)
        except Exception as exc:  # noqa: BLE001 - one reference must not cost the page its links
            if warnings is not None:
                warnings.append(f"{INTERNAL_ERROR} on link {str(href)[:200]!r}: {type(exc).__name__}: {str(exc)[:200]}")
    if warnings is not None and unusable > MAX_NAMED_UNUSABLE:
        warnings.append(f"{UNUSABLE_LINK}s not named: {unusable - MAX_NAMED_UNUSABLE} more (invalid_url)")
