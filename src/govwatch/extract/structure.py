"""Site structure a page shows: its navigation menu and its breadcrumb trail.

Both read containers that :func:`~govwatch.extract.walk.scan_document` marked during its one
walk (by tag, class or id), so only those small subtrees are visited again:

- navigation: ``<nav>`` and containers whose class or id says nav / menu / daohang / dh
  (``div.nav ul li a``, ``ul#menu``, ``div.navbar``) → ``(text, url)`` in document order,
  each URL once, without the homepage link itself;
- breadcrumb: containers whose class or id says crumb / position / location / weizhi /
  dqwz, else the element around a 首页 link that starts with 当前位置：/ 您现在的位置：…, else
  a 首页 link followed by a separator and more links → ``(text, url or None)`` root first,
  label and separators (> › » / ＞) dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from selectolax.lexbor import LexborHTMLParser, LexborNode

from govwatch.extract.walk import HOME_TEXTS, collapse

__all__ = ["site_nav", "breadcrumb", "label_end", "anchor_map", "AnchorMap"]

_HOME_FILES = frozenset({"", "index.html", "index.htm", "index.shtml", "index.jsp", "index.php", "index.asp",
                         "index.aspx", "default.htm", "default.html", "default.aspx", "default.asp"})
_MAX_NAV_LINKS = 200  # more links than this in one box: a page wrapper, not a menu
_MAX_CRUMB_LINKS = 12
_MAX_CRUMB_TEXT = 300
_LABEL_CLIMB = 6  # levels from a 首页 link up to the element holding the 当前位置 label
# 当前位置： 您现在的位置： 您的位置： 您当前所在位置： 所在位置： 位置：
_LABEL = re.compile(r"\s*((?:您)?(?:当前|现在|目前)?(?:的|所在)*)(?:位置|路径)\s*([:：]?)\s*")
_LABEL_BEFORE = re.compile(r"((?:您)?(?:当前|现在|目前)?(?:的|所在)*)(?:位置|路径)\s*([:：]?)\s*$")
_SEPARATORS = re.compile(r"\s*(?:>|›|»|/|＞|→|&gt;)+\s*")
_SEP_ANY = re.compile(r"[>›»/＞→]|&gt;")
_JUNK = " \t\r\n\u3000\xa0:：|·-—"
_SEP_ONLY = re.compile(r"(?:>|›|»|/|＞|→|&gt;|\s)+")
_SEP_WRAPPERS = frozenset({"i", "span", "em", "b", "font", "strong"})


def _ids() -> tuple[int, int, int]:
    li = LexborHTMLParser("<ul><li><a>x</a></li></ul>").css_first("li")
    assert li is not None and li.child is not None and li.child.child is not None
    return li.child.tag_id, li.tag_id, li.child.child.tag_id


_A, _LI, _TEXT = _ids()


def label_end(text: str) -> int | None:
    """Where a leading 当前位置： label of ``text`` ends (``None``: no label there).

    A bare 位置/路径 needs its colon (位置：); 当前位置 / 您的位置 / 所在位置 do not.
    """
    m = _LABEL.match(text)
    if m is None or not (m.group(1) or m.group(2)):
        return None
    return m.end()


@lru_cache(maxsize=256)
def _origin_roots(origin: str) -> frozenset[str]:
    return frozenset(f"{origin}/{name}" for name in _HOME_FILES)


def _roots(url: str) -> frozenset[str]:
    """The URLs of a site's homepage on the origin of ``url`` (``/``, ``/index.html`` …)."""
    scheme_end = url.find("//")
    slash = url.find("/", scheme_end + 2) if scheme_end >= 0 else -1
    return _origin_roots(url if slash < 0 else url[:slash])


def _anchor_text(node: LexborNode) -> str:
    text = collapse(node.text(deep=True))
    if text:
        return text
    attrs = node.attributes
    text = collapse(attrs.get("title") or "")
    if text:
        return text
    for child in node.traverse():
        if child.tag == "img":
            return collapse(child.attributes.get("alt") or child.attributes.get("title") or "")
    return ""


