"""List blocks of static HTML: a list page's main list and a homepage's column blocks.

Rows are found from the anchors (nearest ``li``/``tr``/``dd``/``dt`` ancestor, else the
anchor's wrapper ``div``/``p``); rows sharing a parent form a container. Containers with
dated rows are lists. A container's heading is searched among the previous siblings of the
container and of its ancestors (``<div class="hd"><h3>政务动态</h3><a>更多</a></div>``);
containers under the same heading merge into one block, and a heading holding several
tabs names the containers below it in order. Undated containers count only under a heading,
with a 更多 link or, on a column page, when every row links an article URL that carries its
date (a column whose items show no date), or when the list stands under the column's own name
and every row links content (an article or attachment, not a column index): however few and
short its rows, such a column holds undated items and is not blank.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from selectolax.lexbor import LexborHTMLParser, LexborNode

from govwatch.core.model import ListBlock
from govwatch.extract.dates import DateMatch, url_date_parts
from govwatch.extract.rows import SEP, RowInfo, has_digit, items_from_rows, row_date, row_info, row_text
from govwatch.extract.walk import collapse, document_root

__all__ = ["static_blocks"]

_ROW_TAGS = frozenset({"li", "tr", "dd", "dt"})
_STOP_TAGS = frozenset({"ul", "ol", "table", "tbody", "thead", "dl", "body", "html", "form", "nav",
                        "header", "footer", "menu"})
_WRAP_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "span", "strong", "b", "font", "em",
                        "i", "label", "u"})
_FALLBACK_ROW_TAGS = frozenset({"div", "p", "section", "article"})
_H_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Item blocks (:func:`_item_block`): the elements one can be, how far above its row, how many elements at most.
_BLOCK_TAGS = frozenset({"div", "dl", "section", "article", "li", "p"})
_BLOCK_DEPTH = 3
_BLOCK_LIMIT = 40
_MORE = re.compile(r"更多|more|MORE|More|>>|》》|»|查看全部")
_MORE_STRIP = re.compile(r"(?:查看)?更多(?:服务)?|more|MORE|More|[>»》+＋]+|查看全部")
_HAS_DATE = re.compile(r"\d{1,4}[-/.年]\d{1,2}")
# Toolbars and breadcrumbs are not column headings.
_NOT_HEADING = re.compile(r"打印|关闭|返回|分享|收藏|字体|当前位置|您的位置|首\s*页|上一篇|下一篇")
_MAX_HEADING = 16
_MAX_CONTINUED_HEADING = 12
# Characters of text besides title and date that make a div/p row a lead item with a summary.
_TEASER = 15
# The last path segment of a column's own pages (an index or list page), not of its content.
_INDEX_STEM = re.compile(r"(?:index|default|list|main|home)(?:[_-]\d+)?", re.I)
_NOT_CONTENT_HREF = ("#", "javascript:", "mailto:", "tel:")
_COLUMN_HREF = re.compile(r"/col/col\d|[?&](?:column|channel|cat)id=|channel|lanmu", re.I)  # links to columns
# Class/id words of the page's chrome: navigation, header and footer boxes hold no column list.
_CHROME = re.compile(r"nav|menu|daohang|header|footer|foot|bottom")
_CHROME_TAGS = frozenset({"nav", "header", "footer", "menu"})


def _tag_ids(names) -> frozenset[int]:
    """lexbor's numeric ids of some tag names (comparing ints is cheaper than names)."""
    html = "".join(f"<{n}></{n}>" for n in names)
    tree = LexborHTMLParser(f"<html><body><table><tbody><tr><td>{html}</td></tr></tbody></table></body></html>")
    ids = {n.tag_id for n in document_root(tree).traverse() if n.tag in names}
    return frozenset(ids)


_ROW_IDS = _tag_ids(_ROW_TAGS | {"tr"})
_STOP_IDS = _tag_ids(_STOP_TAGS - {"html", "body"}) | _tag_ids({"html", "body"})
_WRAP_IDS = _tag_ids(_WRAP_TAGS)
_FALLBACK_IDS = _tag_ids(_FALLBACK_ROW_TAGS)
_BLOCK_IDS = _tag_ids(_BLOCK_TAGS)
_A_ID = next(iter(_tag_ids({"a"})))


