"""The monitor: probes many targets on a schedule, in the foreground, until stopped.

Every target (a site's homepage, key columns, business systems) has its own
task and its own schedule: one visit every ``interval`` seconds (86400 /
``visits_per_day`` by default; ``MonitorOptions.schedules`` gives a target its
own interval, jitter, timeout and first delay), each visit moved by up to
+/- ``jitter`` of the interval, targets staggered evenly over the first interval. Visit times are
planned on the clock, not chained, so slow visits do not make a target drift;
a slot that has already passed while a visit was still running is skipped.
A hanging or resetting target only ever delays itself: its visits are cut at
the timeout, and a semaphore bounds the visits in flight overall.

Results go to ``sink`` (the store) as they come, in small batches written off
the event loop, so a slow disk never delays a measurement.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from govwatch.crawl.availability.visit import Visit, visit
from govwatch.store.probes import Target

SinkFn = Callable[[list[tuple[Target, Visit]]], None]
VisitFn = Callable[[Target, int, Visit], None]


@dataclass(frozen=True, slots=True)
class TargetSchedule:
    """One target's own cadence (the service gives each site its own), overriding the options'."""

    interval: float
    jitter: float
    timeout: float
    first_delay: float | None = None  # seconds to the first visit (None: staggered over the interval)


@dataclass(slots=True)
class MonitorOptions:
    """How the monitor probes."""

    interval: float  # seconds between two visits of one target
    timeout: float
    max_bytes: int
    user_agent: str
    confirm: bool = True
    jitter: float = 0.2  # +/- fraction of the interval
    concurrency: int = 32  # visits in flight overall
    seed: int | None = None  # jitter stream (None: random)
    schedules: dict[str, TargetSchedule] = field(default_factory=dict)  # target URL -> its own cadence

    def schedule_of(self, url: str) -> TargetSchedule:
        """The cadence of the target with this URL (its own, or the options')."""
        return self.schedules.get(url) or TargetSchedule(self.interval, self.jitter, self.timeout)


@dataclass(slots=True)
class TargetStats:
    """What the monitor saw of one target."""

    target: Target
    visits: int = 0
    failed: int = 0  # every visit that did not open the page, by its own result
    sustained: int = 0  # of those, the re-probe failed too
    transient: int = 0  # of those, the re-probe opened the page
    last: Visit | None = None
    planned_at: float | None = None  # when the visit running (or the last one) was planned: epoch s, jitter included


class Monitor:
    """Runs the schedule of ``targets`` until :meth:`stop` or the duration ends."""

    def __init__(self, targets: list[Target], options: MonitorOptions, *, sink: SinkFn | None = None,
                 on_visit: VisitFn | None = None) -> None:
        if options.interval <= 0 or any(s.interval <= 0 for s in options.schedules.values()):
            raise ValueError("interval must be greater than 0")
        self.targets = targets
        self.options = options
        self.sink = sink
        self.on_visit = on_visit
        self.stats = {i: TargetStats(t) for i, t in enumerate(targets)}
        self._stop = asyncio.Event()
        self._queue: asyncio.Queue[tuple[Target, Visit] | None] = asyncio.Queue()
        self.stored = 0
        self.error: str | None = None  # set when storing failed (the monitor then stops)

    def stop(self) -> None:
        """Ask the monitor to stop (safe from a signal handler in the loop)."""
        self._stop.set()

    async def run(self, duration: float | None = None) -> dict[int, TargetStats]:
        """Probe until stopped or ``duration`` seconds have passed; returns the stats per target."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        slots = asyncio.Semaphore(self.options.concurrency)
        writer = asyncio.create_task(self._writer(), name="monitor-writer")
        tasks = [asyncio.create_task(self._target_loop(i, t, start, slots), name=f"monitor-{t.url}")
                 for i, t in enumerate(self.targets)]
        try:
            if duration is None:
                await self._stop.wait()
            else:
                try:
                    await asyncio.wait_for(self._stop.wait(), duration)
                except TimeoutError:
                    pass
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._queue.put_nowait(None)
            await asyncio.shield(writer)
        return self.stats

    async def _target_loop(self, i: int, target: Target, start: float, slots: asyncio.Semaphore) -> None:
        o = self.options
        own = o.schedule_of(target.url)
        interval = own.interval
        loop = asyncio.get_running_loop()
        rng = random.Random(None if o.seed is None else f"{o.seed}/{target.url}")
        offset = interval * i / max(1, len(self.targets)) if own.first_delay is None else own.first_delay
        slot = 0
        stats = self.stats[i]
        while True:
            planned = start + offset + slot * interval
            jitter = rng.uniform(-own.jitter, own.jitter) * interval if slot else 0.0
            due = max(planned + jitter, start)
            delay = due - loop.time()
            stats.planned_at = time.time() + delay
            if delay > 0:
                await asyncio.sleep(delay)
            async with slots:
                result = await visit(target.url, timeout=own.timeout, max_bytes=o.max_bytes,
                                     user_agent=o.user_agent, confirm=o.confirm)
            stats.visits += 1
            failure = result.failure
            stats.failed += failure is not None
            stats.sustained += failure == "sustained"
            stats.transient += failure == "transient"
            stats.last = result
            self._queue.put_nowait((target, result))
            if self.on_visit is not None:
                self.on_visit(target, stats.visits, result)
            # The next slot not yet passed (a visit longer than the interval skips slots).
            slot = max(slot + 1, math.ceil((loop.time() - start - offset) / interval))

    async def _writer(self) -> None:
        """Store visits in batches as they come, off the event loop."""
        done = False
        while not done:
            item = await self._queue.get()
            batch: list[tuple[Target, Visit]] = []
            if item is None:
                done = True
            else:
                batch.append(item)
            while not self._queue.empty():
                more = self._queue.get_nowait()
                if more is None:
                    done = True
                else:
                    batch.append(more)
            if batch and self.sink is not None and self.error is None:
                try:
                    await asyncio.to_thread(self.sink, batch)
                except Exception as exc:  # noqa: BLE001 - the store failed: stop, and say why
                    self.error = f"cannot store probe results: {type(exc).__name__}: {exc}"
                    self.stop()
                else:
                    self.stored += len(batch)
