"""``govwatch alerts list`` and ``govwatch alerts test``: the outbox and its states, and a test
message through one channel (thin: parse, call the store or the channel, print).

Exit codes as everywhere: 0 done (``alerts test``: the channel accepted the message), 1 the
channel did not accept it or a runtime failure, 2 bad arguments or config.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from govwatch.commands.common import (
    EXIT_FAILURE,
    EXIT_OK,
    UsageError,
    add_db_flag,
    cli_settings,
    console,
    open_store,
    plain,
    write_json,
)

STATES = ("pending", "sending", "sent", "failed", "held", "merged", "suppressed")


def _service_config(path: str) -> Any:
    from govwatch.core.serviceconfig import load_service_config
    from govwatch.core.settings import ConfigError

    try:
        return load_service_config(path)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def _masker(config_path: str | None) -> Any:
    """A function masking the secrets of the config's channels (identity without a config)."""
    from govwatch.alerts.sender import mask_error

    if not config_path:
        return lambda text, _channel: text
    channels = {c.name: c for c in _service_config(config_path).channels}
    return lambda text, channel: mask_error(text, channels.get(channel))


def cmd_alerts_list(args: argparse.Namespace) -> int:
    """A table of the outbox rows (newest first) with their states."""
    from rich.table import Table

    from govwatch.core.urls import normalize_url
    from govwatch.store.service_rows import list_outbox, outbox_counts

    since = None
    if args.since:
        try:
            since = datetime.fromisoformat(args.since)
        except ValueError:
            raise UsageError(f"--since：{args.since!r} 不是 ISO 格式的日期或时间（如 2026-12-04 或 "
                             "2026-12-04T08:00）") from None
    site = normalize_url(args.site) if args.site else None
    if args.site and site is None:
        raise UsageError(f"--site：不是可用的 http(s) 网址：{args.site!r}")
    mask = _masker(args.service_config)
    store = open_store(cli_settings(args))
    try:
        found = list_outbox(store, state=args.state, site_url=site, since=since, limit=args.limit)
        counts = outbox_counts(store)
    finally:
        store.close()
    listed = [{"id": r.id, "created_at": r.created_at, "event": r.event_kind, "severity": r.severity,
               "site": r.site_url or r.payload.get("site_url"), "title": r.payload.get("title"),
               "recipient": r.recipient, "channel": r.channel, "state": r.state, "attempts": r.attempts,
               "next_attempt_at": r.next_attempt_at, "sent_at": r.sent_at,
               "last_error": mask(r.last_error, r.channel), "digest_of": r.digest_of} for r in found]
    if args.json:
        write_json({"counts": counts, "rows": listed}, args.json)
        if args.json == "-":
            return EXIT_OK
    if not listed:
        plain(console, "通知队列中" + ("没有符合这些条件的记录" if args.state or site or since else "没有记录"))
        return EXIT_OK
    table = Table(title_justify="left", title="通知队列")
    for heading in ("id", "时间", "事件", "网站", "接收人", "渠道", "状态", "尝试次数", "最近错误"):
        table.add_column(heading, overflow="fold")
    for row in listed:
        table.add_row(str(row["id"]), str(row["created_at"])[:19], str(row["event"]), str(row["site"] or "-"),
                      str(row["recipient"]), str(row["channel"]), str(row["state"]), str(row["attempts"]),
                      str(row["last_error"] or ""))
    from rich.console import Console

    Console(highlight=False, width=None if sys.stdout.isatty() else 220).print(table, markup=False)
    plain(console, "通知队列：" + "，".join(f"{s} {counts.get(s, 0)} 条" for s in STATES if counts.get(s)))
    return EXIT_OK


def cmd_alerts_test(args: argparse.Namespace) -> int:
    """Send a ``test`` message through one channel now and print what the receiver answered."""
    import asyncio

    from govwatch.alerts.channels import send
    from govwatch.alerts.message import Message
    from govwatch.alerts.sender import mask_error

    config = _service_config(args.service_config)
    channel = next((c for c in config.channels if c.name == args.channel), None)
    if channel is None:
        known = "、".join(c.name for c in config.channels) or "未定义任何渠道"
        raise UsageError(f"{args.service_config} 中没有名为 {args.channel!r} 的渠道（已有：{known}）")
    now = datetime.now().astimezone()
    message = Message(title="【测试】govwatch 预警推送测试",
                      text=(f"这是一条测试消息：渠道「{channel.name}」（{channel.type}）已能收到 govwatch 的预警推送"
                            f"（{now.strftime('%Y-%m-%d %H:%M')}）。无需处理。"),
                      severity="info", delivery_id=f"gw-test-{now.strftime('%Y%m%d%H%M%S')}")
    delivery = asyncio.run(send(channel, message))
    error = mask_error(delivery.error, channel)
    line = (f"{channel.name}（{channel.type}）：{'发送成功' if delivery.ok else '发送失败'}；HTTP 状态 {delivery.status}，"
            f"返回码 {delivery.code}，可重试 {'是' if delivery.retry else '否'}，retry_after {delivery.retry_after}，"
            f"投递编号 {message.delivery_id}")
    plain(console, line + (f"；错误：{error}" if error else ""))
    return EXIT_OK if delivery.ok else EXIT_FAILURE


def add_alerts_commands(sub: Any) -> None:
    """Register ``alerts`` (list, test) on the CLI's subparsers."""
    alerts = sub.add_parser("alerts", help="the alert outbox: list messages and their states, send a test message",
                            description="The outbox of `govwatch serve`: every notification and its state.")
    asub = alerts.add_subparsers(dest="alerts_command", required=True, metavar="COMMAND")
    p = asub.add_parser("list", help="list the outbox rows (newest first) and their states",
                        description="List the outbox: id, time, event, site, recipient, channel, state, attempts "
                                    "and last error (secrets masked). States: " + ", ".join(STATES) + ".")
    p.add_argument("--state", choices=STATES, help="only rows in this state")
    p.add_argument("--site", help="only rows of this site (its homepage URL)")
    p.add_argument("--since", help="only rows created at or after this ISO date or time")
    p.add_argument("--limit", type=int, help="at most N rows")
    p.add_argument("--config", dest="service_config", metavar="FILE",
                   help="the service config: its channels' secrets are masked in errors too")
    p.add_argument("--json", help="write the rows and the counts by state as JSON here ('-' for stdout)")
    add_db_flag(p)
    p.set_defaults(func=cmd_alerts_list)
    p = asub.add_parser("test", help="send a test message through one channel now",
                        description="Send a test message through CHANNEL of the service config and print the "
                                    "receiver's answer. Exit 0 when it was accepted, 1 when not.")
    p.add_argument("channel", metavar="CHANNEL", help="a channel name of the service config")
    p.add_argument("--config", dest="service_config", metavar="FILE", required=True,
                   help="the service config (YAML) that defines the channel")
    add_db_flag(p)
    p.set_defaults(func=cmd_alerts_test)
