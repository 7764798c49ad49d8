"""Rows of ``public_reports``: 我为政府网站找错 reports and 留言 tracked to their close
(docs/rectification.md §3).

Reads and writes only; deadlines, legal transitions and figures are
:mod:`govwatch.scoring.public_reports`'s business. Every write records its audit event
(subject ``public_report``) in the same transaction, through
:func:`govwatch.store.ticket_rows.insert_audit`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import uuid4

from sqlalchemy import Select, insert, select, update

from govwatch.store import tables as t
from govwatch.store.db import Store, inserted_id, now_iso
from govwatch.store.ticket_rows import insert_audit

__all__ = ["SUBJECT", "insert_reports", "report_row", "report_rows", "move_report"]

SUBJECT = "public_report"  # audit_events.subject of these rows
_GIVEN_ID_PREFIX = "GW-"  # external_id of a report entered by hand without the platform's 编号


def _select() -> Select[Any]:
    """Every column of a report, with its site's homepage URL and registered name."""
    return (select(t.public_reports, t.sites.c.url.label("site_url"), t.sites.c.name.label("site_registered_name"))
            .select_from(t.public_reports.outerjoin(t.sites, t.sites.c.id == t.public_reports.c.site_id)))


def insert_reports(store: Store, reports: list[tuple[dict[str, Any], dict[str, Any] | None]], *,
                   actor: str | None, action: str, note: str | None = None) -> list[int | None]:
    """Insert ``reports`` — (``public_reports`` column values, the audit event's data) pairs;
    ``external_id`` None: one is given, ``GW-<id>`` — in one transaction, each with its audit
    event; a report whose (channel, external_id) is already stored is skipped. Returns, in the
    order given, each new report's id (None for a skipped one)."""
    ids: list[int | None] = []
    stamp = now_iso()
    with store.engine.begin() as conn:
        for values, data in reports:
            given = values.get("external_id")
            if given is not None and conn.execute(select(t.public_reports.c.id).where(
                    t.public_reports.c.channel == values["channel"],
                    t.public_reports.c.external_id == given)).first() is not None:
                ids.append(None)
                continue
            row = {**values, "external_id": given or f"pending-{uuid4().hex}", "created_at": stamp,
                   "updated_at": stamp}
            report_id = inserted_id(conn.execute(insert(t.public_reports).values(**row)))
            if given is None:
                conn.execute(update(t.public_reports).where(t.public_reports.c.id == report_id)
                             .values(external_id=f"{_GIVEN_ID_PREFIX}{report_id:06d}"))
            insert_audit(conn, SUBJECT, report_id, actor, action, None, values["state"], note, data)
            ids.append(report_id)
    return ids


def report_row(store: Store, report_id: int) -> dict[str, Any] | None:
    """One report with ``site_url`` and ``site_registered_name`` (None when there is no such report)."""
    with store.engine.connect() as conn:
        row = conn.execute(_select().where(t.public_reports.c.id == report_id)).mappings().first()
    return dict(row) if row is not None else None


def report_rows(store: Store, *, site_ids: Iterable[int] | None = None, states: Iterable[str] | None = None,
                received_from: str | None = None, received_before: str | None = None) -> list[dict[str, Any]]:
    """Reports (as :func:`report_row`), oldest received first; filtered by site, state and the
    ``received_at`` text range ``[received_from, received_before)`` when given."""
    query = _select()
    if site_ids is not None:
        query = query.where(t.public_reports.c.site_id.in_(list(site_ids)))
    if states is not None:
        query = query.where(t.public_reports.c.state.in_(list(states)))
    if received_from is not None:
        query = query.where(t.public_reports.c.received_at >= received_from)
    if received_before is not None:
        query = query.where(t.public_reports.c.received_at < received_before)
    with store.engine.connect() as conn:
        rows = conn.execute(query.order_by(t.public_reports.c.received_at, t.public_reports.c.id)).mappings()
        return [dict(r) for r in rows]


def move_report(store: Store, report_id: int, *, from_state: str, to_state: str, values: dict[str, Any],
                actor: str | None, action: str, note: str | None = None,
                data: dict[str, Any] | None = None) -> bool:
    """Move a report from ``from_state`` to ``to_state`` with ``values``, and record the audit event,
    in one transaction; False (nothing written) when the report is no longer in ``from_state``."""
    with store.engine.begin() as conn:
        result = conn.execute(update(t.public_reports).where(
            t.public_reports.c.id == report_id, t.public_reports.c.state == from_state)
            .values(**values, state=to_state, updated_at=now_iso()))
        if result.rowcount != 1:
            return False
        insert_audit(conn, SUBJECT, report_id, actor, action, from_state, to_state, note, data)
    return True
