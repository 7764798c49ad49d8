"""The manifest's column and homepage truth, recomputed from served pages over HTTP.

Every list page, dataproxy group and JSON endpoint of every column is read the way
docs/sim-families.md describes it, dates are parsed by the small parser in
sim_helpers (not by govwatch.extract), and the counts must equal the manifest's
newest_date / items / undated / blank / future_items and homepage_window.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from datetime import date, timedelta
from typing import Any

import aiohttp
import pytest

from govwatch.core.urls import normalize_url
from govwatch.sim import SimServer
from tests.sim.sim_helpers import (
    AS_OF,
    FAMILY_SITES,
    FETCH_CALL,
    fetch,
    jcms_groups,
    links_in,
    parse_shown_date,
    script_pages,
    url_day,
)

JSON_TYPE = "application/json; charset=utf-8"
# The name keyword table of the brief, first match wins (解读 before 政策).
KEYWORDS = (("解读", "interpretation"), ("规范性文件", "policy"), ("要闻", "dynamic"), ("动态", "dynamic"),
            ("新闻", "dynamic"), ("通知", "notice"), ("公告", "notice"), ("公示", "notice"), ("政策", "policy"),
            ("文件", "policy"), ("人事", "personnel"), ("任免", "personnel"), ("规划", "plan"), ("计划", "plan"),
            ("信箱", "consult"), ("咨询", "consult"), ("留言", "consult"), ("征集", "survey"), ("调查", "survey"),
            ("访谈", "interview"), ("办事", "service"), ("服务", "service"), ("指南", "service"), ("数据", "data"),
            ("统计", "data"))
_RECORD = re.compile(r"<record><!\[CDATA\[(.*?)\]\]></record>", re.S)
_ITEM_LI = re.compile(r'<li><a href="([^"]+)"[^>]*>[^<]*</a>(?:<span>([^<]*)</span>)?</li>')
_ITEM_TR = re.compile(r'<tr><td class="t"><a href="([^"]+)"[^>]*>[^<]*</a></td><td class="d">([^<]*)</td></tr>')
_NEXT = re.compile(r'<a href="([^"]+)">下一页</a>')
_HOME_ENTRY = re.compile(r'<a href="([^"]+)"[^>]*>[^<]*</a>(?:</h2>)?<span class="date">([^<]*)</span>')
_META = re.compile(r'<meta name="(\w+)" content="([^"]*)">')
_POSITION = re.compile(r'<div class="position">当前位置：(.*?)</div>')


def _keyword_type(text: str) -> str | None:
    return next((t for word, t in KEYWORDS if word in text), None)


def _decode(headers: dict[str, str], body: bytes, encoding: str) -> str:
    return body.decode("utf-8" if headers["Content-Type"] == JSON_TYPE else encoding)


async def _get(session: aiohttp.ClientSession, url: str, encoding: str) -> tuple[str, str]:
    """(content type, text) of a 200 answer."""
    status, headers, body = await fetch(session, url)
    assert status == 200, url
    return headers["Content-Type"], _decode(headers, body, encoding)


def _main(text: str) -> str:
    return text.split('<div class="main">', 1)[1].split('<div class="footer">', 1)[0]


async def _read_column(session: aiohttp.ClientSession, column: dict[str, Any], encoding: str) -> dict[str, Any]:
    """Walk a column from its first list page the way its markup says; return what it holds."""
    url = column["url"]
    _, first = await _get(session, url, encoding)
    main = _main(first)
    entries: list[tuple[str, str]] = []  # (absolute item URL, shown date text)
    walked = [url]
    if 'id="jslist"' in main:
        assert '<ul class="list" id="jslist"></ul>' in main
        assert not links_in(main.split('<ul class="list" id="jslist">')[1], url), "static HTML holds no item links"
        calls = FETCH_CALL.findall(main)
        assert len(calls) == 1
        endpoint = normalize_url(calls[0], url)
        ctype, text = await _get(session, endpoint, encoding)
        assert ctype == JSON_TYPE
        data = json.loads(text)
        assert data["total"] == len(data["items"])
        assert all(set(item) == {"title", "url", "date"} and item["title"] for item in data["items"])
        entries = [(normalize_url(item["url"], endpoint), item["date"]) for item in data["items"]]
        return {"kind": "endpoint", "endpoint": endpoint, "entries": entries, "pages": walked, "text": main}
    if "暂无信息" in main and "<li>" not in main and "<tr><td class=\"t\">" not in main:
        return {"kind": "blank", "endpoint": None, "entries": [], "pages": walked, "text": main}
    if '<script type="text/xml">' in main:
        island = main.split('<script type="text/xml">')[1].split("</script>")[0]
        bodies = [(url, r) for r in _RECORD.findall(island)]
        for group in jcms_groups(main, url):
            ctype, xml = await _get(session, group, encoding)
            assert ctype == "text/xml; charset=utf-8"
            bodies += [(group, r) for r in _RECORD.findall(xml)]
            walked.append(group)
        for base, record in bodies:
            m = _ITEM_LI.fullmatch(record)
            assert m, record
            entries.append((normalize_url(html.unescape(m.group(1)), base), m.group(2) or ""))
        return {"kind": "xml-records", "endpoint": None, "entries": entries, "pages": walked, "text": main}
    if "createPageHTML(" in main:
        pages = script_pages(main, url)
        assert pages[0] == url
        walked = pages
        for page in pages:
            text = main if page == url else _main((await _get(session, page, encoding))[1])
            listing = text.split('<ul class="list">')[1].split("</ul>")[0]
            for href, shown in _ITEM_LI.findall(listing):
                entries.append((normalize_url(html.unescape(href), page), shown))
        return {"kind": "script-pagination", "endpoint": None, "entries": entries, "pages": walked, "text": main}
    assert '<table class="newslist"' in main, url
    page, text = url, main
    for _ in range(10_000):  # follow 下一页 links; bounded
        for href, shown in _ITEM_TR.findall(text):
            entries.append((normalize_url(html.unescape(href), page), shown))
        nxt = _NEXT.search(text)
        if not nxt:
            break
        page = normalize_url(html.unescape(nxt.group(1)), page)
        walked.append(page)
        text = _main((await _get(session, page, encoding))[1])
    return {"kind": "static", "endpoint": None, "entries": entries, "pages": walked, "text": main}


@pytest.mark.parametrize("site_id", FAMILY_SITES)
async def test_column_truth_from_served_pages(sim: SimServer, site_id: str) -> None:
    entry = sim.manifest["sites"][site_id]
    encoding = entry["encoding"]
    future_dates = []
    async with aiohttp.ClientSession() as session:
        for column in entry["columns"]:
            got = await _read_column(session, column, encoding)
            name = column["name"]
            assert got["kind"] == column["read_via"] or (got["kind"] == "blank" and column["blank"]), name
            assert got["endpoint"] == column["endpoint"], name
            html_pages = [u for u in column["list_pages"] if "dataproxy.jsp" not in u] if got["kind"] != "xml-records" \
                else column["list_pages"]
            assert got["pages"] == html_pages, name
            urls = [u for u, _ in got["entries"]]
            assert len(urls) == len(set(urls)), name
            dated = [(u, parse_shown_date(text, u)) for u, text in got["entries"]]
            for u, d in dated:
                if d is not None and url_day(u) is not None:
                    assert d == url_day(u), (u, d)  # the shown date agrees with the article's own
            days = [d for _, d in dated if d is not None]
            future = [{"url": u, "date": d.isoformat()} for u, d in dated if d is not None and d > AS_OF]
            assert column["items"] == len(dated), name
            assert column["undated"] == sum(1 for _, d in dated if d is None), name
            newest = max((d for d in days if d <= AS_OF), default=None)
            assert column["newest_date"] == (newest.isoformat() if newest else None), name
            assert column["future_items"] == future, name
            assert column["blank"] == (got["kind"] == "blank") == (not dated), name
            if column["blank"]:
                assert "暂无信息" in got["text"]
            future_dates += [{"column": column["id"], **f} for f in future]
            if entry["family"] == "legacy":
                assert all(url_day(u) for u in urls), "legacy articles carry the year in their URL"
            for f in future:  # the forged date is what the article shows, too
                _, article = await _get(session, f["url"], encoding)
                d = date.fromisoformat(f["date"])
                shown = {d.isoformat(), f"{d.year}年{d.month}月{d.day}日"}
                assert any(f"发布时间：{s}" in article or f"发布日期：{s}" in article for s in shown)
            if column["undated"]:
                for u in urls[:3]:
                    _, article = await _get(session, u, encoding)
                    assert "发布时间" not in _main(article) and "发布日期" not in _main(article)
    assert entry["future_dates"] == future_dates and len(future_dates) == 1
    columns = {c["name"]: c for c in entry["columns"]}
    assert sum(1 for c in entry["columns"] if c["blank"]) == 1
    assert sum(1 for c in entry["columns"] if c["undated"]) == 1
    undated = next(c for c in entry["columns"] if c["undated"])
    assert undated["undated"] == undated["items"] > 0 and undated["type"] == "other"
    assert (AS_OF - date.fromisoformat(columns["区县动态"]["newest_date"])).days == 14
    assert (AS_OF - date.fromisoformat(columns["图片新闻"]["newest_date"])).days == 15
    host = next(c for c in entry["columns"] if c["future_items"])
    assert host["type"] in ("notice", "dynamic")
    recent = date.fromisoformat(host["newest_date"])
    assert (AS_OF - recent).days <= 14, "the future item is not its column's only recent item"


@pytest.mark.parametrize("site_id", FAMILY_SITES)
async def test_homepage_truth_from_served_page(sim: SimServer, site_id: str) -> None:
    entry = sim.manifest["sites"][site_id]
    truth = entry["homepage_window"]
    async with aiohttp.ClientSession() as session:
        _, text = await _get(session, entry["homepage"], entry["encoding"])
    home = entry["homepage"]
    shown_entries = [(normalize_url(html.unescape(h), home), d) for h, d in _HOME_ENTRY.findall(_main(text))]
    shown: dict[str, date] = {}
    for url, text_date in shown_entries:
        d = parse_shown_date(text_date, url)
        assert d is not None and shown.setdefault(url, d) == d
    assert len(shown_entries) > len(shown), "the 头条 repeats a block entry: count distinct URLs"
    since = AS_OF - timedelta(days=14)
    within = [{"url": u, "date": d.isoformat()} for u, d in shown.items() if since <= d <= AS_OF]
    assert truth["window_days"] == 14
    assert truth["items_in_window"] == len(within) == len(truth["items"])
    assert truth["items"] == within
    assert truth["shown"] == [{"url": u, "date": d.isoformat()} for u, d in shown.items()]
    dates = set(shown.values())
    assert since in dates and since - timedelta(days=1) in dates, "boundary items: 14 days (in), 15 days (out)"
    assert any(d > AS_OF for d in dates), "the future item is shown and not counted"


@pytest.mark.parametrize("site_id", FAMILY_SITES)
async def test_column_types_meta_and_discovery(sim: SimServer, site_id: str) -> None:
    entry = sim.manifest["sites"][site_id]
    encoding = entry["encoding"]
    home = entry["homepage"]
    columns = entry["columns"]
    by_id = {c["id"]: c for c in columns}
    async with aiohttp.ClientSession() as session:
        _, home_text = await _get(session, home, encoding)
        nav_html = re.search(r'<div class="nav"><ul id="menu">(.*?)</ul></div>', home_text).group(1)
        nav = set(links_in(nav_html, home)) - {home}
        more = {normalize_url(html.unescape(h), home)
                for h in re.findall(r'<a href="([^"]+)" class="more">更多</a>', home_text)}
        for column in columns:
            url = column["url"]
            found = "nav" if url in nav else "homepage" if url in more else "breadcrumb"
            assert column["discovered_by"] == found, column["name"]
            assert (url in more) == column["on_homepage"], column["name"]
            for page in [u for u in column["list_pages"] if "dataproxy.jsp" not in u]:
                _, text = await _get(session, page, encoding)
                metas = {k.lower(): v for k, v in _META.findall(text)}
                assert metas["columnname"] == column["name"]
                by_name = _keyword_type(column["name"])
                if column["type_source"] == "name":
                    assert by_name == column["type"], column["name"]
                else:
                    assert by_name is None and (_keyword_type(metas["columntype"]) or "other") == column["type"]
                crumbs = links_in(_POSITION.search(text).group(1), page)
                chain = [url] if column["parent"] is None else [by_id[column["parent"]]["url"], url]
                assert crumbs == [home] + chain, (page, crumbs)
                assert '<ul id="menu">' in text
        subs = [c for c in columns if c["discovered_by"] == "breadcrumb"]
        assert subs and all(c["parent"] for c in subs)
        for sub in subs:
            assert sub["url"] not in nav | more
            for page in by_id[sub["parent"]]["list_pages"]:
                if "dataproxy.jsp" not in page:
                    _, text = await _get(session, page, encoding)
                    assert sub["url"] in links_in(text, page)
    meta_typed = [c for c in columns if c["type_source"] == "meta" and c["type"] != "other"]
    assert [c["name"] for c in meta_typed] == ["工作信息"] and meta_typed[0]["type"] == "dynamic"
    assert {c["discovered_by"] for c in columns} == {"nav", "homepage", "breadcrumb"}
    js = [c for c in columns if c["read_via"] == "endpoint"]
    assert len(js) == 1 and js[0]["endpoint"] and js[0]["pagination"] == "none"


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(_chromium() is None, reason="no Chromium to render the script-filled list")
@pytest.mark.parametrize("site_id", ["trs", "jcms", "legacy", "fgw"])
def test_script_filled_list_renders_in_a_real_browser(sim: SimServer, site_id: str) -> None:
    entry = sim.manifest["sites"][site_id]
    column = next(c for c in entry["columns"] if c["read_via"] == "endpoint")
    done = subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-extensions",
                           "--virtual-time-budget=5000", "--dump-dom", column["url"]],
                          capture_output=True, timeout=90, check=False)
    dom = done.stdout.decode("utf-8", "replace")
    filled = re.search(r'<ul class="list" id="jslist">(.*?)</ul>', dom, re.S)
    assert filled, done.stderr.decode("utf-8", "replace")[-2000:]
    hrefs = re.findall(r'<a href="([^"]+)"', filled.group(1))
    rendered = [normalize_url(html.unescape(h), column["url"]) for h in hrefs]
    assert len(rendered) == column["items"] > 0
    assert len(re.findall(r"<span>\d{4}-\d{2}-\d{2}</span>", filled.group(1))) == column["items"]
    assert all(u.startswith(entry["base_url"]) for u in rendered)
