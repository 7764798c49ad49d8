"""The alert state machine (docs/service.md "Alert state machine"): sequences of good and failed
visits with their times, and the states and transitions they must give."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from govwatch.alerts.state import (
    AlertState,
    Transition,
    acknowledge,
    due_reminder,
    enter_maintenance,
    escalation_due,
    leave_maintenance,
    observe,
)
from govwatch.core.clock import SHANGHAI
from govwatch.core.serviceconfig import AlertPolicy

T0 = datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)
SITE = "http://127.0.0.1:8080/"
POLICY = AlertPolicy()  # thresholds 2 and 2, reminders every 60 min, flapping at > 4 changes in 1 h


def fresh(kind: str = "site", url: str = SITE) -> AlertState:
    return AlertState.initial(kind, url, SITE, T0)


def run(visits: str, state: AlertState | None = None, *, step: timedelta = timedelta(minutes=10),
        policy: AlertPolicy = POLICY, start: datetime = T0) -> tuple[AlertState, list[Transition], list[str]]:
    """Feed visits ('+' good, '-' failed), ``step`` apart from ``start``; the final state, every
    transition and the state after each visit."""
    state = state or fresh()
    transitions: list[Transition] = []
    states = []
    for n, mark in enumerate(visits):
        state, said = observe(state, mark == "+", start + n * step, policy, None if mark == "+" else "连接超时")
        transitions += said
        states.append(state.state)
    return state, transitions, states


@pytest.mark.parametrize(("visits", "states", "kinds"), [
    ("+", ["up"], []),
    ("-", ["pending"], []),
    ("--", ["pending", "down"], ["down"]),
    ("+-+", ["up", "pending", "up"], []),  # a single blip never alerts
    ("+-+-+-+", ["up", "pending", "up", "pending", "up", "pending", "up"], []),
    ("+--", ["up", "pending", "down"], ["down"]),
    ("+----", ["up", "pending", "down", "down", "down"], ["down"]),  # one down, not one per failure
    ("+--+", ["up", "pending", "down", "down"], ["down"]),  # one good visit is not a recovery
    ("+--++", ["up", "pending", "down", "down", "up"], ["down", "recovered"]),
    ("+--+-++", ["up", "pending", "down", "down", "down", "down", "up"], ["down", "recovered"]),
    ("+--++--++", ["up", "pending", "down", "down", "up", "pending", "down", "down", "up"],
     ["down", "recovered", "down", "recovered"]),
])
def test_sequences_give_their_states_and_transitions(visits: str, states: list[str], kinds: list[str]) -> None:
    _, transitions, got = run(visits)
    assert got == states
    assert [t.kind for t in transitions] == kinds


def test_one_down_and_one_recovered_per_episode_with_streaks_times_and_error() -> None:
    final, transitions, _ = run("++---+++")
    down, recovered = transitions
    assert (down.kind, down.at, down.streak, down.error) == ("down", T0 + timedelta(minutes=30), 2, "连接超时")
    assert down.state.state == "down" and down.state.since == down.at == down.down_since
    assert (recovered.kind, recovered.at, recovered.streak) == ("recovered", T0 + timedelta(minutes=60), 2)
    assert recovered.down_since == down.at  # the episode's start, for "中断约30分钟"
    assert final.state == "up" and final.since == recovered.at and final.fail_streak == 0


@pytest.mark.parametrize(("failure", "success", "visits", "kinds"), [
    (1, 1, "+-+", ["down", "recovered"]),  # threshold 1: every failure alerts
    (3, 2, "+--+--", []),  # 3 in a row needed, never reached
    (3, 2, "+---", ["down"]),
    (2, 3, "--++-+++", ["down", "recovered"]),  # the failure in between restarts the good streak
])
def test_thresholds_come_from_the_policy(failure: int, success: int, visits: str, kinds: list[str]) -> None:
    policy = AlertPolicy(failure_threshold=failure, success_threshold=success, flap_changes=100)
    _, transitions, _ = run(visits, policy=policy)
    assert [t.kind for t in transitions] == kinds
    if kinds:
        assert transitions[-1].at == T0 + timedelta(minutes=10 * (len(visits) - 1))


def test_reminders_every_period_while_down_and_never_when_up() -> None:
    state, transitions, _ = run("--")
    down_at = transitions[0].at  # T0 + 10 min
    assert due_reminder(state, down_at + timedelta(minutes=59), POLICY) is None
    first = due_reminder(state, down_at + timedelta(minutes=60), POLICY)
    assert first is not None and (first.kind, first.streak, first.down_since) == ("reminder", 2, down_at)
    state = first.state
    assert state.last_reminder_at == down_at + timedelta(minutes=60)
    assert due_reminder(state, down_at + timedelta(minutes=119), POLICY) is None  # counted from the last one
    second = due_reminder(state, down_at + timedelta(minutes=120), POLICY)
    assert second is not None and second.kind == "reminder"
    up, _, _ = run("++", second.state, start=down_at + timedelta(minutes=130))
    assert up.state == "up" and due_reminder(up, down_at + timedelta(hours=10), POLICY) is None


def test_reminder_minutes_zero_means_never() -> None:
    policy = AlertPolicy(reminder_minutes=0)
    state, _, _ = run("--", policy=policy)
    assert state.state == "down" and due_reminder(state, T0 + timedelta(days=3), policy) is None


def test_a_new_episode_starts_its_reminders_afresh() -> None:
    state, _, _ = run("--")
    reminded = due_reminder(state, T0 + timedelta(hours=5), POLICY)
    assert reminded is not None
    state, transitions, _ = run("++--", reminded.state, start=T0 + timedelta(hours=6))
    assert [t.kind for t in transitions] == ["recovered", "down"]
    again = transitions[-1].state
    assert again.last_reminder_at is None and again.since == T0 + timedelta(hours=6, minutes=30)
    assert due_reminder(again, again.since + timedelta(minutes=30), POLICY) is None


def test_flapping_merges_down_and_recovered_into_one_message_per_period() -> None:
    # thresholds 2/2, visits a minute apart: a change every 2 visits; the 5th change (> 4 in 1 h) flaps
    state, transitions, _ = run("--++--++--++--++--++", step=timedelta(minutes=1))
    kinds = [t.kind for t in transitions]
    assert kinds == ["down", "recovered", "down", "recovered", "flapping"]
    flap = transitions[-1]
    assert flap.at == T0 + timedelta(minutes=9) and flap.streak == 5 and flap.state.flapping
    assert state.flapping and state.state == "up"
    # still flapping an hour later: one flapping message for the next period, no down/recovered
    later, more, _ = run("--++" * 10, state, step=timedelta(minutes=1), start=T0 + timedelta(minutes=40))
    assert [t.kind for t in more] == ["flapping"]  # changes every 2 minutes from +41 to +79
    assert more[0].at == flap.at + timedelta(minutes=60)
    assert later.flapping and later.last_reminder_at == more[0].at


def test_flapping_settles_after_a_quiet_window_and_says_the_settled_state() -> None:
    state, transitions, _ = run("--++--++--++--++--", step=timedelta(minutes=1))
    assert [t.kind for t in transitions][-1] == "flapping" and state.state == "down" and state.flapping
    # down and steady: reminders are the flapping period's messages while the window still holds changes
    reminder = due_reminder(state, T0 + timedelta(minutes=69), POLICY)
    assert reminder is not None and reminder.kind == "flapping"
    # an hour without a change: the next visit settles it and says "down" once, a new episode
    settled, said, _ = run("-", reminder.state, start=T0 + timedelta(minutes=79))
    assert [t.kind for t in said] == ["down"]
    assert not settled.flapping and settled.since == T0 + timedelta(minutes=79)
    assert due_reminder(settled, T0 + timedelta(minutes=80), POLICY) is None
    calm, nothing, _ = run("-", settled, start=T0 + timedelta(minutes=90))
    assert nothing == [] and calm.state == "down"


def test_pending_blips_do_not_count_as_flapping() -> None:
    state, transitions, _ = run("-+" * 30, step=timedelta(minutes=1))
    assert transitions == [] and not state.flapping and state.changes == ()


def test_maintenance_suppresses_transitions_and_leaves_the_target_unknown() -> None:
    down, _, _ = run("--")
    held = enter_maintenance(down, T0 + timedelta(minutes=20))
    assert held.state == "maintenance" and held.since == T0 + timedelta(minutes=20)
    held, said, states = run("++--++--", held, start=T0 + timedelta(minutes=30))
    assert said == [] and set(states) == {"maintenance"}
    assert held.last_visit_at == T0 + timedelta(minutes=100)
    assert due_reminder(held, T0 + timedelta(hours=5), POLICY) is None
    assert escalation_due(held, T0 + timedelta(hours=50), AlertPolicy(escalate_after_hours=1)) is None
    back = leave_maintenance(held, T0 + timedelta(hours=2))
    assert back.state == "unknown" and back.fail_streak == back.ok_streak == 0
    # the next visits decide: still failing after the window is a new down
    _, again, states = run("--", back, start=T0 + timedelta(hours=2))
    assert states == ["pending", "down"] and [t.kind for t in again] == ["down"]
    _, none, states = run("+", leave_maintenance(held, T0 + timedelta(hours=2)), start=T0 + timedelta(hours=2))
    assert states == ["up"] and none == []


def test_entering_or_leaving_twice_changes_nothing() -> None:
    held = enter_maintenance(fresh(), T0)
    assert enter_maintenance(held, T0 + timedelta(hours=1)) == held
    up, _, _ = run("+")
    assert leave_maintenance(up, T0 + timedelta(hours=1)) == up


def test_escalation_once_per_unacknowledged_episode() -> None:
    policy = AlertPolicy(escalate_after_hours=2)
    state, transitions, _ = run("--", policy=policy)
    down_at = transitions[0].at
    assert escalation_due(state, down_at + timedelta(hours=1, minutes=59), policy) is None
    esc = escalation_due(state, down_at + timedelta(hours=2), policy)
    assert esc is not None and (esc.kind, esc.down_since) == ("escalate", down_at)
    assert escalation_due(esc.state, down_at + timedelta(hours=5), policy) is None  # once
    acked = acknowledge(state, down_at + timedelta(minutes=30), "张三")
    assert acked.acked_by == "张三" and escalation_due(acked, down_at + timedelta(hours=5), policy) is None
    assert escalation_due(state, down_at + timedelta(hours=5), AlertPolicy()) is None  # not configured
    # a new episode clears the acknowledgement and the escalation
    _, again, _ = run("++--", esc.state, policy=policy, start=down_at + timedelta(hours=6))
    assert again[-1].state.acked_at is None and again[-1].state.escalated_at is None


def test_rows_round_trip_through_plain_values() -> None:
    state, _, _ = run("--++--++--++--", step=timedelta(minutes=1))
    state = acknowledge(replace(state, escalated_at=T0 + timedelta(hours=1), last_error="HTTP 502"),
                        T0 + timedelta(minutes=20), "值班员")
    row = state.to_row()
    assert isinstance(row["changes"], list) and isinstance(row["since"], str) and row["flapping"] is True

    assert AlertState.from_row(json.loads(json.dumps(row))) == state
    assert AlertState.from_row({**row, "changes": json.dumps(row["changes"])}) == state  # a JSON text column
    assert AlertState.from_row(fresh("column", SITE + "tzgg/").to_row()) == fresh("column", SITE + "tzgg/")
    assert fresh("column", SITE + "tzgg/").target_url == SITE + "tzgg/"


@pytest.mark.parametrize(("change", "message"), [
    ({"state": "sleeping"}, "state 'sleeping'"),
    ({"target_kind": "page"}, "target_kind 'page'"),
    ({"since": "yesterday"}, "since 'yesterday'"),
    ({"changes": "[1"}, "changes"),
])
def test_bad_rows_are_refused_naming_the_field(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AlertState.from_row({**fresh().to_row(), **change})
    with pytest.raises(ValueError, match="lacks state"):
        AlertState.from_row({k: v for k, v in fresh().to_row().items() if k != "state"})
    with pytest.raises(ValueError, match="target_kind"):
        AlertState.initial("page", SITE, SITE, T0)
