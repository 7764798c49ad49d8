"""A portfolio bulletin (季度通报) from many inspection documents, in the layout of seed 003 (docs/sources.md).

:func:`write_bulletin` writes two files:

- ``得分表.xlsx`` — the 附件 score table: one row per unit (site name); under a merged
  栏目更新预警 header the warnings (预警次数) and deductions (扣分) per column class
  (动态/要闻, 通知公告, 政策文件, 规划计划/人事 — from ``stale_column`` findings'
  ``evidence.type``); then the deductions of the other automatic checks (自动监测),
  of reviewer-entered findings (人工检查, ``scoring.origin == "reviewer"``), the total
  deduction, score, verdict and rank. Ties share a rank; sites without a definitive
  score come after the ranked ones with rank 待定.
- ``通报.docx`` — the bulletin skeleton: title, 总体情况 (sites inspected, pass rate =
  合格 / all, the sites without problems), 存在的主要问题 (sites named per problem class),
  整改要求 with the deadline, and the same score table as 附件.

Only active problems count (not exempted by a reviewer, not under a temporary filing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, cast

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.shared import Cm
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from govwatch.report.view import ReportView, build_view, fmt_points
from govwatch.report.wordprint import (
    paragraph,
    repeat_header,
    set_run_font,
    setup_document,
    shade,
    table,
    title,
)
from govwatch.report.xlsx import BORDER, CENTER, FONT, HEADER_FILL, WRAP

# Column classes of the score table: (key, label, column types).
COLUMN_CLASSES: tuple[tuple[str, str, frozenset[str]], ...] = (
    ("dynamic", "动态/要闻", frozenset({"dynamic"})),
    ("notice", "通知公告", frozenset({"notice"})),
    ("policy", "政策文件", frozenset({"policy"})),
    ("plan", "规划计划/人事", frozenset({"plan", "personnel"})),
)
PENDING = "待定"

# Problem classes of 存在的主要问题: (label, finding kinds); vetoes and reviewer findings come first.
PROBLEM_CLASSES: tuple[tuple[str, frozenset[str], str], ...] = (
    ("栏目信息逾期未更新", frozenset({"stale_column"}), "个栏目"),
    ("存在空白栏目", frozenset({"blank_column"}), "个栏目"),
    ("首页信息更新不及时", frozenset({"homepage_not_updated", "homepage_few_updates"}), "项"),
    ("链接、附件或图片无法打开", frozenset({"broken_link"}), "处"),
    ("网站访问不稳定", frozenset({"site_unreachable", "homepage_visits_failed"}), "项"),
    ("信息未注明发布时间", frozenset({"undated_items"}), "个栏目"),
    ("信息发布日期异常", frozenset({"future_date"}), "条"),
)


@dataclass(slots=True)
class UnitRow:
    """One unit (site) of the score table."""

    name: str
    url: str
    warnings: dict[str, int]
    class_points: dict[str, float]
    auto_points: float
    manual_points: float
    total: float
    score: float | None
    score_text: str
    verdict: str  # 合格 | 不合格 | 待定
    rank: int | None = None
    vetoes: list[str] = field(default_factory=list)
    view: ReportView | None = None

    @property
    def rank_text(self) -> str:
        return str(self.rank) if self.rank is not None else PENDING

    def cells(self) -> list[Any]:
        """The row's cells in score-table order (numbers as numbers)."""
        out: list[Any] = [self.name]
        for key, _, _ in COLUMN_CLASSES:
            out += [self.warnings[key], _num(self.class_points[key])]
        return out + [_num(self.auto_points), _num(self.manual_points), _num(self.total),
                      _num(self.score) if self.score is not None else self.score_text, self.verdict,
                      self.rank if self.rank is not None else PENDING]


def _num(value: float | None) -> float | int | None:
    if value is None:
        return None
    value = round(float(value), 2)
    return int(value) if value == int(value) else value


