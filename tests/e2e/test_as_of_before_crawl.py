"""End-to-end: an inspection whose ``--as-of`` lies before the crawl (issue 16, classes 7 and 9).

A small real site on 127.0.0.1 with dates relative to today (Asia/Shanghai): an article published
between the as-of day and the crawl is real (outside the inspection period: no update, no forged
date), one dated after the crawl is a future date; the footer carries an ICP number with a
10-digit serial; a message board's paginated list, whose table heads say 留言时间 and 答复状态, is
a list page.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from govwatch.analysis.columns import columns_of
from govwatch.core.clock import SHANGHAI
from govwatch.pipeline import inspect_site
from govwatch.store.db import Store
from govwatch.store.stored_run import StoreRunData
from tests.conftest import sim_settings
from tests.e2e.local_http import serve_folder, write_pages

TODAY = datetime.now(SHANGHAI).date()
AS_OF = TODAY - timedelta(days=20)
BETWEEN = TODAY - timedelta(days=5)  # after the as-of day, before the crawl
FUTURE = TODAY + timedelta(days=30)
IN_PERIOD = AS_OF - timedelta(days=3)
SITE_META = ("<meta name='SiteName' content='某市人民政府'><meta name='SiteDomain' content='127.0.0.1'>"
             "<meta name='SiteIDCode' content='4401000001'>")
FOOTER = ("<div class='footer'><a href='https://bszs.conac.cn/sitename?method=show&id=0AB1C2D3E4F5'>党政机关</a>"
          "<p>主办单位：某市人民政府办公室 联系电话：020-12345678</p>"
          "<p>网站标识码：4401000001 <a href='https://beian.miit.gov.cn/'>粤ICP备2021067890号-1</a> "
          "粤公网安备44010402000123号</p>"
          "<a href='https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=4401000001'>我为政府网站找错</a></div>")
NAV = ("<div class='nav'><ul id='menu'><li><a href='/'>首页</a></li><li><a href='/gzdt/index.html'>工作动态</a></li>"
       "<li><a href='/hd/xzxx/index.html'>县长信箱</a></li></ul></div>")
ARTICLES = {"a1": ("市政府召开常务会议", BETWEEN), "a2": ("明年工作安排", FUTURE), "a3": ("市长调研企业", IN_PERIOD)}


def _page(title: str, head: str, body: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>{SITE_META}{head}</head>"
            f"<body>{NAV}<div class='main'>{body}</div>{FOOTER}</body></html>")


def _board(page: int) -> str:
    rows = "".join(f"<tr><td><a href='/hd/xzxx/m{page}{i}.html'>关于道路维修的咨询{page}{i}</a></td>"
                   f"<td>{(AS_OF - timedelta(days=10 * page + i)).isoformat()}</td><td>已答复</td></tr>"
                   for i in range(1, 5))
    pager = ("<a href='/hd/xzxx/index.html'>1</a> <a href='/hd/xzxx/index_2.html'>2</a> "
             "<a href='/hd/xzxx/index_2.html'>下一页</a>")
    return _page("县长信箱", "", f"<h2>县长信箱</h2><table><tr><th>信件标题</th><th>留言时间</th><th>答复状态</th></tr>"
                             f"{rows}</table><div class='page'>{pager}</div>")


def _site(root: Path) -> None:
    items = "".join(f"<li><a href='/gzdt/{slug}.html'>{title}</a><span>{when.isoformat()}</span></li>"
                    for slug, (title, when) in ARTICLES.items())
    column_head = ("<meta name='ColumnName' content='工作动态'><meta name='ColumnDescription' content='工作动态'>"
                   "<meta name='ColumnKeywords' content='动态'><meta name='ColumnType' content='工作动态'>")
    pages = {"index.html": _page("某市人民政府", "", "<p>欢迎访问</p>"),
             "gzdt/index.html": _page("工作动态", column_head, f"<h2>工作动态</h2><ul class='list'>{items}</ul>"),
             "hd/xzxx/index.html": _board(1), "hd/xzxx/index_2.html": _board(2)}
    for slug, (title, when) in ARTICLES.items():
        head = (f"<meta name='ArticleTitle' content='{title}'><meta name='PubDate' content='{when.isoformat()} 09:30'>"
                "<meta name='ContentSource' content='市政府办公室'>")
        pages[f"gzdt/{slug}.html"] = _page(title, head, f"<h1>{title}</h1><div class='info'>发布时间：{when.isoformat()}"
                                                         "</div><p>" + "正文内容。" * 30 + "</p>")
    write_pages(root, pages)


@pytest.fixture(scope="module")
def inspected(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, StoreRunData, str]:
    root = tmp_path_factory.mktemp("as-of-site")
    _site(root)
    store = Store(f"sqlite:///{root.parent / 'as_of.db'}")
    with serve_folder(root) as base:
        inspection = inspect_site(f"{base}/", sim_settings(store.url), store, as_of=AS_OF)
    return inspection.document, StoreRunData(store, inspection.run_id), base


def _findings(doc: dict, kind: str) -> list[dict]:
    return [f for f in doc["findings"] if f["kind"] == kind]


def test_only_a_date_after_the_crawl_is_a_future_date(inspected: tuple[dict, StoreRunData, str]) -> None:
    doc, data, base = inspected
    assert data.as_of == AS_OF and data.fetched_on(f"{base}/gzdt/a1.html") == TODAY
    assert {f["url"] for f in _findings(doc, "future_date")} == {f"{base}/gzdt/a2.html"}
    pubdates = [f for f in _findings(doc, "meta_tag_invalid") if f["evidence"].get("tag") == "PubDate"]
    assert [(f["url"], f["evidence"]["problem"]) for f in pubdates] == [(f"{base}/gzdt/a2.html", "future")]


def test_items_after_the_as_of_day_are_no_update_by_then(inspected: tuple[dict, StoreRunData, str]) -> None:
    _doc, data, base = inspected
    column = next(c for c in columns_of(data) if c.url == f"{base}/gzdt/index.html")
    assert column.last_update == IN_PERIOD and column.after_as_of == 1
    assert [it.url for it in column.future] == [f"{base}/gzdt/a2.html"]


def test_a_ten_digit_icp_serial_is_valid(inspected: tuple[dict, StoreRunData, str]) -> None:
    doc, data, _base = inspected
    assert (data.homepage() or {})["footer"]["icp"] == "粤ICP备2021067890号-1"
    assert not [f for f in doc["findings"] if f["kind"] == "footer_item_invalid" and f["evidence"]["item"] == "icp"]


def test_a_paginated_board_list_is_a_list_page(inspected: tuple[dict, StoreRunData, str]) -> None:
    _doc, data, base = inspected
    for url in (f"{base}/hd/xzxx/index.html", f"{base}/hd/xzxx/index_2.html"):
        assert (data.page(url) or {}).get("page_type") == "list", url
