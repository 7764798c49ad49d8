"""``probe_schedule``: what the distributed prober visits and when, claimed in batches with a lease.

One row per probed target (a site's homepage, key column or business system: ``site_id`` + ``url``)
with its ``interval_s``, ``timeout_s`` and ``next_due_at`` (ISO UTC, always written by
:func:`iso_utc`, so that text order is time order on every database).

- :func:`sync_probe_schedule`: the service's targets in, targets no longer watched out (one transaction).
- :func:`claim_due`: a worker takes up to ``batch`` due rows whose lease is free or expired and leases
  them (``leased_by``, ``leased_until``) in ONE statement: ``UPDATE … WHERE id IN (SELECT … FOR UPDATE
  SKIP LOCKED) RETURNING`` on PostgreSQL (two workers skip each other's rows instead of waiting); on
  SQLite the same statement runs under the database's single write lock. Two claimers never get the
  same row while its lease runs; a worker that died leaves its rows claimable once the lease expires.
- :func:`finish`: the visited rows' next due times, lease released.

Visit times lie on a fixed grid per target (:func:`planned_after`): ``phase + k * interval`` with a
phase from the target's URL, so targets are spread evenly over the interval and jitter never
accumulates (the prober adds its jitter to a planned slot, never to the last visit).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, insert, or_, select, update

from govwatch.store import tables as t
from govwatch.store.db import Store
from govwatch.store.probes import Target

__all__ = ["PlannedTarget", "iso_utc", "planned_after", "sync_probe_schedule", "claim_due", "finish",
           "schedule_rows"]

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class PlannedTarget:
    """A target the service watches and its cadence (from its site's effective schedule)."""

    target: Target
    interval_s: float
    timeout_s: float


def iso_utc(moment: datetime) -> str:
    """``moment`` as the fixed-width ISO UTC text the schedule compares (millisecond precision)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _phase(url: str, interval: float) -> float:
    """A stable offset in [0, interval) from the URL: targets spread evenly over the interval."""
    fraction = int.from_bytes(hashlib.blake2b(url.encode(), digest_size=8).digest(), "big") / 2**64
    return fraction * interval


def planned_after(url: str, interval: float, after: datetime) -> datetime:
    """The target's first grid slot strictly after ``after`` (``phase + k * interval`` since 2000-01-01)."""
    offset = (after - _EPOCH).total_seconds() - _phase(url, interval)
    k = math.floor(offset / interval) + 1
    return _EPOCH + timedelta(seconds=_phase(url, interval) + k * interval)


def sync_probe_schedule(store: Store, targets: Iterable[PlannedTarget], *, now: datetime) -> dict[str, int]:
    """Make ``probe_schedule`` hold exactly ``targets`` (one transaction): new ones due at their first
    grid slot after ``now``; a changed interval, timeout or kind updated (a next due time beyond the new
    interval is brought forward to the next slot); rows of targets no longer watched deleted (a lease
    in flight is dropped with its row). Returns {"added", "updated", "removed"} counts."""
    wanted = {(p.target.site_id, p.target.url): p for p in targets}
    s = t.probe_schedule.c
    added: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    with store.engine.begin() as conn:
        have = {(int(r.site_id), r.url): r for r in conn.execute(
            select(s.id, s.site_id, s.url, s.target_kind, s.interval_s, s.timeout_s, s.next_due_at))}
        gone = [int(r.id) for key, r in have.items() if key not in wanted]
        for key, plan in wanted.items():
            row = have.get(key)
            if row is None:
                added.append({"site_id": plan.target.site_id, "target_kind": plan.target.kind, "url": plan.target.url,
                              "interval_s": plan.interval_s, "timeout_s": plan.timeout_s,
                              "next_due_at": iso_utc(planned_after(plan.target.url, plan.interval_s, now))})
            elif (row.target_kind, row.interval_s, row.timeout_s) != (plan.target.kind, plan.interval_s,
                                                                        plan.timeout_s):
                latest = now + timedelta(seconds=plan.interval_s)
                due = row.next_due_at
                if due > iso_utc(latest):
                    due = iso_utc(planned_after(plan.target.url, plan.interval_s, now))
                changed.append({"row_id": int(row.id), "target_kind": plan.target.kind,
                                "interval_s": plan.interval_s, "timeout_s": plan.timeout_s, "next_due_at": due})
        if added:
            conn.execute(insert(t.probe_schedule), added)
        if changed:
            conn.execute(update(t.probe_schedule).where(s.id == bindparam("row_id"))
                         .values(target_kind=bindparam("target_kind"), interval_s=bindparam("interval_s"),
                                 timeout_s=bindparam("timeout_s"), next_due_at=bindparam("next_due_at")), changed)
        for start in range(0, len(gone), 500):
            conn.execute(delete(t.probe_schedule).where(s.id.in_(gone[start:start + 500])))
    return {"added": len(added), "updated": len(changed), "removed": len(gone)}


def claim_due(store: Store, worker_id: str, now: datetime, batch: int, lease_s: float) -> list[dict[str, Any]]:
    """Lease up to ``batch`` rows due at ``now`` (earliest first) whose lease is free or expired, for
    ``lease_s`` seconds, to ``worker_id``; returns them (id, site_id, target_kind, url, interval_s,
    timeout_s, next_due_at, leased_by, leased_until). One statement (see the module docstring)."""
    s = t.probe_schedule.c
    at = iso_utc(now)
    due = (select(s.id)
           .where(s.next_due_at <= at, or_(s.leased_until.is_(None), s.leased_until <= at))
           .order_by(s.next_due_at, s.id).limit(batch)
           .with_for_update(skip_locked=True))
    claim = (update(t.probe_schedule).where(s.id.in_(due.scalar_subquery()))
             .values(leased_by=worker_id, leased_until=iso_utc(now + timedelta(seconds=lease_s)))
             .returning(s.id, s.site_id, s.target_kind, s.url, s.interval_s, s.timeout_s, s.next_due_at,
                        s.leased_by, s.leased_until))
    with store.engine.begin() as conn:
        rows = [dict(r) for r in conn.execute(claim).mappings()]
    rows.sort(key=lambda r: (r["next_due_at"], r["id"]))
    return rows


def finish(store: Store, ids_with_next_due: Iterable[tuple[int, datetime]], *, worker_id: str | None = None) -> None:
    """Set each visited row's next due time and release its lease (one transaction); with ``worker_id``
    only rows still leased to that worker are touched (a lease that expired and was taken over is
    the new holder's)."""
    params = [{"row_id": row_id, "due": iso_utc(due)} for row_id, due in ids_with_next_due]
    if not params:
        return
    s = t.probe_schedule.c
    where = [s.id == bindparam("row_id")]
    if worker_id is not None:
        where.append(s.leased_by == worker_id)
    stmt = (update(t.probe_schedule).where(and_(*where))
            .values(next_due_at=bindparam("due"), leased_by=None, leased_until=None))
    with store.engine.begin() as conn:
        conn.execute(stmt, params)


def schedule_rows(store: Store) -> list[dict[str, Any]]:
    """Every ``probe_schedule`` row, by id (for listings and tests)."""
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t.probe_schedule).order_by(t.probe_schedule.c.id)).mappings()]
