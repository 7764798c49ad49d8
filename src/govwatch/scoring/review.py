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

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from govwatch.core.catalogue import REVIEWER_CODE
from govwatch.core.model import Finding
from govwatch.rules import RuleSet
from govwatch.store.db import Store
from govwatch.store.reviewer_rows import insert_exemption, insert_reviewer_finding, replace_assessment, review_rows


class ReviewError(ValueError):
    """Reviewer input that cannot be used (unknown run, indicator or finding; bad file): exit code 2."""


@dataclass(slots=True)
class Review:
    """What reviewers said about one run."""

    findings: list[tuple[Finding, str, float | None]]  # (finding, indicator id, points)
    exemptions: dict[str, str]  # fingerprint -> reason
    assessed: dict[str, str]  # indicator/veto id -> note


def reviewer_finding(row: dict[str, Any]) -> Finding:
    """A stored reviewer finding as a :class:`Finding` (code ``reviewer``)."""
    return Finding(kind=row["kind"], code=REVIEWER_CODE, indicator=row["indicator"], url=row["url"],
                   message=row["message"], evidence={**(row["evidence"] or {}), "reviewer": row.get("reviewer")},
                   severity="error")


def load_review(store: Store, run_id: int, site_id: int) -> Review:
    """Reviewer findings, exemptions (this run's and the site-wide ones) and assessments of a run."""
    rows = review_rows(store, run_id, site_id)
    return Review(findings=[(reviewer_finding(r), r["indicator"], r["points"]) for r in rows.findings],
                  exemptions=dict(rows.exemptions), assessed=dict(rows.assessed))


def _table_ids(rules: RuleSet) -> dict[str, str]:
    ids = {v["id"]: v["name"] for v in rules.data["vetoes"]}
    ids.update({i["id"]: i["name"] for i in rules.data["indicators"]})
    return ids


def check_indicator(rules: RuleSet, indicator: str) -> None:
    """Raise :class:`ReviewError` unless ``indicator`` is a veto or indicator id of the table."""
    ids = _table_ids(rules)
    if indicator not in ids:
        known = ", ".join(f"{k} ({v})" for k, v in ids.items())
        raise ReviewError(f"rule table {rules.id} has no indicator or veto {indicator!r}; known: {known}")


def add_finding(store: Store, run_id: int, rules: RuleSet, *, indicator: str, kind: str, url: str, message: str,
                points: float | None = None, evidence: dict[str, Any] | None = None,
                reviewer: str | None = None) -> int:
    """Store a reviewer finding under ``indicator``; returns its row id."""
    check_indicator(rules, indicator)
    if not kind.replace("_", "").isalnum() or not kind[:1].isalpha():
        raise ReviewError(f"finding kind {kind!r} must be a word like broken_link or reviewer_finding")
    if not url or not message:
        raise ReviewError("a reviewer finding needs a url and a message")
    if points is not None and points < 0 and _indicator_kind(rules, indicator) != "adjustment":
        raise ReviewError(f"points must not be negative for {indicator} (only adjustment items take signed points)")
    return insert_reviewer_finding(store, run_id, indicator=indicator, kind=kind, url=url, message=message,
                                   evidence=evidence or {}, points=points, reviewer=reviewer)


def _indicator_kind(rules: RuleSet, indicator: str) -> str:
    spec = next((i for i in rules.data["indicators"] if i["id"] == indicator), None)
    return spec.get("kind", "deduction") if spec else "veto"


def exempt(store: Store, run_id: int, site_id: int, fingerprint: str, reason: str, *,
           site_wide: bool = False, reviewer: str | None = None) -> None:
    """Exempt the finding with ``fingerprint`` (in this run, or in every run of the site)."""
    if not reason.strip():
        raise ReviewError("an exemption needs a reason")
    insert_exemption(store, site_id, None if site_wide else run_id, fingerprint, reason.strip(), reviewer)


def assess(store: Store, run_id: int, rules: RuleSet, indicator: str, note: str, *, reviewer: str | None = None) -> None:
    """Record that a reviewer checked ``indicator`` by hand (replacing an earlier note)."""
    check_indicator(rules, indicator)
    if not note.strip():
        raise ReviewError("an assessment needs a note saying what was checked")
    replace_assessment(store, run_id, indicator, note.strip(), reviewer)


def read_review_file(path: str | Path) -> dict[str, list[dict[str, Any]]]:
    """A review YAML file's entries, checked for shape (values are checked when applied)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ReviewError(f"cannot read review file {path}: {exc.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ReviewError(f"review file {path} is not valid UTF-8 YAML: {exc}") from None
    if not isinstance(data, dict) or set(data) - {"findings", "exempt", "assessed"}:
        raise ReviewError(f"review file {path}: top level must be a mapping of findings, exempt, assessed")
    out: dict[str, list[dict[str, Any]]] = {}
    for key, needed in (("findings", ("indicator", "url", "message")), ("exempt", ("finding", "reason")),
                        ("assessed", ("indicator", "note"))):
        entries = data.get(key) or []
        if not isinstance(entries, list):
            raise ReviewError(f"review file {path}: {key} must be a list")
        for n, entry in enumerate(entries):
            if not isinstance(entry, dict) or any(not entry.get(k) for k in needed):
                raise ReviewError(f"review file {path}: {key}[{n}] needs {', '.join(needed)}")
        out[key] = entries
    return out
