"""The availability window: ``days`` calendar days ending at the end of the inspection date.

Pure date math (Asia/Shanghai), shared by the store query and the check.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from govwatch.core.clock import SHANGHAI


def window_bounds(as_of: date, days: int) -> tuple[datetime, datetime]:
    """``[start, end)``: from 00:00 of the first day to 00:00 after ``as_of``, Asia/Shanghai.

    With ``days=7`` and ``as_of=2026-11-22`` the window holds 16-22 November.
    """
    end = datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=SHANGHAI)
    return end - timedelta(days=days), end


def window_dates(as_of: date, days: int) -> list[date]:
    """The calendar days of the window, oldest first."""
    return [as_of - timedelta(days=days - 1 - i) for i in range(days)]


def parse_at(text: str) -> datetime:
    """A stored ``at`` value as an aware datetime (naive values are taken as Asia/Shanghai)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=SHANGHAI)


def in_window(at: str, start: datetime, end: datetime) -> bool:
    """True when the ISO time ``at`` lies in ``[start, end)``."""
    return start <= parse_at(at) < end
