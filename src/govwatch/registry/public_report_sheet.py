"""Reading the national platform's export of 我为政府网站找错 reports and 留言 (``.xlsx`` or ``.csv``).

Columns are matched by their header (a name or one of its synonyms, see :data:`COLUMNS`);
the header row is the first of the top rows that names at least two columns (a title row
above it is skipped), blank rows are skipped, unknown columns are ignored. Every row is
checked and every problem is reported with the file, the row number a spreadsheet shows and
the column; the caller imports nothing when there is any problem (all or nothing, like
``govwatch sites import``). Cells are read by :mod:`govwatch.registry.sheet` (encodings,
Excel dates). Times without a zone are Beijing time (the platform's).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from govwatch.core.clock import SHANGHAI
from govwatch.registry.errors import RegistryError, SheetError
from govwatch.registry.fields import clean_text
from govwatch.registry.sheet import _csv_rows, _xlsx_rows, file_kind

__all__ = ["COLUMNS", "ReportRow", "ReportSheet", "PublicReportSheetError", "read_report_sheet",
           "parse_channel", "parse_category", "parse_received"]

_HEADER_SEARCH = 10  # top rows searched for the header row
MAX_TITLE = 200  # a title longer than this is cut (the platform's titles are short)

# column key -> (the header written in docs and errors, further accepted headers)
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "external_id": ("编号", ("工单编号", "问题编号", "留言编号", "纠错编号", "信件编号", "受理编号")),
    "site_name": ("网站名称", ("被纠错网站", "网站", "所属网站")),
    "site_code": ("网站标识码", ("标识码",)),
    "url": ("网址", ("问题网址", "问题页面", "页面网址", "页面地址", "网站网址", "网站地址", "链接", "url")),
    "title": ("标题", ("问题标题", "留言标题", "信件标题", "主题")),
    "content": ("问题描述", ("内容", "留言内容", "问题内容", "信件内容", "详细描述")),
    "category": ("问题类型", ("留言类型", "信件类型", "类型", "类别", "问题分类")),
    "received_at": ("提交时间", ("留言时间", "来信时间", "提交日期", "留言日期", "受理时间", "转办前提交时间")),
    "reporter": ("提交人", ("姓名", "留言人", "网民姓名", "来信人")),
    "channel": ("渠道", ("来源", "来源渠道", "渠道来源")),
}
_BY_HEADER: dict[str, str] = {}
for _key, (_header, _aliases) in COLUMNS.items():
    for _name in (_key, _header, *_aliases):
        _BY_HEADER[_name.lower()] = _key

_CHANNELS = {"zhaocuo": "zhaocuo", "找错": "zhaocuo", "我为政府网站找错": "zhaocuo", "纠错": "zhaocuo",
             "网站纠错": "zhaocuo", "纠错意见": "zhaocuo",
             "message": "message", "留言": "message", "网民留言": "message", "咨询投诉": "message",
             "领导信箱": "message", "互动留言": "message"}
_LABELS = {"zhaocuo": "找错", "message": "留言"}
# 留言 categories as stored (docs/rectification.md §3): what a type cell says -> 咨询 | 投诉 | 建议 | 其他
_CATEGORY_WORDS = (("咨询", ("咨询", "求助", "询问", "问询")), ("投诉", ("投诉", "举报")), ("建议", ("建议", "意见")))
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                   r"(?:[ T]*(\d{1,2})\s*[:：时]\s*(\d{1,2})\s*分?(?:\s*[:：]?\s*(\d{1,2}(?:\.\d+)?)\s*秒?)?)?"
                   r"\s*(Z|[+-]\d{2}:?\d{2})?")


class PublicReportSheetError(RegistryError):
    """An export that cannot be read at all (file type, encoding, header row): exit code 2."""


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One valid row of an export, as the values to store."""

    row: int
    channel: str  # zhaocuo | message
    external_id: str
    title: str
    received_at: datetime  # aware, Asia/Shanghai
    site_name: str | None = None
    site_code: str | None = None
    url: str | None = None
    content: str | None = None
    category: str | None = None  # 留言: 咨询 | 投诉 | 建议 | 其他; 找错: None
    type_text: str | None = None  # the 问题类型/留言类型 cell as written
    reporter: str | None = None


@dataclass(slots=True)
class ReportSheet:
    """What an export holds: valid rows and, for the bad ones, every problem (in Chinese)."""

    path: Path
    headers: dict[str, str]  # column key -> the header as written in the file
    rows: list[ReportRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # headers that name no known column


def parse_channel(text: str) -> str | None:
    """``zhaocuo`` | ``message`` for a channel's name (找错, 留言, 我为政府网站找错 …), else None."""
    low = unicodedata.normalize("NFKC", clean_text(text)).lower()
    return _CHANNELS.get(low) or ("zhaocuo" if "找错" in low or "纠错" in low else
                                  "message" if "留言" in low or "信箱" in low else None)


def parse_category(text: str | None) -> str:
    """The stored 留言 category for a type cell: 咨询, 投诉, 建议, else 其他 (also for a blank cell)."""
    value = unicodedata.normalize("NFKC", clean_text(text or ""))
    for category, words in _CATEGORY_WORDS:
        if any(w in value for w in words):
            return category
    return "其他"


def parse_received(text: str) -> datetime | None:
    """A submission time (2026-09-30 16:20, 2026/9/30, 2026年9月30日 16时20分, ISO with a zone …)
    as an aware Asia/Shanghai time; None when it is no such time. A time without a zone is Beijing time."""
    value = unicodedata.normalize("NFKC", clean_text(text))
    match = _DATE.fullmatch(value)
    if match is None:
        return None
    year, month, day, hour, minute, second, zone = match.groups()
    try:
        naive = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                         int(float(second or 0)))
    except ValueError:
        return None
    if zone is None:
        return naive.replace(tzinfo=SHANGHAI)
    parsed = datetime.fromisoformat(f"{naive.isoformat()}{'+00:00' if zone == 'Z' else zone}")
    return parsed.astimezone(SHANGHAI)


