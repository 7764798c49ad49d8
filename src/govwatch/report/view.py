"""One view model of an inspection document, shared by every renderer (HTML, PDF, Word, Excel, bulletin).

:func:`build_view` turns the inspection document (``build_inspection``'s dict)
into plain rows with Chinese labels: cover facts, overview numbers, the
单项否决 table, per-indicator rows, every problem with its evidence, and the
整改清单 (the 整改要求 of each kind from the finding catalogue, :mod:`govwatch.core.catalogue`).
Renderers only lay these rows out; none of them re-derives a verdict.

Wording rules (never show an unassessed site as passing):

- verdict null → ``待定（N项指标未评估）``;
- score null → ``≤{score_upper_bound}（未完成评估）``, or ``不计分（单项否决）`` when a
  veto settled the verdict without a score;
- a run whose crawl could not read the site (``complete`` false) → the verdict reads
  ``待定（网站未能完整读取…）`` and the cover opens with :data:`INCOMPLETE_HEADLINE` and the reasons
  (首页无法打开 … with the error class and HTTP status).

No English reaches a reader: checks and the crawl write their messages in Chinese
(:mod:`govwatch.crawl.error_wording`: ``error_text``, ``status_text``, ``soft_404_text``, re-exported
here for the renderers); :func:`plain_text` puts the English of runs stored before that in Chinese,
:func:`check_name` names check ids. ``inspection.json`` keeps the raw error data.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from govwatch.analysis.columns.classify import COLUMN_TYPE_LABELS
from govwatch.checks import REGISTRY, load_builtin_checks
from govwatch.core.catalogue import catalogue, remediation
from govwatch.core.spool import Reread, Sorted, Spool
from govwatch.crawl.error_wording import bracketed, error_text, labels, raw_reason_text
from govwatch.crawl.error_wording import soft_404_text as soft_404_text  # re-exported for the renderers
from govwatch.crawl.error_wording import status_text as status_text

INDICATOR_STATUS = {"assessed": "已评估", "partial": "部分评估", "not_assessed": "未评估",
                    "reviewed": "人工核查", "skipped": "不适用"}
VETO_RESULT = {"triggered": "是", "clear": "否", "reviewed": "否", "not_assessed": "未评估", "partial": "未评估"}
VETO_STATUS = {"triggered": "触发", "clear": "未触发", "reviewed": "人工核查未触发", "not_assessed": "未评估",
               "partial": "部分评估"}
FINDING_STATUS = {"scored": "计分", "exempt": "已豁免", "suppressed": "临时报备", "unscored": "不计分",
                  "withheld": "未评估（网站未能完整读取）"}
SEVERITY = {"error": "问题", "warning": "疑似/提示", "info": "提示"}
KIND_NAMES = {"deduction": "扣分项", "bonus": "加分项", "adjustment": "加减分"}
ORIGIN = {"check": "自动监测", "reviewer": "人工检查"}
CHECK_STATUS = {"ok": "已完成", "not_assessed": "未评估", "error": "运行出错"}
CHECK_FAILED = "检查程序运行出错，本项未得出结果（原始错误信息见检查记录inspection.json）"


INCOMPLETE_HEADLINE = "本次检查不完整：网站未能完整读取"
INCOMPLETE_NOTE = ("依赖网站内容的指标记为未评估，不计满分，不作“合格”结论；"
                   "已发现的问题照常列出，单项否决或扣分已判定不合格的除外。请排除故障后重新检查。")


def fmt_points(value: float | None) -> str:
    """Points as offices write them: ``100``, ``99.5``, ``0.45``; ``—`` for none."""
    if value is None:
        return "—"
    text = f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(slots=True)
class Cover:
    """The report's cover facts."""

    site_name: str
    url: str
    site_code: str
    as_of: str
    ruleset_name: str
    verdict_text: str
    verdict_class: str  # pass | fail | pending (CSS class / colour)
    score_text: str
    reasons: list[str]
    run_id: Any = None
    # Why the crawl could not read the site (the document's ``incomplete_reasons``): shown first.
    incomplete: list[str] = field(default_factory=list)


@dataclass(slots=True)
class VetoRow:
    """One 单项否决 of the rule table: 是/否/未评估 and why."""

    id: str
    name: str
    result: str  # 是 | 否 | 未评估
    status_text: str
    reason: str
    findings: list[str]


