"""Security signs in one page: hidden off-host links (暗链) and off-host scripts and frames (挂马).

:func:`security_signs` runs at crawl time on every page, after :func:`scan_document`, so it
starts from what the scan gathered and only looks further when the page gives cause:

1. Candidates: anchors whose href names another host than the page's (a cheap prefix test on
   the raw href), less benign hosts (:func:`govwatch.core.official.benign_link_host`). Most pages
   have none beyond official ones, and then nothing else is read for links.
2. Each candidate's chain (itself and its ancestors) is judged with inline ``style``,
   presentational attributes (``hidden``, ``<font color>``, ``bgcolor``), ``<marquee>``
   ancestors and the rules of the page's own ``<style>`` blocks (a small parser: type, class,
   id, compound, descendant and child selectors; rules under ``@media print`` or conditional
   media queries and selectors with pseudo-classes, attributes or sibling combinators are
   left out). Reasons, in this order: ``display_none``, ``visibility_hidden``, ``offscreen``
   (a negative position, margin or text-indent of at least :data:`OFFSCREEN_PX`), ``zero_size``
   (a box of at most 1px with overflow hidden, or clipped to nothing), ``zero_font``
   (font-size at most 1px), ``same_colour`` (text colour equal to the nearest declared
   background colour), ``transparent`` (opacity 0), ``marquee``.
3. Inline scripts that write HTML (``document.write``, ``innerHTML``, ``insertAdjacentHTML``):
   the string literals of the call are joined, unescaped (JS escapes, ``unescape('%3C...')``)
   and parsed; off-host anchors in them are hidden links (reason ``script_written`` unless
   the written markup hides them too; ``script`` is then set), and scripts or frames in them
   are embeds. ``createElement`` loaders (``s.src = "..."``) are embeds as well.
4. Embeds: ``<script src>``, ``<iframe src>`` and ``<frame src>`` on other hosts, less
   :func:`govwatch.core.official.benign_embed_host`; frames get a hiding reason when hidden.

A hidden box that the page itself seems to toggle (its id or class named by an inline script
or event handler, a stylesheet rule that shows it again, a sibling of the same class: tab
panels, drop-down menus) is still reported with ``interactive`` set: the check judges it.
Links on the page's own host are never stored (skip links, menus); a prefix site's links to
other paths of its host are therefore not seen here. Results are capped per page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import unquote

from selectolax.lexbor import LexborHTMLParser, LexborNode

from govwatch.core.model import Embed, HiddenLink
from govwatch.core.official import benign_embed_host, benign_link_host, hostname
from govwatch.extract.resolve import Resolver
from govwatch.extract.walk import Scan, collapse, scan_document

__all__ = ["security_signs", "page_security_signs", "parse_css", "OFFSCREEN_PX", "MAX_HIDDEN", "MAX_EMBEDS"]

OFFSCREEN_PX = 500.0  # a negative offset at least this large moves a box out of sight
MAX_HIDDEN = 40  # hidden links kept per page
MAX_EMBEDS = 20  # embeds kept per page
MAX_TEXT = 80  # characters of anchor text kept
_CHAIN_LIMIT = 60  # ancestors looked at

REASONS = ("display_none", "visibility_hidden", "offscreen", "zero_size", "zero_font", "same_colour",
           "transparent", "marquee")
_RELEVANT = frozenset({"display", "visibility", "position", "left", "top", "margin", "margin-left", "margin-top",
                       "text-indent", "width", "height", "max-height", "max-width", "overflow", "clip", "font-size",
                       "color", "background", "background-color", "opacity"})


# -- CSS: declarations, selectors, rules ----------------------------------------------------

@lru_cache(maxsize=4096)
def parse_declarations(style: str) -> tuple[tuple[str, str], ...]:
    """``(property, value)`` pairs of a declaration block that matter here, lower-cased,
    ``!important`` dropped (cached: templates repeat their inline styles)."""
    out = []
    for part in style.split(";"):
        prop, sep, value = part.partition(":")
        if not sep:
            continue
        prop = prop.strip().lower()
        if prop in _RELEVANT:
            value = value.strip().lower().replace("!important", "").strip()
            if value:
                out.append((prop, value))
    return tuple(out)


Compound = tuple[str | None, str | None, frozenset[str]]  # (tag, id, classes)
_COMPOUND = re.compile(r"^(?P<tag>[a-zA-Z][\w-]*|\*)?(?P<rest>(?:[#.][\w-]+)*)$")
_PSEUDO = re.compile(r":{1,2}[\w-]+(?:\([^)]*\))?")


@dataclass(frozen=True, slots=True)
class Selector:
    """A selector as compounds right to left with the combinator to the next (`` `` or ``>``)."""

    text: str
    compounds: tuple[Compound, ...]
    combinators: tuple[str, ...]  # combinators[i] joins compounds[i] to compounds[i + 1]
    specificity: tuple[int, int, int]

    @property
    def key(self) -> str:
        tag, ident, classes = self.compounds[0]
        if ident:
            return "#" + ident
        if classes:
            return "." + min(classes)
        return (tag or "*").lower()


def parse_selector(text: str) -> Selector | None:
    """A supported selector (type, class, id, compound; descendant and child combinators), or None."""
    text = text.strip()
    if not text or any(c in text for c in "[+~:@\\\"'"):
        return None
    spaced = text.replace(">", " > ").split()
    compounds: list[Compound] = []
    combinators: list[str] = []
    pending = " "
    ids = classes_n = tags = 0
    for token in spaced:
        if token == ">":
            if not compounds or pending == ">":
                return None
            pending = ">"
            continue
        m = _COMPOUND.match(token)
        if m is None or not token:
            return None
        tag = m.group("tag")
        ident: str | None = None
        classes: set[str] = set()
        for piece in re.findall(r"[#.][\w-]+", m.group("rest")):
            if piece[0] == "#":
                ident = piece[1:]
                ids += 1
            else:
                classes.add(piece[1:])
                classes_n += 1
        if tag and tag != "*":
            tags += 1
        if compounds:
            combinators.append(pending)
        compounds.append((tag.lower() if tag and tag != "*" else None, ident, frozenset(classes)))
        pending = " "
    if not compounds or pending == ">":
        return None
    compounds.reverse()
    combinators.reverse()
    return Selector(text, tuple(compounds), tuple(combinators), (ids, classes_n, tags))


@dataclass(frozen=True, slots=True)
class Rule:
    selector: Selector
    declarations: tuple[tuple[str, str], ...]
    order: int
    reveals: bool  # shows a box: display other than none, visibility visible (hover and state rules)


@dataclass(slots=True)
class StyleSheet:
    """The page's ``<style>`` rules that matter here, indexed by their rightmost compound."""

    hiding: dict[str, list[Rule]] = field(default_factory=dict)  # rules with a relevant declaration
    revealing: dict[str, list[Rule]] = field(default_factory=dict)  # rules (pseudo-classes dropped) that show

    def rules_for(self, keys: list[str]) -> Iterator[Rule]:
        for key in keys:
            yield from self.hiding.get(key, ())

    def reveal_rules_for(self, keys: list[str]) -> Iterator[Rule]:
        for key in keys:
            yield from self.revealing.get(key, ())


