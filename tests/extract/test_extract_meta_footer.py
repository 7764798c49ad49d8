"""Meta tags (canonical names, case variants) and footer identity items."""

from __future__ import annotations

from pathlib import Path

import pytest

from govwatch.core.model import Footer
from govwatch.extract import extract_page
from govwatch.extract.footer import extract_footer
from govwatch.extract.meta import collect_meta


def load(name: str) -> bytes:
    return (Path(__file__).parent / "fixtures" / name).read_bytes()


def test_meta_canonical_names_first_value_and_variants():
    facts = extract_page(load("meta_variants.html"), "http://www.example.gov.cn/a.html")
    assert facts.meta == {
        "SiteName": "示例市人民政府", "SiteDomain": "www.example.gov.cn", "SiteIDCode": "3201000001",
        "ArticleTitle": "大小写不规范的文章", "PubDate": "2024-05-06 08:00", "ContentSource": "示例局",
        "generator": "TRS WCM", "Keywords": "",
    }
    assert facts.meta_variants == {
        "SiteName": "Sitename", "SiteDomain": "sitedomain", "ArticleTitle": "articletitle",
        "PubDate": "pubdate", "ContentSource": "contentSource",
    }


def test_collect_meta_directly():
    meta, variants = collect_meta([("COLUMNNAME", "栏目"), ("ColumnName", "后来的"), ("og:title", "x")])
    assert meta == {"ColumnName": "栏目", "og:title": "x"}
    assert variants == {"ColumnName": "COLUMNNAME"}


def test_trs_footer_all_items():
    f = extract_page(load("trs_list.html"), "http://www.example.gov.cn/zwdt/index.html").footer
    assert f == Footer(site_code="3201000001", icp="苏ICP备12345678号-1", police_record="苏公网安备32010202000001号",
                       sponsor="示例市人民政府办公室", contact="025-12345678", conac=True,
                       jiucuo_site_code="3201000001")


def test_footer_variants_visible_text_only():
    f = extract_page(load("footer_variants.html"), "http://www.example.gov.cn/a.html").footer
    assert f.site_code == "bm01000001"  # not the commented-out or scripted codes
    assert f.icp == "京ICP备05070218号-1"
    assert f.police_record == "京公网安备11010202000001号"
    assert f.sponsor == "示例部办公厅"  # the footer's 主办, not the event's 主办单位 in the article
    assert f.contact == "webmaster@example.gov.cn"
    assert f.conac is True  # dcs.conac.cn script written by document.write
    assert f.jiucuo_site_code == "bm01000001"  # pucha.kaipuyun.cn entry


def test_legacy_footer_and_jiucuo_link():
    f = extract_page(load("legacy_list.html"), "http://www.legacy.gov.cn/news/gzdt/list_1.htm").footer
    assert (f.site_code, f.icp, f.police_record, f.sponsor, f.contact, f.conac, f.jiucuo_site_code) == (
        "3201230003", "苏ICP备09012345号", "苏公网安备32012302000001号", "示例县人民政府办公室", "0518-87654321",
        False, "3201230003")


def test_footer_forms_from_text():
    f = extract_footer("网站标识码 1304000009 冀ICP备：05029117号 桂公网安备45010302001240", conac=False, jiucuo_codes=[])
    assert (f.site_code, f.icp, f.police_record) == ("1304000009", "冀ICP备05029117号", "桂公网安备45010302001240")
    f = extract_footer("鄂ICP备19031037-2号 主办方：中国载人航天工程办公室", conac=False, jiucuo_codes=["4201000011"])
    assert (f.icp, f.sponsor, f.jiucuo_site_code) == ("鄂ICP备19031037-2号", "中国载人航天工程办公室", "4201000011")
    assert extract_footer("", conac=True, jiucuo_codes=[]) == Footer(conac=True)


def test_jiucuo_script_forms():
    html = ("<html><body><p>x</p><span onclick=\"Link('3702000025')\"><img src='jiucuo.png'></span>"
            "<div class='j-jiucuo' data-setting=\"{sitecode:3400000072}\"></div>"
            "<div class='j-gov' data-setting=\"{sitecode:'0ADF13855B3F222BE053012819AC6888'}\"></div></body></html>")
    f = extract_page(html, "http://x.gov.cn/").footer
    assert f.jiucuo_site_code == "3702000025" and f.conac is True
    onclick = ("<a href='javascript:;' onclick=\"window.open('https://zfwzgl.www.gov.cn/exposure/jiucuo.html"
               "?site_code=4201000011&url=x')\">找错</a>")
    assert extract_page(onclick, "http://x.gov.cn/").footer.jiucuo_site_code == "4201000011"


def _foot(*lines: str) -> str:
    """A page whose visible text ends with ``lines`` (one <p> each) after an article paragraph."""
    body = "".join(f"<p>{line}</p>" for line in lines)
    return f"<html><body><div class='article'><p>正文。</p></div><div class='footer'>{body}</div></body></html>"


IDS = "政府网站标识码：1301000003　冀ICP备20013865号　冀公网安备 13010202001704号"


