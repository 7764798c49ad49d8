"""A page's visible text, for the content and personal-data checks.

Scripts, styles, ``noscript`` and ``template`` elements are dropped (selectolax). The text
comes in two joins: ``text`` joins nodes with nothing (phrases split by inline tags such as
``习近平<b>总书记</b>`` stay whole: the lexicon scans read it) and ``segments`` keeps each text
node apart, with table cells as their own context (digit runs of neighbouring nodes never merge:
the personal-data scan reads them).

The crawl's extraction worker reads the text from extraction's own tree where that tree is the one
:func:`page_text_from_body` would build (:func:`keep_text`): one parse of the page, not two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from govwatch.extract.decode import decode_html, safe_truncate
from govwatch.extract.page import DEFAULT_MAX_BYTES

_DROP = "script, style, noscript, template"  # one query (lexbor answers a selector list in document order)


@dataclass(slots=True)
class PageText:
    title: str
    text: str  # visible body text, nodes joined without separator
    segments: list[tuple[str, str]] = field(default_factory=list)  # (text | table cell, text)
    link_texts: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Kept:
    body: bytes
    content_type: str
    max_bytes: int
    text: PageText


_kept: _Kept | None = None  # the text keep_text read from extraction's tree, until the scan takes it


def page_text(html: str) -> PageText:
    """The visible text of an HTML document."""
    return page_text_of(HTMLParser(html))


def page_text_of(tree: HTMLParser) -> PageText:
    """The visible text of a parsed document (its script, style, noscript, template and table
    nodes are taken out of the tree)."""
    title_node = tree.css_first("title")
    title = title_node.text(strip=True) if title_node is not None else ""
    for node in reversed(tree.css(_DROP)):  # in reverse document order: nothing is freed before what it holds
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
    for table in reversed(root.css("table")):  # inner tables first: none is freed twice
        table.decompose()
    rest = root.text(separator="\n")
    if rest.strip():
        segments.append(("text", rest))
    return PageText(title, text, segments, links)


def keep_text(body: bytes, content_type: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Callable[[HTMLParser], None]:
    """A ``read_tree`` for :func:`~govwatch.extract.page.extract_page` of ``body``: it keeps the
    visible text of extraction's tree, which the next :func:`page_text_from_body` of this very
    ``body`` object (same type and cut) returns instead of parsing the page again.

    extract_page calls it only when its tree is the one ``page_text_from_body`` builds: the same
    cut (``max_bytes``), the same decoded text (no NUL replaced) and the same bytes parsed (the
    text's UTF-8 form); its walk takes only script and style nodes out, which ``page_text_of``
    takes out too (tests/unit/test_text_of_tree.py compares the two texts page by page). One text
    is kept, of one body object: a hit is that object, whose bytes cannot have changed."""
    global _kept
    _kept = None

    def read(tree: HTMLParser) -> None:
        global _kept
        try:
            _kept = _Kept(body, content_type, max_bytes, page_text_of(tree))
        except Exception:  # noqa: BLE001 - page_text_from_body parses again and says why
            _kept = None

    return read


def page_text_from_body(body: bytes, content_type: str = "", max_bytes: int = DEFAULT_MAX_BYTES) -> PageText:
    """Decode (BOM, header, meta, sniffing; GB as GB18030) and extract the visible text of the
    first ``max_bytes`` of ``body`` (as extraction reads them: a page of a million links must not
    be parsed whole, its tree would take a gigabyte), or return the text :func:`keep_text` kept
    of this ``body``."""
    global _kept
    kept = _kept
    if kept is not None and kept.body is body and kept.content_type == content_type and kept.max_bytes == max_bytes:
        _kept = None
        return kept.text
    if len(body) > max_bytes:
        body = safe_truncate(body, max_bytes)
    html, _encoding, _warnings = decode_html(body, content_type)
    return page_text(html)
