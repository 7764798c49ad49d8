"""One small simulated site inspected three times, shared by the ticket tests of a module:

- ``found_run``: the whole site as served (the findings tickets are issued from);
- ``fixed_run``: the whole site again after the simulator repaired one broken link target on the
  homepage (``repaired_target``) and one typo (``repaired_typo``) — a re-check that finds those two
  gone and every other problem still there;
- ``partial_run``: a crawl stopped after the homepage (``max_pages=1``): the site's other pages are
  not read, so a ticket on them cannot be verified by it;
- ``withheld_run``: a second site whose pages but the homepage all fail (``access="failing"``): an
  incomplete run, whose crawl-reading findings are withheld from scoring.

Tests work on a private copy of the store (:meth:`TicketSite.copy`): they change tickets.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from govwatch.pipeline import inspect_site
from govwatch.sim import SimOptions, SimServer
from govwatch.sim.options import SiteSpec
from govwatch.store.db import Store
from tests.conftest import AS_OF, sim_settings

REPAIRED_TYPO = "工做"


@dataclass
class TicketSite:
    """The inspected site, its three runs and the simulator's truth."""

    db: Path
    sim: Any
    site_url: str
    site_id: int
    truth: dict[str, Any]  # manifest["sites"]["trs"]
    found_run: int
    fixed_run: int
    partial_run: int
    withheld_run: int
    repaired_target: str  # a homepage broken link target that answers 200 in fixed_run
    repaired_typo_url: str  # the article whose typo REPAIRED_TYPO is corrected in fixed_run

    def copy(self, folder: Path) -> Store:
        """A private copy of the store in ``folder``."""
        target = folder / "tickets.db"
        with closing(sqlite3.connect(self.db)) as source, closing(sqlite3.connect(target)) as copy:
            source.backup(copy)
        return Store(f"sqlite:///{target}")


@pytest.fixture(scope="module")
def ticket_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TicketSite]:
    folder = tmp_path_factory.mktemp("tickets")
    options = SimOptions(seed=7, as_of=AS_OF, site_pages=50, hostile=False,
                         sites=(SiteSpec("trs", "trs", "host", "city"),
                                SiteSpec("shut", "jcms", "host", "county", access="failing")))
    with SimServer(options).running() as sim:
        truth = sim.manifest["sites"]["trs"]
        url = sim.site_url("trs")
        store = Store(f"sqlite:///{folder / 'base.db'}")
        try:
            found = inspect_site(url, sim_settings(store.url), store, as_of=AS_OF).run_id
            target = next(b["target"] for b in truth["broken_links"]
                          if b["scope"] == "homepage" and b["expect"] == "confirmed" and b["resource"] == "page")
            typo_url = next(p["url"] for p in truth["planted"]
                            if p["kind"] == "typo" and p["match"]["found"] == REPAIRED_TYPO)
            sim.repair(target)
            sim.repair(typo_url, found=REPAIRED_TYPO)
            try:
                fixed = inspect_site(url, sim_settings(store.url), store, as_of=AS_OF).run_id
            finally:
                sim.unrepair()
            partial = inspect_site(url, sim_settings(store.url, max_pages=1), store, as_of=AS_OF).run_id
            withheld = inspect_site(sim.site_url("shut"), sim_settings(store.url), store, as_of=AS_OF).run_id
            site_id = store.run(found)["site_id"]
        finally:
            store.close()
        yield TicketSite(db=folder / "base.db", sim=sim, site_url=url, site_id=site_id, truth=truth,
                         found_run=found, fixed_run=fixed, partial_run=partial, withheld_run=withheld,
                         repaired_target=target,
                         repaired_typo_url=typo_url)
