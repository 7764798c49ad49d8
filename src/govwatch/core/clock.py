"""Time as an input: the inspection time point (监测时间点) in Asia/Shanghai."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> date:
    """Today's date in Asia/Shanghai."""
    return datetime.now(SHANGHAI).date()


def parse_as_of(text: str | None) -> date:
    """An ``--as-of`` value (YYYY-MM-DD, or None for today in Asia/Shanghai)."""
    if not text:
        return today()
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise ValueError(f"--as-of must be a date like 2026-11-22, got {text!r}") from None