_COMMENT = re.compile(r"/\*.*?\*/", re.S)


def _media_applies(prelude: str) -> bool:
    p = prelude.lower()
    if not p.startswith("@media"):
        return False  # @keyframes, @font-face, @supports ...: not box rules
    query = p[6:].strip()
    return all(part.strip() in ("screen", "all", "") for part in query.split(","))


def _css_blocks(css: str) -> Iterator[tuple[str, str]]:
    """``(selector list, declarations)`` of rules that apply on a screen."""
    css = _COMMENT.sub("", css)
    stack: list[bool] = []
    pos = 0
    n = len(css)
    while pos < n:
        open_i = css.find("{", pos)
        close_i = css.find("}", pos)
        if open_i < 0 and close_i < 0:
            return
        if close_i >= 0 and (open_i < 0 or close_i < open_i):
            if stack:
                stack.pop()
            pos = close_i + 1
            continue
        prelude = css[pos:open_i].strip()
        if prelude.startswith("@"):
            head = prelude.split(";")[-1].strip()  # "@charset ...; @media ..."
            if head.startswith("@"):
                stack.append(_media_applies(head))
                pos = open_i + 1
                continue
            prelude = head
        end = css.find("}", open_i)
        if end < 0:
            return
        if all(stack):
            yield prelude.split(";")[-1], css[open_i + 1:end]
        pos = end + 1


