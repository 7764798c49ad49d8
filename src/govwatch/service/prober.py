"""The batch-claiming prober of ``govwatch worker --queues probe`` (docs/deploy.md §2 "Probes").

Probes are not one job per visit: each worker runs :func:`run_prober`, which

1. claims due ``probe_schedule`` rows in batches with a lease
   (:func:`~govwatch.store.probe_schedule_rows.claim_due`: ``FOR UPDATE SKIP LOCKED`` on
   PostgreSQL, so workers never take the same target while its lease runs);
2. visits them, at most ``concurrency`` at once, with the same visit code as ``govwatch monitor``
   (:func:`~govwatch.crawl.availability.visit.visit`: fresh connection, phases timed, the
   immediate re-probe of a failed visit);
3. stores the ``probes`` rows in batches (:func:`~govwatch.store.probes.save_rows`, off the event
   loop) and pushes each row's next due time: the target's next grid slot
   (:func:`~govwatch.store.probe_schedule_rows.planned_after`) plus up to +/- ``jitter`` of the
   interval; a visit that ran late skips the slots that passed, and the slot less than half an
   interval after it.

4. with a :class:`VisitAlerts` (a worker with a service config and alerts on), feeds each stored
   visit to the alert observer (:meth:`~govwatch.alerts.observer.AlertObserver.on_visit`) before the
   row's lease is released, as ``govwatch serve`` does with its in-process monitor on SQLite: a site
   going down raises its alert in distributed mode too. A target is leased by one prober at a time,
   so its alert state is updated by one process at a time, in visit order.

Rows wait in the worker at most ``concurrency + batch`` at a time, so a claimed row is visited well
within its lease (``lease_s`` must cover a queue of rows each taking up to two timeouts). On
``stop`` the worker claims nothing more, cancels the visits in flight, stores what finished and
gives the unvisited rows back (their lease released, their due time unchanged): another worker
takes them at once. A worker killed without that leaves its rows to be claimed when the lease ends.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from govwatch.alerts.observer import AlertObserver
from govwatch.core.serviceconfig import ServiceConfig
from govwatch.core.settings import Settings
from govwatch.core.windows import parse_at
from govwatch.crawl.availability.visit import Visit, visit, visit_row
from govwatch.service.jobs import site_url_of
from govwatch.service.targets import ServiceSite
from govwatch.store.db import Store
from govwatch.store.probe_schedule_rows import PlannedTarget, claim_due, finish, planned_after, sync_probe_schedule
from govwatch.store.probes import Target, save_rows

__all__ = ["ProberStats", "VisitAlerts", "run_prober", "next_due", "sync_service_targets"]

log = logging.getLogger("govwatch.prober")

IDLE_POLL = 1.0  # seconds between claims when nothing is due
FLUSH_EVERY = 1.0  # seconds: finished visits are stored at least this often (or when a batch is full)


@dataclass(slots=True)
class ProberStats:
    """What one prober did."""

    claimed: int = 0
    visits: int = 0
    failed: int = 0
    stored: int = 0
    released: int = 0  # claimed rows given back unvisited at the stop


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _as_utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def next_due(url: str, interval: float, previous_due: datetime, now: datetime, jitter: float,
             rng: random.Random) -> datetime:
    """The next due time of a target visited at ``now`` that was due at ``previous_due``: the first
    grid slot after both the slot ``previous_due`` stood for and ``now``, or the slot after it when
    that one is less than half an interval away (a late visit stands for the slot it nearly reached:
    two visits seconds apart measure one moment), moved by up to +/- ``jitter`` of the interval
    (never into the past: a late slot keeps no negative jitter)."""
    slot_of_previous = planned_after(url, interval, previous_due - timedelta(seconds=interval / 2))
    slot = planned_after(url, interval, max(now, slot_of_previous))
    if slot - now < timedelta(seconds=interval / 2):
        slot += timedelta(seconds=interval)
    due = slot + timedelta(seconds=rng.uniform(-jitter, jitter) * interval)
    return due if due > now else slot


def sync_service_targets(store: Store, sites: list[ServiceSite], *, now: datetime | None = None) -> dict[str, int]:
    """``probe_schedule`` from the service's sites: each site's targets at its effective cadence."""
    plans = [PlannedTarget(target, site.schedule.probe_interval, site.schedule.probe_timeout)
             for site in sites for target in site.targets]
    return sync_probe_schedule(store, plans, now=now or _utc_now())


class VisitAlerts:
    """Feeds a prober's visits to the alert observer: each claimed row becomes the
    :class:`~govwatch.store.probes.Target` the service watches (its site's homepage, the key
    column's or system's name), else one built from the stored site (a target synced by another
    config). Called off the event loop, one batch at a time; a failure is logged, never raised:
    measurement goes on."""

    def __init__(self, store: Store, config: ServiceConfig, sites: list[ServiceSite]) -> None:
        self.store = store
        self.observer = AlertObserver(store, config)
        self.targets = {(target.site_id, target.url): target for site in sites for target in site.targets}

    def target(self, row: dict[str, Any]) -> Target:
        """The target a claimed ``probe_schedule`` row stands for."""
        site_id, url = int(row["site_id"]), str(row["url"])
        known = self.targets.get((site_id, url))
        if known is None:
            known = self.targets[(site_id, url)] = Target(site_id, site_url_of(self.store, site_id), url,
                                                          str(row["target_kind"]))
        return known

    def __call__(self, items: list[tuple[dict[str, Any], Visit]]) -> None:
        for row, result in items:
            try:
                self.observer.on_visit(self.target(row), result, parse_at(result.at))
            except Exception:  # noqa: BLE001 - an alert failure never stops measurement
                log.exception("the alert observer failed on a visit of %s", row.get("url"))


async def run_prober(store: Store, settings: Settings, stop: asyncio.Event, *, worker_id: str, batch: int = 50,
                     concurrency: int = 20, lease_s: float = 120.0, jitter: float | None = None,
                     clock: Callable[[], datetime] = _utc_now, seed: int | None = None,
                     alerts: Callable[[list[tuple[dict[str, Any], Visit]]], None] | None = None) -> ProberStats:
    """Claim, visit and store due targets until ``stop`` is set (see the module docstring); with
    ``alerts`` (a :class:`VisitAlerts`), each batch of stored visits is fed to it before the rows'
    leases are released."""
    if batch < 1 or concurrency < 1 or lease_s <= 0:
        raise ValueError("batch and concurrency must be at least 1 and lease_s greater than 0")
    p = settings.probe
    spread = p.jitter if jitter is None else jitter
    rng = random.Random(seed)
    stats = ProberStats()
    slots = asyncio.Semaphore(concurrency)
    pending: dict[asyncio.Task[Visit], dict[str, Any]] = {}
    done: list[tuple[dict[str, Any], Visit]] = []

    async def one(row: dict[str, Any]) -> Visit:
        async with slots:
            return await visit(row["url"], timeout=float(row["timeout_s"]), max_bytes=p.max_bytes,
                               user_agent=p.user_agent, confirm=p.confirm)

    def collect(task: asyncio.Task[Visit]) -> None:
        row = pending.pop(task)
        if not task.cancelled() and task.exception() is None:
            done.append((row, task.result()))

    async def flush() -> None:
        if not done:
            return
        items = done[:]
        done.clear()
        now = clock()
        rows = [visit_row(Target(int(r["site_id"]), "", r["url"], r["target_kind"]), v, float(r["timeout_s"]))
                for r, v in items]
        dues = [(int(r["id"]), next_due(r["url"], float(r["interval_s"]), _as_utc(r["next_due_at"]), now, spread, rng))
                for r, _ in items]
        await asyncio.to_thread(save_rows, store, rows)
        if alerts is not None:
            await asyncio.to_thread(alerts, items)
        await asyncio.to_thread(finish, store, dues, worker_id=worker_id)
        stats.stored += len(rows)
        stats.visits += len(items)
        stats.failed += sum(v.failure is not None for _, v in items)

    flushed_at = asyncio.get_running_loop().time()
    try:
        while not stop.is_set():
            claimed: list[dict[str, Any]] = []
            if len(pending) <= concurrency:  # the rows in hand are being visited: take the next batch
                claimed = await asyncio.to_thread(claim_due, store, worker_id, clock(), batch, lease_s)
                stats.claimed += len(claimed)
                for row in claimed:
                    task = asyncio.create_task(one(row), name=f"probe-{row['id']}")
                    pending[task] = row
                    task.add_done_callback(collect)
            loop_time = asyncio.get_running_loop().time()
            if len(done) >= batch or (done and loop_time - flushed_at >= FLUSH_EVERY):
                await flush()
                flushed_at = loop_time
            if not claimed:  # nothing due, or enough in hand: wait for a visit to end, the stop, or the poll
                stopped = asyncio.ensure_future(stop.wait())
                await asyncio.wait({stopped, *pending}, timeout=IDLE_POLL, return_when=asyncio.FIRST_COMPLETED)
                stopped.cancel()
    finally:
        in_hand = list(pending.values())
        for task in list(pending):
            task.cancel()
        await asyncio.gather(*list(pending), return_exceptions=True)
        visited = {int(r["id"]) for r, _ in done}
        try:
            await flush()
        except Exception:  # noqa: BLE001 - the stop goes on; unsaved visits are probed again after the lease
            log.exception("prober %s: the last visits could not be stored", worker_id)
        back = [(int(r["id"]), _as_utc(r["next_due_at"])) for r in in_hand if int(r["id"]) not in visited]
        if back:
            await asyncio.to_thread(finish, store, back, worker_id=worker_id)
            stats.released += len(back)
        log.info("prober %s stopped: %d visits stored, %d rows given back", worker_id, stats.stored, stats.released)
    return stats
