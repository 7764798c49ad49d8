"""The scheduler against a simulated site on 127.0.0.1: probes at the site's own interval, the daily
patrol due at start run once and recorded, full scans, restart continuity (a completed job is not run
again, a missed one runs once, a scan stopped in flight is resumed), all with the alert side off."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from govwatch.core.clock import SHANGHAI
from govwatch.core.serviceconfig import ServiceConfig, parse_service_config
from govwatch.core.windows import parse_at
from govwatch.service.scheduler import Scheduler
from govwatch.store import tables as t
from govwatch.store.db import Store
from govwatch.store.schedule_rows import job_states, save_job_state
from tests.conftest import sim_settings
from tests.service.conftest import family_site

LIMIT = 120.0  # generous bound for a scheduler run to reach what a test waits for (a hang fails the test)


def config_for(url: str, **schedule: Any) -> ServiceConfig:
    return parse_service_config({"use_registry": False, "sites": [{"url": url, **schedule}]}, "test.yaml")


def run_until(scheduler: Scheduler, done: Callable[[], bool], limit: float = LIMIT) -> None:
    """Run the scheduler until ``done()`` holds (checked every 0.2 s) or ``limit`` seconds passed."""
    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit

        async def watch() -> None:
            while not done() and loop.time() < deadline:
                await asyncio.sleep(0.2)
            stop.set()
        watcher = asyncio.create_task(watch())
        await scheduler.run(stop, poll=0.2)
        await watcher
    asyncio.run(go())


def runs_of(store: Store, kind: str) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t.runs).where(t.runs.c.kind == kind).order_by(t.runs.c.id))
                .mappings()]


def probe_times(store: Store, url: str) -> list[datetime]:
    with store.engine.connect() as conn:
        ats = conn.execute(select(t.probes.c.at).where(t.probes.c.url == url).order_by(t.probes.c.at)).scalars()
        return [parse_at(a) for a in ats]


def make(store: Store, config: ServiceConfig, **crawl: Any) -> Scheduler:
    return Scheduler(store, config, sim_settings(store.url, **crawl), alerts=False, patrol_pages=30)


def tomorrow_at_midnight() -> datetime:
    return datetime.now(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)


def test_probes_and_a_patrol_due_at_start_then_restart(small_sim: Any, tmp_path: Path) -> None:
    url = family_site(small_sim)
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    config = config_for(url, probe_interval="2s", probe_jitter=0.2, patrol="00:00", full_scan="off")
    first = make(store, config)
    run_until(first, lambda: bool(first.finished) and len(probe_times(store, url)) >= 4)

    # Probes: the site's own interval, each visit moved by at most +/-20% of it.
    times = probe_times(store, url)
    assert len(times) >= 4
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
    assert all(gap >= 2 * (1 - 2 * 0.2) - 0.05 for gap in gaps), gaps
    probe_state = job_states(store, ["probe"])[f"probe:{url}"]
    assert parse_at(probe_state["next_due_at"]) == parse_at(probe_state["last_started_at"]) + timedelta(seconds=2)

    # The patrol due at start ran once: a patrol run, never complete (no verdict), recorded in schedule_state.
    patrols = runs_of(store, "patrol")
    assert len(patrols) == 1 and patrols[0]["status"] == "completed" and patrols[0]["complete"] is False
    state = job_states(store)[f"patrol:{url}"]
    assert state["last_run_id"] == patrols[0]["id"] and state["last_error"] is None
    assert parse_at(state["next_due_at"]) == tomorrow_at_midnight()
    assert runs_of(store, "scan") == []  # full_scan: off

    # Restart: the completed patrol is not run again; probes go on.
    before = len(probe_times(store, url))
    second = make(store, config)
    run_until(second, lambda: len(probe_times(store, url)) >= before + 2)
    assert len(runs_of(store, "patrol")) == 1 and second.finished == []

    # A patrol missed for three days (the service was down) runs once at start, not once per day.
    save_job_state(store, f"patrol:{url}", next_due_at=(datetime.now(SHANGHAI) - timedelta(days=3)).isoformat())
    third = make(store, config)
    run_until(third, lambda: bool(third.finished))
    assert len(runs_of(store, "patrol")) == 2 and [k for k, _ in third.finished] == [f"patrol:{url}"]
    assert parse_at(job_states(store)[f"patrol:{url}"]["next_due_at"]) == tomorrow_at_midnight()
    store.close()


def test_a_scan_stopped_in_flight_is_resumed_and_a_completed_one_not_repeated(small_sim: Any, tmp_path: Path) -> None:
    url = family_site(small_sim)
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    config = config_for(url, probe_interval="30s", patrol="off", full_scan="daily")

    first = make(store, config, per_host_rate=5)  # slowed down, and stopped as soon as the scan has started
    run_until(first, lambda: bool(runs_of(store, "scan")))
    scans = runs_of(store, "scan")
    assert len(scans) == 1 and scans[0]["status"] == "interrupted"
    assert job_states(store)[f"scan:{url}"]["last_finished_at"] is None  # not done: still due

    second = make(store, config)
    run_until(second, lambda: bool(second.finished))
    scans = runs_of(store, "scan")
    assert [s["id"] for s in scans] == [scans[0]["id"]] and scans[0]["status"] == "completed"  # the same run, resumed
    state = job_states(store)[f"scan:{url}"]
    assert state["last_run_id"] == scans[0]["id"] and parse_at(state["next_due_at"]) == tomorrow_at_midnight()

    third = make(store, config)  # completed today: not due again until tomorrow
    run_until(third, lambda: False, limit=2.0)
    assert third.finished == [] and len(runs_of(store, "scan")) == 1
    store.close()
