"""A portfolio bulletin (季度通报) from many inspection documents, in the layout of seed 003 (docs/sources.md).

:func:`write_bulletin` writes three files:

- ``得分表.xlsx`` — the 附件 score table: one row per unit (序号, site name, 网站标识码); under a merged
  栏目更新预警 header the warnings (预警次数) and deductions (扣分) per column class
  (动态/要闻, 通知公告, 政策文件, 规划计划/人事 — from ``stale_column`` findings'
  ``evidence.type``); then the deductions of the other automatic checks (自动监测),
  of reviewer-entered findings (人工检查, ``scoring.origin == "reviewer"``), the total
  deduction, score, verdict and rank. Ties share a rank; sites without a definitive
  score come after the ranked ones with rank 待定.
- ``通报.docx`` — the bulletin as a 公文 (:mod:`govwatch.report.gongwen`; optional 红头 and 文号):
  一、总体情况 (sites inspected, pass rate = 合格 / all, the sites without problems),
  二、存在的主要问题 (一是…二是…: the units named per problem class, then one paragraph per unit with
  its problems by class, their counts and problem IDs), optional parts from ``extras`` (整改情况,
  网民留言和找错办理情况, 抽查情况), 整改要求 with the deadline, and the score table as 附件 on
  landscape pages.
- ``通报.pdf`` — the .docx converted by LibreOffice (:mod:`govwatch.report.office_pdf`), when ``pdf``.

Only active problems count (not exempted by a reviewer, not under a temporary filing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, cast

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from govwatch.report.gongwen import HEADING2_FONT, Gongwen, chinese_ordinal, cn_date, ordinal_items
from govwatch.report.office_pdf import docx_to_pdf
from govwatch.report.view import Problem, ReportView, build_view, fmt_points
from govwatch.report.wordprint import id_list, repeat_header, shade
from govwatch.report.xlsx import BORDER, CENTER, FONT, HEADER_FILL, WRAP

__all__ = ["COLUMN_CLASSES", "PROBLEM_CLASSES", "UnitRow", "cn_date", "overall_text", "problem_texts",
           "ranked_rows", "unit_problem_texts", "unit_row", "write_bulletin"]

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
    site_code: str = ""
    position: int = 0  # the unit's place in the documents given (the office's order)

    @property
    def rank_text(self) -> str:
        return str(self.rank) if self.rank is not None else PENDING

    def cells(self) -> list[Any]:
        """The row's cells in score-table order after 序号 (numbers as numbers)."""
        out: list[Any] = [self.name, self.site_code or "—"]
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
                   vetoes=vetoes, view=view, site_code=str(site.get("site_code") or ""))


def ranked_rows(documents: Sequence[Mapping[str, Any]]) -> list[UnitRow]:
    """Every unit's row, ranked by score (ties share a rank: 1, 1, 3); unscored units last, 待定."""
    rows = [unit_row(d) for d in documents]
    for position, row in enumerate(rows):
        row.position = position
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
HEAD_HEADERS = ("序号", "单位", "网站标识码")
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
    first_sub = len(HEAD_HEADERS) + 1  # the column of the first 栏目更新预警 sub-header
    ncols = len(HEAD_HEADERS) + len(subs) + len(TAIL_HEADERS)
    ws.cell(row=1, column=1, value="附件").font = Font(name=FONT, bold=True, size=12)
    for r, text, size in ((2, heading, 16), (3, subtitle, 11)):
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncols)
        cell = ws.cell(row=r, column=1, value=text)
        cell.font, cell.alignment = Font(name=FONT, bold=r == 2, size=size), Alignment(horizontal="center")
    top, sub = 4, 5
    heads = {**{i + 1: h for i, h in enumerate(HEAD_HEADERS)}, first_sub: TOP_HEADER,
             **{first_sub + len(subs) + i: h for i, h in enumerate(TAIL_HEADERS)}}
    for col in range(1, ncols + 1):
        for r in (top, sub):
            head = ws.cell(row=r, column=col)
            head.font, head.fill, head.border, head.alignment = Font(name=FONT, bold=True), HEADER_FILL, BORDER, CENTER
    for col, text in heads.items():
        ws.cell(row=top, column=col, value=text)
        if col != first_sub:
            ws.merge_cells(start_row=top, start_column=col, end_row=sub, end_column=col)
    ws.merge_cells(start_row=top, start_column=first_sub, end_row=top, end_column=first_sub + len(subs) - 1)
    for i, text in enumerate(subs):
        ws.cell(row=sub, column=first_sub + i, value=text)
    for r, (no, row) in enumerate(enumerate(rows, 1), sub + 1):
        for col, value in enumerate([no, *row.cells()], 1):
            cell = ws.cell(row=r, column=col, value=value)
            cell.font, cell.border = Font(name=FONT), BORDER
            cell.alignment = WRAP if col == 2 else Alignment(horizontal="center", vertical="center")
    r = sub + len(rows) + 2
    ws.cell(row=r, column=1, value="备注：").font = Font(name=FONT, bold=True)
    for i, note in enumerate(notes, r + 1):
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=ncols)
        ws.cell(row=i, column=1, value=note).font = Font(name=FONT)
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 26
    ws.column_dimensions["C"].width = 13
    for col in range(first_sub, ncols + 1):
        ws.column_dimensions[get_column_letter(col)].width = 11
    ws.row_dimensions[sub].height = 45
    ws.freeze_panes = ws.cell(row=sub + 1, column=first_sub).coordinate  # what the setter makes of a cell
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    page_setup_properties = ws.sheet_properties.pageSetUpPr
    assert page_setup_properties is not None  # a new worksheet's properties always have one
    page_setup_properties.fitToPage = True
    ws.print_title_rows = f"{top}:{sub}"
    wb.save(str(path))
    return path


