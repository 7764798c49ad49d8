"""Rows of the rectification loop: ``rectify_tickets``, ``rectify_notices``, ``ticket_attachments``
and the shared ``audit_events`` trail (docs/rectification.md).

Reads and writes only; which transitions are legal and what a ticket means is
:mod:`govwatch.scoring.tickets`'s business. :func:`insert_audit` and :func:`audit_trail` are the
one way every part of the loop (tickets, public reports, reviewer findings, exemptions, spot
checks) records and reads who did what.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select

from govwatch.store import tables as t
from govwatch.store.db import Store, inserted_id, now_iso

__all__ = ["insert_audit", "audit_trail"]


def insert_audit(conn: Connection, subject: str, subject_id: int, actor: str | None, action: str,
                 from_state: str | None, to_state: str | None, note: str | None,
                 data: dict[str, Any] | None) -> int:
    """Record one audit event inside ``conn``'s transaction (the same one as the change it
    describes); returns the event's id.

    ``subject`` is ``ticket``, ``public_report``, ``reviewer_finding``, ``exemption`` or
    ``spot_check``; ``action`` a short verb (``issue``, ``notify``, ``reply``, ``edit``, …).
    """
    result = conn.execute(insert(t.audit_events).values(
        subject=subject, subject_id=subject_id, at=now_iso(), actor=actor, action=action,
        from_state=from_state, to_state=to_state, note=note, data=data))
    return inserted_id(result)


def audit_trail(store: Store, subject: str, subject_id: int) -> list[dict[str, Any]]:
    """The audit events of one subject, oldest first (each row as a dict: id, subject, subject_id,
    at, actor, action, from_state, to_state, note, data)."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(t.audit_events).where(
            t.audit_events.c.subject == subject, t.audit_events.c.subject_id == subject_id)
            .order_by(t.audit_events.c.id)).mappings()
        return [dict(r) for r in rows]
