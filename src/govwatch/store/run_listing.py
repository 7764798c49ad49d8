"""Runs by kind: the list ``govwatch runs`` prints, the full runs reports rely on, run kinds.

``runs.kind`` says who made a run: ``inspect`` (by hand; shown as *manual*), ``scan`` (a full scan
by the service), ``patrol`` (the service's daily light pass, never a verdict of the site). Probes are
not runs: :func:`probe_day_rows` sums them per site and day for the listing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, case, func, select, update

from govwatch.store import tables as t
from govwatch.store.db import RESUMABLE_STATUSES, Store

__all__ = ["FULL_KINDS", "set_run_kind", "resumable_run_of", "run_rows", "probe_day_rows", "newest_full_select", "newest_score_join", "newest_score_value", "newest_full_runs",
           "run_site_config", "key_column_rows", "abandon_runs"]

FULL_KINDS = ("inspect", "manual", "scan")  # runs that read the whole site (a verdict may come of them)


def set_run_kind(store: Store, run_id: int, kind: str) -> None:
    """Record who made the run (``runs.kind``)."""
    with store.engine.begin() as conn:
        conn.execute(update(t.runs).where(t.runs.c.id == run_id).values(kind=kind))


def resumable_run_of(store: Store, site_id: int, kinds: Sequence[str]) -> int | None:
    """The newest unfinished run of the site of one of ``kinds`` (``inspect --resume`` and the
    service's scans never continue a patrol)."""
    with store.engine.connect() as conn:
        row = conn.execute(
            select(t.runs.c.id).where(t.runs.c.site_id == site_id, t.runs.c.status.in_(RESUMABLE_STATUSES),
                                      t.runs.c.kind.in_(list(kinds)))
            .order_by(t.runs.c.id.desc()).limit(1)).first()
    return int(row[0]) if row else None


def abandon_runs(store: Store, kind: str, error: str) -> list[int]:
    """Mark every unfinished run of ``kind`` failed with ``error`` (patrols left by a stopped service
    are not continued); returns their ids."""
    where = and_(t.runs.c.kind == kind, t.runs.c.status.in_(RESUMABLE_STATUSES))
    with store.engine.begin() as conn:
        ids = [int(i) for i in conn.execute(select(t.runs.c.id).where(where)).scalars()]
        if ids:
            conn.execute(update(t.runs).where(t.runs.c.id.in_(ids)).values(status="failed", error=error))
    return ids


def newest_score_join(run_id: Any) -> Any:
    """The condition joining ``scores`` to the newest score sheet (any rule table) of the run
    ``run_id`` (a column of the outer query): the greatest id among the run's sheets, looked up by
    index (a subquery grouping all of ``scores`` by run would read the whole table on PostgreSQL)."""
    newer = t.scores.alias("newer")
    return t.scores.c.id == (select(func.max(newer.c.id)).where(newer.c.run_id == run_id)
                             .correlate_except(newer).scalar_subquery())


def newest_score_value(column: str, run_id: Any) -> Any:
    """One column of the run's newest score sheet (any rule table), as a value of each row of a
    list of runs: looked up by index for each listed run, however many score sheets the store holds
    (a join to ``scores`` lets PostgreSQL hash the whole table for a list of a few hundred runs)."""
    sheet = t.scores.alias("sheet")
    return (select(sheet.c[column]).where(sheet.c.run_id == run_id).order_by(sheet.c.id.desc()).limit(1)
            .correlate_except(sheet).scalar_subquery())


def run_rows(store: Store, *, site_ids: Iterable[int] | None = None,
             kinds: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Runs, oldest first: id, site_id, site_url, site_name, kind (as stored), status, as_of,
    started_at, finished_at, stats, complete, verdict and score (of the run's newest score sheet)."""
    q = (select(t.runs.c.id, t.runs.c.site_id, t.sites.c.url.label("site_url"), t.sites.c.name.label("site_name"),
                t.runs.c.kind, t.runs.c.status, t.runs.c.as_of, t.runs.c.started_at, t.runs.c.finished_at,
                t.runs.c.stats, t.runs.c.complete, newest_score_value("verdict", t.runs.c.id).label("verdict"),
                newest_score_value("score", t.runs.c.id).label("score"))
         .join(t.sites, t.sites.c.id == t.runs.c.site_id)
         .order_by(t.runs.c.id))
    if site_ids is not None:
        q = q.where(t.runs.c.site_id.in_(list(site_ids)))
    if kinds is not None:
        q = q.where(t.runs.c.kind.in_(list(kinds)))
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def probe_day_rows(store: Store, *, site_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """The probes summed per site and day (the ``at`` text's date, Beijing time): site_id, site_url,
    site_name, day, first, last, visits, failed; oldest first."""
    day = func.substr(t.probes.c.at, 1, 10)
    failed = func.sum(case((t.probes.c.ok.is_(False), 1), else_=0))
    q = (select(t.probes.c.site_id, t.sites.c.url.label("site_url"), t.sites.c.name.label("site_name"),
                day.label("day"), func.min(t.probes.c.at).label("first"), func.max(t.probes.c.at).label("last"),
                func.count().label("visits"), failed.label("failed"))
         .join(t.sites, t.sites.c.id == t.probes.c.site_id)
         .group_by(t.probes.c.site_id, t.sites.c.url, t.sites.c.name, day)
         .order_by(day, t.probes.c.site_id))
    if site_ids is not None:
        q = q.where(t.probes.c.site_id.in_(list(site_ids)))
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def newest_full_select(*, complete_only: bool = True) -> Any:
    """The query of (site_id, run_id) of each site's newest completed full run (manual or scan;
    only complete ones unless told), to run or to join as a subquery."""
    where = [t.runs.c.status == "completed", t.runs.c.kind.in_(FULL_KINDS)]
    if complete_only:
        where.append(t.runs.c.complete.is_(True))
    return (select(t.runs.c.site_id, func.max(t.runs.c.id).label("run_id"))
            .where(*where).group_by(t.runs.c.site_id))


def newest_full_runs(store: Store, *, complete_only: bool = True) -> dict[int, int]:
    """site id -> its newest completed full run (manual or scan; only complete ones unless told)."""
    with store.engine.connect() as conn:
        return {int(site): int(run) for site, run in conn.execute(newest_full_select(complete_only=complete_only))}


def run_site_config(store: Store, run_id: int) -> dict[str, Any] | None:
    """The site config a run was made with (``runs.settings["site_config"]``), or None."""
    with store.engine.connect() as conn:
        settings = conn.execute(select(t.runs.c.settings).where(t.runs.c.id == run_id)).scalar()
    found = (settings or {}).get("site_config") if isinstance(settings, dict) else None
    return found if isinstance(found, dict) else None


def key_column_rows(store: Store, run_id: int, types: Sequence[str]) -> list[dict[str, Any]]:
    """The run's columns that are key columns or of ``types`` (name, url, type, is_key), not the homepage."""
    c = t.columns.c
    q = (select(c.name, c.url, c.type, c.is_key)
         .where(c.run_id == run_id, c.type != "homepage", (c.is_key.is_(True)) | c.type.in_(list(types)))
         .order_by(c.id))
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]
