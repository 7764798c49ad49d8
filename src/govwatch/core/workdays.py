"""Chinese working days (工作日): statutory holidays and make-up working days (调休上班日).

Reply deadlines (留言 1 个工作日内答复 …) are counted in working days. The calendar is a data
table shipped with govwatch (``govwatch/data/workdays.yaml``, from the State Council's yearly
notices). A day is a working day when the table lists it as a make-up working day, or when it is
Monday–Friday outside the table's holiday ranges. A year the table does not cover is counted as
Monday–Friday: the answer is then marked ``estimated`` and a warning is logged once per year, so
an inspection never crashes on a date the data does not reach.

Counting follows the usual reading of "N个工作日内": the day of the request is not counted; the
deadline is the end of the N-th working day after it (:meth:`WorkCalendar.deadline`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

import yaml

log = logging.getLogger(__name__)

MAX_SPAN_DAYS = 3660  # counts over longer spans are bounded (a reply ten years late is late)


class CalendarDataError(ValueError):
    """The working-day table cannot be read (a broken edit of the data file)."""


@dataclass(frozen=True, slots=True)
class Count:
    """Working days between two dates, and whether any year had to be guessed (Mon–Fri)."""

    days: int
    estimated_years: tuple[int, ...] = ()

    @property
    def estimated(self) -> bool:
        return bool(self.estimated_years)


class WorkCalendar:
    """Working-day arithmetic over a holiday table (years -> holiday days, make-up days)."""

    def __init__(self, holidays: dict[date, str], workdays: set[date], years: set[int]) -> None:
        self._holidays = holidays
        self._workdays = workdays
        self.years = frozenset(years)
        self._warned: set[int] = set()

    @property
    def first_year(self) -> int:
        return min(self.years)

    @property
    def last_year(self) -> int:
        return max(self.years)

    def covers(self, day: date) -> bool:
        """Whether the table holds ``day``'s year (else weekdays stand in for working days)."""
        return day.year in self.years

    def _uncovered(self, year: int) -> None:
        if year not in self._warned:
            self._warned.add(year)
            log.warning("no statutory holiday data for %d (table covers %d-%d): counting Monday-Friday as "
                        "working days; add the year to govwatch/data/workdays.yaml", year, self.first_year,
                        self.last_year)

    def is_workday(self, day: date) -> bool:
        """Whether ``day`` is a working day (weekdays for years the table does not cover)."""
        if day in self._workdays:
            return True
        if not self.covers(day):
            self._uncovered(day.year)
            return day.weekday() < 5
        return day.weekday() < 5 and day not in self._holidays

    def holiday(self, day: date) -> str | None:
        """The name of the statutory holiday ``day`` falls in (``None`` outside holidays)."""
        return self._holidays.get(day)

    def between(self, start: date, end: date) -> Count:
        """Working days ``d`` with ``start < d <= end`` (0 when ``end <= start``)."""
        if end <= start:
            return Count(0)
        end = min(end, start + timedelta(days=MAX_SPAN_DAYS))
        days = 0
        guessed: set[int] = set()
        day = start + timedelta(days=1)
        while day <= end:
            if not self.covers(day):
                guessed.add(day.year)
            days += self.is_workday(day)
            day += timedelta(days=1)
        return Count(days, tuple(sorted(guessed)))

    def deadline(self, start: date, workdays: int) -> date:
        """The ``workdays``-th working day after ``start`` (``start`` itself when 0)."""
        day = start
        left = workdays
        for _ in range(MAX_SPAN_DAYS):
            if left <= 0:
                return day
            day += timedelta(days=1)
            left -= self.is_workday(day)
        return day

    def holidays_between(self, start: date, end: date) -> list[str]:
        """Names of the statutory holidays with a day in ``start < d <= end``, in order."""
        names: list[str] = []
        day = start + timedelta(days=1)
        for _ in range(min(MAX_SPAN_DAYS, max(0, (end - start).days))):
            name = self._holidays.get(day)
            if name and name not in names:
                names.append(name)
            day += timedelta(days=1)
        return names

    def makeup_days_between(self, start: date, end: date) -> list[date]:
        """Make-up working days (weekend days worked) with ``start < d <= end``."""
        return sorted(d for d in self._workdays if start < d <= end)


def _day(year: int, text: Any, where: str) -> date:
    try:
        month, day = (int(p) for p in str(text).split("-"))
        return date(year, month, day)
    except (TypeError, ValueError):
        raise CalendarDataError(f"{where}: {text!r} is not a MM-DD day of {year}") from None


def parse_table(data: Any, origin: str = "workdays.yaml") -> WorkCalendar:
    """A calendar from the table's parsed YAML (``{years: {YYYY: {holidays, workdays}}}``)."""
    if not isinstance(data, dict) or not isinstance(data.get("years"), dict) or not data["years"]:
        raise CalendarDataError(f"{origin}: expected a mapping with a non-empty 'years' mapping")
    holidays: dict[date, str] = {}
    workdays: set[date] = set()
    years: set[int] = set()
    for year, entry in data["years"].items():
        where = f"{origin}: years.{year}"
        if not isinstance(year, int) or not isinstance(entry, dict):
            raise CalendarDataError(f"{where}: expected a year number with holidays and workdays")
        years.add(year)
        for n, item in enumerate(entry.get("holidays") or []):
            if not isinstance(item, list) or len(item) != 2:
                raise CalendarDataError(f"{where}.holidays.{n}: expected [MM-DD or MM-DD/MM-DD, name]")
            span, name = str(item[0]), str(item[1])
            first, _, last = span.partition("/")
            day, stop = _day(year, first, where), _day(year, last or first, where)
            if stop < day:
                raise CalendarDataError(f"{where}.holidays.{n}: range {span} ends before it starts")
            while day <= stop:
                holidays[day] = name
                day += timedelta(days=1)
        for text in entry.get("workdays") or []:
            workdays.add(_day(year, text, f"{where}.workdays"))
    return WorkCalendar(holidays, workdays, years)


@cache
def calendar() -> WorkCalendar:
    """The shipped calendar (read once)."""
    text = resources.files("govwatch.data").joinpath("workdays.yaml").read_text("utf-8")
    return parse_table(yaml.safe_load(text))