def unit_row(document: Mapping[str, Any]) -> UnitRow:
    """A document's row of the score table (unranked)."""
    view = build_view(document)
    warnings = {key: 0 for key, _, _ in COLUMN_CLASSES}
    points = {key: 0.0 for key, _, _ in COLUMN_CLASSES}
    auto = manual = 0.0
    for p in view.problems:
        if not p.active or p.bonus:
            continue
        if p.origin == "reviewer":
            manual += p.points
            continue
        key = next((k for k, _, types in COLUMN_CLASSES if p.kind == "stale_column" and p.column_type in types), None)
        if key is None:
            auto += p.points
        else:
            warnings[key] += 1
            points[key] += p.points
    sheet = document.get("scoring") or {}
    # The sheet's total (each indicator capped at its points) plus negative adjustments.
    adjusted = sum(p.points for p in view.problems if p.active and p.indicator_kind == "adjustment")
    total = float(sheet["deducted"]) + adjusted if sheet else auto + manual + sum(points.values())
    score = document.get("score")
    vetoes = [v.name for v in view.vetoes if v.result == "是"]
    verdict = document.get("verdict") or PENDING
    score_text = fmt_points(score) if score is not None else ("单项否决" if vetoes else PENDING)
    site = document.get("site") or {}
    return UnitRow(name=site.get("name") or site.get("url") or "（未识别）", url=site.get("url") or "",
                   warnings=warnings, class_points=points, auto_points=auto, manual_points=manual, total=total,
                   score=float(score) if score is not None else None, score_text=score_text, verdict=verdict,
                   vetoes=vetoes, view=view)


def ranked_rows(documents: Sequence[Mapping[str, Any]]) -> list[UnitRow]:
    """Every unit's row, ranked by score (ties share a rank: 1, 1, 3); unscored units last, 待定."""
    rows = [unit_row(d) for d in documents]
    # stable: input order; cast: only rows with a score are sorted
    scored = sorted((r for r in rows if r.score is not None), key=lambda r: -cast(float, r.score))
    previous: float | None = None
    for position, row in enumerate(scored, 1):
        row.rank = position if row.score != previous else scored[position - 2].rank
        previous = row.score
    return scored + [r for r in rows if r.score is None and r.vetoes] + [r for r in rows if r.score is None
                                                                          and not r.vetoes]


# -- the score table -----------------------------------------------------------------------

TOP_HEADER = "栏目更新预警"
TAIL_HEADERS = ("自动监测扣分\n（栏目更新以外）", "人工检查扣分", "扣分合计", "得分", "检查结论", "排名")


def sub_headers() -> list[str]:
    """The second header row under 栏目更新预警."""
    return [f"{label}\n（{what}）" for _, label, _ in COLUMN_CLASSES for what in ("预警次数", "预警扣分")]


def table_notes(rules: Sequence[str]) -> list[str]:
    """备注 under the score table."""
    return [
        "1.栏目更新预警：按栏目类型统计监测时间点超过更新期限的栏目（预警次数）及其扣分，扣分标准按"
        + ("、".join(rules) if rules else "评分规则表") + "执行。",
        "2.自动监测扣分：链接可用性、首页更新、空白栏目等栏目更新以外的自动监测扣分；人工检查扣分：检查人员录入的问题扣分。",
        "3.扣分合计按评分规则表计算（各指标扣分不超过该指标分值），可能小于各列之和；已豁免或临时报备期内的问题不扣分。",
        "4.触发单项否决的网站判定为不合格，得分栏注“单项否决”；尚有指标未完成评估的网站结论和得分为“待定”，不参与排名。",
    ]


def _as_of_range(documents: Sequence[Mapping[str, Any]]) -> str:
    days = sorted({day for d in documents if (day := d.get("as_of"))})
    if not days:
        return "—"
    return cn_date(date.fromisoformat(days[0])) + ("" if len(days) == 1 else f"至{cn_date(date.fromisoformat(days[-1]))}")


def cn_date(day: date) -> str:
    """2026年12月31日."""
    return f"{day.year}年{day.month}月{day.day}日"


