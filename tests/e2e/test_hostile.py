"""Hostile input: traps, loops, huge pages, bombs, bad bytes, hangs and resets end as recorded
failures, and the inspection still completes with what it could read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from govwatch.pipeline import inspect_site
from govwatch.store.db import Store
from govwatch.store.stored_run import StoreRunData
from tests.conftest import AS_OF, sim_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def hostile(sim: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, StoreRunData, dict[str, str]]:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'h.db'}")
    # A deep depth limit, so only the trap guards can stop the calendar.
    settings = sim_settings(store.url, max_depth=1000, max_query_variants=50, max_bytes=5 * 1024 * 1024)
    inspection = inspect_site(sim.site_url("hostile"), settings, store, as_of=AS_OF)
    traps = {t["kind"]: t["url"] for t in sim.manifest["sites"]["hostile"]["traps"]}
    return inspection.document, StoreRunData(store, inspection.run_id), traps


def _row(data: StoreRunData, url: str) -> dict:
    row = data.fetches.get(url)
    assert row is not None, f"{url} was not recorded"
    return row


def test_inspection_completes(hostile: tuple) -> None:
    doc, _, _ = hostile
    assert doc["pages"]["crawled"] > 10
    assert all(c["status"] != "error" for c in doc["checks"])


def test_calendar_is_bounded_by_the_variant_cap(hostile: tuple) -> None:
    _, data, _ = hostile
    calendar = [u for u, r in data.fetches.items() if "/calendar?" in u and r["role"] == "page"]
    skipped = [u for u, r in data.fetches.items() if "/calendar?" in u and r["error"] == "trap"]
    assert 40 <= len(calendar) <= 51
    assert skipped and "query variants" in data.fetches[skipped[0]]["error_detail"]


def test_growing_query_is_cut(hostile: tuple) -> None:
    _, data, _ = hostile
    trapped = [r for u, r in data.fetches.items() if "/search?" in u and r["error"] == "trap"]
    assert trapped and "repeats the parameter 'q'" in trapped[0]["error_detail"]
    assert sum(1 for u in data.fetches if "/search?" in u) <= 5


@pytest.mark.parametrize("kind,error,detail", [
    ("redirect_loop", "redirect_loop", "redirect loop"),
    ("redirect_chain", "too_many_redirects", "more than 10 redirects"),
    ("huge", "too_large", "limit"),
    ("gzip_bomb", "too_large", "first 5242880 bytes kept"),
    ("hang", "timeout", "time limit"),
])
def test_each_trap_is_a_recorded_failure(hostile: tuple, kind: str, error: str, detail: str) -> None:
    _, data, traps = hostile
    row = _row(data, traps[kind])
    assert row["error"] == error
    assert detail in row["error_detail"]


def test_malformed_and_undecodable_pages_are_still_read(hostile: tuple) -> None:
    _, data, traps = hostile
    assert _row(data, traps["malformed"])["status"] == 200
    malformed = data.page(traps["malformed"])
    assert malformed is not None
    bad = data.page(traps["bad_bytes"])
    assert bad is not None and any("undecodable" in w for w in bad["warnings"])


# The hostile site inspected in a fresh process that reports its own peak RSS: a test worker's
# high-water mark is that of every test it ran before (the million-link fault tests). The peak is
# VmHWM, the high-water mark of the process's own memory map: ru_maxrss survives fork and exec, so a
# child of a 450 MB test worker reports 450 MB before it has read a page. The process serves the
# site from a simulator of its own in a second process, so neither the simulator's memory nor the
# state other tests left in the session's simulator counts.
_PEAK_OF_AN_INSPECTION = """
import multiprocessing, sys
from datetime import date
from govwatch.pipeline import inspect_site
from govwatch.sim import SimOptions, SimServer
from govwatch.store.db import Store
from tests.conftest import SLOW_SECONDS, sim_settings

def serve(ready, stop, as_of):
    options = SimOptions(seed=7, as_of=as_of, site_pages=200, slow_seconds=SLOW_SECONDS, slow_ok_seconds=0.2)
    with SimServer(options).running() as server:
        ready.put(server.site_url("hostile"))
        stop.wait()

if __name__ == "__main__":
    as_of = date.fromisoformat(sys.argv[2])
    ctx = multiprocessing.get_context("spawn")
    ready, stop = ctx.Queue(), ctx.Event()
    server = ctx.Process(target=serve, args=(ready, stop, as_of), daemon=True)
    server.start()
    try:
        url = ready.get(timeout=120)
        store = Store(sys.argv[1])
        settings = sim_settings(store.url, max_depth=1000, max_query_variants=50, max_bytes=5 * 1024 * 1024)
        doc = inspect_site(url, settings, store, as_of=as_of).document
        with open("/proc/self/status", encoding="ascii") as status:
            peak_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
        print(doc["pages"]["crawled"], peak_kib)
    finally:
        stop.set()
        server.join(30)
"""


def test_memory_stays_bounded_through_huge_pages_and_bombs(tmp_path: Path) -> None:
    """A 50 MB page and a 105 MB gzip bomb are never held in memory: the inspecting process's
    peak stays far below them plus its own size."""
    script = tmp_path / "peak.py"
    script.write_text(_PEAK_OF_AN_INSPECTION, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), f"sqlite:///{tmp_path / 'peak.db'}", AS_OF.isoformat()],
                          capture_output=True, text=True, timeout=600, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-2000:]
    crawled, peak_kib = (int(v) for v in done.stdout.split()[-2:])
    assert crawled > 10  # it read the site, bombs and huge pages included
    assert peak_kib / 1024 < 400


def test_site_that_resets_every_connection(sim: Any, store: Store) -> None:
    url = next(t["url"] for t in sim.manifest["sites"]["hostile"]["traps"] if t["kind"] == "reset_all")
    doc = inspect_site(url, sim_settings(store.url), store, as_of=AS_OF).document
    assert doc["pages"] == {"crawled": 1, "failed": 1}
    data = StoreRunData(store, doc["run"]["id"])
    assert data.fetches[doc["site"]["url"]]["error"] == "reset"
    assert data.fetches[doc["site"]["url"]]["attempts"] > 3  # retried patiently (the seed), then recorded