AnchorMap = dict[int, tuple[LexborNode, str, str]]


def anchor_map(anchors: list[tuple[LexborNode, str, str]]) -> AnchorMap:
    """The scan's ``(node, href, text)`` anchors by ``mem_id`` (their text is computed once)."""
    return {a[0].mem_id: a for a in anchors}


def site_nav(boxes: list[LexborNode], by_id: AnchorMap,
             resolve_url: Callable[[str | None], str | None], page_url: str,
             skip: set[int] | None = None) -> list[tuple[str, str]]:
    """``(text, url)`` of the navigation links in ``boxes`` (document order, each URL once).

    ``by_id`` is :func:`anchor_map` of the scan's anchors; ``skip`` holds anchors' ``mem_id``s
    to leave out (the breadcrumb's). The homepage link (首页, or the site root) is left out.
    """
    if not boxes:
        return []
    get = by_id.get
    box_ids = {b.mem_id for b in boxes}
    roots = _roots(page_url)
    covered: set[int] = set()
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    web = ("http://", "https://")
    for box in boxes:
        if box.mem_id in covered:
            continue  # inside a box already read (div.nav > ul.menu)
        found: list[tuple[str, str]] = []
        for node in box.traverse():
            mid = node.mem_id
            a = get(mid)
            if a is None:
                if mid in box_ids:
                    covered.add(mid)
                continue
            text = a[2]
            if not text or (skip and mid in skip) or text in HOME_TEXTS:
                continue
            url = resolve_url(a[1])
            if url is not None and url not in roots and url.startswith(web):
                found.append((text, url))
        if len(found) > _MAX_NAV_LINKS:
            continue
        for pair in found:
            if pair[1] not in seen:
                seen.add(pair[1])
                out.append(pair)
    return out


def _inside_anchor(node: LexborNode, stop: int) -> bool:
    p = node.parent
    if p is not None and p.tag_id == _A:
        return True
    for _ in range(4):
        if p is None or p.mem_id == stop:
            return False
        if p.tag_id == _A:
            return True
        p = p.parent
    return False


def _trail(box: LexborNode, by_id: AnchorMap, resolve_url: Callable[[str | None], str | None],
           start: int | None = None) -> tuple[list[tuple[str, str | None]], set[int]]:
    """The breadcrumb items of a container and the ``mem_id``s of its anchors.

    Links are always items (CSS or images may separate them); a text piece is an item only
    at the start or after a separator (the current page: ``首页 > 政务公开 > 正文``). Text
    that follows an item without a separator (a 字号/打印 toolbar) ends the trail.
    """
    items: list[tuple[str, str | None]] = []
    anchors: set[int] = set()
    stop = box.mem_id
    after_sep = False
    size = 0  # characters of text seen: a container of more than _MAX_CRUMB_TEXT is no trail
    for node in box.traverse(include_text=True):
        if start is not None:
            if node.mem_id != start:
                continue  # the trail starts at its 首页 link
            start = None
        tid = node.tag_id
        if tid == _A:
            mid = node.mem_id
            anchors.add(mid)
            if len(anchors) > _MAX_CRUMB_LINKS:
                return [], set()
            known = by_id.get(mid)
            if known is not None:
                _node, href, text = known
                url = resolve_url(href)
            else:  # a link without href: a crumb that names a column without linking it
                text, url = _anchor_text(node), None
            if text and _SEP_ANY.search(text) is not None:
                text = _SEPARATORS.sub(" ", text)
            text = text.strip(_JUNK) if text else ""
            if text:
                items.append((text, url if url and url.startswith(("http://", "https://")) else None))
                after_sep = False
        elif tid == _LI:
            after_sep = True  # list-shaped trails separate their items by CSS
        elif tid == _TEXT:
            raw = node.text_content or ""
            size += len(raw)
            if size > _MAX_CRUMB_TEXT * 2 and len(collapse(box.text(deep=True))) > _MAX_CRUMB_TEXT:
                return [], set()
            if not raw.strip() or _inside_anchor(node, stop):
                continue
            end = label_end(raw) if ("位置" in raw or "路径" in raw) else None
            if end is not None:
                items.clear()  # what came before the label (icons, spacing) is not the trail
                raw = raw[end:]
                after_sep = True
            pieces = _SEPARATORS.split(raw)
            for k, piece in enumerate(pieces):
                if k > 0:
                    after_sep = True
                piece = collapse(piece).strip(_JUNK)
                if not piece:
                    continue
                if items and not after_sep:
                    return items, anchors  # a toolbar or other text after the trail
                items.append((piece, None))
                after_sep = False
    return items, anchors


