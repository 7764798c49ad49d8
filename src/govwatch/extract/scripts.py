"""What inline scripts say about a page's data: the URLs they load and whether they fill a list.

- :func:`read_scripts` (one pass over each script): the endpoints — string literals passed to ``fetch(...)``, ``$.ajax({url: ...})``,
  ``$.get`` / ``$.getJSON`` / ``$.post`` (also ``jQuery.``), ``axios(...)`` / ``axios.get``,
  ``$(...).load(...)`` and ``XMLHttpRequest.open("GET", ...)``. Only whole literals count (not
  ``"list_" + page``, not template literals with ``${}``); ``http(s)`` or relative URLs,
  never scripts, styles, images or fonts — and which scripts write into the DOM.
- :func:`needs_render`: an empty list-like container (``ul``/``ol``/``div``/``table``
  whose class or id says list, news, lb, con(tent), info, tab; no links, almost no text)
  that an inline script writing into the DOM (innerHTML, appendChild, insertAdjacentHTML,
  document.write, ``.html(``, ``.append(``) names, or that sits on a page whose DOM-writing
  script loads an endpoint — the static HTML under-reports that list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from selectolax.lexbor import LexborHTMLParser, LexborNode

from govwatch.extract.links import IMAGE_EXTENSIONS
from govwatch.extract.walk import collapse, document_root

__all__ = ["ScriptFacts", "read_scripts", "needs_render", "DOM_WRITES", "clear_cache"]

DOM_WRITES = ("innerHTML", "appendChild", "insertAdjacentHTML", "document.write", ".html(", ".append(")
_LIT = r"(?P<q>['\"`])(?P<u>[^'\"`\r\n]{1,500}?)(?P=q)"
# Scripts are searched with str.find for a few words (a regex alternation scanning the text
# costs several times more); the patterns below are only matched where a word was found.
_CALL_AT = re.compile(r"(?:fetch|axios(?:\.(?:get|post|request))?|(?:\$|jQuery)\.(?:getJSON|get|post|ajax))"
                      r"\s*\(\s*" + _LIT)
_SETTINGS_AT = re.compile(r"(?:axios|(?:\$|jQuery)\.(?:ajax|get|post|getJSON))\s*\(\s*\{")
_LOAD_AT = re.compile(r"\.load\(\s*" + _LIT)
_OPEN_AT = re.compile(r"\.open\(\s*['\"](?:GET|POST)['\"]\s*,\s*" + _LIT, re.I)
_URL_KEY = re.compile(r"\burl\s*:\s*" + _LIT)
_NEEDLES = ("fetch", "axios", "$.", "jQuery.", ".load(", ".open(")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_SKIP_EXT = frozenset({"js", "css", "woff", "woff2", "ttf", "eot", "map"}) | IMAGE_EXTENSIONS
_EMPTY_TEXT = 20  # characters a "loading…" placeholder may show
_EMPTY_NODES = 8  # elements a placeholder may have (a table head row, a spinner)
_PLACEHOLDER = re.compile(r"加载|载入|正在|稍候|请稍|暂无|loading", re.I)
_STRONG_LIST = re.compile(r"list|news|lb")
_CONTENT_IDS = frozenset(n.tag_id for n in document_root(LexborHTMLParser("<a></a><img><iframe></iframe>")).traverse()
                         if n.tag in ("a", "img", "iframe"))


@dataclass(slots=True)
class ScriptFacts:
    """What the inline scripts of a page load (and, asked for, which write into the DOM)."""

    scripts: list[str]
    endpoints: list[str] = field(default_factory=list)  # absolute URLs, in order, each once
    loaders: list[bool] = field(default_factory=list)  # per script: loads an endpoint

    def writers(self) -> list[tuple[str, bool]]:
        """``(script, loads an endpoint)`` of the scripts that write into the DOM."""
        return [(sc, ld) for sc, ld in zip(self.scripts, self.loaders, strict=False) if _writes(sc)]


@lru_cache(maxsize=512)
def _writes(script: str) -> bool:
    """Whether a script writes into the DOM (cached: a site's template scripts repeat on every page)."""
    return any(w in script for w in DOM_WRITES)


def _acceptable(u: str) -> bool:
    if not u or u.startswith("#") or "${" in u or "{{" in u:
        return False
    if _SCHEME.match(u) and not u.lower().startswith(("http://", "https://")):
        return False  # javascript:, data:, mailto: …
    path = u.split("?", 1)[0].split("#", 1)[0]
    dot, slash = path.rfind("."), path.rfind("/")
    return not (dot > slash and path[dot + 1:].lower() in _SKIP_EXT)


def _literal(script: str, m: re.Match[str] | None) -> str | None:
    """The URL literal of a call match, when it is used whole and not commented out."""
    if m is None:
        return None
    rest = script[m.end(): m.end() + 40].lstrip()
    if rest.startswith("+"):
        return None  # "list_" + page: only part of a URL
    line = script[script.rfind("\n", 0, m.start()) + 1: m.start()].lstrip()
    if line.startswith("//") or line.startswith("<!--"):
        return None  # commented out
    u = m.group("u").strip()
    u = u.split()[0] if u else ""  # $(x).load("page.html .part")
    return u if _acceptable(u) else None


@lru_cache(maxsize=512)
def _literals(script: str) -> tuple[tuple[int, str], ...]:
    """``(position, url literal)`` of every data-loading call in one script (cached: a site's
    template scripts repeat on every page)."""
    found: list[tuple[int, str]] = []
    for needle in _NEEDLES:
        pos = script.find(needle)
        while pos >= 0:
            if needle == ".load(":
                prev = script[:pos].rstrip()[-1:]
                u = _literal(script, _LOAD_AT.match(script, pos)) if prev == ")" else None
            elif needle == ".open(":
                u = _literal(script, _OPEN_AT.match(script, pos))
            else:
                if needle in ("fetch", "axios") and pos and (script[pos - 1].isalnum() or script[pos - 1] in "_$"):
                    pos = script.find(needle, pos + 1)
                    continue  # prefetch, myaxios
                u = _literal(script, _CALL_AT.match(script, pos))
                if u is None and _SETTINGS_AT.match(script, pos):  # $.ajax({url: "...", ...})
                    u = _literal(script, _URL_KEY.search(script, pos, pos + 600))
            if u is not None:
                found.append((pos, u))
            pos = script.find(needle, pos + len(needle))
    found.sort()
    return tuple(found)


def clear_cache() -> None:
    """Forget cached script readings (benchmarks measure a site's first page with it)."""
    _literals.cache_clear()
    _writes.cache_clear()


def read_scripts(scripts: list[str], resolve_url: Callable[[str | None], str | None]) -> ScriptFacts:
    """The endpoints the inline ``scripts`` load data from (absolute, in order, each once)."""
    facts = ScriptFacts(scripts=scripts)
    out = facts.endpoints
    for script in scripts:
        loads = False
        for _pos, u in _literals(script):
            url = resolve_url(u)
            if url is not None and url.startswith(("http://", "https://")):
                loads = True
                if url not in out:
                    out.append(url)
        facts.loaders.append(loads)
    return facts


def _is_empty(node: LexborNode) -> bool:
    """No links or images, a few elements at most, and no text but a loading placeholder."""
    if node.child is None:
        return True
    count = 0
    for d in node.traverse():
        if d.tag_id in _CONTENT_IDS:
            return False
        count += 1
        if count > _EMPTY_NODES:
            return False
    text = collapse(node.text(deep=True))
    return not text or (len(text) <= _EMPTY_TEXT and _PLACEHOLDER.search(text) is not None)


def _named_in(ident: str, cls: str, scripts: list[str]) -> bool:
    """Whether a script names the container by its id or one of its classes."""
    ident = ident.strip()
    if ident:
        needles = (f"#{ident}", f"'{ident}'", f'"{ident}"')
        if any(n in s for s in scripts for n in needles):
            return True
    for tok in cls.split():
        if len(tok) < 3:
            continue
        quoted = (f"'{tok}'", f'"{tok}"')
        if any(n in s for s in scripts for n in quoted):
            return True
        rx = re.compile(rf"(?:^|[\"'\s>,(]|\b(?:ul|ol|div|table|tbody|section|dl))\.{re.escape(tok)}(?![\w-])")
        if any(("." + tok) in s and rx.search(s) for s in scripts):
            return True
    return False


def needs_render(boxes: list[tuple[LexborNode, str, str]], facts: ScriptFacts) -> bool:
    """Whether an empty list container is filled by an inline script (see module docs)."""
    if not boxes or not facts.scripts:
        return False
    empty = [(ident, cls) for node, ident, cls in boxes if _is_empty(node)]
    if not empty:
        return False
    writers = facts.writers()
    if not writers:
        return False
    loading_writer = any(ld for _sc, ld in writers)
    texts = [sc for sc, _ld in writers]
    for ident, cls in empty:
        # A script that both loads data and writes it into the page fills a list-named box.
        if loading_writer and _STRONG_LIST.search(f"{cls} {ident}".lower()) is not None:
            return True
        if _named_in(ident, cls, texts):
            return True
    return False
