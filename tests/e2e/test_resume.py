"""A crawl killed with SIGKILL, or stopped with Ctrl-C (SIGINT), resumes without refetching what it
committed and loses nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from govwatch.pipeline import inspect_site
from govwatch.sim import SimOptions, SimServer
from govwatch.store.db import Store
from govwatch.store.stored_run import StoreRunData
from tests.conftest import AS_OF, SLOW_SECONDS, sim_settings

ROOT = Path(__file__).resolve().parents[2]


def _committed_pages(db: Path) -> int:
    try:
        with sqlite3.connect(db) as conn:
            return int(conn.execute("SELECT count(*) FROM fetches WHERE role = 'page'").fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_resume_after_interruption(tmp_path: Path, sig: signal.Signals) -> None:
    # Its own simulator: the request counts below must see this test's requests only.
    options = SimOptions(seed=11, as_of=AS_OF, site_pages=200, slow_seconds=SLOW_SECONDS, slow_ok_seconds=0.2)
    with SimServer(options).running() as sim:
        _interrupt_and_resume(sim, tmp_path, sig)


def _status(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return str(conn.execute("SELECT status FROM runs").fetchone()[0])


def _interrupt_and_resume(sim: Any, tmp_path: Path, sig: signal.Signals) -> None:
    url = sim.site_url("jcms")
    db = tmp_path / "resume.db"
    # Rendering off: the browser's own GET of a script-filled list page would count as a refetch.
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "GOVWATCH_RENDER__ENABLED": "false"}
    # A slow, polite crawl (20 requests/s) so the kill lands mid-crawl.
    cmd = [sys.executable, "-m", "govwatch", "inspect", url, "--db", str(db), "--offline", "--rate", "20",
           "--timeout", "1", "--as-of", AS_OF.isoformat()]
    child = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while _committed_pages(db) < 40 and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.1)
        assert child.poll() is None, "the crawl finished before it could be stopped"
        os.kill(child.pid, sig)
        out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    if sig == signal.SIGINT:  # a message and status 130, no traceback
        assert child.returncode == 130, (out, err)
        assert "已中断" in err and "--resume" in err  # the CLI's messages go to stderr
        assert "Traceback" not in err

    # kill -9 of the inspecting process: its crawl process gets SIGTERM from the kernel, stops its
    # crawl and marks the run, as a Ctrl-C does (it ends on its own: wait for that, bounded)
    deadline = time.monotonic() + 30
    while _status(db) == "running" and time.monotonic() < deadline:
        time.sleep(0.1)
    with sqlite3.connect(db) as conn:
        status = conn.execute("SELECT status FROM runs").fetchone()[0]
        before = {row[0]: row[1:] for row in conn.execute(
            "SELECT u.url, f.id, f.fetched_at, f.attempts FROM fetches f JOIN urls u ON u.id = f.url_id "
            "WHERE f.role = 'page' AND f.status = 200")}
    assert status == "interrupted"  # never marked finished
    assert len(before) >= 10

    store = Store(f"sqlite:///{db}")
    settings = sim_settings(store.url)
    settings.security.enabled = False  # the site measurement refetches a sample on purpose; counted here: the crawl's GETs
    resumed = inspect_site(url, settings, store, as_of=AS_OF, resume=True)
    assert resumed.resumed and resumed.run_id == 1

    data = StoreRunData(store, resumed.run_id)
    with sqlite3.connect(db) as conn:
        after = {row[0]: row[1:] for row in conn.execute(
            "SELECT u.url, f.id, f.fetched_at, f.attempts FROM fetches f JOIN urls u ON u.id = f.url_id "
            "WHERE f.role = 'page' AND f.status = 200")}
    # Nothing committed before the kill was lost or rewritten ...
    for page, row in before.items():
        assert after[page] == row
    # ... nor fetched again by the resumed crawl (the server counts every GET).
    for page, (_id, _at, attempts) in before.items():
        assert sim.request_count(page) == attempts, page

    # The resumed run is as complete as an uninterrupted one.
    fresh_store = Store(f"sqlite:///{tmp_path / 'fresh.db'}")
    fresh = inspect_site(url, sim_settings(fresh_store.url), fresh_store, as_of=AS_OF)
    fresh_data = StoreRunData(fresh_store, fresh.run_id)
    assert set(data.fetches) == set(fresh_data.fetches)
    assert {b["url"] for b in resumed.document["links"]["broken"]} == \
        {b["url"] for b in fresh.document["links"]["broken"]}
