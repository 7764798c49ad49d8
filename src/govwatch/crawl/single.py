"""Fetch one URL outside a crawl (``govwatch extract URL``)."""

from __future__ import annotations

from govwatch.core import aio
from govwatch.core.model import FetchResult
from govwatch.core.settings import Settings
from govwatch.crawl.address_guard import AddressGuard
from govwatch.crawl.fetcher import Fetcher, FetchPolicy, make_session
from govwatch.crawl.politeness import HostLimiter


def fetch_one(url: str, settings: Settings) -> FetchResult:
    """GET ``url`` with the crawl settings' limits and retries."""
    c = settings.crawl

    async def run() -> FetchResult:
        guard = AddressGuard.for_site(url, c.allow_private)  # the page asked for is the site
        async with make_session(user_agent=c.user_agent, concurrency=1, guard=guard) as session:
            return await Fetcher(session, HostLimiter(1, 0), FetchPolicy.from_settings(c)).fetch(url)

    return aio.run(run())
