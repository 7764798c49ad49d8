"""Rows of the rectification loop: ``rectify_tickets``, ``rectify_notices``, ``ticket_attachments``
and the shared ``audit_events`` trail (docs/rectification.md).

Reads and writes only; which transitions are legal and what a ticket means is
:mod:`govwatch.scoring.tickets`'s business. :func:`insert_audit` and :func:`audit_trail` are the
one way every part of the loop (tickets, public reports, reviewer findings, exemptions, spot
checks) records and reads who did what.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from govwatch.store import tables as t
from govwatch.store.blobs import body_hash, compress
from govwatch.store.db import Store, inserted_id, now_iso
from govwatch.store.job_queue import defer_request_in

__all__ = ["insert_audit", "audit_trail", "TicketChange", "MissingTickets", "ticket_rows", "open_ticket_fingerprints",
           "insert_tickets", "change_tickets", "attachment_rows", "attachment_row", "notice_row", "notice_rows",
           "fetch_answers", "ticket_events", "OPEN_STATES_STORED"]


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


# -- tickets ------------------------------------------------------------------------------------

OPEN_STATES_STORED = ("pending", "notified", "replied", "verifying", "returned")  # all but closed, exempted


class MissingTickets(LookupError):
    """Ticket ids not in the store (``ids``)."""

    def __init__(self, ids: list[int]) -> None:
        super().__init__(ids)
        self.ids = ids


@dataclass(slots=True)
class TicketChange:
    """What one ticket becomes: new column values (``state`` among them), and the audit event's
    action, note and data."""

    values: dict[str, Any]
    action: str
    note: str | None = None
    data: dict[str, Any] | None = None


def _ticket_select() -> Any:
    return (select(t.rectify_tickets, t.sites.c.url.label("site_url"), t.sites.c.name.label("site_name"))
            .join(t.sites, t.sites.c.id == t.rectify_tickets.c.site_id))


def ticket_rows(store: Store, ticket_ids: Collection[int] | None = None, *, site_ids: Collection[int] | None = None,
                states: Collection[str] | None = None, notice_id: int | None = None,
                verify_run_id: int | None = None) -> list[dict[str, Any]]:
    """Tickets (every column, with ``site_url`` and ``site_name``), oldest first: those of
    ``ticket_ids``, of ``site_ids``, in ``states``, of the notice ``notice_id``, verified by the
    run ``verify_run_id`` (each filter when given)."""
    q = _ticket_select().order_by(t.rectify_tickets.c.id)
    if notice_id is not None:
        q = q.where(t.rectify_tickets.c.notice_id == notice_id)
    if verify_run_id is not None:
        q = q.where(t.rectify_tickets.c.verify_run_id == verify_run_id)
    if ticket_ids is not None:
        q = q.where(t.rectify_tickets.c.id.in_(list(ticket_ids)))
    if site_ids is not None:
        q = q.where(t.rectify_tickets.c.site_id.in_(list(site_ids)))
    if states is not None:
        q = q.where(t.rectify_tickets.c.state.in_(list(states)))
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def open_ticket_fingerprints(conn: Connection, site_id: int) -> set[str]:
    """Fingerprints of the site's open tickets (any state but closed and exempted)."""
    return set(conn.execute(select(t.rectify_tickets.c.fingerprint).where(
        t.rectify_tickets.c.site_id == site_id, t.rectify_tickets.c.state.in_(OPEN_STATES_STORED))).scalars())


def insert_tickets(store: Store, site_id: int, rows: Sequence[dict[str, Any]], *, actor: str | None) -> list[int]:
    """Store ``pending`` tickets of the site (``rectify_tickets`` columns: fingerprint, problem_id,
    kind, indicator, url, source, target, message, evidence, origin, found_run_id), skipping those
    whose fingerprint already has an open ticket (read in the same transaction), each with its
    ``issue`` audit event; returns the new ids."""
    made: list[int] = []
    with store.engine.begin() as conn:
        taken = open_ticket_fingerprints(conn, site_id)
        for row in rows:
            if row["fingerprint"] in taken:
                continue
            taken.add(row["fingerprint"])
            now = now_iso()
            ticket_id = inserted_id(conn.execute(insert(t.rectify_tickets).values(
                **row, site_id=site_id, state="pending", created_at=now, updated_at=now)))
            insert_audit(conn, "ticket", ticket_id, actor, "issue", None, "pending", None,
                         {"run_id": row["found_run_id"], "problem_id": row["problem_id"]})
            made.append(ticket_id)
    return made


