"""``govwatch serve`` picks up watched sites added to or removed from its config file while it runs
(service/scheduler.py ``refresh``, ``config_file_reloader``): a scheduler on the PostgreSQL store
running its loop, its config file rewritten, the new site's jobs planned and its probe targets in
``probe_schedule``; the removed site's jobs and targets gone. No restart. The sites are the
simulator's (loopback); the patrol's clock time is never reached (the scheduler's clock is fixed),
so nothing is crawled or deferred."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from sqlalchemy import text

from govwatch.core.clock import SHANGHAI
from govwatch.core.serviceconfig import load_service_config
from govwatch.service.scheduler import Scheduler, config_file_reloader
from govwatch.sim import SimServer
from govwatch.store.db import Store
from tests.conftest import sim_settings
from tests.distributed.serving import empty_queue

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)
LIMIT = 60.0  # seconds: a bound on the wait, never a timing


def write_config(path: Path, urls: list[str]) -> Path:
    sites = "".join(f"  - url: '{u}'\n" for u in urls)
    path.write_text(f"use_registry: false\nsites:\n{sites}schedule: {{probe_interval: 1h, patrol: '23:00', "
                    "full_scan: 'off'}\n", encoding="utf-8")
    return path


def probed_sites(store: Store) -> set[int]:
    with store.engine.connect() as conn:
        return {int(s) for s in conn.execute(text("SELECT DISTINCT site_id FROM probe_schedule")).scalars()}


def test_a_site_added_to_the_config_while_serve_runs_is_scheduled(pg_store: Store, pg_database: str,
                                                                  dsim: SimServer, tmp_path: Path) -> None:
    empty_queue(pg_store)
    first, second = dsim.site_url("trs"), dsim.site_url("jcms")
    path = write_config(tmp_path / "service.yaml", [first])
    config = load_service_config(str(path))
    scheduler = Scheduler(pg_store, config, sim_settings(pg_database), alerts=False, clock=lambda: NOW,
                          refresh_seconds=0, reload_config=config_file_reloader(path, config))

    async def go() -> None:
        stop = asyncio.Event()
        running = asyncio.create_task(scheduler.run(stop, poll=0.05))
        try:
            await wait(lambda: scheduler.loaded)
            assert set(scheduler.jobs) == {f"patrol:{first}"}
            assert probed_sites(pg_store) == {pg_store.site_id(first)}

            write_config(path, [first, second])  # a site added while it runs
            await wait(lambda: f"patrol:{second}" in scheduler.jobs)
            assert scheduler.jobs[f"patrol:{second}"].due == datetime(2026, 12, 4, 23, 0, tzinfo=SHANGHAI)
            assert probed_sites(pg_store) == {pg_store.site_id(first), pg_store.site_id(second)}

            write_config(path, [second])  # and one removed
            await wait(lambda: f"patrol:{first}" not in scheduler.jobs)
            assert set(scheduler.jobs) == {f"patrol:{second}"}
            assert probed_sites(pg_store) == {pg_store.site_id(second)}
            assert not running.done()
        finally:
            stop.set()
            await running

    asyncio.run(go())


async def wait(done: object) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + LIMIT
    while not done():  # type: ignore[operator]
        assert loop.time() < deadline, "not within the bound"
        await asyncio.sleep(0.05)


def test_a_worker_reads_its_watched_sites_again(tmp_path: Path) -> None:
    """A worker's TaskContext (the site configs its scans use, the bulletin's sites) follows the
    config file as serve does: with ``refresh_seconds`` 0 a site added is watched at the next read,
    a site removed is no longer; with the default it keeps what it read within the minute."""
    import os

    from govwatch.service.tasks import TaskContext

    store = Store(f"sqlite:///{tmp_path / 'w.db'}")
    first, second = "http://www.a.gov.cn/", "http://www.b.gov.cn/"
    path = write_config(tmp_path / "service.yaml", [first])
    config = load_service_config(str(path))
    fresh = TaskContext(store, sim_settings(store.url), config, reload_config=config_file_reloader(path, config),
                        refresh_seconds=0)
    cached = TaskContext(store, sim_settings(store.url), config, reload_config=config_file_reloader(path, config))
    assert [s.url for s in fresh.watched_sites()] == [s.url for s in cached.watched_sites()] == [first]

    def rewrite(urls: list[str]) -> None:
        before = os.stat(path).st_mtime_ns
        write_config(path, urls)
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))  # a new mtime even within one clock tick

    rewrite([first, second])
    assert [s.url for s in fresh.watched_sites()] == [first, second]
    assert fresh.watched_site_ids() == [store.site_id(first), store.site_id(second)]
    assert [s.url for s in cached.watched_sites()] == [first]  # read again only after a minute
    rewrite([second])
    assert [s.url for s in fresh.watched_sites()] == [second]
    store.close()
