"""Reviewer input stored beside a run: ``reviewer_findings``, ``exemptions``, ``assessments``.

Reads and writes only; what the input means (which indicators exist, how it is scored) is
:mod:`govwatch.scoring.review`'s business.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, or_, select

from govwatch.store import tables as t
from govwatch.store.db import Store, inserted_id, now_iso

__all__ = ["ReviewRows", "review_rows", "insert_reviewer_finding", "insert_exemption", "replace_assessment"]


@dataclass(slots=True)
class ReviewRows:
    """What reviewers stored about one run, as stored."""

    findings: list[dict[str, Any]]  # reviewer_findings rows, oldest first
    exemptions: list[tuple[str, str]]  # (fingerprint, reason): the run's and the site-wide ones, oldest first
    assessed: list[tuple[str, str]]  # (indicator, note)


def review_rows(store: Store, run_id: int, site_id: int) -> ReviewRows:
    """Reviewer findings, exemptions (this run's and the site-wide ones) and assessments of a run,
    read in one transaction."""
    with store.engine.connect() as conn:
        found = [dict(r) for r in conn.execute(select(t.reviewer_findings).where(
            t.reviewer_findings.c.run_id == run_id).order_by(t.reviewer_findings.c.id)).mappings()]
        exempt = conn.execute(select(t.exemptions.c.fingerprint, t.exemptions.c.reason).where(
            t.exemptions.c.site_id == site_id,
            or_(t.exemptions.c.run_id == run_id, t.exemptions.c.run_id.is_(None))).order_by(t.exemptions.c.id)).all()
        assessed = conn.execute(select(t.assessments.c.indicator, t.assessments.c.note).where(
            t.assessments.c.run_id == run_id)).all()
    return ReviewRows(findings=found, exemptions=[(fp, reason) for fp, reason in exempt],
                      assessed=[(indicator, note) for indicator, note in assessed])


def insert_reviewer_finding(store: Store, run_id: int, *, indicator: str, kind: str, url: str, message: str,
                            evidence: dict[str, Any], points: float | None, reviewer: str | None) -> int:
    """Store a reviewer finding; returns its row id."""
    with store.engine.begin() as conn:
        result = conn.execute(insert(t.reviewer_findings).values(
            run_id=run_id, indicator=indicator, kind=kind, url=url, message=message, evidence=evidence,
            points=points, reviewer=reviewer, created_at=now_iso()))
        return inserted_id(result)


def insert_exemption(store: Store, site_id: int, run_id: int | None, fingerprint: str, reason: str,
                     reviewer: str | None) -> None:
    """Store an exemption of the finding ``fingerprint`` (``run_id`` None: every run of the site)."""
    with store.engine.begin() as conn:
        conn.execute(insert(t.exemptions).values(
            site_id=site_id, run_id=run_id, fingerprint=fingerprint, reason=reason, reviewer=reviewer,
            created_at=now_iso()))


def replace_assessment(store: Store, run_id: int, indicator: str, note: str, reviewer: str | None) -> None:
    """Store that ``indicator`` was checked by hand, replacing an earlier note (one transaction)."""
    with store.engine.begin() as conn:
        conn.execute(delete(t.assessments).where(t.assessments.c.run_id == run_id,
                                                 t.assessments.c.indicator == indicator))
        conn.execute(insert(t.assessments).values(run_id=run_id, indicator=indicator, note=note,
                                                  reviewer=reviewer, created_at=now_iso()))
