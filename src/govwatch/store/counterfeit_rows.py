"""``counterfeit_suspects``: pages elsewhere that claim a registered site's identity (假冒政府网站).

One row per (impersonated site, URL where the page was found). :func:`record_suspect` inserts a new
one (``first_seen_at`` = ``last_seen_at`` = now) or, when the pair is known, refreshes its verdict,
confidence, evidence and ``last_seen_at`` (the ``state`` a reviewer set — reported, closed — is kept).
What a row means is :mod:`govwatch.analysis.counterfeit`'s business (docs/counterfeit.md).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from govwatch.store import tables as t
from govwatch.store.db import Store, inserted_id, now_iso

__all__ = ["record_suspect", "suspect_rows", "set_state", "SOURCES", "STATES"]

SOURCES = ("check", "candidate")
STATES = ("open", "reported", "closed")


def record_suspect(store: Store, *, site_id: int, url: str, host: str, source: str, confidence: float,
                   verdict: str, evidence: dict[str, Any]) -> tuple[int, bool]:
    """Insert or refresh the row of (``site_id``, ``url``); returns (row id, whether it is new)."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    now = now_iso()
    values = {"host": host, "source": source, "confidence": float(confidence), "verdict": verdict,
              "evidence": evidence, "last_seen_at": now}
    c = t.counterfeit_suspects.c
    with store.engine.begin() as conn:
        row = conn.execute(select(c.id).where(c.site_id == site_id, c.url == url)).first()
        if row is not None:
            conn.execute(update(t.counterfeit_suspects).where(c.id == row[0]).values(**values))
            return int(row[0]), False
        new_id = inserted_id(conn.execute(insert(t.counterfeit_suspects).values(
            site_id=site_id, url=url, first_seen_at=now, **values)))
    return new_id, True


def suspect_rows(store: Store, *, site_id: int | None = None, state: str | None = None) -> list[dict[str, Any]]:
    """Rows (of one site, in one state, when given), newest sighting first, with the impersonated
    site's homepage as ``site_url``."""
    c = t.counterfeit_suspects.c
    q = (select(t.counterfeit_suspects, t.sites.c.url.label("site_url"))
         .join(t.sites, t.sites.c.id == c.site_id).order_by(c.last_seen_at.desc(), c.id.desc()))
    if site_id is not None:
        q = q.where(c.site_id == site_id)
    if state is not None:
        q = q.where(c.state == state)
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def set_state(store: Store, suspect_id: int, state: str) -> bool:
    """Set a row's ``state`` (open | reported | closed); False when there is no such row."""
    if state not in STATES:
        raise ValueError(f"unknown state {state!r}")
    c = t.counterfeit_suspects.c
    with store.engine.begin() as conn:
        done = conn.execute(update(t.counterfeit_suspects).where(c.id == suspect_id).values(state=state))
    return bool(done.rowcount)