def _usable(items: list[tuple[str, str | None]]) -> bool:
    return any(url for _t, url in items)


def _text_before(node: LexborNode) -> str:
    """The visible text of the siblings just before ``node`` (a few, about 30 characters)."""
    parts: list[str] = []
    size = 0
    sib = node.prev
    for _ in range(6):
        if sib is None or size >= 30:
            break
        if sib.tag == "-text":
            t = sib.text_content or ""
        elif sib.is_element_node:
            t = sib.text(deep=True)
        else:
            t = ""
        if t.strip():
            parts.append(t)
            size += len(t.strip())
        sib = sib.prev
    return collapse(" ".join(reversed(parts)))


def _label_box(home_anchors: list[LexborNode]) -> LexborNode | None:
    """The element holding a 当前位置： label and, after it, the trail's 首页 link."""
    for a in home_anchors:
        node = a
        for _ in range(_LABEL_CLIMB):
            parent = node.parent
            if parent is None or parent.tag in ("body", "html"):
                break
            before = _text_before(node)
            if before:
                m = _LABEL_BEFORE.search(before[-16:])
                if m is not None and (m.group(1) or m.group(2)):
                    return parent
                break  # other text before the link: it does not start a trail
            node = parent
    return None


def _next_sibling(node: LexborNode) -> LexborNode | None:
    """The next sibling that is an element or non-blank text."""
    sib = node.next
    while sib is not None and ((sib.tag == "-text" and not (sib.text_content or "").strip())
                               or sib.tag == "-comment"):
        sib = sib.next
    return sib


def _separated_home(homes: list[LexborNode]) -> LexborNode | None:
    """A 首页 link followed by a separator and another link: an unlabelled trail."""
    for a in homes:
        sib = _next_sibling(a)
        if sib is None:
            continue
        text = sib.text_content if sib.tag == "-text" else (
            collapse(sib.text(deep=True)) if sib.tag in _SEP_WRAPPERS else "")
        if not text or _SEP_ONLY.fullmatch(text.strip()) is None:
            continue
        after = _next_sibling(sib)
        if after is not None and (after.tag == "a" or (after.tag in _SEP_WRAPPERS and after.css_first("a"))):
            return a
    return None


def breadcrumb(boxes: list[LexborNode], homes: list[LexborNode], by_id: AnchorMap,
               resolve_url: Callable[[str | None], str | None]) -> tuple[list[tuple[str, str | None]], set[int]]:
    """The page's breadcrumb ``(text, url or None)`` root first, and its anchors' ``mem_id``s.

    ``homes`` are the page's links that say 首页 (the scan's ``home_anchors``); ``by_id`` is
    :func:`anchor_map` of the scan's anchors.

    Tried in order: containers marked by class/id; the element around a 首页 link that starts
    with a 当前位置： label; a 首页 link followed by a separator and another link.
    """
    for box in boxes:
        items, ids = _trail(box, by_id, resolve_url)
        if _usable(items):
            return items, ids
    if not homes:
        return [], set()
    label_box = _label_box(homes)
    if label_box is not None:
        items, ids = _trail(label_box, by_id, resolve_url)
        if _usable(items):
            return items, ids
    home = _separated_home(homes)
    if home is not None and home.parent is not None:
        items, ids = _trail(home.parent, by_id, resolve_url, start=home.mem_id)
        if len(items) >= 2 and _usable(items):
            return items, ids
    return [], set()
