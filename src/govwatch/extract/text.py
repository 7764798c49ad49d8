"""A page's visible text, for the content and personal-data checks.

Scripts, styles, ``noscript`` and ``template`` elements are dropped (selectolax). The text
comes in two joins: ``text`` joins nodes with nothing (phrases split by inline tags such as
``习近平<b>总书记</b>`` stay whole: the lexicon scans read it) and ``segments`` keeps each text
node apart, with table cells as their own context (digit runs of neighbouring nodes never merge:
the personal-data scan reads them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from govwatch.extract.decode import decode_html, safe_truncate
from govwatch.extract.page import DEFAULT_MAX_BYTES

_DROP = ("script", "style", "noscript", "template")


@dataclass(slots=True)
class PageText:
    title: str
    text: str  # visible body text, nodes joined without separator
    segments: list[tuple[str, str]] = field(default_factory=list)  # (text | table cell, text)
    link_texts: list[str] = field(default_factory=list)


def page_text(html: str) -> PageText:
    """The visible text of an HTML document."""
    tree = HTMLParser(html)
    title_node = tree.css_first("title")
    title = title_node.text(strip=True) if title_node is not None else ""
    for tag in _DROP:
        for node in tree.css(tag):
            node.decompose()
    root = tree.body or tree.root
    if root is None:
        return PageText(title, "")
    text = root.text(separator="")
    links = [t for a in root.css("a") if (t := a.text(strip=True))]
    segments: list[tuple[str, str]] = []
    for cell in root.css("td, th"):
        if (t := cell.text(separator="\n", strip=True)):
            segments.append(("table cell", t))
    for table in root.css("table"):
        table.decompose()
    rest = root.text(separator="\n")
    if rest.strip():
        segments.append(("text", rest))
    return PageText(title, text, segments, links)


def page_text_from_body(body: bytes, content_type: str = "", max_bytes: int = DEFAULT_MAX_BYTES) -> PageText:
    """Decode (BOM, header, meta, sniffing; GB as GB18030) and extract the visible text of the
    first ``max_bytes`` of ``body`` (as extraction reads them: a page of a million links must not
    be parsed whole, its tree would take a gigabyte)."""
    if len(body) > max_bytes:
        body = safe_truncate(body, max_bytes)
    html, _encoding, _warnings = decode_html(body, content_type)
    return page_text(html)
