"""公文 layout (report/gongwen.py), fixed table widths (wordprint.table) and the LibreOffice PDF (office_pdf)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import docx
import pypdf
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm

from govwatch.report.gongwen import (
    BODY_FONT,
    HEADING1_FONT,
    HEADING2_FONT,
    TITLE_FONT,
    Gongwen,
    chinese_ordinal,
    ordinal_items,
    outline_label,
)
from govwatch.report.office_pdf import docx_to_pdf
from govwatch.report.report_error import ReportError
from govwatch.report.wordprint import content_widths, table, text_width_cm
from tests.report.office_render import artefacts, assert_no_blank_page, grid_widths, need_office_tools, render

# Hand-written readings, the ones that used to break (十一 read as “11是”) and the hundreds.
KNOWN = {1: "一", 2: "二", 9: "九", 10: "十", 11: "十一", 12: "十二", 19: "十九", 20: "二十", 21: "二十一",
         23: "二十三", 30: "三十", 45: "四十五", 99: "九十九", 100: "一百", 101: "一百零一", 105: "一百零五",
         110: "一百一十", 111: "一百一十一", 119: "一百一十九", 120: "一百二十", 150: "一百五十", 199: "一百九十九",
         200: "二百"}
DIGITS = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"]


def reading(n: int) -> str:
    """An independent reading of 1…200: hundreds, then 零 for a missing ten, 一十 only after 百."""
    hundreds, tens, ones = n // 100, n // 10 % 10, n % 10
    out = DIGITS[hundreds] + "百" if hundreds else ""
    if tens:
        out += ("" if tens == 1 and not hundreds else DIGITS[tens]) + "十"
    elif hundreds and ones:
        out += "零"
    return out + DIGITS[ones]


def test_chinese_ordinal_up_to_200() -> None:
    for n, text in KNOWN.items():
        assert chinese_ordinal(n) == text, n
    assert [chinese_ordinal(n) for n in range(1, 201)] == [reading(n) for n in range(1, 201)]
    assert all(not any(ch.isdigit() for ch in chinese_ordinal(n)) for n in range(1, 201))
    with pytest.raises(ValueError):
        chinese_ordinal(0)


def test_outline_labels_and_enumeration() -> None:
    assert [outline_label(level, 11) for level in (1, 2, 3, 4)] == ["十一、", "（十一）", "11.", "（11）"]
    items = ordinal_items([f"问题{n}" for n in range(1, 24)])
    assert items[10] == "十一是问题11；" and items[22] == "二十三是问题23。" and items[9].startswith("十是")


def test_content_widths_follow_the_text_and_fill_the_width() -> None:
    ids = "、".join(f"LJ-{n:04x}abcd" for n in range(20))
    widths = content_widths(("序号", "单位", "问题编号"), [(1, "甲市人民政府", ids), (2, "乙区人民政府", "LJ-1")], 15.6)
    assert sum(widths) == pytest.approx(15.6)
    assert widths[0] < widths[1] < widths[2]  # 序号 narrowest, the ID list widest
    assert widths[2] <= 0.45 * 15.6 + 1e-9 or widths[2] == max(widths)
    assert min(widths) >= 1.0  # never one letter per line


def test_tables_have_fixed_explicit_widths(tmp_path: Path) -> None:
    d = docx.Document()
    t = table(d, ("序号", "单位", "问题编号"), [(1, "甲市人民政府", "LJ-0001abcd、LJ-0002abcd")], total_width=15.6)
    tbl_pr = t._tbl.tblPr
    assert tbl_pr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    tbl_w = tbl_pr.find(qn("w:tblW"))
    assert tbl_w.get(qn("w:type")) == "dxa" and abs(int(tbl_w.get(qn("w:w"))) - round(15.6 * 567)) <= 3
    grid = grid_widths(t)
    assert len(grid) == 3 and abs(sum(grid) - round(15.6 * 567)) <= 3
    for row in t.rows:  # every cell names its width, equal to its grid column
        assert [int(tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) for tc in row._tr.tc_lst] == pytest.approx(grid, abs=2)


def mm(length: int) -> float:
    """A length (EMU, stored in twips by Word) in millimetres to 0.1 mm."""
    return round(length / 36000, 1)


def build_sample(template: Path | None = None) -> Gongwen:
    doc = Gongwen(template=template)
    if template is None:
        doc.red_header("某市人民政府办公室", "某政办函〔2026〕7号")
    doc.title("关于政府网站检查情况的通报")
    doc.addressee("各有关单位")
    doc.para("根据政府网站检查有关要求，现将有关情况通报如下：")
    for n in range(12):
        doc.heading(1, f"第{chinese_ordinal(n + 1)}部分")
        doc.heading(2, "小节", body="正文。")
    doc.table(("序号", "问题编号", "问题"), [(1, "LJ-3fa2b1c0", "首页链接无法打开")])
    doc.attachment_line(["得分表"])
    doc.signature("某市人民政府办公室", date(2026, 12, 4))
    doc.attachment("附件", "得分表")
    doc.para("附件正文。")
    return doc


def test_page_setup_fonts_and_numbering(tmp_path: Path) -> None:
    path = build_sample().save(tmp_path / "样例.docx")
    d = docx.Document(str(path))
    s = d.sections[0]
    assert [mm(v) for v in (s.page_width, s.page_height)] == [210, 297]
    assert [mm(v) for v in (s.top_margin, s.bottom_margin, s.left_margin, s.right_margin)] == [37, 35, 28, 26]
    texts = [p.text for p in d.paragraphs]
    # 红头: the issuer in red 小标宋, then the 文号 over a red rule
    red = d.paragraphs[0].runs[0]
    assert red.text == "某市人民政府办公室" and str(red.font.color.rgb) == "E60012"
    assert red._element.rPr.rFonts.get(qn("w:eastAsia")) == TITLE_FONT
    number = next(p for p in d.paragraphs if p.text == "某政办函〔2026〕7号")
    assert number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom")).get(qn("w:color")) == "E60012"
    title = next(p for p in d.paragraphs if p.text == "关于政府网站检查情况的通报")
    assert title.runs[0].font.size.pt == 22 and title.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == TITLE_FONT
    body = next(p for p in d.paragraphs if p.text.startswith("根据政府网站"))
    assert body.runs[0].font.size.pt == 16 and body.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == BODY_FONT
    assert body.paragraph_format.line_spacing.pt == pytest.approx(28.9, abs=0.05)
    assert body.paragraph_format.first_line_indent.pt == 32
    # numbering past 十: 十一、 and 十二、, each 一级 in 黑体 and （一） in 楷体
    assert "十一、第十一部分" in texts and "十二、第十二部分" in texts and "11是" not in "".join(texts)
    h1 = next(p for p in d.paragraphs if p.text == "十一、第十一部分")
    assert h1.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == HEADING1_FONT
    h2 = next(p for p in d.paragraphs if p.text == "（一）小节正文。")
    assert h2.runs[0].text == "（一）小节" and h2.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == HEADING2_FONT
    # page number “— N —” in the footer
    footer = s.footer.paragraphs[0]
    assert footer.text.startswith("— ") and footer.text.endswith(" —")
    assert "PAGE" in footer._p.xml
    # the 附件 on a new page
    label = next(p for p in d.paragraphs if p.text == "附件")
    assert label.paragraph_format.page_break_before
    # the table fills the text width
    assert abs(sum(grid_widths(d.tables[0])) - round(text_width_cm(s) * 567)) <= 3


def test_rendered_sample_pages(tmp_path: Path) -> None:
    need_office_tools()
    path = build_sample().save(tmp_path / "样例.docx")
    pdf, pages = render(path, artefacts(tmp_path, "gongwen"))
    reader = pypdf.PdfReader(str(pdf))
    assert len(reader.pages) == len(pages) >= 3
    assert_no_blank_page(pages)
    assert pages[0].red > 200  # the 红头 is red
    text = reader.pages[0].extract_text()
    assert "关于政府网站检查情况的通报" in text and "— 1 —" in text
    assert "— 2 —" in reader.pages[1].extract_text()
    # the office fonts are drawn with the serif fallback (fontconfig aliases), 黑体 with the sans one
    fonts = {str(f.get_object().get("/BaseFont")) for page in reader.pages
             for f in (page.get("/Resources", {}).get("/Font", {}) or {}).values()}
    assert any("NotoSerifCJK" in f for f in fonts) and any("NotoSansCJK" in f for f in fonts)


def test_template_keeps_its_header_and_replaces_placeholders(tmp_path: Path) -> None:
    template = docx.Document()
    section = template.sections[0]
    section.top_margin = Mm(30)
    section.header.paragraphs[0].text = "某市政府网站工作领导小组办公室"
    template.add_paragraph("文号：{{文号}}")
    p = template.add_paragraph("日期：{{")
    p.add_run("日期}}")  # split over runs, as Word does
    template_path = tmp_path / "模板.docx"
    template.save(str(template_path))
    doc = build_sample(template=template_path)
    out = doc.save(tmp_path / "套用模板.docx", values={"{{文号}}": "某办〔2026〕1号", "{{日期}}": "2026年12月4日",
                                                      "{{标题}}": "标题"})
    d = docx.Document(str(out))
    texts = [p.text for p in d.paragraphs]
    assert texts[:2] == ["文号：某办〔2026〕1号", "日期：2026年12月4日"]
    assert "关于政府网站检查情况的通报" in texts and "某市人民政府办公室" in texts  # body appended, no 红头 added
    assert mm(d.sections[0].top_margin) == 30
    assert d.sections[0].header.paragraphs[0].text == "某市政府网站工作领导小组办公室"


@pytest.mark.parametrize("content", [b"not a word file", b"PK\x03\x04broken"])
def test_bad_template_is_a_chinese_report_error(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "坏模板.docx"
    bad.write_bytes(content)
    with pytest.raises(ReportError, match="模板文件无法使用：坏模板.docx 不是有效的 Word 文档"):
        Gongwen(template=bad)
    with pytest.raises(ReportError, match="模板文件不存在"):
        Gongwen(template=tmp_path / "没有.docx")


def test_missing_libreoffice_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = build_sample().save(tmp_path / "样例.docx")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ReportError, match="apt install libreoffice-writer-nogui"):
        docx_to_pdf(path, tmp_path)
    assert path.exists() and not (tmp_path / "样例.pdf").exists()
