"""Scoring a stored run: its findings, reviewers' input and the registry, through the rules engine.

``score_stored_run`` re-checks a stored run with any rule table (checks are pure
functions of the stored facts, so no page is fetched again), applies reviewer
findings, exemptions and temporary filings, scores it and stores the sheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, insert

from govwatch.checks import CheckRun, RunData, looked_for, run_checks
from govwatch.model import Finding
from govwatch.report.inspection import problem_id
from govwatch.review import load_review
from govwatch.rules import RuleSet
from govwatch.rules.engine import EngineFinding, ScoreInput, SiteProfile, score
from govwatch.store import tables as t
from govwatch.store.db import Store, now_iso


@dataclass(slots=True)
class ScoredRun:
    """A run's findings (checks' and reviewers'), how its checks went, and its score sheet."""

    data: RunData
    findings: list[Finding]
    check_runs: list[CheckRun]
    engine_findings: list[EngineFinding]
    sheet: dict[str, Any]


def site_profile(store: Store, site_id: int) -> SiteProfile:
    """The registry's role, level and 办事服务 flag of a site (defaults for unregistered sites)."""
    site = store.site(site_id)
    return SiteProfile(role=site.get("role") or "portal", level=site.get("level"),
                       has_services=bool(site.get("has_services", True)))


def _filing_reason(filings: Sequence[dict[str, Any]], kind: str) -> str | None:
    for filing in filings:
        if not filing.get("kinds") or kind in filing["kinds"]:
            return f"{filing['starts']}至{filing['ends']} {filing['reason']}"
    return None


def engine_inputs(store: Store, run_id: int, site_id: int, as_of: date, rules: RuleSet,
                  findings: Sequence[Finding], check_runs: Sequence[CheckRun]) -> tuple[ScoreInput, list[Finding]]:
    """The engine's input for a run, and its reviewer findings as :class:`Finding` objects."""
    from govwatch.registry import active_filings

    review = load_review(store, run_id, site_id)
    filings = active_filings(store, site_id, as_of)
    items: list[EngineFinding] = []
    for f in findings:
        items.append(EngineFinding(id=problem_id(f), finding=f, exempt=review.exemptions.get(f.fingerprint),
                                   suppressed=_filing_reason(filings, f.kind)))
    reviewer = []
    for f, indicator, points in review.findings:
        reviewer.append(f)
        items.append(EngineFinding(id=problem_id(f), finding=f, origin="reviewer", indicator=indicator, points=points,
                                   exempt=review.exemptions.get(f.fingerprint)))
    given = ScoreInput(findings=items, looked_for=looked_for(check_runs), site=site_profile(store, site_id),
                       reviewed=review.assessed)
    return given, reviewer


def score_checked(store: Store, data: Any, findings: list[Finding], check_runs: list[CheckRun]) -> ScoredRun:
    """Score a run whose checks have just run (``data`` is its :class:`StoreRunData`); stores the sheet."""
    given, reviewer = engine_inputs(store, data.run_id, data.site_id, data.as_of, data.rules, findings, check_runs)
    sheet = score(data.rules, given)
    sheet["run_id"] = data.run_id
    sheet["as_of"] = data.as_of.isoformat()
    save_sheet(store, data.run_id, sheet)
    return ScoredRun(data=data, findings=findings + reviewer, check_runs=check_runs,
                     engine_findings=list(given.findings), sheet=sheet)


def score_stored_run(store: Store, run_id: int, rules: RuleSet | None = None) -> ScoredRun:
    """Re-check a stored run (with ``rules``, or the table it was inspected with) and score it."""
    from govwatch.store.rundata import StoreRunData

    data = StoreRunData(store, run_id, rules=rules)
    findings, check_runs = run_checks(data)
    return score_checked(store, data, findings, check_runs)


def save_sheet(store: Store, run_id: int, sheet: dict[str, Any]) -> None:
    """Store (replace) the run's score sheet for the sheet's rule table."""
    ruleset = sheet["ruleset"]["id"]
    with store.engine.begin() as conn:
        conn.execute(delete(t.scores).where(t.scores.c.run_id == run_id, t.scores.c.ruleset == ruleset))
        conn.execute(insert(t.scores).values(run_id=run_id, ruleset=ruleset, computed_at=now_iso(),
                                             verdict=sheet["verdict"], score=sheet["score"], sheet=sheet))
