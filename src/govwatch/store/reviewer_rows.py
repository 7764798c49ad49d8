"""Reviewer input: ``reviewer_findings``, ``exemptions``, ``assessments``, and their audit events.

Reads and writes only; what the input means (which indicators exist, how it is scored, which
changes are allowed) is :mod:`govwatch.scoring.review`'s business.

A reviewer finding lasts (docs/rectification.md §5): it applies to its own run and every later run
of its site (by run id) until it is withdrawn (``status`` ``withdrawn``: it applies to no run) or
found fixed at run F (``status`` ``fixed``, ``ended_run_id`` F: it applies to the runs before F).
A withdrawn exemption (``withdrawn_at`` set) applies to no run. Every change writes an
``audit_events`` row (subject ``reviewer_finding`` or ``exemption``) in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, or_, select, update

from govwatch.store import tables as t
from govwatch.store.db import Store, StoreError, inserted_id, now_iso
from govwatch.store.ticket_rows import insert_audit

__all__ = ["ReviewRows", "AuditNote", "review_rows", "ReviewerInput", "reviewer_input_of", "insert_reviewer_finding", "insert_exemption",
           "replace_assessment", "reviewer_finding_row", "site_reviewer_findings", "all_reviewer_findings",
           "change_reviewer_finding", "exemption_rows", "withdraw_exemption_row"]

FINDING_SUBJECT = "reviewer_finding"
EXEMPTION_SUBJECT = "exemption"


@dataclass(slots=True)
class ReviewRows:
    """What reviewers stored that applies to one run, as stored."""

    findings: list[dict[str, Any]]  # reviewer_findings rows that apply to the run, oldest first
    exemptions: list[tuple[str, str]]  # (fingerprint, reason): the run's and the site-wide ones not withdrawn
    assessed: list[tuple[str, str]]  # (indicator, note)


@dataclass(frozen=True, slots=True)
class AuditNote:
    """Who changes reviewer input, and why: one audit event."""

    actor: str | None
    action: str  # add, edit, withdraw, fixed, exempt, unexempt
    note: str | None = None
    data: dict[str, Any] | None = None


def _applies_to(run_id: int, site_id: int) -> Any:
    """The reviewer findings that apply to run ``run_id`` of site ``site_id``: entered at that run or
    an earlier one, not withdrawn, and not fixed at or before it."""
    c = t.reviewer_findings.c
    return and_(c.site_id == site_id, c.run_id <= run_id, c.status != "withdrawn",
                or_(c.ended_run_id.is_(None), c.ended_run_id > run_id))


def review_rows(store: Store, run_id: int, site_id: int) -> ReviewRows:
    """The reviewer findings, exemptions (this run's and the site-wide ones, not withdrawn) and
    assessments that apply to a run, read in one transaction."""
    e = t.exemptions.c
    with store.engine.connect() as conn:
        found = [dict(r) for r in conn.execute(select(t.reviewer_findings).where(
            _applies_to(run_id, site_id)).order_by(t.reviewer_findings.c.id)).mappings()]
        exempt = conn.execute(select(e.fingerprint, e.reason).where(
            e.site_id == site_id, e.withdrawn_at.is_(None),
            or_(e.run_id == run_id, e.run_id.is_(None))).order_by(e.id)).all()
        assessed = conn.execute(select(t.assessments.c.indicator, t.assessments.c.note).where(
            t.assessments.c.run_id == run_id)).all()
    return ReviewRows(findings=found, exemptions=[(fp, reason) for fp, reason in exempt],
                      assessed=[(indicator, note) for indicator, note in assessed])


@dataclass(frozen=True, slots=True)
class ReviewerInput:
    """Which of many runs may have reviewer input or filings (a re-score of a province reads the
    rows only for those): sites with reviewer findings, exemptions or filings; runs with assessments."""

    sites: frozenset[int]
    assessed_runs: frozenset[int]

    def may_apply(self, run_id: int, site_id: int) -> bool:
        return site_id in self.sites or run_id in self.assessed_runs


def reviewer_input_of(store: Store, runs: Sequence[tuple[int, int]]) -> ReviewerInput:
    """:class:`ReviewerInput` of the (run id, site id) pairs ``runs``, in four queries."""
    site_ids = sorted({site for _, site in runs})
    run_ids = [run for run, _ in runs]
    with store.engine.connect() as conn:
        sites = set(conn.execute(select(t.reviewer_findings.c.site_id).where(
            t.reviewer_findings.c.site_id.in_(site_ids)).distinct()).scalars())
        sites |= set(conn.execute(select(t.exemptions.c.site_id).where(
            t.exemptions.c.site_id.in_(site_ids)).distinct()).scalars())
        sites |= set(conn.execute(select(t.filings.c.site_id).where(t.filings.c.site_id.in_(site_ids)).distinct()).scalars())
        assessed = set(conn.execute(select(t.assessments.c.run_id).where(
            t.assessments.c.run_id.in_(run_ids)).distinct()).scalars())
    return ReviewerInput(frozenset(int(s) for s in sites), frozenset(int(r) for r in assessed))


def _run_site(conn: Connection, run_id: int) -> int:
    site_id = conn.execute(select(t.runs.c.site_id).where(t.runs.c.id == run_id)).scalar()
    if site_id is None:
        raise StoreError(f"no run with id {run_id}")
    return int(site_id)


def insert_reviewer_finding(store: Store, run_id: int, *, indicator: str, kind: str, url: str, message: str,
                            evidence: dict[str, Any], points: float | None, reviewer: str | None,
                            actor: str | None = None) -> int:
    """Store a reviewer finding of run ``run_id`` (status ``active``) and its ``add`` audit event;
    returns its row id."""
    with store.engine.begin() as conn:
        at = now_iso()
        values = {"run_id": run_id, "site_id": _run_site(conn, run_id), "indicator": indicator, "kind": kind,
                  "url": url, "message": message, "evidence": evidence, "points": points, "reviewer": reviewer,
                  "created_at": at, "status": "active", "updated_at": at}
        finding_id = inserted_id(conn.execute(insert(t.reviewer_findings).values(**values)))
        insert_audit(conn, FINDING_SUBJECT, finding_id, actor or reviewer, "add", None, "active", None,
                     {k: values[k] for k in ("run_id", "indicator", "kind", "url", "message", "points")})
        return finding_id


def reviewer_finding_row(store: Store, finding_id: int) -> dict[str, Any] | None:
    """One ``reviewer_findings`` row, or None."""
    with store.engine.connect() as conn:
        row = conn.execute(select(t.reviewer_findings).where(t.reviewer_findings.c.id == finding_id)).mappings().first()
    return dict(row) if row else None


def site_reviewer_findings(store: Store, site_id: int, *, up_to_run: int | None = None) -> list[dict[str, Any]]:
    """Every reviewer finding of a site in any status (entered at ``up_to_run`` or before, when
    given), oldest first."""
    c = t.reviewer_findings.c
    conditions = [c.site_id == site_id] + ([c.run_id <= up_to_run] if up_to_run is not None else [])
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t.reviewer_findings).where(*conditions).order_by(c.id))
                .mappings()]


def all_reviewer_findings(store: Store) -> list[dict[str, Any]]:
    """Every reviewer finding in the store, oldest first (to find one by its problem ID)."""
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t.reviewer_findings).order_by(t.reviewer_findings.c.id))
                .mappings()]


def change_reviewer_finding(store: Store, finding_id: int, values: dict[str, Any], audit: AuditNote) -> dict[str, Any]:
    """Change a reviewer finding's columns (``values``) and record ``audit`` (with the status before
    and after) in one transaction; returns the row as it is now."""
    c = t.reviewer_findings.c
    with store.engine.begin() as conn:
        before = conn.execute(select(t.reviewer_findings).where(c.id == finding_id)).mappings().first()
        if before is None:
            raise StoreError(f"no reviewer finding with id {finding_id}")
        conn.execute(update(t.reviewer_findings).where(c.id == finding_id).values(**values, updated_at=now_iso()))
        after = conn.execute(select(t.reviewer_findings).where(c.id == finding_id)).mappings().one()
        insert_audit(conn, FINDING_SUBJECT, finding_id, audit.actor, audit.action, before["status"], after["status"],
                     audit.note, audit.data)
        return dict(after)


def insert_exemption(store: Store, site_id: int, run_id: int | None, fingerprint: str, reason: str,
                     reviewer: str | None, actor: str | None = None) -> int:
    """Store an exemption of the finding ``fingerprint`` (``run_id`` None: every run of the site) and
    its ``exempt`` audit event; returns its id."""
    with store.engine.begin() as conn:
        exemption_id = inserted_id(conn.execute(insert(t.exemptions).values(
            site_id=site_id, run_id=run_id, fingerprint=fingerprint, reason=reason, reviewer=reviewer,
            created_at=now_iso())))
        insert_audit(conn, EXEMPTION_SUBJECT, exemption_id, actor or reviewer, "exempt", None, "active", reason,
                     {"site_id": site_id, "run_id": run_id, "fingerprint": fingerprint})
        return exemption_id


def exemption_rows(store: Store, *, exemption_id: int | None = None, fingerprint: str | None = None,
                   site_id: int | None = None) -> list[dict[str, Any]]:
    """``exemptions`` rows (withdrawn ones too), oldest first: the one with ``exemption_id``, those of
    ``fingerprint``, those of ``site_id`` (each condition when given)."""
    e = t.exemptions.c
    conditions = ([e.id == exemption_id] if exemption_id is not None else []) + \
        ([e.fingerprint == fingerprint] if fingerprint is not None else []) + \
        ([e.site_id == site_id] if site_id is not None else [])
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t.exemptions).where(*conditions).order_by(e.id)).mappings()]


def withdraw_exemption_row(store: Store, exemption_id: int, audit: AuditNote) -> bool:
    """Mark an exemption withdrawn and record ``audit`` in one transaction; False when it was
    already withdrawn (nothing written)."""
    e = t.exemptions.c
    with store.engine.begin() as conn:
        changed = conn.execute(update(t.exemptions).where(e.id == exemption_id, e.withdrawn_at.is_(None))
                               .values(withdrawn_at=now_iso())).rowcount
        if changed:
            insert_audit(conn, EXEMPTION_SUBJECT, exemption_id, audit.actor, audit.action, "active", "withdrawn",
                         audit.note, audit.data)
        return bool(changed)


def replace_assessment(store: Store, run_id: int, indicator: str, note: str, reviewer: str | None) -> None:
    """Store that ``indicator`` was checked by hand, replacing an earlier note (one transaction)."""
    with store.engine.begin() as conn:
        conn.execute(delete(t.assessments).where(t.assessments.c.run_id == run_id,
                                                 t.assessments.c.indicator == indicator))
        conn.execute(insert(t.assessments).values(run_id=run_id, indicator=indicator, note=note,
                                                  reviewer=reviewer, created_at=now_iso()))
