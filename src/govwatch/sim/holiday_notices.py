"""The simulator's own working-day calendar: the oracle for reply delays, apart from the code it checks.

The truth the manifest gives for messages (working days taken, holidays crossed, make-up days)
must not come from :mod:`govwatch.core.workdays` and ``govwatch/data/workdays.yaml``, which the
responsiveness check uses. So the holiday ranges and make-up working days (调休上班日) below are
typed in from the State Council's notices (国务院办公厅关于2025年/2026年部分节假日安排的通知), and
the counting is plain date arithmetic.

Outside the noted years the simulator does not know the holidays: it counts Monday–Friday there and
plants only periods whose count no calendar can change (:meth:`SimCalendar.certain`): a reply on
the day asked, or a period inside the noted years. Add a year here, typed from its notice (not
copied from the shipped table), when the simulator's dates should reach it.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

D = date

# year -> ((first day, last day, name) of each holiday period, make-up working days)
NOTICES: dict[int, tuple[tuple[tuple[date, date, str], ...], tuple[date, ...]]] = {
    2025: (((D(2025, 1, 1), D(2025, 1, 1), "元旦"), (D(2025, 1, 28), D(2025, 2, 4), "春节"),
            (D(2025, 4, 4), D(2025, 4, 6), "清明节"), (D(2025, 5, 1), D(2025, 5, 5), "劳动节"),
            (D(2025, 5, 31), D(2025, 6, 2), "端午节"), (D(2025, 10, 1), D(2025, 10, 8), "国庆节、中秋节")),
           (D(2025, 1, 26), D(2025, 2, 8), D(2025, 4, 27), D(2025, 9, 28), D(2025, 10, 11))),
    2026: (((D(2026, 1, 1), D(2026, 1, 3), "元旦"), (D(2026, 2, 15), D(2026, 2, 23), "春节"),
            (D(2026, 4, 4), D(2026, 4, 6), "清明节"), (D(2026, 5, 1), D(2026, 5, 5), "劳动节"),
            (D(2026, 6, 19), D(2026, 6, 21), "端午节"), (D(2026, 9, 25), D(2026, 9, 27), "中秋节"),
            (D(2026, 10, 1), D(2026, 10, 7), "国庆节")),
           (D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10))),
}


def _days_after(start: date, end: date) -> list[date]:
    """The days ``d`` with ``start < d <= end``."""
    return [start + timedelta(days=n) for n in range(1, (end - start).days + 1)]


class SimCalendar:
    """Working days by the notices above (Monday–Friday in the years they do not cover)."""

    def __init__(self, notices: dict[int, tuple[tuple[tuple[date, date, str], ...], tuple[date, ...]]]) -> None:
        self.years = frozenset(notices)
        self._holidays = {day: name for periods, _makeup in notices.values() for first, last, name in periods
                          for day in [first, *_days_after(first, last)]}
        self._makeup = frozenset(day for _periods, makeup in notices.values() for day in makeup)

    def is_workday(self, day: date) -> bool:
        return day in self._makeup or (day.weekday() < 5 and day not in self._holidays)

    def certain(self, start: date, end: date) -> bool:
        """Whether every day of ``start < d <= end`` lies in a noted year (true for an empty period):
        then the count below is the statutory one, whatever calendar the checks read."""
        first = start + timedelta(days=1)
        return end < first or all(year in self.years for year in range(first.year, end.year + 1))

    def between(self, start: date, end: date) -> int:
        """Working days ``d`` with ``start < d <= end`` (0 when ``end <= start``)."""
        return sum(self.is_workday(day) for day in _days_after(start, end))

    def deadline(self, start: date, workdays: int) -> date:
        """The ``workdays``-th working day after ``start`` (``start`` itself when 0)."""
        day = start
        while workdays > 0:
            day += timedelta(days=1)
            workdays -= self.is_workday(day)
        return day

    def holiday_weekdays(self, start: date, end: date) -> int:
        """Monday–Friday days off (statutory holidays) with ``start < d <= end``."""
        return sum(day.weekday() < 5 and day in self._holidays for day in _days_after(start, end))

    def holidays_between(self, start: date, end: date) -> list[str]:
        """Names of the holidays with a day in ``start < d <= end``, in order."""
        return list(dict.fromkeys(self._holidays[day] for day in _days_after(start, end) if day in self._holidays))

    def makeup_days_between(self, start: date, end: date) -> list[date]:
        """Make-up working days with ``start < d <= end``."""
        return [day for day in _days_after(start, end) if day in self._makeup]


@cache
def sim_calendar() -> SimCalendar:
    """The simulator's calendar (built once)."""
    return SimCalendar(NOTICES)
