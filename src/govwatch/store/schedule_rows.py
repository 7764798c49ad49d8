"""``schedule_state``: when each job of the monitoring service last ran and is next due.

One row per job (``job_key``, e.g. ``patrol:<site url>``, ``scan:<site url>``, ``probe:<target url>``,
``bulletin``). The scheduler (:mod:`govwatch.service.scheduler`) reads them all at start and writes a
row when a job starts and when it finishes, so a restart runs what fell due exactly once and never
re-runs what completed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, insert, select, update

from govwatch.store import tables as t
from govwatch.store.db import Store

__all__ = ["JOB_FIELDS", "job_states", "save_job_state", "save_job_states", "forget_jobs"]

JOB_FIELDS = ("job_kind", "target", "last_started_at", "last_finished_at", "next_due_at", "last_run_id", "last_error")


def job_states(store: Store, kinds: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """job_key -> the job's row (every job, or those of ``kinds``)."""
    q = select(t.schedule_state)
    if kinds is not None:
        q = q.where(t.schedule_state.c.job_kind.in_(list(kinds)))
    with store.engine.connect() as conn:
        return {r["job_key"]: dict(r) for r in conn.execute(q).mappings()}


def _upsert(conn: Any, job_key: str, values: dict[str, Any]) -> None:
    values = {k: v for k, v in values.items() if k in JOB_FIELDS}
    found = conn.execute(select(t.schedule_state.c.job_key).where(t.schedule_state.c.job_key == job_key)).first()
    if found is None:
        conn.execute(insert(t.schedule_state).values(job_key=job_key, **values))
    elif values:
        conn.execute(update(t.schedule_state).where(t.schedule_state.c.job_key == job_key).values(**values))


def save_job_state(store: Store, job_key: str, **values: Any) -> None:
    """Create or update the row of ``job_key`` with ``values`` (columns of :data:`JOB_FIELDS`)."""
    with store.engine.begin() as conn:
        _upsert(conn, job_key, values)


def save_job_states(store: Store, rows: dict[str, dict[str, Any]]) -> None:
    """Several jobs' rows (job_key -> values) in one transaction."""
    if not rows:
        return
    with store.engine.begin() as conn:
        for job_key, values in rows.items():
            _upsert(conn, job_key, values)


def forget_jobs(store: Store, job_keys: Iterable[str]) -> None:
    """Delete the rows of these jobs (targets no longer watched)."""
    keys = list(job_keys)
    if keys:
        with store.engine.begin() as conn:
            conn.execute(delete(t.schedule_state).where(t.schedule_state.c.job_key.in_(keys)))
