"""A finding's located snapshot: the stored HTML of its page made inert, with the offending link,
phrase or element marked.

Crawled pages are attacker-controlled. :func:`snapshot_html` removes everything that could run or
navigate by itself — script, iframe/frame/object/embed/applet, base, link, every meta but the one
charset we write, SVG animation, comments, ``on*`` event handler attributes, ``srcdoc``,
``javascript:``/``vbscript:``/``data:`` URLs (``data:image/…`` in an image's ``src`` excepted),
forms (their content stays, unable to submit) — and resolves relative URLs against the page's own
address (a relative link must not lead into the dashboard). It then wraps what the finding is about
in ``<mark class="gw-hit">``: links whose address is the finding's target (or whose text is its
link text), and text holding its phrase (a typo's, a wording error's or a banned term's ``found`` /
``term``, a vague guide's phrases, a leaked value), and drops every address the browser would load
by itself (an image's ``src`` but ``data:image/…``, ``srcset``, ``background``, ``poster``: the
sandbox CSP would block it, a console error for nothing). The page is served with :data:`SNAPSHOT_HEADERS`
inside an ``<iframe sandbox>``: even what the cleaning missed could not run, and never in the
dashboard's origin.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard
from urllib.parse import unquote, urldefrag

import lxml.html
from lxml import etree

from govwatch.extract.decode import decode_html

__all__ = ["SNAPSHOT_CSP", "SNAPSHOT_HEADERS", "Hits", "hits_of", "snapshot_html", "decode_body", "HIT_CLASS"]

SNAPSHOT_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
SNAPSHOT_HEADERS = {"Content-Security-Policy": SNAPSHOT_CSP, "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer"}
HIT_CLASS = "gw-hit"

DROPPED_TAGS = frozenset({"script", "iframe", "frame", "frameset", "object", "applet", "base", "link", "meta",
                          "noembed"})
# The element goes, its content stays: forms (unable to submit), and what the HTML parser does not
# know as empty (``<embed>``, and SVG animation written ``<animate/>``, would swallow the rest of the page).
UNWRAPPED_TAGS = frozenset({"form", "embed", "param", "portal", "animate", "animatemotion", "animatetransform", "set", "handler",
                            "listener", "foreignobject"})
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "background", "poster", "data", "lowsrc", "dynsrc",
                            "cite", "longdesc", "usemap", "codebase", "manifest", "srcset", "xlink:href", "ping",
                            "archive", "classid", "profile"})
DROPPED_ATTRIBUTES = frozenset({"srcdoc", "formaction", "action", "ping", "http-equiv", "autofocus"})
# What the browser would fetch by itself: the sandbox CSP (img-src data:) blocks it anyway, so it is
# dropped after marking (an image is marked by its address) — no blocked request, no console error.
FETCHED_ATTRIBUTES = frozenset({"src", "srcset", "background", "poster", "lowsrc", "dynsrc"})
_UNSAFE_SCHEMES = ("javascript:", "vbscript:", "livescript:", "data:", "mocha:", "jar:")
_SAFE_IMAGE_DATA = re.compile(r"data:image/(png|gif|jpe?g|webp|bmp);", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]+")
_XLINK = "{http://www.w3.org/1999/xlink}"
NO_MARK_INSIDE = frozenset({"style", "title", "textarea", "head", "option", "select"})

HIT_STYLE = (f"mark.{HIT_CLASS}{{background:#ffe066;color:#000;outline:3px solid #c62828;outline-offset:1px;"
             "scroll-margin:40vh}")

PHRASE_KEYS = ("found", "term", "phrase", "value", "text")
MIN_PHRASE = 2


@dataclass(slots=True)
class Hits:
    """What to mark: link addresses (absolute, no fragment), link texts and phrases."""

    urls: set[str] = field(default_factory=set)
    link_texts: set[str] = field(default_factory=set)
    phrases: list[str] = field(default_factory=list)


def _is_url(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and value.startswith(("http://", "https://"))


def _clean_url(url: str) -> str:
    return urldefrag(url.strip())[0]


def hits_of(finding: Mapping[str, Any]) -> Hits:
    """What to mark of a finding (a ``findings`` row or a document's finding object): its target
    (a URL is a link to find, other text a phrase), the evidence's ``href``/``link_text``/``text``
    of a link, and its ``found``/``term``/``phrase``/``value`` and ``phrases``."""
    hits = Hits()
    ev = finding.get("evidence") or {}
    if not isinstance(ev, Mapping):
        ev = {}
    target = finding.get("target")
    if _is_url(target):
        hits.urls.add(_clean_url(target))
    elif isinstance(target, str) and len(target.strip()) >= MIN_PHRASE:
        hits.phrases.append(target.strip())
    if _is_url(ev.get("href")):
        hits.urls.add(_clean_url(ev["href"]))
    for key in ("link_text",):
        if isinstance(ev.get(key), str) and ev[key].strip():
            hits.link_texts.add(" ".join(ev[key].split()))
    if hits.urls and isinstance(ev.get("text"), str) and ev["text"].strip():
        hits.link_texts.add(" ".join(ev["text"].split()))
    for key in PHRASE_KEYS:
        value = ev.get(key)
        if isinstance(value, str) and len(value.strip()) >= MIN_PHRASE and not _is_url(value):
            hits.phrases.append(value.strip())
    for item in ev.get("phrases") or ():
        value = item.get("phrase") if isinstance(item, Mapping) else item
        if isinstance(value, str) and len(value.strip()) >= MIN_PHRASE:
            hits.phrases.append(value.strip())
    hits.phrases = sorted(dict.fromkeys(hits.phrases), key=len, reverse=True)  # longest first
    return hits


def decode_body(body: bytes, content_type: str) -> str:
    """The stored body as text, by its charset (header, BOM, meta), as extraction decoded it."""
    return decode_html(body, content_type)[0]


# -- cleaning ---------------------------------------------------------------------------------

def _local_name(tag: Any) -> str | None:
    if not isinstance(tag, str):
        return None  # comments, processing instructions, entities
    return tag.rsplit("}", 1)[-1].lower()


def _attribute_name(name: str) -> str:
    return "xlink:" + name[len(_XLINK):] if name.startswith(_XLINK) else name.rsplit("}", 1)[-1].lower()


def _unsafe_url(name: str, value: str, tag: str) -> bool:
    compact = _INVISIBLE.sub("", unquote(value)).lower()  # the parser writes a tab as %09
    if name == "srcset":
        return any(s in compact for s in _UNSAFE_SCHEMES)
    if not compact.startswith(_UNSAFE_SCHEMES):
        return False
    return not (tag == "img" and name == "src" and _SAFE_IMAGE_DATA.match(compact))


def _clean_attributes(el: Any, tag: str) -> None:
    for raw in list(el.attrib):
        name = _attribute_name(raw)
        value = el.attrib[raw]
        if name.startswith("on") or name in DROPPED_ATTRIBUTES:
            del el.attrib[raw]
        elif name in URL_ATTRIBUTES and _unsafe_url(name, value, tag):
            del el.attrib[raw]
        elif name == "style" and any(s in _INVISIBLE.sub("", value).lower()
                                     for s in ("expression(", "javascript:", "behavior:", "-moz-binding")):
            del el.attrib[raw]


def _drop(el: Any) -> None:
    """Remove ``el`` and its content, keeping the text after it."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    previous = el.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _clean(root: Any) -> None:
    dropped, unwrapped = [], []
    for el in root.iter():
        tag = _local_name(el.tag)
        if tag is None or tag in DROPPED_TAGS:
            dropped.append(el)
        elif tag in UNWRAPPED_TAGS:
            unwrapped.append(el)
    for el in dropped:
        _drop(el)
    for el in unwrapped:
        if el.getparent() is not None:
            el.drop_tag()
    for el in root.iter():
        tag = _local_name(el.tag)
        if tag is not None:
            _clean_attributes(el, tag)


def _drop_fetches(root: Any) -> None:
    """Remove every address the browser would load by itself (images stay as data: URLs only)."""
    for el in root.iter():
        tag = _local_name(el.tag)
        if tag is None:
            continue
        for raw in list(el.attrib):
            name = _attribute_name(raw)
            if name in FETCHED_ATTRIBUTES and not (name == "src" and _SAFE_IMAGE_DATA.match(el.attrib[raw].strip())):
                del el.attrib[raw]


# -- marking ----------------------------------------------------------------------------------

def _mark(doc: Any) -> Any:
    mark = doc.makeelement("mark", {"class": HIT_CLASS})
    return mark


def _wrap(el: Any) -> None:
    """Put ``el`` inside a new ``<mark>`` where it stands."""
    parent = el.getparent()
    if parent is None or _local_name(parent.tag) == "mark":
        return
    mark = _mark(el)
    mark.tail, el.tail = el.tail, None
    parent.replace(el, mark)
    mark.append(el)


def _mark_links(body: Any, hits: Hits) -> int:
    count = 0
    for el in list(body.iter("a", "img", "area")):
        href = el.get("href") if el.tag != "img" else el.get("src")
        text = " ".join(el.text_content().split()) if el.tag == "a" else ""
        if (href and _clean_url(href) in hits.urls) or (text and text in hits.link_texts):
            _wrap(el)
            count += 1
    return count


def _split(text: str, phrases: Iterable[str]) -> list[tuple[str, bool]] | None:
    """``text`` cut into (piece, is_hit) around every occurrence of the phrases; None without any."""
    pattern = re.compile("|".join(re.escape(p) for p in phrases))
    pieces: list[tuple[str, bool]] = []
    at = 0
    for found in pattern.finditer(text):
        if found.start() > at:
            pieces.append((text[at:found.start()], False))
        pieces.append((found.group(0), True))
        at = found.end()
    if not pieces:
        return None
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


def _marked_nodes(doc: Any, pieces: list[tuple[str, bool]]) -> tuple[str, list[Any]]:
    """The leading plain text and the marks (each with its following plain text as tail)."""
    lead, nodes = "", []
    for piece, hit in pieces:
        if hit:
            mark = _mark(doc)
            mark.text = piece
            nodes.append(mark)
        elif nodes:
            nodes[-1].tail = (nodes[-1].tail or "") + piece
        else:
            lead += piece
    return lead, nodes


def _mark_phrases(body: Any, phrases: list[str]) -> int:
    count = 0
    for el in list(body.iter()):
        tag = _local_name(el.tag)
        if tag is None or tag in NO_MARK_INSIDE or (tag == "mark" and el.get("class") == HIT_CLASS):
            continue
        if el.text and (pieces := _split(el.text, phrases)):
            lead, nodes = _marked_nodes(el, pieces)
            el.text = lead
            for i, node in enumerate(nodes):
                el.insert(i, node)
            count += len(nodes)
        parent = el.getparent()
        if el is not body and parent is not None and el.tail and (pieces := _split(el.tail, phrases)):
            lead, nodes = _marked_nodes(el, pieces)
            el.tail = lead
            at = parent.index(el)
            for i, node in enumerate(nodes, 1):
                parent.insert(at + i, node)
            count += len(nodes)
    return count


# -- the snapshot ----------------------------------------------------------------------------

def _empty_document() -> Any:
    return lxml.html.document_fromstring("<html><head></head><body><p>（页面没有可显示的内容）</p></body></html>")


def snapshot_html(text: str, page_url: str, finding: Mapping[str, Any]) -> tuple[str, int]:
    """The page ``text`` (fetched from ``page_url``) cleaned and with the finding marked: the HTML
    and how many marks it holds."""
    try:
        doc = lxml.html.document_fromstring(text) if text.strip() else _empty_document()
    except (etree.ParserError, ValueError):
        doc = _empty_document()
    _clean(doc)
    doc.make_links_absolute(page_url, resolve_base_href=False, handle_failures="discard")
    head = doc.find("head")
    if head is None:
        head = doc.makeelement("head", {})
        doc.insert(0, head)
    body = doc.find("body")
    if body is None:
        body = doc.makeelement("body", {})
        doc.append(body)
    hits = hits_of(finding)
    marks = _mark_links(body, hits)
    if hits.phrases:
        marks += _mark_phrases(body, hits.phrases)
    _drop_fetches(doc)
    charset = head.makeelement("meta", {"charset": "utf-8"})
    style = head.makeelement("style", {})
    style.text = HIT_STYLE
    head.insert(0, charset)
    head.append(style)
    html = lxml.html.tostring(doc, encoding="unicode", doctype="<!DOCTYPE html>")
    return html, marks