# Relative widths of the score table's columns in Word (scaled to the landscape text width).
SCORE_TABLE_WIDTHS = (0.9, 3.6, 2.4, *[1.4] * 8, 1.6, 1.1, 1.3, 1.1, 1.3, 1.1)


def _docx_score_table(doc: Gongwen, rows: Sequence[UnitRow]) -> Any:
    subs = sub_headers()
    first_sub = len(HEAD_HEADERS)
    header = [*HEAD_HEADERS, TOP_HEADER, *[""] * (len(subs) - 1), *TAIL_HEADERS]
    # Word's narrow columns: the class on one line, 预警次数 / 预警扣分 under it (no brackets)
    second = [*[""] * len(HEAD_HEADERS), *[h.replace("（", "").replace("）", "") for h in subs],
              *[""] * len(TAIL_HEADERS)]
    body = [[str(no), *[("" if v is None else (fmt_points(v) if isinstance(v, (int, float)) else v))
                        for v in r.cells()]] for no, r in enumerate(rows, 1)]
    centred = tuple(i for i in range(len(header)) if i != 1)
    t = doc.table(header, [second, *body], size=9, center=centred, widths=SCORE_TABLE_WIDTHS, header_rows=2,
                  header_size=8, compact=True)
    # Header cells as in seed 003: 单位 and the tail columns span both rows, 栏目更新预警 spans the classes.
    first, second_row = t.rows[0], t.rows[1]
    for cell in second_row.cells:
        shade(cell)
        for run in cell.paragraphs[0].runs:
            run.bold = False
    repeat_header(second_row)
    first.cells[first_sub].merge(first.cells[first_sub + len(subs) - 1])
    for col in [*range(first_sub), *range(first_sub + len(subs), len(header))]:
        _merged_text(t.cell(0, col).merge(t.cell(1, col)), header[col])
    _merged_text(t.cell(0, first_sub), TOP_HEADER)
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
    clean = [r for r in rows if r.view is not None and not _active(r)]
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


def _active(row: UnitRow) -> list[Problem]:
    """The unit's problems that count (active, not bonus points)."""
    return [p for p in (row.view.problems if row.view else []) if p.active and not p.bonus]


def _classified(row: UnitRow) -> list[tuple[str, str, list[Problem]]]:
    """The unit's problems by class: (label, counting unit, problems) in the order of 存在的主要问题."""
    problems = _active(row)
    out: list[tuple[str, str, list[Problem]]] = []
    known: set[str] = set()
    for label, kinds, unit in PROBLEM_CLASSES:
        known |= kinds
        hits = [p for p in problems if p.origin != "reviewer" and p.kind in kinds]
        if hits:
            out.append((label, unit, hits))
    manual = [p for p in problems if p.origin == "reviewer"]
    if manual:
        out.append(("人工检查发现问题", "项", manual))
    other: dict[str, list[Problem]] = {}
    for p in problems:
        if p.origin != "reviewer" and p.kind not in known:
            other.setdefault(f"{p.indicator or '其他'}方面存在问题", []).append(p)
    out += [(label, "项", hits) for label, hits in other.items()]
    return out