@dataclass(slots=True)
class IndicatorRow:
    """One indicator of the rule table with its points and assessment status."""

    id: str
    group: str
    name: str
    kind: str
    kind_text: str
    max_text: str
    points: float
    points_text: str
    status: str
    status_text: str
    findings: int
    capped: bool
    note: str


@dataclass(slots=True)
class Problem:
    """One finding as a report shows it, with its evidence and how it scored."""

    id: str
    kind: str
    indicator_id: str | None
    indicator: str
    severity: str
    severity_text: str
    message: str
    url: str
    source: str
    target: str
    link_text: str
    excerpt: str
    observed: str
    expected: str
    points: float  # deduction points (a bonus or positive adjustment counts 0 here)
    points_text: str  # 扣分 as shown (``加2`` for bonus points)
    status: str  # scored | exempt | suppressed | withheld | unscored
    status_text: str
    note: str
    origin: str  # check | reviewer
    vetoes: list[str]  # names of the vetoes it triggered
    action: str
    bonus: bool = False  # filed under a bonus item or a positive adjustment: not a problem to fix
    indicator_kind: str = "deduction"  # deduction | bonus | adjustment (of the indicator that scored it)
    column_type: str | None = None  # evidence.type of column findings (dynamic, notice, policy, plan, ...)
    column: str = ""  # the column's name, for column findings
    evidence: Mapping[str, Any] = field(default_factory=dict)  # the finding's evidence, as stored

    @property
    def active(self) -> bool:
        """Counts against the site (not exempted by a reviewer, not under a temporary filing)."""
        return self.status not in ("exempt", "suppressed")


@dataclass(slots=True)
class RectificationItem:
    """One line of the 整改清单."""

    no: int
    priority: str  # 单项否决 | 扣分 | 问题 | 提示
    problem: Problem


@dataclass(slots=True)
class CheckRow:
    """One check of the run (附：检查项运行情况), named by the problems it looks for."""

    name: str
    status_text: str
    findings: int
    note: str
    failed: bool  # not ok: not assessed or an error


@dataclass(slots=True)
class ReportView:
    """Everything a renderer shows of one inspection document."""

    cover: Cover
    overview: list[tuple[str, str]]
    score_lines: list[tuple[str, str]]
    vetoes: list[VetoRow]
    indicators: list[IndicatorRow]
    problems: Collection[Problem]  # a Spool (core/spool.py): read back, not held
    rectification: Collection[RectificationItem]
    counts: ProblemCounts
    broken: BrokenCounts
    not_assessed: list[str]
    notes: list[str] = field(default_factory=list)
    scored: bool = False  # a rule table scored the document
    checks: list[CheckRow] = field(default_factory=list)

    def problems_of(self, indicator_id: str | None) -> list[Problem]:
        """The problems an indicator scored (``None``: those no indicator scored)."""
        return [p for p in self.problems if p.indicator_id == indicator_id]


# -- raw texts in the reader's words --------------------------------------------------------


_PARENTHESIS = re.compile(r"（(?P<inner>[^（）]*)）")
_ERROR_CLASS_NOTE = re.compile(r"(?:，)?错误类型 [a-z_]+(?:，)?")
_SETTING = re.compile(r"（crawl\.[a-z_]+）|crawl\.[a-z_]+")


def plain_text(text: str) -> str:
    """``text`` with the raw English parts of messages stored before checks and the crawl wrote them in
    Chinese (:mod:`govwatch.crawl.error_wording`) put in Chinese: raw reasons in （…）, known English
    phrases, the error-class note of coverage reasons and setting names. New messages pass unchanged:
    the very string given (a report's problems hold the document's messages, not a copy each)."""
    if not text:
        return text
    given = text
    reason = raw_reason_text(text)
    if reason is not None:
        return reason

    def inner(m: re.Match[str]) -> str:
        found = raw_reason_text(m["inner"])  # nested brackets flattened: （HTTP 500，服务器内部错误）
        return m[0] if found is None else bracketed(found)

    text = _PARENTHESIS.sub(inner, text)
    for phrase, words in labels()["phrases"].items():
        text = text.replace(phrase, words)
    text = _SETTING.sub("", _ERROR_CLASS_NOTE.sub("", text).replace("（）", ""))
    return given if text == given else text


def shown_target(target: str) -> str:
    """A finding's target as shown: internal keys (``meta:PubDate:future``, ``footer:icp:missing:``) are
    the fingerprint's, not a place the reader can go to, and are left out."""
    return "" if re.match(r"[a-z][a-z_]*:(?!//)", target or "") else target or ""


