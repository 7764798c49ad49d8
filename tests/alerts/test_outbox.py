"""The outbox and alert-state rows (store/service_rows.py) on SQLite: one transaction per state change
and its rows, duplicates ignored, claiming, recovery after a kill, the sender's marks, listing."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from govwatch.alerts.state import AlertState
from govwatch.core.clock import SHANGHAI
from govwatch.store import service_rows as rows
from govwatch.store.db import Store
from govwatch.store.service_rows import OutboxRow

T0 = datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)
SITE = "http://www.qs.gov.cn/"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(str(tmp_path / "gw.db"))


def row(key: str = "site_down:x:1", recipient: str = "ops", channel: str = "ding", *, at: datetime = T0,
        state: str = "pending", site_id: int | None = None) -> OutboxRow:
    return OutboxRow(event_kind="site_down", severity="critical", recipient=recipient, channel=channel,
                     dedupe_key=key, payload={"title": f"【预警】{key}", "text": "正文", "site_url": SITE},
                     state=state, next_attempt_at=rows.stamp(at), site_id=site_id)


def test_stamps_compare_as_text_whatever_the_offset() -> None:
    utc_later = datetime(2026, 12, 4, 2, 30, tzinfo=SHANGHAI).astimezone(SHANGHAI) + timedelta(minutes=1)
    assert len(rows.stamp(T0)) == 32 and rows.stamp(T0) < rows.stamp(T0 + timedelta(microseconds=1))
    assert rows.stamp(T0.replace(tzinfo=None)) == rows.stamp(T0)  # naive is Beijing time
    assert rows.stamp(utc_later) < rows.stamp(T0)
    assert rows.parse_stamp(rows.stamp(T0)) == T0


def test_duplicate_rows_are_ignored_on_dedupe_key_recipient_and_channel(store: Store) -> None:
    first = rows.insert_outbox(store, [row(), row(channel="mail"), row(recipient="chief")])
    again = rows.insert_outbox(store, [row(), row(channel="mail")])
    assert len(first) == 3 and again == []
    assert rows.outbox_counts(store) == {"pending": 3}


def test_state_and_rows_are_one_transaction(store: Store) -> None:
    state = AlertState.initial("site", SITE, SITE, T0)
    down = AlertState(state.target_key, "site", SITE, "down", T0, fail_streak=2)
    added = rows.record_transition(store, down.to_row(), [row()], at=T0)
    assert len(added) == 1
    assert AlertState.from_row(rows.load_alert_state(store, down.target_key) or {}) == down
    broken = OutboxRow(event_kind=None, severity="critical", recipient="ops", channel="ding",  # type: ignore[arg-type]
                       dedupe_key="k2", payload={})
    up = AlertState(state.target_key, "site", SITE, "up", T0 + timedelta(minutes=5))
    with pytest.raises(IntegrityError):
        rows.record_transition(store, up.to_row(), [row("k3"), broken], at=T0)
    # nothing of the failed transaction stayed: neither the state nor the good row before the bad one
    assert rows.load_alert_state(store, down.target_key)["state"] == "down"  # type: ignore[index]
    assert [r.dedupe_key for r in rows.list_outbox(store)] == ["site_down:x:1"]
    assert [s["state"] for s in rows.load_alert_states(store, states=["down"])] == ["down"]


def test_claim_takes_due_pending_rows_once(store: Store) -> None:
    rows.insert_outbox(store, [row("a"), row("b", at=T0 + timedelta(minutes=10)), row("c", state="held")])
    claimed = rows.claim_due(store, T0, limit=10)
    assert [r.dedupe_key for r in claimed] == ["a"] and claimed[0].state == "sending"
    assert rows.claim_due(store, T0) == []  # already sending
    assert [r.dedupe_key for r in rows.claim_due(store, T0 + timedelta(minutes=10))] == ["b"]


def test_recover_sending_keeps_the_row_id(store: Store) -> None:
    [row_id] = rows.insert_outbox(store, [row()])
    [claimed] = rows.claim_due(store, T0)
    assert rows.recover_sending(store) == 1  # a killed sender left it "sending"
    [again] = rows.claim_due(store, T0)
    assert again.id == claimed.id == row_id


def test_marks_retry_failed_sent_and_held(store: Store) -> None:
    a, b, c, d = rows.insert_outbox(store, [row("a"), row("b"), row("c"), row("d")])
    rows.mark_retry(store, a, T0 + timedelta(seconds=30), 1, "robot refused")
    rows.mark_failed(store, b, 8, "gave up")
    rows.mark_sent(store, c, T0, 1)
    rows.mark_held(store, d, T0 + timedelta(hours=8), "held: quiet hours until 07:30")
    got = {r.dedupe_key: r for r in rows.list_outbox(store)}
    assert (got["a"].state, got["a"].attempts, got["a"].last_error) == ("pending", 1, "robot refused")
    assert rows.claim_due(store, T0) == []  # not due before its retry time
    assert (got["b"].state, got["b"].attempts, got["b"].last_error) == ("failed", 8, "gave up")
    assert got["c"].state == "sent" and got["c"].sent_at == rows.stamp(T0) and got["c"].last_error is None
    assert got["d"].state == "held"
    assert rows.held_due(store, T0 + timedelta(hours=7)) == []
    assert [r.id for r in rows.held_due(store, T0 + timedelta(hours=8))] == [d]
    rows.release_held(store, [d], T0 + timedelta(hours=8))
    assert rows.outbox_row(store, d).state == "pending"  # type: ignore[union-attr]


def test_merge_into_digest_is_one_transaction(store: Store) -> None:
    ids = rows.insert_outbox(store, [row(f"k{i}") for i in range(3)])
    digest = row("digest:rate:ding:ops:x")
    digest_id = rows.merge_into_digest(store, digest, ids)
    assert digest_id is not None
    assert rows.outbox_row(store, digest_id).digest_of == ids  # type: ignore[union-attr]
    assert rows.outbox_counts(store) == {"merged": 3, "pending": 1}
    assert rows.merge_into_digest(store, digest, ids) is None  # the same digest again: nothing


def test_list_filters_by_state_site_and_time(store: Store) -> None:
    site_id = store.site_id(SITE)
    other = store.site_id("http://www.bh.gov.cn/")
    rows.insert_outbox(store, [row("old", site_id=site_id)], at=T0)
    rows.insert_outbox(store, [row("new", site_id=site_id), row("elsewhere", site_id=other)], at=T0 + timedelta(days=1))
    assert {r.dedupe_key for r in rows.list_outbox(store, site_url=SITE)} == {"old", "new"}
    assert {r.dedupe_key for r in rows.list_outbox(store, since=T0 + timedelta(hours=1))} == {"new", "elsewhere"}
    assert rows.list_outbox(store, state="sent") == []
    assert rows.list_outbox(store, site_url=SITE)[0].site_url == SITE