def problem_texts(rows: Sequence[UnitRow]) -> list[str]:
    """The summary of 二、存在的主要问题: one paragraph per problem class (一是…), naming the sites."""
    items: list[str] = []
    vetoed = [r for r in rows if r.vetoes]
    if vetoed:
        vetoes = "、".join(f"{r.name}（{'、'.join(r.vetoes)}）" for r in vetoed)
        items.append(f"触发单项否决。{vetoes}共{len(vetoed)}个网站触发单项否决，判定为不合格")
    by_label: dict[str, list[str]] = {}
    for r in rows:
        for label, unit, hits in _classified(r):
            count = f"（{len(hits)}{unit}）" if label != "人工检查发现问题" and not label.endswith("方面存在问题") else ""
            by_label.setdefault(label, []).append(f"{r.name}{count}")
    order = [label for label, _, _ in PROBLEM_CLASSES] + ["人工检查发现问题"]
    for label in sorted(by_label, key=lambda x: order.index(x) if x in order else len(order)):
        named = by_label[label]
        what = "在人工检查中发现问题" if label == "人工检查发现问题" else label
        items.append(f"{label}。{'、'.join(named)}共{len(named)}个网站{what}")
    if not items:
        return ["此次检查未发现明显问题。"]
    return ["此次检查发现，部分网站存在以下主要问题：", *ordinal_items(items)]


def unit_problem_texts(rows: Sequence[UnitRow]) -> list[tuple[str, str]]:
    """Per unit with problems, in the documents' order: (unit name, its problems by class with counts and IDs)."""
    out = []
    for r in sorted(rows, key=lambda row: row.position):
        parts = [f"触发单项否决（{'、'.join(r.vetoes)}）"] if r.vetoes else []
        for label, unit, hits in _classified(r):
            parts.append(f"{label.removesuffix('方面存在问题') + '方面问题' if label.endswith('方面存在问题') else label}"
                         f"{len(hits)}{unit}（{id_list([p.id for p in hits])}）")
        if parts:
            out.append((r.name, "；".join(parts) + "。"))
    return out


def requirement_texts(rows: Sequence[UnitRow], deadline: date, issuer: str) -> list[tuple[str, str]]:
    """The paragraphs of 整改要求: (lead, text)."""
    out = [("限期整改。", f"请存在问题的单位对照附件得分表和各网站检查报告逐项整改，于{cn_date(deadline)}前完成整改，"
                      f"并将整改情况报送{issuer}。")]
    if any(r.vetoes for r in rows):
        out.append(("严格落实单项否决。", "触发单项否决的网站主办单位须立即整改，整改完成前不得参与政府网站评优。"))
    out.append(("强化常态化监管。", "各单位要切实履行网站主办职责，加强日常监测，及时更新栏目信息，发现问题第一时间整改，"
                               "确保网站安全、稳定、准确。"))
    return [(f"（{chinese_ordinal(i)}）{lead}", text) for i, (lead, text) in enumerate(out, 1)]


# -- the optional parts from ``extras`` ----------------------------------------------------------


