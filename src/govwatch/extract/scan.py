"""One pass over the parsed document: everything later steps need, gathered once.

A single grouped CSS selection (run inside lexbor, in document order) yields every element
of interest; a Python loop sorts them by tag. Script and style elements are then removed
from the tree so that later text reads only what a visitor sees (``noscript`` content is
kept: the parser treats it as markup, and anchors inside it are still references).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

__all__ = ["Scan", "scan_document", "collapse"]

_SELECTOR = (
    "base,meta,title,h1,h2,a,area,img,script,style,link,iframe,frame,"
    "embed,object,source,[onclick*='Link('],[data-setting]"
)
_WS = re.compile(r"\s+")
_SITE_CODE = re.compile(r"^(?:[A-Za-z]{2}\d{8}|\d{10})$")
_ONCLICK_CODE = re.compile(r"Link\(\s*['\"]([A-Za-z]{2}\d{8}|\d{10})['\"]")
_SETTING_CODE = re.compile(r"sitecode\s*:\s*['\"]?([A-Za-z0-9]+)", re.I)
_JIUCUO_HREF = re.compile(r"(?:jiucuo\.html|kaipuyun\.cn)[^\"'\s]*?[?&](?:site_?code|sitecode)=([A-Za-z0-9]+)", re.I)


def collapse(text: str) -> str:
    """Collapse runs of whitespace (including full-width spaces) to one space and strip."""
    return _WS.sub(" ", text).strip() if text else ""


@dataclass(slots=True)
class RawRef:
    """A reference before URL resolution (the base may come later in the document)."""

    tag: str
    href: str
    text: str
    hint: str  # page | image | script | style | frame | embed | link:<rel>


@dataclass(slots=True)
class Scan:
    """What one pass over the document found."""

    base_href: str | None = None
    title_tag: str = ""
    metas: list[tuple[str, str]] = field(default_factory=list)  # (name as written, content)
    refs: list[RawRef] = field(default_factory=list)
    anchors: list[tuple[LexborNode, str, str]] = field(default_factory=list)  # (node, href, text)
    headings: list[tuple[str, str, bool]] = field(default_factory=list)  # (tag, text, hidden)
    inline_scripts: list[str] = field(default_factory=list)
    xml_islands: list[tuple[str, LexborNode | None]] = field(default_factory=list)  # (text, parent)
    conac: bool = False
    jiucuo_codes: list[str] = field(default_factory=list)


def _img_text(attrs: dict[str, str | None]) -> str:
    return collapse(attrs.get("alt") or attrs.get("title") or "")


def scan_document(tree: LexborHTMLParser) -> Scan:
    """Collect metas, references, anchors, headings and scripts; strip non-visible nodes."""
    s = Scan()
    refs = s.refs
    doomed: list[LexborNode] = []
    last_id = -1
    for node in tree.css(_SELECTOR):
        mid = node.mem_id
        if mid == last_id:  # a node matching two selectors of the group comes twice
            continue
        last_id = mid
        tag = node.tag
        attrs = node.attributes
        if tag == "a" or tag == "area":
            href = attrs.get("href")
            onclick = attrs.get("onclick")
            if onclick and "Link(" in onclick:
                m = _ONCLICK_CODE.search(onclick)
                if m:
                    s.jiucuo_codes.append(m.group(1))
            if href is None:
                continue
            text = collapse(node.text(deep=True)) if tag == "a" else ""
            if not text:
                text = collapse(attrs.get("title") or attrs.get("alt") or "")
                if not text and tag == "a":
                    img = node.css_first("img")
                    if img is not None:
                        text = _img_text(img.attributes)
            refs.append(RawRef(tag, href, text, "page"))
            if tag == "a":
                s.anchors.append((node, href, text))
                if "conac.cn" in href:
                    s.conac = True
                elif "site_code" in href or "sitecode" in href.lower():
                    m = _JIUCUO_HREF.search(href)
                    if m:
                        s.jiucuo_codes.append(m.group(1))
        elif tag == "img":
            text = _img_text(attrs)
            for key in ("src", "data-src", "original-src", "data-original"):
                v = attrs.get(key)
                if v:
                    refs.append(RawRef("img", v, text, "image"))
            onclick = attrs.get("onclick")
            if onclick and "Link(" in onclick:
                m = _ONCLICK_CODE.search(onclick)
                if m:
                    s.jiucuo_codes.append(m.group(1))
        elif tag == "script":
            src = attrs.get("src")
            if src:
                refs.append(RawRef("script", src, "", "script"))
                if "dcs.conac.cn" in src:
                    s.conac = True
                if attrs.get("id") == "_jiucuo_" or "jiucuo" in src:
                    code = attrs.get("sitecode") or attrs.get("site_code")
                    if code:
                        s.jiucuo_codes.append(code.strip())
            else:
                typ = (attrs.get("type") or "").lower()
                body = node.text(deep=True)
                if "xml" in typ:
                    s.xml_islands.append((body, node.parent))
                elif body:
                    s.inline_scripts.append(body)
                if attrs.get("id") == "_jiucuo_" and attrs.get("sitecode"):
                    s.jiucuo_codes.append((attrs.get("sitecode") or "").strip())
            doomed.append(node)
        elif tag == "meta":
            name = attrs.get("name")
            if name:
                s.metas.append((name.strip(), (attrs.get("content") or "").strip()))
        elif tag == "h1" or tag == "h2":
            style = (attrs.get("style") or "").replace(" ", "").lower()
            s.headings.append((tag, collapse(node.text(deep=True)), "display:none" in style))
        elif tag == "title":
            if not s.title_tag:
                s.title_tag = collapse(node.text(deep=True))
        elif tag == "link":
            href = attrs.get("href")
            if href:
                rel = (attrs.get("rel") or "").lower()
                as_ = (attrs.get("as") or "").lower()
                refs.append(RawRef("link", href, collapse(attrs.get("title") or ""), f"link:{rel}:{as_}"))
        elif tag == "iframe" or tag == "frame":
            src = attrs.get("src")
            if src:
                refs.append(RawRef(tag, src, collapse(attrs.get("title") or attrs.get("name") or ""), "frame"))
        elif tag == "embed" or tag == "source":
            src = attrs.get("src") or (attrs.get("srcset") or "").split(" ")[0].split(",")[0]
            if src:
                refs.append(RawRef(tag, src, collapse(attrs.get("title") or ""), "embed"))
        elif tag == "object":
            data = attrs.get("data")
            if data:
                refs.append(RawRef(tag, data, collapse(attrs.get("title") or ""), "embed"))
        elif tag == "base":
            if s.base_href is None and attrs.get("href"):
                s.base_href = (attrs.get("href") or "").strip()
        elif tag == "style":
            doomed.append(node)
        else:  # [onclick*=Link(] or [data-setting] on other elements
            setting = attrs.get("data-setting")
            cls = attrs.get("class") or ""
            if setting and "sitecode" in setting.lower():
                m = _SETTING_CODE.search(setting)
                if m and "jiucuo" in cls:
                    s.jiucuo_codes.append(m.group(1))
                elif m and ("gov" in cls or "conac" in cls):
                    s.conac = True
            onclick = attrs.get("onclick")
            if onclick and "Link(" in onclick:
                m = _ONCLICK_CODE.search(onclick)
                if m:
                    s.jiucuo_codes.append(m.group(1))
    # Reverse document order: a node is never freed before something inside it.
    for node in reversed(doomed):
        node.decompose()
    s.jiucuo_codes = [c for c in s.jiucuo_codes if _SITE_CODE.match(c)]
    return s
