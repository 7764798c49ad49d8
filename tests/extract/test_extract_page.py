"""Page-level facts: page types, title and visible publish date, soft 404, robustness, JSON."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

import pytest

from govwatch.core.model import PageFacts
from govwatch.extract import extract_page, facts_to_json


def load(name: str) -> bytes:
    return (Path(__file__).parent / "fixtures" / name).read_bytes()


@pytest.mark.parametrize("name, url, site_root, page_type", [
    ("trs_article.html", "http://www.example.gov.cn/zwdt/202403/t20240305_123456.html", None, "article"),
    ("trs_list.html", "http://www.example.gov.cn/zwdt/index.html", None, "list"),
    ("trs_list_vars.html", "http://www.example.gov.cn/tzgg/list_2.shtml", None, "list"),
    ("jcms_list.html", "http://www.jcms.gov.cn/col/col12/index.html", None, "list"),
    ("legacy_list.html", "http://www.legacy.gov.cn/news/gzdt/list_1.htm", None, "list"),
    ("legacy_article.html", "http://www.legacy.gov.cn/news/gzdt/2024/0305/123.htm", None, "article"),
    ("home.html", "http://www.example.gov.cn/", "http://www.example.gov.cn/", "home"),
    ("home.html", "http://www.example.gov.cn/index.html", "http://www.example.gov.cn/", "home"),
    ("home.html", "http://www.example.gov.cn/portal/other.html", None, "home"),  # several column blocks
    ("message.html", "http://www.example.gov.cn/mail/1.html", None, "message"),
    ("guide.html", "http://www.example.gov.cn/bszn/1.html", None, "guide"),
    ("soft404.html", "http://www.example.gov.cn/missing.html", None, "other"),
])
def test_page_types(name, url, site_root, page_type):
    assert extract_page(load(name), url, site_root=site_root).page_type == page_type


def test_site_root_on_a_prefix_site():
    html = "<html><head><title>部门网站</title></head><body><p>欢迎</p></body></html>"
    root = "http://127.0.0.1:8080/sites/s1/"
    assert extract_page(html, "http://127.0.0.1:8080/sites/s1/index.shtml", site_root=root).page_type == "home"
    assert extract_page(html, "http://127.0.0.1:8080/sites/s2/index.shtml", site_root=root).page_type == "other"


def test_article_title_and_visible_date_not_the_meta():
    facts = extract_page(load("trs_article.html"), "http://www.example.gov.cn/zwdt/202403/t20240305_123456.html")
    assert facts.title == "市政府召开第一次常务会议"
    assert facts.publish_date == date(2024, 3, 5)  # visible 发布时间; the PubDate meta says 03-06
    assert facts.meta["PubDate"] == "2024-03-06 10:00"
    assert facts.text_excerpt.startswith("市政府召开第一次常务会议 发布时间：2024-03-05 09:30")
    assert len(facts.text_excerpt) <= 300
    meta_case = extract_page(load("meta_variants.html"), "http://www.example.gov.cn/a.html")
    assert meta_case.publish_date == date(2024, 5, 5)


def test_legacy_article_gbk_title_from_page_and_chinese_numeral_date():
    facts = extract_page(load("legacy_article.html"), "http://www.legacy.gov.cn/news/gzdt/2024/0305/123.htm")
    assert facts.title == "县长王镕主持召开县政府常务会议"
    assert facts.publish_date == date(2024, 3, 5)
    assert "李喆、张堃、刘珺" in facts.text_excerpt


@pytest.mark.parametrize("text, expected", [
    ("<h1>某某通知</h1><p>发布日期：2024-03-05</p>", date(2024, 3, 5)),
    ("<h1>某某通知</h1><p>日期：2024/3/5</p>", date(2024, 3, 5)),
    ("<h1>某某通知</h1><p>时间：2024年3月5日</p>", date(2024, 3, 5)),
    ("<h1>某某通知</h1><p>2025年06月03日 13时44分</p><p>来源：某局</p>", date(2025, 6, 3)),
    ("<h1>某某通知</h1><p>来源：某局</p><p>2024-03-05 15:54:07</p>", date(2024, 3, 5)),
    ("<h1>某某通知</h1><p>发文日期：2024-03-01</p><p>正文</p><p>发布日期：2024-03-05</p>", date(2024, 3, 5)),
    ("<h1>某某通知</h1><p>成文日期：2024-03-01</p>", date(2024, 3, 1)),
    ("<h1>某某通知</h1><p>发布日期：二〇二四年三月五日</p>", date(2024, 3, 5)),
    ("<h1>某某通知</h1><p>发布日期：2024-02-30</p>", None),
    ("<h1>某某通知</h1><p>没有日期的正文。</p>", None),
])
def test_visible_publish_date_forms(text, expected):
    html = f"<html><head><title>某某通知_某市政府</title></head><body>{text}<p>{'正文内容。' * 30}</p></body></html>"
    assert extract_page(html, "http://x.gov.cn/a.html").publish_date == expected


def test_soft_404_versus_article_mentioning_it():
    soft = extract_page(load("soft404.html"), "http://www.example.gov.cn/missing.html")
    assert soft.soft_404 is True
    article = extract_page(load("article_mentions_404.html"), "http://www.example.gov.cn/a.html")
    assert article.soft_404 is False and article.page_type == "article"
    plain = "<html><head><title>提示</title></head><body><p>您访问的页面不存在</p></body></html>"
    assert extract_page(plain, "http://x.gov.cn/a").soft_404 is True
    for name in ("trs_article.html", "home.html", "trs_list.html"):
        assert extract_page(load(name), "http://www.example.gov.cn/x.html").soft_404 is False


@pytest.mark.parametrize("title, soft", [
    ("404 Not Found", True), ("页面不存在_示例市人民政府", True), ("Error 404", True),
    ("关于第404号建议的答复", False), ("找不到工作怎么办？就业服务指南", False), ("全市404家企业完成改造", False),
])
def test_soft_404_titles(title, soft):
    html = f"<html><head><title>{title}</title></head><body><h1>{title}</h1><p>正文。</p></body></html>"
    assert extract_page(html, "http://x.gov.cn/a.html").soft_404 is soft


@pytest.mark.parametrize("body", [
    b"", b"   \n ", "", bytes(range(256)) * 40, b"\x00\x01\x02garbage\xff\xfe",
    b"<html><body><p>unterminated <a href='/x'>link<div><table><tr><td>cell",
    "<<<>>><a href=http://[::1:bad/>broken url</a><img src='http://%zz'>",
])
def test_never_raises_and_warns(body):
    facts = extract_page(body, "http://x.gov.cn/page.html")
    assert isinstance(facts, PageFacts)
    assert facts.warnings
    json.dumps(facts_to_json(facts), ensure_ascii=False)


def test_random_bytes_never_raise():
    rng = random.Random(7)
    for _ in range(30):
        body = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000)))
        assert isinstance(extract_page(body, "http://x.gov.cn/"), PageFacts)


def test_malformed_fixture():
    facts = extract_page(load("malformed.html"), "http://x.gov.cn/")
    assert any("malformed" in w for w in facts.warnings)


def test_large_body_is_capped_with_a_warning():
    row = "<li><a href='/a/{0}.html'>第{0}条信息的标题内容</a><span>2024-03-05</span></li>"
    body = ("<html><body><ul>" + "".join(row.format(i) for i in range(20000)) + "</ul></body></html>").encode()
    facts = extract_page(body, "http://x.gov.cn/", max_bytes=200_000)
    assert any("truncated" in w for w in facts.warnings)
    assert 0 < len(facts.lists[0].items) < 20000
    text_facts = extract_page(body.decode(), "http://x.gov.cn/", max_bytes=200_000)
    assert any("truncated" in w for w in text_facts.warnings)


def test_default_cap_on_a_huge_body():
    body = b"<html><body>" + b"<p>x</p>" * (6 * 1024 * 1024 // 8) + b"</body></html>"
    facts = extract_page(body, "http://x.gov.cn/")
    assert any("truncated to 5242880" in w for w in facts.warnings)


def test_facts_to_json_contract():
    facts = extract_page(load("home.html"), "http://www.example.gov.cn/", site_root="http://www.example.gov.cn/")
    data = facts_to_json(facts)
    json.dumps(data, ensure_ascii=False)
    for key in ("page_type", "title", "publish_date", "meta", "meta_variants", "items", "lists", "pagination",
                "footer", "links", "soft_404", "warnings", "nav", "breadcrumb", "endpoints", "needs_render"):
        assert key in data
    assert data["nav"] == [["政务动态", "http://www.example.gov.cn/col/c1/index.html"],
                           ["通知公告", "http://www.example.gov.cn/col/c2/index.html"],
                           ["政策文件", "http://www.example.gov.cn/col/c3/index.html"]]
    assert data["breadcrumb"] == [] and data["endpoints"] == [] and data["needs_render"] is False
    assert data["page_type"] == "home" and data["publish_date"] is None
    assert data["items"][0] == {"title": "市政府召开全市安全生产工作会议部署冬季安全工作",
                                "url": "http://www.example.gov.cn/col/c1/202611/t20261120_100012.html",
                                "date": "2026-11-20", "date_text": "11-20", "date_source": "url"}
    assert len(data["items"]) == sum(len(b["items"]) for b in data["lists"]) == 7
    assert set(data["footer"]) == {"site_code", "icp", "police_record", "sponsor", "contact", "conac",
                                   "jiucuo_site_code", "jiucuo_govcn"}
    assert set(data["links"][0]) >= {"url", "text", "kind"}
    article = facts_to_json(extract_page(load("trs_article.html"), "http://www.example.gov.cn/a.html"))
    assert article["publish_date"] == "2024-03-05"
