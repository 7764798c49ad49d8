"""The daily patrol (日巡查): a light pass over a site, not a full crawl.

It reads the homepage and the key columns' list pages, and one link deep from them: the items
listed there, so items published since the previous patrol are read (their wording and links)
while the page budget lasts (list pages show the newest first). Key columns come from the site
config (``key: true``) and from the newest complete full run's columns that are key columns or of
the 动态 / 通知公告 types. The pass runs through the same pipeline as a scan, stored as a run of
kind ``patrol``: never complete (its crawl fact names the patrol), so it never gives a verdict of
the site — ``govwatch runs`` shows it as 巡查. The site measurements (HTTPS, IPv6, cloaking) are
left to the full scans.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from govwatch.core.settings import Settings
from govwatch.core.siteconfig import SiteConfig
from govwatch.pipeline import Inspection, inspect_site_async, site_scope
from govwatch.store.db import Store
from govwatch.store.run_listing import key_column_rows, newest_full_runs

__all__ = ["PATROL_MAX_PAGES", "PATROL_COLUMN_TYPES", "patrol_seeds", "patrol_settings", "patrol_site"]

PATROL_MAX_PAGES = 200  # pages a patrol reads at most
PATROL_COLUMN_TYPES = ("dynamic", "notice")  # 工作动态 and 通知公告: read every day besides the key columns


def patrol_seeds(store: Store, site_id: int, site_config: SiteConfig | None) -> list[str]:
    """The key columns' list pages to start from (besides the homepage), each once."""
    urls = [c.url for c in (site_config or SiteConfig()).key_columns if c.url]
    run_id = newest_full_runs(store).get(site_id)
    if run_id is not None:
        urls += [row["url"] for row in key_column_rows(store, run_id, PATROL_COLUMN_TYPES)]
    return list(dict.fromkeys(urls))


def patrol_settings(settings: Settings, max_pages: int = PATROL_MAX_PAGES) -> Settings:
    """``settings`` for a patrol: one link deep from the seeds, ``max_pages`` pages, no site measurements."""
    crawl = dataclasses.replace(settings.crawl, max_depth=1, max_pages=min(max_pages, settings.crawl.max_pages))
    security = dataclasses.replace(settings.security, enabled=False)
    return dataclasses.replace(settings, crawl=crawl, security=security)


async def patrol_site(url: str, settings: Settings, store: Store, as_of: date, *,
                      site_config: SiteConfig | None = None, max_pages: int = PATROL_MAX_PAGES) -> Inspection:
    """Patrol the site with homepage ``url``; returns the stored ``patrol`` run and its document."""
    homepage, scope = site_scope(url, settings)
    seeds = [u for u in patrol_seeds(store, store.site_id(homepage, scope.prefix), site_config) if u != homepage]
    return await inspect_site_async(homepage, patrol_settings(settings, max_pages), store, as_of=as_of,
                                    site_config=site_config, kind="patrol", seeds=seeds, checks_in_thread=True)
