"""Shared fixtures: one simulator per test process (real HTTP servers on 127.0.0.1), and its
sites inspected once per test process (:class:`InspectedSites`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest

from govwatch.core.jsonfile import json_bytes
from govwatch.core.settings import Settings, load_settings
from govwatch.pipeline import inspect_site
from govwatch.store.db import Store
from govwatch.store.stored_run import StoreRunData

AS_OF = date(2026, 11, 22)
SLOW_SECONDS = 2.5  # the simulator's slow pages: well past the tests' crawl timeout
CRAWL_TIMEOUT = 1.0


# The simulator's hosts are all on loopback: its external-role hosts on other ports are other hosts
# than the site, reachable only through this explicit allowance (crawl/address_guard.py).
SIM_ALLOW_PRIVATE = ("127.0.0.0/8", "::1", "localhost")


def sim_settings(db_url: str, *, render: bool = False, **crawl: object) -> Settings:
    """Crawl settings for tests: fast on loopback, hermetic (offline), short timeouts.
    Rendering is off unless a test is about it (script-filled lists are then read from their endpoints)."""
    base = {"concurrency": 16, "per_host_concurrency": 8, "per_host_rate": 0, "timeout": CRAWL_TIMEOUT,
            "connect_timeout": 1.0, "backoff": 0.1, "network": "offline",
            "seed_retry_seconds": 1.0,  # a failing homepage is retried patiently, but not 30 s in a test
            "allow_private": list(SIM_ALLOW_PRIVATE)}
    return load_settings(overrides={"crawl": {**base, **crawl}, "store": {"url": db_url},
                                    "render": {"enabled": render}}, environ={})


@pytest.fixture(scope="session")
def sim() -> Iterator[object]:
    from govwatch.sim import SimOptions, SimServer

    options = SimOptions(seed=7, as_of=AS_OF, site_pages=200, slow_seconds=SLOW_SECONDS, slow_ok_seconds=0.2)
    with SimServer(options).running() as server:
        yield server


@dataclass(frozen=True)
class InspectedSite:
    """One simulated site's stored run and its inspection JSON."""

    run_id: int
    document_json: bytes
    data: StoreRunData  # the stored run as checks see it (read it, never write through it)

    @property
    def document(self) -> dict[str, Any]:
        """The inspection document, parsed afresh: a test may change its copy."""
        return orjson.loads(self.document_json)


@dataclass
class InspectedSites:
    """The simulated sites, each inspected on its first request and then kept: the whole site,
    ``sim_settings`` (rendering off), as of ``AS_OF``, all in one store.

    Read-only: a test that writes to a store (scores, reviewer input, a later run) works on
    :meth:`copy_store`; a test that needs other settings or simulator state inspects on its own."""

    sim: Any
    store: Store
    _sites: dict[str, InspectedSite] = field(default_factory=dict)

    def __getitem__(self, site_id: str) -> InspectedSite:
        if site_id not in self._sites:
            inspection = inspect_site(self.sim.site_url(site_id), sim_settings(self.store.url), self.store,
                                      as_of=AS_OF)
            self._sites[site_id] = InspectedSite(inspection.run_id, json_bytes(inspection.document),
                                                 StoreRunData(self.store, inspection.run_id))
        return self._sites[site_id]

    def site_ids(self) -> list[str]:
        """The family sites (those with columns; not the hostile trap site)."""
        return [site_id for site_id, truth in self.sim.manifest["sites"].items() if truth.get("columns")]

    def copy_store(self, folder: Path) -> Store:
        """A private copy of the store (every site inspected so far) in ``folder``."""
        target = folder / "copy.db"
        source = sqlite3.connect(self.store.url.removeprefix("sqlite:///"))
        with closing(source), closing(sqlite3.connect(target)) as copy:
            source.backup(copy)
        return Store(f"sqlite:///{target}")


@pytest.fixture(scope="session")
def inspected_sites(sim: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InspectedSites]:
    """The simulator's sites, each inspected once per test session (per xdist worker)."""
    sites = InspectedSites(sim, Store(f"sqlite:///{tmp_path_factory.mktemp('inspected') / 'sites.db'}"))
    yield sites
    sites.store.close()


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'test.db'}")
    yield s
    s.close()
