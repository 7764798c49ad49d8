"""The simulator's own working-day calendar (govwatch.sim.holiday_notices): the reply-delay truth
of the manifest comes from it, never from govwatch.core.workdays, which the checks use."""

from __future__ import annotations

import ast
from datetime import date, timedelta
from pathlib import Path

import pytest

from govwatch.core.workdays import calendar
from govwatch.sim import Portfolio, build_manifest
from govwatch.sim.holiday_notices import NOTICES, sim_calendar
from tests.sim.sim_helpers import FAMILY_SITES

SIM = Path(__file__).parents[2] / "src/govwatch/sim"
D = date


def test_the_simulator_does_not_read_the_checks_calendar() -> None:
    for path in SIM.glob("*.py"):
        imported = {node.module for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                    if isinstance(node, ast.ImportFrom)}
        imported |= {alias.name for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                     if isinstance(node, ast.Import) for alias in node.names}
        assert not {m for m in imported if m and m.startswith("govwatch.core.workdays")}, path.name


def test_counts_by_the_notices() -> None:
    cal = sim_calendar()
    assert cal.deadline(D(2026, 9, 30), 1) == D(2026, 10, 8)  # National Day 10/1-10/7
    assert cal.deadline(D(2026, 10, 9), 1) == D(2026, 10, 10)  # Saturday 10/10 worked
    assert cal.deadline(D(2025, 1, 27), 4) == D(2025, 2, 8)  # Spring Festival 1/28-2/4, Saturday 2/8 worked
    assert cal.between(D(2026, 9, 30), D(2026, 10, 13)) == 5
    assert cal.between(D(2026, 3, 3), D(2026, 3, 2)) == 0
    assert cal.holidays_between(D(2026, 9, 20), D(2026, 10, 12)) == ["中秋节", "国庆节"]
    assert cal.makeup_days_between(D(2026, 2, 1), D(2026, 3, 1)) == [D(2026, 2, 14), D(2026, 2, 28)]
    assert cal.holiday_weekdays(D(2026, 2, 13), D(2026, 2, 24)) == 6  # 2/16-2/20, 2/23


def test_certain_only_inside_the_noted_years() -> None:
    cal = sim_calendar()
    first, last = min(NOTICES), max(NOTICES)
    assert cal.certain(D(first, 1, 5), D(last, 12, 31))
    assert cal.certain(D(first - 1, 12, 31), D(first, 1, 3))  # the day asked itself is not counted
    assert not cal.certain(D(first - 1, 12, 30), D(first, 1, 3))
    assert not cal.certain(D(last, 12, 30), D(last + 1, 1, 2))
    assert cal.certain(D(2001, 5, 1), D(2001, 5, 1))  # a reply on the day asked: 0 under any calendar


@pytest.mark.parametrize("year", sorted(NOTICES))
def test_the_two_sources_agree_day_by_day(year: int) -> None:
    """Two sources typed from the same notices: a slip in either one fails here."""
    mine, shipped = sim_calendar(), calendar()
    day = date(year, 1, 1)
    while day.year == year:
        assert mine.is_workday(day) is shipped.is_workday(day), day
        assert mine.holidays_between(day - timedelta(days=1), day) == ([shipped.holiday(day)] if shipped.holiday(day)
                                                                         else []), day
        day += timedelta(days=1)


def test_every_reply_period_of_the_manifest_is_certain(portfolio: Portfolio) -> None:
    """The manifest's working days are exact: every answered message's period lies where the
    simulator's calendar knows the holidays (or is a reply on the day asked)."""
    cal = sim_calendar()
    manifest = build_manifest(portfolio)
    messages = [m for site in FAMILY_SITES for m in (manifest["sites"][site]["interaction"] or {}).get("messages", [])]
    answered = [m for m in messages if m["replied"]]
    assert answered and {"ontime", "late", "ok"} <= {m["expect"] for m in answered}
    for m in answered:
        asked, replied = date.fromisoformat(m["asked"]), date.fromisoformat(m["replied"])
        assert cal.certain(asked, replied), m
        assert m["working_days"] == cal.between(asked, replied) == calendar().between(asked, replied).days, m
