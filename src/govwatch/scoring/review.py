"""Reviewer input (人工检查): findings a reviewer adds, exemptions, indicators checked by hand.

Everything here is stored beside a run and read by the scorer; nothing changes
the run's own findings, so a re-check or re-score keeps what reviewers said.
A review file (YAML) carries the same three things for many entries at once::

    findings:
      - {indicator: realtime, kind: reviewer_finding, url: http://..., message: 模拟咨询3个工作日未答复, points: 3}
    exempt:
      - {finding: WT-1A2B3C4D5E, reason: 活动预告，日期为活动日期}
    assessed:
      - {indicator: V4, note: 人工通读首页及要闻栏目，未发现严重错误}
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from govwatch.core.catalogue import REVIEWER_CODE, problem_id
from govwatch.core.model import Finding
from govwatch.rules import RuleSet
from govwatch.store.db import Store
from govwatch.store.reviewer_rows import (
    AuditNote,
    all_reviewer_findings,
    change_reviewer_finding,
    exemption_rows,
    insert_exemption,
    insert_reviewer_finding,
    replace_assessment,
    review_rows,
    reviewer_finding_row,
    site_reviewer_findings,
    withdraw_exemption_row,
)
from govwatch.store.ticket_rows import audit_trail

STATUS_LABELS = {"active": "人工录入", "withdrawn": "已撤回", "fixed": "已整改"}


class ReviewError(ValueError):
    """Reviewer input that cannot be used (unknown run, indicator or finding; bad file): exit code 2."""


@dataclass(slots=True)
class ReviewerFinding(Finding):
    """A finding a reviewer entered: its fingerprint includes its row id, so two reviewer findings
    on one URL and indicator never share a problem ID; ``status``, the run it was entered at and the
    run it was fixed at (``ended_run_id``) as stored."""

    finding_id: int = field(kw_only=True)
    status: str = field(default="active", kw_only=True)
    entered_run_id: int | None = field(default=None, kw_only=True)
    ended_run_id: int | None = field(default=None, kw_only=True)

    @property
    def fingerprint(self) -> str:
        """What is wrong and where, and which reviewer finding it is (its row id)."""
        key = "\x1f".join([self.kind, self.url, self.source or "", self.target or "", f"reviewer:{self.finding_id}"])
        return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]

    @property
    def legacy_fingerprint(self) -> str:
        """The fingerprint before reviewer findings had their own (kind and URL only): exemptions
        stored before then name it."""
        return Finding.fingerprint.fget(self)  # type: ignore[attr-defined]


@dataclass(slots=True)
class Review:
    """What reviewers said that applies to one run."""

    findings: list[tuple[ReviewerFinding, str, float | None]]  # (finding, indicator id, points)
    exemptions: dict[str, str]  # fingerprint -> reason
    assessed: dict[str, str]  # indicator/veto id -> note


def reviewer_finding(row: dict[str, Any]) -> ReviewerFinding:
    """A stored reviewer finding as a :class:`ReviewerFinding` (code ``reviewer``)."""
    return ReviewerFinding(kind=row["kind"], code=REVIEWER_CODE, indicator=row["indicator"], url=row["url"],
                           message=row["message"], evidence={**(row["evidence"] or {}), "reviewer": row.get("reviewer")},
                           severity="error", finding_id=int(row["id"]), status=row.get("status") or "active",
                           entered_run_id=row.get("run_id"), ended_run_id=row.get("ended_run_id"))


def load_review(store: Store, run_id: int, site_id: int) -> Review:
    """What applies to a run: the site's reviewer findings entered at this run or before and neither
    withdrawn nor fixed at or before it; the exemptions of this run and the site-wide ones, not
    withdrawn; the run's assessments."""
    rows = review_rows(store, run_id, site_id)
    exemptions = dict(rows.exemptions)
    findings: list[tuple[ReviewerFinding, str, float | None]] = []
    for r in rows.findings:
        f = reviewer_finding(r)
        if f.fingerprint not in exemptions and f.legacy_fingerprint in exemptions:
            exemptions[f.fingerprint] = exemptions[f.legacy_fingerprint]
        findings.append((f, r["indicator"], r["points"]))
    return Review(findings=findings, exemptions=exemptions, assessed=dict(rows.assessed))


def _table_ids(rules: RuleSet) -> dict[str, str]:
    ids = {v["id"]: v["name"] for v in rules.data["vetoes"]}
    ids.update({i["id"]: i["name"] for i in rules.data["indicators"]})
    return ids


def check_indicator(rules: RuleSet, indicator: str) -> None:
    """Raise :class:`ReviewError` unless ``indicator`` is a veto or indicator id of the table."""
    ids = _table_ids(rules)
    if indicator not in ids:
        known = "、".join(f"{k}（{v}）" for k, v in ids.items())
        raise ReviewError(f"规则表 {rules.id} 中没有指标或否决项 {indicator!r}；可用的有：{known}")


