"""Interrupted runs (issue 17, items 8 and 9): a real ``govwatch inspect`` killed with SIGKILL during
its crawl or after it, or stopped with SIGTERM, is finished by ``govwatch inspect --resume`` with
nothing lost and nothing fetched twice, and reaches the findings of an uninterrupted run.

Every request is counted by the simulator (``SimServer.request_count``) over every URL the runs
know, so "nothing fetched" means nothing at all reached the site. The phase of a run is read
from its status in the SQLite store, polled in bounded loops.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from govwatch.core.settings import load_settings
from govwatch.pipeline import unmeasured
from govwatch.sim import SimOptions, SimServer
from tests.conftest import AS_OF, SLOW_SECONDS

ROOT = Path(__file__).resolve().parents[2]
BOUND = 120  # seconds: generous completion bound of one CLI run on this 200-page site
MEASUREMENTS = ("transport", "ipv6", "cloaking", "site_search", "accessibility")  # the site measurements' run facts


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    """This module's own simulator: the request counts must see only its tests' requests."""
    options = SimOptions(seed=17, as_of=AS_OF, site_pages=200, slow_seconds=SLOW_SECONDS, slow_ok_seconds=0.2)
    with SimServer(options).running() as server:
        yield server


def _env(*, measure: bool) -> dict[str, str]:
    # Rendering off: the browser's own GETs would count as refetches. Wide lines: messages unwrapped.
    return {**os.environ, "PYTHONPATH": str(ROOT / "src"), "GOVWATCH_RENDER__ENABLED": "false",
            "GOVWATCH_SECURITY__ENABLED": str(measure).lower(), "COLUMNS": "400"}


def _start(sim: SimServer, db: Path, *extra: str, measure: bool) -> subprocess.Popen[str]:
    """A new ``govwatch inspect`` of the site in the background. The simulator's first-request
    faults fire again for it, as they do for the uninterrupted run it is compared with."""
    sim.reset_faults()
    return subprocess.Popen(_inspect_cmd(sim.site_url("jcms"), db, *extra), env=_env(measure=measure),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _inspect_cmd(url: str, db: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "govwatch", "inspect", url, "--db", str(db), "--offline", "--timeout", "1",
            "--as-of", AS_OF.isoformat(), *extra]


def _govwatch(args: list[str], *, measure: bool) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "govwatch", *args], env=_env(measure=measure), capture_output=True,
                          text=True, timeout=BOUND)


def _query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` on the store; none while the child has not created it yet."""
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return list(conn.execute(sql))
    except sqlite3.Error:
        return []


def _status(db: Path) -> str | None:
    rows = _query(db, "SELECT status FROM runs ORDER BY id")
    return rows[-1][0] if rows else None


def _pages(db: Path) -> int:
    rows = _query(db, "SELECT count(*) FROM fetches WHERE role = 'page'")
    return int(rows[0][0]) if rows else 0


def _measured(db: Path) -> int:
    names = ", ".join(f"'{n}'" for n in MEASUREMENTS)
    rows = _query(db, f"SELECT count(*) FROM run_facts WHERE name IN ({names})")
    return int(rows[0][0]) if rows else 0


def _fetch_rows(db: Path) -> dict[str, tuple[Any, ...]]:
    """Every stored fetch by URL: (fetch id, role, status, fetched_at, attempts); one row per URL."""
    rows = _query(db, "SELECT u.url, f.id, f.role, f.status, f.fetched_at, f.attempts "
                      "FROM fetches f JOIN urls u ON u.id = f.url_id")
    by_url = {row[0]: row[1:] for row in rows}
    assert len(by_url) == len(rows), "a URL was stored twice in one run"
    return by_url


def _requests(sim: SimServer, *dbs: Path) -> int:
    """Requests the simulator answered for any URL the runs in ``dbs`` know (fetched or linked)."""
    urls = {row[0] for db in dbs for row in _query(db, "SELECT url FROM urls")}
    return sum(sim.request_count(url, method) for url in urls for method in ("GET", "HEAD"))


