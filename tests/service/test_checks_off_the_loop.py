"""The service runs an inspection's checks in a worker thread (``checks_in_thread``), so probes and
the dashboard keep the event loop while a large site is checked; the CLI keeps them on the loop.
A spy around the real ``check_and_report`` records the thread it ran in; the result is the same."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from govwatch import pipeline
from govwatch.core import aio
from govwatch.store.db import Store
from tests.conftest import AS_OF, sim_settings


@pytest.mark.parametrize("in_thread", [False, True])
def test_checks_run_where_asked_with_the_same_findings(sim: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       in_thread: bool) -> None:
    threads: list[str] = []
    real = pipeline.check_and_report

    def spy(store: Store, run_id: int, data: Any = None) -> dict[str, Any]:
        threads.append(threading.current_thread().name)
        return real(store, run_id, data)

    monkeypatch.setattr(pipeline, "check_and_report", spy)
    store = Store(f"sqlite:///{tmp_path / 'g.db'}")
    inspection = aio.run(pipeline.inspect_site_async(sim.site_url("legacy"), sim_settings(store.url), store,
                                                     as_of=AS_OF, checks_in_thread=in_thread))
    assert len(threads) == 1
    assert (threads[0] != threading.main_thread().name) is in_thread
    assert store.run(inspection.run_id)["status"] == "completed"
    assert inspection.document["findings"] and inspection.document["scoring"]["ruleset"]
