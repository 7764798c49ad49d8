"""Per-host politeness: concurrency slots, a request rate, and pauses after 429/503."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from email.utils import parsedate_to_datetime


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


class HostLimiter:
    """Limits requests per host: at most ``concurrency`` at once and ``rate`` per second.

    ``pause(host, seconds)`` holds every new request to that host until the time
    has passed (a server's Retry-After applies to the host, not just one URL).
    """

    def __init__(self, concurrency: int, rate: float, max_pause: float = 60.0, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.clock = clock  # injectable, so the limiter's timing is testable without waiting
        self.sleep = sleep
        self.concurrency = concurrency
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.max_pause = max_pause
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._next_start: dict[str, float] = {}
        self._paused_until: dict[str, float] = {}

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        semaphore = self._slots.get(host)
        if semaphore is None:
            semaphore = self._slots[host] = asyncio.Semaphore(self.concurrency)
        async with semaphore:
            await self._wait_turn(host)
            yield

    async def _wait_turn(self, host: str) -> None:
        now = self.clock()
        start = max(now, self._paused_until.get(host, 0.0))
        if self.interval:
            start = max(start, self._next_start.get(host, 0.0))
            self._next_start[host] = start + self.interval
        if start > now:
            await self.sleep(start - now)

    def pause(self, host: str, seconds: float | None) -> None:
        """Hold new requests to ``host`` for ``seconds`` (capped at ``max_pause``)."""
        if not seconds or seconds <= 0:
            return
        until = self.clock() + min(seconds, self.max_pause)
        if until > self._paused_until.get(host, 0.0):
            self._paused_until[host] = until
