"""Reading and writing registry files: ``.xlsx`` (first sheet) and ``.csv``.

A sheet is read into rows of cell texts keyed by column key (see
:mod:`govwatch.registry.fields`), each with the row number a spreadsheet shows.
The header row is the first row that names at least two registry columns (a
title row above it is skipped); rows with every cell blank are skipped.
CSV files may be UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030
(which covers GBK and GB2312) — whichever decodes.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from govwatch.registry.errors import SheetError
from govwatch.registry.fields import BY_KEY, COLUMNS, REQUIRED, clean_text, header_key

__all__ = ["Sheet", "read_sheet", "write_sheet", "file_kind"]

_HEADER_SEARCH = 10  # rows searched for the header row
_XLSX = (".xlsx", ".xlsm")


@dataclass(slots=True)
class Sheet:
    """The rows of a registry file."""

    path: Path
    headers: dict[str, str]  # column key -> the header as written in the file
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # (row number, key -> text)
    ignored: list[str] = field(default_factory=list)  # headers that name no registry column
    header_row: int = 1

    def header(self, key: str) -> str:
        """The header the file uses for column ``key`` (the Chinese header when absent)."""
        return self.headers.get(key, BY_KEY[key].header)


def file_kind(path: Path) -> str:
    """``xlsx`` or ``csv`` from the file name, else :class:`SheetError`."""
    suffix = path.suffix.lower()
    if suffix in _XLSX:
        return "xlsx"
    if suffix == ".csv":
        return "csv"
    if suffix == ".xls":
        raise SheetError(f"{path}：不支持 Excel 97-2003 工作簿（.xls）；"
                         "请另存为 Excel 工作簿（.xlsx）或 CSV UTF-8（.csv）")
    raise SheetError(f"{path}：不支持的文件类型 {suffix or '（无扩展名）'}；请使用 .xlsx 工作簿或 .csv 文件")


def _cell_text(value: Any) -> str:
    """A cell's value as the text the user typed (numbers without a trailing .0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return clean_text(str(value))


def _xlsx_rows(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zip, XML and openpyxl errors all mean "not a workbook"
        raise SheetError(f"无法将 {path} 作为 .xlsx 工作簿读取：{type(exc).__name__}: {exc}") from None
    try:
        if not wb.worksheets:
            raise SheetError(f"{path}：工作簿中没有工作表")
        ws = wb.worksheets[0]
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()  # some writers record wrong dimensions: read every row
        return [[_cell_text(v) for v in row] for row in ws.iter_rows(min_row=1, values_only=True)]
    except SheetError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise SheetError(f"无法将 {path} 作为 .xlsx 工作簿读取：{type(exc).__name__}: {exc}") from None
    finally:
        wb.close()


def _decode(path: Path, data: bytes) -> str:
    encodings: tuple[str, ...]
    if data.startswith(b"\xef\xbb\xbf"):
        encodings = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SheetError(f"{path}：既不是 UTF-8 也不是 GB18030 编码的文本；请将文件另存为 CSV UTF-8")


def _csv_rows(path: Path) -> list[list[str]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SheetError(f"无法读取 {path}：{exc.strerror}") from None
    text = _decode(path, data)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    try:
        return [[clean_text(cell) for cell in row]
                for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise SheetError(f"{path}：不是可读取的 CSV 文件：{exc}") from None


def read_sheet(path: str | Path) -> Sheet:
    """Read a registry file; :class:`SheetError` says precisely what is wrong with it."""
    path = Path(path)
    kind = file_kind(path)
    if not path.is_file():
        raise SheetError(f"无法读取 {path}：" + ("这是一个文件夹" if path.is_dir() else "文件不存在"))
    rows = _xlsx_rows(path) if kind == "xlsx" else _csv_rows(path)
    header_index = None
    for i, row in enumerate(rows[:_HEADER_SEARCH]):
        if sum(1 for cell in row if cell and header_key(cell)) >= 2:
            header_index = i
            break
    if header_index is None:  # no row names two columns: the first non-blank row is the header
        header_index = next((i for i, row in enumerate(rows) if any(row)), None)
        if header_index is None:
            raise SheetError(f"{path} 是空文件：第一行须为列名（网站名称、首页网址……）")
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    for pos, cell in enumerate(rows[header_index]):
        if not cell:
            continue
        key = header_key(cell)
        if key is None:
            ignored.append(cell)
        elif key in positions:
            raise SheetError(f"{path}：「{headers[key]}」和「{cell}」两列都表示{BY_KEY[key].header}")
        else:
            positions[key], headers[key] = pos, cell
    missing = [BY_KEY[k].header for k in REQUIRED if k not in positions]
    if missing:
        raise SheetError(f"{path}：缺少必填列：{'、'.join(missing)}"
                         f"（第{header_index + 1}行的列名为：{'、'.join(c for c in rows[header_index] if c)}）")
    sheet = Sheet(path, headers, ignored=ignored, header_row=header_index + 1)
    for number, row in enumerate(rows[header_index + 1:], start=header_index + 2):
        if not any(row):
            continue
        sheet.rows.append((number, {key: row[pos] if pos < len(row) else "" for key, pos in positions.items()}))
    return sheet


def write_sheet(path: str | Path, rows: list[dict[str, str]]) -> Path:
    """Write registry rows (column key -> text) with the Chinese headers, in column order."""
    path = Path(path)
    kind = file_kind(path)
    headers = [c.header for c in COLUMNS]
    table = [[row.get(c.key) or "" for c in COLUMNS] for row in rows]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "csv":
            with path.open("w", encoding="utf-8-sig", newline="") as fh:  # the BOM tells Excel it is UTF-8
                writer = csv.writer(fh)
                writer.writerow(headers)
                writer.writerows(table)
        else:
            _write_xlsx(path, headers, table)
    except OSError as exc:
        raise SheetError(f"无法写入 {path}：{exc.strerror}") from None
    return path


def _write_xlsx(path: Path, headers: list[str], table: list[list[str]]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.worksheet import Worksheet

    from govwatch.registry.fields import LEVEL_LABELS, ROLE_LABELS, STATUSES

    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook has one worksheet, the active one
    ws.title = "网站"
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for values in table:
        ws.append(values)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.number_format = "@"  # text: 网站标识码 and 机构代码 keep their digits
    widths = {"name": 28, "url": 36, "sponsor": 24, "org_name": 24, "responsible_unit": 20, "contact": 20}
    for i, column in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = widths.get(column.key, 14)
    ws.freeze_panes = "A2"
    choices = {"role": tuple(ROLE_LABELS.values()), "level": tuple(LEVEL_LABELS.values()),
               "status": STATUSES, "has_services": ("是", "否")}
    for i, column in enumerate(COLUMNS, start=1):
        if column.key in choices:
            dv = DataValidation(type="list", formula1='"' + ",".join(choices[column.key]) + '"', allow_blank=True)
            ws.add_data_validation(dv)
            letter = get_column_letter(i)
            dv.add(f"{letter}2:{letter}{max(len(table) + 1, 2) + 1000}")
    wb.save(path)
