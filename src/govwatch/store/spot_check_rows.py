"""Rows of 抽查 (spot checks): ``spot_checks`` (the draw: population, seed, spec) and
``spot_check_sites`` (each drawn site and the run that inspected it).

Reads and writes only; how a sample is drawn and what the results mean is
:mod:`govwatch.scoring.spot_checks`'s business. Every write records an ``audit_events`` row
(subject ``spot_check``) in the same transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from govwatch.store import tables as t
from govwatch.store.db import Store, inserted_id, now_iso
from govwatch.store.run_results import sheet_from_store
from govwatch.store.ticket_rows import insert_audit

__all__ = ["insert_spot_check", "spot_check_row", "spot_check_rows", "drawn_site_rows", "set_drawn_run",
           "run_verdict_rows"]


def insert_spot_check(store: Store, values: dict[str, Any], drawn: list[tuple[int, str]], actor: str | None) -> int:
    """Store a draw (``spot_checks`` columns name, period, seed, spec, population) and its drawn
    ``(site id, level)`` pairs in one transaction, with its audit event; returns its id."""
    with store.engine.begin() as conn:
        spot_id = inserted_id(conn.execute(insert(t.spot_checks).values(
            **values, created_at=now_iso(), created_by=actor)))
        if drawn:
            conn.execute(insert(t.spot_check_sites),
                         [{"spot_check_id": spot_id, "site_id": site, "level": level} for site, level in drawn])
        insert_audit(conn, "spot_check", spot_id, actor, "draw", None, "drawn", None,
                     {"seed": values["seed"], "drawn": [site for site, _ in drawn]})
    return spot_id


def spot_check_row(store: Store, spot_id: int) -> dict[str, Any] | None:
    """One ``spot_checks`` row as a dict, or None."""
    with store.engine.connect() as conn:
        row = conn.execute(select(t.spot_checks).where(t.spot_checks.c.id == spot_id)).mappings().first()
    return dict(row) if row is not None else None


def spot_check_rows(store: Store) -> list[dict[str, Any]]:
    """Every draw (id, name, period, seed, created_at, created_by) with its count of drawn and
    of inspected sites, newest first."""
    s, d = t.spot_checks.c, t.spot_check_sites.c
    with store.engine.connect() as conn:
        draws = [dict(r) for r in conn.execute(
            select(s.id, s.name, s.period, s.seed, s.created_at, s.created_by).order_by(s.id.desc())).mappings()]
        counts: dict[int, list[int]] = {}
        for spot_id, run_id in conn.execute(select(d.spot_check_id, d.run_id)):
            entry = counts.setdefault(int(spot_id), [0, 0])
            entry[0] += 1
            entry[1] += run_id is not None
    for draw in draws:
        draw["drawn"], draw["inspected"] = counts.get(draw["id"], [0, 0])
    return draws


def drawn_site_rows(store: Store, spot_id: int) -> list[dict[str, Any]]:
    """The drawn sites of a draw, by site id: site_id, level (as drawn), run_id and the site's
    url, name, site_code, sponsor, responsible_unit, org name (``org_name``)."""
    d, s = t.spot_check_sites.c, t.sites.c
    q = (select(d.site_id, d.level, d.run_id, s.url, s.name, s.site_code, s.sponsor, s.responsible_unit,
                t.orgs.c.name.label("org_name"))
         .join(t.sites, s.id == d.site_id).outerjoin(t.orgs, t.orgs.c.id == s.org_id)
         .where(d.spot_check_id == spot_id).order_by(d.site_id))
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def set_drawn_run(store: Store, spot_id: int, site_id: int, run_id: int, actor: str | None) -> bool:
    """Record the run that inspected a drawn site (with its audit event); False when the site was
    not drawn in this draw."""
    d = t.spot_check_sites.c
    with store.engine.begin() as conn:
        done = conn.execute(update(t.spot_check_sites).where(d.spot_check_id == spot_id, d.site_id == site_id)
                            .values(run_id=run_id)).rowcount
        if done:
            insert_audit(conn, "spot_check", spot_id, actor, "record_run", None, None, None,
                         {"site_id": site_id, "run_id": run_id})
    return bool(done)


def run_verdict_rows(store: Store, run_ids: list[int]) -> dict[int, dict[str, Any]]:
    """run id -> status, complete, as_of and its newest score sheet (``sheet``, None when unscored)."""
    if not run_ids:
        return {}
    r, sc = t.runs.c, t.scores.c
    with store.engine.connect() as conn:
        out = {int(row.id): {"status": row.status, "complete": row.complete, "as_of": row.as_of, "sheet": None}
               for row in conn.execute(select(r.id, r.status, r.complete, r.as_of).where(r.id.in_(run_ids)))}
        for run_id, sheet in conn.execute(select(sc.run_id, sc.sheet).where(sc.run_id.in_(run_ids)).order_by(sc.id)):
            if int(run_id) in out:
                out[int(run_id)]["sheet"] = sheet_from_store(sheet)  # ascending ids: the newest sheet is written last
    return out
