"""Rows the annual report (年度报表) reads beyond the run listing: a run's stored columns and the
year's 找错/留言 counts from ``public_reports``.

Reads only; which figures the report gives and where each comes from is
:mod:`govwatch.scoring.annual`'s business.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import case, func, select

from govwatch.store import tables as t
from govwatch.store.db import Store

__all__ = ["stored_column_rows", "public_report_counts", "public_report_channels"]


def stored_column_rows(store: Store, run_id: int) -> list[dict[str, Any]]:
    """The run's stored columns in discovery order (the homepage row left out): name, url, type,
    items, undated, last_update, read_via, blank."""
    c = t.columns.c
    names = ("name", "url", "type", "items", "undated", "last_update", "read_via", "blank")
    q = (select(*(c[n] for n in names))
         .where(c.run_id == run_id, c.type != "homepage").order_by(c.id))
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def public_report_counts(store: Store, site_ids: Sequence[int], year: int) -> dict[tuple[int, str], dict[str, int]]:
    """(site id, channel) -> ``received`` (received in the year) and ``answered`` (answered in the
    year), for the sites given; ``received_at``/``answered_at`` are ISO texts, so their first four
    characters are the year."""
    if not site_ids:
        return {}
    p = t.public_reports.c
    prefix = str(year)
    received = func.sum(case((func.substr(p.received_at, 1, 4) == prefix, 1), else_=0))
    answered = func.sum(case((func.substr(p.answered_at, 1, 4) == prefix, 1), else_=0))
    q = (select(p.site_id, p.channel, received.label("received"), answered.label("answered"))
         .where(p.site_id.in_(list(site_ids))).group_by(p.site_id, p.channel))
    with store.engine.connect() as conn:
        return {(int(r.site_id), r.channel): {"received": int(r.received or 0), "answered": int(r.answered or 0)}
                for r in conn.execute(q)}


def public_report_channels(store: Store) -> set[str]:
    """The channels (``zhaocuo``, ``message``) of which the store holds any report at all: a
    channel never imported gives no figure (需人工填报), not 0."""
    with store.engine.connect() as conn:
        return {str(c) for c in conn.execute(select(t.public_reports.c.channel).distinct()).scalars()}
