"""Script endpoints and lists filled by JavaScript (needs_render)."""

from __future__ import annotations

import pytest

from govwatch.extract import extract_page, facts_to_json

URL = "http://www.x.gov.cn/col/c14/index.html"

JS_LIST = """<html><head><title>公示公告</title><meta name="ColumnName" content="公示公告"></head><body>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/col/c14/index.html">公示公告</a></div>
<div class="list-hd"><h2>公示公告</h2></div>
<ul class="list" id="jslist"></ul>
<script type="text/javascript">
fetch("api/c14/list.json").then(r=>r.json()).then(d=>{
  document.getElementById("jslist").innerHTML=d.items.map(function(it){
    return "<li><a href=\\""+it.url+"\\">"+it.title+"</a><span>"+it.date+"</span></li>";
  }).join("");
});
</script></body></html>"""


def _script(js: str) -> str:
    return f"<html><body><p>正文</p><script>{js}</script></body></html>"


@pytest.mark.parametrize("js, endpoint", [
    ('fetch("api/list.json").then(r => r.json())', "http://www.x.gov.cn/col/c14/api/list.json"),
    ("window.fetch('/api/news?page=1&size=20')", "http://www.x.gov.cn/api/news?page=1&size=20"),
    ('$.ajax({type: "GET", dataType: "json", url: "/module/list.jsp?col=3", success: fill});',
     "http://www.x.gov.cn/module/list.jsp?col=3"),
    ("jQuery.ajax({\n  url : '../data/list.json',\n  success: function(d){}\n})", "http://www.x.gov.cn/col/data/list.json"),
    ('$.get("/api/items", function(d){})', "http://www.x.gov.cn/api/items"),
    ("$.getJSON('list.json', render)", "http://www.x.gov.cn/col/c14/list.json"),
    ('$.post("/api/search.do", {col: 3}, fill)', "http://www.x.gov.cn/api/search.do"),
    ('axios.get("https://api.x.gov.cn/v1/news").then(fill)', "https://api.x.gov.cn/v1/news"),
    ("axios({method: 'get', url: '/v1/notices'})", "http://www.x.gov.cn/v1/notices"),
    ('var x = new XMLHttpRequest(); x.open("GET", "/data/c14.json", true); x.send();',
     "http://www.x.gov.cn/data/c14.json"),
    ('$("#list").load("/col/c14/part.html #items")', "http://www.x.gov.cn/col/c14/part.html"),
    ("fetch(`/api/fixed.json`)", "http://www.x.gov.cn/api/fixed.json"),
])
def test_endpoint_forms(js, endpoint):
    facts = extract_page(_script(js), URL)
    assert facts.endpoints == [endpoint]
    assert [(ln.url, ln.kind, ln.tag, ln.via) for ln in facts.links if ln.via == "endpoint"] == [
        (endpoint, "page", "script", "endpoint")]


@pytest.mark.parametrize("js", [
    '$.getScript("/js/plugin.js")',
    'fetch("/css/theme.css")',
    "fetch('/images/banner.png')",
    'fetch("/api/list_" + page + ".json")',  # only part of a URL
    "fetch(`/api/list_${page}.json`)",
    "// fetch('/api/old.json')",
    "fetch('javascript:void(0)')",
    "prefetch('/api/not-fetch.json')",
    'window.open("/popup.html")',
    "var o = {url: '/not/ajax.json'};",  # a url key outside an ajax call
    "document.write('<a href=\"/x\">x</a>')",
])
def test_not_endpoints(js):
    assert extract_page(_script(js), URL).endpoints == []


def test_js_filled_list_page():
    facts = extract_page(JS_LIST, URL)
    assert facts.needs_render is True
    assert facts.endpoints == ["http://www.x.gov.cn/col/c14/api/c14/list.json"]
    assert facts.lists == [] and facts.page_type == "list"
    assert facts.breadcrumb[-1] == ("公示公告", "http://www.x.gov.cn/col/c14/index.html")
    data = facts_to_json(facts)
    assert data["needs_render"] is True and data["endpoints"] == facts.endpoints


def test_container_named_by_a_script_without_an_endpoint():
    html = """<html><body><div id="newsList"><p>正在加载...</p></div><script>
    var data = [["关于开展检查的通知", "/a/1.html"]];
    $("#newsList").html(data.map(function(r){return '<a href="'+r[1]+'">'+r[0]+'</a>';}).join(""));
    </script></body></html>"""
    facts = extract_page(html, URL)
    assert facts.needs_render is True and facts.endpoints == []


def test_populated_list_with_an_unrelated_script_is_not_render():
    html = """<html><body><ul class="list">
    <li><a href="/a/202403/t20240305_1.html">第一条信息的标题内容</a><span>2024-03-05</span></li>
    <li><a href="/a/202403/t20240301_2.html">第二条信息的标题内容</a><span>2024-03-01</span></li></ul>
    <div class="tab-con"></div>
    <script>document.write(unescape("%3Cspan id='_ideConac'%3E%3C/span%3E"));
    fetch("/visit/count").then(function(r){ document.getElementById("counter").innerHTML = r; });</script>
    </body></html>"""
    facts = extract_page(html, URL)
    assert facts.needs_render is False
    assert len(facts.lists[0].items) == 2


def test_empty_list_box_without_a_dom_writing_script_is_not_render():
    html = """<html><body><ul class="list" id="jslist"></ul><script>fetch("/api/list.json");</script></body></html>"""
    assert extract_page(html, URL).needs_render is False


def test_article_text_box_is_not_an_empty_list():
    html = """<html><body><div class="content"><p>这是一篇没有链接的正文，内容较长，超过占位文字的长度。</p></div>
    <div id="NewsArticleID" style="display:none">9468077</div>
    <script>$.ajax({url: "/api/login", success: function(d){ $(".user").html(d.name); }});</script></body></html>"""
    assert extract_page(html, URL).needs_render is False