@cache
def _check_kinds() -> dict[str, tuple[str, ...]]:
    load_builtin_checks()
    return {name: registered.kinds for name, registered in REGISTRY.items()}


def check_name(name: str) -> str:
    """A check in the report's words: the Chinese names of the problems it looks for
    (``links.broken`` → 链接不可用)."""
    kinds = _check_kinds().get(name)
    if not kinds:
        return "其他检查项"
    return "、".join(dict.fromkeys(catalogue().label(kind) for kind in kinds))


def column_reason_text(reason: str | None) -> str:
    """Why a column got its type (``keyword:动态`` …) in the report's words."""
    reason = reason or ""
    if reason.startswith("keyword:"):
        return f"栏目名称含“{reason.removeprefix('keyword:')}”"
    if reason.startswith("meta:"):
        return f"栏目页标签ColumnType为“{reason.removeprefix('meta:')}”"
    return {"message_list": "栏目页为留言列表", "config": "配置指定", "default": "未匹配到类型关键词"}.get(reason, reason)


def _check_rows(document: Mapping[str, Any]) -> list[CheckRow]:
    rows = []
    for c in document.get("checks") or []:
        status = c.get("status") or "error"
        note = CHECK_FAILED if status == "error" else plain_text(c.get("error") or "")
        rows.append(CheckRow(name=check_name(c.get("name") or ""), status_text=CHECK_STATUS.get(status, "运行出错"),
                             findings=int(c.get("findings") or 0), note=note, failed=status != "ok"))
    return rows


def _incomplete(document: Mapping[str, Any]) -> list[str]:
    """The reasons a run is incomplete; a homepage that failed with an error said again from the coverage
    fact's raw error (its precise cause, no class code)."""
    home = (document.get("coverage") or {}).get("homepage") or {}
    out = []
    for reason in document.get("incomplete_reasons") or ():
        if reason.get("code") == "crawl.homepage_failed" and home.get("error") and not home.get("blocked"):
            why = error_text(home["error"], home.get("error_detail"))
            out.append(f"首页无法打开：{why}" + (f"（HTTP {home['status']}）" if home.get("status") else ""))
        else:
            out.append(plain_text(reason.get("message") or ""))
    return out


# -- texts -----------------------------------------------------------------------------


def verdict_text(document: Mapping[str, Any]) -> tuple[str, str]:
    """The verdict as shown, and its class (pass | fail | pending)."""
    verdict = document.get("verdict")
    if verdict == "合格":
        return "合格", "pass"
    if verdict == "不合格":
        return "不合格", "fail"
    sheet = document.get("scoring")
    unread = "网站未能完整读取，" if document.get("complete") is False else ""
    if not sheet:
        return f"待定（{unread}未应用评分规则表）", "pending"
    return f"待定（{unread}{len(sheet.get('not_assessed') or [])}项指标未评估）", "pending"


def score_text(document: Mapping[str, Any]) -> str:
    """The score as shown: a number, ``≤N（未完成评估）``, ``不计分（单项否决）`` or ``未评分``."""
    score = document.get("score")
    if score is not None:
        return fmt_points(score)
    sheet = document.get("scoring")
    if not sheet:
        return "未评分"
    if any(v.get("triggered") for v in sheet.get("vetoes") or []):
        return "不计分（单项否决）"
    bound = sheet.get("score_upper_bound")
    if bound is None:
        return "未评分"
    return f"≤{fmt_points(bound)}（未完成评估）"


def has_definitive_score(document: Mapping[str, Any]) -> bool:
    """Whether the document's score may be ranked (a number the engine stands by)."""
    return document.get("score") is not None


# -- problems --------------------------------------------------------------------------


