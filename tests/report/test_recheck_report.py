"""复查报告 (report/recheck_report.py) from a hand-made model: 8 fixed, 2 remaining with new evidence,
1 not verified, 1 exempted; read back from the .docx and the rendered PDF."""

from __future__ import annotations

from pathlib import Path

import docx
import pypdf
import pytest

from govwatch.report.recheck_report import write_recheck_report
from tests.report.office_models import recheck_model
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


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    (path,) = write_recheck_report(recheck_model(), tmp_path_factory.mktemp("recheck"), pdf=False)
    return path


def test_counts_and_parts(report: Path) -> None:
    assert report.name == "复查报告-甲市教育局网站.docx"
    d = docx.Document(str(report))
    texts = [p.text for p in d.paragraphs]
    assert texts[0] == "关于甲市教育局网站问题整改情况的复查报告" and "甲市教育局：" in texts
    opening = next(t for t in texts if t.startswith("根据整改通知要求"))
    assert "于2027年1月18日对你单位主办的“甲市教育局网站”" in opening and "（复查批次：第42号检查）" in opening
    assert "本次复查涉及问题12个，其中已整改8个、仍未整改2个、未能复查1个、已豁免1个" in opening
    assert [t for t in texts if t[:2] in ("一、", "二、", "三、", "四、", "五、")] == [
        "一、已整改（销号）的问题（8个）", "二、仍未整改的问题（2个）", "三、未能复查的问题（1个）", "四、已豁免的问题（1个）",
        "五、下一步要求"]
    fixed, unverified, exempted = d.tables
    assert [r.cells[1].text for r in fixed.rows[1:]] == [f"LJ-{n:04d}A3F9C2" for n in range(1, 9)]
    assert unverified.rows[1].cells[3].text == "复查时页面未能读取"
    assert exempted.rows[1].cells[1].text == "LM-0003C0D2E4" and exempted.rows[1].cells[3].text == "栏目已按规定撤并，已报备"
    for t in d.tables:
        assert abs(sum(grid_widths(t)) - text_width_twips(d.sections[-1])) <= 10
    assert english_words(docx_text(d)) == []


def test_remaining_problems_show_the_recheck_evidence(report: Path) -> None:
    texts = [p.text for p in docx.Document(str(report)).paragraphs]
    assert "（一）栏目不更新（2个）" in texts
    first = texts.index("1.问题编号LM-0001B7E1D0：栏目「通知公告1」仍未更新。")
    assert texts[first + 2] == "复查证据：栏目：通知公告1；最近更新：2026-05-01；超期天数：80。"
    assert any("将再次复查" in t for t in texts)


def test_all_fixed_and_no_issuer(tmp_path: Path) -> None:
    model = {**recheck_model(), "remaining": [], "unverified": [], "exempted": [], "issuer": None}
    (path,) = write_recheck_report(model, tmp_path, pdf=False)
    texts = [p.text for p in docx.Document(str(path)).paragraphs]
    assert [t for t in texts if t[:2] in ("一、", "二、", "三、")] == ["一、已整改（销号）的问题（8个）", "二、下一步要求"]
    assert any("均已整改到位" in t for t in texts) and "政府网站主管单位" in texts


def test_rendered_recheck_report(tmp_path: Path) -> None:
    need_office_tools()
    folder = artefacts(tmp_path, "复查报告")
    docx_path, pdf = write_recheck_report(recheck_model(), folder)
    _, pages = render(docx_path, folder)
    reader = pypdf.PdfReader(str(pdf))
    assert len(reader.pages) == len(pages) >= 2
    assert_no_blank_page(pages)
    text = "".join(p.extract_text() for p in reader.pages).replace(" ", "").replace("\n", "")
    assert "关于甲市教育局网站问题整改情况的复查报告" in text and "LJ-0008A3F9C2" in text and "复查证据" in text
