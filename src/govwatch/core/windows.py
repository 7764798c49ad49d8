"""The availability window and how a visit in it counts.

Pure date math (Asia/Shanghai) and the outcome of a stored visit, shared by the
probe document, the monitor, the store query, the check and the report.

A visit counts by its own result (the national rule: 首页打不开的次数占全部监测次数的比例):
it failed when its page did not open. The immediate re-probe of a failed visit
(``confirmed_by``) never changes that; it only says whether the failure was
*sustained* (the re-probe failed too) or *transient* (the re-probe opened the page);
a failure without a re-probe (confirmation off) is *unconfirmed*.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from govwatch.core.clock import SHANGHAI

FailureKind = Literal["sustained", "transient", "unconfirmed"]


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


def visit_failed(row: Mapping[str, Any]) -> bool:
    """True when the visit's own attempt did not open the page (``{ok, error, ...}``: a probe row or Probe JSON).

    Rows stored before visits counted by their own result kept ``ok`` true for a
    failed visit whose re-probe opened the page; their ``error`` still names the failure.
    """
    return not row["ok"] or row.get("error") is not None


def failure_kind(row: Mapping[str, Any]) -> FailureKind | None:
    """``None`` for an open visit; else what its re-probe (``confirmed_by``) showed."""
    if not visit_failed(row):
        return None
    again = row.get("confirmed_by")
    if not again:
        return "unconfirmed"
    return "transient" if again.get("ok") else "sustained"


@dataclass(frozen=True, slots=True)
class FailureCounts:
    """Visits and failed visits (each by its own result), split by what the re-probe showed."""

    visits: int
    sustained: int
    transient: int
    unconfirmed: int

    @property
    def failed(self) -> int:
        """Every failed visit, whatever its re-probe showed."""
        return self.sustained + self.transient + self.unconfirmed

    @property
    def ratio(self) -> float:
        """failed / visits (0 without visits)."""
        return self.failed / self.visits if self.visits else 0.0

    def evidence(self) -> dict[str, int]:
        """The split as evidence fields: ``failed_sustained``, ``failed_transient``, ``failed_unconfirmed``."""
        return {"failed_sustained": self.sustained, "failed_transient": self.transient,
                "failed_unconfirmed": self.unconfirmed}


def count_failures(rows: Iterable[Mapping[str, Any]]) -> FailureCounts:
    """Count ``rows`` (probe rows or Probe JSON visits), each visit by its own result."""
    kinds: dict[FailureKind | None, int] = {}
    visits = 0
    for row in rows:
        visits += 1
        kind = failure_kind(row)
        kinds[kind] = kinds.get(kind, 0) + 1
    return FailureCounts(visits=visits, sustained=kinds.get("sustained", 0), transient=kinds.get("transient", 0),
                         unconfirmed=kinds.get("unconfirmed", 0))
