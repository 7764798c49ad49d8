"""Probe look-alike hosts of a registered site (``govwatch counterfeit candidates --probe``).

Each candidate host is resolved first (``security.hosts``, then DNS: a name without an address is no
site, nothing is fetched) and its homepage fetched once with the probes' session (no keep-alive, no
cookies, a timeout, redirects followed only where ``allowed`` says), at most ``concurrency`` at a time.
In offline mode (``crawl.network: offline``) only names that ``security.hosts`` maps, and loopback, are
probed; the rest are reported as not probed. Judging the pages is
:mod:`govwatch.analysis.counterfeit`'s business.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import aiohttp

from govwatch.crawl.sitefacts.http import Page, Resolver, get_page, is_ip, make_session

__all__ = ["CandidateProbe", "probe_candidates", "DEFAULT_CONCURRENCY"]

DEFAULT_CONCURRENCY = 4


@dataclass(slots=True)
class CandidateProbe:
    """What one look-alike host answered: ``state`` resolved (and ``page``) | no_address | offline."""

    host: str
    url: str
    state: str
    addresses: tuple[str, ...] = ()
    page: Page | None = None
    error: str | None = None


async def _one(session: aiohttp.ClientSession, resolver: Resolver, url: str, host: str, port: int, *, timeout: float,
               offline: bool, allowed: Callable[[str], bool]) -> CandidateProbe:
    name = host.lower()
    if offline and name not in resolver.hosts and not (is_ip(name) and name.startswith("127.")):
        return CandidateProbe(host, url, "offline")
    try:
        addresses = await asyncio.wait_for(resolver.addresses(name, port), timeout)
    except (socket.gaierror, TimeoutError, OSError) as exc:
        return CandidateProbe(host, url, "no_address", error=str(exc) or type(exc).__name__)
    page = await get_page(session, url, timeout=timeout, allowed=allowed)
    return CandidateProbe(host, url, "resolved", tuple(addresses), page, page.error)


async def probe_candidates(targets: Sequence[tuple[str, str, int]], resolver: Resolver, *, user_agent: str,
                           timeout: float, concurrency: int = DEFAULT_CONCURRENCY, offline: bool = False,
                           allowed: Callable[[str], bool] = lambda _url: True) -> list[CandidateProbe]:
    """Probe ``(host, homepage URL, port)`` targets, in their order; never raises for network failures."""
    gate = asyncio.Semaphore(max(1, concurrency))
    async with make_session(resolver, user_agent=user_agent) as session:
        async def bounded(host: str, url: str, port: int) -> CandidateProbe:
            async with gate:
                return await _one(session, resolver, url, host, port, timeout=timeout, offline=offline,
                                  allowed=allowed)

        return list(await asyncio.gather(*(bounded(h, u, p) for h, u, p in targets)))