def _rulesets(documents: Sequence[Mapping[str, Any]]) -> list[str]:
    names = []
    for d in documents:
        name = ((d.get("scoring") or {}).get("ruleset") or {}).get("name")
        if name and f"《{name}》" not in names:
            names.append(f"《{name}》")
    return names


def write_score_xlsx(rows: Sequence[UnitRow], path: Path, *, heading: str, subtitle: str, notes: Sequence[str]) -> Path:
    """The score table workbook (one sheet, two-row merged header like seed 003's 附件)."""
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook has one worksheet, the active one
    ws.title = "得分表"
    subs = sub_headers()
    ncols = 1 + len(subs) + len(TAIL_HEADERS)
    ws.cell(row=1, column=1, value="附件").font = Font(name=FONT, bold=True, size=12)
    for r, text, size in ((2, heading, 16), (3, subtitle, 11)):
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
        cell = ws.cell(row=r, column=1, value=text)
        cell.font, cell.alignment = Font(name=FONT, bold=r == 2, size=size), Alignment(horizontal="center")
    top, sub = 4, 5
    heads = {1: "单位", 2: TOP_HEADER, **{2 + len(subs) + i: h for i, h in enumerate(TAIL_HEADERS)}}
    for col in range(1, ncols + 1):
        for r in (top, sub):
            head = ws.cell(row=r, column=col)
            head.font, head.fill, head.border, head.alignment = Font(name=FONT, bold=True), HEADER_FILL, BORDER, CENTER
    for col, text in heads.items():
        ws.cell(row=top, column=col, value=text)
        if col != 2:
            ws.merge_cells(start_row=top, start_column=col, end_row=sub, end_column=col)
    ws.merge_cells(start_row=top, start_column=2, end_row=top, end_column=1 + len(subs))
    for i, text in enumerate(subs):
        ws.cell(row=sub, column=2 + i, value=text)
    for r, row in enumerate(rows, sub + 1):
        for col, value in enumerate(row.cells(), 1):
            cell = ws.cell(row=r, column=col, value=value)
            cell.font, cell.border = Font(name=FONT), BORDER
            cell.alignment = WRAP if col == 1 else Alignment(horizontal="center", vertical="center")
    r = sub + len(rows) + 2
    ws.cell(row=r, column=1, value="备注：").font = Font(name=FONT, bold=True)
    for i, note in enumerate(notes, r + 1):
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=ncols)
        ws.cell(row=i, column=1, value=note).font = Font(name=FONT)
    ws.column_dimensions["A"].width = 26
    for col in range(2, ncols + 1):
        ws.column_dimensions[get_column_letter(col)].width = 11
    ws.row_dimensions[sub].height = 45
    ws.freeze_panes = ws.cell(row=sub + 1, column=2).coordinate  # what the setter makes of a cell
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    page_setup_properties = ws.sheet_properties.pageSetUpPr
    assert page_setup_properties is not None  # a new worksheet's properties always have one
    page_setup_properties.fitToPage = True
    ws.print_title_rows = f"{top}:{sub}"
    wb.save(str(path))
    return path


def _docx_score_table(doc: Any, rows: Sequence[UnitRow]) -> Any:
    subs = sub_headers()
    header = ["单位", TOP_HEADER, *[""] * (len(subs) - 1), *TAIL_HEADERS]
    second = ["", *subs, *[""] * len(TAIL_HEADERS)]
    body = [[("" if v is None else (fmt_points(v) if isinstance(v, (int, float)) else v)) for v in r.cells()]
            for r in rows]
    t = table(doc, header, [second, *body], size=7.5, center=tuple(range(1, len(header))),
              widths=(3.6, *[1.45] * len(subs), 1.7, 1.45, 1.45, 1.45, 1.45, 1.2))
    # Header cells as in seed 003: 单位 and the tail columns span both rows, 栏目更新预警 spans the classes.
    first, second_row = t.rows[0], t.rows[1]
    for cell in second_row.cells:
        shade(cell)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    repeat_header(second_row)
    first.cells[1].merge(first.cells[len(subs)])
    for col in [0, *range(1 + len(subs), len(header))]:
        _merged_text(t.cell(0, col).merge(t.cell(1, col)), header[col])
    _merged_text(t.cell(0, 1), TOP_HEADER)
    return t


