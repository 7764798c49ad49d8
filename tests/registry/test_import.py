"""``sites import``: xlsx and csv files, every validation rule, all-or-nothing writes, re-imports."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from govwatch.registry import RowProblem, SheetError, import_file, read_sheet, site_profile
from govwatch.store import tables as t
from govwatch.store.db import Store
from tests.registry.registry_helpers import (
    ENGLISH,
    HEADERS,
    PROVINCE,
    counts,
    dump,
    with_cell,
    write_csv,
    write_xlsx,
)


def _site(store: Store, url: str) -> dict[str, object]:
    with store.engine.connect() as conn:
        row = conn.execute(select(t.sites).where(t.sites.c.url == url)).mappings().first()
    assert row is not None, url
    return dict(row)


def _org(store: Store, code: str) -> dict[str, object]:
    with store.engine.connect() as conn:
        row = conn.execute(select(t.orgs).where(t.orgs.c.code == code)).mappings().first()
    assert row is not None, code
    return dict(row)


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_import_creates_sites_and_org_hierarchy(kind: str, store: Store, tmp_path: Path) -> None:
    path = (write_xlsx if kind == "xlsx" else write_csv)(tmp_path / f"sites.{kind}", PROVINCE)
    result = import_file(store, path)
    assert result.imported and result.problems == [] and result.warnings == []
    assert (result.created, result.updated, result.orgs_created) == (10, 0, 9)
    assert counts(store) == (10, 10, 9)
    dept = _site(store, "http://www.nc.gov.cn/fgw/")
    assert dept["name"] == "宁川市发展和改革委员会" and dept["role"] == "department" and dept["level"] == "city"
    assert dept["has_services"] is False and dept["status"] == "正常" and dept["registered"] is True
    assert dept["scope_prefix"] == "/fgw/" and dept["site_code"] == "4501000101"
    assert dept["contact"] == "0771-1234567" and dept["sponsor"] == "宁川市发展和改革委员会"
    portal = _site(store, "http://www.nx.gov.cn/")
    assert portal["icp"] == "桂ICP备05070218号" and portal["police_record"] == "桂公网安备45000002000001号"
    assert portal["scope_prefix"] == "/" and portal["role"] == "portal" and portal["has_services"] is True
    assert _site(store, "http://www.qs.gov.cn/smz/")["level"] == "township"
    city, province, town = _org(store, "450100"), _org(store, "450000"), _org(store, "450121101")
    assert city["parent_id"] == province["id"] and province["parent_id"] is None
    assert (province["level"], city["level"], town["level"]) == ("province", "city", "township")
    assert city["name"] == "宁川市"


def test_file_order_does_not_matter(store: Store, tmp_path: Path) -> None:
    """Children before parents: the town comes first, the province last."""
    result = import_file(store, write_csv(tmp_path / "reversed.csv", PROVINCE[::-1]))
    assert result.imported, result.problems
    assert site_profile(store, int(_site(store, "http://www.qs.gov.cn/smz/")["id"]))["org_path"] == [
        "宁川省", "宁川市", "青山县", "石门镇"]


def test_english_headers_and_values(store: Store, tmp_path: Path) -> None:
    rows = [with_cell(PROVINCE[:1], 0, "网站类型", "portal")[0],
            with_cell(with_cell(PROVINCE[2:3], 0, "级别", "city"), 0, "办事服务", "no")[0]]
    result = import_file(store, write_csv(tmp_path / "en.csv", rows, headers=ENGLISH))
    assert result.imported, result.problems
    city = _site(store, "http://www.nc.gov.cn/")
    assert (city["role"], city["level"], city["has_services"]) == ("portal", "city", False)


def test_csv_in_gb18030_and_with_bom(store: Store, tmp_path: Path) -> None:
    gb = write_csv(tmp_path / "gb.csv", PROVINCE[:3], encoding="gb18030")
    assert "宁川".encode() not in gb.read_bytes()  # really not UTF-8
    assert import_file(store, gb).imported
    assert _site(store, "http://www.nc.gov.cn/")["name"] == "宁川市人民政府"
    bom = write_csv(tmp_path / "bom.csv", PROVINCE[3:4], encoding="utf-8-sig")
    assert bom.read_bytes().startswith(b"\xef\xbb\xbf")
    result = import_file(store, bom)
    assert result.imported and result.created == 1
    assert _site(store, "http://www.nc.gov.cn/fgw/")["name"] == "宁川市发展和改革委员会"


def test_xlsx_cells_typed_by_excel(store: Store, tmp_path: Path) -> None:
    """Excel stores 网站标识码 and 机构代码 typed as numbers as numbers, 办事服务 ticked as a boolean."""
    row = with_cell(with_cell(with_cell(PROVINCE[:1], 0, "网站标识码", 4500000001), 0, "所属机构代码", 450000),
                    0, "办事服务", False)
    assert import_file(store, write_xlsx(tmp_path / "typed.xlsx", row)).imported
    site = _site(store, "http://www.nx.gov.cn/")
    assert site["site_code"] == "4500000001" and site["has_services"] is False
    assert _org(store, "450000")["name"] == "宁川省"


def test_row_numbers_are_the_sheets_with_a_title_row_and_blank_rows(store: Store, tmp_path: Path) -> None:
    """Title in row 1, header in row 2, data in 3, blank 4, data in 5: the bad row is reported as row 5."""
    rows = [PROVINCE[0], [None] * len(HEADERS), with_cell(PROVINCE[2:3], 0, "网站标识码", "12345")[0]]
    path = write_xlsx(tmp_path / "titled.xlsx", rows, above=[["宁川省政府网站基本信息表"]])
    result = import_file(store, path)
    assert result.problems == [RowProblem(5, "网站标识码", "“12345”不是有效的网站标识码（应为10位：6位行政区划代码加4位数字，"
                                                           "或 bm 加8位数字）")]
    sheet = read_sheet(path)
    assert sheet.header_row == 2 and [n for n, _ in sheet.rows] == [3, 5]


BAD_CELLS = [  # (row index in PROVINCE, column, value, message fragment)
    (0, "首页网址", "not a url", "“not a url”不是可用的 http(s) 首页网址"),
    (0, "首页网址", "ftp://www.nx.gov.cn/", "不是可用的 http(s) 首页网址"),
    (1, "首页网址", "", "首页网址为空"),
    (1, "网站名称", "", "网站名称为空"),
    (2, "网站类型", "主站", "无法识别的网站类型「主站」（可填：本级门户、部门、下属单位）"),
    (3, "级别", "国家级", "无法识别的级别「国家级」（可填：省级、市级、县级、乡镇）"),
    (4, "运行状态", "停用", "无法识别的运行状态「停用」（可填：正常、例外、关停）"),
    (4, "办事服务", "部分", "无法识别的办事服务「部分」（可填：是、否）"),
    (5, "网站标识码", "0000000000", "0000000000 是占位号码，不是真实的网站标识码"),
    (5, "网站标识码", "1234567890", "1234567890 是占位号码，不是真实的网站标识码"),
    (5, "网站标识码", "450121000", "“450121000”不是有效的网站标识码"),
    (5, "网站标识码", "bm0100001", "“bm0100001”不是有效的网站标识码"),
    (5, "网站标识码", "9901210001", "前6位 990121 不是行政区划代码"),
    (6, "ICP备案号", "桂ICP备0507021号", "“桂ICP备0507021号”不是有效的ICP备案号"),
    (6, "ICP备案号", "桂ICP备05070218", "“桂ICP备05070218”不是有效的ICP备案号"),
    (6, "ICP备案号", "XICP备05070218号", "不是有效的ICP备案号（应为省份简称"),
    (6, "ICP备案号", "桂ICP备202106789号", "“桂ICP备202106789号”不是有效的ICP备案号"),  # 9 digits
    (6, "ICP备案号", "桂ICP备1921067890号", "“桂ICP备1921067890号”不是有效的ICP备案号"),  # 10, no year 20xx
    (5, "网站标识码", "9876543210", "9876543210 是占位号码，不是真实的网站标识码"),
    (5, "网站标识码", "bm00000000", "bm00000000 是占位号码，不是真实的网站标识码"),
    (7, "公安机关备案号", "桂公网安备4500000200000号", "“桂公网安备4500000200000号”不是有效的公安机关备案号"),
    (7, "公安机关备案号", "桂公网安备45000002000001", "不是有效的公安机关备案号（应为省份简称"),
    (8, "上级机构代码", "459999", "上级机构代码「459999」无法识别：文件中没有以它为所属机构代码的行，库中也没有该机构"),
    (8, "上级机构代码", "450122", "机构 450122 不能以自己为上级机构"),
    (9, "所属机构名称", "东江", None),  # consistent within the file: not a problem (the org is renamed)
]


@pytest.mark.parametrize("index, column, value, message", BAD_CELLS)
def test_every_bad_cell_is_reported_by_row_and_column(index: int, column: str, value: str, message: str | None,
                                                      store: Store, tmp_path: Path) -> None:
    result = import_file(store, write_csv(tmp_path / "bad.csv", with_cell(PROVINCE, index, column, value)))
    if message is None:
        assert result.imported and result.problems == []
        return
    assert not result.imported
    assert [(p.row, p.column) for p in result.problems] == [(index + 2, column)], result.problems
    assert message in result.problems[0].message
    assert counts(store) == (0, 0, 0)


def test_every_bad_row_is_reported_and_nothing_is_imported(store: Store, tmp_path: Path) -> None:
    assert import_file(store, write_xlsx(tmp_path / "good.xlsx", PROVINCE[:4])).imported
    before = dump(store)
    rows = [list(r) for r in PROVINCE]
    rows[1][HEADERS.index("运行状态")] = "正常"  # an update that must not be written
    rows[2][HEADERS.index("网站名称")] = "宁川市人民政府（新）"  # an update that must not be written
    rows[5][HEADERS.index("网站标识码")] = "1234567890"
    rows[7][HEADERS.index("首页网址")] = "http://WWW.NC.gov.cn:80/"  # row 4's homepage, written differently
    rows[8][HEADERS.index("网站类型")] = "其他"
    rows[8][HEADERS.index("级别")] = "国家"
    result = import_file(store, write_xlsx(tmp_path / "bad.xlsx", rows))
    assert [(p.row, p.column) for p in result.problems] == [
        (7, "网站标识码"), (9, "首页网址"), (10, "网站类型"), (10, "级别")]
    assert result.problems[1].message == "http://www.nc.gov.cn/ 已是第4行的首页网址"
    assert dump(store) == before and counts(store) == (4, 4, 4)


def test_org_facts_must_agree_between_rows(store: Store, tmp_path: Path) -> None:
    rows = with_cell(PROVINCE, 4, "所属机构名称", "宁川市发改委")  # row 6: same org as row 5, other name
    rows = with_cell(rows, 4, "上级机构代码", "450000")
    result = import_file(store, write_csv(tmp_path / "disagree.csv", rows))
    assert [(p.row, p.column) for p in result.problems] == [(6, "所属机构名称"), (6, "上级机构代码")]
    assert result.problems[0].message == "机构 450100-fgw 在第5行的所属机构名称为「宁川市发展和改革委员会」，同一机构的各行须一致"
    level = import_file(store, write_csv(tmp_path / "level.csv", with_cell(PROVINCE, 4, "级别", "县级")))
    assert [str(p) for p in level.problems] == [
        "第6行「级别」：机构 450100-fgw 在第5行的级别为「市级」，同一机构的各行须一致"]


def test_org_code_and_name_rules(store: Store, tmp_path: Path) -> None:
    rows = with_cell(PROVINCE, 9, "所属机构代码", "")  # row 11: name and parent without a code
    rows = with_cell(rows, 8, "所属机构名称", "")  # row 10: a new org without a name
    rows = with_cell(rows, 7, "所属机构代码", "450 121 101")
    result = import_file(store, write_csv(tmp_path / "codes.csv", rows))
    assert [str(p) for p in result.problems] == [
        "第9行「所属机构代码」：「450 121 101」不是有效的机构代码（不能含空格，最多64个字符）",
        "第10行「所属机构名称」：机构 450122 尚未登记：须填写所属机构名称",
        "第11行「所属机构代码」：所属机构代码为空，但填写了所属机构名称：每个机构都须有机构代码",
    ]


def test_cycle_in_the_org_hierarchy(store: Store, tmp_path: Path) -> None:
    rows = with_cell(PROVINCE, 0, "上级机构代码", "450121")  # 宁川省 under 青山县, which is under 宁川市 …
    result = import_file(store, write_csv(tmp_path / "cycle.csv", rows))
    assert {(p.row, p.column) for p in result.problems} == {(2, "上级机构代码"), (4, "上级机构代码"),
                                                            (7, "上级机构代码")}
    assert all("形成循环：" in p.message for p in result.problems)
    assert "450000 → 450121 → 450100 → 450000" in result.problems[0].message
    assert counts(store) == (0, 0, 0)


def test_cycle_through_orgs_already_in_the_store(store: Store, tmp_path: Path) -> None:
    assert import_file(store, write_csv(tmp_path / "good.csv", PROVINCE)).imported
    result = import_file(store, write_csv(tmp_path / "cycle.csv", with_cell(PROVINCE[:1], 0, "上级机构代码", "450100")))
    assert [str(p) for p in result.problems] == [
        "第2行「上级机构代码」：机构的上下级关系将形成循环：450000 → 450100 → 450000"]


def test_parent_known_from_the_store(store: Store, tmp_path: Path) -> None:
    assert import_file(store, write_csv(tmp_path / "top.csv", PROVINCE[:1])).imported
    result = import_file(store, write_csv(tmp_path / "city.csv", PROVINCE[2:3]))
    assert result.imported and result.orgs_created == 1 and result.kept == 1
    assert _org(store, "450100")["parent_id"] == _org(store, "450000")["id"]


def test_warnings_do_not_stop_an_import(store: Store, tmp_path: Path) -> None:
    rows = with_cell(PROVINCE, 1, "公安机关备案号", "桂公网安备 450000020001号")  # legacy 12 digits
    rows = with_cell(rows, 2, "网站标识码", "4500000101")  # row 3's code again
    path = write_csv(tmp_path / "warn.csv", rows, headers=[*HEADERS[:-1], "办事服务"])
    result = import_file(store, path)
    assert result.imported
    assert [str(w) for w in result.warnings] == [
        "第3行「公安机关备案号」：桂公网安备450000020001号 是旧的12位编号（现行编号为14位）",
        "第4行「网站标识码」：4500000101 与第3行的网站标识码相同",
    ]
    assert _site(store, "http://fgw.nx.gov.cn/")["police_record"] == "桂公网安备450000020001号"


def test_identifiers_are_stored_in_normal_form(store: Store, tmp_path: Path) -> None:
    rows = with_cell(PROVINCE[:1], 0, "ICP备案号", " 桂ICP备０５０７０２１８号－１ ")
    rows = with_cell(rows, 0, "首页网址", "WWW.NX.GOV.CN")
    rows = with_cell(rows, 0, "网站标识码", "BM01000001")
    assert import_file(store, write_csv(tmp_path / "forms.csv", rows)).imported
    site = _site(store, "http://www.nx.gov.cn/")
    assert site["icp"] == "桂ICP备05070218号-1" and site["site_code"] == "bm01000001"


def test_an_icp_number_with_a_ten_digit_serial_is_imported(store: Store, tmp_path: Path) -> None:
    """ICP numbers issued since about 2019: the year 20xx + a 6-digit serial (粤ICP备2021067890号-1)."""
    rows = with_cell(PROVINCE[:1], 0, "ICP备案号", "桂ICP备2021067890号-1")
    result = import_file(store, write_csv(tmp_path / "icp10.csv", rows))
    assert result.imported and result.problems == []
    assert _site(store, "http://www.nx.gov.cn/")["icp"] == "桂ICP备2021067890号-1"


def test_reimport_updates_by_url_and_adopts_an_inspected_site(store: Store, tmp_path: Path) -> None:
    inspected = store.site_id("http://www.dj.gov.cn/", "/")  # as `govwatch inspect` leaves it
    run = store.create_run(inspected, "2026-11-30", {})
    first = import_file(store, write_xlsx(tmp_path / "a.xlsx", PROVINCE))
    assert (first.created, first.updated, first.adopted) == (9, 1, 1)
    site = _site(store, "http://www.dj.gov.cn/")
    assert site["id"] == inspected and site["registered"] is True and site["name"] == "东江市人民政府"
    assert store.run(run)["site_id"] == inspected
    again = import_file(store, write_xlsx(tmp_path / "a.xlsx", PROVINCE))
    assert (again.created, again.updated, again.unchanged, again.orgs_created, again.orgs_updated) == (0, 0, 10, 0, 0)
    changed = with_cell(with_cell(PROVINCE, 5, "运行状态", "关停"), 2, "所属机构名称", "宁川市人民政府")
    third = import_file(store, write_xlsx(tmp_path / "b.xlsx", changed[2:6]))
    assert (third.updated, third.unchanged, third.orgs_updated, third.kept) == (1, 3, 1, 6)
    assert _site(store, "http://www.qs.gov.cn/")["status"] == "关停"
    assert _org(store, "450100")["name"] == "宁川市人民政府"
    assert counts(store) == (10, 10, 9)


def test_dry_run_counts_and_writes_nothing(store: Store, tmp_path: Path) -> None:
    result = import_file(store, write_csv(tmp_path / "a.csv", PROVINCE), dry_run=True)
    assert not result.imported and result.problems == [] and (result.created, result.orgs_created) == (10, 9)
    assert counts(store) == (0, 0, 0)


@pytest.mark.parametrize("name, content, message", [
    ("sites.xls", b"\xd0\xcf\x11\xe0", "不支持 Excel 97-2003 工作簿（.xls）"),
    ("sites.txt", b"x", "不支持的文件类型 .txt；请使用 .xlsx 工作簿或 .csv 文件"),
    ("sites", b"x", "不支持的文件类型 （无扩展名）"),
    ("sites.xlsx", b"not a zip", "作为 .xlsx 工作簿读取：BadZipFile"),
    ("sites.csv", b"", "是空文件：第一行须为列名"),
    ("sites.csv", b"\xff\xfe\xff", "既不是 UTF-8 也不是 GB18030 编码的文本"),
    ("sites.csv", "网站名称,地址\n甲,http://a.gov.cn/\n".encode(), "缺少必填列：首页网址（第1行的列名为：网站名称、地址）"),
    ("sites.csv", b"a,b\n1,2\n", "缺少必填列：网站名称、首页网址"),
    ("sites.csv", "网站名称,首页网址,url\n".encode(), "「首页网址」和「url」两列都表示首页网址"),
])
def test_unreadable_files_are_precise_errors(name: str, content: bytes, message: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SheetError) as err:
        read_sheet(path)
    assert message in str(err.value)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(SheetError, match="文件不存在"):
        read_sheet(tmp_path / "nope.csv")
    (tmp_path / "dir.xlsx").mkdir()
    with pytest.raises(SheetError, match="这是一个文件夹"):
        read_sheet(tmp_path / "dir.xlsx")


def test_unknown_columns_are_ignored_with_a_warning(store: Store, tmp_path: Path) -> None:
    rows = [[*r, "备注文字"] for r in PROVINCE[:1]]
    result = import_file(store, write_csv(tmp_path / "extra.csv", rows, headers=[*HEADERS, "备注"]))
    assert result.imported and [str(w) for w in result.warnings] == [
        "第1行：「备注」不是网站名单的列，已忽略"]


def test_only_the_required_columns(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "min.csv", [["某某县人民政府", "http://www.mm.gov.cn/"]], headers=["网站名称", "首页网址*"])
    assert import_file(store, path).imported
    site = _site(store, "http://www.mm.gov.cn/")
    assert (site["role"], site["status"], site["has_services"], site["org_id"], site["level"]) == (
        "portal", "正常", True, None, None)
