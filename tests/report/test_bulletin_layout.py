"""The 通报 as a 公文: 13 units with 30 problems (numbering past 十), problems grouped per unit with their IDs,
序号 and 网站标识码 in the score table, the optional 整改情况 / 找错 / 抽查 parts, and the rendered pages.

Documents are scored by the real rules engine on the report tests' small table (tests/report/docs.py);
the expected counts and IDs below follow from the findings built here (problem IDs by the catalogue).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pypdf
import pytest
from docx.oxml.ns import qn

from govwatch.core.catalogue import problem_id
from govwatch.core.model import Finding
from govwatch.report.bulletin import write_bulletin
from govwatch.rules import RuleSet
from tests.report.docs import broken, document, reviewer_finding, stale
from tests.report.office_render import (
    artefacts,
    assert_no_blank_page,
    docx_text,
    english_words,
    grid_widths,
    need_office_tools,
    render,
    text_width_twips,
)

# name, host, 网站标识码, homepage links, other links, stale column types
UNITS: list[tuple[str, str, str, int, int, tuple[str, ...]]] = [
    ("甲市人民政府", "jia", "3301000001", 2, 1, ("dynamic",)),
    ("乙区人民政府", "yi", "3301000002", 0, 0, ("dynamic", "dynamic", "dynamic")),  # 单项否决 栏目不更新
    ("丙县人民政府", "bing", "3301000003", 0, 0, ()),  # no problem
    ("丁市发展和改革委员会", "ding", "3301000004", 1, 0, ("notice",)),
    ("戊区教育局", "wu", "3301000005", 0, 2, ("policy",)),
    ("己镇人民政府", "ji", "3301000006", 1, 1, ()),
    ("庚市卫生健康委员会", "geng", "3301000007", 0, 0, ("plan", "personnel")),
    ("辛区自然资源局", "xin", "3301000008", 1, 0, ("plan",)),
    ("壬县生态环境局", "ren", "3301000009", 0, 1, ("notice",)),
    ("癸市交通运输局", "gui", "3301000010", 2, 1, ()),
    ("子区农业农村局", "zi", "3301000011", 0, 0, ("dynamic", "notice")),
    ("丑县市场监督管理局", "chou", "3301000012", 1, 1, ()),
    ("寅市住房和城乡建设局", "yin", "3301000013", 0, 1, ("policy",)),
]


def unit_findings(host: str, home_links: int, other_links: int, stale_types: tuple[str, ...]) -> list[Finding]:
    home = f"http://{host}.gov.cn/"
    out = [broken(home, f"h{i}.html", text=f"政务公开{i}") for i in range(home_links)]
    out += [broken(home, f"o{i}.pdf", scope="other", text=f"附件{i}", resource="attachment") for i in range(other_links)]
    out += [stale(home, f"c{i}/", ctype, f"栏目{i}") for i, ctype in enumerate(stale_types)]
    return out


@pytest.fixture(scope="module")
def portfolio(rules: RuleSet) -> dict[str, Any]:
    findings = {name: unit_findings(host, h, o, s) for name, host, _, h, o, s in UNITS}
    reviewer = reviewer_finding("http://jia.gov.cn/", "领导信息未更新")
    documents = [document(rules, name, f"http://{host}.gov.cn/", findings[name], site_code=code,
                          reviewer=[(reviewer, "daily", 2.0)] if name == "甲市人民政府" else [])
                 for name, host, code, *_ in UNITS]
    return {"documents": documents, "findings": findings, "reviewer": reviewer}


EXTRAS: dict[str, Any] = {
    "tickets": {
        "http://jia.gov.cn/": {"issued": 5, "closed": 3, "returned": 1, "overdue": 1, "overdue_list": ["LJ-AAAA000001"]},
        "http://ding.gov.cn/": {"issued": 2, "closed": 2, "returned": 0, "overdue": 0, "overdue_list": []},
        "http://gui.gov.cn/": {"issued": 2, "closed": 0, "returned": 0, "overdue": 2,
                               "overdue_list": ["LJ-BBBB000001", "LJ-BBBB000002"]},
        "http://bing.gov.cn/": {"issued": 0, "closed": 0, "returned": 0, "overdue": 0, "overdue_list": []},
    },
    "public_reports": {
        "http://jia.gov.cn/": {"received": 12, "forwarded_on_time": 12, "forwarded_late": 0, "answered_on_time": 10,
                               "answered_late": 1, "overdue_open": 1, "closed": 11},
        "http://yi.gov.cn/": {"received": 3, "forwarded_on_time": 3, "forwarded_late": 0, "answered_on_time": 3,
                              "answered_late": 0, "overdue_open": 0, "closed": 3},
        "http://bing.gov.cn/": {"received": 0, "forwarded_on_time": 0, "forwarded_late": 0, "answered_on_time": 0,
                                "answered_late": 0, "overdue_open": 0, "closed": 0},
    },
    "spot_check": {"period": "2026年第四季度", "seed": 20261201, "population": 13, "sampled": 4,
                   "sites": [{"name": "甲市人民政府", "verdict": "合格"}, {"name": "乙区人民政府", "verdict": "不合格",
                                                                     "problems": "栏目不更新"},
                             {"name": "丙县人民政府", "verdict": "合格"}, {"name": "己镇人民政府", "verdict": "合格"}]},
}


def write(portfolio: dict[str, Any], out: Path, **kw: Any) -> list[Path]:
    return write_bulletin(portfolio["documents"], out, title="关于2026年第四季度全市政府网站检查情况的通报",
                          period="2026年第四季度", deadline=date(2027, 1, 15), issuer="某市人民政府办公室", **kw)


@pytest.fixture(scope="module")
def written(portfolio: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write(portfolio, tmp_path_factory.mktemp("bulletin"), doc_number="某政办函〔2026〕31号",
                 red_header=True, extras=EXTRAS, pdf=False)


def test_thirty_problems_in_thirteen_units(portfolio: dict[str, Any]) -> None:
    total = sum(len(f) for f in portfolio["findings"].values()) + 1
    assert total == 30 and len(UNITS) == 13


def test_problems_grouped_per_unit_with_ids(portfolio: dict[str, Any], written: list[Path]) -> None:
    d = docx.Document(str(written[1]))
    texts = [p.text for p in d.paragraphs]
    body = "\n".join(texts)
    problems = body[body.index("二、存在的主要问题"):body.index("三、整改情况")]
    units = [t for t in problems.split("\n") if t.startswith("（")]
    # one paragraph per unit with problems (12 of 13: 丙 has none), numbered past 十
    assert len(units) == 12 and units[10].startswith("（十一）丑县市场监督管理局：") and units[11].startswith("（十二）")
    assert "丙县人民政府" not in problems
    for name, _, _, home, other, stale_types in UNITS:
        if not (home or other or stale_types):
            continue
        line = next(u for u in units if u.split("）", 1)[1].startswith(name + "："))
        ids = [problem_id(f) for f in portfolio["findings"][name]]
        links = [problem_id(f) for f in portfolio["findings"][name] if f.kind == "broken_link"]
        columns = [problem_id(f) for f in portfolio["findings"][name] if f.kind == "stale_column"]
        if links:
            assert f"链接、附件或图片无法打开{len(links)}处（{'、'.join(links)}）" in line
        if columns:
            assert f"栏目信息逾期未更新{len(columns)}个栏目（{'、'.join(columns)}）" in line
        assert all(i in line for i in ids)
    jia = next(u for u in units if "甲市人民政府：" in u)
    assert f"人工检查发现问题1项（{problem_id(portfolio['reviewer'])}）" in jia
    assert next(u for u in units if "乙区人民政府：" in u).split("：", 1)[1].startswith("触发单项否决（栏目不更新）")
    # the class summary keeps naming the units (seed 003): 一是…二是…
    assert any(t.startswith("一是触发单项否决。乙区人民政府（栏目不更新）") for t in texts)
    assert not any(re.match(r"\d+是", t) for t in texts)  # never “11是”


def test_headings_and_optional_parts(written: list[Path]) -> None:
    d = docx.Document(str(written[1]))
    texts = [p.text for p in d.paragraphs]
    assert [t for t in texts if len(t) < 40 and t[:2] in ("一、", "二、", "三、", "四、", "五、", "六、")] == [
        "一、总体情况", "二、存在的主要问题", "三、整改情况", "四、网民留言和“我为政府网站找错”办理情况", "五、抽查情况",
        "六、整改要求"]
    body = "\n".join(texts)
    # 整改情况: 9 issued, 5 closed (55.6%), 1 returned, 3 overdue; the overdue units named with their IDs
    assert "共向3个单位下发整改问题9个，已整改销号5个，整改销号率为55.6%；复查未通过退回1个；逾期未整改3个" in body
    assert "以下2个单位存在逾期未整改问题，予以通报批评：甲市人民政府1个（LJ-AAAA000001）；癸市交通运输局2个（LJ-BBBB000001、LJ-BBBB000002）" in body
    # 15 received (丙's zeros are not listed), 13 answered on time, 1 late, 1 still open past its deadline
    assert "本期各单位共收到15件，按时转办15件，按时答复13件，超时答复1件，办结14件，超期未办结1件。" in body
    assert "各单位办理情况：甲市人民政府收到12件、按时转办12件、按时答复10件、超时答复1件、办结11件、超期未办结1件；乙区人民政府收到3件" in body
    assert "甲市人民政府共1个单位存在超时转办、超时答复或超期未办结情况" in body
    assert "丙县人民政府下发" not in body and "丙县人民政府收到" not in body
    assert "从13个在运行政府网站中抽查4个，其中合格3个、不合格1个，抽查合格率为75%" in body
    assert "抽查不合格的网站：乙区人民政府（栏目不更新）" in body
    assert "（一）限期整改。" in body and "于2027年1月15日前完成整改" in body
    # 红头 and 文号
    assert texts[0] == "某市人民政府办公室" and "某政办函〔2026〕31号" in texts[:4]
    assert english_words(docx_text(d)) == []


def test_score_table_with_number_and_site_code(portfolio: dict[str, Any], written: list[Path]) -> None:
    ws = openpyxl.load_workbook(written[0]).active
    assert (ws["A4"].value, ws["B4"].value, ws["C4"].value, ws["D4"].value) == ("序号", "单位", "网站标识码", "栏目更新预警")
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A4:A5", "B4:B5", "C4:C5", "D4:K4", "L4:L5", "Q4:Q5"} <= merged
    rows = [[ws.cell(row=r, column=c).value for c in range(1, 18)] for r in range(6, 6 + len(UNITS))]
    assert [r[0] for r in rows] == list(range(1, 14))
    codes = {name: code for name, _, code, *_ in UNITS}
    assert all(codes[r[1]] == r[2] for r in rows)
    assert rows[0][1] == "丙县人民政府" and rows[0][15] == "合格" and rows[0][16] == 1  # 100 points ranks first
    t = docx.Document(str(written[1])).tables[0]
    cells = [[c.text for c in r.cells] for r in t.rows]
    assert cells[0][:4] == ["序号", "单位", "网站标识码", "栏目更新预警"]
    assert [r[:3] for r in cells[2:]] == [[str(r[0]), r[1], r[2]] for r in rows]


def test_score_table_fills_the_landscape_width(written: list[Path]) -> None:
    d = docx.Document(str(written[1]))
    section = d.sections[-1]
    assert section.page_width > section.page_height  # the 附件 is landscape
    t = d.tables[0]
    assert t._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    grid = grid_widths(t)
    assert len(grid) == 17 and abs(sum(grid) - text_width_twips(section)) <= 10
    assert grid[1] == max(grid)  # 单位 is the widest column
    # every cell names its width; a merged cell's is its columns' sum
    for row in t.rows:
        widths = [int(tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) for tc in row._tr.tc_lst]
        assert abs(sum(widths) - sum(grid)) <= 10


def test_rendered_bulletin(portfolio: dict[str, Any], tmp_path: Path) -> None:
    need_office_tools()
    folder = artefacts(tmp_path, "通报")
    xlsx, word, pdf = write(portfolio, folder, doc_number="某政办函〔2026〕31号", red_header=True, extras=EXTRAS)
    assert pdf.name == "通报.pdf" and pdf.stat().st_size > 10_000
    _, pages = render(word, folder)
    reader = pypdf.PdfReader(str(pdf))
    assert len(reader.pages) == len(pages) >= 4
    assert_no_blank_page(pages)
    assert pages[0].red > 300 and all(p.red == 0 for p in pages[1:])  # only the first page has the 红头
    first = reader.pages[0].extract_text()
    assert "某市人民政府办公室" in first and "— 1 —" in first
    last = reader.pages[-1]
    assert float(last.mediabox.width) > float(last.mediabox.height)  # the 附件 table on landscape pages
    text = "".join(p.extract_text() for p in reader.pages).replace(" ", "").replace("\n", "")
    assert "2026年第四季度政府网站检查得分表" in text and "（十二）" in text


def test_old_keywords_still_work(portfolio: dict[str, Any], tmp_path: Path) -> None:
    paths = write_bulletin(portfolio["documents"][:2], tmp_path, title="通报", period="2026年11月",
                           deadline=date(2027, 1, 15), issuer="办公室", pdf=False)
    assert [p.name for p in paths] == ["得分表.xlsx", "通报.docx"]
    texts = [p.text for p in docx.Document(str(paths[1])).paragraphs]
    assert texts[0] == "通报" and "三、整改要求" in texts  # no 红头, no optional parts