def add_finding(store: Store, run_id: int, rules: RuleSet, *, indicator: str, kind: str, url: str, message: str,
                points: float | None = None, evidence: dict[str, Any] | None = None,
                reviewer: str | None = None, actor: str | None = None) -> int:
    """Store a reviewer finding under ``indicator`` (it applies to this run and every later run of
    the site until withdrawn or fixed); returns its row id."""
    check_indicator(rules, indicator)
    if not kind.replace("_", "").isalnum() or not kind[:1].isalpha():
        raise ReviewError(f"问题类型 {kind!r} 须为英文字母开头、由字母数字和下划线组成的词，"
                          "如 broken_link 或 reviewer_finding")
    if not url or not message:
        raise ReviewError("人工检查问题须给出网址（url）和问题描述（message）")
    _check_points(rules, indicator, points)
    return insert_reviewer_finding(store, run_id, indicator=indicator, kind=kind, url=url, message=message,
                                   evidence=evidence or {}, points=points, reviewer=reviewer, actor=actor)


def _check_points(rules: RuleSet, indicator: str, points: float | None) -> None:
    if points is not None and points < 0 and _indicator_kind(rules, indicator) != "adjustment":
        raise ReviewError(f"{indicator} 的分值不能为负数（只有加减分项可填负分）")


def _indicator_kind(rules: RuleSet, indicator: str) -> str:
    spec = next((i for i in rules.data["indicators"] if i["id"] == indicator), None)
    return spec.get("kind", "deduction") if spec else "veto"


def exempt(store: Store, run_id: int, site_id: int, fingerprint: str, reason: str, *,
           site_wide: bool = False, reviewer: str | None = None, actor: str | None = None) -> int:
    """Exempt the finding with ``fingerprint`` (in this run, or in every run of the site); returns
    the exemption's id."""
    if not reason.strip():
        raise ReviewError("豁免须说明原因（--reason）")
    return insert_exemption(store, site_id, None if site_wide else run_id, fingerprint, reason.strip(), reviewer,
                            actor)


def assess(store: Store, run_id: int, rules: RuleSet, indicator: str, note: str, *, reviewer: str | None = None) -> None:
    """Record that a reviewer checked ``indicator`` by hand (replacing an earlier note)."""
    check_indicator(rules, indicator)
    if not note.strip():
        raise ReviewError("人工核查须写明核查了什么、结果如何（--note）")
    replace_assessment(store, run_id, indicator, note.strip(), reviewer)


# -- lasting input: find, edit, withdraw, mark fixed, history ---------------------------------


def site_findings(store: Store, site_id: int, *, up_to_run: int | None = None) -> list[ReviewerFinding]:
    """Every reviewer finding of a site in any status (entered at ``up_to_run`` or before, when given)."""
    return [reviewer_finding(r) for r in site_reviewer_findings(store, site_id, up_to_run=up_to_run)]


def reviewer_finding_id(store: Store, site_id: int, fingerprint: str) -> int | None:
    """The row id of the site's reviewer finding with ``fingerprint`` (a ticket's), or None."""
    return next((f.finding_id for f in site_findings(store, site_id) if f.fingerprint == fingerprint), None)


def resolve_finding(store: Store, ident: str | int) -> dict[str, Any]:
    """A stored reviewer finding by its row id or its problem ID (``RG-…``) or fingerprint."""
    text = str(ident).strip()
    if text.isdigit():
        row = reviewer_finding_row(store, int(text))
        if row is not None:
            return row
    else:
        wanted = text.upper()
        for row in all_reviewer_findings(store):
            f = reviewer_finding(row)
            if wanted in (problem_id(f), f.fingerprint.upper()):
                return row
    raise ReviewError(f"没有人工检查问题 {text}（编号为 RG- 开头的问题编号或其序号，见 govwatch finding list RUN）")


def _reason(reason: str | None, what: str) -> str:
    if not reason or not reason.strip():
        raise ReviewError(f"{what}须说明原因（--reason）")
    return reason.strip()


def _changeable(store: Store, finding_id: int, what: str, allowed: tuple[str, ...] = ("active",)) -> dict[str, Any]:
    row = resolve_finding(store, finding_id)
    if row["status"] not in allowed:
        raise ReviewError(f"人工检查问题 {problem_id(reviewer_finding(row))} {STATUS_LABELS.get(row['status'], row['status'])}，"
                          f"不能{what}")
    return row


def edit_finding(store: Store, finding_id: int, *, message: str | None = None, points: float | None = None,
                 indicator: str | None = None, rules: RuleSet, actor: str | None, reason: str) -> dict[str, Any]:
    """Change a reviewer finding's message, points or indicator (checked against ``rules``); the
    audit event keeps the values before and after. Returns the row as it is now."""
    row = _changeable(store, finding_id, "修改")
    why = _reason(reason, "修改人工检查问题")
    changes: dict[str, Any] = {}
    if message is not None:
        if not message.strip():
            raise ReviewError("问题描述（--message）不能为空")
        changes["message"] = message.strip()
    if indicator is not None:
        check_indicator(rules, indicator)
        changes["indicator"] = indicator
    if points is not None:
        _check_points(rules, indicator or row["indicator"], points)
        changes["points"] = points
    changes = {k: v for k, v in changes.items() if v != row[k]}
    if not changes:
        raise ReviewError("没有要修改的内容：--message、--points、--indicator 至少给出一项与原值不同的值")
    data = {"before": {k: row[k] for k in changes}, "after": changes}
    return change_reviewer_finding(store, row["id"], changes, AuditNote(actor, "edit", why, data))


