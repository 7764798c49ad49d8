"""The per-target alert state machine (docs/service.md "Alert state machine"), pure: no I/O, no clock.

A target is a site's homepage, a key column or a business system. Every visit is fed to
:func:`observe`, which returns the target's next :class:`AlertState` and the :class:`Transition` s
worth an event (``down``, ``recovered``, ``flapping``). :func:`due_reminder` and
:func:`escalation_due` are asked on the scheduler's tick (they need no visit);
:func:`enter_maintenance` / :func:`leave_maintenance` follow maintenance windows and filings.

Measurement is not touched here: every visit counts toward the availability statistic whatever
the alert state says. The state is persisted as a plain row (:meth:`AlertState.to_row`) in the same
transaction as the outbox rows of the transitions it caused, so a restart never re-fires or
forgets an alert.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from govwatch.core.serviceconfig import AlertPolicy

__all__ = ["STATES", "TARGET_KINDS", "TRANSITION_KINDS", "AlertState", "Transition", "acknowledge",
           "due_reminder", "enter_maintenance", "escalation_due", "leave_maintenance", "observe"]

TARGET_KINDS = ("site", "column", "system")
STATES = ("unknown", "up", "pending", "down", "maintenance")
TRANSITION_KINDS = ("down", "recovered", "reminder", "flapping", "escalate")


@dataclass(frozen=True, slots=True)
class AlertState:
    """What the alerting remembers of one target between visits (one ``alert_states`` row).

    ``target_key`` is ``"<target_kind>:<target url>"`` (:meth:`initial` builds it). ``since`` is when
    the current state was entered; ``changes`` the recent times the target went down or came back up
    (within the flap window); ``last_reminder_at`` the last reminder or flapping message of the
    current episode."""

    target_key: str
    target_kind: str  # site | column | system
    site_url: str
    state: str  # unknown | up | pending | down | maintenance
    since: datetime
    fail_streak: int = 0
    ok_streak: int = 0
    last_visit_at: datetime | None = None
    last_reminder_at: datetime | None = None
    flapping: bool = False
    changes: tuple[datetime, ...] = ()
    acked_at: datetime | None = None
    acked_by: str | None = None
    escalated_at: datetime | None = None
    last_error: str | None = None

    @classmethod
    def initial(cls, target_kind: str, target_url: str, site_url: str, at: datetime) -> AlertState:
        """A target never visited yet: ``unknown`` (its first visits decide)."""
        if target_kind not in TARGET_KINDS:
            raise ValueError(f"target_kind must be one of {', '.join(TARGET_KINDS)}, got {target_kind!r}")
        return cls(f"{target_kind}:{target_url}", target_kind, site_url, "unknown", at)

    @property
    def target_url(self) -> str:
        """The URL of the target (the homepage, the column page or the business system)."""
        prefix = f"{self.target_kind}:"
        return self.target_key[len(prefix):] if self.target_key.startswith(prefix) else self.target_key

    def to_row(self) -> dict[str, Any]:
        """Plain JSON-ready values for the store: datetimes as ISO strings, ``changes`` a list of them."""
        return {
            "target_key": self.target_key, "target_kind": self.target_kind, "site_url": self.site_url,
            "state": self.state, "since": self.since.isoformat(), "fail_streak": self.fail_streak,
            "ok_streak": self.ok_streak, "last_visit_at": _iso(self.last_visit_at),
            "last_reminder_at": _iso(self.last_reminder_at), "flapping": self.flapping,
            "changes": [c.isoformat() for c in self.changes], "acked_at": _iso(self.acked_at),
            "acked_by": self.acked_by, "escalated_at": _iso(self.escalated_at), "last_error": self.last_error,
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AlertState:
        """The state a :meth:`to_row` row (or the store's read of it) describes; ValueError naming the
        field when a value is not usable."""
        try:
            state = cls(
                target_key=str(row["target_key"]), target_kind=str(row["target_kind"]),
                site_url=str(row["site_url"]), state=str(row["state"]), since=_datetime(row["since"], "since"),
                fail_streak=int(row.get("fail_streak") or 0), ok_streak=int(row.get("ok_streak") or 0),
                last_visit_at=_optional_datetime(row.get("last_visit_at"), "last_visit_at"),
                last_reminder_at=_optional_datetime(row.get("last_reminder_at"), "last_reminder_at"),
                flapping=bool(row.get("flapping")), changes=_changes(row.get("changes")),
                acked_at=_optional_datetime(row.get("acked_at"), "acked_at"), acked_by=row.get("acked_by"),
                escalated_at=_optional_datetime(row.get("escalated_at"), "escalated_at"),
                last_error=row.get("last_error"))
        except KeyError as exc:
            raise ValueError(f"alert state row lacks {exc.args[0]}") from None
        except (TypeError, ValueError) as exc:
            raise ValueError(f"alert state row {row.get('target_key')!r}: {exc}") from None
        if state.state not in STATES:
            raise ValueError(f"alert state row {state.target_key!r}: state {state.state!r} is not one of "
                             f"{', '.join(STATES)}")
        if state.target_kind not in TARGET_KINDS:
            raise ValueError(f"alert state row {state.target_key!r}: target_kind {state.target_kind!r} is not "
                             f"one of {', '.join(TARGET_KINDS)}")
        return state


@dataclass(frozen=True, slots=True)
class Transition:
    """Something worth an event: ``state`` is the target's state after it (persist that one).

    ``streak`` is the failed visits in a row (``down``, ``reminder``, ``escalate``) or the good ones
    (``recovered``); for ``flapping`` the number of changes within the flap window. ``down_since`` is
    when the down episode began (``recovered``, ``reminder``, ``escalate``; for ``down``, ``at``)."""

    kind: str  # down | recovered | reminder | flapping | escalate
    state: AlertState
    at: datetime
    streak: int
    error: str | None = None
    down_since: datetime | None = None


# -- transitions --------------------------------------------------------------------------------


def observe(state: AlertState, ok: bool, at: datetime, policy: AlertPolicy,
            error: str | None = None) -> tuple[AlertState, list[Transition]]:
    """One visit of the target: its next state and the transitions worth an event (often none).

    ``unknown``: the first result decides (good: ``up``; failed: ``pending``, or ``down`` at once
    when ``failure_threshold`` is 1). ``up`` → ``pending`` on a failure; ``failure_threshold`` failures
    in a row → ``down`` (one ``down``). ``pending`` → ``up`` on a good visit (a blip never alerts).
    ``down`` → ``up`` after ``success_threshold`` good visits in a row (one ``recovered``).
    ``maintenance``: the visit is noted, nothing else. While ``flapping``, down/recovered
    transitions are replaced by one ``flapping`` per reminder period (see :func:`_flap`)."""
    if state.state == "maintenance":
        return replace(state, last_visit_at=at), []
    fail_streak = 0 if ok else state.fail_streak + 1
    ok_streak = state.ok_streak + 1 if ok else 0
    visited = replace(state, fail_streak=fail_streak, ok_streak=ok_streak, last_visit_at=at,
                      last_error=state.last_error if ok else error)
    change = _next_state(state.state, ok, fail_streak, ok_streak, policy)
    if change is None or change == state.state:
        return _settle(visited, at, policy)
    moved = replace(visited, state=change, since=at)
    if change == "down":
        # a new episode: its reminders, acknowledgement and escalation start afresh (while flapping,
        # last_reminder_at paces the flapping messages and is kept)
        moved = replace(moved, acked_at=None, acked_by=None, escalated_at=None,
                        last_reminder_at=state.last_reminder_at if state.flapping else None)
    if not _alerting_change(state.state, change):
        return moved, []
    return _flap(moved, "down" if change == "down" else "recovered", at, policy,
                 at if change == "down" else state.since)


def _next_state(current: str, ok: bool, fail_streak: int, ok_streak: int, policy: AlertPolicy) -> str | None:
    """The state a visit moves the target to (None: it stays)."""
    down_now = fail_streak >= max(1, policy.failure_threshold)
    if current in ("unknown", "up", "pending"):
        if ok:
            return "up"
        return "down" if down_now else "pending"
    if current == "down" and ok and ok_streak >= max(1, policy.success_threshold):
        return "up"
    return None


def _alerting_change(before: str, after: str) -> bool:
    """Whether a state change is one people hear of: going down, or coming back up from down."""
    return after == "down" or (before == "down" and after == "up")


def _flap(moved: AlertState, kind: str, at: datetime, policy: AlertPolicy,
          down_since: datetime) -> tuple[AlertState, list[Transition]]:
    """Record a down/up change; say it, or while flapping say at most one ``flapping`` per period."""
    changes = _recent((*moved.changes, at), at, policy)
    moved = replace(moved, changes=changes)
    streak = moved.fail_streak if kind == "down" else moved.ok_streak
    if not moved.flapping and len(changes) > policy.flap_changes:
        moved = replace(moved, flapping=True, last_reminder_at=at)
        return moved, [Transition("flapping", moved, at, len(changes), moved.last_error)]
    if not moved.flapping:
        return moved, [Transition(kind, moved, at, streak, moved.last_error, down_since)]
    if _period_passed(moved.last_reminder_at, at, policy):
        moved = replace(moved, last_reminder_at=at)
        return moved, [Transition("flapping", moved, at, len(changes), moved.last_error)]
    return moved, []


def _settle(state: AlertState, at: datetime, policy: AlertPolicy) -> tuple[AlertState, list[Transition]]:
    """A visit that changed no state: a flapping target whose flap window has been quiet settles,
    and its settled state is said once (``down`` or ``recovered``)."""
    changes = _recent(state.changes, at, policy)
    state = replace(state, changes=changes)
    if not state.flapping or changes:
        return state, []
    settled = replace(state, flapping=False, last_reminder_at=None)
    if settled.state == "down":
        settled = replace(settled, since=at)  # a new down episode: its own dedupe key and reminders
        return settled, [Transition("down", settled, at, settled.fail_streak, settled.last_error, at)]
    if settled.state == "up":
        return settled, [Transition("recovered", settled, at, settled.ok_streak)]
    return settled, []


def _recent(changes: tuple[datetime, ...], at: datetime, policy: AlertPolicy) -> tuple[datetime, ...]:
    cutoff = at - timedelta(seconds=policy.flap_window)
    return tuple(c for c in changes if c > cutoff)


def _period_passed(last: datetime | None, at: datetime, policy: AlertPolicy) -> bool:
    if policy.reminder_minutes <= 0:
        return False
    return last is None or at - last >= timedelta(minutes=policy.reminder_minutes)


def due_reminder(state: AlertState, at: datetime, policy: AlertPolicy) -> Transition | None:
    """The reminder due at ``at``, if any: every ``reminder_minutes`` (0: never) while ``down``
    (counted from the down transition, then from the last reminder); while flapping, the one
    ``flapping`` message of the period instead. Persist the transition's state."""
    if state.flapping:
        recent = _recent(state.changes, at, policy)
        if not recent or not _period_passed(state.last_reminder_at, at, policy):
            return None  # a quiet flap window: the next visit settles it (observe)
        moved = replace(state, last_reminder_at=at)
        return Transition("flapping", moved, at, len(recent), state.last_error)
    if state.state != "down" or not _period_passed(state.last_reminder_at or state.since, at, policy):
        return None
    moved = replace(state, last_reminder_at=at)
    return Transition("reminder", moved, at, state.fail_streak, state.last_error, state.since)


def escalation_due(state: AlertState, at: datetime, policy: AlertPolicy) -> Transition | None:
    """``escalate`` once per down episode when the target has been down and unacknowledged for
    ``escalate_after_hours`` (None: never): the event then goes to the next org level."""
    hours = policy.escalate_after_hours
    if hours is None or state.state != "down" or state.acked_at is not None or state.escalated_at is not None:
        return None
    if at - state.since < timedelta(hours=hours):
        return None
    moved = replace(state, escalated_at=at)
    return Transition("escalate", moved, at, state.fail_streak, state.last_error, state.since)


def acknowledge(state: AlertState, at: datetime, by: str | None = None) -> AlertState:
    """Someone took the current down alert in hand: no escalation for this episode."""
    return replace(state, acked_at=at, acked_by=by)


def enter_maintenance(state: AlertState, at: datetime) -> AlertState:
    """A maintenance window or a filing now covers the target: no transitions until it ends."""
    if state.state == "maintenance":
        return state
    return replace(state, state="maintenance", since=at, fail_streak=0, ok_streak=0, flapping=False, changes=(),
                   last_reminder_at=None)


def leave_maintenance(state: AlertState, at: datetime) -> AlertState:
    """The window ended: the target is ``unknown`` again and its next visits decide."""
    if state.state != "maintenance":
        return state
    return replace(state, state="unknown", since=at, fail_streak=0, ok_streak=0)


# -- row values ---------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _datetime(value: Any, name: str) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{name} {value!r} is not an ISO datetime")


def _optional_datetime(value: Any, name: str) -> datetime | None:
    return None if value is None or value == "" else _datetime(value, name)


def _changes(value: Any) -> tuple[datetime, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ValueError(f"changes {value!r} is not a JSON list") from None
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"changes {value!r} is not a list")
    return tuple(_datetime(v, "changes[]") for v in value)
