"""Retry-After parsing and per-host pauses."""

import asyncio
import time
from email.utils import formatdate

from govwatch.crawl.politeness import HostLimiter, parse_retry_after


def test_retry_after_forms() -> None:
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    later = parse_retry_after(formatdate(time.time() + 30, usegmt=True))
    assert later is not None and 25 <= later <= 31


async def test_pause_holds_the_host_and_not_others() -> None:
    limiter = HostLimiter(concurrency=4, rate=0)
    limiter.pause("a", 0.3)
    started = time.monotonic()
    async with limiter.slot("b"):
        assert time.monotonic() - started < 0.1
    async with limiter.slot("a"):
        assert time.monotonic() - started >= 0.28


async def test_rate_spaces_requests() -> None:
    limiter = HostLimiter(concurrency=10, rate=20)  # one start per 50 ms
    starts: list[float] = []

    async def one() -> None:
        async with limiter.slot("h"):
            starts.append(time.monotonic())

    await asyncio.gather(*(one() for _ in range(5)))
    starts.sort()
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert min(gaps) >= 0.045
