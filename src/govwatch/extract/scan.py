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

__all__ = ["Scan", "RawRef", "scan_document", "collapse"]

_SELECTOR = "base,meta,title,h1,h2,h3,a,area,img,script,style,link,iframe,frame,embed,object,source"
# Attribute selectors cost a little on every node: added only when the raw HTML mentions them.
_ONCLICK_SELECTOR = ",[onclick*='Link('],[onclick*=jiucuo]"
_SETTING_SELECTOR = ",[data-setting]"
_SITE_CODE = re.compile(r"^(?:[A-Za-z]{2}\d{8}|\d{10})$")
_ONCLICK_CODE = re.compile(r"Link\(\s*['\"]([A-Za-z]{2}\d{8}|\d{10})['\"]")
_SETTING_CODE = re.compile(r"sitecode\s*:\s*['\"]?([A-Za-z0-9]+)", re.I)
_JIUCUO_HREF = re.compile(r"(?:jiucuo\.html|kaipuyun\.cn)[^\"'\s]*?[?&](?:site_?code|sitecode)=([A-Za-z0-9]+)", re.I)
_SCRIPT_JIUCUO = re.compile(r"_jiucuo_[^>]{0,200}?sitecode\s*=\s*\\?['\"]?([A-Za-z0-9]+)", re.I)
_LAZY_SRC = ("data-src", "original-src", "data-original")

# A reference before URL resolution (the base may come later in the document):
# (tag, href, text, hint) with hint page | image | script | style | frame | embed | link:<rel>:<as>
RawRef = tuple[str, str, str, str]


def collapse(text: str) -> str:
    """Collapse runs of whitespace (including full-width spaces) to one space and strip."""
    return " ".join(text.split()) if text else ""


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
    xml_islands: list[str] = field(default_factory=list)
    conac: bool = False
    jiucuo_codes: list[str] = field(default_factory=list)


def _onclick_codes(onclick: str, out: list[str]) -> None:
    """Site codes of 找错 entries opened by script: ``Link('code')`` or ``window.open('...jiucuo.html?site_code=')``."""
    if "Link(" in onclick:
        m = _ONCLICK_CODE.search(onclick)
        if m:
            out.append(m.group(1))
    if "jiucuo" in onclick or "kaipuyun" in onclick:
        m = _JIUCUO_HREF.search(onclick)
        if m:
            out.append(m.group(1))


def _alt(attrs: dict[str, str | None]) -> str:
    return collapse(attrs.get("alt") or attrs.get("title") or "")


