"""Why an element of a page is not seen: the hiding techniques of dark links (暗链).

:func:`hiding_reason` judges an element's chain (itself and its ancestors) with inline
``style``, presentational attributes (``hidden``, ``<font color>``, ``bgcolor``),
``<marquee>`` ancestors and the rules of the page's own ``<style>`` blocks
(:mod:`govwatch.extract.css`). Reasons, in the order of :data:`REASONS`: ``display_none``,
``visibility_hidden``, ``offscreen`` (a negative position, margin or text-indent of at least
:data:`OFFSCREEN_PX`), ``zero_size`` (a box of at most 1px with overflow hidden, or clipped to
nothing), ``zero_font`` (font-size at most 1px), ``same_colour`` (text colour equal to the
nearest declared background colour), ``transparent`` (opacity 0), ``marquee``.

:func:`shown_on_demand` tells whether a hiding box looks like one the page itself toggles
(its id or class named by an inline script or event handler, a stylesheet rule that shows it
again, a sibling of the same class: tab panels, drop-down menus).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from selectolax.lexbor import LexborNode

from govwatch.extract.css import (
    EMPTY_SHEET,
    StyleSheet,
    background_colour,
    colour,
    compound_matches,
    element_parent,
    parse_css,
    parse_declarations,
    px,
    rule_keys,
    selector_matches,
)

__all__ = ["PageStyle", "Hit", "hiding_reason", "shown_on_demand", "REASONS", "OFFSCREEN_PX"]

OFFSCREEN_PX = 500.0  # a negative offset at least this large moves a box out of sight
_CHAIN_LIMIT = 60  # ancestors looked at

REASONS = ("display_none", "visibility_hidden", "offscreen", "zero_size", "zero_font", "same_colour",
           "transparent", "marquee")

Declared = dict[str, tuple[str, str]]  # property -> (value, where it was declared)

_STYLE_OPEN = re.compile(r"<style", re.I)
_STYLE_BLOCK = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.I | re.S)  # what style_blocks finds
_STYLE_START = re.compile(r"<style\b[^>]*>", re.I)
_STYLE_END = re.compile(r"</style\s*>", re.I)
_HANDLER = re.compile(r"\son(?:mouse\w+|click|focus|blur|load|change)\s*=\s*([\"'])(.*?)\1", re.I | re.S)


@dataclass(slots=True)
class PageStyle:
    """What judging a chain reads of the page (its source and inline scripts), built on first need."""

    html: str
    scripts: list[str]
    _sheet: StyleSheet | None = None
    _named: str | None = None
    _decls: dict[int, Declared] = field(default_factory=dict)

    @property
    def sheet(self) -> StyleSheet:
        """The rules of the page's ``<style>`` blocks."""
        if self._sheet is None:
            css = "\n".join(style_blocks(self.html)) if _STYLE_OPEN.search(self.html) else ""
            self._sheet = parse_css(css) if css.strip() else EMPTY_SHEET
        return self._sheet

    @property
    def named(self) -> str:
        """Inline script text and event-handler attribute values (what toggles boxes)."""
        if self._named is None:
            handlers = [m.group(2) for m in _HANDLER.finditer(self.html)] if " on" in self.html else []
            self._named = "\n".join(self.scripts + handlers)
        return self._named

    def for_fragment(self) -> PageStyle:
        """The same page's style for the elements of another parsed tree (markup a script writes):
        the style sheet is shared, the per-element cache is not (element ids are per tree)."""
        return PageStyle(self.html, self.scripts, self.sheet)


def style_blocks(html: str) -> list[str]:
    """``_STYLE_BLOCK.findall(html)``, the text inside each ``<style>`` element, found as an opening tag
    and then the closing tag after it: the regular expression's lazy ``.*?`` tests for the closing
    tag at every character of a block (50 µs on a page with a 5 KB style block, against 3 µs).
    The same blocks: an opening tag cannot hold ``>``, so where one matches it ends at the first
    ``>``; its block ends at the first closing tag after it, and when there is none no later
    opening tag has one either."""
    blocks: list[str] = []
    pos = 0
    while (start := _STYLE_START.search(html, pos)) is not None:
        end = _STYLE_END.search(html, start.end())
        if end is None:
            break
        blocks.append(html[start.end():end.start()])
        pos = end.end()
    return blocks


