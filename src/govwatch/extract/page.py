"""``extract_page``: everything extraction understands of one fetched page."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from selectolax.lexbor import LexborDocumentOptions, LexborHTMLParser

from govwatch.core.model import Footer, ListBlock, PageFacts, PageType, Pagination
from govwatch.extract.article import choose_title, classify_page, excerpt, is_soft_404, visible_publish_date
from govwatch.extract.dates import find_dates
from govwatch.extract.decode import decode_html, safe_truncate
from govwatch.extract.footer import extract_footer
from govwatch.extract.jsonlist import DEFAULT_MAX_JSON_ITEMS, json_page, looks_like_json
from govwatch.extract.links import CAP_WARNING, DEFAULT_MAX_LINKS, INTERNAL_ERROR, UNUSABLE_LINK, LinkSet, build_links
from govwatch.extract.lists import static_blocks
from govwatch.extract.meta import collect_meta
from govwatch.extract.pagination import (
    from_create_page_html,
    from_dataproxy,
    from_pager_links,
    is_pager_text,
    script_int,
)
from govwatch.extract.records import looks_like_datastore, parse_island, records_block
from govwatch.extract.resolve import Resolver
from govwatch.extract.rows import fill_page_year
from govwatch.extract.scripts import ScriptFacts, needs_render, read_scripts
from govwatch.extract.security_signs import security_signs
from govwatch.extract.structure import anchor_map, breadcrumb, site_nav
from govwatch.extract.walk import Scan, scan_document

__all__ = ["extract_page", "page_reference", "DEFAULT_MAX_BYTES", "problem_warnings"]

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
PROBLEM_PREFIXES = (INTERNAL_ERROR, UNUSABLE_LINK, CAP_WARNING)
JSON_BYTES_FACTOR = 4  # a JSON list is parsed up to 4 × max_bytes: cut, it could not be parsed at all
MAX_NAMED_ERRORS = 20  # elements whose reading failed named per page
DETAIL_TYPES = frozenset({"article", "guide", "message"})  # detail pages: an item of a column


def _empty(url: str, warnings: list[str], encoding: str = "") -> PageFacts:
    return PageFacts(url=url, page_type="other", title="", publish_date=None, meta={}, meta_variants={},
                     links=[], lists=[], pagination=Pagination(kind="none"), footer=Footer(),
                     warnings=warnings, encoding=encoding)


def extract_page(body: bytes | str, url: str, *, content_type: str = "", site_root: str | None = None,
                 max_bytes: int = DEFAULT_MAX_BYTES, detail_structure: bool = True,
                 max_links: int = DEFAULT_MAX_LINKS, max_json_items: int = DEFAULT_MAX_JSON_ITEMS,
                 read_tree: Callable[[LexborHTMLParser], None] | None = None) -> PageFacts:
    """Extract :class:`PageFacts` from a page body. Never raises.

    ``body`` is the raw response (decoded with :func:`decode_html`; ``facts.encoding`` names
    the charset used) or already decoded text. Input beyond ``max_bytes`` (characters for
    text) is not parsed; a warning says so. ``detail_structure=False`` leaves out the
    navigation and breadcrumb of detail pages (:data:`DETAIL_TYPES`): column discovery reads
    them from the homepage and list pages only, and most of a site's pages are details.
    Only the first ``max_links`` references of an HTML page and ``max_json_items`` items of a
    JSON list are read (a warning starting with :data:`CAP_WARNING` says when more were there).
    A reader that fails costs its own facts only (a warning starting with :data:`INTERNAL_ERROR`).

    ``read_tree`` is called with the parsed tree once every reader is done with it (it may change
    the tree), and only when that tree is what parsing the decoded text alone builds: a bytes body
    cut at ``max_bytes`` (not JSON's larger cut), no NUL replaced, and the bytes parsed the UTF-8
    form of the text (:func:`govwatch.extract.text.keep_text`). A JSON, data-store or empty body
    has no tree.
    """
    warnings: list[str] = []
    try:
        return _extract(body, url, content_type, site_root, max_bytes, warnings, detail_structure,
                        max_links, max_json_items, read_tree)
    except Exception as exc:  # noqa: BLE001 - extraction must never stop a crawl
        log.exception("extract_page failed for %s", url)
        warnings.append(f"{INTERNAL_ERROR} {type(exc).__name__}: {str(exc)[:200]}")
        return _empty(url, warnings)


def problem_warnings(warnings: list[str]) -> list[str]:
    """The warnings of a page that name something extraction lost: an internal error (a reader,
    a link, the whole page), an unusable link, a cap that left links or items out."""
    return [w for w in warnings if w.startswith(PROBLEM_PREFIXES)]


def _extract(body: bytes | str, url: str, content_type: str, site_root: str | None, max_bytes: int,
             warnings: list[str], detail_structure: bool, max_links: int, max_json_items: int,
             read_tree: Callable[[LexborHTMLParser], None] | None) -> PageFacts:
    if _json_head(body, content_type):  # JSON cut short is no JSON: read up to JSON_BYTES_FACTOR times more
        max_bytes *= JSON_BYTES_FACTOR
        read_tree = None
    if not isinstance(body, bytes):
        read_tree = None
    text, encoding, utf8 = _decoded(body, content_type, max_bytes, warnings)
    if "\x00" in text:  # parsed as U+FFFD
        text = text.replace("\x00", "\ufffd")
        utf8 = None
        read_tree = None
    if not text or text.isspace():
        warnings.append("extract: empty body")
        return _empty(url, warnings, encoding)
    if looks_like_json(text, content_type):
        return json_page(text, Resolver(None)(url) or url, warnings, encoding, max_items=max_json_items)
    datastore = looks_like_datastore(text, content_type)
    if _looks_binary(text):
        warnings.append("extract: body does not look like text")
    elif not datastore:
        tail = text[-4096:]
        if "</html" not in tail and "</HTML" not in tail and "</html" not in tail.lower():
            warnings.append("extract: no closing </html> (truncated or malformed page)")

    page_url = Resolver(None)(url) or url
    if datastore:
        facts = _datastore_page(text, page_url, warnings)
        facts.encoding = encoding
        return facts
    if utf8 is None:
        try:
            utf8 = text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates (never from a body decoded here): not the text's UTF-8 form
            utf8 = text.encode("utf-8", "replace")
            read_tree = None
    elif "\ufffd" in text:  # raw bytes kept after a strict decode only; a U+FFFD may be a replacement if not
        read_tree = None
    return _html_page(text, utf8, url, page_url, site_root, encoding, warnings, detail_structure, max_links,
                      read_tree)


def _json_head(body: bytes | str, content_type: str) -> bool:
    """Whether a body looks like JSON (or JSONP) by its first bytes and its type (:func:`looks_like_json`)."""
    head = body[:256]
    text = head.decode("utf-8", "replace") if isinstance(head, (bytes, bytearray, memoryview)) else str(head)
    return looks_like_json(text, content_type)


def _decoded(body: bytes | str, content_type: str, max_bytes: int,
             warnings: list[str]) -> tuple[str, str, bytes | None]:
    """``(text, encoding, UTF-8 bytes to parse or None)`` of a body, cut at ``max_bytes``
    (lexbor parses bytes much faster than str: the raw body is kept when it is UTF-8). A NUL is
    left in the text (the caller replaces it)."""
    if body is None:
        body = b""
    utf8: bytes | None = None
    encoding = ""
    if isinstance(body, (bytes, bytearray, memoryview)):
        raw = bytes(body)
        if len(raw) > max_bytes:
            warnings.append(f"extract: body of {len(raw)} bytes truncated to {max_bytes} for parsing")
            raw = safe_truncate(raw, max_bytes)
        text, encoding, dw = decode_html(raw, content_type)
        warnings.extend(dw)
        if encoding in ("utf-8", "ascii") and not dw:
            utf8 = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    else:
        text = str(body)
        if len(text) > max_bytes:
            warnings.append(f"extract: body of {len(text)} characters truncated to {max_bytes} for parsing")
            text = text[:max_bytes]
    return text, encoding, utf8


def _html_page(text: str, utf8: bytes, url: str, page_url: str, site_root: str | None, encoding: str,
               warnings: list[str], detail_structure: bool, max_links: int,
               read_tree: Callable[[LexborHTMLParser], None] | None = None) -> PageFacts:
    """The facts of an HTML page: one parse, one scan, then every reader over what the scan gathered.

    Each reader runs guarded (:func:`_guarded`): a reader that fails costs its own facts and a
    warning, never the page's links or the other readers' facts."""
    tree = LexborHTMLParser(utf8, options=LexborDocumentOptions.WO_EVENTS)
    scan = scan_document(tree, text)
    warnings.extend(f"{INTERNAL_ERROR} on element {error}" for error in scan.errors[:MAX_NAMED_ERRORS])
    _cap_references(scan, max_links, warnings)
    base = page_url
    if scan.base_href:
        base = Resolver(page_url)(scan.base_href) or page_url
    resolve_url = Resolver(base)

    def guarded(part: str, read: Callable[..., _T], default: Any, *args: Any) -> _T:
        return _guarded(warnings, page_url, part, read, default, *args)

    links = LinkSet()
    build_links(scan.refs, resolve_url, links, warnings=warnings)
    meta, variants = guarded("meta", collect_meta, ({}, {}), scan.metas)
    body_node = tree.body
    body_text = body_node.text(deep=True, separator="\n", skip_empty=True) if body_node is not None else ""
    if not body_text.strip() and tree.root is not None:
        body_text = tree.root.text(deep=True, separator="\n", skip_empty=True)

    script_facts = guarded("scripts", read_scripts, ScriptFacts(scripts=list(scan.inline_scripts)),
                           scan.inline_scripts, resolve_url,
                           [src for _tag, src, _text, hint in scan.refs if hint == "script"], page_url)
    endpoints = script_facts.endpoints
    for ep in endpoints:  # the crawler fetches what the scripts load
        links.add(ep, "", "page", "script", "endpoint")
    lists, pagination, from_island = guarded("lists", _lists_and_pagination, ([], Pagination(kind="none"), False),
                                             scan, meta, links, page_url, resolve_url, warnings)

    title = guarded("title", choose_title, scan.title_tag, meta, scan.headings, scan.title_tag,
                    meta.get("SiteName"), body_text)
    publish_date, page_type = guarded("date", _date_and_type, (None, "other"), lists, meta, body_text, title,
                                      page_url, site_root, bool(pagination.page_urls))
    if lists and any(it.date is None and it.date_text for b in lists for it in b.items):
        guarded("list years", _years_from_page, None, lists, meta, scan, publish_date, body_text, title, text)
    crumb: list[tuple[str, str | None]] = []
    nav: list[tuple[str, str]] = []
    if detail_structure or page_type not in DETAIL_TYPES:
        crumb, nav = guarded("structure", _structure, ([], []), scan, page_url, resolve_url)
    render = not from_island and guarded("render need", needs_render, False, scan.list_boxes, script_facts)
    footer = guarded("footer", _footer, Footer(), body_text, scan)
    footer_by_script = guarded("footer scripts", _footer_by_script, False, footer, scan, script_facts)
    hidden_links, embeds = guarded("security signs", security_signs, ([], []), scan, text, page_url,
                                   resolve_url, tree)
    short_text = " ".join(body_text.split()) if len(body_text) < 2000 else body_text
    soft = guarded("soft 404", _soft_404, False, scan, short_text, meta, page_type)
    text_excerpt = guarded("excerpt", excerpt, "", body_text, title if page_type == "article" else "")
    if read_tree is not None:
        guarded("tree reader", read_tree, None, tree)
    return PageFacts(
        url=page_url, page_type=page_type, title=title, publish_date=publish_date, meta=meta,
        meta_variants=variants, links=links.links, lists=lists, pagination=pagination, footer=footer,
        text_excerpt=text_excerpt, soft_404=soft, warnings=warnings, encoding=encoding, nav=nav, breadcrumb=crumb,
        endpoints=endpoints, needs_render=render, footer_by_script=footer_by_script, hidden_links=hidden_links, embeds=embeds,
    )


_T = TypeVar("_T")


def _guarded(warnings: list[str], page_url: str, part: str, read: Callable[..., _T], default: Any,
             *args: Any) -> _T:
    """``read(*args)``, or ``default`` (what ``read`` returns when it finds nothing) and a warning
    naming ``part`` when it raises: one reader's failure costs only what that reader finds."""
    try:
        return read(*args)
    except Exception as exc:  # noqa: BLE001 - one reader must not cost the page
        log.warning("extract: %s failed for %s", part, page_url, exc_info=True)
        warnings.append(f"{INTERNAL_ERROR} in {part}: {type(exc).__name__}: {str(exc)[:200]}")
        return default


def _footer(body_text: str, scan: Scan) -> Footer:
    return extract_footer(body_text, conac=scan.conac, jiucuo_codes=scan.jiucuo_codes,
                          jiucuo_govcn=scan.govcn_jiucuo, image_texts=scan.image_texts)


def _soft_404(scan: Scan, short_text: str, meta: dict[str, str], page_type: PageType) -> bool:
    return is_soft_404(scan.title_tag, scan.headings, short_text,
                       is_article=bool(meta.get("ArticleTitle")) or page_type == "article")


def _cap_references(scan: Scan, max_links: int, warnings: list[str]) -> None:
    """Keep the first ``max_links`` references and anchors of a page (a page of a million links
    must not hold a million of anything), with a warning when some were left out."""
    total = max(len(scan.refs), len(scan.anchors))
    if total <= max_links:
        return
    del scan.refs[max_links:]
    del scan.anchors[max_links:]
    warnings.append(f"{CAP_WARNING} read the first {max_links} of {total} links (crawl.max_links_per_page)")


def _lists_and_pagination(scan: Scan, meta: dict[str, str], links: LinkSet, page_url: str, resolve_url: Resolver,
                          warnings: list[str]) -> tuple[list[ListBlock], Pagination, bool]:
    """``(list blocks, pagination, whether a JCMS XML data island gave a block)``; pager
    controls are taken out of ``links`` (they are pagination; a menu link stays)."""
    column_page = bool(meta.get("ColumnName")) and not meta.get("ArticleTitle")
    lists = static_blocks(scan.anchors, resolve_url, column_name=meta.get("ColumnName", "") if column_page else "")
    pagination = Pagination(kind="none")
    island_block = _islands(scan, meta, links, resolve_url, warnings)
    if island_block is not None:
        block, pag = island_block
        lists.insert(0, block)
        if pag is not None:
            pagination = pag
    if pagination.kind == "none":
        pagination = (from_create_page_html(scan.inline_scripts, page_url, resolve_url)
                      or from_pager_links(scan.anchors, page_url, resolve_url) or pagination)
    if pagination.page_urls:
        drop = set(pagination.page_urls)
        links.links = [ln for ln in links.links
                       if not (ln.tag == "a" and ln.url in drop and is_pager_text(ln.text))]
    return lists, pagination, island_block is not None


def _date_and_type(lists: list[ListBlock], meta: dict[str, str], body_text: str, title: str, page_url: str,
                   site_root: str | None, paginated: bool = False) -> tuple[date | None, PageType]:
    """The page's publish date and type; a list page's main list is put first."""
    publish_date: date | None = None
    if lists and not meta.get("ArticleTitle") and not meta.get("PubDate") \
            and sum(len(b.items) for b in lists) >= 15:
        publish_date = None  # list and home pages: dates belong to items, not to the page
    else:
        publish_date, _shown = visible_publish_date(body_text, title)
    page_type = classify_page(url=page_url, site_root=site_root, meta=meta, lists=lists,
                              body_text=body_text, title=title, publish_date=publish_date, paginated=paginated)
    if page_type != "article":
        if page_type in ("home", "list"):
            publish_date = None
        if page_type == "list" and lists:
            _promote_main_list(lists, meta)
    return publish_date, page_type


def _structure(scan: Scan, page_url: str,
               resolve_url: Resolver) -> tuple[list[tuple[str, str | None]], list[tuple[str, str]]]:
    """The page's breadcrumb trail and site navigation."""
    by_id = anchor_map(scan.anchors) if scan.nav_boxes or scan.crumb_boxes or scan.home_anchors else {}
    crumb, crumb_anchors = breadcrumb(scan.crumb_boxes, scan.home_anchors, by_id, resolve_url)
    return crumb, site_nav(scan.nav_boxes, by_id, resolve_url, page_url, crumb_anchors)


def _footer_by_script(footer: Footer, scan: Scan, script_facts: ScriptFacts) -> bool:
    """No identity item of the footer (标识码, ICP, 公安备案, 主办单位) is in the markup, and the
    page loads or runs scripts that write into the DOM: the footer may be written by them."""
    if footer.site_code or footer.icp or footer.police_record or footer.sponsor:
        return False
    return bool(script_facts.writers()) or any(hint == "script" and "conac.cn" not in src
                                               for _tag, src, _text, hint in scan.refs)


_GENERATED = re.compile(r"生成(?:时间|日期)\s*[:：]?\s*")
_COPYRIGHT = re.compile(r"(?:copyright|版权所有|©|\(c\))[^\n]{0,40}?((?:19|20)\d\d)(?:\s*[-–—~至]\s*((?:19|20)\d\d))?",
                        re.I)


def page_reference(meta: dict[str, str], metas: list[tuple[str, str]], publish_date: date | None,
                   body_text: str, title: str, html: str) -> tuple[tuple[int, int, int], str] | None:
    """The page's own date for month-day list items: PubDate meta, the visible date, a
    生成时间 (meta or text), else the copyright year (as 12-31). ``(ymd, what)``."""
    pub = meta.get("PubDate")
    if pub:
        found = find_dates(pub, partial=False)
        if found and found[0].date is not None:
            d = found[0].date
            return (d.year, d.month, d.day), "PubDate"
    visible = publish_date or visible_publish_date(body_text, title)[0]
    if visible is not None:
        return (visible.year, visible.month, visible.day), "visible date"
    sources = [content for _name, content in metas if "生成" in content] + [html]
    for src in sources:
        i = src.find("生成")
        while i >= 0:
            m = _GENERATED.match(src, i)
            if m is not None:
                found = find_dates(src[m.end(): m.end() + 40], partial=False)
                if found and found[0].start <= 2 and found[0].date is not None:
                    d = found[0].date
                    return (d.year, d.month, d.day), "生成时间"
            i = src.find("生成", i + 2)
    years = [int(y) for m in _COPYRIGHT.finditer(body_text[-3000:]) for y in m.groups() if y]
    if years:
        return (max(years), 12, 31), "copyright"
    return None


def _years_from_page(lists: list[ListBlock], meta: dict[str, str], scan: Scan, publish_date: date | None,
                     body_text: str, title: str, html: str) -> None:
    ref = page_reference(meta, scan.metas, publish_date, body_text, title, html)
    if ref is not None:
        for block in lists:
            fill_page_year(block.items, ref[0])


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\ufffd]")