@lru_cache(maxsize=256)
def parse_css(css: str) -> StyleSheet:
    """The rules of a page's style text that could hide or show a box (cached: template styles repeat)."""
    sheet = StyleSheet()
    order = 0
    for selectors, body in _css_blocks(css):
        decls = parse_declarations(body)
        if not decls:
            continue
        props = dict(decls)
        reveals = (props.get("display", "none") != "none" and "display" in props) \
            or props.get("visibility") == "visible"
        for text in selectors.split(","):
            order += 1
            has_pseudo = ":" in text
            sel = parse_selector(_PSEUDO.sub("", text) if has_pseudo else text)
            if sel is None:
                continue
            if has_pseudo:
                if reveals:
                    sheet.revealing.setdefault(sel.key, []).append(Rule(sel, decls, order, True))
                continue
            rule = Rule(sel, decls, order, reveals)
            sheet.hiding.setdefault(sel.key, []).append(rule)
            if reveals:
                sheet.revealing.setdefault(sel.key, []).append(rule)
    return sheet


_EMPTY_SHEET = StyleSheet()


# -- values -------------------------------------------------------------------------------

_LENGTH = re.compile(r"^(-?\d*\.?\d+)(px|pt|em|rem|%|vw|vh|cm|mm|in)?$")
_UNIT_PX = {"px": 1.0, None: 1.0, "pt": 4 / 3, "em": 16.0, "rem": 16.0, "cm": 37.8, "mm": 3.78, "in": 96.0,
            "vw": 12.8, "vh": 7.2}


def _px(value: str) -> float | None:
    """A length in px (em as 16px), None for keywords, percentages and calc()."""
    m = _LENGTH.match(value.strip())
    if m is None or m.group(2) == "%":
        return None
    return float(m.group(1)) * _UNIT_PX[m.group(2)]


_NAMED = {"white": "#ffffff", "black": "#000000", "red": "#ff0000", "green": "#008000", "blue": "#0000ff",
          "yellow": "#ffff00", "gray": "#808080", "grey": "#808080", "silver": "#c0c0c0", "navy": "#000080",
          "maroon": "#800000", "purple": "#800080", "orange": "#ffa500", "lime": "#00ff00", "aqua": "#00ffff",
          "fuchsia": "#ff00ff", "teal": "#008080", "olive": "#808000", "whitesmoke": "#f5f5f5"}
_HEX = re.compile(r"^#([0-9a-f]{3}|[0-9a-f]{6})$")
_RGB = re.compile(r"^rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*([\d.]+)\s*)?\)$")


def colour(value: str) -> str | None:
    """A colour as ``#rrggbb``; None for what is not one (or is transparent)."""
    v = value.strip().lower()
    if v in _NAMED:
        return _NAMED[v]
    m = _HEX.match(v)
    if m:
        h = m.group(1)
        return "#" + ("".join(c * 2 for c in h) if len(h) == 3 else h)
    m = _RGB.match(v.replace(" ", "")) or _RGB.match(v)
    if m:
        if m.group(4) is not None and float(m.group(4)) == 0:
            return None
        return "#" + "".join(f"{min(int(x), 255):02x}" for x in m.groups()[:3])
    return None


def _background_colour(value: str) -> tuple[bool, str | None]:
    """(declares a background, its colour): an image background declares one of unknown colour."""
    if "url(" in value or "gradient" in value:
        return True, None
    for token in re.split(r"\s+(?![^(]*\))", value.strip()):
        c = colour(token)
        if c is not None:
            return True, c
    if value.strip() in ("transparent", "none", "initial", "inherit", "unset"):
        return False, None
    return False, None


# -- the chain of a node --------------------------------------------------------------------

