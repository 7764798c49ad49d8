"""web/snapshot.py: a hostile stored page comes out inert (no script, handler, javascript: URL,
meta refresh, base, form, frame or object left) with the finding's link or phrase marked."""

from __future__ import annotations

import lxml.html

from govwatch.web.snapshot import HIT_CLASS, decode_body, hits_of, snapshot_html

PAGE_URL = "http://www.qs.gov.cn/zwgk/index.html"
HOSTILE = """<!doctype html><html><head>
<meta http-equiv="refresh" content="0;url=http://evil.example/">
<base href="http://evil.example/"><script src="http://evil.example/x.js"></script>
<link rel="stylesheet" href="http://evil.example/x.css"><title>测试</title></head>
<body onload="alert(1)">
<svg onload="alert(2)"><script>alert(3)</script><a xlink:href="javascript:alert(4)">图</a><animate attributeName="href" to="javascript:alert(5)"/></svg>
<img src="x.png" onerror="alert(6)"><a href="javascript:alert(7)">一</a><a href=" JaVa&#09;ScRiPt:alert(8)">二</a>
<a href="data:text/html,<script>alert(9)</script>">三</a><iframe src="http://evil.example/" srcdoc="<script>alert(10)</script>"></iframe>
<object data="x.swf"></object><embed src="x.swf"><form action="http://evil.example/"><button formaction="javascript:alert(11)">提交</button></form>
<p style="background:url(javascript:alert(12))">本站提供网上博彩服务，欢迎访问。</p>
<a href="../gone.html" onmouseover="alert(13)">政策文件下载</a><!--[if IE]><script>alert(14)</script><![endif]-->
</body></html>"""


def _attributes(html: str) -> list[tuple[str, str, str]]:
    doc = lxml.html.document_fromstring(html)
    return [(el.tag, name, value) for el in doc.iter() if isinstance(el.tag, str) for name, value in el.attrib.items()]


def test_hostile_page_is_inert_and_marked() -> None:
    finding = {"kind": "broken_link", "target": "http://www.qs.gov.cn/gone.html",
               "evidence": {"link_text": "政策文件下载", "status": 404}}
    html, marks = snapshot_html(HOSTILE, PAGE_URL, finding)
    lowered = html.lower()
    for gone in ("<script", "javascript:", "http-equiv", "<base", "<iframe", "<object", "<embed", "<form", "srcdoc",
                 "<animate", "<link", "evil.example", "alert("):
        assert gone not in lowered, gone
    assert not [a for a in _attributes(html) if a[1].lower().startswith("on")]
    doc = lxml.html.document_fromstring(html)
    marked = doc.xpath(f'//mark[@class="{HIT_CLASS}"]/a')
    assert [(a.get("href"), a.text_content()) for a in marked] == [("http://www.qs.gov.cn/gone.html", "政策文件下载")]
    assert marks == 1
    assert doc.xpath("//img/@src") == []  # nothing is left to load (the sandbox CSP would block it: a console error)
    assert doc.xpath("//meta/@charset") == ["utf-8"] and doc.xpath("//style")


def test_phrase_is_marked_where_it_stands() -> None:
    finding = {"kind": "banned_content", "target": "博彩", "evidence": {"term": "博彩", "category": "gambling"}}
    html, marks = snapshot_html(HOSTILE, PAGE_URL, finding)
    doc = lxml.html.document_fromstring(html)
    paragraph = doc.xpath("//p")[0]
    assert paragraph.text == "本站提供网上" and [m.text for m in paragraph.xpath("mark")] == ["博彩"]
    assert paragraph.xpath("mark")[0].tail == "服务，欢迎访问。"
    assert marks == 1
    assert paragraph.get("style") is None  # a javascript: URL in a style attribute goes with it


def test_hits_of_finding_shapes() -> None:
    typo = hits_of({"target": "截止", "evidence": {"found": "截止", "expected": "截至"}})
    assert typo.phrases == ["截止"] and not typo.urls
    dark = hits_of({"target": "http://x.cn/a?b=1#top", "evidence": {"href": "http://x.cn/a?b=1", "text": "入口"}})
    assert dark.urls == {"http://x.cn/a?b=1"} and dark.link_texts == {"入口"}
    vague = hits_of({"evidence": {"phrases": [{"element": "材料", "phrase": "其他材料"}]}})
    assert vague.phrases == ["其他材料"]


def test_gbk_body_is_decoded_by_its_charset() -> None:
    body = "<html><head><meta charset=gbk></head><body><p>错别字在这里</p></body></html>".encode("gbk")
    text = decode_body(body, "text/html")
    html, marks = snapshot_html(text, PAGE_URL, {"target": "错别字", "evidence": {"found": "错别字"}})
    assert marks == 1 and '<mark class="gw-hit">错别字</mark>在这里' in html


def test_empty_or_broken_body_gives_a_page() -> None:
    for text in ("", "   ", "\x00\x00", "<<<>>>"):
        html, marks = snapshot_html(text, PAGE_URL, {"target": "x"})
        assert html.startswith("<!DOCTYPE html>") and marks == 0
