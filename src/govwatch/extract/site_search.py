"""The site's own search (站内搜索): where a page offers it, and what a result page says.

:func:`find_search` reads a page (the homepage) for the search box: a ``<form>`` with a text
field whose markup or action says it searches (``搜索``/``检索``/``search``…, or an action that is a
known engine endpoint of ``govwatch/data/search_engines.yaml``); without such a form, a link to a
known engine endpoint. A search box that only scripts submit (no form, or a ``javascript:``
action) is reported as script-driven: scripts are not run, so it cannot be queried.

:func:`read_results` reads one answer of the search for a query: links into the site, whether
the article searched for is among them, and the words a page uses for "nothing found", for an
error, and for suggestions (纠错、关键词推荐). Pure: no network.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import yaml
from selectolax.lexbor import LexborHTMLParser, LexborNode

from govwatch.core.urls import Scope, normalize_url
from govwatch.extract.decode import decode_html
from govwatch.extract.walk import collapse

__all__ = ["SearchEntry", "Discovery", "ResultPage", "find_search", "read_results", "engines", "engine_of"]

_SEARCH_WORDS = re.compile(r"search|sousuo|\bsou\b|query|keyword|searchword|\bkw\b|\bwd\b|\bq\b|检索|搜索|搜\s*索|查询|全文", re.I)
_TEXT_TYPES = ("", "text", "search")
_SKIP_TYPES = ("password", "file")
MAX_TEXT_FIELDS = 3  # a form with more text fields (or a textarea) is a message form, not a search box
_NO_RESULT = re.compile(
    r"(?:没有|未能?|无法)(?:找到|检索到|搜索到|查询到|查到)|(?:无|暂无)(?:相关|匹配|符合条件的)?(?:结果|记录|信息|数据|内容)"
    r"|(?:共|找到|检索到|搜索到|查询到)+(?:相关)?(?:结果|信息|记录)?\s*0\s*(?:条|个|篇|项)")
_ERROR = re.compile(
    r"系统(?:错误|异常|繁忙|维护)|服务器(?:内部)?错误|服务(?:暂时)?不可用|检索服务(?:异常|不可用|出错)|出错了|发生错误|程序错误"
    r"|Internal Server Error|Service Unavailable|Bad Gateway|Exception|Traceback|数据库(?:连接)?(?:错误|异常)", re.I)
_SUGGEST = re.compile(r"您是不是要找|您要找的是不是|是否要找|你是不是想找|您是否要查找|相关搜索|推荐(?:关键词|搜索)|热门搜索|猜你想搜|搜索建议|纠错")
_ELLIPSIS = ("...", "…", "……")
MIN_PREFIX = 8  # characters of a truncated result title that must agree with the article's title


@dataclass(frozen=True, slots=True)
class SearchEntry:
    """How to ask the site's search: ``url`` (no query) with ``method``, the words in ``field``,
    and the form's other fields (hidden inputs, a link's query) sent as they are."""

    how: str  # form | link
    url: str
    method: str  # GET | POST
    field: str
    fixed: tuple[tuple[str, str], ...] = ()
    engine: str | None = None  # the id of a known engine (search_engines.yaml), if the URL matches one
    charset: str = "utf-8"  # how the words are encoded: the form's accept-charset, else the page's (as browsers do)

    def params(self, words: str) -> list[tuple[str, str]]:
        """The request's fields for ``words``."""
        return [(k, v) for k, v in self.fixed if k != self.field] + [(self.field, words)]

    def encoded(self, words: str) -> str:
        """The request's fields for ``words``, form-encoded in :attr:`charset`."""
        return urlencode(self.params(words), encoding=self.charset, errors="xmlcharrefreplace")

    def get_url(self, words: str) -> str:
        """The GET URL asking for ``words``."""
        return self.url + "?" + self.encoded(words)

    def to_json(self) -> dict[str, Any]:
        return {"how": self.how, "url": self.url, "method": self.method, "field": self.field,
                "fixed": [list(p) for p in self.fixed], "engine": self.engine, "charset": self.charset}


