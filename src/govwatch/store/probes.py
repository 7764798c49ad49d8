"""Probe rows in the store: which site and target a URL belongs to, writing visits, reading a window.

Probes are stored per site (the ``sites`` row of the site's homepage, the same
row ``govwatch inspect`` uses) with a ``target_kind``:

- ``homepage``: the URL is the site's homepage (the default: a probed URL is a homepage);
- ``system``: the URL is a business system (``systems``) of the site's config;
- ``column``: any other URL probed for the site (a key column of the site config, or a URL
  given with ``govwatch probe URL --site HOMEPAGE``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, select

from govwatch.core.clock import SHANGHAI
from govwatch.core.siteconfig import SiteConfig
from govwatch.core.urls import Scope, normalize_url
from govwatch.core.windows import in_window, parse_at, window_bounds
from govwatch.store import tables as t
from govwatch.store.db import Store

TARGET_KINDS = ("homepage", "column", "system")


class TargetError(ValueError):
    """A URL that cannot be probed (usage error)."""


@dataclass(frozen=True, slots=True)
class Target:
    """Something probed on a schedule: a site's homepage, key column or business system."""

    site_id: int
    site_url: str  # the site's homepage (normal form)
    url: str  # the probed URL (normal form)
    kind: str  # homepage | column | system
    name: str | None = None

    @property
    def label(self) -> str:
        return f"{self.kind}{' ' + self.name if self.name else ''}"


def normal_url(url: str) -> str:
    """The normal form of an http(s) URL, or :class:`TargetError`."""
    norm = normalize_url(url) if isinstance(url, str) else None
    if norm is None:
        raise TargetError(f"not a usable http(s) URL: {url!r}")
    return norm


def site_row(store: Store, homepage: str) -> int:
    """The ``sites`` id of the site with this homepage (created when new, as ``inspect`` does)."""
    return store.site_id(homepage, Scope.for_site(homepage).prefix)


def classify_target(url: str, homepage: str, site_config: SiteConfig | None = None) -> tuple[str, str | None]:
    """(target_kind, name) of a normalised URL probed for the site with ``homepage``."""
    if url == homepage:
        return "homepage", None
    config = site_config or SiteConfig()
    for system in config.systems:
        if system.url == url:
            return "system", system.name
    return "column", next((c.name for c in config.key_columns if c.url == url), None)


def resolve_target(store: Store, url: str, *, site: str | None = None,
                   site_config: SiteConfig | None = None) -> Target:
    """The target a probed URL stands for (see the module docstring for the rule)."""
    norm = normal_url(url)
    homepage = normal_url(site) if site else norm
    kind, name = classify_target(norm, homepage, site_config)
    return Target(site_row(store, homepage), homepage, norm, kind, name)


def site_targets(store: Store, homepage: str, site_config: SiteConfig | None = None) -> list[Target]:
    """A site's homepage, its config's key columns and business systems (each URL once)."""
    home = normal_url(homepage)
    site_id = site_row(store, home)
    targets = [Target(site_id, home, home, "homepage")]
    seen = {home}
    config = site_config or SiteConfig()
    for column in config.key_columns:
        if column.url and column.url not in seen:
            seen.add(column.url)
            targets.append(Target(site_id, home, column.url, "column", column.name))
    for system in config.systems:
        if system.url not in seen:
            seen.add(system.url)
            targets.append(Target(site_id, home, system.url, "system", system.name))
    return targets


def save_rows(store: Store, rows: Iterable[dict[str, Any]]) -> int:
    """Insert ``probes`` rows in one transaction; returns how many."""
    batch = list(rows)
    if batch:
        with store.engine.begin() as conn:
            conn.execute(insert(t.probes), batch)
    return len(batch)


def probes_in_window(store: Store, site_id: int, as_of: date, days: int) -> list[dict[str, Any]]:
    """The site's probe rows in the ``days`` calendar days ending at the end of ``as_of``
    (Asia/Shanghai), oldest first. This is what ``RunData.probes()`` returns for a stored run.

    Days rolled up into ``probe_days`` (store/growth_rows.py) come back as one row per visit they
    counted (:func:`rolled_up_rows`), so counts, failures and ratios per day and per window are what
    the probe rows gave."""
    start, end = window_bounds(as_of, days)
    # ``at`` is ISO text: select a day wider on both sides by text, then compare as times
    # (rows written with another UTC offset still land in the right window).
    low = (start.date() - timedelta(days=1)).isoformat()
    high = (end.date() + timedelta(days=1)).isoformat()
    q = (select(t.probes).where(t.probes.c.site_id == site_id, t.probes.c.at >= low, t.probes.c.at < high)
         .order_by(t.probes.c.at, t.probes.c.id))
    d = t.probe_days.c
    first = start.astimezone(SHANGHAI).date().isoformat()
    rolled = (select(t.probe_days).where(d.site_id == site_id, d.day >= first, d.day <= as_of.isoformat())
              .order_by(d.day, d.target_kind, d.url))
    with store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(q).mappings()]
        days_rows = [dict(r) for r in conn.execute(rolled).mappings()]
    kept = [r for r in rows if in_window(r["at"], start, end)]
    kept += [row for day in days_rows for row in rolled_up_rows(day)]
    kept.sort(key=lambda r: parse_at(r["at"]))
    return kept


def rolled_up_rows(day: dict[str, Any]) -> list[dict[str, Any]]:
    """The visits a ``probe_days`` row counted, as probe rows (``rolled_up`` true): at noon of the
    day (Asia/Shanghai), the failed ones first (``ok`` false, no error class, no re-probe: counted as
    unconfirmed), each with the day's mean total time; phases, status and bytes unknown."""
    mean = day["total_ms_sum"] / day["total_ms_count"] if day["total_ms_count"] else None
    at = f"{day['day']}T12:00:00.000+08:00"
    base = {"id": None, "site_id": day["site_id"], "target_kind": day["target_kind"], "url": day["url"], "at": at,
            "status": None, "error": None, "error_detail": None, "dns_ms": None, "connect_ms": None, "tls_ms": None,
            "first_byte_ms": None, "total_ms": mean, "bytes": None, "timeout_s": None, "confirmed_by": None,
            "rolled_up": True}
    failures = int(day["failures"])
    return [{**base, "ok": i >= failures} for i in range(int(day["visits"]))]
