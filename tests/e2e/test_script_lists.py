"""End-to-end: lists that an external ``<script src>`` fills from a JSON API are read, never blank.

A small real site on 127.0.0.1 (tests/e2e/local_http.py). Its list pages and one homepage block
hold an empty container with a ``data-column`` attribute and load ``/js/list.js``, which
concatenates ``/api/list.do?columnId=`` with that attribute and writes the rows. The API answers
column 1 as ``{"data": [...]}`` (title / url / pubDate), column 2 as ``{"result": {"records":
[...]}}`` (bt / fbrq / id, no URL) and fails for column 3 (HTTP 500). With rendering off the
columns are read through the endpoint; with rendering on (Debian chromium) from the rendered
page. Column 3 is ``column_unreadable`` with the reason, never ``blank_column``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from govwatch.pipeline import inspect_site
from govwatch.store.db import Store
from tests.conftest import AS_OF, sim_settings
from tests.e2e.local_http import Route, serve_folder, write_pages

NAV = ("<div class='nav'><ul><li><a href='/index.html'>首页</a></li><li><a href='/gzdt/index.html'>工作动态</a></li>"
       "<li><a href='/tzgg/index.html'>通知公告</a></li><li><a href='/zcwj/index.html'>政策文件</a></li></ul></div>")
FOOTER = ("<div class='footer'><p>主办单位：某县人民政府办公室</p>"
          "<p>网站标识码：1304000009 冀ICP备05070218号-1 冀公网安备13010202000123号</p></div>")
LIST_JS = """(function () {
  var box = document.getElementById("datalist");
  if (!box) { return; }
  var api = "/api/list.do?columnId=" + box.getAttribute("data-column") + "&pageSize=20";
  var xhr = new XMLHttpRequest();
  xhr.open("GET", api, true);
  xhr.onreadystatechange = function () {
    if (xhr.readyState !== 4 || xhr.status !== 200) { return; }
    var d = JSON.parse(xhr.responseText);
    var rows = d.data || d.rows || (d.result && d.result.records) || d;
    var out = [];
    for (var i = 0; i < rows.length; i++) {
      var it = rows[i];
      var href = it.url || ("/art/" + it.id + ".html");
      var day = String(it.pubDate || it.fbrq).substring(0, 10);
      if (/^\\d{8}$/.test(day)) { day = day.slice(0, 4) + "-" + day.slice(4, 6) + "-" + day.slice(6); }
      out.push('<li><a href="' + href + '">' + (it.title || it.bt) + '</a><span>' + day + '</span></li>');
    }
    box.innerHTML = out.join("");
  };
  xhr.send();
})();
"""
NEWS = [AS_OF - timedelta(days=2 * i) for i in range(6)]  # 工作动态: six items within the last 14 days
NOTICES = [date(2026, 10, 1) - timedelta(days=20 * i) for i in range(4)]


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body>{NAV}<h1>{title}</h1>{body}{FOOTER}<script src='/js/list.js'></script></body></html>")


def _list_page(name: str, column: int) -> str:
    return _page(name, f"<ul class='list' id='datalist' data-column='{column}'></ul>")


def _routes() -> dict[str, Route]:
    news = {"code": 200, "total": len(NEWS), "data": [
        {"title": f"工作动态第{i}条", "url": f"/gzdt/a{i}.html", "pubDate": f"{d:%Y-%m-%d} 09:30:00"}
        for i, d in enumerate(NEWS)]}
    notices = {"success": True, "result": {"total": len(NOTICES), "records": [
        {"bt": f"通知公告第{i}条", "fbrq": f"{d:%Y%m%d}", "id": 100 + i} for i, d in enumerate(NOTICES)]}}
    as_json = "application/json;charset=utf-8"
    return {"/api/list.do?columnId=1&pageSize=20": (200, as_json, json.dumps(news, ensure_ascii=False).encode()),
            "/api/list.do?columnId=2&pageSize=20": (200, as_json, json.dumps(notices, ensure_ascii=False).encode()),
            "/api/list.do?columnId=3&pageSize=20": (500, "text/html", b"<html><body>Internal Error</body></html>")}


def build_site(root: Path) -> None:
    pages = {"index.html": _page("某县人民政府", "<div class='box'><h3>工作动态</h3>"
                                 "<ul class='news-list' id='datalist' data-column='1'></ul></div>"),
             "gzdt/index.html": _list_page("工作动态", 1), "tzgg/index.html": _list_page("通知公告", 2),
             "zcwj/index.html": _list_page("政策文件", 3), "js/list.js": LIST_JS}
    for i, d in enumerate(NEWS):
        pages[f"gzdt/a{i}.html"] = _page(f"工作动态第{i}条", f"<p>发布时间：{d:%Y-%m-%d}</p><p>正文。</p>")
    for i, d in enumerate(NOTICES):
        pages[f"art/{100 + i}.html"] = _page(f"通知公告第{i}条", f"<p>发布时间：{d:%Y-%m-%d}</p><p>正文。</p>")
    write_pages(root, pages)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("script-lists")
    build_site(root)
    with serve_folder(root, _routes()) as base:
        yield base


def _inspect(base: str, tmp_path: Path, render: bool) -> dict[str, Any]:
    store = Store(f"sqlite:///{tmp_path / 'run.db'}")
    try:
        return inspect_site(f"{base}/index.html", sim_settings(store.url, render=render), store, as_of=AS_OF).document
    finally:
        store.close()


def _columns(base: str, doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["url"].removeprefix(base): c for c in doc["columns"]}


def _assert_lists_read(base: str, doc: dict[str, Any], read_via: str) -> None:
    columns = _columns(base, doc)
    news, notices = columns["/gzdt/index.html"], columns["/tzgg/index.html"]
    assert (news["read_via"], news["items"], news["last_update"]) == (read_via, 6, AS_OF.isoformat())
    assert (notices["read_via"], notices["items"], notices["last_update"]) == (read_via, 4, "2026-10-01")
    assert doc["homepage"]["items_in_window"] == 6  # the homepage block the same script fills
    blank = [f["url"].removeprefix(base) for f in doc["findings"] if f["kind"] == "blank_column"]
    assert blank == []


def test_without_rendering_script_lists_are_read_through_their_api(site: str, tmp_path: Path) -> None:
    doc = _inspect(site, tmp_path, render=False)
    _assert_lists_read(site, doc, "endpoint")
    unreadable = [f for f in doc["findings"] if f["kind"] == "column_unreadable"]
    assert [f["url"].removeprefix(site) for f in unreadable] == ["/zcwj/index.html"]
    assert any("500" in note for note in unreadable[0]["evidence"]["notes"]), unreadable[0]["evidence"]


@pytest.mark.skipif(not os.access("/usr/bin/chromium", os.X_OK), reason="Debian chromium is not installed")
def test_with_rendering_script_lists_are_read_from_the_rendered_page(site: str, tmp_path: Path) -> None:
    doc = _inspect(site, tmp_path, render=True)
    _assert_lists_read(site, doc, "rendered")
    assert doc["crawl"]["render_failed"] == 0
    unreadable = [f["url"].removeprefix(site) for f in doc["findings"] if f["kind"] == "column_unreadable"]
    assert unreadable == ["/zcwj/index.html"]  # rendered, but the API failed: the list is not known to be empty
