"""The annual report workbook (``年度报表.xlsx``) from :func:`govwatch.scoring.annual.annual_figures`.

Sheets: 汇总 (one row per org and a 合计 row: sites and the sum of each figure), one sheet per
site (类别, 指标, 数值, 数据来源; figures crawl data cannot give read 需人工填报), and 数据来源
(every figure's source, then each site's columns: the run, the column, its items and those of the
year). Built from the figures dict: the store is never read here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from govwatch.report.xlsx import FONT, sheet_name, write_rows

FILE_NAME = "年度报表.xlsx"
SUMMARY = "汇总"
SOURCES = "数据来源"
MANUAL = "需人工填报"


def _title(ws: Worksheet, text: str, columns: int) -> None:
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(columns, 1))
    cell = ws.cell(row=1, column=1, value=text)
    cell.font = Font(name=FONT, bold=True, size=14)
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[1].height = 30


def _heading(figures: dict[str, Any]) -> str:
    org = figures.get("org")
    return f"{figures['year']}年度政府网站工作报表" + (f"（{org['name']}）" if org else "")


def _summary(ws: Worksheet, figures: dict[str, Any]) -> None:
    keys = list(figures["labels"])
    header = ["机构", "网站数", *(figures["labels"][k] for k in keys)]
    _title(ws, _heading(figures), len(header))
    rows = []
    notes = []
    for org in figures["orgs"]:
        cells: list[Any] = [org["org"], org["sites"]]
        for key in keys:
            manual = org["manual_sites"].get(key, 0)
            if key in org["figures"]:
                cells.append(org["figures"][key])
                if manual:
                    notes.append(f"{org['org']}：「{figures['labels'][key]}」有 {manual} 个网站需人工填报，未计入合计")
            else:
                cells.append(MANUAL if manual else 0)
        rows.append(cells)
    row = write_rows(ws, header, rows or [["（无网站）", 0]], start=2, widths=[24, 8, *([14] * len(keys))])
    ws.freeze_panes = "C3"
    notes.append(f"其余指标（访问量、办件量、安全防护等）抓取数据无法得出，见各网站工作表中“{MANUAL}”的项目。")
    notes.append(f"每项数据的来源（检查运行编号、栏目）见“{SOURCES}”工作表。")
    for n, text in enumerate(notes, row + 1):
        ws.cell(row=n, column=1, value=text).font = Font(name=FONT, color="666666")


def _value(f: dict[str, Any]) -> Any:
    return MANUAL if f["value"] is None else f["value"]


def _site_sheet(ws: Worksheet, entry: dict[str, Any], year: int) -> None:
    site = entry["site"]
    _title(ws, f"{site['name']} · {year}年度", 4)
    run = entry["source_run"]
    info = [("单位", site["unit"]), ("网站名称", site["name"]), ("首页网址", site["url"]),
            ("网站标识码", site["site_code"]), ("级别", site["level"]), ("所属机构", site["org_name"]),
            ("数据来源运行", f"运行 {run['id']}（检查日期 {run['as_of']}）" if run else "无完整的全站检查记录")]
    row = write_rows(ws, ("项目", "内容"), info, start=2)
    write_rows(ws, ("类别", "指标", "数值", "数据来源"),
               [(f["group"], f["label"], _value(f), f["source"]) for f in entry["figures"]], start=row + 1,
               widths=(14, 40, 14, 70))


def _sources(ws: Worksheet, figures: dict[str, Any]) -> None:
    _title(ws, f"{_heading(figures)} · 数据来源", 8)
    rows = [(e["site"]["name"], f["label"], _value(f), f["source"]) for e in figures["sites"]
            for f in e["figures"] if not f["manual"]]
    row = write_rows(ws, ("网站名称", "指标", "数值", "数据来源"), rows or [("—", "", "", "")], start=2)
    ws.cell(row=row + 1, column=1, value="各网站栏目（信息发布数据的来源）").font = Font(name=FONT, bold=True)
    columns = []
    for e in figures["sites"]:
        run = e["source_run"]
        for c in e["columns"]:
            columns.append((e["site"]["name"], run["id"] if run else "", run["as_of"] if run else "", c["name"],
                            c["type_label"], c["url"], c["items"], c["in_year"]))
    write_rows(ws, ("网站名称", "运行编号", "检查日期", "栏目名称", "栏目类型", "栏目地址", "栏目条目数",
                    f"{figures['year']}年条目数"), columns or [("—", "", "", "", "", "", "", "")], start=row + 2,
               widths=(28, 40, 14, 60, 12, 40, 12, 12))
    ws.freeze_panes = "A3"


def write_annual(figures: dict[str, Any], out_dir: Path) -> Path:
    """Write ``年度报表.xlsx`` into ``out_dir`` and return its path."""
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook has one worksheet, the active one
    ws.title = SUMMARY
    _summary(ws, figures)
    taken = {SUMMARY, SOURCES}
    for entry in figures["sites"]:
        _site_sheet(wb.create_sheet(sheet_name(entry["site"]["name"], taken)), entry, figures["year"])
    _sources(wb.create_sheet(SOURCES), figures)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / FILE_NAME
    wb.save(str(path))
    return path
