"""The rectification loop's alerts (alerts/rectification.py, alerts/events.py): overdue tickets and
找错/留言 deadlines, on a store holding the registry's small province, routed to the site's org's
recipients and delivered to a real webhook receiver (``sim.robots.RobotServer``). Time is the
``now`` given to each pass."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from govwatch.alerts.observer import AlertObserver
from govwatch.alerts.rectification import PUBLIC_REPORT_DUE_HOURS, rectification_pass
from govwatch.alerts.sender import Sender
from govwatch.core.clock import SHANGHAI
from govwatch.core.serviceconfig import ServiceConfig, parse_service_config
from govwatch.registry.importer import import_file
from govwatch.scoring.public_reports import add_report, forward_report, list_reports
from govwatch.scoring.tickets import notify_tickets
from govwatch.sim.robots import RobotServer
from govwatch.store import service_rows as rows
from govwatch.store.db import Store
from govwatch.store.ticket_rows import insert_tickets, ticket_rows
from tests.registry.registry_helpers import PROVINCE, write_csv

QS = "http://www.qs.gov.cn/"  # 青山县人民政府, org 450121 under 宁川市 450100
T0 = datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)  # a Friday
EVENTS = ["ticket_overdue", "public_report_due", "public_report_overdue"]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = Store(str(tmp_path / "gw.db"))
    result = import_file(opened, write_csv(tmp_path / "sites.csv", PROVINCE))
    assert not result.problems
    return opened


def config(county_url: str = "http://127.0.0.1:9/county") -> ServiceConfig:
    return parse_service_config({
        "channels": [{"name": "county-hook", "type": "webhook", "url": county_url},
                     {"name": "other-hook", "type": "webhook", "url": "http://127.0.0.1:9/other"}],
        "recipients": [{"name": "county", "channels": ["county-hook"], "orgs": ["450121"]},
                       {"name": "dongjiang", "channels": ["other-hook"], "orgs": ["450200"]}],
        "alerts": [{"events": EVENTS, "recipients": ["county", "dongjiang"]}]}, "service.yaml", environ={})


def ticket(store: Store, deadline: date, n: int = 1) -> dict[str, Any]:
    """One notified ticket of 青山县 with ``deadline``."""
    site_id = store.site_id(QS)
    run_id = store.create_run(site_id, "2026-11-20", {})
    [ticket_id] = insert_tickets(store, site_id, [{
        "fingerprint": f"fp{n:014d}", "problem_id": f"WZ-0{n}", "kind": "typo", "indicator": "错别字",
        "url": f"{QS}xwdt/{n}.html", "source": None, "target": None, "message": "错别字：工做→工作",
        "evidence": {"found": "工做", "expected": "工作"}, "origin": "check", "found_run_id": run_id}], actor="test")
    notify_tickets(store, [ticket_id], doc_number=f"〔2026〕{n}号", deadline=deadline, issuer="县政务公开办",
                   actor="test")
    return ticket_rows(store, [ticket_id])[0]


def outbox(store: Store) -> list[rows.OutboxRow]:
    return rows.list_outbox(store)


def test_an_overdue_ticket_is_told_once_to_its_orgs_recipients(store: Store) -> None:
    late = ticket(store, date(2026, 12, 1), 1)
    ticket(store, date(2026, 12, 4), 2)  # due today: not overdue yet
    observer = AlertObserver(store, config())
    events = rectification_pass(observer, T0)
    assert [e.kind for e in events] == ["ticket_overdue"]
    [event] = events
    assert event.title == "【预警】青山县人民政府整改问题WZ-01已逾期3天"
    for part in ("青山县人民政府", "WZ-01", "2026-12-01", "已逾期3天", "已通知", late["url"]):
        assert part in event.text
    assert event.dedupe_key == f"ticket_overdue:{late['id']}:2026-12-01"
    [row] = outbox(store)
    assert (row.recipient, row.channel, row.state) == ("county", "county-hook", "pending")  # not 东江市's
    assert rectification_pass(observer, T0 + timedelta(hours=1))  # the same fact again ...
    assert len(outbox(store)) == 1  # ... adds no row
    next_day = rectification_pass(observer, T0 + timedelta(days=1))
    assert {e.data["ticket_id"] for e in next_day} == {late["id"], late["id"] + 1}
    assert len(outbox(store)) == 2  # the second ticket now, the first not again


def test_public_report_reminder_then_overdue(store: Store) -> None:
    received = datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI)  # Thursday
    report_id = add_report(store, channel="zhaocuo", title="首页链接打不开", received_at=received,
                           site_id=store.site_id(QS), external_id="ZC-1", actor="test")
    observer = AlertObserver(store, config())
    [report] = [r for r in rows_of(store) if r["id"] == report_id]
    forward_by = datetime.fromisoformat(report["forward_deadline"])
    assert forward_by > received
    early = forward_by - timedelta(hours=PUBLIC_REPORT_DUE_HOURS + 1)
    assert [e.kind for e in rectification_pass(observer, early)] == []
    due = rectification_pass(observer, forward_by - timedelta(hours=3))
    assert [(e.kind, e.data["step"]) for e in due] == [("public_report_due", "forward")]
    assert "ZC-1" in due[0].text and "转办" in due[0].title and "还剩3小时" in due[0].text
    late = rectification_pass(observer, forward_by + timedelta(hours=2))
    assert [(e.kind, e.data["step"]) for e in late] == [("public_report_overdue", "forward")]
    assert "已超期2小时" in late[0].text and "仍未转办" in late[0].text
    forward_report(store, report_id, actor="test", at=forward_by + timedelta(hours=3))
    after = rectification_pass(observer, forward_by + timedelta(hours=4))
    assert all(e.data["step"] == "answer" for e in after)  # the forward step is no longer told
    kinds = [r.event_kind for r in outbox(store)]
    assert kinds.count("public_report_due") >= 1 and kinds.count("public_report_overdue") == 1
    assert {r.recipient for r in outbox(store)} == {"county"}


def rows_of(store: Store) -> list[dict[str, Any]]:
    return list_reports(store)


async def test_the_overdue_message_reaches_the_receiver(store: Store) -> None:
    ticket(store, date(2026, 11, 30), 1)
    async with RobotServer("webhook") as robot:
        cfg = config(robot.url)
        rectification_pass(AlertObserver(store, cfg), T0)
        result = await Sender(store, cfg).drain_once(T0)
        assert result.sent == 1
    [message] = robot.messages
    assert message["payload"]["title"] == "【预警】青山县人民政府整改问题WZ-01已逾期4天"
    assert "2026-11-30" in message["payload"]["text"]