def _declared(node: LexborNode, page: PageStyle) -> Declared:
    """property -> (value, where): the cascade of presentational attributes, stylesheet rules
    (by specificity, then order) and the inline style; ``where`` is the selector, "" for inline
    style, ``@attr`` for attributes."""
    cached = page._decls.get(node.mem_id)
    if cached is not None:
        return cached
    tag = node.tag or ""
    attrs = node.attributes
    out: Declared = {}
    if "hidden" in attrs:
        out["display"] = ("none", "@hidden")
    if tag == "font" and attrs.get("color"):
        out["color"] = (str(attrs["color"]).lower(), "@color")
    if attrs.get("bgcolor"):
        out["background-color"] = (str(attrs["bgcolor"]).lower(), "@bgcolor")
    sheet = page.sheet
    if sheet.hiding:
        matched = [r for r in sheet.rules_for(rule_keys(tag, attrs)) if selector_matches(node, r.selector)]
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
class Hit:
    """A hiding reason, the element that hides, the CSS that does it and the selector it came from."""

    reason: str
    node: LexborNode
    css: str
    selector: str  # "" for inline style and presentational attributes


def _css_text(decl: Declared, props: tuple[str, ...]) -> str:
    return ";".join(f"{p}:{decl[p][0]}" for p in props if p in decl)


def _where(decl: Declared, props: tuple[str, ...]) -> str:
    return next((decl[p][1] for p in props if p in decl and decl[p][1] and not decl[p][1].startswith("@")), "")


def _hit(reason: str, node: LexborNode, decl: Declared, props: tuple[str, ...]) -> Hit:
    return Hit(reason, node, _css_text(decl, props), _where(decl, props))


def _offscreen(decl: Declared) -> tuple[str, ...] | None:
    position = decl.get("position", ("static", ""))[0]
    if position in ("absolute", "fixed", "relative"):
        for side in ("left", "top"):
            if side in decl:
                v = px(decl[side][0])
                if v is not None and v <= -OFFSCREEN_PX:
                    return ("position", side)
    for prop in ("margin-left", "margin-top"):
        if prop in decl:
            v = px(decl[prop][0])
            if v is not None and v <= -OFFSCREEN_PX:
                return (prop,)
    if "margin" in decl:
        parts = decl["margin"][0].split()
        if parts:
            top, left = parts[0], parts[3] if len(parts) == 4 else parts[1] if len(parts) > 1 else parts[0]
            if any((v := px(x)) is not None and v <= -OFFSCREEN_PX for x in (top, left)):
                return ("margin",)
    return None


_CLIP_NONE = re.compile(r"rect\(\s*[01](?:px)?\s*,?\s*[01](?:px)?\s*,?\s*[01](?:px)?\s*,?\s*[01](?:px)?\s*\)")


def _zero_size(decl: Declared) -> tuple[str, ...] | None:
    if "clip" in decl and _CLIP_NONE.search(decl["clip"][0]):
        return ("clip", "position")
    if decl.get("overflow", ("", ""))[0] != "hidden":
        return None
    for prop in ("height", "width", "max-height", "max-width"):
        if prop in decl:
            v = px(decl[prop][0])
            if v is not None and v <= 1:
                return (prop, "overflow")
    return None


@dataclass(slots=True)
class _Chain:
    """What judging a chain has read so far, from the element up (the nearest declaration wins)."""

    hits: dict[str, Hit] = field(default_factory=dict)
    visibility_seen: bool = False
    indent_seen: bool = False
    font_factor: float = 1.0  # product of the relative font sizes (%, em) seen below an absolute one
    font_px: float | None = None
    text_colour: str | None = None  # "" once a colour that is not one was declared
    colour_decl: tuple[str, str] = ("", "")
    background_seen: bool = False


def _box_hits(chain: _Chain, node: LexborNode, decl: Declared) -> None:
    """display, visibility, offscreen, zero size and opacity declared on one element of the chain."""
    hits = chain.hits
    if decl.get("display", ("", ""))[0] == "none" and "display_none" not in hits:
        hits["display_none"] = Hit("display_none", node, "display:none", _where(decl, ("display",)))
    if not chain.visibility_seen and "visibility" in decl:
        chain.visibility_seen = True
        if decl["visibility"][0] in ("hidden", "collapse"):
            hits["visibility_hidden"] = _hit("visibility_hidden", node, decl, ("visibility",))
    if "offscreen" not in hits:
        props = _offscreen(decl)
        if props is None and not chain.indent_seen and "text-indent" in decl:
            chain.indent_seen = True
            v = px(decl["text-indent"][0])
            if v is not None and v <= -OFFSCREEN_PX:
                props = ("text-indent",)
        if props is not None:
            hits["offscreen"] = _hit("offscreen", node, decl, props)
    elif "text-indent" in decl:
        chain.indent_seen = True
    if "zero_size" not in hits:
        props = _zero_size(decl)
        if props is not None:
            hits["zero_size"] = _hit("zero_size", node, decl, props)
    if "opacity" in decl and "transparent" not in hits:
        try:
            if float(decl["opacity"][0]) == 0:
                hits["transparent"] = Hit("transparent", node, "opacity:0", _where(decl, ("opacity",)))
        except ValueError:
            pass


