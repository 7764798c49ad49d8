"""Links of every kind, base href, skipped schemes, dedupe, XML-record links."""

from __future__ import annotations

from pathlib import Path

from govwatch.core.urls import normalize_url
from govwatch.extract import extract_page
from govwatch.extract.resolve import Resolver

PAGE = "http://www.example.gov.cn/links.html"


def load(name: str) -> bytes:
    return (Path(__file__).parent / "fixtures" / name).read_bytes()


def _links(name: str, url: str = PAGE):
    return extract_page(load(name), url).links


def test_every_reference_kind_with_text_and_base_href():
    got = {(ln.url, ln.kind, ln.text, ln.tag) for ln in _links("links_all.html")}
    s = "http://static.example.gov.cn"
    expected = {
        (f"{s}/site/css/site.css", "style", "", "link"),
        (f"{s}/favicon.ico", "image", "", "link"),
        ("http://www.example.gov.cn/links.html", "page", "", "link"),
        (f"{s}/site/js/jquery.js", "script", "", "script"),
        (f"{s}/site/news/a.html", "page", "新闻 标题", "a"),
        (f"{s}/files/report.PDF", "attachment", "年度报告", "a"),
        (f"{s}/files/plan.docx", "attachment", "规划", "a"),
        (f"{s}/files/data.xlsx?v=2", "attachment", "数据", "a"),
        (f"{s}/files/pkg.zip", "attachment", "压缩包", "a"),
        (f"{s}/files/doc.ofd", "attachment", "版式文件", "a"),
        (f"{s}/files/sheet.et", "attachment", "表格", "a"),
        (f"{s}/files/t.wps", "attachment", "文字", "a"),
        (f"{s}/pics/photo.jpg", "image", "大图", "a"),
        (f"{s}/video.html", "page", "视频缩略图", "a"),
        (f"{s}/img/thumb.png", "image", "视频缩略图", "img"),
        (f"{s}/titled.html", "page", "有标题的链接", "a"),
        (f"{s}/img/a.png", "image", "图片说明", "img"),
        (f"{s}/img/b.png", "image", "标题说明", "img"),
        (f"{s}/img/placeholder.gif", "image", "", "img"),
        (f"{s}/img/lazy.jpg", "image", "", "img"),
        (f"{s}/img/orig.jpg", "image", "", "img"),
        (f"{s}/area.html", "page", "区域", "area"),
        (f"{s}/frame/inner.html", "frame", "内嵌", "iframe"),
        (f"{s}/media/intro.swf", "attachment", "", "embed"),
        (f"{s}/media/flash.swf", "attachment", "", "object"),
        (f"{s}/media/intro.mp4", "attachment", "", "source"),
        (f"{s}/img/pic.webp", "image", "", "source"),
        ("https://www.gov.cn/", "page", "中国政府网", "a"),
        ("http://www.beijing.gov.cn/", "page", "北京市", "a"),
        (f"{s}/site/news/b.html", "page", "相对路径", "a"),
    }
    assert got == expected


def test_dedupe_and_skipped_schemes():
    links = _links("links_all.html")
    keys = [(ln.url, ln.kind, ln.text) for ln in links]
    assert len(keys) == len(set(keys))
    assert not any(ln.url.startswith(("javascript", "mailto", "tel")) for ln in links)
    assert not any("in-script" in ln.url for ln in links)  # text inside a script is not a link
    assert not any("cdn.example.com" in ln.url for ln in links)  # dns-prefetch names a host


def test_frames():
    links = _links("frames.html", "http://www.example.gov.cn/dir/frames.html")
    assert [(ln.url, ln.kind, ln.text) for ln in links] == [
        ("http://www.example.gov.cn/dir/left.html", "frame", "左侧导航"),
        ("http://www.example.gov.cn/main.html", "frame", ""),
    ]


def test_xml_record_links_are_marked_and_pagination_urls_are_not_links():
    facts = extract_page(load("jcms_list.html"), "http://www.jcms.gov.cn/col/col12/index.html")
    records = [ln for ln in facts.links if ln.via == "xml-record"]
    assert [ln.url for ln in records] == [
        "http://www.jcms.gov.cn/art/2024/3/5/art_12_345.html",
        "http://www.jcms.gov.cn/art/2024/3/1/art_12_344.html",
        "http://www.jcms.gov.cn/art/2024/2/20/art_12_343.html",
    ]
    assert records[0].text == "关于开展2024年春季植树活…" and records[0].kind == "page"
    assert not any("dataproxy.jsp" in ln.url for ln in facts.links)

    legacy = extract_page(load("legacy_list.html"), "http://www.legacy.gov.cn/news/gzdt/list_1.htm")
    urls = {ln.url for ln in legacy.links}
    assert not urls & set(legacy.pagination.page_urls)
    assert "http://www.legacy.gov.cn/news/gzdt/2024/0305/123.htm" in urls

    last = extract_page(b"""<html><body><a href="list_1.htm">\xe5\xb7\xa5\xe4\xbd\x9c\xe5\x8a\xa8\xe6\x80\x81</a>
    <div class="pages"><a href="list_1.htm">\xe4\xb8\x8a\xe4\xb8\x80\xe9\xa1\xb5</a> <a href="list_1.htm">1</a> <b>2</b></div>
    </body></html>""", "http://x.gov.cn/news/list_2.htm")
    assert last.pagination.page_urls == ["http://x.gov.cn/news/list_1.htm"]
    assert [(ln.url, ln.text) for ln in last.links] == [("http://x.gov.cn/news/list_1.htm", "工作动态")]  # menu link kept


def test_resolver_matches_normalize_url():
    bases = ["http://www.x.gov.cn/col/col1/index.html?a=/b", "https://X.gov.cn:443/a/b/", "http://x.gov.cn",
             "http://x.gov.cn/a;p/b?q#f"]
    hrefs = ["/a b/中文.html", "./x/../y.htm", "?page=2", ";p", "//cdn.x.cn/a.js", "//", "HTTP://Y.cn:80/./a",
             "http:rel", "\\img\\a.png", "#top", "", "  mailto:a@b  ", "x.html#f", "..", "ftp://f/x"]
    for base in bases:
        resolver = Resolver(base)
        for href in hrefs:
            assert resolver(href) == normalize_url(href, base), (base, href)
