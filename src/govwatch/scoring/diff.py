"""Re-check after rectification (复查): two runs of one site compared finding by finding.

Findings are matched by fingerprint (what is wrong and where), so a finding is
*fixed* when the later run no longer has it, *new* when only the later run has
it, and *open* when both have it.

Reviewer input is carried forward (docs/rectification.md §5): each run's findings include the
reviewer findings that apply to it, so a reviewer finding is *fixed* only when a reviewer or a
re-check marked it fixed at or before the later run; the later run's exemptions are shown.
Withdrawn reviewer findings apply to neither run and are listed apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from govwatch.core.catalogue import problem_id
from govwatch.core.model import Finding
from govwatch.scoring.review import STATUS_LABELS, ReviewerFinding, load_review, site_findings
from govwatch.store.db import Store
from govwatch.store.run_results import check_findings


def _entry(f: Finding, exemptions: dict[str, str] | None = None, *, later_run: int | None = None) -> dict[str, Any]:
    """A finding as a diff entry; a reviewer finding has its row id and status (as of ``later_run``:
    a finding fixed after it is still 人工录入 there)."""
    entry: dict[str, Any] = {"id": problem_id(f), "kind": f.kind, "indicator": f.indicator, "url": f.url,
                             "target": f.target, "message": f.message, "fingerprint": f.fingerprint,
                             "origin": "check", "exempt": (exemptions or {}).get(f.fingerprint)}
    if isinstance(f, ReviewerFinding):
        status = f.status
        if status == "fixed" and later_run is not None and (f.ended_run_id or 0) > later_run:
            status = "active"
        entry.update(origin="reviewer", reviewer_finding_id=f.finding_id, status=status,
                     status_label=STATUS_LABELS[status])
    return entry


def match_findings(earlier: Iterable[Finding], later: Iterable[Finding]) -> tuple[list[Finding], list[Finding],
                                                                                  list[Finding]]:
    """``(new, fixed, open)``: findings of ``later`` without a match in ``earlier``, those of ``earlier``
    that ``later`` no longer has, and those of ``later`` that ``earlier`` had too (matched by fingerprint)."""
    before = {f.fingerprint: f for f in earlier}
    after = {f.fingerprint: f for f in later}
    return ([f for fp, f in after.items() if fp not in before], [f for fp, f in before.items() if fp not in after],
            [f for fp, f in after.items() if fp in before])


def diff_runs(store: Store, run_a: int, run_b: int) -> dict[str, Any]:
    """``{new, fixed, open, withdrawn}`` between the earlier ``run_a`` and the later ``run_b`` of one
    site: findings of the checks and of reviewers (each run with the reviewer input that applies to
    it); entries carry the later run's exemption reason (``exempt``); ``withdrawn`` lists the site's
    reviewer findings entered by ``run_b`` and withdrawn since."""
    site_id = store.run(run_b)["site_id"]
    review_a, review_b = load_review(store, run_a, site_id), load_review(store, run_b, site_id)
    earlier = check_findings(store, run_a) + [f for f, _, _ in review_a.findings]
    later = check_findings(store, run_b) + [f for f, _, _ in review_b.findings]
    new, fixed, still_open = match_findings(earlier, later)
    withdrawn = [f for f in site_findings(store, site_id, up_to_run=run_b) if f.status == "withdrawn"]
    exempt = review_b.exemptions
    return {"run_a": run_a, "run_b": run_b,
            "new": [_entry(f, exempt, later_run=run_b) for f in new],
            "fixed": [_entry(f, exempt, later_run=run_b) for f in fixed],
            "open": [_entry(f, exempt, later_run=run_b) for f in still_open],
            "withdrawn": [_entry(f, exempt, later_run=run_b) for f in withdrawn]}
