"""Cloaking probe: refetch a sample of pages as Baiduspider and as the crawl, and compare.

Hacked government sites often show search-engine crawlers gambling or porn spam (titles,
text, links to spam hosts) while people see the normal page. The homepage and a few list
pages and articles (``security.cloaking_sample``) are fetched twice at the same moment:
with ``security.cloaking_user_agent`` and with the crawl's user agent. What is stored is a
compact comparison — titles, the visible text lines and off-site links only the spider
got, a text similarity and a short diff — that ``checks/cloaking.py`` rates.
"""

from __future__ import annotations

import asyncio
import difflib
import itertools
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any

from govwatch.core.urls import Scope
from govwatch.crawl.sitefacts.http import Page, Resolver, get_page, make_session
from govwatch.extract import extract_page
from govwatch.extract.text import page_text_from_body
from govwatch.rundata import RunData

MAX_ONLY_TEXT_CHARS = 4000  # spider-only text kept per page
MAX_LINE_CHARS = 300
MAX_ONLY_LINKS = 30
MAX_DIFF_CHARS = 2000
MAX_LINES = 3000  # lines compared per page


def sample_pages(data: RunData, size: int) -> list[tuple[str, str]]:
    """(url, page type) to refetch: the homepage, then list pages and articles in turn, in crawl order
    (other pages when there are too few of those)."""
    chosen: list[tuple[str, str]] = []
    home = data.site_url
    if data.homepage() is not None:
        chosen.append((home, "home"))
    wanted = size - len(chosen)

    def first(page_type: str) -> list[str]:
        with closing(data.pages(page_type)) as pages:  # type: ignore[type-var]
            urls: Iterator[str] = (u for u, _ in pages if u not in data.homepage_urls and _fetched_ok(data, u))
            return list(itertools.islice(urls, wanted))

    lists, articles = first("list"), first("article")
    for pair in itertools.chain.from_iterable(itertools.zip_longest(
            ((u, "list") for u in lists), ((u, "article") for u in articles))):
        if pair is not None and len(chosen) < size:
            chosen.append(pair)
    if len(chosen) < size:  # a site whose pages are not recognised as lists or articles
        chosen += [(u, "other") for u in first("other")[:size - len(chosen)]]
    return chosen


def _fetched_ok(data: RunData, url: str) -> bool:
    row = data.fetches.get(url) or {}
    return not row.get("error") and 200 <= (row.get("status") or 0) < 400


def _lines(text: Any) -> list[str]:
    lines: list[str] = []
    for _where, segment in text.segments:
        lines.extend(s for line in segment.split("\n") if (s := " ".join(line.split())))
    return lines[:MAX_LINES]


def _view(page: Page, scope: Scope) -> dict[str, Any]:
    """What one fetch showed: status, title, visible text lines, off-site links."""
    view: dict[str, Any] = {**page.summary(), "title": "", "lines": [], "offsite": {}}
    if page.error or page.status is None or not page.body:
        return view
    text = page_text_from_body(page.body, page.content_type)
    facts = extract_page(page.body, page.final_url, content_type=page.content_type)
    view.update(title=text.title, lines=_lines(text),
                offsite={ln.url: ln.text for ln in facts.links if not scope.contains(ln.url)})
    return view


def _public(view: dict[str, Any]) -> dict[str, Any]:
    """The stored part of a view (no text)."""
    return {k: view[k] for k in ("status", "final_url", "error", "redirects", "not_followed", "title")} | {
        "text_lines": len(view["lines"]), "offsite_links": len(view["offsite"])}


def _capped_lines(lines: list[str], budget: int) -> list[str]:
    kept: list[str] = []
    for line in lines:
        if budget <= 0:
            break
        line = line[:MAX_LINE_CHARS]
        kept.append(line)
        budget -= len(line)
    return kept


def compare(url: str, page_type: str, spider: dict[str, Any], normal: dict[str, Any]) -> dict[str, Any]:
    """The stored comparison of one page's two views."""
    entry: dict[str, Any] = {"url": url, "page_type": page_type, "spider": _public(spider), "normal": _public(normal)}
    if spider["status"] is None or normal["status"] is None:
        return {**entry, "compared": False, "reason": "两种身份的访问中有一次失败"}
    normal_set = set(normal["lines"])
    spider_set = set(spider["lines"])
    spider_only = [line for line in dict.fromkeys(spider["lines"]) if line not in normal_set]
    links = [{"url": u, "text": t[:100]} for u, t in spider["offsite"].items() if u not in normal["offsite"]]
    diff = "\n".join(itertools.islice(difflib.unified_diff(normal["lines"], spider["lines"], "normal", "spider",
                                                           lineterm="", n=0), 60))
    return {**entry, "compared": True,
            "title_differs": spider["title"] != normal["title"],
            "final_url_differs": (spider["not_followed"] or spider["final_url"]) != (
                normal["not_followed"] or normal["final_url"]),
            "similarity": round(difflib.SequenceMatcher(None, normal["lines"], spider["lines"],
                                                        autojunk=False).ratio(), 3),
            "spider_only_text": _capped_lines(spider_only, MAX_ONLY_TEXT_CHARS),
            "spider_only_lines": len(spider_only),
            "normal_only_lines": len([line for line in dict.fromkeys(normal["lines"]) if line not in spider_set]),
            "spider_only_links": links[:MAX_ONLY_LINKS], "spider_only_link_count": len(links),
            "diff": diff[:MAX_DIFF_CHARS]}


async def probe_cloaking(data: RunData, resolver: Resolver, *, spider_agent: str, normal_agent: str, sample: int,
                         timeout: float, allowed: Callable[[str], bool]) -> dict[str, Any]:
    """Fetch the sample as the spider and as the crawl (both at once) and compare each page."""
    pages = sample_pages(data, sample)
    async with make_session(resolver, user_agent=spider_agent) as spider_s, \
            make_session(resolver, user_agent=normal_agent) as normal_s:
        async def one(url: str, page_type: str) -> dict[str, Any]:
            spider, normal = await asyncio.gather(get_page(spider_s, url, timeout=timeout, allowed=allowed),
                                                  get_page(normal_s, url, timeout=timeout, allowed=allowed))
            return compare(url, page_type, _view(spider, data.scope), _view(normal, data.scope))

        compared = await asyncio.gather(*(one(url, kind) for url, kind in pages))
    return {"spider_user_agent": spider_agent, "normal_user_agent": normal_agent, "sample": len(pages),
            "pages": list(compared)}
