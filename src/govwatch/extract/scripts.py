"""What inline scripts say about a page's data: the URLs they load and whether they fill a list.

- :func:`read_scripts` (one pass over each script): the endpoints — string literals passed to ``fetch(...)``, ``$.ajax({url: ...})``,
  ``$.get`` / ``$.getJSON`` / ``$.post`` (also ``jQuery.``), ``axios(...)`` / ``axios.get``,
  ``$(...).load(...)`` and ``XMLHttpRequest.open("GET", ...)``. Only whole literals count (not
  ``"list_" + page``, not template literals with ``${}``); ``http(s)`` or relative URLs,
  never scripts, styles, images or fonts — and which scripts write into the DOM.
- :func:`needs_render`: an empty list-like container (``ul``/``ol``/``div``/``table``
  whose class or id says list, news, lb, con(tent), info, tab; no links, almost no text)
  that an inline script writing into the DOM (innerHTML, appendChild, insertAdjacentHTML,
  document.write, ``.html(``, ``.append(``) names, that sits on a page whose DOM-writing
  script loads an endpoint, or that sits on a page loading one of the site's own scripts by
  ``<script src>`` (which may fill it: the static HTML cannot say it does not) — the static
  HTML under-reports that list.
- :func:`script_file_endpoints`: the list APIs an external script file loads, read for one
  page: whole URL literals of data-loading calls, and URL literals that look like a list API
  (``api/``, ``list``, ``query``, ``.do``, ``.action``, ``.json`` …), with what the script
  concatenates to them when that is another literal or a ``data-*`` attribute of the page
  (``box.getAttribute("data-column")``, ``el.dataset.column``, ``$(el).data("column")``,
  ``$(el).attr("data-column")``, or a variable holding one of these).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from govwatch.extract.links import IMAGE_EXTENSIONS
from govwatch.extract.walk import collapse, document_root

__all__ = ["ScriptFacts", "read_scripts", "needs_render", "script_file_endpoints", "page_data_attributes",
           "DOM_WRITES", "clear_cache"]

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
    site_scripts: list[str] = field(default_factory=list)  # the site's own <script src> files (absolute)

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


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def read_scripts(scripts: list[str], resolve_url: Callable[[str | None], str | None],
                 sources: Iterable[str] = (), page_url: str | None = None) -> ScriptFacts:
    """The endpoints the inline ``scripts`` load data from (absolute, in order, each once), and
    which of the ``<script src>`` ``sources`` are the site's own (the page's origin)."""
    facts = ScriptFacts(scripts=scripts)
    origin = _origin(page_url) if page_url else None
    for src in sources:
        url = resolve_url(src)
        if url is not None and origin is not None and _origin(url) == origin and url not in facts.site_scripts:
            facts.site_scripts.append(url)
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
    """Whether an empty list container is filled by a script (see module docs)."""
    if not boxes or not (facts.scripts or facts.site_scripts):
        return False
    empty = [(ident, cls) for node, ident, cls in boxes if _is_empty(node)]
    if not empty:
        return False
    if facts.site_scripts:
        return True  # a script file of the site may fill it: only running it (or its API) tells
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


# -- external script files -------------------------------------------------------------------

_STRING = re.compile(r"""(?P<q>['"])(?P<s>(?:\\.|(?!(?P=q))[^\\\r\n]){1,500})(?P=q)""")
_API_HINT = re.compile(r"(?:^|[/_.?-])(?:api|list|lists|query|search|getlist|page|data|info|articles?|news|content)"
                       r"(?:[/_.?=&-]|$)|\.(?:do|action|json|jsp|php|aspx?|ashx)(?:[?#]|$)", re.I)
_ATTR_EXPR = re.compile(
    r"""(?:[\w$.\]]|\([^()]*\))*?(?:\.getAttribute\(\s*['"](?P<a>data-[\w-]+)['"]\s*\)"""
    r"""|\.attr\(\s*['"](?P<b>data-[\w-]+)['"]\s*\)"""
    r"""|\.data\(\s*['"](?P<c>[\w-]+)['"]\s*\)"""
    r"""|\.dataset\.(?P<d>[A-Za-z_$][\w$]*))""")
_ASSIGN = re.compile(r"(?:\b(?:var|let|const)\s+)?(?P<name>[A-Za-z_$][\w$]*)\s*=\s*(?!=)")
_DATA_ATTR = re.compile(r"""\sdata-(?P<n>[\w-]+)\s*=\s*(?:"(?P<v1>[^"]*)"|'(?P<v2>[^']*)'|(?P<v3>[^\s>"']+))""")
_IDENT = re.compile(r"[A-Za-z_$][\w$]*")


def page_data_attributes(html: str) -> dict[str, str]:
    """``data-*`` attributes of a page (name without ``data-`` → the first value seen)."""
    out: dict[str, str] = {}
    for m in _DATA_ATTR.finditer(html):
        out.setdefault(m.group("n").lower(), m.group("v1") or m.group("v2") or m.group("v3") or "")
    return out


def _camel_to_dash(name: str) -> str:
    return re.sub(r"[A-Z]", lambda m: "-" + m.group(0).lower(), name)


def _attribute_of(m: re.Match[str]) -> str:
    """The ``data-*`` name (without ``data-``) an attribute expression reads."""
    if m.group("a") or m.group("b"):
        return (m.group("a") or m.group("b"))[5:].lower()
    if m.group("c"):
        return m.group("c").lower()
    return _camel_to_dash(m.group("d"))


def _operand(script: str, pos: int, attrs: dict[str, str], names: dict[str, str]) -> tuple[str | None, int]:
    """The value of the operand at ``pos`` (a literal, a data attribute, a variable holding one)
    and where it ends; ``None`` when it cannot be known without running the script."""
    m = _STRING.match(script, pos)
    if m is not None:
        return m.group("s"), m.end()
    m = _ATTR_EXPR.match(script, pos)
    if m is not None and m.group(0):
        value = attrs.get(_attribute_of(m))
        return value, m.end()
    m = _IDENT.match(script, pos)
    if m is not None and script[m.end():m.end() + 1] != "(" and m.group(0) in names:
        return names[m.group(0)], m.end()
    return None, pos


def _known_names(script: str, attrs: dict[str, str]) -> dict[str, str]:
    """Variables the script sets to a literal or to a page's data attribute (last one wins)."""
    names: dict[str, str] = {}
    for m in _ASSIGN.finditer(script):
        value, end = _operand(script, m.end(), attrs, {})
        if value is not None and script[end:].lstrip(" \t")[:1] in (";", ",", "\n", "\r", ")", ""):
            names[m.group("name")] = value
    return names


def _concatenated(script: str, start: str, end: int, attrs: dict[str, str], names: dict[str, str]) -> str | None:
    """``start`` with every ``+ operand`` that follows it, or ``None`` when one is unknown."""
    value = start
    while True:
        rest = script[end:end + 200]
        stripped = rest.lstrip()
        if not stripped.startswith("+") or stripped.startswith("+="):
            return value
        pos = end + (len(rest) - len(stripped)) + 1
        while pos < len(script) and script[pos] in " \t\r\n":
            pos += 1
        part, end = _operand(script, pos, attrs, names)
        if part is None:
            return None
        value += part


def script_file_endpoints(script: str, resolve_url: Callable[[str | None], str | None],
                          attrs: dict[str, str]) -> list[str]:
    """The list APIs an external script loads for a page (absolute, in order, each once).

    ``resolve_url`` resolves against the page's URL (a script's relative URLs are the
    document's); ``attrs`` are the page's ``data-*`` attributes (:func:`page_data_attributes`).
    """
    names = _known_names(script, attrs)
    found: list[str] = []
    for m in _STRING.finditer(script):
        text = m.group("s").strip()
        if not text or not ("/" in text or "?" in text) or _API_HINT.search(text.split("#", 1)[0]) is None:
            continue
        line = script[script.rfind("\n", 0, m.start()) + 1: m.start()].lstrip()
        if line.startswith(("//", "/*", "*")) or script[max(0, m.start() - 200):m.start()].rstrip().endswith("+"):
            continue  # commented out, or the middle of a concatenation (read from its start)
        whole = _concatenated(script, text, m.end(), attrs, names)
        if whole is None or not _acceptable(whole) or " " in whole.strip():
            continue
        url = resolve_url(whole)
        if url is not None and url.startswith(("http://", "https://")) and url not in found:
            found.append(url)
    return found