def _font_size(chain: _Chain, node: LexborNode, decl: Declared) -> None:
    """A font-size on the chain below which none is absolute yet: relative sizes multiply."""
    raw = decl["font-size"][0]
    if raw.endswith("%"):
        try:
            chain.font_factor *= float(raw[:-1]) / 100
        except ValueError:
            chain.font_px = 16.0
    elif raw.endswith("em") and not raw.endswith("rem"):
        v = px(raw)
        chain.font_factor *= (v / 16.0) if v is not None else 1.0
    else:
        v = px(raw)
        chain.font_px = v * chain.font_factor if v is not None else 16.0  # keywords: readable sizes
    if "zero_font" in chain.hits:
        return
    if chain.font_px is not None and chain.font_px <= 1:
        chain.hits["zero_font"] = _hit("zero_font", node, decl, ("font-size",))
    elif chain.font_px is None and chain.font_factor * 16 <= 1:
        chain.font_px = 0.0
        chain.hits["zero_font"] = _hit("zero_font", node, decl, ("font-size",))


def _background(chain: _Chain, node: LexborNode, decl: Declared) -> None:
    """The nearest declared background: same colour as the text below it hides the text."""
    for prop in ("background-color", "background"):
        if prop in decl:
            declares, bg = background_colour(decl[prop][0])
            if declares:
                chain.background_seen = True
                text_colour, colour_decl = chain.text_colour, chain.colour_decl
                if bg is not None and text_colour and bg == text_colour:
                    where = colour_decl[1] if not colour_decl[1].startswith("@") else ""
                    chain.hits["same_colour"] = Hit(
                        "same_colour", node, f"color:{colour_decl[0]};{prop}:{decl[prop][0]}",
                        where or _where(decl, (prop,)))
                break


def _marquee(node: LexborNode) -> Hit:
    attrs = node.attributes
    shown = " ".join(f'{k}="{attrs[k]}"' for k in ("height", "width", "scrollamount", "scrolldelay") if attrs.get(k))
    return Hit("marquee", node, f"<marquee {shown}>" if shown else "<marquee>", "")


def hiding_reason(node: LexborNode, page: PageStyle) -> Hit | None:
    """Why ``node`` is not seen (the first reason in :data:`REASONS` order), or None."""
    chain = _Chain()
    hits = chain.hits
    current: LexborNode | None = node
    depth = 0
    while current is not None and depth < _CHAIN_LIMIT:
        depth += 1
        decl = _declared(current, page)
        if decl:
            _box_hits(chain, current, decl)
            if chain.font_px is None and "font-size" in decl:
                _font_size(chain, current, decl)
            if chain.text_colour is None and "color" in decl:
                chain.text_colour = colour(decl["color"][0]) or ""
                chain.colour_decl = decl["color"]
            if not chain.background_seen:
                _background(chain, current, decl)
        if current.tag == "marquee" and "marquee" not in hits:
            hits["marquee"] = _marquee(current)
        current = element_parent(current)
    if chain.font_px is None and chain.font_factor * 16 <= 1 and "zero_font" not in hits:
        hits["zero_font"] = Hit("zero_font", node, "font-size:0", "")
    return next((hits[r] for r in REASONS if r in hits), None)


def _named_in(names: list[str], text: str) -> bool:
    for name in names:
        if name and len(name) > 1 and name in text \
                and re.search(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", text):
            return True
    return False


def shown_on_demand(hit: Hit, page: PageStyle) -> bool:
    """Whether the hiding box looks like one the page shows on demand (tabs, menus, slides)."""
    if hit.reason not in ("display_none", "visibility_hidden", "zero_size"):
        return False
    node = hit.node
    attrs = node.attributes
    tag = node.tag or ""
    classes = (attrs.get("class") or "").split()
    if hit.selector and any(not selector_matches(node, r.selector) or r.selector.text != hit.selector
                            for r in page.sheet.reveal_rules_for(rule_keys(tag, attrs))
                            if compound_matches(tag, attrs, r.selector.compounds[0])):
        return True  # a hover or state rule shows it again
    if _named_in([attrs.get("id") or "", *classes], page.named):
        return True
    current: LexborNode | None = node
    for _ in range(4):  # an event handler on the box or near it
        if current is None:
            break
        if any(k.lower().startswith("on") for k in current.attributes):
            return True
        current = element_parent(current)
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
