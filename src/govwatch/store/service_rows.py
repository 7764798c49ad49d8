"""The monitoring service's rows: per-target alert states and the outbox (migration 0008).

Reads and writes only; what the rows mean is :mod:`govwatch.alerts`'s business (docs/service.md
"Tables", "Delivery guarantees"). Times are stored as UTC ISO text of one fixed width
(:func:`stamp`), so comparing them as text (``next_attempt_at <= now``) compares the moments.

An outbox row moves ``pending`` → ``sending`` (:func:`claim_due`) → ``sent`` | ``pending`` again with
a later ``next_attempt_at`` | ``failed``; ``held`` rows wait for quiet hours to end or for a digest,
``merged`` rows were delivered inside a digest row (whose ``digest_of`` lists them), ``suppressed``
rows are kept for the record and never sent. The outbox is unique on (dedupe key, recipient,
channel): inserting a row again is a no-op (:func:`insert_outbox`).

An alert state is read, stepped and written back by several processes (``govwatch serve``'s ticks,
the workers' probes and runs): :func:`record_transition` with ``expected`` (the row as it was read,
None when there was none) is a compare-and-set. It writes only when the stored row is still the one
read; otherwise nothing of the transition is written and :class:`AlertStateChanged` tells the
caller to read the row again and step from there. Of two concurrent transitions exactly one wins.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import Connection, String, bindparam, cast, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from govwatch.core.clock import SHANGHAI
from govwatch.core.jsonfile import compact_json
from govwatch.store import tables as t
from govwatch.store.db import Store

__all__ = ["OUTBOX_STATES", "UNCHECKED", "AlertStateChanged", "OutboxRow", "stamp", "parse_stamp", "load_alert_state", "load_alert_states",
           "record_transition", "insert_outbox", "claim_due", "recover_sending", "mark_sent", "mark_sent_many", "mark_retry",
           "mark_failed", "mark_held", "release_held", "held_due", "merge_into_digest", "list_outbox",
           "outbox_counts", "outbox_row", "previous_complete_run", "read_urls", "run_row"]

OUTBOX_STATES = ("pending", "sending", "sent", "failed", "held", "merged", "suppressed")
_UPDATE_CHUNK = 500  # ids per UPDATE … WHERE id IN (…)


class _Unchecked:
    """The type of :data:`UNCHECKED`."""

    def __repr__(self) -> str:
        return "UNCHECKED"


UNCHECKED: Final = _Unchecked()
"""``record_transition(expected=UNCHECKED)``: write the state whatever is stored (no compare-and-set)."""


class AlertStateChanged(Exception):
    """The alert state changed since it was read (another process stepped it first): nothing was
    written; read it again and step from there."""

    def __init__(self, target_key: str) -> None:
        super().__init__(f"alert state {target_key} changed since it was read")
        self.target_key = target_key


def stamp(at: datetime) -> str:
    """``at`` as stored: UTC, microseconds, always 32 characters (naive times are Beijing time)."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=SHANGHAI)
    return aware.astimezone(UTC).isoformat(timespec="microseconds")


def parse_stamp(text: str | None) -> datetime | None:
    """A stored time back as an aware datetime (None stays None)."""
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One notification: an event for one recipient through one channel (an ``outbox`` row).

    A row not yet stored has ``id`` None. ``payload`` is the event (``Event.to_payload()``), or for a
    digest row the digest's title, text and items. ``last_error`` is the last delivery error, or
    why a row is ``held`` or ``suppressed``."""

    event_kind: str
    severity: str
    recipient: str
    channel: str
    dedupe_key: str
    payload: dict[str, Any]
    state: str = "pending"
    created_at: str = ""
    site_id: int | None = None
    org_code: str | None = None
    target_url: str | None = None
    attempts: int = 0
    next_attempt_at: str | None = None
    last_error: str | None = None
    sent_at: str | None = None
    digest_of: list[int] | None = None
    id: int | None = None
    site_url: str | None = field(default=None, compare=False)  # read from ``sites`` when listing

    def values(self) -> dict[str, Any]:
        """The column values to insert (everything but ``id`` and the joined ``site_url``)."""
        return {"created_at": self.created_at, "event_kind": self.event_kind, "severity": self.severity,
                "site_id": self.site_id, "org_code": self.org_code, "target_url": self.target_url,
                "recipient": self.recipient, "channel": self.channel, "dedupe_key": self.dedupe_key,
                "payload": self.payload, "state": self.state, "attempts": self.attempts,
                "next_attempt_at": self.next_attempt_at, "last_error": self.last_error, "sent_at": self.sent_at,
                "digest_of": self.digest_of}


def _row(values: Any) -> OutboxRow:
    data = dict(values)
    return OutboxRow(
        id=int(data["id"]), created_at=data["created_at"], event_kind=data["event_kind"], severity=data["severity"],
        site_id=data["site_id"], org_code=data["org_code"], target_url=data["target_url"],
        recipient=data["recipient"], channel=data["channel"], dedupe_key=data["dedupe_key"],
        payload=dict(data["payload"] or {}), state=data["state"], attempts=int(data["attempts"] or 0),
        next_attempt_at=data["next_attempt_at"], last_error=data["last_error"], sent_at=data["sent_at"],
        digest_of=list(data["digest_of"]) if data["digest_of"] else None, site_url=data.get("site_url"))


# -- alert states -------------------------------------------------------------------------------


def load_alert_state(store: Store, target_key: str) -> dict[str, Any] | None:
    """The stored ``AlertState.to_row()`` of one target, or None."""
    with store.engine.connect() as conn:
        found = conn.execute(select(t.alert_states.c.data).where(t.alert_states.c.target_key == target_key)).scalar()
    return dict(found) if found is not None else None


def load_alert_states(store: Store, *, states: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Every stored alert state row (of ``states`` when given), by target key."""
    query = select(t.alert_states.c.data).order_by(t.alert_states.c.target_key)
    if states is not None:
        query = query.where(t.alert_states.c.state.in_(list(states)))
    with store.engine.connect() as conn:
        return [dict(data) for data in conn.execute(query).scalars()]