def _header_key(cell: str) -> str | None:
    text = unicodedata.normalize("NFKC", clean_text(cell)).rstrip("*").strip()
    return _BY_HEADER.get(text.lower())


def _cells(path: Path) -> list[list[str]]:
    """The file's cell texts, row by row (the registry's reader: encodings, Excel dates)."""
    try:
        kind = file_kind(path)
        if not path.is_file():
            raise PublicReportSheetError(f"无法读取 {path}：" + ("这是一个目录" if path.is_dir() else "文件不存在"))
        return _xlsx_rows(path) if kind == "xlsx" else _csv_rows(path)
    except SheetError as exc:
        raise PublicReportSheetError(f"无法读取 {path}（应为 .xlsx 工作簿或 .csv 文件）：{exc}") from None


def read_report_sheet(path: str | Path, *, channel: str | None = None) -> ReportSheet:
    """Read an export; ``channel`` (zhaocuo | message) is used for rows without a 渠道 cell.

    :class:`PublicReportSheetError` when the file cannot be read or lacks a needed column;
    bad rows are listed in :attr:`ReportSheet.problems` (then nothing should be imported)."""
    path = Path(path)
    table = _cells(path)
    header_index = next((i for i, row in enumerate(table[:_HEADER_SEARCH])
                         if sum(1 for c in row if c and _header_key(c)) >= 2), None)
    if header_index is None:
        raise PublicReportSheetError(f"{path}：前{_HEADER_SEARCH}行中没有表头行（应含 编号、标题、提交时间 等列名）")
    positions: dict[str, int] = {}
    sheet = ReportSheet(path, {})
    for pos, cell in enumerate(table[header_index]):
        if not cell:
            continue
        key = _header_key(cell)
        if key is None:
            sheet.ignored.append(cell)
        elif key in positions:
            raise PublicReportSheetError(f"{path}：第{header_index + 1}行的列「{sheet.headers[key]}」与「{cell}」"
                                         f"都表示 {COLUMNS[key][0]}")
        else:
            positions[key], sheet.headers[key] = pos, cell
    missing = [COLUMNS[k][0] for k in ("external_id", "received_at") if k not in positions]
    if "title" not in positions and "content" not in positions:
        missing.append("标题（或 问题描述）")
    if "channel" not in positions and channel is None:
        missing.append("渠道（或在命令中用 --channel 指定 找错/留言）")
    if missing:
        raise PublicReportSheetError(f"{path}：缺少列 {'、'.join(missing)}（第{header_index + 1}行表头为："
                                     f"{'、'.join(c for c in table[header_index] if c)}）")
    seen: dict[tuple[str, str], int] = {}
    for number, cells in enumerate(table[header_index + 1:], start=header_index + 2):
        if not any(cells):
            continue
        values = {key: cells[pos] if pos < len(cells) else "" for key, pos in positions.items()}
        row = _row(sheet, number, values, channel)
        if row is None:
            continue
        first = seen.setdefault((row.channel, row.external_id), number)
        if first != number:
            sheet.problems.append(_problem(sheet, number, "external_id",
                                           f"编号 {row.external_id} 与第{first}行重复"))
            continue
        sheet.rows.append(row)
    return sheet


def _problem(sheet: ReportSheet, number: int, key: str | None, message: str) -> str:
    column = f"「{sheet.headers.get(key, COLUMNS[key][0])}」列" if key else ""
    return f"{sheet.path} 第{number}行{column}：{message}"


def _row(sheet: ReportSheet, number: int, values: dict[str, str], default_channel: str | None) -> ReportRow | None:
    """One row's values, or None after adding its problems to ``sheet``."""
    problems: list[str] = []

    def bad(key: str | None, message: str) -> None:
        problems.append(_problem(sheet, number, key, message))

    channel = default_channel
    if values.get("channel"):
        channel = parse_channel(values["channel"])
        if channel is None:
            bad("channel", f"无法识别的渠道「{values['channel']}」（应为 找错 或 留言）")
        elif default_channel is not None and channel != default_channel:
            bad("channel", f"渠道「{values['channel']}」与指定的渠道（{_LABELS[default_channel]}）不一致")
    elif channel is None:
        bad("channel", "渠道为空（应为 找错 或 留言，或在命令中用 --channel 指定）")
    external_id = values.get("external_id", "")
    if not external_id:
        bad("external_id", "编号为空（重复导入时靠编号识别已导入的记录）")
    title = values.get("title") or (values.get("content") or "")[:60]
    if not title:
        bad("title" if "title" in values else "content", "标题和问题描述都为空")
    received_text = values.get("received_at", "")
    received = parse_received(received_text) if received_text else None
    if not received_text:
        bad("received_at", "提交时间为空")
    elif received is None:
        bad("received_at", f"「{received_text}」不是日期时间（如 2026-09-30 16:20）")
    if problems or channel is None or received is None:
        sheet.problems.extend(problems)
        return None
    type_text = values.get("category") or None
    return ReportRow(
        row=number, channel=channel, external_id=external_id, title=title[:MAX_TITLE], received_at=received,
        site_name=values.get("site_name") or None, site_code=values.get("site_code") or None,
        url=values.get("url") or None, content=values.get("content") or None,
        category=parse_category(type_text) if channel == "message" else None, type_text=type_text,
        reporter=values.get("reporter") or None)