@dataclass(frozen=True, slots=True)
class Discovery:
    """What a page offers: a search ``entry``, or none; ``script_only`` when a search box exists
    that only scripts submit (it cannot be queried without running them)."""

    entry: SearchEntry | None
    script_only: bool = False
    forms: int = 0  # forms on the page


@dataclass(slots=True)
class ResultPage:
    """What one search answer shows."""

    links: int = 0  # distinct links into the site (other than the search itself)
    hits: int = 0  # of those, links whose text holds the query
    found: bool = False  # the article searched for is among the links (by URL or title)
    no_result: str | None = None  # the words saying nothing was found, as written
    error: str | None = None  # the words of an error page, as written
    suggestion: str | None = None  # the words offering a correction or related keywords, as written
    title: str = ""
    sample: list[str] = field(default_factory=list)  # the first few link texts, for evidence

    def to_json(self) -> dict[str, Any]:
        return {"links": self.links, "hits": self.hits, "found": self.found, "no_result": self.no_result,
                "error": self.error, "suggestion": self.suggestion, "title": self.title, "sample": self.sample}


@cache
def engines() -> tuple[dict[str, Any], ...]:
    """The known engines of ``govwatch/data/search_engines.yaml``, their ``path`` compiled."""
    text = resources.files("govwatch.data").joinpath("search_engines.yaml").read_text(encoding="utf-8")
    return tuple({**e, "pattern": re.compile(e["path"], re.I)} for e in yaml.safe_load(text)["engines"])


def engine_of(url: str) -> dict[str, Any] | None:
    """The known engine whose endpoint ``url`` is, if any."""
    path = urlsplit(url).path
    return next((e for e in engines() if e["pattern"].search(path)), None)


def _attrs_text(node: LexborNode) -> str:
    return " ".join(str(v) for k, v in node.attributes.items() if v and k in ("id", "class", "name", "placeholder",
                                                                            "title", "value", "action", "aria-label"))


def _text_fields(form: LexborNode) -> list[LexborNode]:
    return [i for i in form.css("input") if (i.attributes.get("type") or "").lower() in _TEXT_TYPES]


def _charset(declared: str, page: str) -> str:
    """The codec a form submits with: the first usable name of ``accept-charset``, else the page's."""
    for name in declared.replace(",", " ").split():
        try:
            return codecs.lookup(name).name
        except LookupError:
            continue
    return page


def _form_entry(form: LexborNode, page_url: str, encoding: str) -> tuple[SearchEntry | None, bool]:
    """(entry, script-only) of one form; (None, False) when it is no search form."""
    inputs = form.css("input")
    if form.css("textarea") or any((i.attributes.get("type") or "").lower() in _SKIP_TYPES for i in inputs):
        return None, False
    texts = [i for i in _text_fields(form) if i.attributes.get("name") or i.attributes.get("id")]
    if not texts or len(texts) > MAX_TEXT_FIELDS:
        return None, False
    action_attr = (form.attributes.get("action") or "").strip()
    action = normalize_url(action_attr, page_url) if action_attr and action_attr != "#" else None
    engine = engine_of(action) if action else None
    marks = " ".join([_attrs_text(form), collapse(form.text(separator=" "))] + [_attrs_text(i) for i in form.css(
        "input,button")])
    if engine is None and not _SEARCH_WORDS.search(marks):
        return None, False
    named = [i for i in texts if i.attributes.get("name")]
    if action is None or not named or action_attr.lower().startswith("javascript:"):
        return None, True
    chosen = next((i for i in named if _SEARCH_WORDS.search(_attrs_text(i))), named[0])
    name = str(chosen.attributes.get("name"))
    fixed = tuple((str(i.attributes.get("name")), str(i.attributes.get("value") or "")) for i in inputs
                  if (i.attributes.get("type") or "").lower() == "hidden" and i.attributes.get("name"))
    parts = urlsplit(action)
    fixed = tuple(parse_qsl(parts.query, keep_blank_values=True)) + fixed
    method = "POST" if (form.attributes.get("method") or "get").strip().lower() == "post" else "GET"
    return SearchEntry("form", urlunsplit(parts._replace(query="", fragment="")), method, name, fixed,
                       engine["id"] if engine else None,
                       _charset(str(form.attributes.get("accept-charset") or ""), encoding)), False


