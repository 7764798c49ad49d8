"""Early warnings (预警): what will break its update deadline soonest, site by site.

Reads each site's newest completed run from the store (its ``columns`` rows,
the homepage included as type ``homepage``) and counts the days left from the
given date: ``expires - as_of``, where ``expires`` is the last day the column's
newest item keeps it inside its window. Negative means already overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from govwatch.store.db import Store
from govwatch.store.run_results import deadline_rows


@dataclass(slots=True)
class Deadline:
    """One column (or the homepage) and the days before it turns stale."""

    site_url: str
    site_name: str | None
    run_id: int
    run_as_of: str
    column: str
    url: str
    type: str
    last_update: str | None
    window: str | None
    expires: str
    days_left: int

    def as_json(self) -> dict[str, Any]:
        return {"site": {"url": self.site_url, "name": self.site_name}, "run_id": self.run_id,
                "run_as_of": self.run_as_of, "column": self.column, "url": self.url, "type": self.type,
                "last_update": self.last_update, "window": self.window, "expires": self.expires,
                "days_left": self.days_left}


def upcoming_deadlines(store: Store, as_of: date, days: int, site_url: str | None = None) -> list[Deadline]:
    """Columns whose deadline is within ``days`` days of ``as_of`` (or past), soonest first per site."""
    out: list[Deadline] = []
    for s_url, s_name, run_id, run_as_of, name, url, ctype, last, details in deadline_rows(store, site_url):
        expires = (details or {}).get("expires")
        if not expires:
            continue  # no update window for this type
        left = (date.fromisoformat(expires) - as_of).days
        if left <= days:
            out.append(Deadline(s_url, s_name, run_id, run_as_of[:10], name, url, ctype, last,
                                (details or {}).get("window"), expires, left))
    out.sort(key=lambda d: (d.site_url, d.days_left, d.column))
    return out
