"""inspect_site(): crawl → extract → checks → store → inspection document.

The one path used by the CLI, the demo, tests and (later) the web app and the
workers. A crawl that is interrupted leaves its run ``interrupted`` (Ctrl-C)
or ``running`` (kill -9); ``resume=True`` continues the newest such run of the
site without refetching what was committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert

from govwatch.checks import run_checks
from govwatch.crawl.crawler import Crawler, CrawlProgress, CrawlStats
from govwatch.report.inspection import build_inspection
from govwatch.settings import Settings, settings_to_dict
from govwatch.store import tables as t
from govwatch.store.db import Store
from govwatch.store.rundata import StoreRunData
from govwatch.store.writer import RunWriter, resume_state
from govwatch.urls import Scope, normalize_url


class InspectionError(RuntimeError):
    """The inspection could not start (bad URL, store problem); message says why."""


@dataclass(slots=True)
class Inspection:
    """The outcome of one inspection."""

    run_id: int
    document: dict[str, Any]  # the inspection JSON (schema_version 1)
    stats: CrawlStats | None
    resumed: bool


def site_scope(url: str, settings: Settings) -> tuple[str, Scope]:
    """The normalised homepage URL and the crawl scope of the site."""
    norm = normalize_url(url)
    if norm is None:
        raise InspectionError(f"not a usable http(s) URL: {url!r}")
    c = settings.crawl
    scope = Scope.for_site(norm, extra_hosts=tuple(c.extra_hosts), excluded_prefixes=tuple(c.excluded_prefixes))
    return norm, scope


async def inspect_site_async(url: str, settings: Settings, store: Store, *, as_of: date, resume: bool = False,
                             progress: Callable[[CrawlProgress], None] | None = None) -> Inspection:
    """Crawl and check one site; returns the stored run and its inspection document."""
    homepage, scope = site_scope(url, settings)
    site_id = store.site_id(homepage, scope.prefix)
    run_id = store.resumable_run(site_id) if resume else None
    state = None
    if run_id is not None:
        state = resume_state(store, run_id)
        store.set_run_status(run_id, "running")
    else:
        run_id = store.create_run(site_id, as_of.isoformat(), settings_to_dict(settings))
    writer = RunWriter(store, run_id)
    crawler = Crawler(settings.crawl, scope, writer, site_root=homepage, progress=progress)
    try:
        stats = await crawler.crawl([homepage], resume=state)
    except asyncio.CancelledError:
        store.set_run_status(run_id, "interrupted")
        raise
    store.set_run_status(run_id, "crawled", stats={
        "pages": stats.pages, "resources": stats.resources, "errors": stats.errors, "skipped": stats.skipped,
        "page_limit_hit": stats.page_limit_hit, "depth_limit_hit": stats.depth_limit_hit,
        "crawl_seconds": stats.seconds})
    document = check_and_report(store, run_id)
    return Inspection(run_id=run_id, document=document, stats=stats, resumed=state is not None)


def inspect_site(url: str, settings: Settings, store: Store, *, as_of: date, resume: bool = False,
                 progress: Callable[[CrawlProgress], None] | None = None) -> Inspection:
    """Synchronous wrapper of :func:`inspect_site_async`."""
    return asyncio.run(inspect_site_async(url, settings, store, as_of=as_of, resume=resume, progress=progress))


def check_and_report(store: Store, run_id: int) -> dict[str, Any]:
    """Run every check on a stored run, store findings, and build its inspection document."""
    data = StoreRunData(store, run_id)
    findings, check_runs = run_checks(data)
    with store.engine.begin() as conn:
        conn.execute(t.findings.delete().where(t.findings.c.run_id == run_id))
        conn.execute(t.check_runs.delete().where(t.check_runs.c.run_id == run_id))
        if findings:
            conn.execute(insert(t.findings), [{
                "run_id": run_id, "kind": f.kind, "code": f.code, "indicator": f.indicator,
                "severity": f.severity, "url": f.url, "source": f.source, "target": f.target,
                "message": f.message, "evidence": f.evidence, "fingerprint": f.fingerprint,
            } for f in findings])
        conn.execute(insert(t.check_runs), [{
            "run_id": run_id, "check_name": c.name, "status": c.status, "findings": c.findings,
            "elapsed_ms": round(c.elapsed_ms, 2), "error": c.error} for c in check_runs])
    run = store.run(run_id)
    document = build_inspection(data, findings, check_runs, run=run)
    site = document["site"]
    store.update_site(run["site_id"], name=site["name"], site_code=site["site_code"])
    store.set_run_status(run_id, "completed", finished=True, stats={**(run["stats"] or {}), "findings": len(findings)})
    return document
