"""Security signs in one page: hidden off-host links (暗链) and off-host scripts and frames (挂马).

:func:`security_signs` runs at crawl time on every page, after :func:`scan_document`, so it
starts from what the scan gathered and only looks further when the page gives cause:

1. Candidates: anchors whose href names another host than the page's (a cheap prefix test on
   the raw href), less benign hosts (:func:`govwatch.core.official.benign_link_host`). Most pages
   have none beyond official ones, and then nothing else is read for links.
2. Each candidate is judged by :func:`govwatch.extract.visibility.hiding_reason` (inline style,
   presentational attributes, ``<marquee>``, the page's ``<style>`` rules); a hidden one is
   kept with its reason, the CSS that hides it and, when the page seems to toggle the box
   (tab panels, drop-down menus), ``interactive`` set: the check judges it.
3. Inline scripts that write HTML (:func:`govwatch.extract.js_literals.written_markup`): the
   written markup is parsed; off-host anchors in it are hidden links (reason ``script_written``
   unless the written markup hides them too; ``script`` is then set), and scripts or frames in
   it are embeds. ``createElement`` loaders (``s.src = "..."``) are embeds as well.
4. Embeds: ``<script src>``, ``<iframe src>`` and ``<frame src>`` on other hosts, less
   :func:`govwatch.core.official.benign_embed_host`; frames get a hiding reason when hidden.

Links on the page's own host are never stored (skip links, menus); a prefix site's links to
other paths of its host are therefore not seen here. Results are capped per page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from selectolax.lexbor import LexborHTMLParser

from govwatch.core.model import Embed, HiddenLink
from govwatch.core.official import benign_embed_host, benign_link_host, hostname
from govwatch.extract.css import px
from govwatch.extract.js_literals import written_markup
from govwatch.extract.resolve import Resolver
from govwatch.extract.visibility import PageStyle, hiding_reason, shown_on_demand
from govwatch.extract.walk import Scan, collapse, scan_document

__all__ = ["security_signs", "page_security_signs", "MAX_HIDDEN", "MAX_EMBEDS"]

MAX_HIDDEN = 40  # hidden links kept per page
MAX_EMBEDS = 20  # embeds kept per page
MAX_TEXT = 80  # characters of anchor text kept

ResolveUrl = Callable[[str | None], str | None]


# -- candidates ----------------------------------------------------------------------------

def _href_host(href: str) -> str | None:
    """The lower-cased authority of an absolute or scheme-relative href; None for relative ones."""
    h = href.lstrip()
    low = h[:8].lower()
    if low.startswith("http://"):
        rest = h[7:]
    elif low.startswith("https://"):
        rest = h[8:]
    elif h.startswith("//"):
        rest = h[2:]
    else:
        return None
    end = len(rest)
    for ch in "/?#\\":
        i = rest.find(ch)
        if 0 <= i < end:
            end = i
    return rest[:end].lower()


_MAY_HAVE_HOST = frozenset("hH/ \t\r\n")  # first characters of absolute, scheme-relative or padded hrefs


@lru_cache(maxsize=4096)
def _benign_link(url: str) -> bool:
    """``benign_link_host`` of the URL's host (site templates repeat such links on every page)."""
    return benign_link_host(hostname(url))


def _authority(url: str) -> str:
    return _href_host(url) or ""


def _off_host(url: str, page_host: str) -> bool:
    """An absolute http(s) URL on another host than the page's."""
    return url.startswith(("http://", "https://")) and _authority(url) != page_host


def _new_embed(url: str, page_host: str, embeds: list[Embed]) -> bool:
    """An off-host URL, not of a benign embed host and not yet among the embeds."""
    return _off_host(url, page_host) and not benign_embed_host(hostname(url)) and not any(e.url == url for e in embeds)


# -- the page ------------------------------------------------------------------------------

def security_signs(scan: Scan, html: str, page_url: str, resolve_url: ResolveUrl,
                   tree: LexborHTMLParser | None = None) -> tuple[list[HiddenLink], list[Embed]]:
    """Hidden off-host links and off-host embeds of a scanned page (see the module docstring).

    ``html`` is the page source the tree was parsed from (its ``<style>`` blocks and event
    handlers are read from it, as the scan removed style elements); ``tree`` is used only to
    find a hidden frame's element."""
    page_host = _authority(page_url)
    base_moved = bool(scan.base_href) and _authority(resolve_url(scan.base_href) or "") not in ("", page_host)
    page = PageStyle(html, scan.inline_scripts)
    seen: set[tuple[str, str]] = set()
    hidden = _hidden_anchors(scan, page, page_host, base_moved, resolve_url, seen)
    embeds: list[Embed] = []
    frames: list[str] = []
    for tag, src, _link_text, hint in scan.refs:
        if hint not in ("script", "frame"):
            continue
        host = _href_host(src)
        if (host is None and not base_moved) or host == page_host:
            continue
        url = resolve_url(src)
        if url is None or not _new_embed(url, page_host, embeds):
            continue
        embeds.append(Embed(tag=tag, url=url))
        if tag != "script":
            frames.append(url)
    if frames and tree is not None:
        _frame_reasons(tree, frames, embeds, page, resolve_url)
    for script in scan.inline_scripts:
        _script_signs(script, page_host, page, resolve_url, hidden, embeds, seen)
    return hidden[:MAX_HIDDEN], embeds[:MAX_EMBEDS]


