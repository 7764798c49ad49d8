"""When scheduled jobs fall due: calendar cycles across day, week, month, quarter and year ends, durations,
and the daily patrol clock, all in Beijing time (hand-computed expectations)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from govwatch.core.clock import SHANGHAI
from govwatch.service.cycles import first_clock_due, next_clock_due, next_cycle_due, period_start


def bj(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


@pytest.mark.parametrize(("cycle", "last", "due"), [
    ("daily", bj(2026, 12, 31, 23, 59), bj(2027, 1, 1)),
    ("daily", bj(2026, 2, 28, 0, 0), bj(2026, 3, 1)),
    ("weekly", bj(2026, 12, 3, 10, 0), bj(2026, 12, 7)),  # a Thursday → next Monday
    ("weekly", bj(2026, 12, 7, 0, 0), bj(2026, 12, 14)),  # a Monday at 00:00 → the Monday after
    ("weekly", bj(2026, 12, 28, 9, 0), bj(2027, 1, 4)),  # across the year end
    ("monthly", bj(2026, 1, 31, 23, 0), bj(2026, 2, 1)),
    ("monthly", bj(2026, 2, 1, 0, 0), bj(2026, 3, 1)),
    ("monthly", bj(2026, 12, 15, 8, 0), bj(2027, 1, 1)),
    ("quarterly", bj(2026, 3, 31, 23, 59), bj(2026, 4, 1)),
    ("quarterly", bj(2026, 4, 1, 0, 0), bj(2026, 7, 1)),
    ("quarterly", bj(2026, 8, 20, 12, 0), bj(2026, 10, 1)),
    ("quarterly", bj(2026, 11, 30, 12, 0), bj(2027, 1, 1)),
    ("12h", bj(2026, 12, 31, 20, 0), bj(2027, 1, 1, 8, 0)),
    ("1d", bj(2026, 2, 28, 6, 30), bj(2026, 3, 1, 6, 30)),
])
def test_next_cycle_due(cycle: str, last: datetime, due: datetime) -> None:
    assert next_cycle_due(cycle, last) == due


def test_cycles_are_counted_in_beijing_time() -> None:
    # 2026-03-31 17:00 UTC is 2026-04-01 01:00 in Beijing: already the second quarter there.
    last = datetime(2026, 3, 31, 17, 0, tzinfo=UTC)
    assert period_start("quarterly", last) == bj(2026, 4, 1)
    assert next_cycle_due("quarterly", last) == bj(2026, 7, 1)
    assert next_cycle_due("monthly", last) == bj(2026, 5, 1)


def test_one_run_per_period_however_long_it_was_down() -> None:
    # Scanned on 2026-01-10; the service is down until June: the scan is due once (since Feb 1),
    # and after it runs in June the next one is July 1, not a catch-up per missed month.
    due = next_cycle_due("monthly", bj(2026, 1, 10, 3, 0))
    assert due == bj(2026, 2, 1)
    assert next_cycle_due("monthly", bj(2026, 6, 5, 9, 0)) == bj(2026, 7, 1)


def test_patrol_clock() -> None:
    at = time(8, 30)
    assert first_clock_due(at, bj(2026, 12, 4, 7, 0)) == bj(2026, 12, 4, 8, 30)  # later today
    assert first_clock_due(at, bj(2026, 12, 4, 9, 0)) == bj(2026, 12, 4, 8, 30)  # passed: due now
    assert next_clock_due(at, bj(2026, 12, 4, 8, 30, 5)) == bj(2026, 12, 5, 8, 30)
    assert next_clock_due(at, bj(2026, 12, 4, 7, 0)) == bj(2026, 12, 4, 8, 30)
    assert next_clock_due(at, bj(2026, 12, 31, 23, 0)) == bj(2027, 1, 1, 8, 30)
    # A patrol that ran three days late (the service was down) is next due the following morning.
    assert next_clock_due(at, bj(2026, 12, 7, 10, 0)) - bj(2026, 12, 7, 10, 0) < timedelta(days=1)
