"""The portfolio bulletin: 得分表.xlsx (seed 003's 附件 layout) and 通报.docx, against hand-computed values."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import docx
import openpyxl

from govwatch.report.bulletin import write_bulletin

ORDER = ["甲市人民政府", "乙区人民政府", "丙县人民政府", "丁市发展和改革委员会", "戊区政务服务网", "己镇人民政府"]
# name: (动态 预警, 扣分, 通知 预警, 扣分, 政策 预警, 扣分, 规划/人事 预警, 扣分, 自动监测, 人工, 合计, 得分, 结论, 排名)
EXPECTED = [
    ("丙县人民政府", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100, "合格", 1),
    ("甲市人民政府", 1, 3, 0, 0, 0, 0, 0, 0, 1.5, 2, 6.5, 93.5, "合格", 2),   # links 1 + 0.5; reviewer 2
    ("己镇人民政府", 0, 0, 0, 0, 0, 0, 1, 5, 1.5, 0, 6.5, 93.5, "合格", 2),   # tie with 甲: shares rank 2
    ("丁市发展和改革委员会", 0, 0, 1, 4, 0, 0, 1, 5, 0, 0, 9, 91, "合格", 4),  # exempted link: 0
    ("乙区人民政府", 3, 9, 0, 0, 0, 0, 0, 0, 0, 0, 9, "单项否决", "不合格", "待定"),
    ("戊区政务服务网", 0, 0, 0, 0, 1, 4, 0, 0, 0, 0, 4, "待定", "待定", "待定"),
]


def bulletin(docs: dict[str, Any], out: Path) -> list[Path]:
    return write_bulletin([docs[n] for n in ORDER], out, title="关于2026年第四季度全市政府网站检查情况的通报",
                          period="2026年第四季度", deadline=date(2026, 12, 31), issuer="某市人民政府办公室",
                          pdf=False)


def test_score_table_layout_and_values(docs: dict[str, Any], out: Path) -> None:
    xlsx, word = bulletin(docs, out)
    assert (xlsx.name, word.name) == ("得分表.xlsx", "通报.docx")
    ws = openpyxl.load_workbook(xlsx).active
    assert ws["A1"].value == "附件" and ws["A2"].value == "2026年第四季度政府网站检查得分表"
    assert ws["A3"].value == "（监测时间点：2026年11月30日）"
    merged = {str(r) for r in ws.merged_cells.ranges}
    # Two-row header as in seed 003: 单位 and the tail columns span both rows, 栏目更新预警 spans the classes.
    assert {"A4:A5", "B4:B5", "C4:C5", "D4:K4", "L4:L5", "M4:M5", "N4:N5", "O4:O5", "P4:P5", "Q4:Q5"} <= merged
    assert (ws["A4"].value, ws["B4"].value, ws["C4"].value) == ("序号", "单位", "网站标识码")
    assert ws["D4"].value == "栏目更新预警"
    assert [ws.cell(row=5, column=c).value.split("\n")[0] for c in range(4, 12)] == [
        "动态/要闻", "动态/要闻", "通知公告", "通知公告", "政策文件", "政策文件", "规划计划/人事", "规划计划/人事"]
    assert ws["L4"].value.startswith("自动监测") and ws["M4"].value == "人工检查扣分"
    assert (ws["N4"].value, ws["O4"].value, ws["Q4"].value) == ("扣分合计", "得分", "排名")
    body = [tuple(ws.cell(row=r, column=c).value for c in range(1, 18)) for r in range(6, 6 + len(EXPECTED))]
    assert body == [(n, e[0], "1234000001", *e[1:]) for n, e in enumerate(EXPECTED, 1)]
    assert ws.cell(row=6 + len(EXPECTED), column=1).value is None  # then the 备注
    notes = [ws.cell(row=r, column=1).value for r in range(7 + len(EXPECTED), 12 + len(EXPECTED))]
    assert notes[0] == "备注：" and "《报告测试评分表》" in notes[1]


def test_bulletin_text(docs: dict[str, Any], out: Path) -> None:
    _, word = bulletin(docs, out)
    d = docx.Document(str(word))
    text = [p.text for p in d.paragraphs]
    assert text[0] == "关于2026年第四季度全市政府网站检查情况的通报"
    body = "\n".join(text)
    for heading in ("一、总体情况", "二、存在的主要问题", "三、整改要求"):
        assert heading in text
    overall = body[body.index("一、总体情况"):body.index("二、存在的主要问题")]
    # 4 of 6 合格 (乙 vetoed, 戊 pending): 66.7%; only 丙 had no problem at all.
    assert "共检查政府网站6个" in overall and "合格4个、不合格1个、待定1个" in overall and "合格率为66.7%" in overall
    assert "丙县人民政府共1个网站在本次检查中未发现问题" in overall and "戊区政务服务网共1个网站尚有指标未完成评估" in overall
    problems = body[body.index("二、存在的主要问题"):body.index("三、整改要求")]
    assert "一是触发单项否决。乙区人民政府（栏目不更新）共1个网站" in problems
    stale = next(p for p in problems.split("\n") if "栏目信息逾期未更新" in p)
    for name, count in (("甲市人民政府", 1), ("丁市发展和改革委员会", 2), ("乙区人民政府", 3), ("戊区政务服务网", 1),
                        ("己镇人民政府", 1)):
        assert f"{name}（{count}个栏目）" in stale
    links = next(p for p in problems.split("\n") if "无法打开" in p)
    assert "甲市人民政府（2处）" in links and "己镇人民政府（2处）" in links and "丁市" not in links  # 丁's is exempted
    assert "丙县人民政府" not in problems
    assert "人工检查发现问题。甲市人民政府共1个网站" in problems
    assert "于2026年12月31日前完成整改" in body and "某市人民政府办公室" in body
    assert "附件：2026年第四季度政府网站检查得分表" in text


def test_bulletin_attachment_table_matches_the_workbook(docs: dict[str, Any], out: Path) -> None:
    _, word = bulletin(docs, out)
    t = docx.Document(str(word)).tables[0]
    rows = [[c.text for c in r.cells] for r in t.rows]
    assert rows[0][1] == "单位" and rows[0][3] == "栏目更新预警" and rows[1][3].startswith("动态/要闻")
    assert rows[0][1] == rows[1][1] == "单位"  # merged vertically
    expected = [[str(n), r[0], "1234000001", *[str(v) for v in r[1:]]] for n, r in enumerate(EXPECTED, 1)]
    assert [r for r in rows[2:]] == expected
    assert len({id(c._tc) for c in t.rows[0].cells[3:11]}) == 1  # 栏目更新预警 is one merged cell


def test_single_site_bulletin_with_no_problems(docs: dict[str, Any], out: Path) -> None:
    xlsx, word = write_bulletin([docs["丙县人民政府"]], out, title="通报", period="2026年11月",
                                deadline=date(2027, 1, 15), issuer="办公室", pdf=False)
    ws = openpyxl.load_workbook(xlsx).active
    assert ws["B6"].value == "丙县人民政府" and ws["O6"].value == 100 and ws["Q6"].value == 1
    body = "\n".join(p.text for p in docx.Document(str(word)).paragraphs)
    assert "合格率为100%" in body and "此次检查未发现明显问题" in body and "2027年1月15日" in body