def evidence_text(value: Any) -> str:
    """An evidence value as a reader sees it: 是/否, lists joined with 、, nothing for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(evidence_text(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}={evidence_text(v)}" for k, v in value.items())
    return str(value)


def _observed_expected(f: Mapping[str, Any]) -> tuple[str, str]:
    ev = f.get("evidence") or {}
    if ev.get("observed") is not None or ev.get("expected") is not None:
        return plain_text(evidence_text(ev.get("observed"))), plain_text(evidence_text(ev.get("expected")))
    kind = f.get("kind")
    if kind == "stale_column":
        last = ev.get("last_update")
        seen = f"最近更新{last}" if last else "列表中的信息均未注明发布时间"
        if ev.get("days_overdue") is not None:
            seen += f"，已超期{ev['days_overdue']}天"
        return seen, f"{ev.get('window') or '规定期限'}内有更新"
    if kind == "blank_column":
        return "栏目无任何信息" + (f"（仅显示“{ev['placeholder']}”）" if ev.get("placeholder") else ""), "栏目有信息"
    if kind == "undated_items":
        return f"{ev.get('undated', '若干')}条信息未注明发布时间", "每条信息注明发布时间"
    if kind in ("homepage_not_updated", "homepage_few_updates"):
        return (f"近{ev.get('window_days', '—')}天首页更新{ev.get('items_in_window', 0)}条",
                f"不少于{ev['min_items']}条" if ev.get("min_items") else "有更新")
    if kind in ("site_unreachable", "homepage_visits_failed") and ev.get("failure_ratio") is not None:
        return f"访问失败比例{float(ev['failure_ratio']) * 100:.1f}%", "首页稳定可访问"
    if kind == "future_date" and ev.get("date"):
        return f"发布日期{ev['date']}", f"不晚于{ev.get('as_of', '检查日期')}"
    return "", ""


def _problem(f: Mapping[str, Any], sheet: Mapping[str, Any] | None, names: Mapping[str, str],
             veto_names: Mapping[str, str], kinds: Mapping[str, str], by_name: Mapping[str, str]) -> Problem:
    trace = f.get("scoring") or ((sheet or {}).get("findings") or {}).get(f["id"]) or {}
    ev = f.get("evidence") or {}
    # Findings no indicator scored (exempted, filed) stay with the indicator their check named.
    indicator_id = trace.get("indicator") or by_name.get(f.get("indicator") or "")
    status = trace.get("status") or "unscored"
    observed, expected = _observed_expected(f)
    raw = float(trace.get("points") or 0.0)
    kind = kinds.get(indicator_id or "", "deduction")
    points = raw if kind == "deduction" else (-raw if kind == "adjustment" and raw < 0 else 0.0)
    bonus = kind != "deduction" and raw > 0
    points_text = f"加{fmt_points(raw)}" if bonus else fmt_points(points)
    note = plain_text(trace.get("note") or "")
    if not sheet:
        status, note = "unscored", "尚未应用评分规则表"
    origin = trace.get("origin") or ("reviewer" if f.get("code") == "reviewer" else "check")
    excerpt = evidence_text(ev.get("excerpt") or ev.get("item") or "")
    if re.fullmatch(r"[a-z][a-z0-9_]*", excerpt):  # an item code (``site_code``), not words quoted from the site
        excerpt = ""
    return Problem(
        id=f["id"], kind=f.get("kind", ""), indicator_id=indicator_id,
        indicator=names.get(indicator_id or "", "") or f.get("indicator") or "",
        severity=f.get("severity") or "error", severity_text=SEVERITY.get(f.get("severity") or "error", "问题"),
        message=plain_text(f.get("message") or ""), url=f.get("url") or "", source=f.get("source") or "",
        target=shown_target(f.get("target") or ""), link_text=evidence_text(ev.get("link_text")), excerpt=excerpt,
        observed=observed, expected=expected, points=points, points_text=points_text,
        status=status, status_text=FINDING_STATUS.get(status, status), note=note, origin=origin,
        vetoes=[veto_names.get(v, v) for v in trace.get("vetoes") or []],
        action=remediation(f.get("kind", "")), bonus=bonus, indicator_kind=kind,
        column_type=ev.get("type") if isinstance(ev.get("type"), str) else None, column=evidence_text(ev.get("column")),
        evidence=ev)


def rectification_key(p: Problem) -> tuple[Any, ...]:
    """整改清单 order: veto findings first, then points descending, errors before warnings, then ID."""
    return (0 if p.vetoes else 1, -p.points, 0 if p.severity == "error" else 1, p.id)


class Rectification(Reread[RectificationItem]):
    """The 整改清单: every active problem (exempted and filed ones, and bonus entries, are left out),
    in priority order (:func:`rectification_key`), numbered. Sorted on disk
    (:class:`~govwatch.core.spool.Sorted`): a large run's tens of thousands of problems are read
    back one at a time."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self._problems = problems
        self._ordered: Sorted[Problem] | None = None  # sorted when first read: a bulletin never reads it

    def _sorted(self) -> Sorted[Problem]:
        if self._ordered is None:
            self._ordered = Sorted((p for p in self._problems if p.active and not p.bonus), key=rectification_key)
        return self._ordered

    def __len__(self) -> int:
        return len(self._sorted())

    def __iter__(self) -> Iterator[RectificationItem]:
        for no, p in enumerate(self._sorted(), 1):
            priority = "单项否决" if p.vetoes else ("扣分" if p.points > 0 else ("问题" if p.severity == "error" else "提示"))
            yield RectificationItem(no=no, priority=priority, problem=p)


