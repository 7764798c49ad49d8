"""Store rows whose SQL differs between the databases, on SQLite and on PostgreSQL (``any_store``):
the outbox's skipped duplicates (dialect ``ON CONFLICT DO NOTHING … RETURNING``) and its due times
compared as text, job requests claimed once each, probe windows selected by ``at`` text across UTC
offsets. Every expected value is worked out by hand from the rows written here."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from govwatch.store.db import Store
from govwatch.store.probes import probes_in_window, save_rows
from govwatch.store.service_rows import OutboxRow, claim_due, insert_outbox, mark_retry, outbox_counts
from govwatch.store.web_rows import add_job_request, claim_job_request, finish_job_request

NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


def _outbox(key: str, due: datetime) -> OutboxRow:
    return OutboxRow(event_kind="site_down", severity="error", recipient="值班员", channel="wecom:ops", dedupe_key=key,
                     payload={"站点": "http://www.example.gov.cn/", "次数": 3}, next_attempt_at=due.isoformat())


def test_outbox_skips_duplicates_and_claims_what_is_due(any_store: Store) -> None:
    first = insert_outbox(any_store, [_outbox("down:1", NOW - timedelta(minutes=5)), _outbox("down:2", NOW)], at=NOW)
    assert len(first) == 2
    again = insert_outbox(any_store, [_outbox("down:1", NOW), _outbox("down:3", NOW + timedelta(hours=1))], at=NOW)
    assert len(again) == 1 and again[0] > max(first)  # down:1 is a duplicate: skipped, not an error
    claimed = claim_due(any_store, NOW)
    assert [r.dedupe_key for r in claimed] == ["down:1", "down:2"]  # oldest due first; down:3 is not due
    assert claimed[0].payload == {"站点": "http://www.example.gov.cn/", "次数": 3}
    mark_retry(any_store, first[0], NOW + timedelta(minutes=30), 1, "超时")
    assert claim_due(any_store, NOW + timedelta(minutes=29)) == []
    assert [r.dedupe_key for r in claim_due(any_store, NOW + timedelta(hours=1))] == ["down:1", "down:3"]
    assert outbox_counts(any_store) == {"sending": 3}


def test_job_requests_are_claimed_once_each_oldest_first(any_store: Store) -> None:
    site = any_store.site_id("http://www.example.gov.cn/")
    jobs = [add_job_request(any_store, kind, site, {"说明": kind}, None) for kind in ("inspect", "rescore", "inspect")]
    first = claim_job_request(any_store, ["inspect"])
    assert first is not None and (first["id"], first["state"], first["args"]) == (jobs[0], "running", {"说明": "inspect"})
    second = claim_job_request(any_store)
    assert second is not None and second["id"] == jobs[1]
    finish_job_request(any_store, jobs[0], ok=True)
    third = claim_job_request(any_store, ["inspect"])
    assert third is not None and third["id"] == jobs[2]
    assert claim_job_request(any_store) is None


def test_a_probe_window_holds_the_visits_of_its_days_whatever_their_offset(any_store: Store) -> None:
    site = any_store.site_id("http://www.example.gov.cn/")

    def probe(at: str, ok: bool = True) -> dict[str, object]:
        return {"site_id": site, "target_kind": "homepage", "url": "http://www.example.gov.cn/", "at": at, "ok": ok,
                "timeout_s": 15.0}

    save_rows(any_store, [
        probe("2026-12-01T23:59:00+08:00"),  # the day before the window (Beijing time)
        probe("2026-12-02T00:00:00+08:00"),  # the window's first second
        probe("2026-12-01T16:30:00+00:00", ok=False),  # 00:30 on 12-02 in Beijing, written in UTC
        probe("2026-12-03T23:59:59+08:00"),  # the as-of day's last second
        probe("2026-12-03T16:00:00+00:00"),  # 00:00 on 12-04 in Beijing: after the window
    ])
    window = probes_in_window(any_store, site, date(2026, 12, 3), 2)
    assert [(r["at"], r["ok"]) for r in window] == [
        ("2026-12-02T00:00:00+08:00", True), ("2026-12-01T16:30:00+00:00", False), ("2026-12-03T23:59:59+08:00", True)]
