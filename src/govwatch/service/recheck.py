"""The verification re-check (复查, docs/rectification.md §1): read again exactly the pages of the
tickets a manager asked to verify, run the checks, and let the tickets be closed or returned.

- :func:`recheck_seeds`: the affected pages — each ticket's ``url`` (for a broken link the page
  holding the link), its ``source`` page, the broken ``target`` itself (so the link is tried
  again), and for column findings the column's list page (the ticket's ``url``);
- :func:`run_recheck`: a run of kind ``recheck`` through the same pipeline as a patrol
  (:func:`~govwatch.pipeline.inspect_site_async` with seeds), reading the homepage and the seeds
  only (one link deeper when a column ticket needs the column's items), at most
  :data:`RECHECK_MAX_PAGES` pages, no site measurements (HTTPS, IPv6, cloaking). Like a patrol it
  is never complete (coverage reason ``crawl.recheck``): no 合格/不合格 comes of it, and no report
  or warning takes it for a site's newest run. Then
  :func:`govwatch.scoring.tickets.apply_verification` decides per ticket (closed, returned, or left
  unverified when its page could not be read);
- :func:`run_recheck_job`: a ``recheck`` job request (``args.tickets``) run by the service's
  scheduler (:mod:`govwatch.service.jobs`), and :func:`run_recheck_now` for the command line.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from govwatch.core import aio
from govwatch.core.clock import today
from govwatch.core.settings import Settings
from govwatch.core.siteconfig import SiteConfig
from govwatch.pipeline import RECHECK_REASON, inspect_site_async
from govwatch.scoring.tickets import apply_verification
from govwatch.service.jobs import JobError
from govwatch.service.patrol import patrol_settings
from govwatch.store.db import Store
from govwatch.store.ticket_rows import ticket_rows

__all__ = ["COLUMN_KINDS", "RECHECK_MAX_PAGES", "RECHECK_REASON", "RecheckError", "recheck_seeds",
           "recheck_settings", "run_recheck", "run_recheck_job", "run_recheck_now"]

RECHECK_MAX_PAGES = 200  # pages a re-check reads at most
COLUMN_KINDS = frozenset({"stale_column", "blank_column", "undated_items", "column_unreadable"})  # url: the list page
TARGET_KINDS = frozenset({"broken_link"})  # findings whose target is fetched again
ACTOR = "service"


class RecheckError(JobError):
    """A re-check that cannot run as asked (its message, in Chinese, says why)."""


def recheck_seeds(store: Store, tickets: Sequence[dict[str, Any]]) -> list[str]:
    """The pages a re-check of ``tickets`` (``rectify_tickets`` rows) reads, each once, in ticket order:
    the ticket's ``url`` (a column finding's url is its list page), its ``source`` and, for a broken
    link, the ``target``. ``store`` is for the tickets' context (kept for a column's pages to come)."""
    del store  # every page a ticket needs is on the ticket itself
    urls: list[str] = []
    for ticket in tickets:
        urls.append(str(ticket["url"]))
        if ticket.get("source"):
            urls.append(str(ticket["source"]))
        if ticket["kind"] in TARGET_KINDS and ticket.get("target"):
            urls.append(str(ticket["target"]))
    return list(dict.fromkeys(urls))


def recheck_settings(settings: Settings, tickets: Sequence[dict[str, Any]],
                     max_pages: int = RECHECK_MAX_PAGES) -> Settings:
    """``settings`` for a re-check: the patrol's light pass (no site measurements, ``max_pages``),
    reading only the seeds, or one link deeper when a ticket is about a column (its items)."""
    light = patrol_settings(settings, max_pages)
    depth = 1 if any(t["kind"] in COLUMN_KINDS for t in tickets) else 0
    return dataclasses.replace(light, crawl=dataclasses.replace(light.crawl, max_depth=depth))


def _tickets_of(store: Store, site_url: str, ticket_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The tickets to verify, all of the site ``site_url``; RecheckError otherwise."""
    ids = [int(i) for i in ticket_ids]
    if not ids:
        raise RecheckError("没有要复查的工单")
    rows = ticket_rows(store, ids)
    missing = sorted(set(ids) - {int(r["id"]) for r in rows})
    if missing:
        raise RecheckError(f"工单不存在：{'、'.join(str(i) for i in missing)}")
    others = sorted({str(r["site_url"]) for r in rows} - {site_url})
    if others:
        raise RecheckError(f"工单不属于网站 {site_url}（属于 {'、'.join(others)}）")
    return rows


async def run_recheck(store: Store, settings: Settings, site_url: str, ticket_ids: Sequence[int], as_of: date, *,
                      site_config: SiteConfig | None = None, max_pages: int = RECHECK_MAX_PAGES,
                      run_started: Callable[[int], None] | None = None) -> int:
    """Re-check the tickets ``ticket_ids`` of the site with homepage ``site_url`` (normal form): a
    ``recheck`` run reading their pages, then :func:`~govwatch.scoring.tickets.apply_verification`
    (actor ``service``). Returns the run's id."""
    tickets = _tickets_of(store, site_url, ticket_ids)
    seeds = [u for u in recheck_seeds(store, tickets) if u != site_url]
    inspection = await inspect_site_async(site_url, recheck_settings(settings, tickets, max_pages), store,
                                          as_of=as_of, site_config=site_config, kind="recheck", seeds=seeds,
                                          run_started=run_started, checks_in_thread=True)
    run_id = inspection.run_id
    await asyncio.to_thread(apply_verification, store, run_id, [int(t["id"]) for t in tickets], actor=ACTOR)
    return run_id


async def run_recheck_job(store: Store, settings: Settings, job: dict[str, Any], url: str, site_config: SiteConfig,
                          as_of: date, run_started: Callable[[int], None] | None = None) -> int:
    """A ``recheck`` job request (``args.tickets``: the ticket ids) of the site with homepage ``url``."""
    tickets = (job.get("args") or {}).get("tickets")
    if not isinstance(tickets, list) or not all(isinstance(i, int) for i in tickets):
        raise RecheckError(f"复查任务的工单编号无效：{tickets!r}")
    return await run_recheck(store, settings, url, tickets, as_of, site_config=site_config, run_started=run_started)


def run_recheck_now(store: Store, settings: Settings, ticket_ids: Sequence[int], as_of: date | None = None, *,
                    site_config: SiteConfig | None = None) -> int:
    """Re-check the tickets now, in this process (``govwatch ticket verify --now``): they must all be of
    one site; ``as_of`` defaults to today (Beijing time). Returns the run's id."""
    rows = ticket_rows(store, [int(i) for i in ticket_ids])
    sites = sorted({str(r["site_url"]) for r in rows})
    if len(sites) > 1:
        raise RecheckError(f"一次复查只能针对一个网站的工单（这些工单属于 {'、'.join(sites)}）")
    if not sites:
        raise RecheckError(f"工单不存在：{'、'.join(str(i) for i in ticket_ids) or '（未指定）'}")
    day = as_of or today()
    return aio.run(run_recheck(store, settings, sites[0], ticket_ids, day, site_config=site_config))

