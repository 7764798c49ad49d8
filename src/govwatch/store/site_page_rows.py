"""The reads of the dashboard's 站点 and 问题 pages that the aggregate queries
(:mod:`govwatch.store.dashboard_rows`) do not cover: one stored finding by id, a run's columns, a
site's newest probes with their timings, and the stored body of one page of a run.

Reads only, one query each; scoping is the caller's (``govwatch.web.scope``): every function
returns the site a row belongs to, or takes a run the caller has already checked.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from govwatch.store import tables as t
from govwatch.store.blobs import decompress
from govwatch.store.db import Store

__all__ = ["finding_row", "run_columns", "recent_probes", "page_body", "run_site"]


def finding_row(store: Store, finding_id: int) -> dict[str, Any] | None:
    """The stored finding ``finding_id`` (every column) with its run's ``site_id`` and ``as_of``, or None."""
    f = t.findings.c
    q = (select(t.findings, t.runs.c.site_id, t.runs.c.as_of.label("run_as_of"))
         .join(t.runs, t.runs.c.id == f.run_id).where(f.id == finding_id))
    with store.engine.connect() as conn:
        row = conn.execute(q).mappings().first()
    return dict(row) if row is not None else None


def run_site(store: Store, run_id: int) -> int | None:
    """The site of run ``run_id``, or None when there is no such run."""
    with store.engine.connect() as conn:
        found = conn.execute(select(t.runs.c.site_id).where(t.runs.c.id == run_id)).scalar()
    return int(found) if found is not None else None


def run_columns(store: Store, run_id: int) -> list[dict[str, Any]]:
    """The run's columns as stored (name, url, type, type_reason, discovered_by, read_via, parent,
    last_update, items, undated, blank, stale, window_days, days_left as of the run, is_key), key
    columns first, then by name."""
    c = t.columns.c
    q = (select(c.id, c.name, c.url, c.type, c.type_reason, c.discovered_by, c.read_via, c.parent, c.last_update,
                c["items"], c.undated, c.blank, c.stale, c.window_days, c.days_left, c.is_key)
         .where(c.run_id == run_id).order_by(c.is_key.desc(), c.id))
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def recent_probes(store: Store, site_id: int, *, limit: int = 200, target_kind: str = "homepage"
                  ) -> list[dict[str, Any]]:
    """The site's newest ``limit`` probes of ``target_kind``, oldest first: at, ok, status, error,
    and the timings (dns_ms, connect_ms, tls_ms, first_byte_ms, total_ms)."""
    p = t.probes.c
    q = (select(p.at, p.ok, p.status, p.error, p.dns_ms, p.connect_ms, p.tls_ms, p.first_byte_ms, p.total_ms)
         .where(p.site_id == site_id, p.target_kind == target_kind).order_by(p.at.desc(), p.id.desc()).limit(limit))
    with store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(q).mappings()]
    rows.reverse()
    return rows


def page_body(store: Store, run_id: int, url: str) -> tuple[bytes, str] | None:
    """The body the run stored for ``url`` (decompressed) and its Content-Type, or None when the
    run fetched no body there."""
    q = (select(t.blobs.c.data, t.blobs.c.codec, t.fetches.c.content_type)
         .select_from(t.fetches)
         .join(t.urls, t.urls.c.id == t.fetches.c.url_id)
         .join(t.blobs, t.blobs.c.hash == t.fetches.c.body_hash)
         .where(t.fetches.c.run_id == run_id, t.urls.c.url == url)
         .order_by(t.fetches.c.id.desc()).limit(1))
    with store.engine.connect() as conn:
        row = conn.execute(q).first()
    if row is None:
        return None
    return decompress(row[0], row[1]), row[2] or ""
