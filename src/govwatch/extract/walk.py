"""One pass over the parsed document: everything later steps need, gathered once.

One walk over the element tree (lexbor's traversal, dispatching on numeric tag ids — a
grouped CSS query costs one tree walk per selector) visits every element of interest. The
same walk notes the containers whose tag, class or id marks them as navigation, breadcrumb
or list-like (``Scan.nav_boxes``, ``crumb_boxes``, ``list_boxes``), so that later steps read
only those subtrees. Every inline script's text is kept (pagination, endpoints, rendering).
Script and style elements are then removed from the tree so that later text reads only what
a visitor sees (``noscript`` content is kept: the parser treats it as markup, and anchors
inside it are still references).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from selectolax.lexbor import LexborHTMLParser, LexborNode

__all__ = ["Scan", "RawRef", "scan_document", "document_root", "collapse", "HOME_TEXTS"]

# Attribute-only markers are looked up with a CSS query, and only when the source mentions them.
_ONCLICK_SELECTOR = "[onclick*='Link('],[onclick*=jiucuo]"
_SITE_CODE = re.compile(r"^(?:[A-Za-z]{2}\d{8}|\d{10})$")
_ONCLICK_CODE = re.compile(r"Link\(\s*['\"]([A-Za-z]{2}\d{8}|\d{10})['\"]")
_SETTING_CODE = re.compile(r"sitecode\s*:\s*['\"]?([A-Za-z0-9]+)", re.I)
GOVCN_JIUCUO = "www.gov.cn/fuwu/jiucuopage.html"  # the national portal's own 找错 page
_JIUCUO_HREF = re.compile(r"(?:jiucuo\.html|kaipuyun\.cn)[^\"'\s]*?[?&](?:site_?code|sitecode)=([A-Za-z0-9]+)", re.I)
_SCRIPT_JIUCUO = re.compile(r"_jiucuo_[^>]{0,200}?sitecode\s*=\s*\\?['\"]?([A-Za-z0-9]+)", re.I)
_LAZY_SRC = ("data-src", "original-src", "data-original")
# Containers whose class/id is read (not p/span/td: articles hold thousands of those).
_BOX_TAGS = ("nav", "div", "ul", "ol", "dl", "section", "header", "table", "tbody")

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
    govcn_jiucuo: bool = False  # a link to www.gov.cn's own 纠错 page (GOVCN_JIUCUO: no site code)
    image_texts: list[str] = field(default_factory=list)  # every image's alt and title text (footer badges)
    # Containers found by their tag, class or id (see _MARK): navigation menus, breadcrumb
    # trails and list-like boxes (node, id, class) that scripts may fill, in document order.
    nav_boxes: list[LexborNode] = field(default_factory=list)
    crumb_boxes: list[LexborNode] = field(default_factory=list)
    list_boxes: list[tuple[LexborNode, str, str]] = field(default_factory=list)
    home_anchors: list[LexborNode] = field(default_factory=list)  # links that say 首页 (trail roots)
    errors: list[str] = field(default_factory=list)  # elements whose reading failed (each left out)


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


def document_root(tree: LexborHTMLParser) -> LexborNode:
    """The document's ``<html>`` element: lexbor builds one for any input (even empty), so never None."""
    root = tree.root
    assert root is not None, "lexbor always builds an <html> root"
    return root


def _tag_ids() -> dict[int, str]:
    """lexbor's numeric tag ids of the elements the scan handles (ints compare cheaply)."""
    names = ("base", "meta", "title", "link", "script", "style", "h1", "h2", "h3", "a", "area", "img",
             "iframe", "frame", "embed", "object", "source") + _BOX_TAGS
    doc = LexborHTMLParser("<html><head><base><meta><title></title><link><script></script><style></style>"
                           "</head><body><h1></h1><h2></h2><h3></h3><a></a><map><area></map><img>"
                           "<iframe></iframe><embed><object></object><video><source></video>"
                           "<nav></nav><div></div><ul></ul><ol></ol><dl></dl><section></section><header></header>"
                           "<p></p><span></span><table><tbody><tr><td></td></tr></tbody></table></body></html>")
    ids = {n.tag_id: n.tag for n in document_root(doc).traverse() if n.tag in names}
    frame = LexborHTMLParser("<html><frameset><frame></frameset></html>").css_first("frame")
    if frame is not None:
        ids[frame.tag_id] = "frame"
    return ids