def _looks_binary(text: str) -> bool:
    sample = text[:2048]
    if _CONTROL.search(sample) is None:
        return False
    return len(_CONTROL.findall(sample)) > len(sample) // 10


def _islands(scan: Scan, meta: dict[str, str], links: LinkSet, resolve_url: Resolver,
             warnings: list[str]) -> tuple[ListBlock, Pagination | None] | None:
    """The JCMS XML data island(s) of a column page, as one block plus its pagination."""
    records: list[str] = []
    nextgroup: str | None = None
    total: int | None = None
    for text in scan.xml_islands:
        if "<record" not in text.lower():
            continue
        island = parse_island(text)
        records.extend(island.records)
        nextgroup = nextgroup or island.nextgroup_href
        total = total if total is not None else island.total_records
    if not records:
        return None
    block = records_block(records, heading=meta.get("ColumnName", ""), source="xml-records",
                          links=links, via="xml-record", resolve_url=resolve_url)
    if total is None:
        total = script_int(scan.inline_scripts, "totalRecord")
    per_page = script_int(scan.inline_scripts, "perPage")
    pag = None
    if nextgroup:
        pag = from_dataproxy(nextgroup, total, per_page, len(records), resolve_url)
        if total is None or not pag.total_pages:
            warnings.append("extract: XML data island without totalRecord/perPage; later groups unknown")
    return block, pag


def _promote_main_list(lists: list[ListBlock], meta: dict[str, str]) -> None:
    """Put a list page's main list (most dated items) first and name it after the column."""
    main = max(lists, key=lambda b: (sum(1 for i in b.items if i.date is not None), len(b.items)))
    lists.remove(main)
    lists.insert(0, main)
    if not main.heading and meta.get("ColumnName"):
        main.heading = meta["ColumnName"]


def _datastore_page(text: str, page_url: str, warnings: list[str]) -> PageFacts:
    """A dataproxy.jsp XML response: its records as one ``dataproxy`` block."""
    island = parse_island(text)
    links = LinkSet()
    block = records_block(island.records, heading="", source="dataproxy", links=links,
                          via="dataproxy", resolve_url=Resolver(page_url))
    if not island.records:
        warnings.append("extract: XML datastore without records")
    return PageFacts(url=page_url, page_type="list", title="", publish_date=None, meta={}, meta_variants={},
                     links=links.links, lists=[block] if island.records else [],
                     pagination=Pagination(kind="none", total_records=island.total_records),
                     footer=Footer(), warnings=warnings)
