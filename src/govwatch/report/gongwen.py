"""公文 layout (GB/T 9704-2012) for the office documents: 整改通知, 复查报告 and 季度通报.

:class:`Gongwen` builds a python-docx document the way an office sends one:

- A4, margins 37 mm top, 35 mm bottom, 28 mm left, 26 mm right; body 仿宋_GB2312 三号 (16 pt) on a fixed
  28.9 pt line (22 lines of 28 characters a page), first lines indented two characters;
- title 方正小标宋简体 二号 (22 pt), level-1 headings 黑体 三号 (一、), level-2 楷体_GB2312 三号 (（一）),
  then 1. and （1） in the body font — ordinals from :func:`chinese_ordinal`, never breaking past 十;
- an optional 红头: the issuer in red 小标宋, the 文号 line and a red rule across the text width;
- tables in 仿宋 with explicit, fixed column widths (``wordprint.table``) over the text width;
- page numbers “— 1 —” centred at the foot; each 附件 on a new page (landscape when it is wide);
- a user template (``template=`` a .docx): the body is appended to a copy of it, its header, styles and
  margins are kept and ``{{文号}}``, ``{{日期}}``, ``{{标题}}`` are replaced.

Fonts are named as Word and WPS know them (``w:eastAsia``). Where they are missing, LibreOffice asks
fontconfig for a substitute; :mod:`govwatch.report.office_pdf` converts with :data:`FONT_FALLBACKS`
as fontconfig aliases (serif Noto Serif CJK SC for 仿宋/楷体/小标宋, Noto Sans CJK SC for 黑体), so the
PDF looks like the office's print-out on a machine with only the free fonts.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from govwatch.report.report_error import ReportError
from govwatch.report.wordprint import set_run_font, table, text_width_cm

# -- the standard's numbers ------------------------------------------------------------------

PAGE_WIDTH_MM, PAGE_HEIGHT_MM = 210, 297
MARGIN_TOP_MM, MARGIN_BOTTOM_MM, MARGIN_LEFT_MM, MARGIN_RIGHT_MM = 37, 35, 28, 26
TEXT_WIDTH_MM = PAGE_WIDTH_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM  # 156
LINE_PT = 28.9  # 22 lines in the 225 mm text height
TITLE_LINE_PT = 35.0

# 字号 in points
ERHAO, SANHAO, SIHAO, XIAOSI, WUHAO = 22.0, 16.0, 14.0, 12.0, 10.5

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING1_FONT = "黑体"
HEADING2_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"
RED = RGBColor(0xE6, 0x00, 0x12)

# What LibreOffice should draw where the office fonts are missing (fontconfig aliases, see office_pdf).
FONT_FALLBACKS: dict[str, str] = {
    TITLE_FONT: "Noto Serif CJK SC",
    BODY_FONT: "Noto Serif CJK SC",
    "仿宋": "Noto Serif CJK SC",
    HEADING2_FONT: "Noto Serif CJK SC",
    "楷体": "Noto Serif CJK SC",
    PAGE_NUMBER_FONT: "Noto Serif CJK SC",
    HEADING1_FONT: "Noto Sans CJK SC",
}

PLACEHOLDERS = ("{{文号}}", "{{日期}}", "{{标题}}")
LONG_WORD = re.compile(r"[A-Za-z0-9\-:/.?=&_%]{11,}")  # URLs, problem IDs: paragraphs with them are not justified

# -- ordinals --------------------------------------------------------------------------------

_DIGITS = "零一二三四五六七八九"


def chinese_ordinal(n: int) -> str:
    """一 … 十, 十一, 二十三, 一百, 一百零一, 一百一十, 九百九十九 (1 ≤ n ≤ 9999)."""
    if not 1 <= n <= 9999:
        raise ValueError(f"序号超出范围：{n}")
    if n < 20:
        return ("十" + (_DIGITS[n - 10] if n > 10 else "")) if n >= 10 else _DIGITS[n]
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            out += ("零" if zero and out else "") + _DIGITS[digit] + unit
            zero = False
        elif out:
            zero = True
    return out


def outline_label(level: int, n: int) -> str:
    """The number of an outline item: 一、 / （一） / 1. / （1）."""
    if level == 1:
        return f"{chinese_ordinal(n)}、"
    if level == 2:
        return f"（{chinese_ordinal(n)}）"
    if level == 3:
        return f"{n}."
    return f"（{n}）"


def ordinal_items(texts: Sequence[str], *, prefix: str = "是") -> list[str]:
    """一是…；二是…；…十一是….: the enumeration inside a paragraph, ending with 。."""
    return [f"{chinese_ordinal(i)}{prefix}{text}{'；' if i < len(texts) else '。'}"
            for i, text in enumerate(texts, 1)]


def cn_date(day: date) -> str:
    """2026年12月4日 (Arabic numerals, as GB/T 9704-2012 writes the 成文日期)."""
    return f"{day.year}年{day.month}月{day.day}日"


# -- the document ------------------------------------------------------------------------------


def _exact(p: Any, line: float = LINE_PT) -> None:
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(line)
    fmt.space_before = fmt.space_after = Pt(0)


def _run(p: Any, text: str, font: str, size: float, *, bold: bool = False, color: RGBColor | None = None) -> Any:
    run = p.add_run(text)
    run.font.size = Pt(size)
    run.bold = bold
    if color is not None:
        run.font.color.rgb = color
    set_run_font(run._element, font)
    return run


def _outline_level(p: Any, level: int) -> None:
    """Mark a heading paragraph for the navigation pane (w:outlineLvl) without a heading style."""
    ppr = p._p.get_or_add_pPr()
    lvl = OxmlElement("w:outlineLvl")
    lvl.set(qn("w:val"), str(level - 1))
    ppr.append(lvl)


def _no_grid(p: Any) -> None:
    """Let a paragraph keep its own line height instead of the page's line grid (table cells, notes)."""
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    p._p.get_or_add_pPr().append(snap)