def _merged_text(cell: Any, text: str) -> None:
    """Leave one paragraph with ``text`` in a merged cell."""
    for extra in cell.paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    runs = cell.paragraphs[0].runs
    if runs:
        runs[0].text = text
        for run in runs[1:]:
            run.text = ""


# -- the bulletin text ---------------------------------------------------------------------


def _names(rows: Sequence[UnitRow]) -> str:
    return "、".join(r.name for r in rows)


def _rate(passed: int, total: int) -> str:
    if not total:
        return "—"
    value = 100 * passed / total
    return f"{value:.0f}%" if value == int(value) else f"{value:.1f}%"


def overall_text(rows: Sequence[UnitRow], period: str) -> list[str]:
    """The paragraphs of 一、总体情况."""
    n = len(rows)
    passed = [r for r in rows if r.verdict == "合格"]
    failed = [r for r in rows if r.verdict == "不合格"]
    pending = [r for r in rows if r.verdict not in ("合格", "不合格")]
    counts = f"其中合格{len(passed)}个、不合格{len(failed)}个" + (f"、待定{len(pending)}个（未完成评估）" if pending else "")
    text = [f"{period}，共检查政府网站{n}个，{counts}，网站检查合格率为{_rate(len(passed), n)}（合格网站数/检查网站总数）。"]
    clean = [r for r in rows if r.view is not None and not any(p.active and not p.bonus for p in r.view.problems)]
    if clean:
        text.append(f"其中，{_names(clean)}共{len(clean)}个网站在本次检查中未发现问题。")
    else:
        text.append("本次检查的网站均发现不同程度的问题。")
    if pending:
        text.append(f"{_names(pending)}共{len(pending)}个网站尚有指标未完成评估，结论待定，补充检查后另行通报。")
    unread = [r for r in rows if r.view is not None and r.view.cover.incomplete]
    if unread:
        text.append(f"{_names(unread)}共{len(unread)}个网站在检查时未能完整读取（首页无法打开、访问被拦截或大部分页面无法打开），"
                    "检查不完整，须排除故障后重新检查。")
    return text


_ORDINALS = "一二三四五六七八九十"


def problem_texts(rows: Sequence[UnitRow]) -> list[str]:
    """The paragraphs of 二、存在的主要问题: one per problem class, naming the sites."""
    items: list[str] = []
    vetoed = [r for r in rows if r.vetoes]
    if vetoed:
        named = "、".join(f"{r.name}（{'、'.join(r.vetoes)}）" for r in vetoed)
        items.append(f"触发单项否决。{named}共{len(vetoed)}个网站触发单项否决，判定为不合格")
    known: set[str] = set()
    for label, kinds, unit in PROBLEM_CLASSES:
        known |= kinds
        hits = []
        for r in rows:
            count = sum(1 for p in (r.view.problems if r.view else []) if p.active and not p.bonus
                        and p.origin != "reviewer" and p.kind in kinds)
            if count:
                hits.append(f"{r.name}（{count}{unit}）")
        if hits:
            items.append(f"{label}。{'、'.join(hits)}共{len(hits)}个网站{label}")
    manual = [r for r in rows if r.manual_points or any(p.active and p.origin == "reviewer" and not p.bonus
                                                         for p in (r.view.problems if r.view else []))]
    if manual:
        items.append(f"人工检查发现问题。{_names(manual)}共{len(manual)}个网站在人工检查中发现问题")
    other: dict[str, list[str]] = {}
    for r in rows:
        for p in r.view.problems if r.view else []:
            if p.active and not p.bonus and p.origin != "reviewer" and p.kind not in known:
                names = other.setdefault(p.indicator or p.kind, [])
                if r.name not in names:
                    names.append(r.name)
    for label, names in other.items():
        items.append(f"{label}方面存在问题。{'、'.join(names)}共{len(names)}个网站{label}方面存在问题")
    if not items:
        return ["此次检查未发现明显问题。"]
    return ["此次检查发现，部分网站存在以下主要问题："] + [
        f"{_ORDINALS[i] if i < len(_ORDINALS) else i + 1}是{text}{'；' if i < len(items) - 1 else '。'}"
        for i, text in enumerate(items)]


