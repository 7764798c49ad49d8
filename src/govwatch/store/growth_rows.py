"""Store growth (docs/deploy.md §3): probe rows rolled up into ``probe_days``, page bodies pruned, sizes.

**Probe roll-up** (:func:`roll_up_probes`). A ``probes`` row whose day (Asia/Shanghai) is older than
the retention window (the ``keep_days`` days ending today) is rolled up into ``probe_days`` per site,
target (kind and URL) and day: visits, failed visits (every visit that did not open the page, as
:func:`~govwatch.core.windows.visit_failed` counts it), and the sum, count and maximum of the measured
total times; then it is deleted. One transaction per site and day: the day's rows are added to its
``probe_days`` row (created when new) and deleted together, so a roll-up that stops half way, or
runs twice, never counts a visit twice or loses one. Availability reads
(:func:`govwatch.store.probes.probes_in_window`,
:func:`govwatch.store.dashboard_rows.availability_days`) count both, so a window's visits, failures
and ratio, day by day, are the same before and after. What a rolled-up day no longer has: each
visit's time, phases, error class and re-probe (its failures count as unconfirmed).

**Body pruning** (:func:`prune_bodies`). Runs and their ``fetches``, ``pages``, ``links`` and
``findings`` rows are never deleted (reports and score sheets need them). A run's page bodies are
*released* when its site has at least ``keep_full_runs`` complete full runs newer than it (a full
run: inspect, manual or scan, completed, the crawl read the site): the newest ``keep_full_runs``
complete full runs and every run since the oldest of them (patrols, re-checks, runs in progress)
keep theirs, and so does every run of a site with fewer complete full runs. In a released run the
``fetches`` row stays (status, size, times) and only its ``body_hash`` is cleared — except the
fetches a finding, a reviewer finding or a rectification ticket of that run points to (its ``url``
or ``source``; a ticket's found run and verify run), which keep their bodies for ever. Then every
body this released that no fetch and no ticket attachment refers to any more is deleted from
``blobs``: a body shared with a kept run stays (bodies are stored once per hash).

**Sizes** (:func:`store_stats`): rows and bytes per table (PostgreSQL: ``pg_total_relation_size``;
SQLite: the ``dbstat`` table, indexes included; null where neither is available), bodies in total
and the 20 sites storing the most.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import SQLAlchemyError

from govwatch.core.clock import SHANGHAI
from govwatch.core.windows import parse_at, visit_failed
from govwatch.store import tables as t
from govwatch.store.db import Store
from govwatch.store.run_listing import FULL_KINDS

__all__ = ["RollUp", "Prune", "roll_up_probes", "probe_rows_before", "prune_bodies", "store_stats", "TOP_SITES"]

TOP_SITES = 20
_CHUNK = 500  # ids per IN list


@dataclass(slots=True)
class RollUp:
    """What :func:`roll_up_probes` did."""

    cutoff: str  # the first day (YYYY-MM-DD) kept as probe rows
    site_days: int = 0  # site-day transactions that rolled rows up
    rows: int = 0  # probe rows rolled up and deleted


@dataclass(slots=True)
class Prune:
    """What :func:`prune_bodies` did (or, with ``dry_run``, would do)."""

    keep_full_runs: int
    dry_run: bool
    released_runs: list[int] = field(default_factory=list)  # runs whose bodies were released
    fetches_cleared: int = 0  # fetches whose body_hash was cleared
    pinned_fetches: int = 0  # fetches of released runs that keep their body (a finding or ticket points to it)
    blobs_deleted: int = 0
    bytes_freed: int = 0  # stored (compressed) bytes of the deleted blobs


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


# -- probe roll-up ------------------------------------------------------------------------------

def _merge_day(conn: Connection, key: tuple[int, str, str, str], visits: int, failures: int, total_sum: float,
               total_count: int, total_max: float | None) -> None:
    """Add one target-day's figures to its ``probe_days`` row (created when new)."""
    d = t.probe_days.c
    site_id, kind, url, day = key
    where = and_(d.site_id == site_id, d.target_kind == kind, d.url == url, d.day == day)
    row = conn.execute(select(d.visits, d.failures, d.total_ms_sum, d.total_ms_count, d.total_ms_max)
                       .where(where)).first()
    if row is None:
        conn.execute(insert(t.probe_days).values(site_id=site_id, target_kind=kind, url=url, day=day, visits=visits,
                                                 failures=failures, total_ms_sum=total_sum,
                                                 total_ms_count=total_count, total_ms_max=total_max))
        return
    highest = [v for v in (row.total_ms_max, total_max) if v is not None]
    conn.execute(update(t.probe_days).where(where).values(
        visits=row.visits + visits, failures=row.failures + failures, total_ms_sum=row.total_ms_sum + total_sum,
        total_ms_count=row.total_ms_count + total_count, total_ms_max=max(highest) if highest else None))


