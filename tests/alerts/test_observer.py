"""The observer (alerts/observer.py) on a store holding the registry's small province: visits → alert
states and outbox rows in one transaction, nothing re-fired after a restart, filings, inhibition,
escalation to the parent org, and the events after a run (new findings, 7-day availability; after a
patrol only the page findings it can decide, on the pages it read)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from govwatch.alerts.observer import AlertObserver
from govwatch.alerts.routing import INHIBITED_BY_SITE_DOWN
from govwatch.checks import CheckRun
from govwatch.core.clock import SHANGHAI
from govwatch.core.model import FetchResult, Finding
from govwatch.core.serviceconfig import ServiceConfig, parse_service_config
from govwatch.registry.filings import add_filing
from govwatch.registry.importer import import_file
from govwatch.rules.loader import load_ruleset
from govwatch.store import service_rows as rows
from govwatch.store.db import Store
from govwatch.store.probes import Target, save_rows
from govwatch.store.run_listing import set_run_kind
from govwatch.store.run_results import replace_check_results
from govwatch.store.writer import FetchRecord, RunWriter
from tests.registry.registry_helpers import PROVINCE, write_csv

QS = "http://www.qs.gov.cn/"  # 青山县人民政府, org 450121 under 宁川市 450100
COLUMN = "http://www.qs.gov.cn/tzgg/"
T0 = datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)
STEP = timedelta(minutes=5)


@dataclass(frozen=True)
class Seen:
    """A visit's outcome as the probe reports it (the fields the observer reads)."""

    ok: bool
    status: int | None = None
    error: str | None = None
    error_detail: str = ""


DOWN, UP = Seen(False, None, "connect_timeout", "timed out"), Seen(True, 200)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = Store(str(tmp_path / "gw.db"))
    result = import_file(opened, write_csv(tmp_path / "sites.csv", PROVINCE))
    assert not result.problems
    return opened


def config(**alerting: Any) -> ServiceConfig:
    return parse_service_config({
        "channels": [{"name": "hook", "type": "webhook", "url": "http://127.0.0.1:9/county"},
                     {"name": "city-hook", "type": "webhook", "url": "http://127.0.0.1:9/city"}],
        "recipients": [{"name": "county", "channels": ["hook"], "orgs": ["450121"]},
                       {"name": "city", "channels": ["city-hook"], "orgs": ["450100"]}],
        "alerts": [{"events": ["site_down", "site_recovered", "column_down", "new_veto_finding", "new_finding",
                               "veto_risk", "column_due"], "recipients": ["county"]}],
        "alerting": alerting}, "service.yaml", environ={})


def home(store: Store) -> Target:
    return Target(store.site_id(QS), QS, QS, "homepage")


def feed(observer: AlertObserver, target: Target, marks: str, start: datetime) -> datetime:
    """Visits ``marks`` ("x" failed, "." good) one STEP apart; returns the time after the last."""
    at = start
    for mark in marks:
        observer.on_visit(target, DOWN if mark == "x" else UP, at)
        at += STEP
    return at


def test_down_and_recovered_once_and_a_restart_re_fires_nothing(store: Store) -> None:
    at = feed(AlertObserver(store, config()), home(store), ".xx", T0)
    [down] = rows.list_outbox(store)
    assert (down.event_kind, down.recipient, down.channel, down.state) == ("site_down", "county", "hook", "pending")
    assert "青山县人民政府" in down.payload["title"] and "连接超时" in down.payload["text"]
    restarted = AlertObserver(store, config())  # a new process reads the persisted state
    at = feed(restarted, home(store), "xxx..", at)
    assert [r.event_kind for r in rows.list_outbox(store)] == ["site_recovered", "site_down"]
    assert rows.load_alert_state(store, f"site:{QS}")["state"] == "up"  # type: ignore[index]


def test_a_filing_puts_the_site_in_maintenance_and_nothing_is_told(store: Store) -> None:
    add_filing(store, QS, date(2026, 12, 4), date(2026, 12, 4), "网站改版")
    feed(AlertObserver(store, config()), home(store), "xxxxx", T0)
    assert rows.list_outbox(store) == []
    assert rows.load_alert_state(store, f"site:{QS}")["state"] == "maintenance"  # type: ignore[index]