@dataclass(slots=True)
class _Page:
    """What judging a chain reads of the page, built on first need."""

    html: str
    scripts: list[str]
    _sheet: StyleSheet | None = None
    _named: str | None = None
    _decls: dict[int, dict[str, tuple[str, str]]] = field(default_factory=dict)

    @property
    def sheet(self) -> StyleSheet:
        if self._sheet is None:
            css = "\n".join(_STYLE_BLOCK.findall(self.html)) if _STYLE_OPEN.search(self.html) else ""
            self._sheet = parse_css(css) if css.strip() else _EMPTY_SHEET
        return self._sheet

    @property
    def named(self) -> str:
        """Inline script text and event-handler attribute values (what toggles boxes)."""
        if self._named is None:
            handlers = [m.group(2) for m in _HANDLER.finditer(self.html)] if " on" in self.html else []
            self._named = "\n".join(self.scripts + handlers)
        return self._named


_STYLE_OPEN = re.compile(r"<style", re.I)
_STYLE_BLOCK = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.I | re.S)
_HANDLER = re.compile(r"\son(?:mouse\w+|click|focus|blur|load|change)\s*=\s*([\"'])(.*?)\1", re.I | re.S)


def _keys(tag: str, attrs: dict[str, str | None]) -> list[str]:
    keys = [tag, "*"]
    ident = attrs.get("id")
    if ident:
        keys.append("#" + ident)
    cls = attrs.get("class")
    if cls:
        keys.extend("." + c for c in cls.split())
    return keys


def _compound_matches(tag: str, attrs: dict[str, str | None], comp: Compound) -> bool:
    ctag, ident, classes = comp
    if ctag is not None and ctag != tag:
        return False
    if ident is not None and attrs.get("id") != ident:
        return False
    if classes:
        have = set((attrs.get("class") or "").split())
        if not classes <= have:
            return False
    return True


def _parent(node: LexborNode) -> LexborNode | None:
    p = node.parent
    if p is None or p.tag is None or p.tag.startswith("-"):
        return None
    return p


def _selector_matches(node: LexborNode, sel: Selector) -> bool:
    if not _compound_matches(node.tag or "", node.attributes, sel.compounds[0]):
        return False
    current: LexborNode | None = node
    for comp, comb in zip(sel.compounds[1:], sel.combinators, strict=False):
        current = _parent(current) if current is not None else None
        if comb == ">":
            if current is None or not _compound_matches(current.tag or "", current.attributes, comp):
                return False
            continue
        while current is not None and not _compound_matches(current.tag or "", current.attributes, comp):
            current = _parent(current)
        if current is None:
            return False
    return True


def _declared(node: LexborNode, page: _Page) -> dict[str, tuple[str, str]]:
    """property -> (value, where): the cascade of presentational attributes, stylesheet rules
    (by specificity, then order) and the inline style; ``where`` is the selector, "" for inline
    style, ``@attr`` for attributes."""
    cached = page._decls.get(node.mem_id)
    if cached is not None:
        return cached
    tag = node.tag or ""
    attrs = node.attributes
    out: dict[str, tuple[str, str]] = {}
    if "hidden" in attrs:
        out["display"] = ("none", "@hidden")
    if tag == "font" and attrs.get("color"):
        out["color"] = (str(attrs["color"]).lower(), "@color")
    if attrs.get("bgcolor"):
        out["background-color"] = (str(attrs["bgcolor"]).lower(), "@bgcolor")
    sheet = page.sheet
    if sheet.hiding:
        matched = [r for r in sheet.rules_for(_keys(tag, attrs)) if _selector_matches(node, r.selector)]
        for rule in sorted(matched, key=lambda r: (r.selector.specificity, r.order)):
            for prop, value in rule.declarations:
                out[prop] = (value, rule.selector.text)
    style = attrs.get("style")
    if style:
        for prop, value in parse_declarations(style):
            out[prop] = (value, "")
    page._decls[node.mem_id] = out
    return out


@dataclass(slots=True)
class _Hit:
    reason: str
    node: LexborNode
    css: str
    selector: str


def _css_text(decl: dict[str, tuple[str, str]], props: tuple[str, ...]) -> str:
    return ";".join(f"{p}:{decl[p][0]}" for p in props if p in decl)