def _same_data(conn: Connection, expected: dict[str, Any]) -> Any:
    """The condition "the stored ``data`` equals ``expected``" (as JSON values, not as text)."""
    payload = bindparam(None, compact_json(expected), type_=String)  # the engine's own JSON serialisation
    if conn.dialect.name == "postgresql":
        return cast(t.alert_states.c.data, postgresql.JSONB) == cast(payload, postgresql.JSONB)
    return func.json(t.alert_states.c.data) == func.json(payload)  # SQLite: both minified, keys in order


def _save_state(conn: Connection, row: dict[str, Any], site_id: int | None, now: str,
                expected: dict[str, Any] | None | _Unchecked) -> None:
    """Write the state row; with ``expected`` (not :data:`UNCHECKED`) only over that stored row
    (None: only when there is none), else :class:`AlertStateChanged`."""
    key = row["target_key"]
    values = {"target_kind": row["target_kind"], "site_id": site_id, "state": row["state"], "data": row,
              "updated_at": now}
    if expected is None:  # there was no row: insert, and a row another process inserted meanwhile is a conflict
        conn.execute(insert(t.alert_states).values(target_key=key, **values))
        return
    where = [t.alert_states.c.target_key == key]
    if not isinstance(expected, _Unchecked):
        where.append(_same_data(conn, expected))
    done = conn.execute(update(t.alert_states).where(*where).values(**values))
    if done.rowcount:
        return
    if not isinstance(expected, _Unchecked):
        raise AlertStateChanged(key)
    conn.execute(insert(t.alert_states).values(target_key=key, **values))


# -- writing outbox rows ------------------------------------------------------------------------


def _insert_ignoring_duplicates(conn: Connection, rows: Iterable[OutboxRow]) -> list[int]:
    dialect = conn.dialect.name
    ids = []
    for row in rows:
        values = row.values()
        if dialect == "postgresql":
            statement: Any = postgresql.insert(t.outbox).values(**values).on_conflict_do_nothing()
        elif dialect == "sqlite":
            statement = sqlite.insert(t.outbox).values(**values).on_conflict_do_nothing()
        else:  # another database: look first (the service writes from one process)
            exists = conn.execute(select(t.outbox.c.id).where(
                t.outbox.c.dedupe_key == row.dedupe_key, t.outbox.c.recipient == row.recipient,
                t.outbox.c.channel == row.channel)).first()
            if exists is not None:
                continue
            statement = insert(t.outbox).values(**values)
        found = conn.execute(statement.returning(t.outbox.c.id)).scalar()
        if found is not None:
            ids.append(int(found))
    return ids


def record_transition(store: Store, state_row: dict[str, Any] | None, outbox_rows: Iterable[OutboxRow], *,
                      site_id: int | None = None, at: datetime | None = None,
                      expected: dict[str, Any] | None | _Unchecked = UNCHECKED) -> list[int]:
    """Write a target's new alert state (when given) and the outbox rows its transition caused in ONE
    transaction; rows already in the outbox (same dedupe key, recipient and channel) are skipped.
    Returns the ids of the rows added.

    ``expected``: the state row the transition was stepped from, as :func:`load_alert_state` read
    it (None: there was none). The state is written only if the stored row is still that one;
    otherwise nothing is written (no state, no outbox row) and :class:`AlertStateChanged` is raised.
    The default :data:`UNCHECKED` writes whatever is stored."""
    now = stamp(at or datetime.now(UTC))
    try:
        with store.engine.begin() as conn:
            if state_row is not None:
                _save_state(conn, state_row, site_id, now, expected)
            return _insert_ignoring_duplicates(conn, (r if r.created_at else replace(r, created_at=now)
                                                      for r in outbox_rows))
    except IntegrityError:
        if state_row is not None and expected is None and load_alert_state(store, state_row["target_key"]) is not None:
            raise AlertStateChanged(state_row["target_key"]) from None  # inserted by another process meanwhile
        raise


