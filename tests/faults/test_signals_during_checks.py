"""A Ctrl-C or SIGTERM that comes while a run's checks compute (issue 17): the checks are
synchronous, so the signal cannot stop them; the run completes, and the command says so: exit 0,
its normal output and a note that nothing needs resuming (never "run again with --resume", which
would start a new run). A second signal does stop the checks: the run stays ``crawled`` and the
message names ``--resume``, which finishes it.

The phase is read from the SQLite store: the checks have begun once the run is ``crawled`` and
its coverage fact (the first thing the checks store) exists; nothing the run awaits comes after.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from govwatch.core import aio
from govwatch.sim import SimOptions, SimServer
from tests.conftest import AS_OF, SLOW_SECONDS
from tests.faults.test_interrupted_runs import _query, _resume, _start, _status, _stop_when, _text


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    options = SimOptions(seed=17, as_of=AS_OF, site_pages=200, slow_seconds=SLOW_SECONDS, slow_ok_seconds=0.2)
    with SimServer(options).running() as server:
        yield server


def _checking(db: Path) -> bool:
    """The run's checks have begun: crawled, and the coverage fact they store first is there."""
    return _status(db) == "crawled" and bool(_query(db, "SELECT id FROM run_facts WHERE name = 'crawl'"))


@pytest.mark.parametrize(("sig", "name"), [(signal.SIGINT, "Ctrl-C"), (signal.SIGTERM, "SIGTERM")])
def test_a_signal_during_the_checks_completes_the_run_and_exits_0(sim: SimServer, tmp_path: Path,
                                                                   sig: signal.Signals, name: str) -> None:
    db, out = tmp_path / "run.db", tmp_path / "run.json"
    child = _start(sim, db, "--json", str(out), measure=False)
    _, err = _stop_when(child, lambda: _checking(db), sig)
    assert _status(db) == "completed"
    assert child.returncode == 0, err
    text = _text(err)
    assert f"{name} came during the checks, which finished: run 1 is complete (nothing to resume)" in text
    assert "--resume" not in text and "Traceback" not in text
    assert "run 1:" in text  # the normal summary
    doc = json.loads(out.read_text(encoding="utf-8"))  # the normal output
    assert doc["findings"] and doc["scoring"]["ruleset"]  # checked and scored, as without the signal


def test_a_second_sigterm_stops_the_checks_and_resume_finishes_them(sim: SimServer, tmp_path: Path) -> None:
    db = tmp_path / "run.db"

    first: list[bool] = []

    def first_sent() -> bool:  # polled more than once: sends the first signal once
        if not first and _checking(db):
            os.kill(child.pid, signal.SIGTERM)  # the first: noted; the second (_stop_when's) stops the checks
            time.sleep(0.5)  # two signals pending at once are one: let the child handle the first
            first.append(True)
        return bool(first)

    child = _start(sim, db, measure=False)
    _, err = _stop_when(child, first_sent, signal.SIGTERM)
    assert child.returncode == 143, err
    assert _status(db) == "crawled"
    assert "--resume" in _text(err) and "Traceback" not in err
    _resume(sim, db, tmp_path / "resumed.json", measure=False)  # finishes run 1, completed


@pytest.mark.parametrize(("sig", "kind"), [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, aio.Terminated)])
def test_aio_run_returns_the_result_of_a_coroutine_a_signal_could_not_stop(
        sig: signal.Signals, kind: type[KeyboardInterrupt]) -> None:
    async def busy() -> str:
        os.kill(os.getpid(), sig)  # delivered while this coroutine computes without awaiting
        return "finished"

    assert aio.run(busy()) == "finished"
    late = aio.late_interrupt()
    assert type(late) is kind

    async def calm() -> str:
        return "calm"

    assert aio.run(calm()) == "calm" and aio.late_interrupt() is None  # each run starts clean