def _where(decl: dict[str, tuple[str, str]], props: tuple[str, ...]) -> str:
    return next((decl[p][1] for p in props if p in decl and decl[p][1] and not decl[p][1].startswith("@")), "")


def _offscreen(decl: dict[str, tuple[str, str]]) -> tuple[str, ...] | None:
    position = decl.get("position", ("static", ""))[0]
    if position in ("absolute", "fixed", "relative"):
        for side in ("left", "top"):
            if side in decl:
                v = _px(decl[side][0])
                if v is not None and v <= -OFFSCREEN_PX:
                    return ("position", side)
    for prop in ("margin-left", "margin-top"):
        if prop in decl:
            v = _px(decl[prop][0])
            if v is not None and v <= -OFFSCREEN_PX:
                return (prop,)
    if "margin" in decl:
        parts = decl["margin"][0].split()
        if parts:
            top, left = parts[0], parts[3] if len(parts) == 4 else parts[1] if len(parts) > 1 else parts[0]
            if any((v := _px(x)) is not None and v <= -OFFSCREEN_PX for x in (top, left)):
                return ("margin",)
    return None


_CLIP_NONE = re.compile(r"rect\(\s*[01](?:px)?\s*,?\s*[01](?:px)?\s*,?\s*[01](?:px)?\s*,?\s*[01](?:px)?\s*\)")


def _zero_size(decl: dict[str, tuple[str, str]]) -> tuple[str, ...] | None:
    if "clip" in decl and _CLIP_NONE.search(decl["clip"][0]):
        return ("clip", "position")
    if decl.get("overflow", ("", ""))[0] != "hidden":
        return None
    for prop in ("height", "width", "max-height", "max-width"):
        if prop in decl:
            v = _px(decl[prop][0])
            if v is not None and v <= 1:
                return (prop, "overflow")
    return None


def _judge_chain(node: LexborNode, page: _Page) -> _Hit | None:
    """Why ``node`` is not seen (the first reason in :data:`REASONS` order), or None."""
    hits: dict[str, _Hit] = {}
    visibility_seen = indent_seen = False
    font_factor = 1.0
    font_px: float | None = None
    text_colour: str | None = None
    colour_decl: tuple[str, str] = ("", "")
    background_seen = False
    current: LexborNode | None = node
    depth = 0
    while current is not None and depth < _CHAIN_LIMIT:
        depth += 1
        decl = _declared(current, page)
        tag = current.tag or ""
        if decl:
            if decl.get("display", ("", ""))[0] == "none" and "display_none" not in hits:
                hits["display_none"] = _Hit("display_none", current, "display:none", _where(decl, ("display",)))
            if not visibility_seen and "visibility" in decl:
                visibility_seen = True
                if decl["visibility"][0] in ("hidden", "collapse"):
                    hits["visibility_hidden"] = _Hit("visibility_hidden", current, _css_text(decl, ("visibility",)),
                                                     _where(decl, ("visibility",)))
            if "offscreen" not in hits:
                props = _offscreen(decl)
                if props is None and not indent_seen and "text-indent" in decl:
                    indent_seen = True
                    v = _px(decl["text-indent"][0])
                    if v is not None and v <= -OFFSCREEN_PX:
                        props = ("text-indent",)
                if props is not None:
                    hits["offscreen"] = _Hit("offscreen", current, _css_text(decl, props), _where(decl, props))
            elif "text-indent" in decl:
                indent_seen = True
            if "zero_size" not in hits:
                props = _zero_size(decl)
                if props is not None:
                    hits["zero_size"] = _Hit("zero_size", current, _css_text(decl, props), _where(decl, props))
            if font_px is None and "font-size" in decl:
                raw = decl["font-size"][0]
                if raw.endswith("%"):
                    try:
                        font_factor *= float(raw[:-1]) / 100
                    except ValueError:
                        font_px = 16.0
                elif raw.endswith("em") and not raw.endswith("rem"):
                    v = _px(raw)
                    font_factor *= (v / 16.0) if v is not None else 1.0
                else:
                    v = _px(raw)
                    font_px = v * font_factor if v is not None else 16.0  # keywords: readable sizes
                if font_px is not None and font_px <= 1 and "zero_font" not in hits:
                    hits["zero_font"] = _Hit("zero_font", current, _css_text(decl, ("font-size",)),
                                             _where(decl, ("font-size",)))
                elif font_px is None and font_factor * 16 <= 1 and "zero_font" not in hits:
                    font_px = 0.0
                    hits["zero_font"] = _Hit("zero_font", current, _css_text(decl, ("font-size",)),
                                             _where(decl, ("font-size",)))
            if text_colour is None and "color" in decl:
                text_colour = colour(decl["color"][0]) or ""
                colour_decl = decl["color"]
            if not background_seen:
                for prop in ("background-color", "background"):
                    if prop in decl:
                        declares, bg = _background_colour(decl[prop][0])
                        if declares:
                            background_seen = True
                            if bg is not None and text_colour and bg == text_colour:
                                where = colour_decl[1] if not colour_decl[1].startswith("@") else ""
                                hits["same_colour"] = _Hit(
                                    "same_colour", current, f"color:{colour_decl[0]};{prop}:{decl[prop][0]}",
                                    where or _where(decl, (prop,)))
                            break
            if "opacity" in decl and "transparent" not in hits:
                try:
                    if float(decl["opacity"][0]) == 0:
                        hits["transparent"] = _Hit("transparent", current, "opacity:0", _where(decl, ("opacity",)))
                except ValueError:
                    pass
        if tag == "marquee" and "marquee" not in hits:
            attrs = current.attributes
            shown = " ".join(f'{k}="{attrs[k]}"' for k in ("height", "width", "scrollamount", "scrolldelay")
                             if attrs.get(k))
            hits["marquee"] = _Hit("marquee", current, f"<marquee {shown}>" if shown else "<marquee>", "")
        current = _parent(current)
    if font_px is None and font_factor * 16 <= 1 and "zero_font" not in hits:
        hits["zero_font"] = _Hit("zero_font", node, "font-size:0", "")
    return next((hits[r] for r in REASONS if r in hits), None)


