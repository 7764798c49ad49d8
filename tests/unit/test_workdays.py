"""Working-day arithmetic on the real 2025 and 2026 statutory calendars (国务院办公厅 notices).

The expected dates below are typed in from the State Council's notices on the 2025 and 2026
holiday arrangements, not read from govwatch's table; the table is also compared day by day
with the chinese_calendar package when it is installed.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest

from govwatch.core.workdays import CalendarDataError, calendar, parse_table

D = date

# (first day, last day) of every holiday period and the make-up working days (调休上班).
HOLIDAYS_2025 = [(D(2025, 1, 1), D(2025, 1, 1)), (D(2025, 1, 28), D(2025, 2, 4)), (D(2025, 4, 4), D(2025, 4, 6)),
                 (D(2025, 5, 1), D(2025, 5, 5)), (D(2025, 5, 31), D(2025, 6, 2)), (D(2025, 10, 1), D(2025, 10, 8))]
MAKEUP_2025 = [D(2025, 1, 26), D(2025, 2, 8), D(2025, 4, 27), D(2025, 9, 28), D(2025, 10, 11)]
HOLIDAYS_2026 = [(D(2026, 1, 1), D(2026, 1, 3)), (D(2026, 2, 15), D(2026, 2, 23)), (D(2026, 4, 4), D(2026, 4, 6)),
                 (D(2026, 5, 1), D(2026, 5, 5)), (D(2026, 6, 19), D(2026, 6, 21)), (D(2026, 9, 25), D(2026, 9, 27)),
                 (D(2026, 10, 1), D(2026, 10, 7))]
MAKEUP_2026 = [D(2026, 1, 4), D(2026, 2, 14), D(2026, 2, 28), D(2026, 5, 9), D(2026, 9, 20), D(2026, 10, 10)]


def _days(periods: list[tuple[date, date]]) -> set[date]:
    out = set()
    for first, last in periods:
        day = first
        while day <= last:
            out.add(day)
            day += timedelta(days=1)
    return out


@pytest.mark.parametrize(("year", "periods", "makeup"), [(2025, HOLIDAYS_2025, MAKEUP_2025),
                                                         (2026, HOLIDAYS_2026, MAKEUP_2026)])
def test_every_day_of_the_year_follows_the_notice(year: int, periods: list[tuple[date, date]],
                                                  makeup: list[date]) -> None:
    cal = calendar()
    off = _days(periods)
    day = date(year, 1, 1)
    while day.year == year:
        expected = day in makeup or (day.weekday() < 5 and day not in off)
        assert cal.is_workday(day) is expected, day
        day += timedelta(days=1)
    assert cal.makeup_days_between(date(year - 1, 12, 31), date(year, 12, 31)) == sorted(makeup)
    assert cal.holiday(date(year, 10, 3)) and cal.holiday(date(year, 3, 3)) is None


def test_deadlines_across_holidays_and_makeup_days() -> None:
    cal = calendar()
    # Asked on Tuesday 2026-09-29: 9/30 is day 1, the National Day holiday follows, 10/8 is day 2.
    assert cal.deadline(D(2026, 9, 29), 1) == D(2026, 9, 30)
    assert cal.deadline(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert cal.between(D(2026, 9, 30), D(2026, 10, 8)).days == 1  # 8 calendar days, one working day
    # Friday 2026-10-09 asked: Saturday 10/10 is a make-up working day, so the 1-day deadline is 10/10.
    assert cal.deadline(D(2026, 10, 9), 1) == D(2026, 10, 10)
    assert cal.between(D(2026, 10, 9), D(2026, 10, 12)).days == 2  # late for a 1-working-day limit
    # Spring Festival 2026: asked Friday 2/13; Saturday 2/14 is worked, 2/15-2/23 off.
    assert cal.deadline(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert cal.deadline(D(2026, 2, 13), 2) == D(2026, 2, 24)
    assert cal.deadline(D(2026, 2, 13), 5) == D(2026, 2, 27)
    assert cal.deadline(D(2026, 2, 13), 6) == D(2026, 2, 28)  # Saturday 2/28 is worked too
    # 2025: asked Monday 2025-01-27 (Spring Festival from 1/28): day 1 is 2/5; 2/8 (Sat) worked.
    assert cal.deadline(D(2025, 1, 27), 1) == D(2025, 2, 5)
    assert cal.deadline(D(2025, 1, 27), 4) == D(2025, 2, 8)
    assert cal.deadline(D(2025, 9, 26), 1) == D(2025, 9, 28)  # Sunday 9/28 worked
    assert cal.deadline(D(2025, 9, 30), 1) == D(2025, 10, 9)  # 10/1-10/8 off
    assert cal.deadline(D(2025, 10, 10), 1) == D(2025, 10, 11)  # Saturday 10/11 worked
    # Labour Day 2026: Saturday 5/9 worked.
    assert cal.between(D(2026, 4, 30), D(2026, 5, 11)).days == 5  # 5/6, 5/7, 5/8, Saturday 5/9, 5/11
    # A reply on the day asked, or before it, took no working day.
    assert cal.between(D(2026, 3, 2), D(2026, 3, 2)).days == 0
    assert cal.between(D(2026, 3, 3), D(2026, 3, 2)).days == 0


def test_holiday_names_between() -> None:
    cal = calendar()
    assert cal.holidays_between(D(2026, 9, 20), D(2026, 10, 10)) == ["中秋节", "国庆节"]
    assert cal.holidays_between(D(2025, 9, 30), D(2025, 10, 9)) == ["国庆节、中秋节"]
    assert cal.holidays_between(D(2026, 3, 1), D(2026, 3, 31)) == []


def test_beyond_coverage_counts_weekdays_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    cal = calendar()
    far = cal.last_year + 5
    first = date(far, 3, 2)
    while first.weekday() != 0:  # a Monday
        first += timedelta(days=1)
    with caplog.at_level(logging.WARNING, logger="govwatch.core.workdays"):
        count = cal.between(first, first + timedelta(days=7))  # Tue-Fri and the next Monday
        assert cal.deadline(first, 5) == first + timedelta(days=7)
        assert cal.is_workday(first + timedelta(days=5)) is False  # a Saturday
    assert count.days == 5 and count.estimated and count.estimated_years == (far,)
    assert f"no statutory holiday data for {far}" in caplog.text
    assert caplog.text.count(f"for {far}") == 1  # warned once per year
    covered = cal.between(D(2026, 1, 1), D(2026, 1, 31))
    assert not covered.estimated
    span = cal.between(D(2026, 12, 30), date(cal.last_year + 1, 1, 2))
    assert span.estimated_years == (cal.last_year + 1,)


def test_broken_table_is_a_clear_error() -> None:
    with pytest.raises(CalendarDataError, match="years"):
        parse_table({"years": {}})
    with pytest.raises(CalendarDataError, match="13-40"):
        parse_table({"years": {2030: {"holidays": [["13-40", "x"]]}}})
    with pytest.raises(CalendarDataError, match="ends before"):
        parse_table({"years": {2030: {"holidays": [["10-07/10-01", "国庆节"]]}}})


def test_table_agrees_with_chinese_calendar_where_both_have_data() -> None:
    cc = pytest.importorskip("chinese_calendar")
    cal = calendar()
    day = date(cal.first_year, 1, 1)
    checked = 0
    while day.year <= cal.last_year:
        try:
            theirs = cc.is_workday(day)
        except NotImplementedError:
            break
        assert cal.is_workday(day) is theirs, day
        checked += 1
        day += timedelta(days=1)
    assert checked > 365 * 20
