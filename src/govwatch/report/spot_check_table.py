"""The spot-check results workbook (``抽查结果.xlsx``): 抽查结果 and 抽查说明.

抽查结果 has a title row, a frozen header (序号, 单位, 网站名称, 网站标识码, 级别, 得分, 结论,
主要问题) and one row per drawn site as :func:`govwatch.scoring.spot_checks.spot_check_results`
gives them; 抽查说明 says how the sample was drawn (seed, ratios, population and drawn counts per
level) so anyone can re-derive it. Built from plain dicts: the store is never read here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from govwatch.report.xlsx import FONT, write_rows
from govwatch.scoring.spot_checks import draw_summary, level_label

FILE_NAME = "抽查结果.xlsx"
RESULTS = "抽查结果"
NOTES = "抽查说明"
HEADER = ("序号", "单位", "网站名称", "网站标识码", "级别", "得分", "结论", "主要问题")
WIDTHS = (6, 28, 30, 14, 8, 8, 10, 60)


def _score_cell(score: float | None) -> float | int | str:
    if score is None:
        return "—"
    value = round(float(score), 2)
    return int(value) if value == int(value) else value


def result_rows(results: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The table's rows: 序号 from 1, in the order given."""
    return [(n, r["unit"], r["site_name"], r["site_code"], r["level"], _score_cell(r["score"]), r["verdict"],
             r["problems"]) for n, r in enumerate(results, 1)]


def _title(ws: Worksheet, text: str, columns: int) -> None:
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=columns)
    cell = ws.cell(row=1, column=1, value=text)
    cell.font = Font(name=FONT, bold=True, size=14)
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[1].height = 30


def _notes_rows(draw: dict[str, Any], period: str, results: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
    inspected = sum(1 for r in results if r["run_id"] is not None)
    spec = draw.get("spec") or {}
    rows: list[tuple[Any, ...]] = [
        ("抽查名称", draw.get("name") or ""), ("抽查期间", period), ("抽查编号", draw.get("id")),
        ("随机种子", draw.get("seed")), ("抽取范围（机构代码）", spec.get("org_code") or "全部已登记网站"),
        ("每级最少抽查数", spec.get("minimum")), ("抽取时间", draw.get("created_at") or ""),
        ("抽取人", draw.get("created_by") or ""),
        ("抽取方法", "各级别运行状态为“正常”的已登记网站按编号排序，以“种子:级别”为随机数种子无放回抽取"
                     "⌈比例×总数⌉个（不少于最少抽查数，不超过总数）；同一种子和名单可重新得到同一样本"),
        ("复核", "按保存的名单和种子重新抽取，与保存的样本一致" if draw.get("redraw_matches")
         else "按保存的名单和种子重新抽取，与保存的样本不一致"),
        ("已检查网站", f"{inspected}/{len(results)}"), ("制表日期", date.today().isoformat()),
    ]
    below = spec.get("below_floor") or []
    if below:
        rows.append(("提示", "以下级别的抽查比例低于30%（每季度抽查比例不得低于30%）：" + "、".join(level_label(b) for b in below)))
    return rows


def write_spot_check_table(results: Sequence[dict[str, Any]], out_dir: Path, *, title: str, period: str,
                           draw: dict[str, Any] | None = None) -> Path:
    """Write ``抽查结果.xlsx`` into ``out_dir`` and return its path. ``draw`` is the stored draw
    (:func:`govwatch.scoring.spot_checks.spot_check`) for the 抽查说明 sheet."""
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook has one worksheet, the active one
    ws.title = RESULTS
    _title(ws, title, len(HEADER))
    write_rows(ws, HEADER, result_rows(results) or [("—", "", "未抽中网站", "", "", "", "", "")], start=2,
               widths=WIDTHS)
    ws.freeze_panes = "A3"
    notes = wb.create_sheet(NOTES)
    _title(notes, f"{title} · 抽查说明", 4)
    row = write_rows(notes, ("项目", "内容"), _notes_rows(draw or {}, period, results), start=2, widths=(22, 70))
    if draw:
        levels = [(s["level"], f"{float(s['ratio']) * 100:g}%", s["population"], s["drawn"]) for s in draw_summary(draw)]
        write_rows(notes, ("级别", "抽查比例", "网站总数", "抽中数"), levels, start=row + 1,
                   widths=(22, 70, 12, 10))
    for sheet in (ws, notes):
        sheet.page_setup.orientation = "landscape"
        sheet.print_title_rows = "2:2"
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / FILE_NAME
    wb.save(str(path))
    return path