def _link_entry(tree: LexborHTMLParser, page_url: str, encoding: str) -> SearchEntry | None:
    for anchor in tree.css("a[href]"):
        url = normalize_url(str(anchor.attributes.get("href") or ""), page_url)
        engine = engine_of(url) if url else None
        if url is None or engine is None:
            continue
        parts = urlsplit(url)
        fixed = tuple(parse_qsl(parts.query, keep_blank_values=True))
        return SearchEntry("link", urlunsplit(parts._replace(query="", fragment="")), "GET", engine["query"], fixed,
                           engine["id"], encoding)
    return None


def _parse(body: bytes | str, content_type: str) -> tuple[LexborHTMLParser, str]:
    """The parsed page and the codec it was decoded with."""
    html, encoding = (body, "utf-8") if isinstance(body, str) else decode_html(body, content_type)[:2]
    try:
        encoding = codecs.lookup(encoding).name
    except LookupError:
        encoding = "utf-8"
    return LexborHTMLParser(html), encoding


def find_search(body: bytes | str, page_url: str, content_type: str = "") -> Discovery:
    """The search a page offers (see the module's docstring)."""
    tree, encoding = _parse(body, content_type)
    forms = tree.css("form")
    script_only = False
    for form in forms:
        entry, scripted = _form_entry(form, page_url, encoding)
        if entry is not None:
            return Discovery(entry, forms=len(forms))
        script_only = script_only or scripted
    link = _link_entry(tree, page_url, encoding)
    if link is not None:
        return Discovery(link, forms=len(forms))
    if not script_only:  # a search box outside any form: a script reads it
        script_only = any(i.parent is not None and not _in_form(i) and _SEARCH_WORDS.search(_attrs_text(i))
                          for i in tree.css("input") if (i.attributes.get("type") or "").lower() in _TEXT_TYPES)
    return Discovery(None, script_only=script_only, forms=len(forms))


def _in_form(node: LexborNode) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag == "form":
            return True
        parent = parent.parent
    return False


def _squash(text: str) -> str:
    return "".join(text.split()).lower()


def _same_title(link_text: str, title: str) -> bool:
    """A result's link text names the article: it holds the title, or is its truncated start."""
    text, want = _squash(link_text), _squash(title)
    if not text or not want:
        return False
    if want in text:
        return True
    for mark in _ELLIPSIS:
        if text.endswith(mark):
            head = text[: -len(mark)]
            return len(head) >= MIN_PREFIX and want.startswith(head)
    return False


def read_results(body: bytes | str, url: str, *, scope: Scope, query: str, expected_url: str = "",
                 expected_title: str = "", content_type: str = "", search_url: str = "") -> ResultPage:
    """One search answer: its links into the site and what its text says (see the module's docstring)."""
    tree, _encoding = _parse(body, content_type)
    title_node = tree.css_first("title")
    title = collapse(title_node.text()) if title_node is not None else ""
    for node in tree.css("script,style"):
        node.decompose()
    root = tree.body or tree.root
    text = collapse(root.text(separator=" ")) if root is not None else ""
    page = ResultPage(title=title)
    search_path = urlsplit(search_url or url).path
    seen: dict[str, str] = {}
    for anchor in tree.css("a[href]"):
        target = normalize_url(str(anchor.attributes.get("href") or ""), url)
        if target is None or not scope.contains(target) or urlsplit(target).path == search_path:
            continue
        seen.setdefault(target, collapse(anchor.text(separator=" ")))
    wanted = _squash(query)
    page.links = len(seen)
    page.hits = sum(1 for t in seen.values() if wanted and wanted in _squash(t))
    page.found = bool(expected_url and expected_url in seen) or bool(
        expected_title and any(_same_title(t, expected_title) for t in seen.values()))
    page.sample = [t for t in seen.values() if t][:5]
    for attr, pattern in (("no_result", _NO_RESULT), ("error", _ERROR), ("suggestion", _SUGGEST)):
        found = pattern.search(f"{title} {text}")
        setattr(page, attr, found.group(0) if found else None)
    return page
