"""整改通知 (report/notice.py) from a hand-made model: 27 problems in 3 classes, read back from the .docx,
the PDF and its rendered pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import docx
import pypdf
import pytest
from docx.oxml.ns import qn

from govwatch.core.catalogue import catalogue
from govwatch.report.gongwen import BODY_FONT, TITLE_FONT
from govwatch.report.notice import write_notice
from govwatch.report.report_error import ReportError
from tests.report.office_models import notice_model
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
def notice(tmp_path_factory: pytest.TempPathFactory) -> Any:
    (path,) = write_notice(notice_model(), tmp_path_factory.mktemp("notice"), pdf=False)
    return path


def test_file_name_head_and_addressee(notice: Path) -> None:
    assert notice.name == "整改通知-甲市教育局网站.docx"
    d = docx.Document(str(notice))
    texts = [p.text for p in d.paragraphs]
    assert texts[0] == "甲市人民政府办公室" and str(d.paragraphs[0].runs[0].font.color.rgb) == "E60012"
    assert "甲政网办函〔2026〕12号" in texts[:4]
    title = next(p for p in d.paragraphs if p.text == "关于甲市教育局网站问题整改的通知")
    assert title.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == TITLE_FONT and title.runs[0].font.size.pt == 22
    assert "甲市教育局：" in texts  # 主送: the responsible unit
    opening = next(t for t in texts if t.startswith("根据"))
    assert "国办发〔2017〕47号" in opening and "（网站标识码：3301000012，网址：https://edu.jiashi.gov.cn/）" in opening
    assert "发现27个问题" in opening
    body = next(p for p in d.paragraphs if p.text.startswith("根据"))
    assert body.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == BODY_FONT and body.runs[0].font.size.pt == 16


def test_problems_grouped_by_class_with_evidence(notice: Path) -> None:
    texts = [p.text for p in docx.Document(str(notice)).paragraphs]
    assert [t for t in texts if t.startswith("（") and "个）" in t] == [
        "（一）链接不可用（12个）", "（二）栏目不更新（9个）", "（三）空白栏目（6个）"]
    start = texts.index("（一）链接不可用（12个）")
    links = texts[start + 1:start + 37]  # three lines a problem
    assert [t.split("问题编号")[0] for t in links[::3]] == [f"{n}." for n in range(1, 13)]  # 1. … 12. in the class
    assert links[30:33] == ["11.问题编号LJ-0011A3F9C2：首页链接“政务公开11”无法访问（HTTP 404）。",
                            "页面：https://edu.jiashi.gov.cn/xxgk/tzgg/11.html；位置：https://edu.jiashi.gov.cn/。",
                            "证据：状态：404；链接文字：政务公开11；资源类型：页面；判定：确认失效。"]
    column = texts.index(next(t for t in texts if "LM-0003B7E1D0" in t))
    assert texts[column + 2] == "证据：栏目：通知公告3；最近更新：2026-05-01；超期天数：33；栏目类型：通知公告。"
    own = next(t for t in texts if "LM-0001C0D2E4" in t)
    assert own.endswith("整改期限：2027年2月1日。")  # only the problem whose deadline differs says so
    assert sum("整改期限：" in t for t in texts) == 1
    body = "\n".join(texts)
    assert "请你单位于2027年1月15日前完成上述问题的整改" in body and "联系人：王明；联系电话：0571-88001234。" in body
    assert [t for t in texts if t[:2] in ("一、", "二、", "三、")] == ["一、存在的问题", "二、整改要求", "三、联系方式"]
    assert "附件：整改情况反馈表" in texts and "2026年12月4日" in texts


def test_reply_form(notice: Path) -> None:
    d = docx.Document(str(notice))
    form = d.tables[0]
    rows = [[c.text for c in r.cells] for r in form.rows]
    assert rows[0] == ["序号", "问题编号", "问题", "整改情况", "完成时间"]
    assert len(rows) == 28 and [r[0] for r in rows[1:]] == [str(n) for n in range(1, 28)]
    assert rows[1][1:] == ["LJ-0001A3F9C2", "链接不可用：首页链接“政务公开1”无法访问（HTTP 404）", "", ""]
    assert abs(sum(grid_widths(form)) - text_width_twips(d.sections[-1])) <= 10
    label = next(p for p in d.paragraphs if p.text == "附件")
    assert label.paragraph_format.page_break_before
    assert english_words(docx_text(d)) == []


def test_template_and_bad_models(tmp_path: Path) -> None:
    template = docx.Document()
    template.add_paragraph("甲市政府网站工作领导小组办公室")
    template.add_paragraph("{{文号}}")
    template.add_paragraph("{{标题}}")
    template.save(str(tmp_path / "模板.docx"))
    (path,) = write_notice(notice_model(), tmp_path / "t", template=tmp_path / "模板.docx", pdf=False)
    texts = [p.text for p in docx.Document(str(path)).paragraphs]
    assert texts[:3] == ["甲市政府网站工作领导小组办公室", "甲政网办函〔2026〕12号", "关于甲市教育局网站问题整改的通知"]
    assert "甲市人民政府办公室" not in texts[:5]  # no 红头 of ours over the user's
    assert texts.count("关于甲市教育局网站问题整改的通知") == 1  # the template shows the title
    for broken, message in (({"unit": {}}, "缺少单位名称"), ({"deadline": "明年"}, "整改期限（deadline）不是有效日期"),
                            ({"issuer": ""}, "缺少发文单位")):
        with pytest.raises(ReportError, match=message):
            write_notice({**notice_model(), **broken}, tmp_path / "x", pdf=False)


def test_rendered_notice(tmp_path: Path) -> None:
    need_office_tools()
    folder = artefacts(tmp_path, "整改通知")
    docx_path, pdf = write_notice(notice_model(), folder)
    assert pdf.name == "整改通知-甲市教育局网站.pdf"
    _, pages = render(docx_path, folder)
    reader = pypdf.PdfReader(str(pdf))
    assert len(reader.pages) == len(pages) >= 5
    assert_no_blank_page(pages)
    assert pages[0].red > 200 and all(p.red == 0 for p in pages[1:])
    text = [p.extract_text().replace(" ", "") for p in reader.pages]
    assert "关于甲市教育局网站问题整改的通知" in text[0].replace("\n", "") and "—1—" in text[0]
    form = next(i for i, t in enumerate(text) if "整改情况反馈表" in t and "序号" in t)
    assert "LJ-0001A3F9C2" in text[form] and "LM-0006C0D2E4" in "".join(text[form:])


def test_notice_from_an_inspection_document(docs: dict[str, Any], tmp_path: Path) -> None:
    """The tickets of 甲市人民政府's scored findings, shaped as ``notice_model`` shapes them (raw evidence)."""
    document = docs["甲市人民政府"]
    findings = [f for f in document["findings"] if (f.get("scoring") or {}).get("status") == "scored"]
    tickets = [{"problem_id": f["id"], "label": catalogue().label(f["kind"]), "indicator": f["indicator"],
                "url": f["url"], "where": f.get("source") or f["evidence"].get("column") or "",
                "message": f["message"], "evidence": f["evidence"], "deadline": "2027-01-15"} for f in findings]
    model = {**notice_model(), "tickets": tickets,
             "unit": {"name": "甲市人民政府", "site_code": "1234000001", "url": "http://a.gov.cn/",
                      "responsible_unit": "甲市人民政府办公室"}}
    (path,) = write_notice(model, tmp_path, pdf=False)
    d = docx.Document(str(path))
    texts = [p.text for p in d.paragraphs]
    # 2 links, 1 column, 1 reviewer finding (the undated items score nothing: no ticket)
    assert [t for t in texts if t.startswith("（") and "个）" in t] == [
        "（一）链接不可用（2个）", "（二）栏目不更新（1个）", "（三）人工检查发现的问题（1个）"]
    link = texts.index(next(t for t in texts if findings[0]["id"] in t))
    assert texts[link + 2] == ("证据：判定：确认失效；软404（正常状态码的错误页）：否；范围：首页；资源类型：页面；状态：404；"
                               "链接文字：政务公开；含此链接的页面数：1；实际：HTTP 404；应为：HTTP 2xx/3xx。")
    assert [r.cells[1].text for r in d.tables[0].rows[1:]] == [f["id"] for f in findings]
    assert english_words(docx_text(d)) == []