def test_sponsor_written_before_zhuban():
    # 「X主办」 lines (no 主办： label), with or without the 承办 part on the same line
    f = extract_page(_foot("石家庄市人民政府办公室主办", "石家庄市电子政务中心承办", IDS), "http://x.gov.cn/").footer
    assert f.sponsor == "石家庄市人民政府办公室"
    f = extract_page(_foot("廊坊市人民政府办公室主办 廊坊市发展和改革委员会承办", IDS), "http://x.gov.cn/").footer
    assert f.sponsor == "廊坊市人民政府办公室"
    f = extract_page(_foot(IDS, "中共示例市委、示例市人民政府主办"), "http://x.gov.cn/").footer
    assert f.sponsor == "中共示例市委、示例市人民政府"
    f = extract_page(_foot("本站由示例县人民政府办公室主办", IDS), "http://x.gov.cn/").footer
    assert f.sponsor == "示例县人民政府办公室"
    f = extract_footer("示例市人民政府办公室主办 冀ICP备20013865号", conac=False, jiucuo_codes=[])
    assert f.sponsor == "示例市人民政府办公室"


def test_sponsor_label_wins_and_sentences_are_not_sponsors():
    f = extract_page(_foot("主办：示例市人民政府办公室", "示例市大数据局主办 示例市信息中心承办", IDS),
                     "http://x.gov.cn/").footer
    assert f.sponsor == "示例市人民政府办公室"
    html = ("<html><body><p>本次展览由市文化馆主办，欢迎广大市民参观。</p><p>活动由市图书馆主办的读书会同期举行。</p>"
            f"<p>{IDS}</p></body></html>")
    assert extract_page(html, "http://x.gov.cn/").footer.sponsor is None


def test_phone_label_with_qualifier_before_colon():
    f = extract_page(_foot(IDS, "联系电话 商务局：027-82796639"), "http://x.gov.cn/").footer
    assert f.contact == "027-82796639"
    f = extract_page(_foot(IDS, "网站技术支持电话（工作时间）：0551-69118381"), "http://x.gov.cn/").footer
    assert f.contact == "0551-69118381"
    # a label on one line does not reach a number in the next segment
    f = extract_page(_foot(IDS, "政府各机构联系电话", "| 网站技术支持：027-87678380 | 运维邮箱：ops@x.gov.cn"),
                     "http://x.gov.cn/").footer
    assert f.contact == "ops@x.gov.cn"


def test_postal_address_is_the_contact_when_the_foot_has_no_phone_or_mail():
    f = extract_page(_foot("版权所有：示例委员会", IDS, "地址：北京市西城区示例大街甲49号", "邮政编码 100800"),
                     "http://x.gov.cn/").footer
    assert f.contact == "北京市西城区示例大街甲49号"
    # 联系地址 before the identifiers, ended by an ideographic space; glued 邮编 cut off
    f = extract_page(_foot("联系地址：示例市行政中心区市政府楼\u3000", "主办单位：示例市人民政府", IDS),
                     "http://x.gov.cn/").footer
    assert (f.contact, f.sponsor) == ("示例市行政中心区市政府楼", "示例市人民政府")
    f = extract_page(_foot(IDS, "地址：重庆市两江新区示例大道68号41栋邮编：401123"), "http://x.gov.cn/").footer
    assert f.contact == "重庆市两江新区示例大道68号41栋"
    # not a postal address: a URL, a mail address
    f = extract_page(_foot(IDS, "网站地址：www.x.gov.cn", "邮件地址：a@x.gov.cn"), "http://x.gov.cn/").footer
    assert f.contact == "a@x.gov.cn"


def test_contact_order_and_distance():
    # from the identity lines on, a phone before an e-mail before an address
    f = extract_page(_foot(IDS, "地址：示例市文泉东路1号", "邮箱：a@x.gov.cn", "联系电话：0716-2212368"),
                     "http://x.gov.cn/").footer
    assert f.contact == "0716-2212368"
    f = extract_page(_foot(IDS, "地址：示例市文泉东路1号", "邮箱：a@x.gov.cn"), "http://x.gov.cn/").footer
    assert f.contact == "a@x.gov.cn"
    # the foot's address on its identity lines, not a phone of the article above them
    article = "<p>联系人：张三</p><p>电话：0991-2859329</p><p>" + "培训安排说明。" * 15 + "</p>"
    html = (f"<html><body>{article}<p>主办：示例市人民政府办公室</p>"
            f"<p>地址：示例市南湖东路30号 {IDS}</p></body></html>")
    assert extract_page(html, "http://x.gov.cn/").footer.contact == "示例市南湖东路30号"
    # before the identity lines, a phone still comes before an address (主办：X 电话：Y 地址：Z)
    f = extract_page(_foot("主办单位：示例市人民政府办公室　联系电话：0311-1234567　地址：示例市中华大街1号", IDS),
                     "http://x.gov.cn/").footer
    assert f.contact == "0311-1234567"
    # an address far above the identifiers belongs to the body (a notice), not to the foot
    notice = "<p>采购人地址：湖南省示例市迎丰中路城市中央大厦B座</p><p>" + "项目概况与采购需求说明。" * 30 + "</p>"
    html = f"<html><body>{notice}<p>主办单位：示例部国库司</p><p>{IDS}</p></body></html>"
    assert extract_page(html, "http://x.gov.cn/").footer.contact is None