def test_a_down_site_inhibits_its_columns(store: Store) -> None:
    observer = AlertObserver(store, config())
    feed(observer, home(store), "xx", T0)
    column = Target(store.site_id(QS), QS, COLUMN, "column", "通知公告")
    feed(observer, column, "xx", T0 + 3 * STEP)
    found = {r.event_kind: r for r in rows.list_outbox(store)}
    assert found["site_down"].state == "pending"
    assert (found["column_down"].state, found["column_down"].last_error) == ("suppressed", INHIBITED_BY_SITE_DOWN)


def test_an_unacknowledged_down_alert_is_escalated_to_the_parent_org(store: Store) -> None:
    observer = AlertObserver(store, config(escalate_after_hours=1, reminder="0"))
    start = feed(observer, home(store), "xx", T0)
    assert observer.tick(start + timedelta(minutes=30)) == []
    [escalated] = observer.tick(T0 + STEP + timedelta(hours=1))
    assert escalated.data["escalate"] and escalated.title.startswith("【升级】")
    routed = {(r.recipient, r.channel) for r in rows.list_outbox(store) if r.payload["data"].get("escalate")}
    assert routed == {("city", "city-hook")}  # 宁川市, the parent of 青山县
    assert observer.tick(T0 + timedelta(hours=3)) == []  # once per episode


def test_an_acknowledged_down_alert_is_not_escalated(store: Store) -> None:
    observer = AlertObserver(store, config(escalate_after_hours=1, reminder="0"))
    feed(observer, home(store), "xx", T0)
    assert observer.acknowledge(f"site:{QS}", T0 + timedelta(minutes=20), "值班员")
    assert observer.tick(T0 + timedelta(hours=2)) == []


def _run(store: Store, findings: list[Finding], at: str, expires: str) -> int:
    run_id = store.create_run(store.site_id(QS), at, {})
    column = {"run_id": run_id, "name": "通知公告", "url": COLUMN, "type": "dynamic", "type_reason": "keyword:通知",
              "discovered_by": "nav", "read_via": "static", "last_update": "2026-11-20", "items": 20, "undated": 0,
              "blank": False, "stale": False, "window_days": 14, "details": {"expires": expires, "window": "14天"}}
    checks = [CheckRun("content.typos", "ok", len(findings), 1.0, None)]
    replace_check_results(store, run_id, findings, checks, [column])
    store.set_run_status(run_id, "completed", finished=True)
    return run_id


def test_a_run_tells_its_new_veto_finding_once_and_the_availability_risk(store: Store) -> None:
    typo = Finding("typo", "content.typo", "content", QS + "a.htm", "typo", {})
    dark = Finding("dark_link", "content.dark_link", "content", QS, "dark link", {})
    _run(store, [typo], "2026-11-20", "2026-12-04")
    latest = _run(store, [typo, dark], "2026-12-04", "2026-12-06")  # the column's deadline: 2 days away
    site_id = store.site_id(QS)
    visits = [{"site_id": site_id, "target_kind": "homepage", "url": QS, "ok": n % 25 != 0,
               "error": None if n % 25 else "timeout", "timeout_s": 15.0,
               "at": (T0 - timedelta(hours=n)).isoformat()} for n in range(1, 101)]
    save_rows(store, visits)  # 100 visits in the 7 days before T0, 4 failed: 4 % ≥ the 3 % early warning
    observer = AlertObserver(store, config(), ruleset=load_ruleset("national-2019"))
    events = observer.on_run(latest, T0)
    assert {(e.kind, e.data.get("finding_kind")) for e in events} == {
        ("new_veto_finding", "dark_link"), ("veto_risk", None), ("column_due", None)}
    due = next(e for e in events if e.kind == "column_due")
    assert (due.target_url, due.data["days_left"]) == (COLUMN, 2)
    risk = next(e for e in events if e.kind == "veto_risk")
    assert (risk.data["visits"], risk.data["failed"]) == (100, 4)
    assert observer.on_run(latest, T0 + timedelta(hours=1)) != []  # the same facts again …
    assert rows.outbox_counts(store) == {"pending": 3}  # … add no row