def _row_of(anchor: LexborNode) -> tuple[LexborNode | None, bool]:
    """The row element of an anchor and whether it was found by the fallback rule."""
    p = anchor.parent
    depth = 0
    while p is not None and depth < 4:
        tid = p.tag_id
        if tid in _ROW_IDS:
            return p, False
        if tid in _STOP_IDS:
            break
        p = p.parent
        depth += 1
    p = anchor.parent
    if p is not None and p.tag_id in _WRAP_IDS:
        p = p.parent
    if p is None or p.tag_id not in _FALLBACK_IDS:
        return None, True
    return p, True


def _descendants(el: LexborNode, limit: int = 40) -> list[LexborNode]:
    """Element descendants of a small subtree (cheaper than a CSS query, which compiles)."""
    out: list[LexborNode] = []
    for node in el.traverse():
        if node.is_element_node:
            out.append(node)
            if len(out) >= limit:
                break
    return out


def _more_href(el: LexborNode, nodes: list[LexborNode] | None = None) -> str | None:
    """The href of a 更多 link inside ``el`` (or ``el`` itself)."""
    for a in nodes if nodes is not None else _descendants(el):
        if a.tag != "a":
            continue
        attrs = a.attributes
        href = attrs.get("href")
        if not href:
            continue
        text = collapse(a.text(deep=True))
        if text:
            if len(text) <= 8 and _MORE.search(text):
                return href
        else:
            cls = (attrs.get("class") or "") + " " + ((a.parent.attributes.get("class") or "") if a.parent else "")
            if "more" in cls.lower():
                return href
        if (attrs.get("title") or "").startswith("更多"):
            return href
    return None


def _heading_of(el: LexborNode) -> tuple[str, list[str], str | None] | None:
    """``(heading, tab names, more href)`` when ``el`` looks like a block heading."""
    if not el.is_element_node:
        return None
    raw = collapse(el.text(deep=True, separator=" "))
    if not raw or len(raw) > 60 or _HAS_DATE.search(raw):
        return None
    nodes = _descendants(el)
    more = _more_href(el, nodes)
    tabs: list[str] = []
    heading = ""
    hx = el if el.tag in _H_TAGS else next((n for n in nodes if n.tag in _H_TAGS), None)
    if hx is not None:
        heading = collapse(_MORE_STRIP.sub(" ", hx.text(deep=True, separator=" ")))
    if not heading:
        names = []
        for a in ([el] if el.tag == "a" else [n for n in nodes if n.tag in ("a", "li", "span")]):
            t = collapse(a.text(deep=True))
            if t and len(t) <= 12 and not _MORE.search(t) and t not in names:
                names.append(t)
        parts = [n for n in names if not any(n != m and n in m for m in names)]
        if len(parts) >= 2:
            tabs = parts
        heading = parts[0] if parts else collapse(_MORE_STRIP.sub(" ", raw))
    if heading and _NOT_HEADING.search(heading):
        return None
    if not heading and more is None:
        return None
    if len(heading) > _MAX_HEADING:
        return None
    return heading, tabs, more


def _find_heading(container: LexborNode) -> tuple[int, str, list[str], str | None]:
    """``(root id, heading, tabs, more href)`` for a list container."""
    node = container
    more: str | None = None
    for _ in range(4):
        sib = node.prev
        seen = 0
        while sib is not None and seen < 3:
            if sib.is_element_node:
                seen += 1
                h = _heading_of(sib)
                if h is None:  # a sibling block that starts with its own heading continues here
                    first = sib.child
                    while first is not None and not first.is_element_node:
                        first = first.next
                    if first is not None and first.tag in _H_TAGS:
                        h = _heading_of(first)
                        if h is not None and len(h[0]) > _MAX_CONTINUED_HEADING:
                            h = None
                if h is not None:
                    heading, tabs, m = h
                    more = more or m
                    if heading:
                        return node.mem_id, heading, tabs, more
            sib = sib.prev
        parent = node.parent
        if parent is None or parent.tag in ("body", "html"):
            break
        node = parent
    return container.mem_id, "", [], more