def _cell_margins(t: Any, twips: int) -> None:
    """Left and right cell margins of a table (w:tblCellMar, after w:tblLayout as the schema orders it)."""
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), str(twips))
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    layout = t._tbl.tblPr.find(qn("w:tblLayout"))
    if layout is not None:
        layout.addnext(margins)
    else:
        t._tbl.tblPr.append(margins)


def _bottom_rule(p: Any, color: str = "E60012", size_eighths: int = 12) -> None:
    """A rule under a paragraph across the text width (the 红头's red line)."""
    ppr = p._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", str(size_eighths)), ("w:space", "6"), ("w:color", color)):
        bottom.set(qn(key), value)
    borders.append(bottom)
    ppr.append(borders)


def _field(p: Any, code: str, font: str, size: float) -> None:
    """A field (PAGE) whose shown value LibreOffice and Word compute."""
    for kind in ("begin", None, "end"):
        run = _run(p, "", font, size)
        if kind is None:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {code} "
            run._element.append(instr)
            sep = _run(p, "", font, size)
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), "separate")
            sep._element.append(char)
            _run(p, "1", font, size)
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._element.append(char)


def setup_page(section: Any, *, landscape: bool = False) -> None:
    """A4 with the 公文 margins (rotated for a landscape 附件), the line grid and “— N —” page numbers."""
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(PAGE_HEIGHT_MM), Mm(PAGE_WIDTH_MM)
        section.top_margin, section.bottom_margin = Mm(MARGIN_LEFT_MM), Mm(MARGIN_RIGHT_MM)
        section.left_margin, section.right_margin = Mm(20), Mm(20)  # room for a wide table
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
        section.top_margin, section.bottom_margin = Mm(MARGIN_TOP_MM), Mm(MARGIN_BOTTOM_MM)
        section.left_margin, section.right_margin = Mm(MARGIN_LEFT_MM), Mm(MARGIN_RIGHT_MM)
    section.footer_distance = Mm(MARGIN_BOTTOM_MM - 7 - 6)  # the number sits 7 mm under the text
    section.header_distance = Mm(15)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(LINE_PT * 20)))
    footer = section.footer
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0]
    for run in list(p.runs):
        run._element.getparent().remove(run._element)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, "— ", PAGE_NUMBER_FONT, SIHAO)
    _field(p, "PAGE", PAGE_NUMBER_FONT, SIHAO)
    _run(p, " —", PAGE_NUMBER_FONT, SIHAO)


def open_template(template: Path) -> DocxDocument:
    """A copy of the user's template (in memory), or a ReportError saying why it cannot be used."""
    path = Path(template)
    if not path.is_file():
        raise ReportError(f"模板文件不存在：{path}")
    try:
        return Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ReportError(f"模板文件无法使用：{path.name} 不是有效的 Word 文档（.docx），"
                          f"请用 Word 或 WPS 另存为 .docx 后重试（{type(exc).__name__}）") from None


def _paragraphs_of(container: Any) -> Iterator[Any]:
    yield from container.paragraphs
    for t in container.tables:
        for row in t.rows:
            for cell in row.cells:
                yield from _paragraphs_of(cell)