# -- the view --------------------------------------------------------------------------


def _veto_rows(sheet: Mapping[str, Any] | None) -> list[VetoRow]:
    rows = []
    for v in (sheet or {}).get("vetoes") or []:
        status = v.get("status") or ("triggered" if v.get("triggered") else "not_assessed")
        if v.get("triggered"):
            status = "triggered"
        if status == "triggered":
            reason = v.get("reason") or ""
        elif status == "reviewed":
            reason = v.get("review_note") or "人工核查未发现"
        elif status == "clear":
            reason = "未发现"
        else:
            missing = [catalogue().label(kind) for kind in v.get("missing_kinds") or []]
            reason = "本次检查未覆盖" + (f"（{'、'.join(missing)}）" if missing else "")
        rows.append(VetoRow(id=v["id"], name=v["name"], result=VETO_RESULT.get(status, "未评估"),
                            status_text=VETO_STATUS.get(status, status), reason=reason,
                            findings=list(v.get("findings") or [])))
    return rows


def _indicator_rows(sheet: Mapping[str, Any] | None) -> list[IndicatorRow]:
    rows = []
    for i in (sheet or {}).get("indicators") or []:
        kind = i.get("kind") or "deduction"
        points = float(i.get("points") or 0.0)
        note = i.get("review_note") or ""
        if i.get("capped"):
            note = (note + "；" if note else "") + f"已达该项上限（原始扣分{fmt_points(i.get('raw_points'))}）"
        rows.append(IndicatorRow(
            id=i["id"], group=i.get("group") or "", name=i["name"], kind=kind, kind_text=KIND_NAMES.get(kind, kind),
            max_text=fmt_points(i.get("max")) if i.get("max") is not None else "不设上限",
            # An unassessed indicator shows no points ("—"), never a clean 0 that reads as full marks.
            points=points, points_text="—" if i.get("status") == "not_assessed" and not points else fmt_points(points),
            status=i.get("status") or "not_assessed",
            status_text=INDICATOR_STATUS.get(i.get("status") or "not_assessed", i.get("status") or ""),
            findings=sum(1 for x in i.get("findings") or []), capped=bool(i.get("capped")), note=note))
    return rows


@dataclass(slots=True)
class ProblemCounts:
    """How many problems a document has: active (not bonus), of them with deductions, and
    exempted or filed (the overview's, counted as the problems are made)."""

    found: int = 0
    deducted: int = 0
    exempted: int = 0

    def counting(self, problems: Iterable[Problem]) -> Iterator[Problem]:
        """``problems`` as they are, counted as they pass."""
        for p in problems:
            if not p.active:
                self.exempted += 1
            elif not p.bonus:
                self.found += 1
                self.deducted += p.points > 0
            yield p


@dataclass(slots=True)
class BrokenCounts:
    """The document's broken links counted in one pass: on the homepage, elsewhere, confirmed."""

    homepage: int = 0
    other: int = 0
    confirmed: int = 0

    @classmethod
    def of(cls, document: Mapping[str, Any]) -> BrokenCounts:
        counts = cls()
        for b in (document.get("links") or {}).get("broken") or []:
            counts.homepage += b.get("scope") == "homepage"
            counts.other += b.get("scope") == "other"
            counts.confirmed += bool(b.get("confirmed"))
        return counts