def insert_outbox(store: Store, rows: Iterable[OutboxRow], *, at: datetime | None = None) -> list[int]:
    """Add outbox rows (duplicates skipped) in one transaction; the ids of the rows added."""
    return record_transition(store, None, rows, at=at)


def outbox_row(store: Store, row_id: int) -> OutboxRow | None:
    """One outbox row by id."""
    with store.engine.connect() as conn:
        found = conn.execute(_listing().where(t.outbox.c.id == row_id)).mappings().first()
    return _row(found) if found is not None else None


# -- the sender's moves -------------------------------------------------------------------------


def claim_due(store: Store, now: datetime, limit: int = 100) -> list[OutboxRow]:
    """Up to ``limit`` ``pending`` rows due at ``now`` (oldest due first), moved to ``sending`` and returned."""
    due = stamp(now)
    with store.engine.begin() as conn:
        ids = list(conn.execute(
            select(t.outbox.c.id).where(t.outbox.c.state == "pending", t.outbox.c.next_attempt_at <= due)
            .order_by(t.outbox.c.next_attempt_at, t.outbox.c.id).limit(limit)).scalars())
        if not ids:
            return []
        conn.execute(update(t.outbox).where(t.outbox.c.id.in_(ids), t.outbox.c.state == "pending")
                     .values(state="sending"))
        rows = conn.execute(_listing().where(t.outbox.c.id.in_(ids))).mappings().all()
    claimed = sorted((_row(r) for r in rows), key=lambda r: (r.next_attempt_at or "", r.id or 0))
    return claimed


def recover_sending(store: Store) -> int:
    """Rows a killed sender left ``sending`` go back to ``pending`` (their id, hence their delivery id,
    is kept); returns how many. Call once when the sender starts."""
    with store.engine.begin() as conn:
        return int(conn.execute(update(t.outbox).where(t.outbox.c.state == "sending")
                                .values(state="pending")).rowcount or 0)


def _set(store: Store, row_id: int, **values: Any) -> None:
    with store.engine.begin() as conn:
        conn.execute(update(t.outbox).where(t.outbox.c.id == row_id).values(**values))


def mark_sent(store: Store, row_id: int, at: datetime, attempts: int) -> None:
    """The receiver accepted the row's message."""
    mark_sent_many(store, [(row_id, attempts, None)], at)


def mark_sent_many(store: Store, sent: Sequence[tuple[int, int, Sequence[int] | None]], at: datetime) -> None:
    """In one transaction: each ``(row id, attempts, digest_of)`` accepted by its receiver at ``at``
    (``sent``), the members of a digest among them getting its ``sent_at`` (they stay ``merged``)."""
    when = stamp(at)
    with store.engine.begin() as conn:
        for row_id, attempts, digest_of in sent:
            conn.execute(update(t.outbox).where(t.outbox.c.id == row_id).values(
                state="sent", sent_at=when, attempts=attempts, last_error=None, next_attempt_at=None))
            members = list(digest_of or ())
            for start in range(0, len(members), _UPDATE_CHUNK):
                conn.execute(update(t.outbox).where(t.outbox.c.id.in_(members[start:start + _UPDATE_CHUNK]))
                             .values(sent_at=when))


def mark_retry(store: Store, row_id: int, next_attempt_at: datetime, attempts: int, error: str | None) -> None:
    """Back to ``pending``, due again at ``next_attempt_at`` (``error``: why the last attempt failed)."""
    _set(store, row_id, state="pending", next_attempt_at=stamp(next_attempt_at), attempts=attempts, last_error=error)


def mark_failed(store: Store, row_id: int, attempts: int, error: str | None) -> None:
    """Given up: ``failed`` with the last error kept."""
    _set(store, row_id, state="failed", attempts=attempts, last_error=error, next_attempt_at=None)


def mark_held(store: Store, row_id: int, until: datetime, reason: str) -> None:
    """``held`` until ``until`` (quiet hours, a digest, a rate limit)."""
    _set(store, row_id, state="held", next_attempt_at=stamp(until), last_error=reason)


