"""Re-check after rectification (复查): two runs of one site compared finding by finding.

Findings are matched by fingerprint (what is wrong and where), so a finding is
*fixed* when the later run no longer has it, *new* when only the later run has
it, and *open* when both have it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from govwatch.core.catalogue import problem_id
from govwatch.core.model import Finding
from govwatch.scoring.runs import stored_findings
from govwatch.store.db import Store


def _entry(f: Finding) -> dict[str, Any]:
    return {"id": problem_id(f), "kind": f.kind, "indicator": f.indicator, "url": f.url, "target": f.target,
            "message": f.message, "fingerprint": f.fingerprint}


def match_findings(earlier: Iterable[Finding], later: Iterable[Finding]) -> tuple[list[Finding], list[Finding],
                                                                                  list[Finding]]:
    """``(new, fixed, open)``: findings of ``later`` without a match in ``earlier``, those of ``earlier``
    that ``later`` no longer has, and those of ``later`` that ``earlier`` had too (matched by fingerprint)."""
    before = {f.fingerprint: f for f in earlier}
    after = {f.fingerprint: f for f in later}
    return ([f for fp, f in after.items() if fp not in before], [f for fp, f in before.items() if fp not in after],
            [f for fp, f in after.items() if fp in before])


def diff_runs(store: Store, run_a: int, run_b: int) -> dict[str, Any]:
    """``{new, fixed, open}`` lists of findings between the earlier ``run_a`` and the later ``run_b``."""
    new, fixed, still_open = match_findings(stored_findings(store, run_a), stored_findings(store, run_b))
    return {"run_a": run_a, "run_b": run_b, "new": [_entry(f) for f in new], "fixed": [_entry(f) for f in fixed],
            "open": [_entry(f) for f in still_open]}