def _more_after(container: LexborNode) -> str | None:
    node = container
    for _ in range(2):
        sib = node.next
        seen = 0
        while sib is not None and seen < 2:
            if sib.is_element_node:
                seen += 1
                text = collapse(sib.text(deep=True))
                if len(text) <= 10 and (not text or _MORE.search(text)):
                    href = _more_href(sib)
                    if href:
                        return href
            sib = sib.next
        parent = node.parent
        if parent is None:
            break
        node = parent
    return None


def _without_leads(parts: list[list[RowInfo]], leads: list[bool]) -> list[list[RowInfo]]:
    """Drop lead items (头条 with a summary) shown above a column's list, unless newer.

    Under one heading, a lead item is not a row of the column's list (the list shows its
    own rows below it). It is kept, first, only when it is newer than every row of the list:
    then it is the column's newest entry and freshness must see it.
    """
    if not any(leads) or all(leads):
        return parts
    rest = [p for p, lead in zip(parts, leads, strict=False) if not lead]
    rest_items = items_from_rows([i for p in rest for i in p])
    newest = max((it.date for it in rest_items if it.date is not None), default=None)
    everything = [i for p in parts for i in p]
    all_items = items_from_rows(everything)
    k = 0
    for p, lead in zip(parts, leads, strict=False):
        if lead:
            for it in all_items[k: k + len(p)]:
                if it.date is not None and (newest is None or it.date > newest):
                    return parts
        k += len(p)
    return rest


Anchor = tuple[LexborNode, str, str]  # (node, href, text) as the scan gives them
# A row before it is read: (row, found by the fallback rule, anchors, text, date match, date text).
_CandidateRow = tuple[LexborNode, bool, list[Anchor], str, DateMatch | None, str]


def static_blocks(anchors: list[Anchor],
                  resolve_url: Callable[[str | None], str | None], *,
                  column_name: str = "") -> list[ListBlock]:
    """List blocks found among the page's anchors, in document order.

    ``column_name`` (a column page: its ColumnName meta, no ArticleTitle) also accepts a
    headed undated list whose every row links an article URL carrying its date, and the
    undated list under the column's own name whose every row links content, however few and
    short its rows (:func:`_column_own_list`).
    """
    groups = _headed_groups(_containers(anchors), resolve_url, collapse(column_name))
    return _blocks(_merge_same_heading(groups), resolve_url)


def _content_href(href: str) -> bool:
    """Whether a link leads to content (an article, a document, an attachment) rather than to a
    column's own index or list page (``/jgzn/``, ``index.html``, ``list_2.htm``) or nowhere."""
    if not href or href.startswith(_NOT_CONTENT_HREF) or _COLUMN_HREF.search(href):
        return False
    path = href.split("#", 1)[0].split("?", 1)[0]
    last = path.rsplit("/", 1)[-1]
    if not last or "." not in last and "?" not in href and not any(c.isdigit() for c in last):
        return False  # a folder: a column's entry page
    return not _INDEX_STEM.fullmatch(last.rsplit(".", 1)[0])


def _in_chrome(node: LexborNode) -> bool:
    """Whether a container sits in the page's navigation, header or footer (tag, class or id)."""
    p: LexborNode | None = node
    for _ in range(8):
        if p is None or p.tag in ("body", "html"):
            return False
        if p.tag in _CHROME_TAGS:
            return True
        attrs = p.attributes
        if _CHROME.search(f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower()):
            return True
        p = p.parent
    return False


def _column_own_list(cnode: LexborNode, cand_rows: list[_CandidateRow], heading: str, column_name: str) -> bool:
    """On a column page, the list headed by the column's own name (``<h2>机构职能</h2>``) whose
    every row links content: the column's list even with one short undated row (主要职责), since a
    column showing content links is not blank. Navigation, header and footer boxes never count."""
    name, head = column_name.replace(" ", ""), heading.replace(" ", "")
    if len(name) < 2 or len(head) < 2 or (name not in head and head not in name):
        return False
    return all(any(_content_href(a[1]) for a in r[2]) for r in cand_rows) and not _in_chrome(cnode)