def held_due(store: Store, now: datetime) -> list[OutboxRow]:
    """The ``held`` rows whose time has come, oldest first."""
    query = (_listing().where(t.outbox.c.state == "held", t.outbox.c.next_attempt_at <= stamp(now))
             .order_by(t.outbox.c.id))
    with store.engine.connect() as conn:
        return [_row(r) for r in conn.execute(query).mappings()]


def release_held(store: Store, row_ids: Sequence[int], now: datetime) -> None:
    """Held rows become ``pending``, due at ``now`` (each delivered as itself)."""
    with store.engine.begin() as conn:
        for start in range(0, len(row_ids), _UPDATE_CHUNK):
            conn.execute(update(t.outbox).where(t.outbox.c.id.in_(list(row_ids[start:start + _UPDATE_CHUNK])),
                                                t.outbox.c.state == "held")
                         .values(state="pending", next_attempt_at=stamp(now), last_error=None))


def merge_into_digest(store: Store, digest: OutboxRow, member_ids: Sequence[int]) -> int | None:
    """In one transaction: add the ``digest`` row (its ``digest_of`` = ``member_ids``) and mark the
    members ``merged``. Returns the digest row's id (None when an equal digest row exists already)."""
    ids = list(member_ids)
    with store.engine.begin() as conn:
        added = _insert_ignoring_duplicates(conn, [replace(digest, digest_of=ids)])
        if not added:
            return None
        for start in range(0, len(ids), _UPDATE_CHUNK):
            conn.execute(update(t.outbox).where(t.outbox.c.id.in_(ids[start:start + _UPDATE_CHUNK]))
                         .values(state="merged", next_attempt_at=None, last_error=f"merged into #{added[0]}"))
        return added[0]


# -- listing ------------------------------------------------------------------------------------


def _listing() -> Any:
    return select(t.outbox, t.sites.c.url.label("site_url")).outerjoin(t.sites, t.sites.c.id == t.outbox.c.site_id)


def list_outbox(store: Store, *, state: str | None = None, site_url: str | None = None, since: datetime | None = None,
                limit: int | None = None, site_ids: Collection[int] | None = None) -> list[OutboxRow]:
    """Outbox rows, newest first: of one ``state``, of the site with homepage ``site_url``, created at
    or after ``since``, of the sites ``site_ids`` (a web user's scope: rows of no site left out)
    (each filter when given)."""
    query = _listing().order_by(t.outbox.c.id.desc())
    if site_ids is not None:
        query = query.where(t.outbox.c.site_id.in_(sorted(site_ids)))
    if state is not None:
        query = query.where(t.outbox.c.state == state)
    if site_url is not None:
        query = query.where(t.sites.c.url == site_url)
    if since is not None:
        query = query.where(t.outbox.c.created_at >= stamp(since))
    if limit is not None:
        query = query.limit(limit)
    with store.engine.connect() as conn:
        return [_row(r) for r in conn.execute(query).mappings()]


def outbox_counts(store: Store) -> dict[str, int]:
    """How many outbox rows are in each state (states with none are left out)."""
    with store.engine.connect() as conn:
        return {state: int(n) for state, n in conn.execute(
            select(t.outbox.c.state, func.count()).group_by(t.outbox.c.state))}


# -- runs, for the events after a patrol or a scan ----------------------------------------------


def run_row(store: Store, run_id: int) -> dict[str, Any] | None:
    """The ``runs`` row with its site's ``site_url`` and ``site_name``, or None."""
    query = (select(t.runs, t.sites.c.url.label("site_url"), t.sites.c.name.label("site_name"))
             .join(t.sites, t.sites.c.id == t.runs.c.site_id).where(t.runs.c.id == run_id))
    with store.engine.connect() as conn:
        found = conn.execute(query).mappings().first()
    return dict(found) if found is not None else None


def previous_complete_run(store: Store, site_id: int, run_id: int) -> int | None:
    """The newest completed run of the site before ``run_id`` whose crawl read the site (not
    ``complete = false``), or None."""
    query = (select(func.max(t.runs.c.id)).where(
        t.runs.c.site_id == site_id, t.runs.c.id < run_id, t.runs.c.status == "completed",
        t.runs.c.complete.is_not(False)))
    with store.engine.connect() as conn:
        found = conn.execute(query).scalar()
    return int(found) if found is not None else None


def read_urls(store: Store, run_id: int) -> set[str]:
    """The URLs the run read: its fetches that answered (pages and attachments, status 2xx/3xx)."""
    query = (select(t.urls.c.url).join(t.fetches, t.fetches.c.url_id == t.urls.c.id)
             .where(t.fetches.c.run_id == run_id, t.fetches.c.error.is_(None), t.fetches.c.status >= 200,
                    t.fetches.c.status < 400))
    with store.engine.connect() as conn:
        return {str(url) for url in conn.execute(query).scalars()}
