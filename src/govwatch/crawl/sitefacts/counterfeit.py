"""The run fact ``counterfeit``: the counterfeit pages on record for the inspected site.

``govwatch counterfeit check`` and ``counterfeit candidates --probe`` store pages elsewhere that claim a
registered site's identity in ``counterfeit_suspects`` (docs/counterfeit.md). An inspection copies the
site's open and reported rows (not the closed ones) into its run facts with :func:`counterfeit_fact`, so
that ``checks/counterfeit.py`` reports them in the site's results, offline and reproducibly, like every
other measurement. Reads the store only: no network.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from govwatch.store.counterfeit_rows import suspect_rows
from govwatch.store.db import Store

__all__ = ["counterfeit_fact", "record_counterfeits", "FACT_NAME", "MAX_SUSPECTS"]

FACT_NAME = "counterfeit"
MAX_SUSPECTS = 50  # rows copied per run (newest sightings first)


def _suspect(row: dict[str, Any]) -> dict[str, Any]:
    evidence = row["evidence"] or {}
    host = evidence.get("host") or {}
    return {"id": row["id"], "url": row["url"], "host": row["host"], "verdict": row["verdict"],
            "confidence": row["confidence"], "source": row["source"], "state": row["state"],
            "first_seen_at": row["first_seen_at"], "last_seen_at": row["last_seen_at"],
            "lookalike": host.get("lookalike"), "relation": host.get("relation"), "title": evidence.get("title"),
            "identifiers": [{k: i.get(k) for k in ("which", "label", "value", "where")}
                            for i in evidence.get("identifiers") or []]}


def counterfeit_fact(store: Store, site_id: int) -> dict[str, Any]:
    """The fact for one site: ``suspects`` (open and reported rows, newest first, at most
    :data:`MAX_SUSPECTS`), ``total`` and ``recorded_at``."""
    rows = [r for r in suspect_rows(store, site_id=site_id) if r["state"] != "closed"]
    return {"suspects": [_suspect(r) for r in rows[:MAX_SUSPECTS]], "total": len(rows),
            "recorded_at": datetime.now(UTC).isoformat(timespec="seconds")}


def record_counterfeits(store: Store, run_id: int) -> None:
    """Store the ``counterfeit`` fact of a run once (a resumed run keeps the one it has)."""
    from govwatch.store.site_page_rows import run_site

    if FACT_NAME in store.run_facts(run_id):
        return
    site_id = run_site(store, run_id)
    if site_id is not None:
        store.put_run_fact(run_id, FACT_NAME, counterfeit_fact(store, site_id))