def scan_document(tree: LexborHTMLParser, html: str = "") -> Scan:
    """Collect metas, references, anchors, headings and scripts; strip non-visible nodes.

    ``html`` (the parsed source, optional) lets rarely needed selectors be skipped.
    """
    s = Scan()
    refs = s.refs
    anchors = s.anchors
    codes = s.jiucuo_codes
    doomed: list[LexborNode] = []
    selector = _SELECTOR
    want_onclick = not html or "Link(" in html or "jiucuo" in html
    if want_onclick:
        selector += _ONCLICK_SELECTOR
    if not html or "data-setting" in html:
        selector += _SETTING_SELECTOR
    last_id = -1
    for node in tree.css(selector):
        mid = node.mem_id
        if mid == last_id:  # a node matching two selectors of the group comes twice
            continue
        last_id = mid
        tag = node.tag
        if tag == "a":  # the commonest node: read single attributes, not the whole dict
            lazy = node.attrs
            if want_onclick:
                onclick = lazy.get("onclick")
                if onclick:
                    _onclick_codes(onclick, codes)
            href = lazy.get("href")
            if href is None:
                continue
            text = collapse(node.text(deep=True))
            if not text:
                text = collapse(lazy.get("title") or "")
                if not text:
                    img = node.css_first("img")
                    if img is not None:
                        text = _alt(img.attributes)
            refs.append(("a", href, text, "page"))
            anchors.append((node, href, text))
            if "conac.cn" in href:
                s.conac = True
            elif "site_code" in href or "sitecode" in href or "siteCode" in href:
                m = _JIUCUO_HREF.search(href)
                if m:
                    codes.append(m.group(1))
            continue
        attrs = node.attributes
        if tag == "img":
            text = _alt(attrs)
            src = attrs.get("src")
            if src:
                refs.append(("img", src, text, "image"))
            for key in _LAZY_SRC:
                v = attrs.get(key)
                if v:
                    refs.append(("img", v, text, "image"))
            onclick = attrs.get("onclick")
            if onclick:
                _onclick_codes(onclick, codes)
        elif tag == "script":
            src = attrs.get("src")
            if src:
                refs.append(("script", src, "", "script"))
                if "dcs.conac.cn" in src:
                    s.conac = True
                if attrs.get("id") == "_jiucuo_" or "jiucuo" in src:
                    code = attrs.get("sitecode") or attrs.get("site_code")
                    if code:
                        codes.append(code.strip())
            else:
                typ = attrs.get("type")
                body = node.text(deep=True)
                if typ and "xml" in typ.lower():
                    s.xml_islands.append(body)
                elif body:
                    s.inline_scripts.append(body)
                    if "conac.cn" in body:
                        s.conac = True  # the badge written by document.write(unescape(...))
                    if "_jiucuo_" in body:
                        m = _SCRIPT_JIUCUO.search(body)
                        if m:
                            codes.append(m.group(1))
                if attrs.get("id") == "_jiucuo_" and attrs.get("sitecode"):
                    codes.append((attrs.get("sitecode") or "").strip())
            doomed.append(node)
        elif tag == "meta":
            name = attrs.get("name")
            if name:
                s.metas.append((name.strip(), (attrs.get("content") or "").strip()))
        elif tag == "link":
            href = attrs.get("href")
            if href:
                rel = (attrs.get("rel") or "").lower()
                as_ = (attrs.get("as") or "").lower()
                refs.append(("link", href, collapse(attrs.get("title") or ""), f"link:{rel}:{as_}"))
        elif tag == "h1" or tag == "h2" or tag == "h3":
            style = attrs.get("style")
            hidden = bool(style) and "display:none" in style.replace(" ", "").lower()
            s.headings.append((tag, collapse(node.text(deep=True)), hidden))
        elif tag == "style":
            doomed.append(node)
        elif tag == "title":
            if not s.title_tag:
                s.title_tag = collapse(node.text(deep=True))
        elif tag == "area":
            href = attrs.get("href")
            if href is not None:
                refs.append(("area", href, collapse(attrs.get("alt") or attrs.get("title") or ""), "page"))
        elif tag == "iframe" or tag == "frame":
            src = attrs.get("src")
            if src:
                refs.append((tag, src, collapse(attrs.get("title") or attrs.get("name") or ""), "frame"))
        elif tag == "embed" or tag == "source":
            src = attrs.get("src") or (attrs.get("srcset") or "").split(" ")[0].split(",")[0]
            if src:
                refs.append((tag, src, collapse(attrs.get("title") or ""), "embed"))
        elif tag == "object":
            data = attrs.get("data")
            if data:
                refs.append((tag, data, collapse(attrs.get("title") or ""), "embed"))
        elif tag == "base":
            if s.base_href is None and attrs.get("href"):
                s.base_href = (attrs.get("href") or "").strip()
        else:  # [onclick*=Link(] or [data-setting] on other elements
            setting = attrs.get("data-setting")
            if setting and "sitecode" in setting.lower():
                cls = attrs.get("class") or ""
                m = _SETTING_CODE.search(setting)
                if m and "jiucuo" in cls:
                    codes.append(m.group(1))
                elif m and ("gov" in cls or "conac" in cls):
                    s.conac = True
            onclick = attrs.get("onclick")
            if onclick:
                _onclick_codes(onclick, codes)
    # Reverse document order: a node is never freed before something inside it.
    for node in reversed(doomed):
        node.decompose()
    s.jiucuo_codes = [c for c in codes if _SITE_CODE.match(c)]
    return s
