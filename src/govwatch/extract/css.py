"""A small CSS reader for judging hidden boxes: declarations, selectors, style sheets, values.

Only what can hide or show a box is read (:data:`BOX_PROPERTIES`). Style sheets: rules of
type, class, id and compound selectors with descendant and child combinators; rules under
``@media print`` or conditional media queries, and selectors with attributes or sibling
combinators, are left out. Selectors with pseudo-classes are kept apart, and only when they
show a box (hover and state rules: :attr:`StyleSheet.revealing`). Matching a selector walks
the element's ancestors in the parsed tree (:func:`selector_matches`). Values: lengths in px
(:func:`px`) and colours as ``#rrggbb`` (:func:`colour`, :func:`background_colour`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from selectolax.lexbor import LexborNode

__all__ = [
    "BOX_PROPERTIES", "Compound", "Selector", "Rule", "StyleSheet", "EMPTY_SHEET", "parse_declarations",
    "parse_selector", "parse_css", "px", "colour", "background_colour", "rule_keys", "compound_matches",
    "element_parent", "selector_matches",
]

# The properties that can hide a box (or show it again); every other declaration is dropped.
BOX_PROPERTIES = frozenset({
    "display", "visibility", "position", "left", "top", "margin", "margin-left", "margin-top", "text-indent",
    "width", "height", "max-height", "max-width", "overflow", "clip", "font-size", "color", "background",
    "background-color", "opacity"})


# -- declarations ---------------------------------------------------------------------------

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
        if prop in BOX_PROPERTIES:
            value = value.strip().lower().replace("!important", "").strip()
            if value:
                out.append((prop, value))
    return tuple(out)


# -- selectors ------------------------------------------------------------------------------

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
        """The index key of the rightmost compound: ``#id``, ``.class`` (the least) or the tag."""
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


# -- style sheets ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Rule:
    """One selector of a style rule with the rule's declarations, in source order."""

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


EMPTY_SHEET = StyleSheet()
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


# -- values ---------------------------------------------------------------------------------

_LENGTH = re.compile(r"^(-?\d*\.?\d+)(px|pt|em|rem|%|vw|vh|cm|mm|in)?$")
_UNIT_PX = {"px": 1.0, None: 1.0, "pt": 4 / 3, "em": 16.0, "rem": 16.0, "cm": 37.8, "mm": 3.78, "in": 96.0,
            "vw": 12.8, "vh": 7.2}


def px(value: str) -> float | None:
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


def background_colour(value: str) -> tuple[bool, str | None]:
    """(declares a background, its colour): an image background declares one of unknown colour."""
    if "url(" in value or "gradient" in value:
        return True, None
    for token in re.split(r"\s+(?![^(]*\))", value.strip()):
        c = colour(token)
        if c is not None:
            return True, c
    return False, None


# -- matching selectors against the parsed tree ---------------------------------------------

def rule_keys(tag: str, attrs: dict[str, str | None]) -> list[str]:
    """The :attr:`Selector.key` values under which rules that may match an element are indexed."""
    keys = [tag, "*"]
    ident = attrs.get("id")
    if ident:
        keys.append("#" + ident)
    cls = attrs.get("class")
    if cls:
        keys.extend("." + c for c in cls.split())
    return keys


def compound_matches(tag: str, attrs: dict[str, str | None], comp: Compound) -> bool:
    """Whether an element (its tag and attributes) matches one compound selector."""
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


def element_parent(node: LexborNode) -> LexborNode | None:
    """The parent element of a node; None at the document (lexbor's ``-document`` and the like)."""
    p = node.parent
    if p is None or p.tag is None or p.tag.startswith("-"):
        return None
    return p


def selector_matches(node: LexborNode, sel: Selector) -> bool:
    """Whether an element of the parsed tree matches a selector (its ancestors read for combinators)."""
    if not compound_matches(node.tag or "", node.attributes, sel.compounds[0]):
        return False
    current: LexborNode | None = node
    for comp, comb in zip(sel.compounds[1:], sel.combinators, strict=False):
        current = element_parent(current) if current is not None else None
        if comb == ">":
            if current is None or not compound_matches(current.tag or "", current.attributes, comp):
                return False
            continue
        while current is not None and not compound_matches(current.tag or "", current.attributes, comp):
            current = element_parent(current)
        if current is None:
            return False
    return True