def _named_in(names: list[str], text: str) -> bool:
    for name in names:
        if name and len(name) > 1 and name in text \
                and re.search(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", text):
            return True
    return False


def _interactive(hit: _Hit, page: _Page) -> bool:
    """Whether the hiding box looks like one the page shows on demand (tabs, menus, slides)."""
    if hit.reason not in ("display_none", "visibility_hidden", "zero_size"):
        return False
    node = hit.node
    attrs = node.attributes
    tag = node.tag or ""
    classes = (attrs.get("class") or "").split()
    if hit.selector and any(not _selector_matches(node, r.selector) or r.selector.text != hit.selector
                            for r in page.sheet.reveal_rules_for(_keys(tag, attrs))
                            if _compound_matches(tag, attrs, r.selector.compounds[0])):
        return True  # a hover or state rule shows it again
    if _named_in([attrs.get("id") or "", *classes], page.named):
        return True
    current: LexborNode | None = node
    for _ in range(4):  # an event handler on the box or near it
        if current is None:
            break
        if any(k.lower().startswith("on") for k in current.attributes):
            return True
        current = _parent(current)
    if classes:  # a sibling panel of the same class: tabs and slides
        for step in ("prev", "next"):
            sib = getattr(node, step)
            seen = 0
            while sib is not None and seen < 30:
                if sib.tag == tag and (sib.attributes.get("class") or "").split() == classes:
                    return True
                if sib.tag and not sib.tag.startswith("-"):
                    seen += 1
                sib = getattr(sib, step)
    return False


# -- candidates ----------------------------------------------------------------------------

def _href_host(href: str) -> str | None:
    """The lower-cased authority of an absolute or scheme-relative href; None for relative ones."""
    h = href.lstrip()
    low = h[:8].lower()
    if low.startswith("http://"):
        rest = h[7:]
    elif low.startswith("https://"):
        rest = h[8:]
    elif h.startswith("//"):
        rest = h[2:]
    else:
        return None
    end = len(rest)
    for ch in "/?#\\":
        i = rest.find(ch)
        if 0 <= i < end:
            end = i
    return rest[:end].lower()


_MAY_HAVE_HOST = frozenset("hH/ \t\r\n")  # first characters of absolute, scheme-relative or padded hrefs


@lru_cache(maxsize=4096)
def _benign_link(url: str) -> bool:
    """``benign_link_host`` of the URL's host (site templates repeat such links on every page)."""
    return benign_link_host(hostname(url))


def _authority(url: str) -> str:
    return _href_host(url) or ""


def _text(text: str) -> str:
    return text[:MAX_TEXT]


def security_signs(scan: Scan, html: str, page_url: str, resolve_url: Callable[[str | None], str | None],
                   tree: LexborHTMLParser | None = None) -> tuple[list[HiddenLink], list[Embed]]:
    """Hidden off-host links and off-host embeds of a scanned page (see the module docstring).

    ``html`` is the page source the tree was parsed from (its ``<style>`` blocks and event
    handlers are read from it, as the scan removed style elements); ``tree`` is used only to
    find a hidden frame's element."""
    page_host = _authority(page_url)
    base_moved = bool(scan.base_href) and _authority(resolve_url(scan.base_href) or "") not in ("", page_host)
    page = _Page(html, scan.inline_scripts)
    hidden: list[HiddenLink] = []
    seen: set[tuple[str, str]] = set()
    for node, href, text in scan.anchors:
        # Most hrefs are relative ("./2024/…", "list.html", "#top"): no host, nothing to judge.
        host = _href_host(href) if href[:1] in _MAY_HAVE_HOST else None
        if host is None:
            if not base_moved:
                continue
        elif host == page_host:
            continue
        url = resolve_url(href)
        if url is None or not url.startswith(("http://", "https://")) or _authority(url) == page_host \
                or _benign_link(url):
            continue
        hit = _judge_chain(node, page)
        if hit is None or (url, hit.reason) in seen:
            continue
        seen.add((url, hit.reason))
        hidden.append(HiddenLink(url=url, text=_text(text), reason=hit.reason, css=hit.css, selector=hit.selector,
                                 interactive=_interactive(hit, page)))
        if len(hidden) >= MAX_HIDDEN:
            break
    embeds: list[Embed] = []
    frames: list[str] = []
    for tag, src, _link_text, hint in scan.refs:
        if hint not in ("script", "frame"):
            continue
        host = _href_host(src)
        if (host is None and not base_moved) or host == page_host:
            continue
        url = resolve_url(src)
        if url is None or not url.startswith(("http://", "https://")) or _authority(url) == page_host \
                or benign_embed_host(hostname(url)) or any(e.url == url for e in embeds):
            continue
        embeds.append(Embed(tag=tag, url=url))
        if tag != "script":
            frames.append(url)
    if frames and tree is not None:
        _frame_reasons(tree, frames, embeds, page, resolve_url)
    for script in scan.inline_scripts:
        _script_signs(script, page_host, page, resolve_url, hidden, embeds, seen)
    return hidden[:MAX_HIDDEN], embeds[:MAX_EMBEDS]


def _frame_reasons(tree: LexborHTMLParser, frames: list[str], embeds: list[Embed], page: _Page,
                   resolve_url: Callable[[str | None], str | None]) -> None:
    by_url = {e.url: e for e in embeds if e.url in frames}
    for node in tree.css("iframe,frame"):
        url = resolve_url(node.attributes.get("src"))
        embed = by_url.get(url or "")
        if embed is None or embed.hidden:
            continue
        attrs = node.attributes
        sizes = [_px(str(attrs.get(k) or "").strip()) for k in ("width", "height")]
        if any(v is not None and v <= 1 for v in sizes):
            embed.hidden = "zero_size"
            continue
        hit = _judge_chain(node, page)
        if hit is not None:
            embed.hidden = hit.reason


# -- script-written markup ---------------------------------------------------------------------

_WRITE_AT = re.compile(r"document\s*\.\s*write(?:ln)?\s*\(|\.(?:inner|outer)HTML\s*\+?=|insertAdjacentHTML\s*\(")
_SRC_SET = re.compile(r"\.src\s*=\s*(['\"])(?P<u>[^'\"\r\n]{4,500})\1")
_JS_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "", "b": "", "f": "", "v": ""}


