"""List blocks: TRS lists, homepage column blocks, legacy year inference, JCMS XML records."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from govwatch.core.model import ListItem
from govwatch.extract import extract_page


def load(name: str) -> bytes:
    return (Path(__file__).parent / "fixtures" / name).read_bytes()


def test_trs_list_every_date_form_and_impossible_date():
    facts = extract_page(load("trs_list.html"), "http://www.example.gov.cn/zwdt/index.html")
    (block,) = facts.lists
    assert block.heading == "政务动态" and block.source == "static"
    base = "http://www.example.gov.cn/zwdt/"
    assert block.items == [
        ListItem("市政府召开第一次常务会议", base + "202403/t20240305_123456.html", date(2024, 3, 5), "2024-03-05", "text"),
        ListItem("全市优化营商环境工作推进会召开", base + "202403/t20240304_123455.html", date(2024, 3, 4), "2024/03/04", "text"),
        ListItem("市领导调研重点项目建设", base + "202403/t20240303_123454.html", date(2024, 3, 3), "2024.03.03", "text"),
        ListItem("关于做好春季安全生产工作的通知", base + "202403/t20240301_123453.html", date(2024, 3, 1),
                 "2024年03月01日", "text"),
        ListItem("二月份全市经济运行情况", base + "202402/t20240229_123452.html", date(2024, 2, 29), "2024年2月29日", "text"),
        ListItem("一条日期写错的信息", base + "202402/t20240230_123451.html", None, "", ""),  # 2024-02-30 rejected
    ]


def test_homepage_blocks_with_headings_more_links_and_year_from_url():
    facts = extract_page(load("home.html"), "http://www.example.gov.cn/index.html")
    assert [(b.heading, b.more_url) for b in facts.lists] == [
        ("政务动态", "http://www.example.gov.cn/col/c1/index.html"),
        ("通知公告", "http://www.example.gov.cn/col/c2/index.html"),
        ("政策文件", "http://www.example.gov.cn/col/c3/index.html"),
    ]
    first = facts.lists[0].items
    assert first[0] == ListItem("市政府召开全市安全生产工作会议部署冬季安全工作",  # title attribute over "…" text
                                "http://www.example.gov.cn/col/c1/202611/t20261120_100012.html",
                                date(2026, 11, 20), "11-20", "url")
    assert [(i.date, i.date_source) for i in first] == [
        (date(2026, 11, 20), "url"), (date(2026, 11, 18), "url"), (date(2026, 11, 15), "url")]
    assert [(i.date, i.date_text) for i in facts.lists[2].items] == [
        (date(2026, 9, 1), "2026年09月01日"), (date(2026, 8, 15), "2026年08月15日")]


def test_legacy_gbk_table_list_years_from_url_and_neighbours():
    facts = extract_page(load("legacy_list.html"), "http://www.legacy.gov.cn/news/gzdt/list_1.htm")
    (block,) = facts.lists
    assert [(i.title, i.date, i.date_text, i.date_source) for i in block.items] == [
        ("县长王镕主持召开县政府常务会议", date(2024, 3, 5), "[03-05]", "url"),
        ("副县长李喆检查春耕备耕工作", date(2024, 3, 1), "[03-01]", "url"),
        ("县委召开专题会议", date(2024, 2, 26), "[02-26]", "neighbour"),
        ("全县经济工作会议召开", date(2024, 1, 2), "[01-02]", "url"),
        ("年终总结表彰大会举行", date(2023, 12, 28), "[12-28]", "neighbour"),  # across New Year
    ]


def test_month_day_without_any_year_stays_undated():
    html = """<html><body><ul class="list">
    <li><a href="/show.asp?id=3">第一条通知标题</a><span>[03-05]</span></li>
    <li><a href="/show.asp?id=2">第二条通知标题</a><span>[03-01]</span></li>
    <li><a href="/show.asp?id=1">第三条通知标题</a><span>[02-26]</span></li>
    </ul></body></html>"""
    (block,) = extract_page(html, "http://x.gov.cn/list.asp").lists
    assert [(i.date, i.date_text, i.date_source) for i in block.items] == [(None, "[03-05]", "")] * 1 + [
        (None, "[03-01]", ""), (None, "[02-26]", "")]


def test_other_row_shapes_and_labelled_dates():
    html = """<html><body>
    <div class="news"><div class="item"><h4><a href="/a/1.html">第一条新闻标题内容</a></h4><span>2024-05-06</span></div>
    <div class="item"><h4><a href="/a/2.html">第二条新闻标题内容</a></h4><span>2024-05-01</span></div></div>
    <dl><dd><a href="/b/1.html">定义列表里的条目</a> 发布日期：2024年5月2日</dd>
    <dd><a href="/b/2.html">定义列表里的条目二</a> 发布日期：2024年4月2日</dd></dl>
    <ul><li><a href="/c/1.html">二〇二四年的工作总结</a><span>二〇二四年五月三日</span></li>
    <li><a href="/c/2.html">全角数字日期的条目</a><span>２０２４－０５－０１</span></li></ul>
    </body></html>"""
    lists = extract_page(html, "http://x.gov.cn/").lists
    assert [[(i.title, i.date) for i in b.items] for b in lists] == [
        [("第一条新闻标题内容", date(2024, 5, 6)), ("第二条新闻标题内容", date(2024, 5, 1))],
        [("定义列表里的条目", date(2024, 5, 2)), ("定义列表里的条目二", date(2024, 4, 2))],
        [("二〇二四年的工作总结", date(2024, 5, 3)), ("全角数字日期的条目", date(2024, 5, 1))],
    ]


def test_navigation_menus_are_not_lists():
    html = """<html><body><ul class="nav"><li><a href="/">首页</a></li><li><a href="/a/">政务公开</a></li>
    <li><a href="/b/">政务服务</a></li><li><a href="/c/">互动交流</a></li></ul><p>正文</p></body></html>"""
    assert extract_page(html, "http://x.gov.cn/").lists == []


def test_jcms_xml_records_prefer_title_attribute():
    facts = extract_page(load("jcms_list.html"), "http://www.jcms.gov.cn/col/col12/index.html")
    (block,) = facts.lists
    assert block.source == "xml-records" and block.heading == "通知公告"
    assert block.items[0] == ListItem("关于开展2024年春季植树活动的通知", "http://www.jcms.gov.cn/art/2024/3/5/art_12_345.html",
                                      date(2024, 3, 5), "2024-03-05", "text")
    assert [i.date for i in block.items] == [date(2024, 3, 5), date(2024, 3, 1), date(2024, 2, 20)]


def test_dataproxy_xml_response():
    url = ("http://www.jcms.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15"
           "&columnid=12&unitid=8880&webid=1&path=/")
    facts = extract_page(load("jcms_dataproxy.xml"), url, content_type="text/xml; charset=utf-8")
    (block,) = facts.lists
    assert block.source == "dataproxy"
    assert [(i.title, i.url, i.date) for i in block.items] == [
        ("年终岁末安全检查的通知", "http://www.jcms.gov.cn/art/2023/12/28/art_12_300.html", date(2023, 12, 28)),
        ("冬季供暖工作安排", "http://www.jcms.gov.cn/art/2023/12/20/art_12_299.html", date(2023, 12, 20)),
    ]
    assert facts.pagination.total_records == 120
    assert [ln.via for ln in facts.links] == ["dataproxy", "dataproxy"]
    # Recognised by its content even without an XML content type.
    assert extract_page(load("jcms_dataproxy.xml"), url).lists[0].source == "dataproxy"


LEAD_BLOCK = """<html><body><div class="ywbox"><div class="hd"><h3>政务要闻</h3><a href="/zwyw/">更多</a></div>
<div class="bd"><div class="item">
  <div class="lead"><h4><a href="/zwyw/202310/a1.shtml">市委书记深入三县调研推动新能源产业高质量发展</a></h4>
  <p>10月9日至10日，市委书记围绕推动产业高质量发展这一课题深入调研……<span>{lead}</span></p></div>
  <ul class="newsList">
    <li><a href="/zwyw/202310/a2.shtml">第一条列表新闻的标题</a><span>10-11</span></li>
    <li><a href="/zwyw/202310/a3.shtml">第二条列表新闻的标题</a><span>10-10</span></li>
    <li><a href="/zwyw/202310/a4.shtml">第三条列表新闻的标题</a><span>10-09</span></li>
  </ul></div></div></div></body></html>"""


def test_lead_item_with_a_summary_above_a_list_is_not_a_list_row():
    (block,) = extract_page(LEAD_BLOCK.format(lead="10-11"), "http://x.gov.cn/").lists
    assert block.heading == "政务要闻"
    assert [(i.title, i.date) for i in block.items] == [
        ("第一条列表新闻的标题", date(2023, 10, 11)), ("第二条列表新闻的标题", date(2023, 10, 10)),
        ("第三条列表新闻的标题", date(2023, 10, 9))]


def test_lead_item_newer_than_the_list_is_kept_first():
    (block,) = extract_page(LEAD_BLOCK.format(lead="10-12"), "http://x.gov.cn/").lists
    assert [(i.title, i.date) for i in block.items][:2] == [
        ("市委书记深入三县调研推动新能源产业高质量发展", date(2023, 10, 12)), ("第一条列表新闻的标题", date(2023, 10, 11))]
    assert len(block.items) == 4


_COLUMN_PAGE = """<html><head><meta name="ColumnName" content="{name}"></head><body>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwdt/index.html">政务动态</a></li>
<li><a href="/jgzn/index.html">机构职能</a></li><li><a href="/about.html">关于我们</a></li></ul></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/jgzn/index.html">{name}</a></div>
<div class="side"><h3>{name}</h3><ul><li><a href="/jgzn/nsjg/index.html">内设机构</a></li>
<li><a href="/jgzn/xsdw/">下属单位</a></li></ul></div>
<div class="main"><div class="list-hd"><h2>{name}</h2></div><ul class="list">{rows}</ul>{after}</div>
<div class="footer"><h3>{name}</h3><ul><li><a href="/wzdt.html">网站地图</a></li></ul>
<div class="links">相关链接：<a href="https://www.gov.cn/">中国政府网</a></div></div>
</body></html>"""


def test_column_page_with_a_few_short_undated_links_lists_them():
    """A column page that shows content links under its own name holds undated items (not blank),
    however few and short; sub-column menus, navigation, breadcrumb and footer give no items."""
    rows = ('<li><a href="/jgzn/zyzz.html">主要职责</a></li>'
            '<li><a href="/jgzn/202604/t20260422_17000001.html">宁川市主要职责</a></li>'
            '<li><a href="/upload/jgsz.pdf">机构设置</a></li>')
    html = _COLUMN_PAGE.format(name="机构职能", rows=rows, after="")
    (block,) = extract_page(html, "http://x.gov.cn/jgzn/index.html").lists
    assert block.heading == "机构职能"
    assert [(i.title, i.url, i.date) for i in block.items] == [
        ("主要职责", "http://x.gov.cn/jgzn/zyzz.html", None),
        ("宁川市主要职责", "http://x.gov.cn/jgzn/202604/t20260422_17000001.html", None),
        ("机构设置", "http://x.gov.cn/upload/jgsz.pdf", None)]
    one = _COLUMN_PAGE.format(name="机构职能", rows='<li><a href="./zyzz.html">主要职责</a></li>', after="")
    assert [i.title for b in extract_page(one, "http://x.gov.cn/jgzn/index.html").lists for i in b.items] == ["主要职责"]


def test_blank_column_page_and_other_pages_keep_no_short_undated_list():
    """No content link (a placeholder, or only links to column index pages) is still no list; and a
    page that is not a column page keeps the headline-length rule for undated rows."""
    blank = _COLUMN_PAGE.format(name="专题专栏", rows="", after="<p>暂无信息</p>")
    assert extract_page(blank, "http://x.gov.cn/ztzl/index.html").lists == []
    menus = _COLUMN_PAGE.format(name="专题专栏", rows='<li><a href="/ztzl/a/index.html">专题一</a></li>'
                                '<li><a href="/ztzl/b/">专题二</a></li><li><a href="/ztzl/list_2.htm">下一页</a></li>'
                                '<li><a href="/col/col31">专题三</a></li><li><a href="/ztzl/?channelid=32">专题四</a></li>',
                                after="")
    assert extract_page(menus, "http://x.gov.cn/ztzl/index.html").lists == []
    plain = _COLUMN_PAGE.format(name="机构职能", rows='<li><a href="/jgzn/zyzz.html">主要职责</a></li>', after="")
    plain = plain.replace('<meta name="ColumnName" content="机构职能">', "")
    assert extract_page(plain, "http://x.gov.cn/jgzn/index.html").lists == []


# Column pages whose items are repeated blocks rather than ul/li or table rows (issue 16): a
# <dl> per item with the date in its <dd>, <div class="item"> rows whose title and date sit in
# blocks of their own, and news cards with a long summary. The page's menu (repeated <div> blocks
# of links), its related-sites box (a <dl> per site) and its footer must not be read as lists.
_SUMMARY = ("为深入贯彻落实党中央、国务院决策部署，进一步做好今冬明春各项工作，会议听取了市应急管理局、市发展改革委、"
            "市住房城乡建设局等部门关于安全生产、能源保供、民生保障等方面的工作汇报，研究部署了下一阶段重点任务，"
            "要求各地各部门压紧压实责任，确保各项措施落地见效，切实保障人民群众生命财产安全。")
_BLOCK_ITEMS = {
    "dl": '<dl><dt><a href="{u}" target="_blank" title="{t}">{t}</a></dt><dd>{d}</dd></dl>',
    "item": '<div class="item"><div class="tit"><a href="{u}" target="_blank">{t}</a></div>'
            '<div class="date">{d}</div></div>',
    "card": '<div class="news-card"><div class="pic"><a href="{u}"><img src="/images/pic.jpg" alt=""></a></div>'
            '<h3><a href="{u}">{t}</a></h3><p>' + _SUMMARY + '</p><time datetime="{d}">{d}</time></div>',
}
_BLOCK_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>政务动态_某某市人民政府</title></head><body>
<div class="top"><div class="menu-box">
  <div class="menu-item"><a href="/">首页</a></div><div class="menu-item"><a href="/zwgk/">政务公开</a></div>
  <div class="menu-item"><a href="/zwfw/">政务服务</a></div><div class="menu-item"><a href="/hdjl/">互动交流</a></div>
</div></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwdt/">政务动态</a></div>
<div class="container"><div class="left"><div class="lm-name">政务动态</div>
  <dl class="sub"><dt><a href="/zwdt/bmdt/">部门动态</a></dt></dl><dl class="sub"><dt><a href="/zwdt/xqdt/">县区动态</a></dt></dl>
</div><div class="right"><div class="list-box">{items}</div>
<div class="page">共3条 第1页 <a href="index_1.html">下一页</a></div></div></div>
<div class="links"><dl><dt><a href="http://www.gov.cn/">中国政府网</a></dt><dd>国务院</dd></dl>
<dl><dt><a href="http://www.zj.gov.cn/">浙江省人民政府</a></dt><dd>省政府门户网站</dd></dl></div>
<div class="footer"><p>主办：某某市人民政府办公室 地址：某某市人民路1号 邮编：310000</p>
<p><a href="/wzdt/">网站地图</a> <a href="/lxwm/">联系我们</a></p></div></body></html>"""
_BLOCK_ROWS = [("/zwdt/202611/t20261120_1001.html", "市政府召开第五十次常务会议研究部署冬季安全生产", date(2026, 11, 20)),
               ("/zwdt/202611/t20261118_1000.html", "全市优化营商环境工作推进会召开", date(2026, 11, 18)),
               ("/zwdt/202611/t20261115_0999.html", "市领导调研重点项目建设进展情况", date(2026, 11, 15))]


@pytest.mark.parametrize("shape", sorted(_BLOCK_ITEMS))
def test_lists_of_repeated_item_blocks_are_read_with_their_dates(shape):
    items = "".join(_BLOCK_ITEMS[shape].format(u=u, t=t, d=d.isoformat()) for u, t, d in _BLOCK_ROWS)
    facts = extract_page(_BLOCK_PAGE.replace("{items}", items), "http://www.example.gov.cn/zwdt/index.html")
    assert [[(i.title, i.url, i.date) for i in b.items] for b in facts.lists] == [
        [(t, "http://www.example.gov.cn" + u, d) for u, t, d in _BLOCK_ROWS]]


def test_repeated_blocks_of_undated_links_are_no_list():
    blocks = "".join(f'<div class="item"><div class="tit"><a href="/zt/{n}/">{t}</a></div><div class="x">专题</div></div>'
                     for n, t in enumerate(("优化营商环境专题专栏", "乡村振兴专题专栏", "安全生产专题专栏")))
    facts = extract_page(_BLOCK_PAGE.replace("{items}", blocks), "http://www.example.gov.cn/zt/index.html")
    assert facts.lists == []