def _figure(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _unit_name(rows: Sequence[UnitRow], url: str) -> str:
    return next((r.name for r in rows if r.url == url or r.url.rstrip("/") == url.rstrip("/")), url)


def ticket_texts(rows: Sequence[UnitRow], tickets: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """整改情况: issued / closed / returned / overdue in all and per unit, overdue units named with their IDs."""
    busy = {url: f for url, f in tickets.items() if any(_figure(f.get(k)) for k in ("issued", "closed", "returned", "overdue"))}
    if not tickets:
        return []
    if not busy:
        return ["本期未下发整改问题。"]
    total = {key: sum(_figure(f.get(key)) for f in busy.values()) for key in ("issued", "closed", "returned", "overdue")}
    text = [f"截至通报时，共向{len(busy)}个单位下发整改问题{total['issued']}个，已整改销号{total['closed']}个，"
            f"整改销号率为{_rate(total['closed'], total['issued'])}；复查未通过退回{total['returned']}个；"
            f"逾期未整改{total['overdue']}个。"]
    units = []
    for url, f in busy.items():
        units.append(f"{_unit_name(rows, url)}下发{_figure(f.get('issued'))}个、销号{_figure(f.get('closed'))}个"
                     + (f"、退回{_figure(f.get('returned'))}个" if _figure(f.get("returned")) else "")
                     + (f"、逾期{_figure(f.get('overdue'))}个" if _figure(f.get("overdue")) else ""))
    text.append("各单位整改情况：" + "；".join(units) + "。")
    late = [(url, f) for url, f in busy.items() if _figure(f.get("overdue"))]
    if late:
        named = "；".join(f"{_unit_name(rows, url)}{_figure(f.get('overdue'))}个"
                         + (f"（{id_list([str(i) for i in f.get('overdue_list') or []])}）" if f.get("overdue_list") else "")
                         for url, f in late)
        text.append(f"以下{len(late)}个单位存在逾期未整改问题，予以通报批评：{named}。")
    else:
        text.append("各单位均在规定期限内完成整改或反馈。")
    return text


# ``scoring/public_reports.public_report_figures`` per site: (key, how the bulletin names it).
PUBLIC_REPORT_FIGURES = (("received", "收到"), ("forwarded_on_time", "按时转办"), ("forwarded_late", "超时转办"),
                         ("answered_on_time", "按时答复"), ("answered_late", "超时答复"), ("closed", "办结"),
                         ("overdue_open", "超期未办结"))
LATE_FIGURES = ("forwarded_late", "answered_late", "overdue_open")


def public_report_texts(rows: Sequence[UnitRow], figures: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """网民留言和“我为政府网站找错”办理情况: totals, the units that received any, units late named."""
    if not figures:
        return []
    total = {key: sum(_figure(f.get(key)) for f in figures.values()) for key, _ in PUBLIC_REPORT_FIGURES}
    if not total["received"]:
        return ["本期未收到网民留言和“我为政府网站找错”问题。"]
    text = ["本期各单位共" + "，".join(f"{label}{total[key]}件" for key, label in PUBLIC_REPORT_FIGURES
                                   if total[key] or key == "received") + "。"]
    text.append("各单位办理情况：" + "；".join(
        _unit_name(rows, url) + "、".join(f"{label}{_figure(f.get(key))}件" for key, label in PUBLIC_REPORT_FIGURES
                                          if _figure(f.get(key)) or key == "received")
        for url, f in figures.items() if _figure(f.get("received"))) + "。")
    late = [_unit_name(rows, url) for url, f in figures.items() if any(_figure(f.get(k)) for k in LATE_FIGURES)]
    if late:
        text.append(f"{'、'.join(late)}共{len(late)}个单位存在超时转办、超时答复或超期未办结情况，请按规定时限及时转办、答复。")
    else:
        text.append("各单位均在规定时限内转办、答复。")
    return text


def spot_check_texts(spot: Mapping[str, Any] | None) -> list[str]:
    """抽查情况: how the sample was drawn and its results (``extras["spot_check"]``)."""
    if not spot:
        return []
    sites: list[Mapping[str, Any]] = list(spot.get("sites") or [])
    drawn = _figure(spot.get("sampled")) or len(sites)
    passed = [s for s in sites if s.get("verdict") == "合格"]
    failed = [s for s in sites if s.get("verdict") == "不合格"]
    how = f"（随机种子{spot['seed']}）" if spot.get("seed") is not None else ""
    text = [f"{spot.get('period') or '本期'}按照随机抽取方式{how}，从{_figure(spot.get('population')) or '全部'}个在运行政府网站中"
            f"抽查{drawn}个，其中合格{len(passed)}个、不合格{len(failed)}个，抽查合格率为{_rate(len(passed), drawn)}。"]
    if failed:
        text.append("抽查不合格的网站：" + "；".join(
            f"{s.get('name') or '（未识别）'}" + (f"（{s['problems']}）" if s.get("problems") else "") for s in failed) + "。")
    return text


# -- the document ----------------------------------------------------------------------------


def write_bulletin_docx(rows: Sequence[UnitRow], path: Path, *, title_text: str, period: str, deadline: date,
                        issuer: str, heading: str, subtitle: str, notes: Sequence[str],
                        documents: Sequence[Mapping[str, Any]], doc_number: str | None = None,
                        red_header: bool = False, template: Path | None = None,
                        extras: Mapping[str, Any] | None = None) -> Path:
    """The bulletin as a 公文: text, then the 附件 score table on landscape pages."""
    extras = extras or {}
    doc = Gongwen(template=template)
    if red_header and not template:
        doc.red_header(issuer, doc_number)
    doc.title(title_text)
    if doc_number and (template or not red_header):
        doc.doc_number(doc_number)
        doc.blank()
    doc.addressee("各有关单位")
    doc.para(f"根据政府网站检查有关要求，{issuer}对{len(rows)}个政府网站开展了{period}检查"
             f"（监测时间点：{_as_of_range(documents)}）。现将有关情况通报如下：")
    doc.heading(1, "总体情况")
    for text in overall_text(rows, period):
        doc.para(text)
    doc.heading(1, "存在的主要问题")
    for text in problem_texts(rows):
        doc.para(text)
    per_unit = unit_problem_texts(rows)
    if per_unit:
        doc.para("各单位存在的问题如下（括号内为问题编号，详见各网站检查报告）：")
        for n, (name, text) in enumerate(per_unit, 1):
            doc.para(text, lead=f"（{chinese_ordinal(n)}）{name}：", lead_font=HEADING2_FONT)
    optional = (("整改情况", ticket_texts(rows, extras.get("tickets") or {})),
                ("网民留言和“我为政府网站找错”办理情况", public_report_texts(rows, extras.get("public_reports") or {})),
                ("抽查情况", spot_check_texts(extras.get("spot_check"))))
    for name, texts in optional:
        if texts:
            doc.heading(1, name)
            for text in texts:
                doc.para(text)
    doc.heading(1, "整改要求")
    for lead, text in requirement_texts(rows, deadline, issuer):
        doc.para(text, lead=lead)
    doc.attachment_line([heading])
    day = date.today()
    doc.signature(issuer, day)

    doc.attachment("附件", heading, landscape=True)
    doc.para(subtitle, indent=False, align="center")
    _docx_score_table(doc, rows)
    doc.note("备注：")
    for note in notes:
        doc.note(note)
    return doc.save(path, values={"{{文号}}": doc_number or "", "{{日期}}": cn_date(day), "{{标题}}": title_text})


def write_bulletin(documents: list[dict], out_dir: Path, *, title: str, period: str, deadline: date,
                   issuer: str, doc_number: str | None = None, red_header: bool = False,
                   template: Path | None = None, extras: Mapping[str, Any] | None = None,
                   pdf: bool = True) -> list[Path]:
    """Write ``得分表.xlsx``, ``通报.docx`` and (when ``pdf``) ``通报.pdf`` into ``out_dir``; returns the paths in
    that order.

    ``extras`` (docs/rectification.md §2) adds the optional parts: ``tickets`` (整改情况), ``public_reports``
    (网民留言和找错办理情况), ``spot_check`` (抽查情况); its ``doc_number`` and ``red_header``
    apply when the arguments do not give them. Without LibreOffice the xlsx and docx are written and
    :class:`~govwatch.report.report_error.ReportError` says how to install it.
    """
    extras = dict(extras or {})
    doc_number = doc_number or extras.get("doc_number") or None
    red_header = red_header or bool(extras.get("red_header"))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = ranked_rows(documents)
    heading = f"{period}政府网站检查得分表"
    subtitle = f"（监测时间点：{_as_of_range(documents)}）"
    notes = table_notes(_rulesets(documents))
    xlsx = write_score_xlsx(rows, out_dir / "得分表.xlsx", heading=heading, subtitle=subtitle, notes=notes)
    docx_path = write_bulletin_docx(rows, out_dir / "通报.docx", title_text=title, period=period, deadline=deadline,
                                    issuer=issuer, heading=heading, subtitle=subtitle, notes=notes,
                                    documents=documents, doc_number=doc_number, red_header=red_header,
                                    template=template, extras=extras)
    written = [xlsx, docx_path]
    if pdf:
        written.append(docx_to_pdf(docx_path, out_dir))
    return written
