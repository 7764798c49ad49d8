"""The outbox sender (alerts/sender.py) against real receivers on 127.0.0.1: the fake robots of
``govwatch.sim.robots`` (signatures verified) and a real SMTP server (aiosmtpd). Time is the
``now`` given to each pass, never a sleep; what the receivers recorded is the truth."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from govwatch.alerts.events import Event
from govwatch.alerts.message import Message
from govwatch.alerts.routing import RegistryView, route
from govwatch.alerts.sender import Sender, TokenBucket, message_of
from govwatch.commands.main import main
from govwatch.core.clock import SHANGHAI
from govwatch.core.serviceconfig import ServiceConfig, parse_service_config
from govwatch.sim.robots import RobotServer
from govwatch.store import service_rows as rows
from govwatch.store.db import Store
from govwatch.store.service_rows import OutboxRow

SECRET = "SECsender0test0secret0cafe"
T0 = datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)
SITE = "http://www.qs.gov.cn/"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(str(tmp_path / "gw.db"))
    yield opened
    opened.close()


def config(channels: list[dict[str, Any]], **data: Any) -> ServiceConfig:
    return parse_service_config({"channels": channels, **data}, "service.yaml", environ={})


def event(n: int = 1, kind: str = "site_down", severity: str = "critical", at: datetime = T0) -> Event:
    return Event(kind, severity, SITE, "青山县人民政府", "450121", SITE, f"【预警】青山县人民政府网站首页无法访问 {n}",
                 f"青山县人民政府网站首页已连续2次无法访问（第{n}条）。请立即检查服务器和网络。", f"{kind}:{SITE}:{n}", at)


def pending(channel: str, n: int = 1, at: datetime = T0) -> OutboxRow:
    e = event(n, at=at)
    return OutboxRow(event_kind=e.kind, severity=e.severity, recipient=channel, channel=channel,
                     dedupe_key=e.dedupe_key, payload=e.to_payload(), next_attempt_at=rows.stamp(at))


async def test_a_refusing_robot_is_retried_with_backoff_then_failed_and_listed(
        store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    async with RobotServer("dingtalk", secret=SECRET, refuse=lambda _payload: (430104, "内容不合规")) as robot:
        cfg = config([{"name": "ops-ding", "type": "dingtalk", "url": robot.url, "secret": SECRET}],
                     alerting={"max_attempts": 3, "retry_backoff": "30s"})
        [row_id] = rows.insert_outbox(store, [pending("ops-ding")])
        sender = Sender(store, cfg)
        assert (await sender.drain_once(T0)).retried == 1
        first = rows.outbox_row(store, row_id)
        assert first is not None and first.state == "pending" and first.attempts == 1
        assert first.next_attempt_at == rows.stamp(T0 + timedelta(seconds=30))  # the first backoff
        assert (await sender.drain_once(T0 + timedelta(seconds=29))).claimed == 0  # not due yet
        assert (await sender.drain_once(T0 + timedelta(seconds=30))).retried == 1
        second = rows.outbox_row(store, row_id)
        assert second is not None and second.next_attempt_at == rows.stamp(T0 + timedelta(seconds=90))  # doubled
        assert (await sender.drain_once(T0 + timedelta(seconds=90))).failed == 1
    assert len(robot.requests) == 3 and robot.messages == []  # refused three times, never counted as sent
    assert {r["code"] for r in robot.requests} == {430104}
    failed = rows.outbox_row(store, row_id)
    assert failed is not None and (failed.state, failed.attempts) == ("failed", 3)
    assert "430104" in (failed.last_error or "")
    assert main(["alerts", "list", "--state", "failed", "--db", str(tmp_path / "gw.db")]) == 0
    shown = capsys.readouterr()
    assert "failed" in shown.out and "ops-ding" in shown.out and "430104" in shown.out
    assert SECRET not in shown.out + shown.err and robot.token not in shown.out + shown.err


async def test_rate_limit_merges_the_excess_into_one_digest_none_dropped(store: Store) -> None:
    async with RobotServer("dingtalk", secret=SECRET) as robot:
        cfg = config([{"name": "ops-ding", "type": "dingtalk", "url": robot.url, "secret": SECRET}])
        ids = rows.insert_outbox(store, [pending("ops-ding", n) for n in range(1, 31)])
        sender = Sender(store, cfg)
        stats = await sender.drain_once(T0)
        assert (stats.sent, stats.digests, stats.merged) == (20, 1, 10)
        assert len(robot.messages) == 20
        assert rows.outbox_counts(store) == {"sent": 20, "merged": 10, "pending": 1}
        [digest] = rows.list_outbox(store, state="pending")
        assert digest.digest_of == ids[20:]
        assert (await sender.drain_once(T0 + timedelta(seconds=2))).sent == 0  # no token yet (20 a minute)
        assert (await sender.drain_once(T0 + timedelta(minutes=1))).sent == 1
    assert len(robot.messages) == 21
    text = robot.messages[-1]["payload"]["markdown"]["text"]
    assert "共10条" in text and all(f"无法访问 {n}" in text for n in range(21, 31))
    assert robot.messages[-1]["delivery_id"] == f"gw-{digest.id}"
    assert rows.outbox_counts(store) == {"sent": 21, "merged": 10}
    assert all(r.sent_at for r in rows.list_outbox(store, state="merged"))


async def test_quiet_hours_hold_then_release_at_their_end(store: Store) -> None:
    async with RobotServer("webhook", secret=SECRET) as robot:
        cfg = config([{"name": "hook", "type": "webhook", "url": robot.url, "secret": SECRET}],
                     alerts=[{"events": ["column_due"], "channels": ["hook"]}],
                     quiet_hours={"from": "22:00", "to": "07:30", "except": ["site_down"]})
        night = datetime(2026, 12, 4, 23, 0, tzinfo=SHANGHAI)
        due = event(1, "column_due", "warning", at=night)
        rows.insert_outbox(store, route(due, cfg, RegistryView()))
        sender = Sender(store, cfg)
        await sender.drain_once(night + timedelta(minutes=30))
        await sender.drain_once(datetime(2026, 12, 5, 7, 29, tzinfo=SHANGHAI))
        assert robot.messages == [] and rows.outbox_counts(store) == {"held": 1}
        stats = await sender.drain_once(datetime(2026, 12, 5, 7, 30, tzinfo=SHANGHAI))
        assert (stats.released, stats.sent) == (1, 1)
    [got] = robot.messages
    assert got["payload"]["title"] == due.title  # one held row goes out as itself


async def test_the_daily_digest_merges_held_findings_into_one_message(store: Store) -> None:
    async with RobotServer("wecom") as robot:
        cfg = config([{"name": "wx", "type": "wecom", "url": robot.url}],
                     recipients=[{"name": "county", "channels": ["wx"], "digest_at": "17:30"}],
                     alerts=[{"events": ["new_finding"], "recipients": ["county"]}])
        for n in (1, 2, 3):
            rows.insert_outbox(store, route(event(n, "new_finding", "info"), cfg, RegistryView()))
        sender = Sender(store, cfg)
        await sender.drain_once(datetime(2026, 12, 4, 17, 29, tzinfo=SHANGHAI))
        assert robot.messages == []
        stats = await sender.drain_once(datetime(2026, 12, 4, 17, 30, tzinfo=SHANGHAI))
        assert (stats.released, stats.digests, stats.sent) == (3, 1, 1)
    [got] = robot.messages
    content = got["payload"]["markdown"]["content"]
    assert "每日汇总（共3条）" in content and all(f"无法访问 {n}" in content for n in (1, 2, 3))
    assert rows.outbox_counts(store) == {"sent": 1, "merged": 3}


async def test_duplicate_events_give_one_row_and_one_message(store: Store) -> None:
    async with RobotServer("webhook") as robot:
        cfg = config([{"name": "hook", "type": "webhook", "url": robot.url}],
                     alerts=[{"events": ["site_down"], "channels": ["hook"]}])
        for _ in range(3):
            rows.insert_outbox(store, route(event(1), cfg, RegistryView()))
        await Sender(store, cfg).drain_once(T0)
    assert len(robot.messages) == 1 and rows.outbox_counts(store) == {"sent": 1}


async def test_a_killed_sender_s_row_is_delivered_again_with_the_same_delivery_id(store: Store) -> None:
    async with RobotServer("webhook", secret=SECRET) as robot:
        cfg = config([{"name": "hook", "type": "webhook", "url": robot.url, "secret": SECRET}])
        [row_id] = rows.insert_outbox(store, [pending("hook")])
        # the first process claims the row and reaches the robot, then dies before marking it sent
        [claimed] = rows.claim_due(store, T0)
        from govwatch.alerts.channels import send

        assert (await send(cfg.channels[0], message_of(claimed))).ok
        assert rows.outbox_counts(store) == {"sending": 1}
        restarted = Sender(store, cfg)  # a new process: recover_sending on the first pass
        assert (await restarted.drain_once(T0 + timedelta(seconds=5))).sent == 1
    assert [m["delivery_id"] for m in robot.messages] == [f"gw-{row_id}", f"gw-{row_id}"]
    assert [r["headers"].get("X-Govwatch-Delivery") for r in robot.requests] == [f"gw-{row_id}"] * 2
    assert rows.outbox_counts(store) == {"sent": 1}


@dataclass
class MailSink:
    mails: list[bytes] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(bytes(envelope.content))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_email_through_a_real_smtp_server(store: Store) -> None:
    sink, port = MailSink(), _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        cfg = config([{"name": "mail", "type": "email",
                       "smtp": {"host": "127.0.0.1", "port": port, "to": ["duty@county.example"]}}])
        [row_id] = rows.insert_outbox(store, [pending("mail")])
        assert (await Sender(store, cfg).drain_once(T0)).sent == 1
    finally:
        controller.stop()
    [raw] = sink.mails
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert mail["Subject"] == event(1).title and f"gw-{row_id}" in mail["Message-ID"]
    assert "请立即检查服务器和网络" in mail.get_body().get_content()  # type: ignore[union-attr]


def test_alerts_test_exit_code_follows_the_receiver(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with RobotServer("dingtalk", secret=SECRET).running() as good, \
            RobotServer("dingtalk", secret=SECRET, refuse=lambda _p: (430104, "内容不合规")).running() as bad:
        path = tmp_path / "service.yaml"
        path.write_text(f"channels:\n  - {{name: good, type: dingtalk, url: '{good.url}', secret: {SECRET}}}\n"
                        f"  - {{name: bad, type: dingtalk, url: '{bad.url}', secret: {SECRET}}}\n", encoding="utf-8")
        assert main(["alerts", "test", "good", "--config", str(path)]) == 0
        assert main(["alerts", "test", "bad", "--config", str(path)]) == 1
        assert main(["alerts", "test", "nope", "--config", str(path)]) == 2
    [got] = good.messages
    assert got["payload"]["markdown"]["title"].startswith("【测试】")
    shown = capsys.readouterr().err
    assert "good（dingtalk）：发送成功" in shown and "bad（dingtalk）：发送失败" in shown and "430104" in shown
    assert SECRET not in shown and good.token not in shown


def test_message_of_a_row_uses_its_payload() -> None:
    built = message_of(OutboxRow(event_kind="site_down", severity="critical", recipient="r", channel="c",
                                 dedupe_key="k", payload=event(1).to_payload(), id=42))
    assert built == Message(title=event(1).title, text=event(1).text, severity="critical", delivery_id="gw-42",
                            links=(("查看页面", SITE),))


def test_the_rate_is_never_exceeded_within_any_minute() -> None:
    """A robot counts the messages of the last 60 s (DingTalk's 21st within a minute throttles it for
    10 minutes): after a burst of ``rate`` the next one waits a minute after the first, not 60/rate s."""
    bucket = TokenBucket(3)
    assert [bucket.take(T0 + timedelta(seconds=s)) for s in (0, 1, 2, 3)] == [True, True, True, False]
    assert not bucket.take(T0 + timedelta(seconds=30))  # a refilling bucket would have let this through
    assert bucket.next_free(T0 + timedelta(seconds=30)) == T0 + timedelta(seconds=60)
    assert bucket.take(T0 + timedelta(seconds=60)) and not bucket.take(T0 + timedelta(seconds=60.5))
    assert bucket.take(T0 + timedelta(seconds=61))
