"""The rules engine: a rule table and a run's findings in, a score sheet out (pure; no I/O).

What the engine does, in order (docs/scoring.md has the worked examples):

1. Findings that a reviewer exempted, or that fall under a temporary filing
   (临时报备), stay visible and score nothing; they trigger no veto. So do findings
   *withheld* because their check was not assessed on a run whose crawl could not read the
   site: "not found" on a site not read is no evidence (a missing 办事服务 channel on pages that
   never opened must not trigger 服务不实用).
2. Vetoes (单项否决): a veto triggers when any of its conditions holds, i.e. when
   at least ``min`` distinct findings match one of the condition's selectors, or
   when a reviewer files a finding under the veto's id.
3. Indicators, in table order: every finding is scored once, by the first
   indicator whose rule matches it (a reviewer finding goes to the indicator it
   names). A column already penalised under one indicator is not penalised
   again under another (``no_double_counting``). Deductions are capped at the
   indicator's ``max``; bonus points likewise; adjustments are signed.
4. Assessment: an indicator or veto is assessed when every finding kind it is
   fed by was looked for in this run (a check producing it ran and could
   judge), or when a reviewer assessed it by hand. Unassessed parts are listed;
   the engine never counts them as full marks: without a complete assessment
   ``score`` is null and ``score_upper_bound`` holds the best the site can get.
5. Score and verdict: deduction part (scaled by base/(base − skipped) for a
   site without 办事服务 when the table says so), bonus part behind its gate,
   adjustments, ``max_total``; any veto, a deduction part below ``pass_mark`` or
   deductions over ``fail_when_deductions_over`` → 不合格. 合格 only when complete.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from govwatch.core.model import Finding
from govwatch.rules.loader import RuleSet

PASS = "合格"
FAIL = "不合格"


@dataclass(slots=True)
class EngineFinding:
    """A finding as the engine sees it: the finding, its problem id and what reviewers said of it."""

    id: str
    finding: Finding
    origin: str = "check"  # check | reviewer
    indicator: str | None = None  # reviewer findings: the table indicator or veto id they are filed under
    points: float | None = None  # reviewer findings: the reviewer's points (else the table's rule)
    exempt: str | None = None  # the reviewer's reason when exempted
    suppressed: str | None = None  # the temporary filing that covers it
    withheld: str | None = None  # why its check was not assessed (an incomplete run): listed, never scored


@dataclass(slots=True)
class SiteProfile:
    """What the tables ask of a site: its role, level and whether it offers 办事服务."""

    role: str = "portal"  # portal | department | subordinate
    level: str | None = None
    has_services: bool = True


@dataclass(slots=True)
class ScoreInput:
    """Everything a score depends on besides the table."""

    findings: Sequence[EngineFinding]
    looked_for: frozenset[str]  # finding kinds that this run's checks looked for (and could judge)
    site: SiteProfile = field(default_factory=SiteProfile)
    reviewed: dict[str, str] = field(default_factory=dict)  # indicator/veto id -> reviewer's note (人工核查)


# -- matching -----------------------------------------------------------------------


def _field(f: EngineFinding, site: SiteProfile, name: str) -> Any:
    if name == "code":
        return f.finding.code
    if name == "severity":
        return f.finding.severity
    if name == "kind":
        return f.finding.kind
    if name.startswith("site."):
        return getattr(site, name[5:], None)
    return f.finding.evidence.get(name)


def _value_matches(actual: Any, wanted: Any) -> bool:
    if isinstance(wanted, dict):
        if not isinstance(actual, (int, float)) or isinstance(actual, bool):
            return False
        ops = {"gt": actual.__gt__, "gte": actual.__ge__, "lt": actual.__lt__, "lte": actual.__le__}
        return all(ops[op](limit) for op, limit in wanted.items())
    if isinstance(wanted, list):
        return any(_value_matches(actual, w) for w in wanted)
    return actual == wanted


def matches(selector: dict[str, Any], f: EngineFinding, site: SiteProfile) -> bool:
    """Whether a finding matches a selector ``{kinds, where}`` of a rule or veto condition."""
    if f.finding.kind not in selector["kinds"]:
        return False
    return all(_value_matches(_field(f, site, name), wanted) for name, wanted in (selector.get("where") or {}).items())


def evidence_fields(rules: RuleSet) -> frozenset[str]:
    """The evidence fields a rule table's selectors match on (``where``) or its rules count by
    (``per.field``): all the engine reads of a finding's evidence (:func:`_field`,
    :func:`_rule_points`)."""
    names: set[str] = set()
    selectors = [sel for veto in rules.data["vetoes"] for cond in veto["conditions"] for sel in cond["match"]]
    selectors += [rule for spec in rules.data["indicators"] for rule in spec.get("rules") or []]
    for sel in selectors:
        names.update(name for name in sel.get("where") or {} if name not in _FINDING_FIELDS
                     and not name.startswith("site."))
        if (per := sel.get("per")) and per.get("field"):
            names.add(per["field"])
    return frozenset(names)


_FINDING_FIELDS = ("code", "severity", "kind")  # where-names read off the finding itself (_field)


def _kinds_of(selectors: Iterable[dict[str, Any]]) -> set[str]:
    return {k for s in selectors for k in s["kinds"]}


def _status(kinds: set[str], looked_for: frozenset[str]) -> tuple[str, list[str]]:
    missing = sorted(kinds - looked_for)
    if not kinds or len(missing) == len(kinds):
        return "not_assessed", missing
    return ("assessed" if not missing else "partial"), missing


def _round(value: float) -> float:
    return round(value, 2) + 0.0  # + 0.0: never -0.0


# -- the engine ---------------------------------------------------------------------


def score(rules: RuleSet, given: ScoreInput) -> dict[str, Any]:
    """The score sheet of one run under one rule table (see the module docstring)."""
    table = rules.data
    scoring = table["scoring"]
    site = given.site
    active = [f for f in given.findings if not f.exempt and not f.suppressed and not f.withheld]
    # Each finding's trace entry is one of the run's few distinct entries (``pool``), replaced, never
    # changed: most findings of a large run score alike (all 26,561 unreadable attachments of a
    # 100,000-page run: unscored, the same note), and each entry is also the ``scoring`` of its
    # finding in the inspection document. Made one per finding, they added 3 MB to the peak at that size.
    pool: dict[tuple[Any, ...], dict[str, Any]] = {}
    trace: dict[str, dict[str, Any]] = {f.id: _shared(_initial_trace(f), pool) for f in given.findings}

    vetoes = [_veto(v, active, given, trace, pool) for v in table["vetoes"]]
    skipped_groups = set()
    if not site.has_services and scoring.get("scaling"):
        skipped_groups = set(scoring["scaling"]["skip_groups"])
    indicators = _indicators(table["indicators"], active, given, trace, pool, skipped_groups,
                             set(scoring.get("no_double_counting") or ()))
    result = _totals(rules, scoring, site, vetoes, indicators)
    result.update({
        "ruleset": {"id": rules.id, "name": rules.name, "source": rules.source},
        "site_profile": {"role": site.role, "level": site.level, "has_services": site.has_services},
        "vetoes": vetoes,
        "indicators": indicators,
        "findings": trace,
    })
    return result


def _shared(entry: dict[str, Any], pool: dict[tuple[Any, ...], dict[str, Any]]) -> dict[str, Any]:
    """``entry``, or the equal trace entry already in ``pool`` (the sheet is read, never changed,
    once it is made)."""
    return pool.setdefault(tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in entry.items()), entry)


def _initial_trace(f: EngineFinding) -> dict[str, Any]:
    if f.exempt:
        status, note = "exempt", f"已豁免：{f.exempt}"
    elif f.suppressed:
        status, note = "suppressed", f"临时报备期内：{f.suppressed}"
    elif f.withheld:
        status, note = "withheld", f"未评估，不计分：{f.withheld}"
    else:
        status, note = "unscored", "评分表中没有对应的扣分项"
    return {"points": 0.0, "indicator": None, "status": status, "note": note, "vetoes": [], "origin": f.origin}


def _veto(veto: dict[str, Any], active: Sequence[EngineFinding], given: ScoreInput,
          trace: dict[str, dict[str, Any]], pool: dict[tuple[Any, ...], dict[str, Any]]) -> dict[str, Any]:
    conditions = []
    kinds: set[str] = set()
    for cond in veto["conditions"]:
        cond_kinds = _kinds_of(cond["match"])
        hits = sorted({f.id for f in active if f.origin == "check" and f.finding.kind in cond_kinds and any(
            matches(sel, f, given.site) for sel in cond["match"])})
        kinds |= cond_kinds
        status, missing = _status(cond_kinds, given.looked_for)
        minimum = int(cond.get("min", 1))
        conditions.append({"label": cond["label"], "count": len(hits), "min": minimum, "holds": len(hits) >= minimum,
                           "status": status, "missing_kinds": missing, "findings": hits})
    filed = sorted(f.id for f in active if f.origin == "reviewer" and f.indicator == veto["id"])
    if filed:
        conditions.append({"label": "人工检查认定", "count": len(filed), "min": 1, "holds": True, "status": "reviewed",
                           "missing_kinds": [], "findings": filed})
    holding = [c for c in conditions if c["holds"]]
    status, missing = _status(kinds, given.looked_for)
    if holding:
        status = "triggered"
    elif veto["id"] in given.reviewed:
        status = "reviewed"
    elif status == "assessed":
        status = "clear"
    found = sorted({i for c in holding for i in c["findings"]})
    for fid in found:
        trace[fid] = _shared({**trace[fid], "vetoes": [*trace[fid]["vetoes"], veto["id"]]}, pool)
    return {"id": veto["id"], "name": veto["name"], "status": status, "triggered": bool(holding),
            "reason": "；".join(f"{c['label']}（{c['count']}处）" for c in holding) or None,
            "conditions": conditions, "findings": found, "missing_kinds": missing,
            "review_note": given.reviewed.get(veto["id"]), "confidence": veto.get("confidence")}


def _rule_points(rule: dict[str, Any], f: EngineFinding) -> float:
    points = float(rule["points"])
    per = rule.get("per")
    if not per:
        return points
    value = f.finding.evidence.get(per["field"])
    if not isinstance(value, (int, float)):
        return 0.0
    units = value / float(per["unit"])
    rounding = per.get("rounding", "exact")
    units = math.floor(units + 1e-9) if rounding == "floor" else math.ceil(units - 1e-9) if rounding == "ceil" else units
    return points * units


def _indicators(specs: Sequence[dict[str, Any]], active: Sequence[EngineFinding], given: ScoreInput,
                trace: dict[str, dict[str, Any]], pool: dict[tuple[Any, ...], dict[str, Any]],
                skipped_groups: set[str], subject_kinds: set[str]) -> list[dict[str, Any]]:
    """Every indicator with the findings it scores (each finding scored once, in table order)."""
    site = given.site
    taken: set[str] = set()
    penalised_subjects: dict[str, str] = {}  # column URL -> indicator name that penalised it
    out = []
    for spec in specs:
        rules = spec.get("rules") or []
        kind = spec.get("kind", "deduction")
        kinds = _kinds_of(rules)
        status, missing = _status(kinds, given.looked_for)
        entry: dict[str, Any] = {
            "id": spec["id"], "name": spec["name"], "group": spec["group"], "kind": kind, "max": spec.get("max"),
            "confidence": spec.get("confidence"), "note": spec.get("note"), "manual": not rules,
            "status": status, "missing_kinds": missing, "raw_points": 0.0, "points": 0.0, "findings": []}
        if spec["group"] in skipped_groups:
            entry["status"] = "skipped"
        once_used: set[int] = set()
        for f in active:
            if f.id in taken or (f.origin != "reviewer" and f.finding.kind not in kinds):  # no rule here matches it
                continue
            if f.origin == "reviewer":
                if f.indicator != spec["id"]:
                    continue
                rule_index, rule = next(((i, r) for i, r in enumerate(rules) if matches(r, f, site)), (None, None))
                points = f.points if f.points is not None else (_rule_points(rule, f) if rule else 0.0)
            else:
                rule_index, rule = next(((i, r) for i, r in enumerate(rules) if matches(r, f, site)), (None, None))
                if rule is None:
                    continue
                points = _rule_points(rule, f)
            taken.add(f.id)
            note = rule.get("label") if rule else None
            if entry["status"] == "skipped":
                points, note = 0.0, "本站不提供办事服务，该项不计分（按比例折算）"
            elif rule is not None and rule.get("once") and rule_index in once_used:
                points, note = 0.0, "同一情形只扣一次"
            elif f.finding.kind in subject_kinds and points:
                earlier = penalised_subjects.get(f.finding.url)
                if earlier and earlier != spec["name"]:
                    points, note = 0.0, f"该栏目已在「{earlier}」中扣分，不重复扣分"
                else:
                    penalised_subjects[f.finding.url] = spec["name"]
            if rule is not None and rule.get("once") and points:
                assert rule_index is not None  # a rule is always found with its index
                once_used.add(rule_index)
            entry["findings"].append({"id": f.id, "points": _round(points), "note": note})
            entry["raw_points"] += points
            trace[f.id] = _shared(dict(trace[f.id], points=_round(points), indicator=spec["id"], status="scored",
                                       note=note or spec["name"]), pool)
        if note := given.reviewed.get(spec["id"]):
            entry["review_note"] = note
        if entry["status"] != "skipped" and (spec["id"] in given.reviewed or any(
                f.origin == "reviewer" and f.indicator == spec["id"] for f in active)):
            entry["status"] = "reviewed"
        raw = entry["raw_points"]
        cap = spec.get("max")
        entry["points"] = _round(raw if kind == "adjustment" or cap is None else min(raw, float(cap)))
        entry["raw_points"] = _round(raw)
        entry["capped"] = kind != "adjustment" and cap is not None and raw > float(cap)
        out.append(entry)
    return out


def _complete(vetoes: Sequence[dict[str, Any]], indicators: Sequence[dict[str, Any]]) -> list[str]:
    """Ids of the vetoes and deduction indicators that are not fully assessed."""
    open_vetoes = [v["id"] for v in vetoes if v["status"] in ("not_assessed", "partial")]
    open_indicators = [i["id"] for i in indicators
                       if i["kind"] == "deduction" and i["status"] in ("not_assessed", "partial")]
    return open_vetoes + open_indicators


def _totals(rules: RuleSet, scoring: dict[str, Any], site: SiteProfile, vetoes: Sequence[dict[str, Any]],
            indicators: Sequence[dict[str, Any]]) -> dict[str, Any]:
    base = float(scoring["base"])
    deductions = [i for i in indicators if i["kind"] == "deduction"]
    deducted = sum(i["points"] for i in deductions)
    skipped_max = sum(float(i["max"] or 0) for i in deductions if i["status"] == "skipped")
    factor = base / (base - skipped_max) if skipped_max else 1.0
    deduction_part = max(0.0, (base - skipped_max - deducted) * factor)

    bonus_part, bonus_note = 0.0, None
    bonus = scoring.get("bonus")
    bonus_items = [i for i in indicators if i["kind"] == "bonus"]
    if bonus and bonus_items:
        earned = min(float(bonus["max"]), sum(i["points"] for i in bonus_items))
        if bonus.get("roles") and site.role not in bonus["roles"]:
            bonus_note = "加分项仅适用于" + "、".join(_ROLE_NAMES[r] for r in bonus["roles"])
        elif deduction_part <= float(bonus["gate"]):
            bonus_note = f"扣分项得分{_round(deduction_part)}分，未超过{bonus['gate']:g}分，加分项不计分"
        else:
            bonus_part = earned
    adjustments = sum(i["points"] for i in indicators if i["kind"] == "adjustment")
    total = deduction_part + bonus_part + adjustments
    total = min(max(total, 0.0), float(scoring.get("max_total", math.inf)))

    reasons = [f"单项否决：{v['name']}（{v['reason']}）" for v in vetoes if v["triggered"]]
    pass_mark = scoring.get("pass_mark")
    if pass_mark is not None and deduction_part < float(pass_mark):
        reasons.append(f"扣分项得分{_round(deduction_part)}分，低于合格线{pass_mark:g}分")
    limit = scoring.get("fail_when_deductions_over")
    if limit is not None and (deducted > float(limit) or (scoring.get("fail_at_exactly") and deducted == float(limit))):
        reasons.append(f"累计扣分{_round(deducted)}分，超过{limit:g}分")
    open_items = _complete(vetoes, indicators)
    vetoed = any(v["triggered"] for v in vetoes)
    veto_score = scoring.get("veto_score", "none")
    if vetoed:
        total = {"none": math.nan, "zero": 0.0}.get(veto_score, total)
    provisional = FAIL if reasons else PASS
    verdict = FAIL if reasons else (PASS if not open_items else None)
    final = None if math.isnan(total) else _round(total)
    # A veto settles the score (none, or 0) whatever is still unassessed; otherwise only a
    # complete assessment gives a score.
    definitive = not open_items or (vetoed and veto_score != "keep")
    return {
        "verdict": verdict,
        "provisional_verdict": provisional,
        "complete": not open_items,
        "not_assessed": open_items,
        "score": final if definitive else None,
        "score_upper_bound": final,
        "reasons": reasons,
        "base": base,
        "deducted": _round(deducted),
        "deduction_part": _round(deduction_part),
        "scale_factor": round(factor, 6),
        "skipped_groups": sorted({i["group"] for i in deductions if i["status"] == "skipped"}),
        "bonus_part": _round(bonus_part),
        "bonus_note": bonus_note,
        "adjustments": _round(adjustments),
        "pass_mark": pass_mark,
    }


_ROLE_NAMES = {"portal": "门户网站", "department": "部门网站", "subordinate": "下属单位网站"}
