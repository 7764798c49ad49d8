"""Retry-After parsing and per-host pauses and rates (on a simulated clock: no timed tests)."""

from __future__ import annotations

import asyncio
import time
from email.utils import formatdate

from govwatch.crawl.politeness import HostLimiter, parse_retry_after


class SimClock:
    """A clock that only moves when the limiter sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def test_retry_after_forms() -> None:
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    later = parse_retry_after(formatdate(time.time() + 30, usegmt=True))
    assert later is not None and 25 <= later <= 31


async def test_pause_holds_the_host_and_not_others() -> None:
    clock = SimClock()
    limiter = HostLimiter(concurrency=4, rate=0, clock=clock, sleep=clock.sleep)
    limiter.pause("a", 7.0)
    async with limiter.slot("b"):
        assert clock.sleeps == []
    async with limiter.slot("a"):
        assert clock.sleeps == [7.0]


async def test_pause_is_capped() -> None:
    clock = SimClock()
    limiter = HostLimiter(concurrency=1, rate=0, max_pause=30, clock=clock, sleep=clock.sleep)
    limiter.pause("a", 3600)
    async with limiter.slot("a"):
        pass
    assert clock.sleeps == [30.0]


async def test_rate_spaces_request_starts() -> None:
    clock = SimClock()
    limiter = HostLimiter(concurrency=1, rate=20, clock=clock, sleep=clock.sleep)  # one start per 50 ms
    starts: list[float] = []
    for _ in range(5):
        async with limiter.slot("h"):
            starts.append(clock.now)
    gaps = [round(b - a, 6) for a, b in zip(starts, starts[1:], strict=False)]
    assert gaps == [0.05] * 4


async def test_concurrency_slots_per_host() -> None:
    limiter = HostLimiter(concurrency=2, rate=0)
    inside = 0
    most = 0
    release = asyncio.Event()

    async def one() -> None:
        nonlocal inside, most
        async with limiter.slot("h"):
            inside += 1
            most = max(most, inside)
            await release.wait()
            inside -= 1

    tasks = [asyncio.create_task(one()) for _ in range(5)]
    await asyncio.sleep(0.01)
    assert inside == 2
    release.set()
    await asyncio.gather(*tasks)
    assert most == 2