def _js_unescape(s: str) -> str:
    def one(m: re.Match[str]) -> str:
        e = m.group(1)
        if e[0] in "xu" and len(e) > 1:
            return chr(int(e[1:], 16))
        return _SIMPLE_ESCAPES.get(e, e)
    return _JS_ESCAPE.sub(one, s) if "\\" in s else s


def _call_literals(script: str, start: int, limit: int = 20000) -> str:
    """The string literals of one write call's argument, joined (concatenations read as one string)."""
    parts: list[str] = []
    depth = 0
    i = start
    end = min(len(script), start + limit)
    while i < end:
        c = script[i]
        if c in "'\"`":
            j = i + 1
            while j < end and script[j] != c:
                j += 2 if script[j] == "\\" else 1
            parts.append(script[i + 1:j])
            i = j + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                break
            depth -= 1
        elif c == ";" or (c == "\n" and depth == 0 and script[start:i].rstrip()[-1:] not in ("+", "(", ",")):
            if depth == 0:
                break
        i += 1
    text = _js_unescape("".join(parts))
    if "%3c" in text.lower() or "unescape" in script[start - 40 if start >= 40 else 0:start + 20]:
        text = unquote(text)
    return text


@lru_cache(maxsize=1024)
def written_markup(script: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(HTML fragments the script writes that hold links, scripts or frames; URLs it sets as a
    created element's ``src``) — cached: template scripts repeat on every page."""
    fragments: list[str] = []
    if ("write" in script or "HTML" in script) and _WRITE_AT.search(script):
        for m in _WRITE_AT.finditer(script):
            text = _call_literals(script, m.end())
            low = text.lower()
            if "<a" in low or "<script" in low or "<iframe" in low or "<frame" in low:
                fragments.append(text)
    sources: list[str] = []
    if "createElement" in script and ".src" in script:
        sources = [m.group("u").strip() for m in _SRC_SET.finditer(script)]
    return tuple(fragments), tuple(sources)


def _script_signs(script: str, page_host: str, page: _Page, resolve_url: Callable[[str | None], str | None],
                  hidden: list[HiddenLink], embeds: list[Embed], seen: set[tuple[str, str]]) -> None:
    fragments, sources = written_markup(script)

    def add_embed(tag: str, src: str | None) -> None:
        url = resolve_url(src) if src else None
        if url is None or not url.startswith(("http://", "https://")) or _authority(url) == page_host \
                or benign_embed_host(hostname(url)) or any(e.url == url for e in embeds):
            return
        embeds.append(Embed(tag=tag, url=url, script=True))

    for src in sources:
        add_embed("script", src)
    for fragment in fragments:
        tree = LexborHTMLParser(fragment)
        if tree.root is None:
            continue
        for node in tree.root.traverse():
            tag = node.tag
            if tag == "a":
                url = resolve_url(node.attributes.get("href"))
                if url is None or not url.startswith(("http://", "https://")) or _authority(url) == page_host \
                        or benign_link_host(hostname(url)):
                    continue
                hit = _judge_chain(node, _Page(page.html, page.scripts, page.sheet))
                reason = hit.reason if hit is not None else "script_written"
                if (url, reason) in seen or len(hidden) >= MAX_HIDDEN:
                    continue
                seen.add((url, reason))
                hidden.append(HiddenLink(url=url, text=_text(collapse(node.text(deep=True))), reason=reason,
                                         css=hit.css if hit is not None else "",
                                         selector=hit.selector if hit is not None else "", script=True))
            elif tag in ("script", "iframe", "frame"):
                add_embed(tag, node.attributes.get("src"))


def page_security_signs(html: str, url: str) -> tuple[list[HiddenLink], list[Embed]]:
    """:func:`security_signs` of an HTML text (parses and scans it: for tools and tests)."""
    tree = LexborHTMLParser(html)
    scan = scan_document(tree, html)
    resolver = Resolver(url)
    base = resolver(scan.base_href) if scan.base_href else None
    return security_signs(scan, html, url, Resolver(base) if base else resolver, tree)