def change_tickets(store: Store, ticket_ids: Sequence[int], decide: Callable[[dict[str, Any]], TicketChange | None], *,
                   actor: str | None, notice: dict[str, Any] | None = None, job: dict[str, Any] | None = None,
                   exemptions: Sequence[dict[str, Any]] = (),
                   attachments: Sequence[tuple[str, str, bytes]] = ()) -> dict[str, Any]:
    """Change tickets in one transaction: each ticket's row (as :func:`ticket_rows` gives it, read
    in this transaction) goes to ``decide``, which returns its :class:`TicketChange` (None: leave
    it as it is) or raises; the change and its audit event are written. In the same transaction, first: ``notice`` (a
    ``rectify_notices`` row; its id becomes each ticket's ``notice_id``), ``job`` (a queued
    ``job_requests`` row; its id becomes ``verify_job_id``), ``exemptions`` (``exemptions`` rows,
    each with an ``exemption`` audit event), and ``attachments`` (``(filename, content type, body)``,
    bodies into ``blobs``, attached to the first ticket's event).

    Returns ``{"notice_id", "job_id", "events": {ticket id: event id}}``. Raises
    :class:`MissingTickets` for unknown ids (nothing written)."""
    out: dict[str, Any] = {"notice_id": None, "job_id": None, "events": {}}
    with store.engine.begin() as conn:
        rows = {r["id"]: dict(r) for r in conn.execute(
            _ticket_select().where(t.rectify_tickets.c.id.in_(list(ticket_ids)))).mappings()}
        missing = [i for i in ticket_ids if i not in rows]
        if missing:
            raise MissingTickets(missing)
        changes = {i: decide(rows[i]) for i in ticket_ids}  # every decision before any write
        extra: dict[str, Any] = {}
        if notice is not None:
            out["notice_id"] = extra["notice_id"] = inserted_id(conn.execute(
                insert(t.rectify_notices).values(**notice, issued_at=now_iso(), created_by=actor)))
        if job is not None:
            out["job_id"] = extra["verify_job_id"] = inserted_id(conn.execute(
                insert(t.job_requests).values(**job, state="queued", created_at=now_iso())))
            defer_request_in(conn, str(job["kind"]), int(job["site_id"]), out["job_id"])  # PostgreSQL: its worker job
        for exemption in exemptions:
            exemption_id = inserted_id(conn.execute(insert(t.exemptions).values(**exemption, created_at=now_iso())))
            insert_audit(conn, "exemption", exemption_id, actor, "exempt", None, None, exemption["reason"],
                         {"fingerprint": exemption["fingerprint"], "site_id": exemption["site_id"]})
        for ticket_id in ticket_ids:
            change, row = changes[ticket_id], rows[ticket_id]
            if change is None:
                continue
            values = {**change.values, **extra, "updated_at": now_iso()}
            conn.execute(update(t.rectify_tickets).where(t.rectify_tickets.c.id == ticket_id).values(**values))
            out["events"][ticket_id] = insert_audit(conn, "ticket", ticket_id, actor, change.action, row["state"],
                                                    values.get("state", row["state"]), change.note, change.data)
        if attachments and ticket_ids[0] in out["events"]:
            first = ticket_ids[0]
            _add_attachments(store, conn, first, out["events"][first], attachments)
    return out


def _add_attachments(store: Store, conn: Connection, ticket_id: int, event_id: int,
                     attachments: Sequence[tuple[str, str, bytes]]) -> None:
    bodies = {body_hash(body): (len(body), compress(body)) for _, _, body in attachments}
    store.store_blobs(conn, bodies)
    conn.execute(insert(t.ticket_attachments), [{
        "ticket_id": ticket_id, "event_id": event_id, "filename": name, "content_type": ctype, "size": len(body),
        "blob_hash": body_hash(body), "created_at": now_iso()} for name, ctype, body in attachments])


def attachment_rows(store: Store, ticket_id: int) -> list[dict[str, Any]]:
    """The ticket's attachments' metadata (id, event_id, filename, content_type, size, blob_hash,
    created_at), oldest first."""
    a = t.ticket_attachments
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(a.c.id, a.c.event_id, a.c.filename, a.c.content_type, a.c.size,
                                                     a.c.blob_hash, a.c.created_at)
                                              .where(a.c.ticket_id == ticket_id).order_by(a.c.id)).mappings()]


def attachment_row(store: Store, attachment_id: int) -> dict[str, Any] | None:
    """One attachment's row (with ``ticket_id``), or None."""
    with store.engine.connect() as conn:
        row = conn.execute(select(t.ticket_attachments).where(
            t.ticket_attachments.c.id == attachment_id)).mappings().first()
    return dict(row) if row is not None else None


def notice_row(store: Store, notice_id: int) -> dict[str, Any] | None:
    """One ``rectify_notices`` row, or None."""
    with store.engine.connect() as conn:
        row = conn.execute(select(t.rectify_notices).where(t.rectify_notices.c.id == notice_id)).mappings().first()
    return dict(row) if row is not None else None


def notice_rows(store: Store, site_id: int) -> list[dict[str, Any]]:
    """The site's ``rectify_notices`` rows, oldest first."""
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t.rectify_notices).where(
            t.rectify_notices.c.site_id == site_id).order_by(t.rectify_notices.c.id)).mappings()]


def fetch_answers(store: Store, run_id: int, urls: Collection[str]) -> dict[str, tuple[int | None, str | None]]:
    """url -> (HTTP status, error class) of the run's fetches of ``urls`` (those it fetched)."""
    q = (select(t.urls.c.url, t.fetches.c.status, t.fetches.c.error)
         .join(t.fetches, t.fetches.c.url_id == t.urls.c.id)
         .where(t.fetches.c.run_id == run_id, t.urls.c.url.in_(list(urls))))
    with store.engine.connect() as conn:
        return {url: (status, error) for url, status, error in conn.execute(q)}


def ticket_events(store: Store, site_ids: Collection[int], actions: Collection[str]) -> list[dict[str, Any]]:
    """Audit events of the sites' tickets with one of ``actions``, oldest first: ticket_id,
    site_id, action, from_state, to_state, at, data."""
    e, k = t.audit_events, t.rectify_tickets
    q = (select(e.c.subject_id.label("ticket_id"), k.c.site_id, e.c.action, e.c.from_state, e.c.to_state, e.c.at,
                e.c.data)
         .join(k, k.c.id == e.c.subject_id)
         .where(e.c.subject == "ticket", e.c.action.in_(list(actions)), k.c.site_id.in_(list(site_ids)))
         .order_by(e.c.id))
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]