def test_a_footer_that_scripts_may_write_is_flagged_for_rendering():
    url = "http://www.x.gov.cn/index.html"
    empty = "<html><body><h1>某县人民政府</h1><div id='footer'></div>{}</body></html>"
    assert extract_page(empty.format("<script src='/js/footer.js'></script>"), url).footer_by_script
    assert extract_page(empty.format("<script>document.getElementById('footer').innerHTML = f;</script>"),
                        url).footer_by_script
    assert not extract_page(empty.format(""), url).footer_by_script  # no script: the footer is just missing
    static = empty.format("<p>网站标识码：1304000009 冀ICP备05070218号</p><script src='/js/stat.js'></script>")
    assert not extract_page(static, url).footer_by_script


BADGE_PAGE = ("<html><body><h1>示例市人民政府</h1><p><img src='news.jpg' alt='主办单位：示例市文旅局 联系电话：0311-7654321'>"
              "活动海报</p><div class='footer'>{}</div></body></html>")


def test_identifiers_shown_only_as_image_alt_or_title_are_read():
    url = "http://www.x.gov.cn/"
    code_img = "<img src='bsm.png' alt='网站标识码：1304000009'><p>主办单位：示例市人民政府办公室 冀ICP备05070218号</p>"
    f = extract_page(BADGE_PAGE.format(code_img), url).footer
    assert (f.site_code, f.icp, f.sponsor) == ("1304000009", "冀ICP备05070218号", "示例市人民政府办公室")
    badge = ("<a href='https://bszs.conac.cn/sitename?method=show&id=1'><img src='red.png' alt='党政机关' "
             "title='网站标识码 3301000002'></a><img src='ga.png' title='浙公网安备 33010602001234号'>"
             "<p>浙ICP备12345678号</p>")
    f = extract_page(BADGE_PAGE.format(badge), url).footer
    assert (f.site_code, f.police_record, f.conac) == ("3301000002", "浙公网安备33010602001234号", True)
    # the visible text wins over an image's text
    f = extract_page(BADGE_PAGE.format("<img alt='网站标识码：3301000002'><p>网站标识码：1304000009</p>"), url).footer
    assert f.site_code == "1304000009"


def test_sponsor_and_contact_from_an_identity_image_but_never_from_other_alts():
    f = extract_footer("", conac=False, jiucuo_codes=[], image_texts=[
        "示例活动 主办单位：示例市文旅局 电话：0311-7654321",  # a poster: no identifier, not footer text
        "主办单位：示例市人民政府办公室 网站标识码：1304000009 联系电话：0311-1234567"])
    assert (f.site_code, f.sponsor, f.contact) == ("1304000009", "示例市人民政府办公室", "0311-1234567")
    # a page whose footer has identifiers but no sponsor/contact: the poster's alt is not read
    f = extract_page(BADGE_PAGE.format("<p>网站标识码：1304000009 冀ICP备05070218号</p>"), "http://www.x.gov.cn/").footer
    assert (f.site_code, f.sponsor, f.contact) == ("1304000009", None, None)
    # alts that name an identifier without a number are not footer text
    f = extract_footer("", conac=False, jiucuo_codes=[], image_texts=["ICP备案流程图 主办单位：示例局", "公安备案须知"])
    assert f == Footer()


@pytest.mark.parametrize(("text", "record"), [
    ("京公网安备 11010502030143号", "京公网安备11010502030143号"),
    ("浙公网安备案号：33010602001234", "浙公网安备33010602001234号"),
    ("浙公网安备案号 33010602001234号", "浙公网安备33010602001234号"),
    ("公网安备案号：浙33010602001234", "浙公网安备33010602001234号"),
    ("公安备案号：33010602001234", "浙公网安备33010602001234号"),  # the province of the division code
    ("公安机关备案号：京公网安备11010502030143号", "京公网安备11010502030143号"),
    ("公安机关备案编号：11010502030143", "京公网安备11010502030143号"),
    ("粤公网安备 440106020009号", "粤公网安备440106020009号"),  # legacy 12 digits: read, the check warns
    ("桂公网安备45010302001240", "桂公网安备45010302001240"),  # no 号 written: kept (the check finds it invalid)
    ("公安备案号：99010602001234", "公网安备99010602001234号"),  # no province anywhere: kept, invalid
])
def test_police_record_wordings(text: str, record: str):
    f = extract_footer(f"主办单位：示例市人民政府办公室 {text} 网站标识码：1304000009", conac=False, jiucuo_codes=[])
    assert f.police_record == record


@pytest.mark.parametrize("text", [
    "依据《公安备案管理办法》，请登录公网安备网站。电话：12345678",
    "公网安备", "公安机关备案号：", "京公网安备 12345",  # no number, or too short
    "京公网安备 12345678901234567号",  # too long
])
def test_police_record_garbage_is_not_read(text: str):
    assert extract_footer(f"网站标识码：1304000009 {text}", conac=False, jiucuo_codes=[]).police_record is None
