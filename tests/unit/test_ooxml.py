"""The direct OOXML reader gives the text openpyxl / python-docx give, on files they write."""

from __future__ import annotations

import io
import zipfile

import docx
import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from govwatch.analysis.content.attachments import Unreadable, attachment_segments
from govwatch.analysis.content.ooxml import MAX_PART_BYTES, docx_segments, xlsx_cells

ROWS = [
    ["姓名", "身份证号", "手机", "金额"],
    ["张三", "110101199003074514", 13812345678, 12.5],
    ["李四", None, "139 1234 5678", 3.0],
    [True, "=公式", 6222021234567890123, -7],
]


def _xlsx(rows: list[list[object]], second_sheet: bool = True) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    if second_sheet:
        extra = book.create_sheet("附表")
        extra["B2"] = CellRichText(["联系", TextBlock(InlineFont(b=True), "电话"), "：13900001111"])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _openpyxl_values(body: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    out = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                if value is None:
                    continue
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                if isinstance(value, bool):
                    value = int(value)
                out.append(str(value))
    book.close()
    return out


def test_xlsx_cells_agree_with_openpyxl() -> None:
    body = _xlsx(ROWS)
    ours = list(xlsx_cells(body, 1000))
    assert ours == _openpyxl_values(body)
    assert "13812345678" in ours and "110101199003074514" in ours and "联系电话：13900001111" in ours


def test_xlsx_cell_limit() -> None:
    assert len(list(xlsx_cells(_xlsx(ROWS, second_sheet=False), 5))) == 5


def test_docx_segments_agree_with_python_docx() -> None:
    document = docx.Document()
    document.add_paragraph("关于公示的通知")
    para = document.add_paragraph("联系人：王")
    para.add_run("先生\t电话 13812345678")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "身份证"
    table.cell(0, 1).text = "110101199003074514"
    table.cell(1, 0).text = "备注"
    table.cell(1, 1).text = "第一行\n第二行"
    buf = io.BytesIO()
    document.save(buf)
    ours = list(docx_segments(buf.getvalue()))
    theirs = [("text", p.text) for p in document.paragraphs if p.text]
    theirs += [("table cell", c.text) for row in document.tables[0].rows for c in row.cells if c.text]
    assert ours == theirs
    assert ("text", "联系人：王先生\t电话 13812345678") in ours


def test_oversized_part_and_broken_xml_are_unreadable() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b" " * (MAX_PART_BYTES + 1))
    with pytest.raises(Unreadable, match="超过"):
        attachment_segments("http://x.gov.cn/a.xlsx", buf.getvalue())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", b"<w:document><unclosed>")
    with pytest.raises(Unreadable, match="docx"):
        attachment_segments("http://x.gov.cn/a.docx", buf.getvalue())
