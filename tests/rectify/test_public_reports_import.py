"""Importing the national platform's 找错/留言 export: header synonyms, encodings, Excel cells, site
matching (标识码, then URL, then the exact registered name; unmatched rows kept), all or nothing,
idempotent re-import. The fixtures in tests/rectify/fixtures are hand-made (values checked by eye)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from govwatch.registry.public_report_sheet import PublicReportSheetError, read_report_sheet
from govwatch.scoring import public_reports as pr
from govwatch.store.db import Store
from tests.rectify.public_report_support import FGW, FIXTURES, JYJ, PORTAL, registered


def _by_external(store: Store) -> dict[str, dict[str, object]]:
    return {str(r["external_id"]): r for r in pr.list_reports(store)}


def test_the_zhaocuo_export_is_read_by_header_names_with_every_row(tmp_path: Path) -> None:
    sheet = read_report_sheet(FIXTURES / "zhaocuo_export.csv", channel="zhaocuo")
    assert sheet.problems == []
    assert sheet.ignored == ["序号"]
    assert sheet.headers["url"] == "问题网址" and sheet.headers["received_at"] == "提交时间"
    assert [r.external_id for r in sheet.rows] == ["ZC2026093000012", "ZC2026093000015", "ZC2026100300003",
                                                   "ZC2026100800021", "ZC2026100900007"]
    first = sheet.rows[0]
    assert (first.row, first.channel, first.site_code, first.type_text, first.category, first.reporter) == (
        2, "zhaocuo", "3201000001", "链接不可用", None, "张**")
    assert first.received_at.isoformat() == "2026-09-30T16:20:31+08:00"
    assert first.title.startswith("首页“通知公告”栏目第三条")  # no 标题 column: the description's start
    assert sheet.rows[2].received_at.isoformat() == "2026-10-03T10:12:00+08:00"  # written 2026/10/3 10:12


def test_an_xlsx_with_a_title_row_excel_dates_and_numeric_ids(store: Store) -> None:
    sites = registered(store)
    result = pr.import_reports(store, FIXTURES / "liuyan_export.xlsx", channel="留言", actor="tester")
    assert result == {"rows": 4, "added": 4, "skipped": 0, "unmatched": 0}
    rows = _by_external(store)
    assert set(rows) == {"20260930001", "20260930002", "20261003001", "20261009001"}  # no trailing .0
    consult = rows["20260930001"]
    assert (consult["channel"], consult["category"], consult["site_id"], consult["reporter"]) == (
        "message", "咨询", sites[PORTAL], "郑**")
    assert consult["received_at"] == "2026-09-30T09:12:00+08:00"
    assert consult["answer_deadline"] == "2026-10-08T23:59:59+08:00"
    assert rows["20260930002"]["category"] == "投诉"
    assert rows["20260930002"]["answer_deadline"] == "2026-10-13T23:59:59+08:00"
    assert rows["20261003001"]["category"] == "建议" and rows["20261003001"]["site_id"] == sites[JYJ]
    assert rows["20261009001"]["category"] == "咨询"  # 求助 counts as 咨询
    assert rows["20261009001"]["site_id"] == sites[FGW]  # no 标识码: by the registered name


def test_sites_are_matched_by_code_then_url_then_name_and_unmatched_rows_are_kept(store: Store) -> None:
    sites = registered(store)
    result = pr.import_reports(store, FIXTURES / "zhaocuo_export.csv", channel="zhaocuo", actor="tester")
    assert result == {"rows": 5, "added": 5, "skipped": 0, "unmatched": 1}
    rows = _by_external(store)
    assert rows["ZC2026093000012"]["site_id"] == sites[PORTAL]  # 标识码
    assert rows["ZC2026093000015"]["site_id"] == sites[FGW]  # a page URL on the site's host
    assert rows["ZC2026100300003"]["site_id"] == sites[FGW]  # only the name
    # the URL is inside 教育局's scope (/jyj/): it wins over the name 宁川市人民政府 in the row
    assert rows["ZC2026100900007"]["site_id"] == sites[JYJ]
    unmatched = rows["ZC2026100800021"]
    assert (unmatched["site_id"], unmatched["site_name"], unmatched["site_matched"]) == (None, "宁川市水利局", False)
    assert unmatched["site_label"] == "宁川市水利局（未匹配网站）"
    trail = pr.report_detail(store, int(str(unmatched["id"])))["events"]
    assert [(e["action"], e["to_state"], e["note"]) for e in trail] == [("import", "received", "zhaocuo_export.csv")]
    assert trail[0]["data"]["row"] == 5 and trail[0]["data"]["type"] == "链接不可用"


def test_re_importing_adds_nothing_and_keeps_the_progress_made(store: Store, tmp_path: Path) -> None:
    registered(store)
    path = FIXTURES / "zhaocuo_export.csv"
    pr.import_reports(store, path, channel="zhaocuo", actor="tester")
    first = _by_external(store)["ZC2026093000012"]
    pr.forward_report(store, int(str(first["id"])), actor="office")
    again = pr.import_reports(store, path, channel="zhaocuo", actor="tester")
    assert again == {"rows": 5, "added": 0, "skipped": 5, "unmatched": 0}
    assert len(pr.list_reports(store)) == 5
    assert _by_external(store)["ZC2026093000012"]["state"] == "forwarded"
    # a later export with one new row: only that row is added
    later = tmp_path / "later.csv"
    shutil.copy(path, later)
    with later.open("a", encoding="utf-8") as fh:
        fh.write("6,ZC2026101200002,宁川市人民政府,3201000001,,错别字,“要闻动态”标题错字,2026-10-12 08:00:00,卫**\n")
    assert pr.import_reports(store, later, channel="zhaocuo", actor="tester")["added"] == 1


def test_a_file_with_bad_rows_imports_nothing_and_names_file_row_and_column(store: Store) -> None:
    registered(store)
    path = FIXTURES / "zhaocuo_bad.csv"
    with pytest.raises(pr.PublicReportError) as caught:
        pr.import_reports(store, path, channel="zhaocuo", actor="tester")
    text = str(caught.value)
    assert "4处问题，未导入任何记录" in text
    assert f"{path} 第3行「提交时间」列：提交时间为空" in text
    assert f"{path} 第4行「编号」列：编号为空" in text
    assert f"{path} 第5行「提交时间」列：「2026-13-08 11:00:00」不是日期时间" in text
    assert f"{path} 第6行「编号」列：编号 ZC2026100800001 与第2行重复" in text
    assert pr.list_reports(store) == []  # row 2 is valid, and still not imported


def test_channels_come_from_the_column_or_the_flag_and_must_agree(store: Store) -> None:
    registered(store)
    path = FIXTURES / "mixed_gb18030.csv"  # GB18030, a 渠道 column with both channels
    with pytest.raises(pr.PublicReportError, match=r"第3行「渠道」列：渠道「留言」与指定的渠道（找错）不一致"):
        pr.import_reports(store, path, channel="zhaocuo", actor="tester")
    assert pr.list_reports(store) == []
    assert pr.import_reports(store, path, actor="tester")["added"] == 3
    rows = _by_external(store)
    assert {k: (r["channel"], r["category"]) for k, r in rows.items()} == {
        "ZC2026091800001": ("zhaocuo", None), "LY2026091800031": ("message", "咨询"),
        "LY2026092500008": ("message", "投诉")}
    assert rows["LY2026091800031"]["received_at"] == "2026-09-18T16:05:00+08:00"  # 2026年9月18日 16时05分
    with pytest.raises(pr.PublicReportError, match="缺少列 渠道"):
        pr.import_reports(store, FIXTURES / "zhaocuo_export.csv", actor="tester")


@pytest.mark.parametrize(("name", "content", "message"), [
    ("reports.xls", b"\xd0\xcf\x11\xe0", "无法读取"),
    ("reports.csv", "标题,网站名称\n首页打不开,宁川市人民政府\n".encode(), "缺少列 编号、提交时间"),
    ("reports.csv", b"a,b\n1,2\n", "没有表头行"),
    ("reports.xlsx", b"not a zip", "无法读取"),
    ("reports.csv", "编号,工单编号,提交时间,标题\n".encode(), "都表示 编号"),
])
def test_unreadable_files_are_clear_errors(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(PublicReportSheetError, match=message):
        read_report_sheet(path, channel="zhaocuo")
    with pytest.raises(PublicReportSheetError, match="文件不存在"):
        read_report_sheet(tmp_path / "missing.csv", channel="zhaocuo")
