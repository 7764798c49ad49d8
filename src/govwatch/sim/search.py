"""The simulated sites' own search (站内搜索), with its ground truth (issue 23, docs/search.md).

Each site has one search mode (:data:`DEFAULT_MODES` by site id; other sites ``exact``):

- ``tolerant``: a GET search form on the homepage; the endpoint lists the site's articles whose
  title holds the query, or — failing that — holds it once one character of the title is dropped
  (a typo the search corrects), with a "您是不是要找" line;
- ``exact``: the same, without the typo correction (under a table that asks for typo tolerance:
  ``search_typo_intolerant``);
- ``none``: no search box and no search endpoint (``search_missing``);
- ``error500``: the form is there, the endpoint answers 500 (``search_broken``);
- ``error_page``: the endpoint answers 200 with a "系统繁忙" error page (``search_broken``).

The endpoint and field follow the family's real engine (``data/search_engines.yaml``): TRS WAS5
``was5/web/search?channelid=…&searchword=…``, JCMS ``jsearchfront/search.do?websiteid=…&q=…``,
legacy ``search/search.asp?keyword=…``. The manifest's ``search`` entry is :meth:`SiteSearch.truth`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html import escape
from urllib.parse import parse_qsl

SEARCH_MODES = ("tolerant", "exact", "none", "error500", "error_page")
DEFAULT_MODES = {"trs": "tolerant", "jcms": "exact", "legacy": "none", "fgw": "error500", "jyj": "error_page"}
# family -> (site-relative endpoint, query field, fixed fields)
ENDPOINTS: dict[str, tuple[str, str, tuple[tuple[str, str], ...]]] = {
    "trs": ("was5/web/search", "searchword", (("channelid", "200001"),)),
    "jcms": ("jsearchfront/search.do", "q", (("websiteid", "1"),)),
    "legacy": ("search/search.asp", "keyword", ()),
}
EXPECTED_KINDS = {"tolerant": [], "exact": ["search_typo_intolerant"], "none": ["search_missing"],
                  "error500": ["search_broken"], "error_page": ["search_broken"]}
MAX_RESULTS = 20
ERROR_TEXT = "检索服务异常：系统繁忙，请稍后再试。"


def _squash(text: str) -> str:
    return "".join(text.split()).lower()


def matches(title: str, query: str, *, tolerant: bool) -> bool:
    """Whether a search for ``query`` lists an article titled ``title`` (``tolerant``: also when the
    query is the title's text with one character left out)."""
    have, want = _squash(title), _squash(query)
    if not want:
        return False
    if want in have:
        return True
    return tolerant and any(want in have[:i] + have[i + 1:] for i in range(len(have)))


@dataclass(frozen=True, slots=True)
class SiteSearch:
    """One site's search: its mode and endpoint."""

    mode: str
    path: str  # site-relative endpoint ("" for none)
    field: str
    fixed: tuple[tuple[str, str], ...]

    @classmethod
    def for_site(cls, site_id: str, family: str) -> SiteSearch:
        mode = DEFAULT_MODES.get(site_id, "exact")
        path, field, fixed = ENDPOINTS[family]
        return cls(mode, "" if mode == "none" else path, field, fixed)

    def form_html(self, root: str) -> str:
        """The homepage's search box (nothing for ``none``)."""
        if not self.path:
            return ""
        hidden = "".join(f'<input type="hidden" name="{k}" value="{escape(v)}">' for k, v in self.fixed)
        return (f'<div class="search"><form name="searchform" action="{root}{self.path}" method="get">{hidden}'
                f'<input type="text" name="{self.field}" class="search-input" placeholder="请输入关键词">'
                '<input type="submit" value="搜索"></form></div>')

    def handles(self, path: str) -> bool:
        return bool(self.path) and path == self.path

    def answer(self, query: str, encoding: str,
               articles: Callable[[], Iterable[tuple[str, str]]]) -> tuple[int, str, str]:
        """(status, page title, body HTML) of a search; ``articles`` gives (href, title) of every article."""
        if self.mode == "error500":
            return 500, "", ""
        if self.mode == "error_page":
            return 200, "系统提示", f'<div class="error"><p>{ERROR_TEXT}</p></div>'
        words = dict(parse_qsl(query, encoding=encoding, errors="replace")).get(self.field, "").strip()
        exact = [(h, t) for h, t in articles() if matches(t, words, tolerant=False)] if words else []
        corrected = []
        if not exact and words and self.mode == "tolerant":
            corrected = [(h, t) for h, t in articles() if matches(t, words, tolerant=True)]
        found = (exact or corrected)[:MAX_RESULTS]
        head = f'<p class="search-word">搜索：{escape(words)}</p>'
        if corrected:
            head += f'<p class="suggest">您是不是要找：{escape(found[0][1])}</p>'
        if not found:
            return 200, "检索结果", head + f"<p>抱歉，没有找到与“{escape(words)}”相关的结果。</p>"
        rows = "".join(f'<li><a href="{escape(h)}" target="_blank">{escape(t)}</a></li>' for h, t in found)
        return 200, "检索结果", head + f'<p>共找到{len(found)}条结果</p><ul class="search-results">{rows}</ul>'

    def truth(self, base_url: str) -> dict[str, object]:
        """The manifest's ``search`` entry: mode, endpoint URL (null for none), method, field, whether a
        one-character typo is corrected, and the kinds an inspection under national-2019 must report."""
        return {"mode": self.mode, "url": base_url + self.path if self.path else None, "method": "GET",
                "field": self.field if self.path else None, "typo_tolerant": self.mode == "tolerant",
                "expect": EXPECTED_KINDS[self.mode]}
