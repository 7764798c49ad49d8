"""The site measurement step after a crawl: measure, store as run facts, never judge.

:func:`measure_site` runs the probes that ``security`` settings enable and stores each
result under its name in ``run_facts`` (``transport``, ``ipv6``, ``cloaking``, ``accessibility``,
``site_search``); the checks in ``checks/transport.py``, ``checks/cloaking.py``, ``checks/accessibility.py``
and ``checks/site_search.py`` judge them later, offline (mixed content
needs no probe: ``checks/transport.py`` reads it from the stored links). A probe that fails
stores ``{"error": ...}`` instead; the step never raises (but for cancellation). Requests
leave only for the site itself, loopback, or any host when ``crawl.network`` is ``online``
(the crawl's policy).
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any

from govwatch.core.netconfig import parse_hosts
from govwatch.core.settings import Settings
from govwatch.crawl.crawler import is_loopback
from govwatch.crawl.sitefacts.accessibility import probe_accessibility
from govwatch.crawl.sitefacts.bot_views import probe_cloaking
from govwatch.crawl.sitefacts.counterfeit import record_counterfeits
from govwatch.crawl.sitefacts.http import Resolver
from govwatch.crawl.sitefacts.site_search import probe_site_search
from govwatch.crawl.sitefacts.tls import probe_ipv6, probe_transport
from govwatch.store.db import Store
from govwatch.store.stored_run import StoreRunData

_BUDGET_TIMEOUTS = 8  # a probe gets this many security.timeout periods in all


def _failure(exc: BaseException) -> dict[str, Any]:
    return {"error": "".join(traceback.format_exception_only(type(exc), exc)).strip()}


async def _bounded(job: Awaitable[dict[str, Any]], seconds: float) -> dict[str, Any]:
    try:
        return await asyncio.wait_for(job, seconds)
    except asyncio.CancelledError:
        raise
    except TimeoutError:
        return {"error": f"站点探测未在{seconds:g}秒内完成（超时）"}
    except Exception as exc:  # noqa: BLE001 - a failing probe is recorded, the inspection goes on
        return _failure(exc)


async def measure_site(store: Store, run_id: int, settings: Settings,
                       data: StoreRunData | None = None) -> dict[str, dict[str, Any]]:
    """Run the enabled site measurements of a crawled run and store their facts; returns them by name.
    ``data``: the run as the caller already reads it (the checks running beside), else read anew."""
    sec = settings.security
    if not sec.enabled:
        return {}
    record_counterfeits(store, run_id)  # the store's record of counterfeit pages (no network)
    data = StoreRunData(store, run_id) if data is None else data
    resolver = Resolver(parse_hosts(sec.hosts))
    online = settings.crawl.network == "online"

    def allowed(url: str) -> bool:
        return data.scope.contains(url) or online or is_loopback(url)

    agent = settings.crawl.user_agent
    jobs: dict[str, Awaitable[dict[str, Any]]] = {}
    if sec.tls:
        jobs["transport"] = probe_transport(data.site_url, resolver, user_agent=agent, ca_file=sec.ca_file,
                                            timeout=sec.timeout, allowed=allowed)
    if sec.ipv6:
        jobs["ipv6"] = probe_ipv6(data.site_url, resolver, user_agent=agent, timeout=sec.timeout)
    if sec.cloaking:
        jobs["cloaking"] = probe_cloaking(data, resolver, spider_agent=sec.cloaking_user_agent, normal_agent=agent,
                                          sample=sec.cloaking_sample, timeout=sec.timeout, allowed=allowed)
    if sec.search:
        jobs["site_search"] = probe_site_search(data, resolver, user_agent=agent, timeout=sec.timeout, allowed=allowed)
    budgets = dict.fromkeys(jobs, sec.timeout * _BUDGET_TIMEOUTS)
    if sec.accessibility:
        jobs["accessibility"] = probe_accessibility(data, settings.render, user_agent=agent,
                                                    per_type=sec.accessibility_per_type,
                                                    max_pages=sec.accessibility_max_pages, allowed=allowed)
        budgets["accessibility"] = settings.render.timeout * (sec.accessibility_max_pages + 2)  # a page at a time
    results = dict(zip(jobs, await asyncio.gather(*(_bounded(job, budgets[name]) for name, job in jobs.items())),
                       strict=False))
    probed_at = datetime.now(UTC).isoformat(timespec="seconds")
    for name, facts in results.items():
        store.put_run_fact(run_id, name, {**facts, "probed_at": facts.get("probed_at", probed_at)})
    return results