def _own_links_only(node: LexborNode, hrefs: set[str]) -> bool:
    """Whether every link inside a small ``node`` goes to one of ``hrefs`` (the item's own link)."""
    nodes = _descendants(node, _BLOCK_LIMIT)
    if len(nodes) >= _BLOCK_LIMIT:
        return False  # too big for one item
    for n in nodes:  # tag ids and single attributes: the whole attribute dict of each costs more
        if n.tag_id == _A_ID:
            href = n.attrs.get("href")
            if href and href.strip() not in hrefs:
                return False
    return True


def _repeated(node: LexborNode) -> bool:
    """Whether ``node`` has a sibling element of its tag and class (one of repeated item blocks)."""
    parent = node.parent
    if parent is None:
        return False
    cls = node.attrs.get("class")
    mem_id, tag_id = node.mem_id, node.tag_id
    return any(sib.mem_id != mem_id and sib.tag_id == tag_id and sib.attrs.get("class") == cls
               for sib in parent.iter())


def _item_block(row: LexborNode, hrefs: set[str]) -> tuple[LexborNode, str, DateMatch, str] | None:
    """The item block around an undated row: the nearest ancestor that is one of repeated sibling
    blocks (same tag and class), holds no link but the row's own and shows a date of its own —
    ``<dl><dt><a>…</a></dt><dd>2026-11-20</dd></dl>``, ``<div class="item"><div class="tit"><a>…</a>
    </div><div class="date">…</div></div>``. Returns ``(block, text, date match, date text)``."""
    node = row
    for _ in range(_BLOCK_DEPTH):
        p = node.parent
        if p is None or p.tag_id not in _BLOCK_IDS or not _own_links_only(p, hrefs):
            return None
        if _repeated(p):
            raw = row_text(p)
            match, date_text = row_date(raw) if has_digit(raw) else (None, "")
            if match is not None:
                return p, raw, match, date_text
        node = p
    return None


def _containers(anchors: list[Anchor]) -> dict[int, list]:
    """Rows of the anchors grouped by their parent element, in document order:
    container id -> [container, [candidate row], number of dated rows]. A row showing no date
    stands for its item block when it has one (:func:`_item_block`)."""
    rows: dict[int, list] = {}  # row id -> [row, fallback, anchors]
    for a in anchors:
        row, fallback = _row_of(a[0])
        if row is None:
            continue
        entry = rows.get(row.mem_id)
        if entry is None:
            rows[row.mem_id] = [row, fallback, [a]]
        else:
            entry[2].append(a)
    blocks: dict[int, list] = {}  # row id -> [row, fallback, anchors, text, date match, date text]
    for row, fallback, row_anchors in rows.values():
        raw = row_text(row)
        match, date_text = row_date(raw) if has_digit(raw) else (None, "")
        if match is None:
            found = _item_block(row, {a[1].strip() for a in row_anchors})
            if found is not None:
                row, raw, match, date_text = found
                fallback = True
                if row.mem_id in blocks:
                    blocks[row.mem_id][2].extend(row_anchors)
                    continue
        blocks[row.mem_id] = [row, fallback, row_anchors, raw, match, date_text]
    containers: dict[int, list] = {}
    for row, fallback, row_anchors, raw, match, date_text in blocks.values():
        parent = row.parent
        if parent is None:
            continue
        if fallback and match is None:
            continue
        entry2 = containers.get(parent.mem_id)
        if entry2 is None:
            containers[parent.mem_id] = entry2 = [parent, [], 0]
        entry2[1].append((row, fallback, row_anchors, raw, match, date_text))
        if match is not None:
            entry2[2] += 1
    return containers


def _row_infos(cand_rows: list[_CandidateRow],
               resolve_url: Callable[[str | None], str | None]) -> tuple[list[RowInfo], bool]:
    """The rows of a container read as items (paragraphs holding a link left out), and whether
    the container is a lead item (头条): div/p rows that all carry a summary."""
    infos: list[RowInfo] = []
    teasers = 0
    for row, fallback, row_anchors, raw, match, date_text in cand_rows:
        info = row_info(row_anchors, raw, match, date_text, resolve_url)
        if fallback:
            extra = len(collapse(raw.replace(SEP, " "))) - len(info.title) - len(info.date_text)
            if extra > 120 and not (_repeated(row) and _own_links_only(row, {a[1].strip() for a in row_anchors})):
                continue  # a paragraph holding a link, not a list row (a card with a long summary is one)
            if extra >= _TEASER:
                teasers += 1
        infos.append(info)
    lead = bool(infos) and teasers == len(infos) and all(r[1] for r in cand_rows)
    return [i for i in infos if len(i.title) >= 2 and (i.url is not None or len(i.title) >= 6)], lead


