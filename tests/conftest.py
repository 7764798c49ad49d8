"""Shared fixtures: one simulator per test process (real HTTP servers on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from govwatch.core.settings import Settings, load_settings
from govwatch.store.db import Store

AS_OF = date(2026, 11, 22)
SLOW_SECONDS = 2.5  # the simulator's slow pages: well past the tests' crawl timeout
CRAWL_TIMEOUT = 1.0


def sim_settings(db_url: str, *, render: bool = False, **crawl: object) -> Settings:
    """Crawl settings for tests: fast on loopback, hermetic (offline), short timeouts.
    Rendering is off unless a test is about it (script-filled lists are then read from their endpoints)."""
    base = {"concurrency": 16, "per_host_concurrency": 8, "per_host_rate": 0, "timeout": CRAWL_TIMEOUT,
            "connect_timeout": 1.0, "backoff": 0.1, "network": "offline"}
    return load_settings(overrides={"crawl": {**base, **crawl}, "store": {"url": db_url},
                                    "render": {"enabled": render}}, environ={})


@pytest.fixture(scope="session")
def sim() -> Iterator[object]:
    from govwatch.sim import SimOptions, SimServer

    options = SimOptions(seed=7, as_of=AS_OF, site_pages=200, slow_seconds=SLOW_SECONDS, slow_ok_seconds=0.2)
    with SimServer(options).running() as server:
        yield server


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'test.db'}")
    yield s
    s.close()
