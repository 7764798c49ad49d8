"""The service's sites and probe targets: the config's ``sites[]`` and, with ``use_registry``, every
registered site (status 正常), each with its effective schedule.

A site's probe targets are its homepage, its key columns (重点栏目) and business systems: from its
``sites[]`` entry, and for a registered site from the site config its newest run was made with (the
``--site-config`` of its last inspection). A registered site whose registry level (``county``,
``township`` …) names a key of ``site_classes`` gets that class's schedule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govwatch.core.serviceconfig import Schedule, ServiceConfig, effective_schedule
from govwatch.core.siteconfig import BusinessSystem, ColumnOverride, SiteConfig
from govwatch.registry import select_sites
from govwatch.store.db import Store
from govwatch.store.probes import Target, normal_url, site_targets
from govwatch.store.run_listing import newest_full_runs, run_site_config

__all__ = ["ServiceSite", "service_sites", "all_targets"]


@dataclass(slots=True)
class ServiceSite:
    """One watched site: where it is, whose it is, its schedule and its probe targets."""

    url: str  # homepage, normal form
    site_id: int
    name: str | None
    org_code: str | None
    schedule: Schedule
    site_config: SiteConfig
    targets: list[Target] = field(default_factory=list)
    registered: bool = False


def _stored_site_config(data: dict[str, Any] | None) -> SiteConfig:
    """A SiteConfig back from the dict a run stored (``dataclasses.asdict``); empty when unreadable."""
    if not data:
        return SiteConfig()
    columns = [ColumnOverride(**{k: c.get(k) for k in ("url", "name", "type", "window_days")},
                              exclude=bool(c.get("exclude")), key=bool(c.get("key")))
               for c in data.get("columns") or () if isinstance(c, dict)]
    systems = [BusinessSystem(str(s.get("name") or s.get("url")), str(s["url"]))
               for s in data.get("systems") or () if isinstance(s, dict) and s.get("url")]
    return SiteConfig(path=str(data.get("path") or ""), name=data.get("name"), site_code=data.get("site_code"),
                      columns=columns, systems=systems)


def _merged(config: SiteConfig, key_columns: tuple[str, ...], systems: tuple[str, ...]) -> SiteConfig:
    """``config`` plus the config file's key column and system URLs (each URL once)."""
    columns = list(config.columns)
    known = {c.url for c in columns if c.key}
    columns += [ColumnOverride(url=u, key=True) for u in key_columns if u not in known]
    have = {s.url for s in config.systems}
    extra = [BusinessSystem(u, u) for u in systems if u not in have]
    return SiteConfig(path=config.path, name=config.name, site_code=config.site_code, columns=columns,
                      systems=[*config.systems, *extra])


def service_sites(store: Store, config: ServiceConfig, org_code: str | None = None) -> list[ServiceSite]:
    """Every site the service watches, registry sites first (in registry order; of org ``org_code`` and
    the orgs below it when given: :class:`~govwatch.registry.RegistryError` for an unknown code), then
    the config's own."""
    sites: dict[str, ServiceSite] = {}
    if config.use_registry:
        newest = newest_full_runs(store, complete_only=False)
        for reg in select_sites(store, org_code):
            url = normal_url(reg.url)
            run_id = newest.get(reg.id)
            site_config = _stored_site_config(run_site_config(store, run_id) if run_id is not None else None)
            site_class = reg.level if reg.level in config.site_classes else None
            sites[url] = ServiceSite(url, reg.id, reg.name, reg.org_code, effective_schedule(config, url, site_class),
                                     site_config, registered=True)
    for entry in config.sites:
        known = sites.get(entry.url)
        base = known.site_config if known is not None else SiteConfig()
        site_config = _merged(base, entry.key_columns, entry.systems)
        schedule = effective_schedule(config, entry.url)
        if known is not None:
            known.site_config, known.schedule = site_config, schedule
            known.name = known.name or entry.name
            known.org_code = known.org_code or entry.org
        else:
            targets = site_targets(store, entry.url, site_config)
            sites[entry.url] = ServiceSite(entry.url, targets[0].site_id, entry.name, entry.org, schedule, site_config)
    for site in sites.values():
        site.targets = site_targets(store, site.url, site.site_config)
    return list(sites.values())


def all_targets(sites: list[ServiceSite]) -> list[Target]:
    """Every probe target of the sites, each URL once."""
    seen: set[str] = set()
    targets = []
    for site in sites:
        for target in site.targets:
            if target.url not in seen:
                seen.add(target.url)
                targets.append(target)
    return targets