def withdraw_finding(store: Store, finding_id: int, *, reason: str, actor: str | None) -> dict[str, Any]:
    """Withdraw a reviewer finding (entered in error): it applies to no run any more, and stays
    stored for the audit trail. Returns the row as it is now."""
    row = _changeable(store, finding_id, "撤回", ("active", "fixed"))
    why = _reason(reason, "撤回人工检查问题")
    return change_reviewer_finding(store, row["id"], {"status": "withdrawn"}, AuditNote(actor, "withdraw", why))


def mark_fixed(store: Store, finding_id: int, run_id: int, *, actor: str | None, reason: str) -> dict[str, Any]:
    """Mark a reviewer finding fixed (整改) as of run ``run_id`` of its site, a run after the one it was
    entered at: it applies to the runs before ``run_id`` only. A reviewer or the re-check of its
    ticket calls this. Returns the row as it is now."""
    from govwatch.store.db import StoreError
    row = _changeable(store, finding_id, "标记为已整改")
    why = _reason(reason, "标记已整改")
    try:
        run = store.run(run_id)
    except StoreError:
        raise ReviewError(f"没有编号为 {run_id} 的检查运行") from None
    if run["site_id"] != row["site_id"]:
        raise ReviewError(f"运行 {run_id} 不是该问题所在网站的运行")
    if run_id <= row["run_id"]:
        raise ReviewError(f"运行 {run_id} 不晚于录入该问题的运行 {row['run_id']}：整改须以之后的运行为准")
    return change_reviewer_finding(store, row["id"], {"status": "fixed", "ended_run_id": run_id},
                                   AuditNote(actor, "fixed", why, {"run_id": run_id}))


def finding_history(store: Store, finding_id: int) -> list[dict[str, Any]]:
    """The audit trail of a reviewer finding, oldest first (add, edit, withdraw, fixed events)."""
    row = resolve_finding(store, finding_id)
    return audit_trail(store, "reviewer_finding", row["id"])


def active_exemptions(store: Store, ident: str | int) -> list[dict[str, Any]]:
    """The exemptions not withdrawn that ``ident`` names: an exemption id, or a finding's problem ID
    (``LJ-…``) or fingerprint (all of that finding's exemptions)."""
    text = str(ident).strip()
    if text.isdigit():
        rows = exemption_rows(store, exemption_id=int(text))
    else:
        key = text.upper().split("-", 1)[-1]
        rows = [r for r in exemption_rows(store) if r["fingerprint"].upper() == key
                or (len(key) == 10 and r["fingerprint"][:10].upper() == key)]
    active = [r for r in rows if r["withdrawn_at"] is None]
    if not active:
        raise ReviewError(f"没有未撤销的豁免 {text}（豁免编号，或被豁免问题的问题编号）")
    return active


def withdraw_exemption(store: Store, exemption_id: int, *, reason: str, actor: str | None) -> dict[str, Any]:
    """Withdraw an exemption: it applies to no run any more (the audit trail says who and why).
    Returns the row as it is now."""
    rows = exemption_rows(store, exemption_id=exemption_id)
    if not rows:
        raise ReviewError(f"没有编号为 {exemption_id} 的豁免")
    why = _reason(reason, "撤销豁免")
    if not withdraw_exemption_row(store, exemption_id, AuditNote(actor, "unexempt", why)):
        raise ReviewError(f"豁免 {exemption_id} 已于 {rows[0]['withdrawn_at']} 撤销")
    return exemption_rows(store, exemption_id=exemption_id)[0]


def read_review_file(path: str | Path) -> dict[str, list[dict[str, Any]]]:
    """A review YAML file's entries, checked for shape (values are checked when applied)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ReviewError(f"无法读取复核文件 {path}：{exc.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ReviewError(f"复核文件 {path} 不是有效的 UTF-8 YAML：{exc}") from None
    if not isinstance(data, dict) or set(data) - {"findings", "exempt", "assessed"}:
        raise ReviewError(f"复核文件 {path}：顶层须为映射，只能含 findings、exempt、assessed 三项")
    out: dict[str, list[dict[str, Any]]] = {}
    for key, needed in (("findings", ("indicator", "url", "message")), ("exempt", ("finding", "reason")),
                        ("assessed", ("indicator", "note"))):
        entries = data.get(key) or []
        if not isinstance(entries, list):
            raise ReviewError(f"复核文件 {path}：{key} 须为列表")
        for n, entry in enumerate(entries):
            if not isinstance(entry, dict) or any(not entry.get(k) for k in needed):
                raise ReviewError(f"复核文件 {path}：{key} 的第 {n + 1} 项须给出 {'、'.join(needed)}")
        out[key] = entries
    return out