def _hidden_anchors(scan: Scan, page: PageStyle, page_host: str, base_moved: bool, resolve_url: ResolveUrl,
                    seen: set[tuple[str, str]]) -> list[HiddenLink]:
    """The page's hidden off-host anchors (``seen``: the (url, reason) pairs kept)."""
    hidden: list[HiddenLink] = []
    for node, href, text in scan.anchors:
        # Most hrefs are relative ("./2024/…", "list.html", "#top"): no host, nothing to judge.
        first = href[:1]
        host = None if first not in _MAY_HAVE_HOST or (first == "/" and href[1:2] != "/") else _href_host(href)
        if host is None:
            if not base_moved:
                continue
        elif host == page_host:
            continue
        url = resolve_url(href)
        if url is None or not _off_host(url, page_host) or _benign_link(url):
            continue
        hit = hiding_reason(node, page)
        if hit is None or (url, hit.reason) in seen:
            continue
        seen.add((url, hit.reason))
        hidden.append(HiddenLink(url=url, text=text[:MAX_TEXT], reason=hit.reason, css=hit.css,
                                 selector=hit.selector, interactive=shown_on_demand(hit, page)))
        if len(hidden) >= MAX_HIDDEN:
            break
    return hidden


def _frame_reasons(tree: LexborHTMLParser, frames: list[str], embeds: list[Embed], page: PageStyle,
                   resolve_url: ResolveUrl) -> None:
    """Set the hiding reason of the off-host frames that are hidden (zero size or a hiding chain)."""
    by_url = {e.url: e for e in embeds if e.url in frames}
    for node in tree.css("iframe,frame"):
        url = resolve_url(node.attributes.get("src"))
        embed = by_url.get(url or "")
        if embed is None or embed.hidden:
            continue
        attrs = node.attributes
        sizes = [px(str(attrs.get(k) or "").strip()) for k in ("width", "height")]
        if any(v is not None and v <= 1 for v in sizes):
            embed.hidden = "zero_size"
            continue
        hit = hiding_reason(node, page)
        if hit is not None:
            embed.hidden = hit.reason


def _script_signs(script: str, page_host: str, page: PageStyle, resolve_url: ResolveUrl,
                  hidden: list[HiddenLink], embeds: list[Embed], seen: set[tuple[str, str]]) -> None:
    """Hidden links and embeds in the markup one inline script writes or loads."""
    fragments, sources = written_markup(script)

    def add_embed(tag: str, src: str | None) -> None:
        url = resolve_url(src) if src else None
        if url is not None and _new_embed(url, page_host, embeds):
            embeds.append(Embed(tag=tag, url=url, script=True))

    for src in sources:
        add_embed("script", src)
    for fragment in fragments:
        tree = LexborHTMLParser(fragment)
        if tree.root is None:
            continue
        for node in tree.root.traverse():
            tag = node.tag
            if tag == "a":
                url = resolve_url(node.attributes.get("href"))
                if url is None or not _off_host(url, page_host) or benign_link_host(hostname(url)):
                    continue
                hit = hiding_reason(node, page.for_fragment())
                reason = hit.reason if hit is not None else "script_written"
                if (url, reason) in seen or len(hidden) >= MAX_HIDDEN:
                    continue
                seen.add((url, reason))
                hidden.append(HiddenLink(url=url, text=collapse(node.text(deep=True))[:MAX_TEXT], reason=reason,
                                         css=hit.css if hit is not None else "",
                                         selector=hit.selector if hit is not None else "", script=True))
            elif tag in ("script", "iframe", "frame"):
                add_embed(tag, node.attributes.get("src"))


def page_security_signs(html: str, url: str) -> tuple[list[HiddenLink], list[Embed]]:
    """:func:`security_signs` of an HTML text (parses and scans it: for tools and tests)."""
    tree = LexborHTMLParser(html)
    scan = scan_document(tree, html)
    resolver = Resolver(url)
    base = resolver(scan.base_href) if scan.base_href else None
    return security_signs(scan, html, url, Resolver(base) if base else resolver, tree)
