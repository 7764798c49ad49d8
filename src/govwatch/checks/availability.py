"""首页可用性 / 站点无法访问: failed probe visits in the rule table's availability window.

A pure function of the stored probe rows (``RunData.probes()``): rows are
grouped by target (the homepage, each key column, each business system) and
judged against the rule table's ``availability`` section:

- failed visits / visits >= ``max_failure_ratio`` → ``site_unreachable``
  (homepage: code ``availability.homepage``; key column: ``availability.column``)
  or ``online_system_unreachable`` for a business system (``availability.system``);
- fewer than ``min_daily_visits`` visits on some day of the window →
  ``probe_coverage_low`` (warning): the measurement itself is insufficient, which
  is never reported as the site being unreachable.

No probe rows at all: nothing is reported (availability was not measured).
Every visit counts by its own result, as the national rule counts every visit that
does not open (首页打不开的次数占全部监测次数的比例): a failed visit whose immediate
re-probe opened the page is still a failed visit. The re-probe is evidence only:
``failed_sustained`` (the re-probe failed too), ``failed_transient`` (it opened) and
``failed_unconfirmed`` (no re-probe) split ``failed``.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from fractions import Fraction
from typing import Any

from govwatch.checks import NotAssessed, check
from govwatch.core.clock import SHANGHAI
from govwatch.core.model import Finding
from govwatch.core.windows import count_failures, in_window, parse_at, visit_failed, window_bounds, window_dates
from govwatch.rundata import RunData

MAX_FAILED_IN_EVIDENCE = 50

# target_kind -> (finding kind, code, indicator, label in messages)
_TARGETS = {
    "homepage": ("site_unreachable", "availability.homepage", "首页可用性", "首页"),
    "column": ("site_unreachable", "availability.column", "栏目可用性", "重点栏目"),
    "system": ("online_system_unreachable", "availability.system", "在线系统", "业务系统"),
}
_ORDER = {"homepage": 0, "column": 1, "system": 2}


def _label(kind: str, url: str, data: RunData) -> str:
    base = _TARGETS.get(kind, _TARGETS["column"])[3]
    config = data.site_config
    name = None
    if kind == "system":
        name = next((s.name for s in config.systems if s.url == url), None)
    elif kind == "column":
        name = next((c.name for c in config.key_columns if c.url == url), None)
    return f"{base}“{name}”" if name else base


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def judge_target(kind: str, url: str, rows: list[dict[str, Any]], *, label: str, as_of: date, window_days: int,
                 min_daily_visits: int, max_failure_ratio: float, timeout_s: float) -> list[Finding]:
    """Findings for one probed target from its rows inside the window (oldest first)."""
    finding_kind, code, indicator, _ = _TARGETS.get(kind, _TARGETS["column"])
    visits = len(rows)
    if not visits:
        return []
    failed_rows = [r for r in rows if visit_failed(r)]
    counts = count_failures(rows)
    failed, ratio = counts.failed, counts.ratio
    daily = Counter(parse_at(r["at"]).astimezone(SHANGHAI).date() for r in rows)
    days = window_dates(as_of, window_days)
    per_day = {d.isoformat(): daily.get(d, 0) for d in days}
    per_day_min = min(per_day.values())
    findings: list[Finding] = []
    if failed > 0:
        evidence = {
            "visits": visits, "failed": failed, "failure_ratio": round(ratio, 6), **counts.evidence(),
            "threshold": max_failure_ratio, "window_days": window_days, "visits_per_day_min": per_day_min,
            "rule_timeout_s": timeout_s,
            "probe_timeout_s": sorted({float(r["timeout_s"]) for r in rows if r.get("timeout_s") is not None}),
            "failed_probes": [{"at": r["at"], "status": r.get("status"), "error": r.get("error"),
                               "total_ms": None if r.get("total_ms") is None else round(r["total_ms"], 1),
                               "confirmed_by": r.get("confirmed_by")}
                              for r in failed_rows[:MAX_FAILED_IN_EVIDENCE]],
        }
        if failed > MAX_FAILED_IN_EVIDENCE:
            evidence["failed_probes_omitted"] = failed - MAX_FAILED_IN_EVIDENCE
        message = (f"{label}在{window_days}天内的监测中有{_pct(ratio)}的访问失败（{failed}/{visits}次，"
                   f"≥{max_failure_ratio * 100:g}%）")
        if Fraction(failed, visits) >= Fraction(str(max_failure_ratio)):
            findings.append(Finding(kind=finding_kind, code=code, indicator=indicator, url=url, message=message,
                                    evidence=evidence, severity="error"))
        elif kind == "homepage":  # below the veto line, still deducted by per-1% tables (2015 首页可用性)
            findings.append(Finding(
                kind="homepage_visits_failed", code="availability.homepage_failures", indicator=indicator, url=url,
                message=f"{label}在{window_days}天内的监测中有{_pct(ratio)}的访问失败（{failed}/{visits}次）",
                evidence=evidence, severity="warning"))
    if per_day_min < min_daily_visits:
        short = [d for d, n in per_day.items() if n < min_daily_visits]
        message = (f"{label}的可用性监测不足：{window_days}天内每天应至少访问{min_daily_visits}次，"
                   f"最少的一天只有{per_day_min}次（{len(short)}天不足），可用性结论不完整")
        findings.append(Finding(
            kind="probe_coverage_low", code="availability.coverage", indicator=indicator, url=url, message=message,
            evidence={"visits": visits, "window_days": window_days, "visits_per_day_min": per_day_min,
                      "min_daily_visits": min_daily_visits, "daily_visits": per_day, "short_days": short},
            severity="warning"))
    return findings


@check("availability.probes", family="availability",
       kinds=("site_unreachable", "homepage_visits_failed", "online_system_unreachable", "probe_coverage_low"))
def availability(data: RunData) -> list[Finding]:
    """Judge every probed target of the site over the availability window."""
    rules = data.rules.availability
    window_days = int(rules["window_days"])
    start, end = window_bounds(data.as_of, window_days)
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in data.probes():
        if in_window(row["at"], start, end):
            groups.setdefault((row.get("target_kind") or "homepage", row["url"]), []).append(row)
    if not any(kind == "homepage" for kind, _ in groups):
        raise NotAssessed(f"首页在{window_days}天监测窗口内没有可用性探测记录，需先运行可用性探测")
    findings: list[Finding] = []
    for (kind, url), rows in sorted(groups.items(), key=lambda item: (_ORDER.get(item[0][0], 3), item[0][1])):
        rows.sort(key=lambda r: parse_at(r["at"]))
        findings.extend(judge_target(
            kind, url, rows, label=_label(kind, url, data), as_of=data.as_of, window_days=window_days,
            min_daily_visits=int(rules["min_daily_visits"]), max_failure_ratio=float(rules["max_failure_ratio"]),
            timeout_s=float(rules["timeout_s"])))
    return findings