_TAGS = _tag_ids()
_BOX_TAGS_SET = frozenset(_BOX_TAGS)
# Class/id words of containers: breadcrumb, navigation, list-like (any of them: see _box_kind).
_MARK = re.compile(r"nav|menu|daohang|dh|crumb|curmb|position|location|weizhi|dqwz|list|news|lb|con|info|tab")
_CRUMB = re.compile(r"crumb|curmb|position|location|weizhi|dqwz")
_NAV = re.compile(r"nav|menu|daohang|(?<![a-z])dh(?![a-z])")
_LISTISH = re.compile(r"list|news|lb|con|info|tab")
_NAV_TAGS = frozenset({"nav", "div", "ul", "ol", "dl", "table", "section", "header"})
_LIST_TAGS = frozenset({"div", "ul", "ol", "dl", "table", "tbody", "section"})


_CRUMB_BOX, _NAV_BOX, _LIST_BOX = 1, 2, 4
# Link texts of a homepage link (the root of a breadcrumb trail; left out of navigation).
HOME_TEXTS = frozenset({"首页", "首 页", "网站首页", "返回首页", "回到首页", "主页", "门户首页", "home", "Home", "HOME"})


@lru_cache(maxsize=4096)
def _box_kind(key: str) -> int:
    """What a lower-cased ``class id`` string says a container is (cached: templates repeat)."""
    if _MARK.search(key) is None:
        return 0
    kind = _CRUMB_BOX if _CRUMB.search(key) is not None else (_NAV_BOX if _NAV.search(key) is not None else 0)
    return kind | (_LIST_BOX if _LISTISH.search(key) is not None else 0)


# The hot path of extraction (~15% of extract_page). Anchors, the commonest node, are read in the
# loop; containers and the other elements in helpers: measured against the whole-loop version
# (175 corpus, fixture and simulator pages, min of 40 runs each), +1.0-1.7% of the scan's time,
# +0.1-0.3% of extraction's (an A/A run: 0.06%).
def scan_document(tree: LexborHTMLParser, html: str = "", *, boxes: bool = True) -> Scan:
    """Collect metas, references, anchors, headings, scripts and marked containers; strip
    non-visible nodes.

    ``html`` (the parsed source, optional) lets work be skipped when the source shows it
    is not needed (attribute-only 找错/标识 markers). ``boxes=False`` skips the containers
    (navigation, breadcrumb, list boxes) for fragments that have none.
    """
    s = Scan()
    refs = s.refs
    anchors = s.anchors
    codes = s.jiucuo_codes
    doomed: list[LexborNode] = []  # script and style elements, removed after the walk
    inline: list[LexborNode] = []  # inline scripts, read after the walk
    tags = _TAGS
    want_onclick = not html or ("onclick" in html and ("Link(" in html or "jiucuo" in html))
    for node in document_root(tree).traverse():
        try:  # one element that cannot be read costs only itself (try costs nothing when nothing raises)
            tag = tags.get(node.tag_id)
            if tag is None:
                continue
            if tag == "a":  # the commonest node, so inlined: read single attributes, not the whole dict
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
                        for child in node.traverse():
                            if child.tag == "img":
                                text = _alt(child.attributes)
                                break
                refs.append(("a", href, text, "page"))
                anchors.append((node, href, text))
                if text in HOME_TEXTS:
                    s.home_anchors.append(node)
                if "conac.cn" in href:
                    s.conac = True
                elif "code" in href or "Code" in href:
                    m = _JIUCUO_HREF.search(href)
                    if m:
                        codes.append(m.group(1))
                elif GOVCN_JIUCUO in href:
                    s.govcn_jiucuo = True
                continue
            if tag in _BOX_TAGS_SET:  # containers: the walk's second commonest case
                if boxes:
                    _mark_box(node, tag, s)
                continue
            _scan_element(node, tag, s, doomed, inline, want_onclick)
        except Exception as exc:  # noqa: BLE001 - one element must not cost the page
            s.errors.append(f"<{node.tag}>: {type(exc).__name__}: {str(exc)[:200]}")
    if not html or "data-setting" in html or (want_onclick and "onclick" in html):
        _attribute_markers(tree, s, want_onclick, not html or "data-setting" in html)
    _read_inline_scripts(inline, s)
    # Reverse document order: a node is never freed before something inside it.
    for node in reversed(doomed):
        node.decompose()
    s.jiucuo_codes = [c for c in codes if _SITE_CODE.match(c)]
    return s


