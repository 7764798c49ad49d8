"""The batch-claiming prober (docs/deploy.md §2 "Probes") on SQLite and PostgreSQL: probe_schedule
sync, claims that two concurrent claimers never share, expired leases, the next due time on a
drift-free grid, and :func:`run_prober` against the simulator's flaky server (its ground truth:
every visit it saw, every fault it served).
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from govwatch.core.settings import Settings
from govwatch.core.windows import visit_failed
from govwatch.service.prober import next_due, run_prober
from govwatch.sim.flaky import FlakyConfig, FlakyServer
from govwatch.store import tables as t
from govwatch.store.db import Store
from govwatch.store.probe_schedule_rows import (
    PlannedTarget,
    claim_due,
    finish,
    iso_utc,
    planned_after,
    schedule_rows,
    sync_probe_schedule,
)
from govwatch.store.probes import Target

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
HOUR = 3600.0
BOUND = 120.0  # seconds a test waits at most for the prober (a hang fails the test; never a timing)


def plans(store: Store, urls: list[str], interval: float = HOUR, timeout: float = 5.0) -> list[PlannedTarget]:
    site = store.site_id("http://www.prober.gov.cn/")
    return [PlannedTarget(Target(site, "http://www.prober.gov.cn/", url, "homepage" if i == 0 else "column"),
                          interval, timeout) for i, url in enumerate(urls)]


# -- the schedule -------------------------------------------------------------------------------

def test_sync_adds_updates_and_removes(any_store: Store) -> None:
    urls = [f"http://www.prober.gov.cn/c{i}/" for i in range(5)]
    assert sync_probe_schedule(any_store, plans(any_store, urls), now=NOW) == {"added": 5, "updated": 0, "removed": 0}
    rows = {r["url"]: r for r in schedule_rows(any_store)}
    for url, row in rows.items():  # each first due on its own grid slot within the next interval
        due = datetime.fromisoformat(row["next_due_at"])
        assert NOW < due <= NOW + timedelta(seconds=HOUR)
        assert row["next_due_at"] == iso_utc(planned_after(url, HOUR, NOW))
    assert len({r["next_due_at"] for r in rows.values()}) == 5  # staggered, not all at once

    changed = plans(any_store, urls[1:], interval=600.0)  # the first target no longer watched; faster cadence
    assert sync_probe_schedule(any_store, changed, now=NOW) == {"added": 0, "updated": 4, "removed": 1}
    after = {r["url"]: r for r in schedule_rows(any_store)}
    assert set(after) == set(urls[1:])
    for row in after.values():
        assert row["interval_s"] == 600.0
        assert datetime.fromisoformat(row["next_due_at"]) <= NOW + timedelta(seconds=600)
    assert sync_probe_schedule(any_store, changed, now=NOW) == {"added": 0, "updated": 0, "removed": 0}


def test_claims_lease_and_expired_leases_are_claimable(any_store: Store) -> None:
    urls = [f"http://www.prober.gov.cn/c{i}/" for i in range(6)]
    sync_probe_schedule(any_store, plans(any_store, urls), now=NOW)
    assert claim_due(any_store, "w1", NOW, 10, 60) == []  # nothing due yet
    later = NOW + timedelta(seconds=HOUR)
    first = claim_due(any_store, "w1", later, 4, 60)
    assert len(first) == 4 and all(r["leased_by"] == "w1" for r in first)
    assert [r["next_due_at"] for r in first] == sorted(r["next_due_at"] for r in first)  # earliest first
    second = claim_due(any_store, "w2", later + timedelta(seconds=30), 10, 60)  # w1's leases still run
    assert {r["id"] for r in second}.isdisjoint({r["id"] for r in first}) and len(second) == 2
    expired = claim_due(any_store, "w3", later + timedelta(seconds=61), 10, 60)  # w1 died: its rows are free again
    assert {r["id"] for r in expired} == {r["id"] for r in first}  # w2's leases (taken 30 s later) still run

    # w1 comes back and finishes rows now leased to w3: nothing changes; w3 finishing them does
    pushed = later + timedelta(seconds=HOUR)
    finish(any_store, [(r["id"], pushed) for r in first], worker_id="w1")
    assert Counter(r["leased_by"] for r in schedule_rows(any_store)) == {"w3": 4, "w2": 2}
    finish(any_store, [(r["id"], pushed) for r in first], worker_id="w3")
    done = {r["id"]: r for r in schedule_rows(any_store)}
    for r in first:
        assert done[r["id"]]["leased_by"] is None and done[r["id"]]["next_due_at"] == iso_utc(pushed)
    assert claim_due(any_store, "w4", later + timedelta(seconds=62), 10, 60) == []  # all leased or pushed


def test_two_concurrent_claimers_never_get_the_same_row(store_url: str) -> None:
    setup = Store(store_url)
    urls = [f"http://www.prober.gov.cn/p{i}/" for i in range(300)]
    sync_probe_schedule(setup, plans(setup, urls), now=NOW)
    setup.close()
    later = NOW + timedelta(seconds=HOUR)
    got: dict[str, list[int]] = {"a": [], "b": []}
    start = threading.Barrier(2)

    def claimer(name: str) -> None:
        store = Store(store_url)  # its own engine and connections, as another worker's
        try:
            start.wait()
            while rows := claim_due(store, name, later, 7, 600):
                got[name] += [int(r["id"]) for r in rows]
        finally:
            store.close()

    threads = [threading.Thread(target=claimer, args=(name,)) for name in got]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(BOUND)
    assert not any(thread.is_alive() for thread in threads)
    assert set(got["a"]).isdisjoint(got["b"])
    assert len(got["a"]) + len(got["b"]) == len(set(got["a"]) | set(got["b"])) == 300  # every row, once
    assert got["a"] and got["b"]  # both took part
    check = Store(store_url)
    try:
        leased = Counter(r["leased_by"] for r in schedule_rows(check))
    finally:
        check.close()
    assert leased == {"a": len(got["a"]), "b": len(got["b"])}


def test_next_due_stays_on_the_grid_with_jitter() -> None:
    url, interval, jitter = "http://www.prober.gov.cn/", 1200.0, 0.2
    rng = random.Random(3)
    due = planned_after(url, interval, NOW)
    slots = []
    for _ in range(200):
        visited = due + timedelta(seconds=rng.uniform(0, 5))  # the visit ran a few seconds after it was due
        due = next_due(url, interval, due, visited, jitter, rng)
        slot = planned_after(url, interval, due - timedelta(seconds=interval / 2))
        assert abs((due - slot).total_seconds()) <= jitter * interval + 1e-6
        assert due > visited
        slots.append(slot)
    steps = {(b - a).total_seconds() for a, b in zip(slots, slots[1:], strict=False)}
    assert steps == {interval}  # one slot after the other: jitter never accumulates, nothing skipped
    late = next_due(url, interval, slots[0], slots[0] + timedelta(seconds=3.5 * interval), jitter, rng)
    assert late > slots[0] + timedelta(seconds=3.5 * interval)  # a late visit skips the slots that passed
    assert late < slots[0] + timedelta(seconds=(4 + jitter) * interval + 1)


def test_a_late_visit_is_not_followed_by_one_seconds_later() -> None:
    """A target due an hour ago (just added, or its worker was down) visited seconds before its next
    slot: that slot is skipped, the next visit an interval on; half an interval before it, it is kept."""
    url, interval = "http://www.prober.gov.cn/", 3600.0
    slot = planned_after(url, interval, NOW)
    overdue = slot - timedelta(seconds=interval)
    rng = random.Random(5)
    assert next_due(url, interval, overdue, slot - timedelta(seconds=5), 0.0, rng) == slot + timedelta(seconds=interval)
    assert next_due(url, interval, overdue, slot - timedelta(seconds=interval * 0.6), 0.0, rng) == slot
    for _ in range(200):  # with jitter: never sooner than (1/2 - jitter) of an interval
        visited = slot - timedelta(seconds=rng.uniform(0, interval))
        due = next_due(url, interval, overdue, visited, 0.2, rng)
        assert due - visited >= timedelta(seconds=interval * 0.3)


# -- run_prober against the flaky server --------------------------------------------------------

@pytest.fixture()
def flaky() -> Iterator[FlakyServer]:
    with FlakyServer(FlakyConfig(reset=0.08, error500=0.08, blip=0.1, seed=11)).running() as server:
        yield server


def probe_settings() -> Settings:
    return Settings()  # the visit's timeout is the schedule row's


def make_due(store: Store) -> None:
    """Every schedule row due an hour ago (a target the service has just started to watch)."""
    with store.engine.begin() as conn:
        conn.execute(update(t.probe_schedule).values(next_due_at=iso_utc(datetime.now(UTC) - timedelta(hours=1))))


def probe_count(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.probes)).scalar() or 0)


async def run_until(store: Store, workers: list[str], wanted: int, **options: Any) -> list[Any]:
    """Run one prober per worker id until ``wanted`` probe rows are stored, then stop them."""
    stop = asyncio.Event()
    tasks = [asyncio.create_task(run_prober(Store(store.url), probe_settings(), stop, worker_id=w, **options))
             for w in workers]
    deadline = time.monotonic() + BOUND
    while probe_count(store) < wanted and time.monotonic() < deadline:
        if any(task.done() for task in tasks):
            break
        await asyncio.sleep(0.1)
    stop.set()
    return list(await asyncio.gather(*tasks))


def test_run_prober_visits_every_due_target_once_and_stores_the_truth(any_store: Store,
                                                                     flaky: FlakyServer) -> None:
    urls = [flaky.url(f"/t{i}/") for i in range(40)]
    sync_probe_schedule(any_store, plans(any_store, urls), now=datetime.now(UTC))
    make_due(any_store)
    stats = asyncio.run(run_until(any_store, ["w1", "w2"], len(urls), batch=7, concurrency=5, seed=1))

    with any_store.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(t.probes)).mappings()]
    assert Counter(r["url"] for r in rows) == Counter(urls)  # each due target visited exactly once, by one worker
    assert sum(s.stored for s in stats) == len(urls)
    truth = flaky.truth()
    for url in urls:
        path = "/" + url.split("/", 3)[3]
        seen = truth["paths"][path]
        assert seen["visits"] == 1
        row = next(r for r in rows if r["url"] == url)
        assert visit_failed(row) == bool(seen["outages"] + seen["blips"]), url
        if seen["outages"]:
            assert row["confirmed_by"] and row["confirmed_by"]["ok"] is False  # the re-probe failed too
    assert sum(visit_failed(r) for r in rows) == truth["outages"] + truth["blips"] > 0
    now, jitter = datetime.now(UTC), probe_settings().probe.jitter
    for row in schedule_rows(any_store):  # every lease released, the next visit half to 1.5 intervals on
        assert row["leased_by"] is None and row["leased_until"] is None
        due = datetime.fromisoformat(row["next_due_at"])
        assert now + timedelta(seconds=HOUR * (0.5 - jitter) - BOUND) < due < now + timedelta(seconds=HOUR * (1.5 + jitter))


def test_stop_gives_back_the_rows_not_visited(any_store: Store) -> None:
    with FlakyServer(FlakyConfig(hang=1.0, hang_seconds=60.0, seed=2)).running() as server:
        urls = [server.url(f"/h{i}/") for i in range(6)]
        sync_probe_schedule(any_store, plans(any_store, urls, timeout=30.0), now=datetime.now(UTC))
        make_due(any_store)
        before = {r["id"]: r["next_due_at"] for r in schedule_rows(any_store)}

        async def go() -> Any:
            stop = asyncio.Event()
            task = asyncio.create_task(run_prober(Store(any_store.url), probe_settings(), stop, worker_id="w",
                                                  batch=10, concurrency=2))
            deadline = time.monotonic() + BOUND
            while server.truth()["visits"] < 2 and time.monotonic() < deadline:  # two visits hanging
                await asyncio.sleep(0.05)
            stop.set()
            return await task

        stats = asyncio.run(go())
    assert stats.claimed == 6 and stats.stored == 0 and stats.released == 6
    after = schedule_rows(any_store)
    assert all(r["leased_by"] is None for r in after)
    assert {r["id"]: r["next_due_at"] for r in after} == before  # still due: another worker takes them at once
    assert probe_count(any_store) == 0