def _overview(document: Mapping[str, Any], counts: ProblemCounts, broken: BrokenCounts) -> list[tuple[str, str]]:
    pages = document.get("pages") or {}
    links = document.get("links") or {}
    columns = document.get("columns") or []
    homepage = document.get("homepage") or {}
    rows = [
        ("抓取页面", str(pages.get("crawled", 0))),
        ("无法打开的页面", str(pages.get("failed", 0))),
        ("已检查链接", str(links.get("checked", 0))),
        ("首页不可用链接", str(broken.homepage)),
        ("其他页面不可用链接", str(broken.other)),
        ("栏目", str(len(columns))),
        ("不更新栏目", str(sum(1 for c in columns if c.get("stale")))),
        ("空白栏目", str(sum(1 for c in columns if c.get("blank")))),
    ]
    if homepage:
        rows.append((f"首页近{homepage.get('window_days', '—')}天更新条目", str(homepage.get("items_in_window", 0))))
    availability = document.get("availability") or {}
    if availability.get("measured") and availability.get("failure_ratio") is not None:
        rows.append((f"首页访问失败率（{availability.get('visits')}次）", f"{availability['failure_ratio'] * 100:.1f}%"))
    rows += [("发现问题", str(counts.found)), ("其中扣分问题", str(counts.deducted)),
             ("已豁免/临时报备", str(counts.exempted))]
    return rows


def _score_lines(sheet: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    if not sheet:
        return []
    lines = [("基础分", fmt_points(sheet.get("base"))), ("扣分合计", fmt_points(sheet.get("deducted"))),
             ("扣分项得分", fmt_points(sheet.get("deduction_part")))]
    if sheet.get("scale_factor") not in (None, 1, 1.0):
        lines.append(("折算系数", f"{sheet['scale_factor']:.4g}（{'、'.join(sheet.get('skipped_groups') or [])}不适用）"))
    if sheet.get("bonus_part") or sheet.get("bonus_note"):
        lines.append(("加分项得分", fmt_points(sheet.get("bonus_part")) + (f"（{sheet['bonus_note']}）"
                                                                      if sheet.get("bonus_note") else "")))
    if sheet.get("adjustments"):
        lines.append(("加减分", fmt_points(sheet.get("adjustments"))))
    if sheet.get("pass_mark") is not None:
        lines.append(("合格线（扣分项得分）", fmt_points(sheet.get("pass_mark"))))
    return lines


def build_view(document: Mapping[str, Any]) -> ReportView:
    """The view model of one inspection document."""
    sheet = document.get("scoring") or None
    site = document.get("site") or {}
    names = {i["id"]: i["name"] for i in (sheet or {}).get("indicators") or []}
    veto_names = {v["id"]: v["name"] for v in (sheet or {}).get("vetoes") or []}
    kinds = {i["id"]: i.get("kind") or "deduction" for i in (sheet or {}).get("indicators") or []}
    by_name = {name: iid for iid, name in reversed(names.items())}
    # Each problem made (and counted) once, kept on disk (core/spool.py): the renderers read them back.
    counts = ProblemCounts()
    problems = Spool(counts.counting(_problem(f, sheet, names, veto_names, kinds, by_name)
                                     for f in document.get("findings") or []))
    verdict, verdict_class = verdict_text(document)
    reasons = [plain_text(r) for r in (sheet or {}).get("reasons") or []]
    all_names = {**veto_names, **names}
    not_assessed = [all_names.get(i, i) for i in (sheet or {}).get("not_assessed") or []]
    if verdict_class == "pending" and not_assessed:
        reasons.append("未评估：" + "、".join(not_assessed))
    ruleset = (sheet or {}).get("ruleset") or {}
    cover = Cover(
        site_name=site.get("name") or "（未识别）", url=site.get("url") or "", site_code=site.get("site_code") or "（未识别）",
        as_of=document.get("as_of") or "", ruleset_name=ruleset.get("name") or str(document.get("ruleset") or "—"),
        verdict_text=verdict, verdict_class=verdict_class, score_text=score_text(document), reasons=reasons,
        run_id=(document.get("run") or {}).get("id"),
        incomplete=_incomplete(document))
    notes = []
    if sheet:
        notes.append("已豁免、临时报备期内的问题照常列出，不计分，不列入整改清单。")
    broken = BrokenCounts.of(document)
    return ReportView(cover=cover, overview=_overview(document, counts, broken), score_lines=_score_lines(sheet),
                      vetoes=_veto_rows(sheet), indicators=_indicator_rows(sheet), problems=problems,
                      rectification=Rectification(problems), counts=counts, broken=broken, not_assessed=not_assessed, notes=notes,
                      scored=bool(sheet), checks=_check_rows(document))


def column_type_name(value: str | None) -> str:
    """A column type's Chinese name."""
    return COLUMN_TYPE_LABELS.get(value or "", value or "")