def _roll_up_day(store: Store, site_id: int, day: str, cutoff: str) -> int:
    """Roll up the site's rows whose ``at`` text starts with ``day`` and whose Shanghai day is before
    ``cutoff``, in one transaction; returns how many rows."""
    p = t.probes.c
    after = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    with store.engine.begin() as conn:
        rows = conn.execute(select(p.id, p.target_kind, p.url, p.at, p.ok, p.error, p.total_ms)
                            .where(p.site_id == site_id, p.at >= day, p.at < after)).mappings().all()
        groups: dict[tuple[int, str, str, str], list[Any]] = defaultdict(list)
        for row in rows:
            shanghai_day = parse_at(row["at"]).astimezone(SHANGHAI).date().isoformat()
            if shanghai_day < cutoff:
                groups[(site_id, row["target_kind"], row["url"], shanghai_day)].append(row)
        for key, group in groups.items():
            totals = [float(r["total_ms"]) for r in group if r["total_ms"] is not None]
            _merge_day(conn, key, len(group), sum(visit_failed(r) for r in group), sum(totals), len(totals),
                       max(totals) if totals else None)
        ids = [int(r["id"]) for group in groups.values() for r in group]
        for chunk in _chunks(ids):
            conn.execute(delete(t.probes).where(p.id.in_(chunk)))
    return len(ids)


def roll_up_probes(store: Store, *, keep_days: int, today: date) -> RollUp:
    """Roll up every probe row older than the ``keep_days`` days ending ``today`` (see the module
    docstring); idempotent."""
    if keep_days < 1:
        raise ValueError("keep_days must be at least 1")
    cutoff = (today - timedelta(days=keep_days - 1)).isoformat()
    done = RollUp(cutoff)
    p = t.probes.c
    for site_id in store.site_ids():
        low = ""
        while True:
            with store.engine.connect() as conn:  # the site's oldest row left (one seek of ix_probes_site_at)
                oldest = conn.execute(select(func.min(p.at)).where(p.site_id == site_id, p.at >= low,
                                                                    p.at < cutoff)).scalar()
            if oldest is None:
                break
            day = str(oldest)[:10]
            moved = _roll_up_day(store, site_id, day, cutoff)
            done.site_days += moved > 0
            done.rows += moved
            low = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    return done


def probe_rows_before(store: Store, *, keep_days: int, today: date) -> RollUp:
    """What :func:`roll_up_probes` would roll up (by the ``at`` text's day), changing nothing."""
    if keep_days < 1:
        raise ValueError("keep_days must be at least 1")
    cutoff = (today - timedelta(days=keep_days - 1)).isoformat()
    p = t.probes.c
    days = select(p.site_id, func.substr(p.at, 1, 10).label("day")).where(p.at < cutoff).distinct().subquery()
    with store.engine.connect() as conn:
        rows = int(conn.execute(select(func.count()).where(p.at < cutoff)).scalar() or 0)
        site_days = int(conn.execute(select(func.count()).select_from(days)).scalar() or 0)
    return RollUp(cutoff, site_days, rows)


# -- body pruning -------------------------------------------------------------------------------