def _stored_run(store: Store, findings: list[Finding], *, kind: str, read: list[str]) -> int:
    """A finished run of QS of ``kind`` that fetched ``read`` (200 each) and stored ``findings``; a
    patrol is incomplete (``crawl.patrol``), a full run complete."""
    run_id = store.create_run(store.site_id(QS), "2026-12-04", {})
    RunWriter(store, run_id).write_batch([
        FetchRecord(url, "page", "page", 0 if url == QS else 1,
                    FetchResult(url, url, "GET", 200, None, "", "text/html", {}, b"<html></html>", 5.0)) for url in read])
    column = {"run_id": run_id, "name": "通知公告", "url": COLUMN, "type": "dynamic", "type_reason": "keyword:通知",
              "discovered_by": "nav", "read_via": "static", "last_update": "2026-12-01", "items": 20, "undated": 0,
              "blank": False, "stale": False, "window_days": 14, "details": {"expires": "2026-12-15", "window": "14天"}}
    replace_check_results(store, run_id, findings, [CheckRun("content.typos", "ok", len(findings), 1.0, None)],
                          [column])
    set_run_kind(store, run_id, kind)
    store.set_run_completeness(run_id, kind != "patrol", [{"reason": "crawl.patrol"}] if kind == "patrol" else [])
    store.set_run_status(run_id, "completed", finished=True)
    return run_id


def test_a_patrol_tells_only_new_findings_on_the_pages_it_read(store: Store) -> None:
    """A patrol reads the homepage and a few pages: its own crawl.patrol ``site_unreadable`` and the
    site-wide findings (no consultation channel found) are not news; a typo it read again is not new
    against the newest complete full run; a typo and a broken link on a page it read are."""
    page_a, page_b, unread = QS + "a.htm", QS + "b.htm", QS + "c.htm"
    typo_a = Finding("typo", "content.typo", "表达规范", page_a, "typo", {}, target="按装")
    dark = Finding("dark_link", "security.dark_link", "安全", QS, "dark link", {}, target="http://bad.example/")
    no_consult = Finding("no_consult_channel", "interaction.no_consult", "互动交流", QS, "未发现咨询渠道", {})
    leak_c = Finding("privacy_leak", "privacy.personal_data", "个人信息保护", unread, "leak", {})
    _stored_run(store, [typo_a, dark, leak_c], kind="scan", read=[QS, page_a, page_b, unread])

    unreadable = Finding("site_unreadable", "crawl.patrol", "可用性", QS, "巡查只读取了部分页面", {})
    typo_b = Finding("typo", "content.typo", "表达规范", page_b, "typo", {}, target="部暑")
    broken_b = Finding("broken_link", "link.confirmed", "链接可用性", page_b, "broken", {},
                       target="http://www.qs.gov.cn/gone.htm")
    patrol = _stored_run(store, [unreadable, no_consult, typo_a, typo_b, dark, broken_b], kind="patrol",
                         read=[QS, page_a, page_b])
    observer = AlertObserver(store, config(), ruleset=load_ruleset("national-2019"))
    events = observer.on_run(patrol, T0)
    told = {(e.kind, e.data.get("finding_kind")): e for e in events}
    assert set(told) == {("new_finding", "typo"), ("new_finding", "broken_link")}
    assert [f["url"] for f in told[("new_finding", "typo")].data["findings"]] == [page_b]  # a.htm's typo is old
    assert [f["url"] for f in told[("new_finding", "broken_link")].data["findings"]] == [page_b]
    assert {r.event_kind for r in rows.list_outbox(store)} == {"new_finding"}


def test_a_patrol_before_any_full_run_tells_its_page_findings_only(store: Store) -> None:
    unreadable = Finding("site_unreadable", "crawl.patrol", "可用性", QS, "巡查只读取了部分页面", {})
    no_consult = Finding("no_consult_channel", "interaction.no_consult", "互动交流", QS, "未发现咨询渠道", {})
    dark = Finding("dark_link", "security.dark_link", "安全", QS, "dark link", {}, target="http://bad.example/")
    patrol = _stored_run(store, [unreadable, no_consult, dark], kind="patrol", read=[QS])
    events = AlertObserver(store, config(), ruleset=load_ruleset("national-2019")).on_run(patrol, T0)
    assert [(e.kind, e.data.get("finding_kind")) for e in events] == [("new_veto_finding", "dark_link")]
