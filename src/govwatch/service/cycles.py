"""When a scheduled job is next due: daily clock times and scan/bulletin cycles, in Beijing time.

A *cycle* is ``daily``, ``weekly`` (ISO weeks, from Monday), ``monthly``, ``quarterly`` (calendar
quarters from January, April, July, October) or a duration (``12h``, ``90m``). A calendar cycle's job
falls due at the start (00:00 Asia/Shanghai) of the period after the one in which it last ran: one run
per period, however long the service was down. A duration cycle falls due that long after the last
start. All times are aware datetimes; results are in Asia/Shanghai.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from govwatch.core.clock import SHANGHAI
from govwatch.core.serviceconfig import CYCLES, parse_duration

__all__ = ["now", "local", "period_start", "next_cycle_due", "first_clock_due", "next_clock_due"]


def now() -> datetime:
    """The current time in Asia/Shanghai."""
    return datetime.now(SHANGHAI)


def local(moment: datetime) -> datetime:
    """``moment`` in Asia/Shanghai (a naive datetime is taken as Beijing time)."""
    return moment.replace(tzinfo=SHANGHAI) if moment.tzinfo is None else moment.astimezone(SHANGHAI)


def period_start(cycle: str, moment: datetime) -> datetime:
    """Start (00:00 Beijing time) of the calendar period of ``cycle`` that contains ``moment``."""
    day = local(moment).replace(hour=0, minute=0, second=0, microsecond=0)
    if cycle == "daily":
        return day
    if cycle == "weekly":
        return day - timedelta(days=day.weekday())
    if cycle == "monthly":
        return day.replace(day=1)
    if cycle == "quarterly":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    raise ValueError(f"not a calendar cycle: {cycle!r} (known: {', '.join(CYCLES)})")


def _add_months(start: datetime, months: int) -> datetime:
    index = start.year * 12 + start.month - 1 + months
    return start.replace(year=index // 12, month=index % 12 + 1, day=1)


def next_cycle_due(cycle: str, last: datetime) -> datetime:
    """When a job of ``cycle`` that last started at ``last`` is next due."""
    if cycle not in CYCLES:
        return local(last) + timedelta(seconds=parse_duration(cycle))
    start = period_start(cycle, last)
    if cycle == "daily":
        following = start + timedelta(days=1)
    elif cycle == "weekly":
        following = start + timedelta(days=7)
    else:
        following = _add_months(start, 1 if cycle == "monthly" else 3)
    # Adding days across a DST change cannot happen in Asia/Shanghai; normalise the zone anyway.
    return following.replace(tzinfo=SHANGHAI)


def first_clock_due(at: time, moment: datetime) -> datetime:
    """A daily job at clock time ``at`` that never ran is due today at ``at`` (now, when that has
    passed: today's patrol is still to do)."""
    day = local(moment)
    return day.replace(hour=at.hour, minute=at.minute, second=at.second, microsecond=0)


def next_clock_due(at: time, after: datetime) -> datetime:
    """The first ``at`` o'clock strictly after ``after`` (the job ran, or ran late, at ``after``)."""
    today = first_clock_due(at, after)
    return today if today > local(after) else today + timedelta(days=1)
