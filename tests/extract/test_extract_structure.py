"""Site navigation and breadcrumb trails."""

from __future__ import annotations

import pytest

from govwatch.extract import extract_page

BASE = "http://www.x.gov.cn/zwgk/tzgg/index.html"


def _page(body: str) -> str:
    return f"<html><head><title>示例</title></head><body>{body}<p>正文内容。</p></body></html>"


@pytest.mark.parametrize("menu", [
    '<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>'
    '<li><a href="/hdjl/">互动交流</a></li></ul></div>',
    '<ul id="menu"><li><a href="/index.html">网站首页</a></li><li><a href="/zwgk/">政务公开</a></li>'
    '<li><a href="/hdjl/">互动交流</a></li></ul>',
    '<div class="navbar navbar-default"><a href="/zwgk/">政务公开</a><a href="/hdjl/">互动交流</a></div>',
    '<nav><a href="/">首 页</a><a href="/zwgk/">政务公开</a><a href="/hdjl/">互动交流</a></nav>',
    '<div class="daohang"><a href="/zwgk/">政务公开</a> | <a href="/hdjl/">互动交流</a></div>',
    '<div id="dh"><a href="/zwgk/">政务公开</a><a href="/hdjl/">互动交流</a></div>',
    '<table class="top_dh"><tr><td><a href="/zwgk/">政务公开</a></td><td><a href="/hdjl/">互动交流</a></td></tr></table>',
])
def test_navigation_forms(menu):
    facts = extract_page(_page(menu), BASE)
    assert facts.nav == [("政务公开", "http://www.x.gov.cn/zwgk/"), ("互动交流", "http://www.x.gov.cn/hdjl/")]


def test_navigation_document_order_deduplicated_nested_and_not_the_homepage():
    html = _page(
        '<div class="header"><div class="topnav"><ul class="menu"><li><a href="/">首页</a></li>'
        '<li><a href="/zwgk/">政务公开</a><ul class="submenu"><li><a href="/zwgk/tzgg/">通知公告</a></li></ul></li>'
        '<li><a href="/zwfw/">政务服务</a></li><li><a href="javascript:void(0)">更多</a></li></ul></div></div>'
        '<div class="leftnav"><a href="/zwgk/">政务公开</a><a href="/zwgk/zcwj/">政策文件</a></div>'
        '<div class="content"><a href="/zwgk/tzgg/202403/t20240305_1.html">不是导航的正文链接</a></div>')
    assert extract_page(html, BASE).nav == [
        ("政务公开", "http://www.x.gov.cn/zwgk/"), ("通知公告", "http://www.x.gov.cn/zwgk/tzgg/"),
        ("政务服务", "http://www.x.gov.cn/zwfw/"), ("政策文件", "http://www.x.gov.cn/zwgk/zcwj/")]


def test_pages_without_navigation_and_words_that_only_contain_dh():
    html = _page('<div class="width-dhx"><a href="/a/">链接一</a></div><div class="main"><a href="/b/">链接二</a></div>')
    assert extract_page(html, BASE).nav == []


