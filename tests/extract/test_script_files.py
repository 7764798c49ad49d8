"""The site's script files read for list APIs, and the JSON list shapes those APIs answer."""

from __future__ import annotations

import json

import pytest

from govwatch.extract.jsonlist import json_page
from govwatch.extract.page import extract_page
from govwatch.extract.resolve import Resolver
from govwatch.extract.scripts import page_data_attributes, script_file_endpoints

PAGE = "http://gov.example/col/col12/index.html"


def _endpoints(script: str, html: str = "") -> list[str]:
    return script_file_endpoints(script, Resolver(PAGE), page_data_attributes(html))


def test_a_concatenated_api_url_is_completed_from_the_pages_data_attribute() -> None:
    script = ('var box = document.getElementById("list");\n'
              'var api = "/api/list.do?columnId=" + box.getAttribute("data-column") + "&pageSize=20";\n'
              'xhr.open("GET", api, true);')
    html = '<ul id="list" class="list" data-column="12"></ul>'
    assert _endpoints(script, html) == ["http://gov.example/api/list.do?columnId=12&pageSize=20"]


@pytest.mark.parametrize("expression", ['$(box).data("cid")', 'box.dataset.cid', '$("#list").attr("data-cid")', "cid"])
def test_other_ways_of_reading_the_attribute(expression: str) -> None:
    script = f'var cid = $(box).data("cid");\n$.getJSON("/data/" + {expression} + "/list.json", draw);'
    assert _endpoints(script, '<div class="list" data-cid="77"></div>') == ["http://gov.example/data/77/list.json"]


def test_unknown_parts_comments_and_static_files_give_no_endpoint() -> None:
    script = ('// var old = "/old/list.do";\n'
              'fetch("/api/query?page=" + page);\n'
              'var style = "/css/list.css", logo = "/images/news.png";\n'
              'var title = "新闻列表";')
    assert _endpoints(script) == []


def test_relative_literals_resolve_against_the_page_and_repeat_once() -> None:
    script = 'var a = "../api/news.json"; var b = "../api/news.json"; $.ajax({url: "getList.action?x=1"});'
    assert _endpoints(script) == ["http://gov.example/col/api/news.json",
                                  "http://gov.example/col/col12/getList.action?x=1"]


def test_an_empty_list_box_with_a_site_script_file_needs_rendering_an_off_site_one_does_not() -> None:
    own = extract_page("<html><body><ul class='list' id='datalist'></ul>"
                       "<script src='/js/list.js'></script></body></html>", PAGE)
    assert own.needs_render
    off_site = extract_page("<html><body><ul class='list' id='datalist'></ul>"
                            "<script src='https://hm.baidu.com/hm.js?x'></script></body></html>", PAGE)
    assert not off_site.needs_render


ROWS = [{"title": "通知一", "url": "/art/1.html", "pubDate": "2026-11-08 09:00:00"},
        {"title": "通知二", "url": "/art/2.html", "pubDate": "2026-11-01 09:00:00"}]


@pytest.mark.parametrize("payload", [
    {"code": 0, "data": ROWS}, {"total": 2, "rows": ROWS}, {"list": ROWS},
    {"result": {"records": ROWS, "total": 2}}, ROWS])
def test_every_usual_response_shape_gives_the_items(payload: object) -> None:
    facts = json_page(json.dumps(payload, ensure_ascii=False), "http://gov.example/api/list.do", [])
    items = facts.lists[0].items
    assert [(i.title, i.url, i.date.isoformat() if i.date else None) for i in items] == [
        ("通知一", "http://gov.example/art/1.html", "2026-11-08"), ("通知二", "http://gov.example/art/2.html", "2026-11-01")]


def test_items_with_only_an_id_are_read_with_title_and_date() -> None:
    payload = {"data": [{"bt": "公告一", "fbrq": "20261108", "id": 7}, {"bt": "公告二", "createTime": 1730419200000,
                                                                       "id": 8}]}
    items = json_page(json.dumps(payload, ensure_ascii=False), "http://gov.example/api/x.do", []).lists[0].items
    assert [(i.title, i.url, i.date.isoformat() if i.date else None) for i in items] == [
        ("公告一", None, "2026-11-08"), ("公告二", None, "2024-11-01")]