def _all_paragraphs(doc: DocxDocument) -> Iterator[Any]:
    yield from _paragraphs_of(doc)
    for section in doc.sections:
        for part in (section.header, section.first_page_header, section.even_page_header,
                     section.footer, section.first_page_footer, section.even_page_footer):
            if not part.is_linked_to_previous:
                yield from _paragraphs_of(part)


def replace_placeholders(doc: DocxDocument, values: Mapping[str, str]) -> int:
    """Replace ``{{…}}`` placeholders in the body, tables, headers and footers; returns how many.

    A placeholder split over runs (Word does that) is found on the paragraph's text: the paragraph's
    text then goes into its first run (keeping that run's font), the other runs are emptied.
    """
    count = 0
    for p in _all_paragraphs(doc):
        text = p.text
        if "{{" not in text:
            continue
        new = text
        for key, value in values.items():
            count += new.count(key)
            new = new.replace(key, value)
        if new != text and p.runs:
            p.runs[0].text = new
            for run in p.runs[1:]:
                run.text = ""
    return count


class Gongwen:
    """A 公文 being written: call the parts in order, then :meth:`save`."""

    def __init__(self, *, template: Path | None = None) -> None:
        self.template = Path(template) if template else None
        self.doc: DocxDocument = open_template(self.template) if self.template else Document()
        self._template_text = "\n".join(p.text for p in _all_paragraphs(self.doc)) if self.template else ""
        if not self.template:
            setup_page(self.doc.sections[0])
        normal = self.doc.styles["Normal"]
        if not self.template:  # a template's styles are the user's
            normal.font.size = Pt(SANHAO)
            set_run_font(normal.element, BODY_FONT, LATIN_FONT)
        self.counters = [0, 0, 0, 0]

    # -- the head of the document --------------------------------------------------------

    def in_template(self, placeholder: str) -> bool:
        """Whether the template already shows this placeholder (then the body does not repeat it)."""
        return placeholder in self._template_text

    def red_header(self, issuer: str, doc_number: str | None) -> None:
        """The 版头: the issuer in red 小标宋, the 文号 centred under it and the red rule."""
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _exact(p, 52)
        _no_grid(p)
        p.paragraph_format.space_before = Pt(12)
        _run(p, issuer, TITLE_FONT, 32 if len(issuer) <= 12 else 26, color=RED)
        self.blank()
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _exact(p)
        _run(p, doc_number or "", BODY_FONT, SANHAO)
        _bottom_rule(p)
        self.blank()

    def blank(self, lines: int = 1) -> None:
        """Empty body lines."""
        for _ in range(lines):
            _exact(self.doc.add_paragraph())

    def title(self, text: str) -> None:
        """The title: 方正小标宋简体 二号, centred, then an empty line."""
        if self.in_template("{{标题}}"):
            return
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _exact(p, TITLE_LINE_PT)
        _no_grid(p)
        _run(p, text, TITLE_FONT, ERHAO)
        self.blank()

    def doc_number(self, text: str) -> None:
        """The 文号 line under the title (when there is no 红头)."""
        if self.in_template("{{文号}}"):
            return
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _exact(p)
        _run(p, text, BODY_FONT, SANHAO)

    def addressee(self, text: str) -> None:
        """主送机关: flush left, ending with ：."""
        p = self.doc.add_paragraph()
        _exact(p)
        _run(p, text if text.endswith("：") else text + "：", BODY_FONT, SANHAO)

    # -- the body ------------------------------------------------------------------------------

    def para(self, text: str, *, lead: str = "", lead_font: str = HEADING2_FONT, indent: bool = True,
             align: str | None = None, size: float = SANHAO) -> Any:
        """A body paragraph; ``lead`` starts it in another font (e.g. （一）强化…。 in 楷体)."""
        p = self.doc.add_paragraph()
        _exact(p)
        if indent:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        if align == "right":
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif align == "center":
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif LONG_WORD.search(text):  # a URL or an ID list cannot break well: justified, its line would be spread
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT
        else:
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        if lead:
            _run(p, lead, lead_font, size)
        if text:
            _run(p, text, BODY_FONT, size)
        return p

    def _next(self, level: int) -> str:
        self.counters[level - 1] += 1
        for deeper in range(level, len(self.counters)):
            self.counters[deeper] = 0
        return outline_label(level, self.counters[level - 1])

    def heading(self, level: int, text: str, *, body: str = "") -> Any:
        """A numbered heading: 一、(黑体) / （一）(楷体) / 1. / （1） (仿宋), with optional text after it."""
        label = self._next(level)
        font = {1: HEADING1_FONT, 2: HEADING2_FONT}.get(level, BODY_FONT)
        p = self.para(body, lead=label + text, lead_font=font)
        if level <= 2:
            _outline_level(p, level)
            p.paragraph_format.keep_with_next = not body  # never the last line of a page
        return p

    def table(self, header: Sequence[str] | None, rows: Sequence[Sequence[Any]], *,
              widths: Sequence[float] | None = None, size: float = XIAOSI, center: Sequence[int] = (),
              header_rows: int = 1, header_size: float | None = None, compact: bool = False) -> Any:
        """A table over the whole text width in 仿宋 (header in 黑体), widths fixed (cm, scaled).

        ``header_rows``: how many of the first rows are headers (``rows`` holds the ones after the first);
        ``compact``: narrow cell margins (1 mm) for many narrow columns.
        """
        t = table(self.doc, header, rows, widths=widths, size=size, center=center, font=BODY_FONT,
                  total_width=text_width_cm(self.doc.sections[-1]))
        if compact:
            _cell_margins(t, 57)
        for r, row in enumerate(t.rows):
            for cell in row.cells:
                cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
                for p in cell.paragraphs:
                    fmt = p.paragraph_format
                    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
                    fmt.space_before = fmt.space_after = Pt(1)
                    fmt.first_line_indent = Pt(0)
                    _no_grid(p)
                    if r < header_rows and header:
                        for run in p.runs:
                            run.bold = False
                            set_run_font(run._element, HEADING1_FONT)
                            if header_size:
                                run.font.size = Pt(header_size)
        return t

    def attachment_line(self, titles: Sequence[str]) -> None:
        """附件：1.… (one attachment: 附件：…), with the hanging indent of the standard."""
        if not titles:
            return
        self.blank()
        if len(titles) == 1:
            self.para(f"附件：{titles[0]}")
            return
        for i, name in enumerate(titles, 1):
            p = self.para(f"{'附件：' if i == 1 else ''}{i}.{name}")
            if i > 1:
                p.paragraph_format.first_line_indent = Pt(SANHAO * 5)

    def signature(self, issuer: str, day: date) -> None:
        """发文机关署名 and 成文日期, right-aligned four characters in from the right margin.

        Kept on one page with the body's last paragraph (and the 附件 line): a page holding only the
        signature is what GB/T 9704 forbids.
        """
        for p in reversed(self.doc.paragraphs):
            p.paragraph_format.keep_with_next = True
            if p.text and not p.text.startswith("附件："):
                break
        self.blank(2)
        for text in (issuer, cn_date(day)):
            p = self.para(text, indent=False, align="right")
            p.paragraph_format.right_indent = Pt(SANHAO * 4)
            p.paragraph_format.keep_with_next = text == issuer
        for p in self.doc.paragraphs[-4:-2]:  # the blank lines before the signature
            p.paragraph_format.keep_with_next = True

    def attachment(self, label: str, title_text: str, *, landscape: bool = False) -> None:
        """A 附件 on a new page (a new landscape section when asked): 附件N in 黑体, then its title."""
        if landscape:
            setup_page(self.doc.add_section(WD_SECTION.NEW_PAGE), landscape=True)
            p = self.doc.add_paragraph()
        else:
            p = self.doc.add_paragraph()
            p.paragraph_format.page_break_before = True
        _exact(p)
        _run(p, label, HEADING1_FONT, SANHAO)
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _exact(p, TITLE_LINE_PT)
        _no_grid(p)
        _run(p, title_text, TITLE_FONT, ERHAO if not landscape else 18)

    def note(self, text: str, *, size: float = WUHAO) -> Any:
        """Small print under a table (备注, 填表说明)."""
        p = self.doc.add_paragraph()
        fmt = p.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        fmt.space_before = fmt.space_after = Pt(2)
        _no_grid(p)
        _run(p, text, BODY_FONT, size)
        return p

    def page_break(self) -> None:
        """Continue on a new page."""
        p = self.doc.add_paragraph()
        p.add_run().add_break(WD_BREAK.PAGE)

    def save(self, path: Path, *, values: Mapping[str, str] | None = None) -> Path:
        """Replace the template's placeholders (if any) and write the .docx."""
        if values:
            replace_placeholders(self.doc, values)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.doc.save(str(path))
        return path


def safe_filename(name: str) -> str:
    """A unit's name as part of a file name (path separators and reserved characters replaced)."""
    cleaned = "".join("_" if ch in '/\\:*?"<>|' or ord(ch) < 32 else ch for ch in name).strip(" .")
    return cleaned or "未命名单位"


def joined(parts: Iterable[str], sep: str = "、") -> str:
    """Non-empty parts joined (problem ID lists, names)."""
    return sep.join(p for p in parts if p)
