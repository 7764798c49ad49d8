"""A Ctrl-C or SIGTERM that comes while a run's checks compute (issue 17): the checks are
synchronous, so the signal cannot stop them; the run completes, and the command says so: exit 0,
its normal output and a note that nothing needs resuming (never "run again with --resume", which
would start a new run). A second signal does stop the checks (the run stays ``crawled``; ``--resume`` finishes it).

The phase is read from the SQLite store: the checks have begun once the run is ``crawled`` and
its coverage fact (the first thing the checks store) exists; nothing the run awaits comes after.
"""

from __future__ import annotations

import asyncio
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
from tests.faults.test_interrupted_runs import _query, _start, _status, _stop_when, _text


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
    assert f"检查进行中收到 {name}，检查已做完：运行 1 已完成（无需续检）" in text
    assert "--resume" not in text and "Traceback" not in text
    assert "运行 1：" in text  # the normal summary
    doc = json.loads(out.read_text(encoding="utf-8"))  # the normal output
    assert doc["findings"] and doc["scoring"]["ruleset"]  # checked and scored, as without the signal


def test_a_second_sigterm_stops_a_coroutine_that_computes() -> None:
    """The first SIGTERM is noted (it cannot stop synchronous checks); the second raises
    :class:`aio.Terminated` where the computation is, so the command exits 143 and the run stays
    ``crawled`` — which ``--resume`` finishes without fetching (tests/faults/test_interrupted_runs.py,
    kill -9 after the crawl). Deterministic: both signals come from inside the computation."""
    reached: list[str] = []

    async def checks() -> str:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)  # the handler runs here: the first signal is noted, the work goes on
        reached.append("after the first")
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)  # the second raises here
        reached.append("after the second")
        return "finished"

    with pytest.raises(aio.Terminated):
        aio.run(checks())
    assert reached == ["after the first"]


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


@pytest.mark.parametrize("first_only", [True, False])
def test_a_run_child_takes_the_first_sigterm_only_and_cleans_up(first_only: bool) -> None:
    """A run's child process (crawl/process.py) may get SIGTERM twice when its parent is killed:
    the kernel sends the parent-death signal once for each dying parent thread it is handed on to
    (seen in CI: a second one cut the crawl's cleanup short, before the run was marked
    ``interrupted``). With ``first_sigterm_only`` the first cancels and later ones are ignored: the
    cleanup runs to its end. Without it (the CLI: a second SIGTERM means "now") the second stops it."""
    cleaned: list[str] = []

    async def crawl() -> str:
        os.kill(os.getpid(), signal.SIGTERM)  # the first: cancels at the next await
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            os.kill(os.getpid(), signal.SIGTERM)  # the second, during the cleanup
            await asyncio.sleep(0.05)
            cleaned.append("marked interrupted")
            raise
        return "finished"

    with pytest.raises(aio.Terminated):
        aio.run(crawl(), first_sigterm_only=first_only)
    assert cleaned == (["marked interrupted"] if first_only else [])