def requirement_texts(rows: Sequence[UnitRow], deadline: date, issuer: str) -> list[str]:
    """The paragraphs of 三、整改要求."""
    first = (f"（一）限期整改。请存在问题的单位对照附件得分表和各网站检查报告逐项整改，于{cn_date(deadline)}前完成整改，"
             f"并将整改情况报送{issuer}。")
    out = [first]
    if any(r.vetoes for r in rows):
        out.append("（二）严格落实单项否决。触发单项否决的网站主办单位须立即整改，整改完成前不得参与政府网站评优。")
    out.append(f"（{'三' if len(out) == 2 else '二'}）强化常态化监管。各单位要切实履行网站主办职责，加强日常监测，"
               "及时更新栏目信息，发现问题第一时间整改，确保网站安全、稳定、准确。")
    return out


def write_bulletin_docx(rows: Sequence[UnitRow], path: Path, *, title_text: str, period: str, deadline: date,
                        issuer: str, heading: str, subtitle: str, notes: Sequence[str],
                        documents: Sequence[Mapping[str, Any]]) -> Path:
    """The bulletin as Word: text, then the 附件 score table on landscape pages."""
    doc = Document()
    setup_document(doc)
    title(doc, title_text, size=20, space_after=18)
    paragraph(doc, "各有关单位：", indent=False)
    paragraph(doc, f"根据政府网站检查有关要求，{issuer}对{len(rows)}个政府网站开展了{period}检查"
                   f"（监测时间点：{_as_of_range(documents)}）。现将有关情况通报如下：")
    doc.add_heading("一、总体情况", level=1)
    for text in overall_text(rows, period):
        paragraph(doc, text)
    doc.add_heading("二、存在的主要问题", level=1)
    for text in problem_texts(rows):
        paragraph(doc, text)
    doc.add_heading("三、整改要求", level=1)
    for text in requirement_texts(rows, deadline, issuer):
        paragraph(doc, text)
    paragraph(doc, f"附件：{heading}")
    paragraph(doc, issuer, align="right", indent=False)
    paragraph(doc, cn_date(date.today()), align="right", indent=False)

    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(1.6)
    p = paragraph(doc, "附件", bold=True, indent=False)
    set_run_font(p.runs[0]._element, "黑体")
    title(doc, heading, size=16, space_after=2)
    paragraph(doc, subtitle, indent=False, align="center")
    _docx_score_table(doc, rows)
    paragraph(doc, "备注：", bold=True, indent=False)
    for note in notes:
        paragraph(doc, note, indent=False, size=9)
    doc.save(str(path))
    return path


def write_bulletin(documents: list[dict], out_dir: Path, *, title: str, period: str, deadline: date,
                   issuer: str) -> list[Path]:
    """Write ``得分表.xlsx`` and ``通报.docx`` into ``out_dir``; returns both paths (xlsx first)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = ranked_rows(documents)
    heading = f"{period}政府网站检查得分表"
    subtitle = f"（监测时间点：{_as_of_range(documents)}）"
    notes = table_notes(_rulesets(documents))
    xlsx = write_score_xlsx(rows, out_dir / "得分表.xlsx", heading=heading, subtitle=subtitle, notes=notes)
    docx_path = write_bulletin_docx(rows, out_dir / "通报.docx", title_text=title, period=period, deadline=deadline,
                                    issuer=issuer, heading=heading, subtitle=subtitle, notes=notes,
                                    documents=documents)
    return [xlsx, docx_path]
