"""The self-check workbook (``自查表.xlsx``): an overview sheet and one sheet per indicator.

概况 holds the cover facts, the 单项否决 table and every indicator with its points,
status, problem count and the name of its sheet. Each indicator's sheet lists its
findings (问题编号, 页面地址, 目标地址, 问题描述, 扣分, 状态, 说明) with an empty 整改情况 column
for the office; problems that no indicator scored go to 其他问题. Without a score
sheet, findings are grouped by the indicator their check named.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from govwatch.report.view import INCOMPLETE_HEADLINE, IndicatorRow, Problem, ReportView, build_view

MAX_SHEET_NAME = 31
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
OVERVIEW = "概况"
OTHERS = "其他问题"
FONT = "宋体"

_THIN = Side(style="thin", color="999999")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (≤31 characters, none of []:*?/\\, not blank, no edge apostrophes)."""
    base = _FORBIDDEN.sub("_", name).strip().strip("'") or "指标"
    base = base[:MAX_SHEET_NAME]
    candidate, n = base, 1
    while candidate.casefold() in {t.casefold() for t in taken}:
        n += 1
        suffix = f"({n})"
        candidate = base[:MAX_SHEET_NAME - len(suffix)] + suffix
    taken.add(candidate)
    return candidate


def write_rows(ws: Worksheet, header: Sequence[str], rows: Iterable[Sequence[Any]], *, start: int = 1,
               widths: Sequence[float] | None = None) -> int:
    """A bordered table with a bold shaded header at row ``start``; returns the next free row."""
    for col, text in enumerate(header, 1):
        cell = ws.cell(row=start, column=col, value=text)
        cell.font, cell.fill, cell.border, cell.alignment = Font(name=FONT, bold=True), HEADER_FILL, BORDER, CENTER
    row_no = start
    for row_no, row in enumerate(rows, start + 1):
        for col, value in enumerate(row, 1):
            cell = ws.cell(row=row_no, column=col, value=value)
            cell.font, cell.border, cell.alignment = Font(name=FONT), BORDER, WRAP
    if widths:
        for col, width in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(col)].width = width
    return row_no + 1


def _label(ws: Worksheet, row: int, text: str, *, size: int = 11) -> None:
    ws.cell(row=row, column=1, value=text).font = Font(name=FONT, bold=True, size=size)


FINDING_HEADER = ("问题编号", "页面地址", "目标地址", "问题描述", "扣分", "状态", "说明", "整改情况")


def _finding_row(p: Problem) -> tuple[Any, ...]:
    points: Any = p.points if not p.bonus else p.points_text
    note = p.note
    if p.vetoes:
        note = (note + "；" if note else "") + "触发单项否决：" + "、".join(p.vetoes)
    return (p.id, p.url, p.target, p.message, points, p.status_text, note, "")


Group = tuple[str, str, IndicatorRow | None, list[Problem]]


def _indicator_sheets(view: ReportView) -> list[Group]:
    """(sheet title, indicator label, indicator row, problems) for every indicator, then 其他问题."""
    out: list[Group] = []
    if view.indicators:
        for ind in view.indicators:
            out.append((ind.name, f"{ind.group} · {ind.name}", ind, view.problems_of(ind.id)))
        rest = view.problems_of(None)
    else:
        groups: dict[str, list[Problem]] = {}
        for p in view.problems:
            groups.setdefault(p.indicator or OTHERS, []).append(p)
        out = [(name, name, None, problems) for name, problems in groups.items() if name != OTHERS]
        rest = groups.get(OTHERS, [])
    if rest:
        out.append((OTHERS, "未计入任何指标的问题", None, rest))
    return out


def build_workbook(view: ReportView) -> Workbook:
    """The self-check workbook of one view (not yet saved)."""
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook has one worksheet, the active one
    ws.title = OVERVIEW
    taken = {OVERVIEW}
    c = view.cover
    _label(ws, 1, f"政府网站自查表 · {c.site_name}", size=14)
    row = write_rows(ws, ("项目", "内容"), [
        *(("检查完整性", text) for text in ([INCOMPLETE_HEADLINE, *c.incomplete] if c.incomplete else ())),
        ("网站名称", c.site_name), ("首页网址", c.url), ("网站标识码", c.site_code), ("检查日期", c.as_of),
        ("评分规则表", c.ruleset_name), ("检查结论", c.verdict_text), ("得分", c.score_text),
        *(("说明", r) for r in c.reasons)], start=3)
    sheets = _indicator_sheets(view)
    names = [sheet_name(title, taken) for title, _, _, _ in sheets]
    if view.vetoes:
        _label(ws, row + 1, "单项否决")
        row = write_rows(ws, ("否决项", "是否触发", "情况说明", "相关问题"),
                         [(v.name, v.result, v.reason, "、".join(v.findings)) for v in view.vetoes], start=row + 2)
    _label(ws, row + 1, "指标")
    rows = []
    for (_title, label, ind, problems), name in zip(sheets, names, strict=True):
        rows.append((label, ind.max_text if ind else "", ind.points if ind else sum(p.points for p in problems),
                     ind.status_text if ind else "", len(problems), name))
    write_rows(ws, ("指标", "分值", "扣分/得分", "评估状态", "问题数", "工作表"), rows, start=row + 2,
               widths=(34, 40, 14, 12, 10, 24))

    for (_title, label, _ind, problems), name in zip(sheets, names, strict=True):
        sheet = wb.create_sheet(name)
        _label(sheet, 1, label, size=12)
        sheet.cell(row=2, column=1, value=f"{c.site_name} · 检查日期 {c.as_of} · 问题 {len(problems)} 项").font = Font(
            name=FONT, color="666666")
        finding_rows = [_finding_row(p) for p in problems] or [("—", "", "", "未发现问题", 0, "", "", "")]
        write_rows(sheet, FINDING_HEADER, finding_rows, start=4, widths=(18, 40, 40, 56, 8, 10, 30, 20))
        sheet.freeze_panes = "A5"
    return wb


def write_selfcheck(document: dict[str, Any], out_dir: Path) -> Path:
    """Write ``自查表.xlsx`` into ``out_dir`` and return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "自查表.xlsx"
    build_workbook(build_view(document)).save(str(path))
    return path
