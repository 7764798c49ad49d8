"""Meta tags (canonical names, case variants) and footer identity items."""

from __future__ import annotations

from pathlib import Path

from govwatch.extract import extract_page
from govwatch.extract.footer import extract_footer
from govwatch.extract.meta import collect_meta
from govwatch.model import Footer


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
