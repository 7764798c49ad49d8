"""python-docx helpers shared by the Word report and the bulletin: Chinese fonts, tables, page numbers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

BODY_FONT = "宋体"  # East-Asian body font (Word falls back to Noto Serif CJK SC where 宋体 is missing)
HEADING_FONT = "黑体"
TITLE_FONT = "黑体"
LATIN_FONT = "Times New Roman"


def set_run_font(element: Any, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Set w:rFonts (ascii, hAnsi, eastAsia) on a run's or a style's rPr, dropping theme fonts."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if fonts.get(qn(attr)) is not None:
            del fonts.attrib[qn(attr)]
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def setup_document(doc: DocxDocument, *, landscape: bool = False) -> None:
    """A4 page, margins, Chinese fonts on Normal and the headings, page numbers in the footer."""
    section = doc.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    else:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.2)
    section.left_margin = section.right_margin = Cm(2.0)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(10.5)
    set_run_font(normal.element, BODY_FONT)
    for name, size in (("Heading 1", 15), ("Heading 2", 12), ("Title", 22)):
        style = doc.styles[name]
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = RGBColor(0, 0, 0)
        set_run_font(style.element, HEADING_FONT)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("第 ")
    _field(footer, "PAGE")
    footer.add_run(" 页 / 共 ")
    _field(footer, "NUMPAGES")
    footer.add_run(" 页")


def _field(paragraph: Any, code: str) -> None:
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), code)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    fld.append(run)
    paragraph._p.append(fld)


def title(doc: DocxDocument, text: str, *, size: float = 22, space_after: float = 6) -> None:
    """A centred title line (黑体)."""
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(space_after)
    run = p.add_run(text)
    run.bold = True
    run.font.size = Pt(size)
    set_run_font(run._element, TITLE_FONT)


def paragraph(doc: DocxDocument, text: str, *, bold: bool = False, indent: bool = True, size: float | None = None,
              align: str | None = None) -> Any:
    """A body paragraph (first line indented two characters, as in 公文)."""
    p = doc.add_paragraph()
    if indent:
        p.paragraph_format.first_line_indent = Pt((size or 10.5) * 2)
    if align == "right":
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    elif align == "center":
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    return p


def shade(cell: Any, fill: str = "D9D9D9") -> None:
    """Shade a table cell (once)."""
    pr = cell._tc.get_or_add_tcPr()
    if pr.find(qn("w:shd")) is not None:
        return
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    pr.append(shd)


def repeat_header(row: Any) -> None:
    """Repeat a table row at the top of every page."""
    pr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    pr.append(flag)


def _fill(cell: Any, text: str, *, size: float, bold: bool = False, center: bool = False,
          font: str | None = None) -> None:
    p = cell.paragraphs[0]
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(text)
    run.font.size = Pt(size)
    run.bold = bold
    if font:
        set_run_font(run._element, font)


# Column widths: bounds (cm) and the width of a character of the table's text, for default widths.
MIN_COLUMN_CM = 1.0
MAX_COLUMN_SHARE = 0.45  # no default column takes more than this share of the table


def text_width_cm(section: Any) -> float:
    """The width between a section's left and right margins, in cm."""
    return float((section.page_width - section.left_margin - section.right_margin) / 360000)


def display_length(text: str) -> float:
    """The width of ``text``'s longest line in CJK characters (a Latin letter or digit counts as 0.65)."""
    return max((sum(1.0 if ord(ch) > 0x2E7F else 0.65 for ch in line) for line in str(text).split("\n")), default=0.0)


_WORD = re.compile(r"[A-Za-z0-9\-_.:%?=&]+")  # a run LibreOffice and Word will not break (URLs break at /)