def _headed_groups(containers: dict[int, list], resolve_url: Callable[[str | None], str | None],
                   column_name: str) -> dict[tuple[int, str], dict]:
    """The containers that are lists, grouped by their heading (the heading's root element and text)."""
    groups: dict[tuple[int, str], dict] = {}
    for cnode, cand_rows, dated in containers.values():
        article_urls = False  # every row links an article URL that carries its full date
        own_list = False  # the column's own list of content links (_column_own_list)
        found: tuple[int, str, list[str], str | None] | None = None
        if dated == 0:
            titled = sum(1 for r in cand_rows if max(len(a[2]) for a in r[2]) >= 8)
            article_urls = bool(column_name) and len(cand_rows) >= 2 and all(
                any(url_date_parts(a[1])[2] is not None for a in r[2]) for r in cand_rows)
            if column_name:
                found = _find_heading(cnode)
                own_list = _column_own_list(cnode, cand_rows, found[1], column_name)
            if (len(cand_rows) < 3 or titled * 2 < len(cand_rows)) and not article_urls and not own_list:
                continue
        infos, lead = _row_infos(cand_rows, resolve_url)
        if not infos:
            continue
        if dated == 0 and not own_list:  # undated: only article-like entries (dated URLs or headline-length titles)
            dated_urls = sum(1 for i in infos if url_date_parts(i.url)[0] is not None)
            avg = sum(len(i.title) for i in infos) / len(infos)
            if dated_urls * 2 < len(infos) and avg < 12:
                continue
        elif dated and not any(i.match is not None for i in infos):
            continue
        root, heading, tabs, more = found or _find_heading(cnode)
        if more is None:
            more = _more_after(cnode)
        if dated == 0 and not own_list and (not heading or (more is None and not article_urls)):
            continue  # undated lists: headed column blocks with a 更多 link, or headed lists of articles
        key = (root, heading)
        g = groups.get(key)
        if g is None:
            groups[key] = g = {"heading": heading, "tabs": tabs, "more": more, "parts": [], "leads": []}
        elif g["more"] is None:
            g["more"] = more
        g["parts"].append(infos)
        g["leads"].append(lead)
    return groups


def _merge_same_heading(groups: dict[tuple[int, str], dict]) -> list[dict]:
    """One heading's lists split over sibling containers, merged."""
    merged: list[dict] = []
    for g in groups.values():
        if merged and g["heading"] and merged[-1]["heading"] == g["heading"]:
            merged[-1]["parts"].extend(g["parts"])
            merged[-1]["leads"].extend(g["leads"])
            merged[-1]["more"] = merged[-1]["more"] or g["more"]
        else:
            merged.append(g)
    return merged


def _blocks(merged: list[dict], resolve_url: Callable[[str | None], str | None]) -> list[ListBlock]:
    """The list blocks of the grouped containers (a heading with one tab per container: one block a tab)."""
    blocks: list[ListBlock] = []
    for g in merged:
        parts, tabs = _without_leads(g["parts"], g["leads"]), g["tabs"]
        total_dated = sum(1 for p in parts for i in p if i.match is not None)
        if total_dated < 2 and not (g["heading"] or g["more"]):
            continue  # a lone dated row is a list only under a heading or with a 更多 link
        if tabs and len(tabs) == len(parts) and len(parts) > 1:
            for name, infos in zip(tabs, parts, strict=False):
                blocks.append(ListBlock(heading=name, items=items_from_rows(infos),
                                        more_url=None, source="static"))
            continue
        infos = [i for p in parts for i in p]
        blocks.append(ListBlock(heading=g["heading"], items=items_from_rows(infos),
                                more_url=resolve_url(g["more"]), source="static"))
    return blocks
