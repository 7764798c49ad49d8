"""A crawl job has a time limit of its own (crawl.job_minutes / light_job_minutes): a crawl that
hangs past every request timeout is stopped, its run left resumable, and the job's error says why."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from sqlalchemy import select

from govwatch.core.settings import ConfigError, load_settings
from govwatch.pipeline import inspect_site_async
from govwatch.service.tasks import JobTimeout, within
from govwatch.store import tables as t
from govwatch.store.db import Store
from tests.conftest import AS_OF, sim_settings


def test_a_crawl_hanging_past_its_request_timeouts_is_stopped_at_the_job_limit(sim: Any, store: Store) -> None:
    hang = next(tr["url"] for tr in sim.manifest["sites"]["hostile"]["traps"] if tr["kind"] == "hang")
    # The request timeout (600 s) is no guard here: only the job's limit (0.05 min = 3 s) is.
    settings = sim_settings(store.url, timeout=600, seed_retry_seconds=0)
    started = time.monotonic()
    with pytest.raises(JobTimeout, match="任务超过0.05分钟未完成，已停止"):
        asyncio.run(within(0.05, inspect_site_async(hang, settings, store, as_of=AS_OF)))
    assert time.monotonic() - started < 60  # stopped, not waiting out the 600 s hang
    with store.engine.connect() as conn:
        statuses = list(conn.execute(select(t.runs.c.status)).scalars())
    assert statuses == ["interrupted"]  # left for the next scan to resume, never "running" for good


def test_work_within_its_limit_gives_its_result() -> None:
    async def quick() -> int:
        await asyncio.sleep(0.01)
        return 7
    assert asyncio.run(within(1, quick())) == 7


@pytest.mark.parametrize("name", ["job_minutes", "light_job_minutes"])
def test_a_limit_of_zero_is_refused(name: str) -> None:
    with pytest.raises(ConfigError, match=f"crawl.{name} must be greater than 0"):
        load_settings(overrides={"crawl": {name: 0}}, environ={})
