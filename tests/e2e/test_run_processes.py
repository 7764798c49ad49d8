"""A run's crawl and its site measurements in processes of their own (govwatch.crawl.process).

Against the simulator: the crawl runs in the child named ``govwatch-crawl`` while the inspecting
process shows its progress, and the findings equal those of the same inspection done in one process
(``extract_workers: 0``); no child outlives the inspection. A crawl process that dies is an
:class:`InspectionError` that says so, leaving the run to resume; a cancelled inspection stops its
crawl process and marks the run ``interrupted``.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from govwatch.crawl.crawler import CrawlProgress
from govwatch.crawl.process import CRAWL_PROCESS, MEASURING_PROCESS
from govwatch.pipeline import InspectionError, inspect_site, inspect_site_async
from govwatch.store.db import Store
from tests.conftest import AS_OF, sim_settings

MAX_PAGES = 80


def _fingerprints(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted((f["code"], f["url"], f["fingerprint"]) for f in document["findings"])


def _status(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return str(conn.execute("SELECT status FROM runs ORDER BY id DESC").fetchone()[0])


def _pages(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM fetches WHERE role = 'page'").fetchone()[0])


def _run_children() -> list[str]:
    """The names of this process's children that are a run's processes (the simulator may have others)."""
    return [p.name for p in multiprocessing.active_children() if p.name in (CRAWL_PROCESS, MEASURING_PROCESS)]


def _crawl_child() -> multiprocessing.Process | None:
    return next((p for p in multiprocessing.active_children() if p.name == CRAWL_PROCESS), None)


def test_the_crawl_runs_in_its_own_process_and_finds_what_one_process_finds(sim: Any, tmp_path: Path) -> None:
    url = sim.site_url("trs")
    seen: set[str] = set()

    def progress(_p: CrawlProgress) -> None:  # called in the inspecting process while the crawl runs
        seen.update(p.name for p in multiprocessing.active_children())

    apart = Store(f"sqlite:///{tmp_path / 'apart.db'}")
    inspection = inspect_site(url, sim_settings(apart.url, max_pages=MAX_PAGES), apart, as_of=AS_OF,
                              progress=progress)
    assert CRAWL_PROCESS in seen
    assert _run_children() == []  # the crawl and measuring processes ended with it
    one = Store(f"sqlite:///{tmp_path / 'one.db'}")
    alone = inspect_site(url, sim_settings(one.url, max_pages=MAX_PAGES, extract_workers=0), one, as_of=AS_OF)
    assert inspection.stats is not None and alone.stats is not None
    assert inspection.stats.pages == alone.stats.pages
    assert _fingerprints(inspection.document) == _fingerprints(alone.document)
    measured = {name for name in ("transport", "ipv6", "cloaking", "site_search") if apart.run_facts(inspection.run_id).get(name)}
    assert measured == {"transport", "ipv6", "cloaking", "site_search"}  # taken by the measuring process


def test_a_crawl_process_that_dies_is_an_inspection_error_and_the_run_resumes(sim: Any, tmp_path: Path) -> None:
    url = sim.site_url("jcms")
    db = tmp_path / "died.db"
    store = Store(f"sqlite:///{db}")
    killed: list[int] = []

    def progress(p: CrawlProgress) -> None:
        child = _crawl_child()
        if p.pages >= 10 and child is not None and child.pid is not None and not killed:
            os.kill(child.pid, signal.SIGKILL)
            killed.append(child.pid)

    settings = sim_settings(store.url, per_host_rate=20)  # a polite crawl: the kill lands mid-crawl
    with pytest.raises(InspectionError, match=r"the crawl stopped: the process ended without a result "
                                              r"\(exit status -9\)"):
        inspect_site(url, settings, store, as_of=AS_OF, progress=progress)
    assert killed and _status(db) == "running"  # nobody marked it: resumable as after a kill -9
    resumed = inspect_site(url, sim_settings(store.url), store, as_of=AS_OF, resume=True)
    assert resumed.resumed and _status(db) == "completed"


def test_a_cancelled_inspection_stops_its_crawl_process_and_marks_the_run(sim: Any, tmp_path: Path) -> None:
    url = sim.site_url("jcms")
    db = tmp_path / "cancelled.db"
    store = Store(f"sqlite:///{db}")

    async def inspect_then_cancel() -> None:
        task: asyncio.Task[Any] | None = None

        def progress(p: CrawlProgress) -> None:
            if p.pages >= 10 and task is not None:
                task.cancel()

        task = asyncio.create_task(inspect_site_async(url, sim_settings(store.url, per_host_rate=20), store,
                                                      as_of=AS_OF, progress=progress))
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(inspect_then_cancel())
    assert _status(db) == "interrupted"
    assert _run_children() == []  # the crawl process was waited for, not left running
    pages = _pages(db)
    assert 10 <= pages
    resumed = inspect_site(url, sim_settings(store.url), store, as_of=AS_OF, resume=True)
    assert resumed.resumed and _status(db) == "completed" and _pages(db) > pages
