"""End-to-end: columns below channel pages and in the site map are found and judged.

A small real site on 127.0.0.1 (tests/e2e/local_http.py). The navigation links two channel
pages that list sub-columns and no items — 互动交流 (县长信箱, 留言选登: names only) and 政务公开
(通知公告, 政策文件: block headings) — and the footer's 网站地图 page lists one column linked
nowhere else (人事信息). The sub-columns hold three items each (extraction reads such short
lists as articles: discovery still takes them). 县长信箱 holds a message unanswered since
2026-07-01: the 互动回应差 veto, and no ``no_consult_channel``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govwatch.pipeline import inspect_site
from govwatch.store.db import Store
from tests.conftest import AS_OF, sim_settings
from tests.e2e.local_http import serve_folder, write_pages

NAV = ("<div class='nav'><ul><li><a href='/index.html'>首页</a></li><li><a href='/gzdt/index.html'>工作动态</a></li>"
       "<li><a href='/hdjl/index.html'>互动交流</a></li><li><a href='/zwgk/index.html'>政务公开</a></li></ul></div>")
FOOTER = ("<div class='footer'><a href='/sitemap.html'>网站地图</a><p>主办单位：某县人民政府办公室</p>"
          "<p>网站标识码：1304000009 冀ICP备05070218号-1 冀公网安备13010202000123号</p></div>")
UNANSWERED = "/hdjl/xzxx/m0.html"


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body>{NAV}<h1>{title}</h1>{body}{FOOTER}</body></html>")


def _dated_list(prefix: str, path: str, dates: list[str]) -> str:
    rows = "".join(f"<li><a href='{path}{i}.html'>{prefix}第{i}条消息</a><span>{d}</span></li>"
                   for i, d in enumerate(dates))
    return f"<ul class='list'>{rows}</ul>"


def _message(title: str, asked: str, status: str, replied: str | None = None) -> str:
    rows = [("留言标题", title), ("留言类型", "咨询"), ("留言时间", asked), ("办理状态", status)]
    if replied:
        rows += [("答复单位", "县政府办公室"), ("答复时间", replied), ("答复内容", "您好，已转相关部门办理。")]
    cells = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return _page(title, f"<table class='message'>{cells}</table>")


def _column(pages: dict[str, str], folder: str, name: str, dates: list[str], *, messages: bool = False) -> None:
    pages[f"{folder}/index.html"] = _page(name, _dated_list(name, f"/{folder}/a", dates))
    for i, d in enumerate(dates):
        title = f"{name}第{i}条消息"
        pages[f"{folder}/a{i}.html"] = (_message(title, d, "已回复", d) if messages
                                        else _page(title, f"<p>发布时间：{d}</p><p>正文内容。</p>"))


def build_site(root: Path) -> None:
    pages: dict[str, str] = {}
    news = [f"2026-11-{20 - i:02d}" for i in range(16)]
    pages["index.html"] = _page("某县人民政府", "<div class='box'><h3>工作动态</h3>" + _dated_list("工作动态", "/gzdt/a", news[:8])
                                + "<a href='/gzdt/index.html'>更多</a></div>")
    _column(pages, "gzdt", "工作动态", news)
    pages["hdjl/index.html"] = _page("互动交流", "<div class='channel'><ul>"
                                     "<li><a href='/hdjl/xzxx/index.html'>县长信箱</a></li>"
                                     "<li><a href='/hdjl/lyxd/index.html'>留言选登</a></li></ul></div>")
    letters = [("关于道路维修的咨询", "2026-07-01", "未回复", None), ("关于学校招生的咨询", "2026-11-02", "已回复", "2026-11-04"),
               ("关于医保报销的咨询", "2026-10-10", "已回复", "2026-10-12")]
    rows = "".join(f"<tr><td><a href='/hdjl/xzxx/m{i}.html'>{t}</a></td><td>{a}</td><td>{s}</td></tr>"
                   for i, (t, a, s, _r) in enumerate(letters))
    pages["hdjl/xzxx/index.html"] = _page("县长信箱", "<table class='list'><tr><th>标题</th><th>留言时间</th><th>状态</th></tr>"
                                          f"{rows}</table>")
    for i, (title, asked, status, replied) in enumerate(letters):
        pages[f"hdjl/xzxx/m{i}.html"] = _message(title, asked, status, replied)
    _column(pages, "hdjl/lyxd", "留言选登", ["2026-11-01", "2026-10-01", "2026-09-01"], messages=True)
    pages["zwgk/index.html"] = _page("政务公开", "<div class='channel'>"
                                     "<div class='block'><h3><a href='/zwgk/tzgg/index.html'>通知公告</a></h3></div>"
                                     "<div class='block'><h3><a href='/zwgk/zcwj/index.html'>政策文件</a></h3></div></div>")
    _column(pages, "zwgk/tzgg", "通知公告", ["2026-10-01", "2026-09-01", "2026-08-01"])
    _column(pages, "zwgk/zcwj", "政策文件", ["2026-01-05", "2025-12-01", "2025-11-01"])  # over 6 months: stale
    pages["sitemap.html"] = _page("网站地图", "<div class='map'><dl><dt><a href='/gzdt/index.html'>工作动态</a></dt>"
                                  "<dt><a href='/hdjl/index.html'>互动交流</a></dt>"
                                  "<dd><a href='/hdjl/xzxx/index.html'>县长信箱</a></dd>"
                                  "<dt><a href='/rsxx/index.html'>人事信息</a></dt></dl></div>")
    _column(pages, "rsxx", "人事信息", ["2025-06-01", "2025-03-01", "2025-02-01"])  # over a year: stale
    write_pages(root, pages)


@pytest.fixture(scope="module")
def inspected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    root = tmp_path_factory.mktemp("channel-site")
    build_site(root / "site")
    with serve_folder(root / "site") as base:
        store = Store(f"sqlite:///{root / 'run.db'}")
        inspection = inspect_site(f"{base}/index.html", sim_settings(store.url), store, as_of=AS_OF)
        store.close()
        yield base, inspection.document


def _columns(base: str, doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["url"].removeprefix(base): c for c in doc["columns"]}


def test_sub_columns_of_channel_pages_are_found_and_typed(inspected: tuple[str, dict[str, Any]]) -> None:
    base, doc = inspected
    columns = _columns(base, doc)
    found = {url: (c["name"], c["type"], c["discovered_by"]) for url, c in columns.items()}
    assert found == {
        "/gzdt/index.html": ("工作动态", "dynamic", "nav"),
        "/hdjl/xzxx/index.html": ("县长信箱", "consult", "channel"),
        "/hdjl/lyxd/index.html": ("留言选登", "consult", "channel"),
        "/zwgk/tzgg/index.html": ("通知公告", "notice", "channel"),
        "/zwgk/zcwj/index.html": ("政策文件", "policy", "channel"),
        "/rsxx/index.html": ("人事信息", "personnel", "sitemap"),
    }  # the channel pages and the site map page are no columns: nothing of theirs is judged as blank
    assert all(c["items"] == 3 for url, c in columns.items() if url != "/gzdt/index.html")
    assert not [f for f in doc["findings"] if f["kind"] in ("blank_column", "column_unreadable")]


def test_a_board_below_a_channel_page_is_judged(inspected: tuple[str, dict[str, Any]]) -> None:
    base, doc = inspected
    kinds = {f["kind"] for f in doc["findings"]}
    assert "no_consult_channel" not in kinds
    unanswered = [f for f in doc["findings"] if f["kind"] == "message_unanswered"]
    assert [f["url"].removeprefix(base) for f in unanswered] == [UNANSWERED]
    assert unanswered[0]["indicator"] == "互动回应差"
    veto = next(v for v in doc["vetoes"] if v["indicator"] == "互动回应差")
    assert veto["findings"] and doc["verdict"] == "不合格"


def test_columns_below_channels_and_in_the_site_map_are_judged_for_freshness(
        inspected: tuple[str, dict[str, Any]]) -> None:
    base, doc = inspected
    stale = sorted(f["url"].removeprefix(base) for f in doc["findings"] if f["kind"] == "stale_column")
    assert stale == ["/rsxx/index.html", "/zwgk/zcwj/index.html"]