def content_widths(header: Sequence[str] | None, rows: Sequence[Sequence[Any]], total_cm: float,
                   *, size: float = 9) -> list[float]:
    """Default column widths (cm) proportional to each column's longest text, bounded, summing to ``total_cm``.

    A column is at least wide enough for two characters of ``size`` points (and ``MIN_COLUMN_CM``) and for
    its longest unbreakable word (a problem ID, a 网站标识码), and at most ``MAX_COLUMN_SHARE`` of the table,
    so a long list wraps at its 、 instead of squeezing the others; when the table is too narrow the
    columns that can wrap give up their width first.
    """
    cols = len(header) if header else max(len(r) for r in rows)
    char_cm = size * 2.54 / 72 * 1.1  # a CJK character of ``size`` points plus a little air
    need = [0.0] * cols
    word = [0.0] * cols
    for row in ([list(header)] if header else []) + [list(r) for r in rows]:
        for i, value in enumerate(row[:cols]):
            text = "" if value is None else str(value)
            need[i] = max(need[i], display_length(text) * char_cm + 0.4)
            longest = max((len(w) for w in _WORD.findall(text)), default=0)
            word[i] = max(word[i], longest * 0.65 * char_cm + 0.4)
    low = max(MIN_COLUMN_CM, 2 * char_cm + 0.4)
    high = max(low, MAX_COLUMN_SHARE * total_cm)
    floor = [min(max(low, w), high) for w in word]
    widths = [min(max(n, f), high) for n, f in zip(need, floor, strict=True)]
    if sum(widths) <= total_cm:  # room to spare: widen the columns that wanted more, else all evenly
        wanting = [i for i in range(cols) if need[i] > widths[i]] or list(range(cols))
        extra = (total_cm - sum(widths)) / len(wanting)
        return [w + extra if i in wanting else w for i, w in enumerate(widths)]
    # too wide: shrink each column's part above its floor proportionally (never below the floor if it fits)
    spare = sum(w - f for w, f in zip(widths, floor, strict=True))
    if sum(floor) <= total_cm and spare:
        scale = (total_cm - sum(floor)) / spare
        return [f + (w - f) * scale for w, f in zip(widths, floor, strict=True)]
    return [w * total_cm / sum(widths) for w in widths]


def _dxa(cm: float) -> str:
    return str(round(cm * 567))  # twentieths of a point per cm (1440 / 2.54)


def set_widths(t: Any, widths_cm: Sequence[float]) -> None:
    """Fix a table's layout and widths so LibreOffice and WPS keep them: w:tblLayout fixed, w:tblW,
    one w:gridCol per column and w:tcW on every cell (call before merging cells)."""
    tbl_pr = t._tbl.tblPr
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:  # python-docx's new tables have one; placed after the style as the schema wants
        tbl_w = OxmlElement("w:tblW")
        style = tbl_pr.find(qn("w:tblStyle"))
        if style is not None:
            style.addnext(tbl_w)
        else:
            tbl_pr.insert(0, tbl_w)
    tbl_w.set(qn("w:w"), _dxa(sum(widths_cm)))
    tbl_w.set(qn("w:type"), "dxa")
    t.autofit = False  # w:tblLayout fixed
    grid = t._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths_cm, strict=True):
        col.set(qn("w:w"), _dxa(width))
    for row in t.rows:
        for tc, width in zip(row._tr.findall(qn("w:tc")), widths_cm, strict=True):
            tc.get_or_add_tcPr()
            tc.width = Cm(width)


def id_list(ids: Sequence[str]) -> str:
    """Problem IDs joined with 、 so a narrow cell wraps between IDs, never inside one."""
    return "、".join(ids)


def table(doc: DocxDocument, header: Sequence[str] | None, rows: Sequence[Sequence[Any]], *,
          widths: Sequence[float] | None = None, size: float = 9, center: Sequence[int] = (),
          label_column: bool = False, total_width: float | None = None, font: str | None = None) -> Any:
    """A bordered table with a shaded header row that repeats on every page, with fixed column widths.

    ``widths`` in cm (scaled to ``total_width`` when that is given); without them the widths follow the
    columns' text (:func:`content_widths`) over ``total_width`` (default: the last section's text width).
    ``center`` lists the columns to centre; ``label_column`` shades and bolds the first column (key/value
    tables without a header); ``font`` sets the East-Asian font of every cell.
    """
    cols = len(header) if header else max(len(r) for r in rows)
    t = doc.add_table(rows=0, cols=cols)
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    if header:
        cells = t.add_row().cells
        for i, text in enumerate(header):
            _fill(cells[i], text, size=size, bold=True, center=True, font=font)
            shade(cells[i], "D9D9D9")
        repeat_header(t.rows[0])
    for row in rows:
        cells = t.add_row().cells
        for i, value in enumerate(row):
            _fill(cells[i], "" if value is None else str(value), size=size, center=i in center,
                  bold=label_column and i % 2 == 0, font=font)
            if label_column and i % 2 == 0:
                shade(cells[i], "F2F2F2")
    total = total_width if total_width is not None else text_width_cm(doc.sections[-1])
    if widths:
        scale = total / sum(widths) if total_width is not None else 1.0
        chosen = [w * scale for w in widths]
    else:
        chosen = content_widths(header, rows, total, size=size)
    set_widths(t, chosen)
    return t
