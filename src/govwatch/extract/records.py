"""XML list records: Hanweb JCMS data islands and ``dataproxy.jsp`` responses.

A JCMS column page carries its first records inside ``<script type="text/xml">``::

    <datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?..."></a>]]></nextgroup>
    <recordset><record><![CDATA[<li><a href="..." title="...">...</a><span>2024-03-05</span></li>]]></record>
    ...</recordset></datastore>

and ``dataproxy.jsp`` answers with the same ``<datastore>`` shape. All records of a page are
parsed in one go: each is wrapped in a ``<gw-rec>`` element of one small HTML document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

from govwatch.core.model import ListBlock
from govwatch.extract.links import LinkSet, build_links
from govwatch.extract.resolve import Resolver
from govwatch.extract.rows import RowInfo, analyse_row, items_from_rows
from govwatch.extract.walk import collapse, scan_document

__all__ = ["DataIsland", "parse_island", "records_block", "looks_like_datastore"]

_RECORD = re.compile(r"<record\b[^>]*>\s*(?:<!\[CDATA\[(.*?)\]\]>|(.*?))\s*</record>", re.S | re.I)
_NEXTGROUP = re.compile(r"<nextgroup\b[^>]*>\s*(?:<!\[CDATA\[(.*?)\]\]>|(.*?))\s*</nextgroup>", re.S | re.I)
_HREF = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)


@dataclass(slots=True)
class DataIsland:
    """The parts of one ``<datastore>`` document."""

    records: list[str]
    nextgroup_href: str | None
    total_records: int | None


def looks_like_datastore(text: str, content_type: str = "") -> bool:
    """Whether a response is a dataproxy XML document rather than an HTML page."""
    head = text[:512].lstrip().lower()
    if head.startswith("<datastore"):
        return True
    if head.startswith("<?xml"):
        start = text[:4096].lower()
        return "<datastore" in start and "<html" not in start  # not an XHTML page with an island

    return "xml" in content_type.lower() and "<record" in text[:65536].lower()


def parse_island(text: str) -> DataIsland:
    """Records, nextgroup href and total of a ``<datastore>`` text."""
    records = [(m.group(1) if m.group(1) is not None else m.group(2)) for m in _RECORD.finditer(text)]
    href = None
    m = _NEXTGROUP.search(text)
    if m:
        inner = m.group(1) if m.group(1) is not None else m.group(2)
        h = _HREF.search(inner or "")
        if h:
            href = next(g for g in h.groups() if g is not None).strip() or None
    t = _TOTAL.search(text)
    return DataIsland(records=records, nextgroup_href=href, total_records=int(t.group(1)) if t else None)


def records_block(records: list[str], *, heading: str, source: str, links: LinkSet, via: str,
                  resolve_url: Resolver) -> ListBlock:
    """One list block from record fragments; their links go to ``links`` with ``via``."""
    html = "".join(f"<gw-rec>{r}</gw-rec>" for r in records)
    tree = LexborHTMLParser(f"<html><body>{html}</body></html>")
    scan = scan_document(tree, boxes=False)
    build_links(scan.refs, resolve_url, links, via=via)
    by_row: dict[int, list] = {}
    for a in scan.anchors:
        p = a[0].parent
        while p is not None and p.tag != "gw-rec":
            p = p.parent
        if p is not None:
            by_row.setdefault(p.mem_id, []).append(a)
    infos: list[RowInfo] = []
    for row in tree.css("gw-rec"):
        anchors = by_row.get(row.mem_id)
        if anchors:
            info = analyse_row(row, anchors, resolve_url)
            if info is not None:
                infos.append(info)
        else:
            text = collapse(row.text(deep=True))
            if text:
                infos.append(RowInfo(title=text, href=None, url=None, match=None, date_text=""))
    return ListBlock(heading=heading, items=items_from_rows(infos), more_url=None, source=source)
