"""The job queue of distributed workers (docs/deploy.md §2): every query govwatch makes on
Procrastinate's tables from its own side.

Procrastinate keeps its queue in the store's PostgreSQL database (``procrastinate_*``, applied by
migration 0013). A job is deferred on the **caller's connection** (:func:`defer_in`), inside the
transaction of the state change that causes it: a web job request and its job, a ticket's
verification request and its re-check, commit or roll back together. The workers
(:mod:`govwatch.service.worker`) run the jobs through Procrastinate itself.

On SQLite there is no queue: :func:`uses_job_queue` is false and ``govwatch serve`` runs every job
in-process.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from govwatch.store.db import Store

__all__ = ["QUEUE_TABLE_PREFIX", "QUEUEING_LOCK_INDEX", "QUEUES", "REQUEST_TASKS", "is_queue_table", "outside_queue",
           "uses_job_queue", "site_lock", "defer_in", "defer", "defer_request_in", "queue_stats", "pg_conninfo",
           "FINISHED_STATUSES", "prune_finished_jobs"]

QUEUE_TABLE_PREFIX = "procrastinate_"  # Procrastinate's tables, types and functions: not in tables.py
QUEUEING_LOCK_INDEX = "procrastinate_jobs_queueing_lock_idx_v1"  # at most one waiting job per queueing lock

QUEUES = ("scan", "patrol", "report", "notify", "probe")  # docs/deploy.md §2; probe: the batch prober, no jobs
REQUEST_TASKS = {"inspect": ("scan_site", "scan"), "recheck": ("recheck", "scan"), "rescore": ("rescore", "report")}
"""The task and queue of each kind of ``job_requests`` row (the web's 检查/重新评分, a ticket's 复查)."""

_DEFER = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, :priority, :lock, :queueing_lock, "
    "CAST(:args AS jsonb), CAST(:scheduled_at AS timestamptz))::procrastinate_job_to_defer_v1])")


def is_queue_table(name: str) -> bool:
    """Whether ``name`` is one of the job queue's tables (made by migration 0013, not by tables.py)."""
    return name.startswith(QUEUE_TABLE_PREFIX)


def outside_queue(name: str | None, type_: str, _parents: Any = None) -> bool:
    """Alembic's ``include_name``: compare and autogenerate leave the queue's own objects alone."""
    return not (type_ in ("table", "index") and name is not None and is_queue_table(name))


def uses_job_queue(store: Store) -> bool:
    """Whether the store holds a job queue: PostgreSQL stores do, SQLite ones never."""
    return store.engine.dialect.name == "postgresql"


def pg_conninfo(store: Store) -> str:
    """The store's database as a libpq URL (what Procrastinate's psycopg connector takes)."""
    url = store.engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def defer_in(conn: Connection, task_name: str, args: dict[str, Any], *, queue: str, lock: str | None = None,
             queueing_lock: str | None = None, priority: int = 0,
             scheduled_at: datetime | None = None) -> int | None:
    """Defer the job ``task_name(**args)`` on ``queue`` in ``conn``'s transaction; its id.

    ``lock``: jobs of one lock run one after another; ``queueing_lock``: at most one job of that
    lock waits (``todo``) at a time. When one already waits, nothing is deferred and the result is
    None; the caller's transaction goes on (the attempt runs in a savepoint)."""
    values = {"queue": queue, "task": task_name, "priority": priority, "lock": lock, "queueing_lock": queueing_lock,
              "args": json.dumps(args, ensure_ascii=False), "scheduled_at": scheduled_at}
    try:
        with conn.begin_nested():
            ids = conn.execute(_DEFER, values).scalar_one()
    except IntegrityError as exc:
        diag = getattr(exc.orig, "diag", None)
        if queueing_lock is not None and getattr(diag, "constraint_name", None) == QUEUEING_LOCK_INDEX:
            return None
        raise
    return int(ids[0])


def site_lock(site_id: int) -> str:
    """The job lock of a site's crawls: one scan, patrol or re-check of a site at a time."""
    return f"site:{site_id}"


def defer_request_in(conn: Connection, kind: str, site_id: int, request_id: int) -> int | None:
    """On PostgreSQL, the job that runs the ``job_requests`` row ``request_id`` (just inserted on
    ``conn``), deferred in the same transaction; its id. On SQLite nothing (None): the service's
    scheduler claims the row itself."""
    if conn.dialect.name != "postgresql":
        return None
    task, queue = REQUEST_TASKS[kind]
    args: dict[str, Any] = {"request_id": request_id}
    if kind != "rescore":
        args["site_id"] = site_id
    if kind == "inspect":
        args["kind"] = "manual"
    return defer_in(conn, task, args, queue=queue, lock=None if kind == "rescore" else site_lock(site_id))


def defer(store: Store, task_name: str, args: dict[str, Any], *, queue: str, lock: str | None = None,
          queueing_lock: str | None = None, priority: int = 0, scheduled_at: datetime | None = None) -> int | None:
    """:func:`defer_in` in a transaction of its own (a job no state change goes with: a due scan)."""
    with store.engine.begin() as conn:
        return defer_in(conn, task_name, args, queue=queue, lock=lock, queueing_lock=queueing_lock,
                        priority=priority, scheduled_at=scheduled_at)


def queue_stats(store: Store) -> dict[str, dict[str, int]]:
    """Jobs per queue and status (``todo``, ``doing``, ``failed``, …); empty without a queue."""
    if not uses_job_queue(store):
        return {}
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT queue_name, CAST(status AS text), count(*) FROM procrastinate_jobs "
                                 "GROUP BY queue_name, status ORDER BY queue_name, status"))
        stats: dict[str, dict[str, int]] = {}
        for queue, status, count in rows:
            stats.setdefault(str(queue), {})[str(status)] = int(count)
        return stats


FINISHED_STATUSES = ("succeeded", "failed", "cancelled", "aborted")  # a job in these states never runs again


def prune_finished_jobs(store: Store, *, keep_days: int, dry_run: bool = False) -> int:
    """Delete the queue's finished jobs (:data:`FINISHED_STATUSES`) whose last event is older than
    ``keep_days`` days, with their events; the number deleted (or, with ``dry_run``, that would be).
    Waiting and running jobs are never touched. A worker that gives a busy host's slot back
    finishes a job and defers a copy (about 360 rows an hour behind an hour-long crawl): without
    this the table only grows. 0 without a queue (SQLite)."""
    if not uses_job_queue(store):
        return 0
    old = ("FROM procrastinate_jobs j WHERE CAST(j.status AS text) = ANY(:finished) AND NOT EXISTS ("
           "SELECT 1 FROM procrastinate_events e WHERE e.job_id = j.id "
           "AND e.at >= now() - make_interval(days => :days))")
    params = {"finished": list(FINISHED_STATUSES), "days": keep_days}
    with store.engine.begin() as conn:
        if dry_run:
            return int(conn.execute(text(f"SELECT count(*) {old}"), params).scalar() or 0)
        conn.execute(text("UPDATE procrastinate_periodic_defers SET job_id = NULL WHERE job_id IN "
                          f"(SELECT j.id {old})"), params)
        return int(conn.execute(text(f"DELETE FROM procrastinate_jobs WHERE id IN (SELECT j.id {old})"),
                                params).rowcount)
