"""``govwatch serve`` applies the store growth policy daily (docs/deploy.md §3): the pass runs when
its ``schedule_state`` row is due, with the service config's ``store`` section, and plans the next
one for 03:00 Beijing time the next day; a pass not yet due does not run."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import func, select

from govwatch.core.clock import SHANGHAI
from govwatch.core.serviceconfig import parse_service_config
from govwatch.core.settings import Settings
from govwatch.service.scheduler import PRUNE_KEY, Scheduler
from govwatch.store import tables as t
from govwatch.store.db import Store
from govwatch.store.probes import save_rows
from govwatch.store.schedule_rows import job_states, save_job_state

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=SHANGHAI)
LIMIT = 60.0  # generous bound for the pass to finish (a hang fails the test)


def old_probes(store: Store) -> None:
    site = store.site_id("http://www.prune.gov.cn/")
    day = (NOW - timedelta(days=40)).date()
    save_rows(store, [{"site_id": site, "target_kind": "homepage", "url": "http://www.prune.gov.cn/",
                       "at": f"{day}T{h:02d}:00:00.000+08:00", "ok": h != 3, "error": None if h != 3 else "timeout",
                       "total_ms": 100.0, "timeout_s": 15.0} for h in range(24)])


def probe_rows(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.probes)).scalar() or 0)


def run_scheduler(store: Store, retention_days: int, until_pruned: bool) -> Scheduler:
    config = parse_service_config({"use_registry": False, "store": {"probe_retention_days": retention_days}},
                                  "service.yaml")
    scheduler = Scheduler(store, config, Settings(), alerts=False, clock=lambda: NOW)

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (LIMIT if until_pruned else 1.0)

        async def watch() -> None:
            while loop.time() < deadline and not (until_pruned and job_states(store).get(PRUNE_KEY, {})
                                                  .get("last_finished_at")):
                await asyncio.sleep(0.1)
            stop.set()
        watcher = asyncio.create_task(watch())
        await scheduler.run(stop, poll=0.1)
        await watcher
    asyncio.run(go())
    return scheduler


def test_the_service_prunes_when_due_with_its_store_section(store: Store) -> None:
    old_probes(store)
    save_job_state(store, PRUNE_KEY, job_kind="prune", next_due_at=(NOW - timedelta(hours=1)).isoformat())
    run_scheduler(store, retention_days=30, until_pruned=True)

    state = job_states(store)[PRUNE_KEY]
    assert state["last_error"] is None
    assert datetime.fromisoformat(state["next_due_at"]) == datetime(2026, 12, 2, 3, 0, tzinfo=SHANGHAI)
    assert probe_rows(store) == 0  # 40 days old, retention 30: rolled up
    with store.engine.connect() as conn:
        day = conn.execute(select(t.probe_days)).mappings().one()
    assert (day["visits"], day["failures"]) == (24, 1)


def test_the_service_does_not_prune_before_it_is_due(store: Store) -> None:
    old_probes(store)
    scheduler = run_scheduler(store, retention_days=30, until_pruned=False)  # never pruned: due tomorrow 03:00
    assert scheduler.prune_due == datetime(2026, 12, 2, 3, 0, tzinfo=SHANGHAI)
    assert probe_rows(store) == 24
    assert PRUNE_KEY not in job_states(store)