@pytest.mark.parametrize("crumb", [
    '<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; '
    '<a href="/zwgk/tzgg/">通知公告</a></div>',
    '<div class="position"><span>您现在的位置：</span><a href="/">首页</a> › <a href="/zwgk/">政务公开</a> › '
    '<a href="/zwgk/tzgg/">通知公告</a></div>',
    '<div id="location">位置：<a href="/">首页</a> » <a href="/zwgk/">政务公开</a> » <a href="/zwgk/tzgg/">通知公告</a></div>',
    '<div class="weizhi"><a href="/">首页</a> / <a href="/zwgk/">政务公开</a> / <a href="/zwgk/tzgg/">通知公告</a></div>',
    '<div class="dqwz"><img src="/i.png"><a href="/">首页</a>＞<a href="/zwgk/">政务公开</a>＞'
    '<a href="/zwgk/tzgg/">通知公告</a></div>',
    '<ol class="breadcrumb"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>'
    '<li><a href="/zwgk/tzgg/">通知公告</a></li></ol>',
    # the label alone identifies the trail
    '<table><tr><td>当前位置：<a href="/">首页</a>&gt;<a href="/zwgk/">政务公开</a>&gt;<a href="/zwgk/tzgg/">通知公告</a>'
    '</td></tr></table>',
    '<div class="path"><em>您现在的位置：</em><a href="/">首页</a>&gt;<a href="/zwgk/">政务公开</a>&gt;'
    '<a href="/zwgk/tzgg/">通知公告</a></div>',
    # no label: 首页 followed by a separator and more links
    '<div class="wz"><span><a href="/">首页</a> &gt; <!--x--><a href="/zwgk/">政务公开</a> <i>&gt;</i> '
    '<a href="/zwgk/tzgg/">通知公告</a></span></div>',
])
def test_breadcrumb_forms(crumb):
    facts = extract_page(_page(crumb), BASE)
    assert facts.breadcrumb == [("首页", "http://www.x.gov.cn/"), ("政务公开", "http://www.x.gov.cn/zwgk/"),
                                ("通知公告", "http://www.x.gov.cn/zwgk/tzgg/")]


def test_breadcrumb_unlinked_items_kept_toolbar_dropped():
    html = _page('<div class="BreadcrumbNav">当前位置：<a href="/">首页</a> &gt; <a>新闻</a> &gt; <span>正文</span>'
                 '<div class="tools"><span>字号：</span><span>大</span><span>打印</span></div></div>')
    assert extract_page(html, BASE).breadcrumb == [("首页", "http://www.x.gov.cn/"), ("新闻", None), ("正文", None)]


def test_breadcrumb_links_are_not_navigation():
    html = _page('<div class="nav-wrap"><div class="menu"><a href="/zwgk/">政务公开</a><a href="/hdjl/">互动交流</a></div>'
                 '<div class="crumb-nav">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/tzgg/">通知公告</a></div></div>')
    facts = extract_page(html, BASE)
    assert facts.breadcrumb == [("首页", "http://www.x.gov.cn/"), ("通知公告", "http://www.x.gov.cn/zwgk/tzgg/")]
    assert facts.nav == [("政务公开", "http://www.x.gov.cn/zwgk/"), ("互动交流", "http://www.x.gov.cn/hdjl/")]


def test_no_breadcrumb_when_text_only_mentions_a_position():
    html = _page('<p>该项目地理位置优越，<a href="/a/1.html">详见附件</a>。</p>')
    assert extract_page(html, BASE).breadcrumb == []


def test_the_crawl_leaves_out_navigation_and_breadcrumb_of_detail_pages_only():
    menu = ('<div class="nav"><a href="/zwgk/">政务公开</a><a href="/hdjl/">互动交流</a></div>'
            '<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/tzgg/">通知公告</a></div>')
    article = ('<html><head><meta name="ArticleTitle" content="关于开展检查的通知"><title>关于开展检查的通知</title></head>'
               f'<body>{menu}<h1>关于开展检查的通知</h1><p>发布时间：2026-11-02</p><p>正文内容。</p></body></html>')
    url = "http://www.x.gov.cn/zwgk/tzgg/202611/t20261102_1.html"
    full, lean = extract_page(article, url), extract_page(article, url, detail_structure=False)
    assert full.page_type == lean.page_type == "article"
    assert full.nav and full.breadcrumb and lean.nav == [] and lean.breadcrumb == []
    column = _page(menu + "".join(f'<li><a href="/zwgk/tzgg/202611/t2026110{i}_{i}.html">通知{i}</a>'
                                  f'<span>2026-11-0{i}</span></li>' for i in range(1, 10)))
    listed = extract_page(column, BASE, detail_structure=False)
    assert listed.page_type != "article" and listed.nav == full.nav and listed.breadcrumb == full.breadcrumb