def _released_runs(conn: Connection, keep_full_runs: int) -> list[int]:
    """Runs whose site has at least ``keep_full_runs`` complete full runs newer than them."""
    r = t.runs.c
    full: dict[int, list[int]] = defaultdict(list)
    for site_id, run_id in conn.execute(
            select(r.site_id, r.id).where(r.status == "completed", r.kind.in_(FULL_KINDS), r.complete.is_(True))
            .order_by(r.site_id, r.id.desc())):
        full[int(site_id)].append(int(run_id))
    boundary = {site: ids[keep_full_runs - 1] for site, ids in full.items() if len(ids) >= keep_full_runs}
    released: list[int] = []
    for site_id, run_id in conn.execute(select(r.site_id, r.id).order_by(r.id)):
        edge = boundary.get(int(site_id))
        if edge is not None and int(run_id) < edge:
            released.append(int(run_id))
    return released


def _pinned_fetch_ids(conn: Connection, runs: list[int]) -> set[int]:
    """Fetches of ``runs`` (at most :data:`_CHUNK`) that a finding, a reviewer finding or a ticket
    points to (its url or source, in that run) and that still have a body."""
    f, u, k = t.fetches.c, t.urls.c, t.rectify_tickets.c
    refs: set[tuple[int, str]] = set()
    for table in (t.findings, t.reviewer_findings):
        source = table.c.source if "source" in table.c else table.c.url
        for run_id, url, src in conn.execute(select(table.c.run_id, table.c.url, source)
                                             .where(table.c.run_id.in_(runs))):
            refs.update((int(run_id), x) for x in (url, src) if x)
    for found, verify, url, src in conn.execute(select(k.found_run_id, k.verify_run_id, k.url, k.source)
                                                .where(or_(k.found_run_id.in_(runs), k.verify_run_id.in_(runs)))):
        refs.update((int(run_id), x) for run_id in (found, verify) if run_id is not None for x in (url, src) if x)
    pinned: set[int] = set()
    urls = sorted({x for _, x in refs})
    for start in range(0, len(urls), _CHUNK):
        for fetch_id, run_id, url in conn.execute(
                select(f.id, f.run_id, u.url).join(t.urls, u.id == f.url_id)
                .where(f.run_id.in_(runs), f.body_hash.is_not(None), u.url.in_(urls[start:start + _CHUNK]))):
            if (int(run_id), url) in refs:
                pinned.add(int(fetch_id))
    return pinned


# The temporary tables of one pass (each session has its own).
_temp = MetaData()
_candidates = Table("prune_candidates", _temp, Column("hash", String(64), nullable=False), prefixes=["TEMPORARY"])
_pinned = Table("prune_pinned", _temp, Column("id", Integer, primary_key=True), prefixes=["TEMPORARY"])


def prune_bodies(store: Store, *, keep_full_runs: int, dry_run: bool = False) -> Prune:
    """Release old runs' page bodies and delete the blobs nothing refers to any more (see the module
    docstring), in one transaction; with ``dry_run`` the same transaction is rolled back, so the
    figures are exactly what a real pass would do and nothing changes.

    The work stays in the database: the bodies a pass releases are collected in a temporary table
    and the blobs no fetch and no attachment still refers to are found with one anti-join
    (``fetches.body_hash`` has no index, which keeps a crawl's inserts cheap: SQLite builds an
    automatic index for the statement, PostgreSQL a hash anti-join)."""
    if keep_full_runs < 1:
        raise ValueError("keep_full_runs must be at least 1")
    out = Prune(keep_full_runs, dry_run)
    f, b = t.fetches.c, t.blobs.c
    with store.engine.connect() as conn:
        try:
            trans = conn.begin()
            _candidates.create(conn)
            _pinned.create(conn)
            out.released_runs = _released_runs(conn, keep_full_runs)
            for chunk in _chunks(out.released_runs):
                pinned = _pinned_fetch_ids(conn, chunk)
                out.pinned_fetches += len(pinned)
                if pinned:
                    conn.execute(insert(_pinned), [{"id": i} for i in sorted(pinned)])
                releasing = and_(f.run_id.in_(chunk), f.body_hash.is_not(None), f.id.not_in(select(_pinned.c.id)))
                conn.execute(insert(_candidates).from_select(["hash"], select(f.body_hash).where(releasing).distinct()))
                out.fetches_cleared += int(conn.execute(update(t.fetches).where(releasing).values(body_hash=None))
                                           .rowcount)
            released = select(_candidates.c.hash).distinct().subquery()
            a = t.ticket_attachments.c
            orphans = [(str(h), int(n or 0)) for h, n in conn.execute(
                select(released.c.hash, func.length(b.data)).join(t.blobs, b.hash == released.c.hash)
                .outerjoin(t.fetches, f.body_hash == released.c.hash)
                .outerjoin(t.ticket_attachments, a.blob_hash == released.c.hash)
                .where(f.id.is_(None), a.id.is_(None)))]
            out.blobs_deleted = len(orphans)
            out.bytes_freed = sum(n for _, n in orphans)
            for start in range(0, len(orphans), _CHUNK):
                conn.execute(delete(t.blobs).where(b.hash.in_([h for h, _ in orphans[start:start + _CHUNK]])))
            if dry_run:
                trans.rollback()
            else:
                trans.commit()
        finally:
            if conn.in_transaction():
                conn.rollback()
            for table in (_candidates, _pinned):
                conn.execute(text(f"DROP TABLE IF EXISTS {table.name}"))
            conn.commit()
    return out


