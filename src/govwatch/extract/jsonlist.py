"""List items from a JSON (or JSONP) response: the endpoints that script-filled lists load.

The largest array of objects that have a title-like and a URL-like key is the list (else the
largest array of objects with a title-like and a date-like key: items that carry only an id)::

    {"total": 57, "items": [{"title": "...", "url": "/art/2026/11/8/art_1.html", "date": "2026-11-08"}]}
    {"code": 0, "data": {"rows": [{"DOCTITLE": "...", "DOCPUBURL": "...", "DOCRELTIME": 1731024000000}]}}

Keys are matched case-insensitively, ignoring ``_`` and ``-``: title / name / bt / doctitle /
subject …; url / link / href / docurl / docpuburl …; date / pubDate / time / docreltime /
publishTime / createTime … (a publishing date wins over a creation or update time). Dates
are parsed like list dates (every form of :mod:`.dates`); numbers and digit strings are
epoch milliseconds or seconds (Asia/Shanghai), ``20261108`` is YYYYMMDD. Item URLs resolve
against the endpoint's URL. ``total`` / ``totalCount`` / ``count`` … next to the array (or
above it) give ``pagination.total_records``.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from govwatch.core.model import Footer, ListBlock, PageFacts, Pagination
from govwatch.extract.dates import DateMatch, epoch_date, find_dates, valid_parts
from govwatch.extract.links import CAP_WARNING, INTERNAL_ERROR, LinkSet, kind_by_extension
from govwatch.extract.resolve import Resolver
from govwatch.extract.rows import RowInfo, items_from_rows
from govwatch.extract.walk import collapse

__all__ = ["looks_like_json", "json_page", "DEFAULT_MAX_JSON_ITEMS"]

_TITLE_KEYS = ("title", "doctitle", "articletitle", "infotitle", "newstitle", "maintitle", "subject",
               "headline", "topic", "name", "titlename", "bt")
_URL_KEYS = ("url", "docpuburl", "docurl", "puburl", "link", "linkurl", "href", "detailurl", "articleurl",
             "pageurl", "weburl", "infourl")
_DATE_KEYS = ("pubdate", "publishdate", "publishtime", "pubtime", "docreltime", "docpubtime", "releasedate",
              "releasetime", "fbrq", "fbsj", "date", "time", "infodate", "writetime", "createdate", "createtime",
              "crtime", "created", "scrq", "updatetime", "modifytime")
_TOTAL_KEYS = ("total", "totalcount", "totalrecord", "totalrecords", "recordstotal", "totalnum", "totalelements",
               "totalsize", "count", "recordcount")
_PAGES_KEYS = ("totalpage", "totalpages", "pagecount", "pages", "pagetotal")
_JSONP = re.compile(r"^\s*[A-Za-z_$][\w$.]*\s*\(\s*(?=[\[{])")
_TAG = re.compile(r"<[^>]+>")
_EPOCH_IN_TEXT = re.compile(r"(?<!\d)\d{10}(?:\d{3})?(?!\d)")
_MAX_DEPTH = 8
DEFAULT_MAX_JSON_ITEMS = 10_000  # items read per JSON list (the crawl's ``max_json_items``)


def _norm(key: str) -> str:
    return key.lower().replace("_", "").replace("-", "")


def looks_like_json(text: str, content_type: str = "") -> bool:
    """Whether a response is JSON (by its type, or a body starting with ``{`` / ``[``) or JSONP."""
    head = text[:64].lstrip().lstrip("\ufeff")
    if head[:1] in ("{", "["):
        return True
    if head[:1] == "<":
        return False  # markup, whatever the header says (an error page served as JSON)
    ct = content_type.lower()
    if "json" in ct:
        return True
    return "javascript" in ct and _JSONP.match(text[:256]) is not None


def _loads(text: str) -> Any:
    body = text.strip().lstrip("\ufeff")
    m = _JSONP.match(body)
    if m is not None and body[:1] not in "{[":
        body = body[m.end():].rstrip().rstrip(";").rstrip()
        if not body.endswith(")"):
            raise ValueError("unterminated JSONP call")
        body = body[:-1]
    return json.loads(body)


def _pick(obj: dict[str, Any], keys: tuple[str, ...], normed: dict[str, str]) -> Any:
    for k in keys:
        orig = normed.get(k)
        if orig is not None:
            v = obj[orig]
            if v not in (None, ""):
                return v
    return None


def _best_array(root: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
    """The array with most item-like objects (title and URL; else title and date), and the
    objects on the way to it."""
    best: tuple[tuple[int, int], list, list] | None = None
    stack: list[tuple[Any, list[dict[str, Any]], int]] = [(root, [], 0)]
    while stack:
        node, parents, depth = stack.pop()
        if depth > _MAX_DEPTH:
            continue
        if isinstance(node, dict):
            for v in node.values():
                if isinstance(v, (dict, list)):
                    stack.append((v, parents + [node], depth + 1))
        elif isinstance(node, list):
            linked = dated = 0
            for el in node:
                if isinstance(el, dict):
                    keys = {_norm(k) for k in el}
                    if any(k in keys for k in _TITLE_KEYS):
                        linked += any(k in keys for k in _URL_KEYS)
                        dated += any(k in keys for k in _DATE_KEYS)
                    for v in el.values():
                        if isinstance(v, (dict, list)):
                            stack.append((v, parents, depth + 1))
                elif isinstance(el, list):
                    stack.append((el, parents, depth + 1))
            score = (linked, dated)
            if any(score) and (best is None or score > best[0]):
                best = (score, node, parents)
    return (best[1], best[2]) if best is not None else None


def _int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v if v >= 0 else None
    if isinstance(v, str) and v.strip().isdigit():
        return int(v.strip())
    return None


def _date(v: Any) -> tuple[DateMatch | None, str]:
    if isinstance(v, bool) or v is None:
        return None, ""
    if isinstance(v, (int, float)):
        d = epoch_date(v)
        text = str(v)
        return (DateMatch(d.year, d.month, d.day, text, 0, len(text)) if d else None), text
    text = collapse(str(v))
    if text.isdigit():
        if len(text) == 8:
            year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
            return (DateMatch(year, month, day, text, 0, 8) if valid_parts(year, month, day) else None), text
        e = epoch_date(int(text))
        return (DateMatch(e.year, e.month, e.day, text, 0, len(text)) if e else None), text
    found = find_dates(text)
    if not found:
        m = _EPOCH_IN_TEXT.search(text)  # "/Date(1731024000000)/"
        e = epoch_date(int(m.group(0))) if m else None
        return (DateMatch(e.year, e.month, e.day, text, 0, len(text)) if e else None), text
    return found[0], text


def _read_item(el: dict[str, Any], resolve_url: Resolver, links: LinkSet, infos: list[RowInfo]) -> None:
    """One item of the list: its row (title, URL, date) and its link."""
    normed = {_norm(k): k for k in el}
    title = _pick(el, _TITLE_KEYS, normed)
    if not isinstance(title, str) or not title.strip():
        return
    title = collapse(html.unescape(_TAG.sub("", title)))
    href = _pick(el, _URL_KEYS, normed)
    href = href.strip() if isinstance(href, str) else None
    url = resolve_url(href) if href else None
    match, date_text = _date(_pick(el, _DATE_KEYS, normed))
    infos.append(RowInfo(title=title, href=href, url=url, match=match, date_text=date_text))
    if url is not None:
        links.add(url, title, kind_by_extension(url), "json", "endpoint")


def _empty(url: str, warnings: list[str], encoding: str) -> PageFacts:
    return PageFacts(url=url, page_type="other", title="", publish_date=None, meta={}, meta_variants={},
                     links=[], lists=[], pagination=Pagination(kind="none"), footer=Footer(),
                     warnings=warnings, encoding=encoding)


def json_page(text: str, page_url: str, warnings: list[str], encoding: str = "",
              max_items: int = DEFAULT_MAX_JSON_ITEMS) -> PageFacts:
    """The list a JSON response holds, as one ``endpoint`` block. Never raises on bad JSON.

    Only the first ``max_items`` items are read (a :data:`~govwatch.extract.links.CAP_WARNING`
    warning says how many there were); an item whose reading fails costs only that item."""
    try:
        data = _loads(text)
    except (ValueError, RecursionError) as exc:
        warnings.append(f"extract: malformed JSON ({type(exc).__name__}: {str(exc)[:80]})")
        return _empty(page_url, warnings, encoding)
    found = _best_array(data)
    if found is None:
        warnings.append("extract: JSON without a list of items (no array of objects with a title and a URL or date)")
        return _empty(page_url, warnings, encoding)
    array, parents = found
    if len(array) > max_items:
        warnings.append(f"{CAP_WARNING} read the first {max_items} of {len(array)} JSON items (crawl.max_json_items)")
        array = array[:max_items]
    resolve_url = Resolver(page_url)
    links = LinkSet()
    infos: list[RowInfo] = []
    failed = 0
    for el in array:
        if not isinstance(el, dict):
            continue
        try:
            _read_item(el, resolve_url, links, infos)
        except Exception as exc:  # noqa: BLE001 - one item must not cost the list
            failed += 1
            if failed == 1:
                warnings.append(f"{INTERNAL_ERROR} on a JSON item: {type(exc).__name__}: {str(exc)[:200]}")
    total = pages = None
    for obj in reversed(parents):  # nearest to the array first
        normed = {_norm(k): k for k in obj}
        if total is None:
            total = _int(_pick(obj, _TOTAL_KEYS, normed))
        if pages is None:
            pages = _int(_pick(obj, _PAGES_KEYS, normed))
    block = ListBlock(heading="", items=items_from_rows(infos), more_url=None, source="endpoint")
    return PageFacts(url=page_url, page_type="list", title="", publish_date=None, meta={}, meta_variants={},
                     links=links.links, lists=[block], pagination=Pagination(kind="none", total_pages=pages,
                                                                            total_records=total),
                     footer=Footer(), warnings=warnings, encoding=encoding)
