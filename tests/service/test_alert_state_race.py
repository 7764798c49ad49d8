"""Two processes stepping one alert state (``govwatch serve``'s tick and a worker's prober): the
write is a compare-and-set (store/service_rows.py ``record_transition(expected=...)``), so of two
transitions stepped from the same row exactly one is written and the other is stepped again from
the row the winner wrote. Each test runs on SQLite and on PostgreSQL, the two "processes" being two
stores (two connection pools) on one database, interleaved at a fixed point, never by timing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from govwatch.alerts.observer import AlertObserver
from govwatch.alerts.state import AlertState
from govwatch.core.clock import SHANGHAI
from govwatch.registry.importer import import_file
from govwatch.store import service_rows as rows
from govwatch.store.db import Store
from govwatch.store.probes import Target
from tests.alerts.test_observer import DOWN, QS, UP, config
from tests.registry.registry_helpers import PROVINCE, write_csv

T0 = datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)
STEP = timedelta(minutes=5)
KEY = f"site:{QS}"


@pytest.fixture
def stores(any_store: Store, store_url: str, tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    """Two processes' stores on one database holding the registry's small province."""
    assert not import_file(any_store, write_csv(tmp_path / "sites.csv", PROVINCE)).problems
    other = Store(store_url)
    yield any_store, other
    other.close()


def outbox_row(key: str) -> rows.OutboxRow:
    return rows.OutboxRow(event_kind="site_down", severity="critical", recipient="county", channel="hook",
                          dedupe_key=key, payload={"title": key})


def state_row(fail_streak: int, state: str = "up") -> dict[str, Any]:
    row = AlertState.initial("site", QS, QS, T0).to_row()
    return {**row, "state": state, "fail_streak": fail_streak}


def test_of_two_writes_from_one_read_only_the_first_is_kept(stores: tuple[Store, Store]) -> None:
    serve, worker = stores
    rows.record_transition(serve, state_row(0), [], at=T0)
    read_by_serve = rows.load_alert_state(serve, KEY)
    read_by_worker = rows.load_alert_state(worker, KEY)
    assert read_by_serve == read_by_worker == state_row(0)

    rows.record_transition(worker, state_row(1), [outbox_row("worker")], at=T0 + STEP, expected=read_by_worker)
    with pytest.raises(rows.AlertStateChanged):
        rows.record_transition(serve, state_row(1), [outbox_row("serve")], at=T0 + STEP, expected=read_by_serve)
    assert rows.load_alert_state(serve, KEY) == state_row(1)
    assert [r.dedupe_key for r in rows.list_outbox(serve)] == ["worker"]  # the loser wrote nothing at all

    again = rows.load_alert_state(serve, KEY)  # the loser reads again and steps from there
    rows.record_transition(serve, state_row(2, "down"), [outbox_row("serve")], at=T0 + 2 * STEP, expected=again)
    assert rows.load_alert_state(worker, KEY) == state_row(2, "down")
    assert sorted(r.dedupe_key for r in rows.list_outbox(worker)) == ["serve", "worker"]


def test_of_two_first_states_of_a_target_only_one_is_inserted(stores: tuple[Store, Store]) -> None:
    serve, worker = stores
    assert rows.load_alert_state(serve, KEY) is None and rows.load_alert_state(worker, KEY) is None
    rows.record_transition(worker, state_row(1), [outbox_row("worker")], at=T0, expected=None)
    with pytest.raises(rows.AlertStateChanged):
        rows.record_transition(serve, state_row(0), [outbox_row("serve")], at=T0, expected=None)
    assert rows.load_alert_state(serve, KEY) == state_row(1)
    assert [r.dedupe_key for r in rows.list_outbox(serve)] == ["worker"]


class Interleaved(AlertObserver):
    """An observer (one process) inside whose step, after it read the state and before it writes,
    another process's observer feeds a visit of the same target once: the interleaving that lost a
    transition when the write did not compare."""

    def __init__(self, store: Store, other: AlertObserver, target: Target, at: datetime) -> None:
        super().__init__(store, config())
        self.other, self.other_target, self.other_at = other, target, at
        self.steps = 0

    def _paused(self, state: AlertState, at: datetime, site_id: int | None) -> bool:
        self.steps += 1
        if self.steps == 1:
            self.other.on_visit(self.other_target, DOWN, self.other_at)
        return super()._paused(state, at, site_id)


def test_two_processes_failing_visits_interleaved_take_the_site_down_once(stores: tuple[Store, Store]) -> None:
    serve, worker = stores
    target = Target(serve.site_id(QS), QS, QS, "homepage")
    AlertObserver(serve, config()).on_visit(target, UP, T0)  # up, no failure yet
    worker_observer = AlertObserver(worker, config())
    prober = Interleaved(serve, worker_observer, target, T0 + STEP)

    prober.on_visit(target, DOWN, T0 + 2 * STEP)  # the worker's failed visit lands while this one is stepped

    assert prober.steps == 2  # stepped again from the worker's row
    stored = rows.load_alert_state(serve, KEY)
    assert stored is not None and (stored["state"], stored["fail_streak"]) == ("down", 2)  # both failures counted
    assert [(r.event_kind, r.recipient) for r in rows.list_outbox(serve)] == [("site_down", "county")]
