"""Pagination: createPageHTML variants, JCMS dataproxy groups, pager links."""

from __future__ import annotations

from pathlib import Path

from govwatch.core.model import Pagination
from govwatch.extract import extract_page


def load(name: str) -> bytes:
    return (Path(__file__).parent / "fixtures" / name).read_bytes()


def test_create_page_html_literal_call():
    p = extract_page(load("trs_list.html"), "http://www.example.gov.cn/zwdt/index.html").pagination
    assert p == Pagination(kind="createPageHTML", total_pages=6, page_urls=[
        f"http://www.example.gov.cn/zwdt/index_{k}.html" for k in range(1, 6)])


def test_create_page_html_with_variables_on_a_later_page():
    p = extract_page(load("trs_list_vars.html"), "http://www.example.gov.cn/tzgg/list_2.shtml").pagination
    assert p.kind == "createPageHTML" and p.total_pages == 4
    assert p.page_urls == ["http://www.example.gov.cn/tzgg/list.shtml", "http://www.example.gov.cn/tzgg/list_1.shtml",
                           "http://www.example.gov.cn/tzgg/list_3.shtml"]


def test_create_page_html_with_element_id_and_record_count():
    html = """<html><body><ul><li><a href="./a.html">一条信息的标题</a><span>2024-01-02</span></li></ul>
    <div id="page_div"></div><script>createPageHTML('page_div',3, 0,'index','htm',45);</script>
    <script>function createPageHTML(n, c, p, s) { /* library code */ }</script></body></html>"""
    p = extract_page(html, "http://x.gov.cn/col/").pagination
    assert p == Pagination(kind="createPageHTML", total_pages=3, total_records=45,
                           page_urls=["http://x.gov.cn/col/index_1.htm", "http://x.gov.cn/col/index_2.htm"])


def test_single_page_create_page_html_has_no_further_pages():
    html = '<html><body><script>createPageHTML(1, 0, "t20190918_693227", "shtml");</script></body></html>'
    assert extract_page(html, "http://x.gov.cn/a/t20190918_693227.shtml").pagination == Pagination(
        kind="createPageHTML", page_urls=[], total_pages=1)


def test_jcms_dataproxy_groups():
    p = extract_page(load("jcms_list.html"), "http://www.jcms.gov.cn/col/col12/index.html").pagination
    proxy = "http://www.jcms.gov.cn/module/web/jpage/dataproxy.jsp"
    tail = "&perpage=15&columnid=12&unitid=8880&webid=1&path=/"
    assert p == Pagination(kind="xml-dataproxy", total_pages=8, total_records=120, page_urls=[
        f"{proxy}?startrecord=46&endrecord=90{tail}", f"{proxy}?startrecord=91&endrecord=120{tail}"])


def test_jcms_island_without_totals_warns():
    html = """<html><body><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?columnid=1"></a>]]></nextgroup>
    <recordset><record><![CDATA[<li><a href="/art/2024/1/2/art_1_1.html">标题一二三四</a><span>2024-01-02</span></li>]]></record></recordset>
    </datastore></script></body></html>"""
    facts = extract_page(html, "http://x.gov.cn/col/col1/index.html")
    assert facts.pagination.kind == "xml-dataproxy" and facts.pagination.page_urls == []
    assert any("totalRecord" in w for w in facts.warnings)


def test_pager_links():
    p = extract_page(load("legacy_list.html"), "http://www.legacy.gov.cn/news/gzdt/list_1.htm").pagination
    base = "http://www.legacy.gov.cn/news/gzdt/"
    assert p == Pagination(kind="links", total_pages=6,
                           page_urls=[base + "list_2.htm", base + "list_3.htm", base + "list_6.htm"])


def test_last_page_pager_has_only_previous_links():
    html = """<html><body><div class="pages">共33条　第2/2页　 <a href="list_1.htm">首页</a> <a href="list_1.htm">上一页</a>
    <a href="list_1.htm">1</a> <b>2</b></div></body></html>"""
    p = extract_page(html, "http://x.gov.cn/news/tzgg/list_2.htm").pagination
    assert p == Pagination(kind="links", page_urls=["http://x.gov.cn/news/tzgg/list_1.htm"], total_pages=2,
                           total_records=33)


def test_numbered_links_without_words():
    html = """<html><body><div class="pagination"><a href="index.html">1</a><a href="index_1.html">2</a>
    <a href="index_2.html">3</a></div></body></html>"""
    p = extract_page(html, "http://x.gov.cn/col/index.html").pagination
    assert p.kind == "links" and p.page_urls == ["http://x.gov.cn/col/index_1.html", "http://x.gov.cn/col/index_2.html"]


def test_no_pagination_on_an_article():
    assert extract_page(load("trs_article.html"), "http://x.gov.cn/a.html").pagination == Pagination(kind="none")