def _stop_when(child: subprocess.Popen[str], ready: Callable[[], bool], sig: signal.Signals) -> tuple[str, str]:
    """Send ``sig`` to ``child`` as soon as ``ready()`` (polled, bounded); its stdout and stderr."""
    try:
        deadline = time.monotonic() + BOUND
        while not ready() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert child.poll() is None, "the run ended before it could be stopped"
        assert ready(), "the run did not reach the phase to stop it in"
        os.kill(child.pid, sig)
        return child.communicate(timeout=BOUND)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def _fingerprints(path: Path) -> set[str]:
    return {f["fingerprint"] for f in json.loads(path.read_text(encoding="utf-8"))["findings"]}


def _text(err: str) -> str:
    return " ".join(err.split())


def _fresh(sim: SimServer, tmp: Path, *, measure: bool) -> tuple[Path, Path]:
    """An uninterrupted run with the same flags: its store and inspection JSON."""
    db, out = tmp / "fresh.db", tmp / "fresh.json"
    sim.reset_faults()
    done = _govwatch(_inspect_cmd(sim.site_url("jcms"), db, "--json", str(out))[3:], measure=measure)
    assert done.returncode == 0, done.stderr
    return db, out


@pytest.fixture(scope="module")
def fresh_unmeasured(sim: SimServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _fresh(sim, tmp_path_factory.mktemp("fresh-unmeasured"), measure=False)


def _resume(sim: SimServer, db: Path, out: Path, *, measure: bool) -> subprocess.CompletedProcess[str]:
    done = _govwatch(_inspect_cmd(sim.site_url("jcms"), db, "--resume", "--json", str(out))[3:], measure=measure)
    assert done.returncode == 0, done.stderr
    assert "运行 1（续检）" in _text(done.stderr)
    assert _query(db, "SELECT id, status FROM runs") == [(1, "completed")]  # the same run, finished; no new one
    return done


def _counts(sim: SimServer, urls: Iterable[str]) -> dict[str, int]:
    """Requests (GET and HEAD) the simulator answered so far for each of ``urls``."""
    return {url: sim.request_count(url) + sim.request_count(url, "HEAD") for url in urls}


def _resume_loses_and_refetches_nothing(sim: SimServer, db: Path, out: Path, *, measure: bool) -> None:
    """Resume the stopped run: every fetch stored before is still there unchanged, and no URL it
    had fetched is requested again (the server's counts for them do not move)."""
    before = _fetch_rows(db)
    assert len(before) >= 30
    counts = _counts(sim, before)
    _resume(sim, db, out, measure=measure)
    after = _fetch_rows(db)
    for url, row in before.items():
        assert after[url] == row, url
    assert _counts(sim, before) == counts


def _assert_like_fresh(db: Path, out: Path, fresh: tuple[Path, Path]) -> None:
    """The resumed run fetched what an uninterrupted run fetches and found the same problems."""
    fresh_db, fresh_out = fresh
    assert set(_fetch_rows(db)) == set(_fetch_rows(fresh_db))
    assert _fingerprints(out) == _fingerprints(fresh_out)


# -- kill -9 during the crawl ------------------------------------------------------------------


def test_kill_9_during_the_crawl_then_resume_continues_it(sim: SimServer, tmp_path: Path,
                                                           fresh_unmeasured: tuple[Path, Path]) -> None:
    db = tmp_path / "run.db"
    # A polite crawl (20 requests/s) so the kill lands mid-crawl.
    child = _start(sim, db, "--rate", "20", measure=False)
    _, stderr = _stop_when(child, lambda: _pages(db) >= 30, signal.SIGKILL)  # the crawl process's too
    # The crawl process outlives the inspecting one only to stop: the kernel sends it SIGTERM, it stops
    # its crawl and marks the run (bounded wait); no crawl goes on writing a run nobody finishes.
    deadline = time.monotonic() + BOUND
    while _status(db) == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _status(db) == "interrupted", f"the crawl process's output: {stderr[-3000:]!r}"
    pages = _pages(db)
    time.sleep(1)
    assert _pages(db) == pages
    out = tmp_path / "resumed.json"
    _resume_loses_and_refetches_nothing(sim, db, out, measure=False)
    _assert_like_fresh(db, out, fresh_unmeasured)


# -- kill -9 after the crawl: the checks are finished, nothing fetched ---------------------------


def test_kill_9_after_the_crawl_then_resume_checks_without_fetching(sim: SimServer, tmp_path: Path) -> None:
    url = sim.site_url("jcms")
    db = tmp_path / "run.db"
    child = _start(sim, db, measure=True)
    # Crawled and measured: the kill lands in the checks.
    _stop_when(child, lambda: _status(db) == "crawled" and _measured(db) == len(MEASUREMENTS), signal.SIGKILL)
    assert _status(db) == "crawled"
    assert not _query(db, "SELECT id FROM findings")
    before = _fetch_rows(db)
    facts_before = _query(db, "SELECT id, name, facts FROM run_facts ORDER BY id")

    # score cannot score it, and says which command finishes it ...
    scored = _govwatch(["score", "1", "--db", str(db)], measure=True)
    assert scored.returncode == 2 and "Traceback" not in scored.stderr
    assert f"govwatch inspect {url} --resume" in _text(scored.stderr)
    assert "不再抓取任何页面" in _text(scored.stderr)

    # ... and that command finishes it without a single request to the site.
    requests = _requests(sim, db)
    out = tmp_path / "resumed.json"
    _resume(sim, db, out, measure=True)
    assert _requests(sim, db) == requests
    assert _fetch_rows(db) == before
    measured = [row for row in _query(db, "SELECT id, name, facts FROM run_facts ORDER BY id") if row[1] in MEASUREMENTS]
    assert measured == [row for row in facts_before if row[1] in MEASUREMENTS]  # kept, not measured again

    # The same findings as an uninterrupted run with the same settings.
    fresh_db, fresh_out = _fresh(sim, tmp_path, measure=True)
    _assert_like_fresh(db, out, (fresh_db, fresh_out))
    assert _fingerprints(out)  # the site has findings: the comparison compares something

    # Now the advice has been followed, score scores it.
    scored = _govwatch(["score", "1", "--db", str(db)], measure=True)
    assert scored.returncode == 0, scored.stderr


def test_measurements_a_run_has_stored_are_not_taken_again() -> None:
    settings = load_settings(environ={})
    kept = unmeasured(settings, {"transport": {"https": False}})
    assert kept.security.enabled and not kept.security.tls and kept.security.ipv6 and kept.security.cloaking
    assert not unmeasured(settings, dict.fromkeys(MEASUREMENTS, {})).security.enabled
    settings.security.ipv6 = False
    assert not unmeasured(settings, {"transport": {}, "cloaking": {}, "site_search": {},  # off stays off
                                     "accessibility": {}}).security.enabled
    assert unmeasured(settings, {"transport": {}, "cloaking": {}, "site_search": {}}).security.accessibility


# -- SIGTERM ---------------------------------------------------------------------------------------


def test_sigterm_mid_crawl_marks_the_run_interrupted_and_resume_continues_it(
        sim: SimServer, tmp_path: Path, fresh_unmeasured: tuple[Path, Path]) -> None:
    db = tmp_path / "run.db"
    child = _start(sim, db, "--rate", "20", measure=False)
    _, err = _stop_when(child, lambda: _pages(db) >= 30, signal.SIGTERM)
    assert child.returncode == 143, err  # 128 + SIGTERM, as 130 is 128 + SIGINT
    assert "interrupted by SIGTERM" in _text(err) and "--resume" in err and "Traceback" not in err
    assert _status(db) == "interrupted"
    out = tmp_path / "resumed.json"
    _resume_loses_and_refetches_nothing(sim, db, out, measure=False)
    _assert_like_fresh(db, out, fresh_unmeasured)


def test_sigterm_stops_probe_like_ctrl_c(sim: SimServer, tmp_path: Path) -> None:
    db, out = tmp_path / "probe.db", tmp_path / "probe.json"
    child = subprocess.Popen([sys.executable, "-m", "govwatch", "probe", sim.site_url("jcms"), "--count", "10000",
                              "--interval", "0.05", "--json", str(out), "--db", str(db), "--quiet"],
                             env=_env(measure=False), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, err = _stop_when(child, lambda: bool(_query(db, "SELECT id FROM probes LIMIT 5 OFFSET 4")), signal.SIGTERM)
    assert child.returncode == 143, err
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["interrupted"] is True and 5 <= doc["count"] < 10000
    assert len(_query(db, "SELECT id FROM probes")) == doc["count"]  # every visit made is stored
    assert "已中断" in err and "Traceback" not in err