# -- sizes --------------------------------------------------------------------------------------

def _table_bytes(conn: Connection) -> dict[str, int]:
    """Bytes per table, indexes included ({} when the database cannot tell)."""
    try:
        if conn.dialect.name == "postgresql":
            return {name: int(conn.execute(text("SELECT pg_total_relation_size(CAST(:n AS regclass))"),
                                           {"n": name}).scalar() or 0) for name in t.metadata.tables}
        if conn.dialect.name == "sqlite":
            owner: dict[str, str] = dict(conn.execute(text("SELECT name, tbl_name FROM sqlite_master")).all())
            sizes: dict[str, int] = defaultdict(int)
            for name, size in conn.execute(text("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")):
                sizes[owner.get(name, name)] += int(size or 0)
            return dict(sizes)
    except SQLAlchemyError:
        conn.rollback()
    return {}


def store_stats(store: Store) -> dict[str, Any]:
    """Rows and bytes per table, bodies in total, and the :data:`TOP_SITES` sites storing the most
    body bytes (each distinct body a site's fetches point to, counted once per site)."""
    b, f, r, s = t.blobs.c, t.fetches.c, t.runs.c, t.sites.c
    with store.engine.connect() as conn:
        sizes = _table_bytes(conn)
        tables = [{"table": name, "rows": int(conn.execute(select(func.count()).select_from(table)).scalar() or 0),
                   "bytes": sizes.get(name)} for name, table in sorted(t.metadata.tables.items())]
        count, raw, stored = conn.execute(select(func.count(), func.coalesce(func.sum(b.size), 0),
                                                 func.coalesce(func.sum(func.length(b.data)), 0))).one()
        per_site = (select(r.site_id, f.body_hash).join(t.runs, r.id == f.run_id)
                    .where(f.body_hash.is_not(None)).distinct().subquery())
        body_bytes = func.sum(func.length(b.data))
        top = conn.execute(
            select(per_site.c.site_id, s.url, s.name, func.count().label("bodies"), body_bytes.label("bytes"))
            .join(t.blobs, b.hash == per_site.c.body_hash).join(t.sites, s.id == per_site.c.site_id)
            .group_by(per_site.c.site_id, s.url, s.name).order_by(body_bytes.desc(), per_site.c.site_id)
            .limit(TOP_SITES)).mappings().all()
        probe_rows: dict[int, int] = dict(conn.execute(select(t.probes.c.site_id, func.count()).group_by(t.probes.c.site_id))
                          .all())
        runs: dict[int, int] = dict(conn.execute(select(r.site_id, func.count()).group_by(r.site_id)).all())
    return {
        "tables": tables,
        "bodies": {"count": int(count), "bytes": int(raw), "stored_bytes": int(stored)},
        "sites": [{"site_id": int(row["site_id"]), "url": row["url"], "name": row["name"], "runs": int(runs.get(
            row["site_id"], 0)), "bodies": int(row["bodies"]), "stored_bytes": int(row["bytes"] or 0),
            "probe_rows": int(probe_rows.get(row["site_id"], 0))} for row in top],
    }
