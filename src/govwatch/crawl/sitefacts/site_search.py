"""Site search probe (站内搜索): ask the site's own search for its own recent articles.

The homepage the crawl stored is read for the search box (:func:`govwatch.extract.site_search.find_search`).
When there is one, the titles of the newest articles the crawl found (at most ``MAX_QUERY_CHARS``
of each) are searched for, one request at a time, and once more one of them with a character
dropped (a typo: seed 001 asks for 错别字自动纠正). Each answer is read by
:func:`govwatch.extract.site_search.read_results`; what is stored is the run fact ``site_search``
that ``checks/site_search.py`` judges:

``{"status": "queried" | "missing" | "script" | "not_assessed", "reason", "home_url", "forms",
"entry" {how, url, method, field, fixed, engine}, "queries": [{"kind": "title" | "typo", "query",
"expected_url", "expected_title", "request_url", "method", "status", "final_url", "error",
"not_followed" (a redirect elsewhere the network policy kept us from following), "result" {links, hits, found, no_result, error, suggestion, title, sample}}]}``.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any

import aiohttp
from yarl import URL

from govwatch.crawl.fetcher import classify_exception
from govwatch.crawl.sitefacts.http import MAX_BODY, Page, Resolver, get_page, make_session
from govwatch.extract.site_search import SearchEntry, find_search, read_results
from govwatch.rundata import RunData

MAX_QUERY_CHARS = 20  # characters of a title searched for (a distinctive fragment; engines cut long queries)
MIN_TITLE_CHARS = 6  # shorter titles ("通知") are not distinctive
DEFAULT_QUERIES = 4  # recent articles searched for


def dropped_character(text: str) -> str:
    """``text`` with one character dropped: the middle one that is a CJK character or a letter (never
    the first or last, so the query still starts and ends like the title). Unchanged when too short."""
    if len(text) < 4:
        return text
    middle = len(text) // 2
    for offset in range(len(text)):
        for i in (middle - offset, middle + offset):
            if 0 < i < len(text) - 1 and (text[i].isalpha()):
                return text[:i] + text[i + 1:]
    return text


def recent_articles(data: RunData, count: int) -> list[tuple[str, str]]:
    """(url, title) of the ``count`` newest dated articles the crawl read: newest first, then the
    nearest the homepage (depth), then by URL — not crawl order, which concurrent fetches make differ
    from run to run (the articles asked, and the findings naming them, would too)."""
    found: list[tuple[str, str, str]] = []
    for url, facts in data.pages("article"):
        title = " ".join(str(facts.get("title") or "").split())
        if len(title) >= MIN_TITLE_CHARS and facts.get("publish_date") and not data.is_homepage(url):
            found.append((str(facts["publish_date"]), url, title))
    found.sort(key=lambda item: item[0], reverse=True)
    chosen: list[tuple[str, str]] = []
    for _day, same_day in itertools.groupby(found, key=lambda item: item[0]):
        # depth and URL order within a day, looked up for the days taken only (a few fetch rows, not all)
        for _, url, title in sorted(same_day, key=lambda item: data.place(item[1])):
            if all(title != t for _, t in chosen):
                chosen.append((url, title))
            if len(chosen) == count:
                return chosen
    return chosen


def _homepage(data: RunData) -> tuple[str, bytes, str] | None:
    for url in sorted(data.homepage_urls, key=lambda u: u != data.site_url):
        body = data.body(url)
        if data.page(url) is not None and body:
            return url, body, str((data.fetches.get(url) or {}).get("content_type") or "")
    return None


async def _post(session: aiohttp.ClientSession, entry: SearchEntry, words: str, *, timeout: float,
                allowed: Callable[[str], bool]) -> Page:
    """POST the search form (a redirect after it is followed with GET, as browsers do)."""
    try:
        async with session.post(URL(entry.url, encoded=True), data=entry.encoded(words), allow_redirects=False,
                                headers={"Content-Type": "application/x-www-form-urlencoded"},
                                timeout=aiohttp.ClientTimeout(total=timeout, connect=timeout)) as resp:
            location = resp.headers.get("location")
            if 300 <= resp.status < 400 and location:
                target = str(URL(entry.url).join(URL(location)))
                if not allowed(target):
                    return Page(entry.url, entry.url, resp.status, not_followed=target)
                return await get_page(session, target, timeout=timeout, allowed=allowed)
            body = bytearray()
            async for chunk in resp.content.iter_chunked(64 * 1024):
                body += chunk[: MAX_BODY - len(body)]
                if len(body) >= MAX_BODY:
                    break
            return Page(entry.url, entry.url, resp.status, resp.headers.get("content-type", ""), bytes(body))
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - a failed request is data
        error_class, detail = classify_exception(exc)
        return Page(entry.url, entry.url, error=f"{error_class}: {detail}")


async def _ask(session: aiohttp.ClientSession, data: RunData, entry: SearchEntry, kind: str, words: str,
               article: tuple[str, str], *, timeout: float, allowed: Callable[[str], bool]) -> dict[str, Any]:
    url = entry.get_url(words) if entry.method == "GET" else entry.url
    if entry.method == "GET":
        page = await get_page(session, url, timeout=timeout, allowed=allowed)
    else:
        page = await _post(session, entry, words, timeout=timeout, allowed=allowed)
    asked: dict[str, Any] = {"kind": kind, "query": words, "expected_url": article[0], "expected_title": article[1],
                             "request_url": url, "method": entry.method, "status": page.status,
                             "final_url": page.final_url, "error": page.error, "not_followed": page.not_followed,
                             "result": None}
    if page.error is None and page.status is not None and page.not_followed is None:
        asked["result"] = read_results(page.body, page.final_url, scope=data.scope, query=words,
                                       expected_url=article[0], expected_title=article[1],
                                       content_type=page.content_type, search_url=entry.url).to_json()
    return asked


async def probe_site_search(data: RunData, resolver: Resolver, *, user_agent: str, timeout: float,
                            allowed: Callable[[str], bool], queries: int = DEFAULT_QUERIES) -> dict[str, Any]:
    """Find the site's search on its stored homepage and query it (see the module's docstring)."""
    home = _homepage(data)
    if home is None:
        return {"status": "not_assessed", "reason": "首页未能读取，无法查找站内搜索"}
    home_url, body, content_type = home
    found = find_search(body, home_url, content_type)
    fact: dict[str, Any] = {"home_url": home_url, "forms": found.forms}
    if found.entry is None:
        if found.script_only:
            return {**fact, "status": "script", "reason": "首页的搜索框由脚本提交，本检查不执行脚本"}
        return {**fact, "status": "missing"}
    entry = found.entry
    fact["entry"] = entry.to_json()
    if not allowed(entry.url):
        return {**fact, "status": "not_assessed", "reason": f"站内搜索地址{entry.url}不在本站，按网络策略未访问"}
    articles = recent_articles(data, queries)
    if not articles:
        return {**fact, "status": "not_assessed", "reason": "本次抓取未读到带发布日期的文章，无法用文章标题检验搜索"}
    asked: list[dict[str, Any]] = []
    async with make_session(resolver, user_agent=user_agent) as session:
        for url, title in articles:  # one request at a time: a site's search is often its slowest page
            asked.append(await _ask(session, data, entry, "title", title[:MAX_QUERY_CHARS], (url, title),
                                    timeout=timeout, allowed=allowed))
        url, title = articles[0]
        typo = dropped_character(title[:MAX_QUERY_CHARS])
        if typo != title[:MAX_QUERY_CHARS]:
            asked.append(await _ask(session, data, entry, "typo", typo, (url, title), timeout=timeout,
                                    allowed=allowed))
    return {**fact, "status": "queried", "queries": asked}
