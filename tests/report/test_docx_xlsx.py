"""Word report and self-check workbook, read back with python-docx and openpyxl."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import docx
import openpyxl
from docx.oxml.ns import qn

from govwatch.report.docx import write_docx
from govwatch.report.view import build_view
from govwatch.report.xlsx import sheet_name, write_selfcheck


def tables(path: Path) -> tuple[list[str], list[list[list[str]]]]:
    d = docx.Document(str(path))
    return [p.text for p in d.paragraphs], [[[c.text for c in row.cells] for row in t.rows] for t in d.tables]


def find_table(all_tables: list[list[list[str]]], first_header: str) -> list[list[str]]:
    return next(t for t in all_tables if t[0][0] == first_header and len(t[0]) > 2)


def test_docx_report(docs: dict[str, Any], out: Path) -> None:
    doc = docs["甲市人民政府"]
    path = write_docx(doc, out)
    assert path == out / "report.docx"
    paragraphs, all_tables = tables(path)
    assert paragraphs[:2] == ["政府网站检查报告", "甲市人民政府"]
    for heading in ("一、总体情况", "二、单项否决", "三、指标得分", "四、问题明细（5项）", "五、整改清单（5项）"):
        assert heading in paragraphs
    cover = dict(tuple(r) for r in all_tables[0])
    assert cover["网站名称"] == "甲市人民政府" and cover["网站标识码"] == "1234000001"
    assert cover["检查结论"] == "合格" and cover["得分"] == "93.5" and cover["检查日期"].startswith("2026-11-30")
    vetoes = find_table(all_tables, "序号")
    assert [(r[1], r[2]) for r in vetoes[1:]] == [("站点无法访问", "否"), ("栏目不更新", "否")]
    indicators = find_table(all_tables, "分组")
    assert ["网站可用性", "链接可用性", "10", "1.5", "已评估", "2"] == indicators[1][:6]
    problems = find_table(all_tables, "问题编号")
    assert {r[0] for r in problems[1:]} == {f["id"] for f in doc["findings"]}
    rect = next(t for t in all_tables if t[0][:3] == ["序号", "问题编号", "优先级"])
    assert [r[1] for r in rect[1:]] == [r.problem.id for r in build_view(doc).rectification]
    assert [r[5] for r in rect[1:]] == ["3", "2", "1", "0.5", "0"]
    # East-Asian font on the Normal style (w:eastAsia), headings in 黑体.
    styles = docx.Document(str(path)).styles
    assert styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"
    assert styles["Heading 1"].element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"


def test_docx_veto_and_pending(docs: dict[str, Any], tmp_path: Path) -> None:
    _, vetoed = tables(write_docx(docs["乙区人民政府"], tmp_path / "b"))
    assert dict(tuple(r) for r in vetoed[0])["得分"] == "不计分（单项否决）"
    assert [r[2] for r in find_table(vetoed, "序号")[1:]] == ["否", "是"]
    _, pending = tables(write_docx(docs["戊区政务服务网"], tmp_path / "e"))
    cover = dict(tuple(r) for r in pending[0])
    assert cover["检查结论"] == "待定（1项指标未评估）" and cover["得分"] == "≤96（未完成评估）"
    assert [r[2] for r in find_table(pending, "序号")[1:]] == ["未评估", "否"]


def rows(ws: Any) -> list[tuple[Any, ...]]:
    return [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]


def test_selfcheck_workbook_has_one_sheet_per_indicator(docs: dict[str, Any], out: Path) -> None:
    doc = docs["甲市人民政府"]
    path = write_selfcheck(doc, out)
    assert path.name == "自查表.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["概况", "链接可用性", "内容更新", "空白栏目", "日常监测（人工）", "其他问题"]
    overview = rows(wb["概况"])
    facts = {r[0]: r[1] for r in overview}
    assert facts["网站名称"] == "甲市人民政府" and facts["检查结论"] == "合格" and facts["得分"] == "93.5"
    assert ("站点无法访问", "否", "未发现", None) == overview[overview.index(next(r for r in overview
                                                                          if r[0] == "站点无法访问"))][:4]
    links = rows(wb["链接可用性"])
    header = links[2]
    assert header[:5] == ("问题编号", "页面地址", "目标地址", "问题描述", "扣分")
    listed = {r[0]: r for r in links[3:]}
    by_id = {f["id"]: f for f in doc["findings"]}
    assert {i for i in listed} == {f["id"] for f in doc["findings"] if f["kind"] == "broken_link"}
    for fid, r in listed.items():
        assert r[2] == by_id[fid]["target"] and r[4] == by_id[fid]["scoring"]["points"] and r[5] == "计分"
    assert rows(wb["空白栏目"])[3][3] == "未发现问题"
    others = rows(wb["其他问题"])[3]
    assert others[0].startswith("LM-") and others[5] == "不计分"


def test_selfcheck_exempt_status(docs: dict[str, Any], out: Path) -> None:
    wb = openpyxl.load_workbook(write_selfcheck(docs["丁市发展和改革委员会"], out))
    link = rows(wb["链接可用性"])[3]
    assert link[4] == 0 and link[5] == "已豁免" and "系统迁移" in link[6]


def test_sheet_names_are_valid_and_unique() -> None:
    taken = {"概况"}
    names = [sheet_name(n, taken) for n in ("链接[首页]:*?/\\可用性", "很长" * 20, "很长" * 20, "概况", "'引号'", "")]
    assert names[0] == "链接_首页______可用性"
    assert all(len(n) <= 31 for n in names) and len(set(names)) == len(names)
    assert names[2].endswith("(2)") and names[3] == "概况(2)" and names[4] == "引号" and names[5] == "指标"
    assert not any(c in n for n in names for c in "[]:*?/\\")
