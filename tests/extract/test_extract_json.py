"""JSON (and JSONP) endpoint responses as list blocks."""

from __future__ import annotations

import json
from datetime import date

import pytest

from govwatch.core.model import PageFacts
from govwatch.extract import extract_page, facts_to_json

EP = "http://www.x.gov.cn/col/c14/api/list.json"


def test_simulator_shape():
    body = json.dumps({"total": 57, "items": [
        {"title": "关于开展检查的通知", "url": "/col/c14/202611/t20261108_1.html", "date": "2026-11-08"},
        {"title": "关于征求意见的公告", "url": "202610/t20261030_2.html", "date": "2026-10-30"},
    ]}, ensure_ascii=False).encode()
    facts = extract_page(body, EP, content_type="application/json; charset=utf-8")
    assert facts.page_type == "list" and not facts.warnings
    (block,) = facts.lists
    assert block.source == "endpoint"
    assert [(i.title, i.url, i.date, i.date_source) for i in block.items] == [
        ("关于开展检查的通知", "http://www.x.gov.cn/col/c14/202611/t20261108_1.html", date(2026, 11, 8), "text"),
        ("关于征求意见的公告", "http://www.x.gov.cn/col/c14/api/202610/t20261030_2.html", date(2026, 10, 30), "text"),
    ]
    assert facts.pagination.total_records == 57
    assert [(ln.url, ln.kind, ln.tag, ln.via) for ln in facts.links] == [
        ("http://www.x.gov.cn/col/c14/202611/t20261108_1.html", "page", "json", "endpoint"),
        ("http://www.x.gov.cn/col/c14/api/202610/t20261030_2.html", "page", "json", "endpoint"),
    ]
    data = facts_to_json(facts)
    assert data["items"][0]["date"] == "2026-11-08" and data["lists"][0]["source"] == "endpoint"


def test_wrapped_arrays_and_key_variants():
    body = json.dumps({"code": 0, "msg": "ok", "data": {
        "totalCount": "120", "pageSize": 20,
        "banner": [{"name": "轮播图", "img": "/b.png"}],
        "rows": [
            {"DOCTITLE": "<font color=red>关于做好防汛工作的通知</font>", "DOCPUBURL": "http://www.x.gov.cn/a/1.html",
             "DOCRELTIME": 1731024000000},
            {"DOCTITLE": "市政府常务会议召开", "DOCPUBURL": "/a/2.html", "DOCRELTIME": "2024-11-01 09:30:00"},
            {"DOCTITLE": "没有日期的条目", "DOCPUBURL": "/a/3.html"},
        ]}}, ensure_ascii=False)
    facts = extract_page(body, EP)  # recognised by its body, no content type
    (block,) = facts.lists
    assert [(i.title, i.date) for i in block.items] == [
        ("关于做好防汛工作的通知", date(2024, 11, 8)), ("市政府常务会议召开", date(2024, 11, 1)), ("没有日期的条目", None)]
    assert block.items[0].date_text == "1731024000000"
    assert facts.pagination.total_records == 120


@pytest.mark.parametrize("item", [
    {"subject": "标题", "link": "/a/1.html", "pubDate": "2024年3月5日"},
    {"name": "标题", "href": "/a/1.html", "publishTime": 1709568000},
    {"doctitle": "标题", "docurl": "/a/1.html", "docreltime": "20240305"},
    {"title": "标题", "url": "/a/1.html", "createTime": "/Date(1709600000000)/"},
    {"title": "标题", "url": "/a/1.html", "time": "2024/3/5 10:00"},
])
def test_key_and_date_variants(item):
    for wrapper in ("list", "records", "result"):
        facts = extract_page(json.dumps({wrapper: [item, dict(item)]}, ensure_ascii=False), EP,
                             content_type="text/json")
        (block,) = facts.lists
        assert (block.items[0].title, block.items[0].url, block.items[0].date) == (
            "标题", "http://www.x.gov.cn/a/1.html", date(2024, 3, 5))


def test_top_level_array_and_month_day_dates_with_years_from_urls():
    body = json.dumps([{"title": "一", "url": "/a/202401/t20240103_1.html", "date": "01-03"},
                       {"title": "二", "url": "/show?id=2", "date": "12-28"}], ensure_ascii=False)
    (block,) = extract_page(body, EP, content_type="application/json").lists
    assert [(i.date, i.date_source) for i in block.items] == [(date(2024, 1, 3), "url"), (date(2023, 12, 28), "neighbour")]


def test_jsonp():
    body = 'jQuery1234_567({"total": 1, "data": [{"title": "标题", "url": "/a/1.html", "date": "2024-03-05"}]});'
    facts = extract_page(body, EP, content_type="application/javascript")
    assert facts.lists[0].items[0].date == date(2024, 3, 5)


@pytest.mark.parametrize("body, ctype", [
    (b'{"items": [{"title": "x", "url": ', "application/json"),
    (b"{not json at all", ""),
    (b"\xff\xfe{garbage", "application/json"),
    (b"callback({broken", "application/javascript; charset=utf-8"),
])
def test_malformed_json_warns_never_raises(body, ctype):
    facts = extract_page(body, EP, content_type=ctype)
    assert isinstance(facts, PageFacts)
    assert facts.lists == [] and facts.links == []
    assert any("JSON" in w for w in facts.warnings)
    json.dumps(facts_to_json(facts))


def test_json_without_a_list_of_items():
    facts = extract_page(b'{"status": "ok", "user": {"name": "x"}}', EP, content_type="application/json")
    assert facts.lists == [] and any("without a list" in w for w in facts.warnings)


def test_largest_array_wins():
    small = [{"title": f"菜单{i}", "url": f"/m/{i}/"} for i in range(2)]
    big = [{"title": f"信息{i}", "url": f"/a/{i}.html", "date": "2024-03-05"} for i in range(5)]
    facts = extract_page(json.dumps({"menu": small, "page": {"content": big, "totalElements": 99}}), EP)
    assert len(facts.lists[0].items) == 5 and facts.lists[0].items[0].title == "信息0"
    assert facts.pagination.total_records == 99


def test_markup_served_as_json_is_read_as_html():
    facts = extract_page(b"<html><body><h1>\xe9\x94\x99\xe8\xaf\xaf</h1><a href='/a/'>x</a></body></html>", EP,
                         content_type="application/json")
    assert not any("JSON" in w for w in facts.warnings) and facts.links