def _mark_box(node: LexborNode, tag: str, s: Scan) -> None:
    """Note a container whose tag, class or id marks it as a breadcrumb, navigation or list box."""
    attrs = node.attributes
    cls = attrs.get("class") or ""
    ident = attrs.get("id") or ""
    if ident:
        kind = _box_kind((cls + " " + ident).lower() if cls else ident.lower())
    elif cls:
        kind = _box_kind(cls.lower())
    elif tag == "nav":
        kind = _NAV_BOX
    else:
        return
    if kind:
        if kind & _CRUMB_BOX:
            s.crumb_boxes.append(node)
        elif tag == "nav" or (kind & _NAV_BOX and tag in _NAV_TAGS):
            s.nav_boxes.append(node)
        if kind & _LIST_BOX and tag in _LIST_TAGS:
            s.list_boxes.append((node, ident, cls))
    elif tag == "nav":
        s.nav_boxes.append(node)


def _scan_element(node: LexborNode, tag: str, s: Scan, doomed: list[LexborNode], inline: list[LexborNode],
                  want_onclick: bool) -> None:
    """One element of interest other than an anchor or a container (images, scripts, metas, ...)."""
    refs = s.refs
    attrs = node.attributes
    if tag == "img":
        text = _alt(attrs)
        for said in (attrs.get("alt"), attrs.get("title")):
            if said:
                s.image_texts.append(said)
        src = attrs.get("src")
        if src:
            refs.append(("img", src, text, "image"))
        for key in _LAZY_SRC:
            v = attrs.get(key)
            if v:
                refs.append(("img", v, text, "image"))
        if want_onclick:
            onclick = attrs.get("onclick")
            if onclick:
                _onclick_codes(onclick, s.jiucuo_codes)
    elif tag == "script":
        _scan_script(node, attrs, s, inline)
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
        hidden = style is not None and "display:none" in style.replace(" ", "").lower()
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


def _scan_script(node: LexborNode, attrs: dict[str, str | None], s: Scan, inline: list[LexborNode]) -> None:
    """A script element: its source (and 找错/conac markers), an XML data island, or an inline script."""
    codes = s.jiucuo_codes
    src = attrs.get("src")
    if src:
        s.refs.append(("script", src, "", "script"))
        if "dcs.conac.cn" in src:
            s.conac = True
        if attrs.get("id") == "_jiucuo_" or "jiucuo" in src:
            code = attrs.get("sitecode") or attrs.get("site_code")
            if code:
                codes.append(code.strip())
        return
    typ = attrs.get("type")
    if typ and "xml" in typ.lower():
        s.xml_islands.append(node.text(deep=True))
    else:
        inline.append(node)
    if attrs.get("id") == "_jiucuo_" and attrs.get("sitecode"):
        codes.append((attrs.get("sitecode") or "").strip())


def _read_inline_scripts(inline: list[LexborNode], s: Scan) -> None:
    """Keep every inline script's text (cheaper than asking the whole source whether one matters:
    pagination, endpoints and list rendering look at them) and its conac and 找错 markers."""
    for node in inline:
        body = node.text(deep=True)
        if body:
            s.inline_scripts.append(body)
            if "conac.cn" in body:
                s.conac = True  # the badge written by document.write(unescape(...))
            i = body.find("_jiucuo_")
            if i >= 0:
                m = _SCRIPT_JIUCUO.search(body, i)
                if m:
                    s.jiucuo_codes.append(m.group(1))


def _attribute_markers(tree: LexborHTMLParser, s: Scan, onclick: bool, setting: bool) -> None:
    """找错 entries and 党政机关标识 placeholders carried only by attributes of other elements."""
    selector = ",".join(([_ONCLICK_SELECTOR.strip(",")] if onclick else []) + (["[data-setting]"] if setting else []))
    for node in tree.css(selector):
        if node.tag in ("a", "img"):
            continue  # already seen
        attrs = node.attributes
        setting_value = attrs.get("data-setting")
        if setting_value and "sitecode" in setting_value.lower():
            cls = attrs.get("class") or ""
            m = _SETTING_CODE.search(setting_value)
            if m and "jiucuo" in cls:
                s.jiucuo_codes.append(m.group(1))
            elif m and ("gov" in cls or "conac" in cls):
                s.conac = True
        onclick_value = attrs.get("onclick")
        if onclick_value:
            _onclick_codes(onclick_value, s.jiucuo_codes)
