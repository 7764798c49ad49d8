"""Notification channels: one module per kind, each ``async def send(channel, message) -> Delivery``.

:func:`send` dispatches on ``channel.type``; docs/service.md "Channels" describes every kind.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from govwatch.alerts.channels import apprise, dingtalk, email, feishu, sms, webhook, wecom
from govwatch.alerts.message import Delivery, Message
from govwatch.core.serviceconfig import ChannelConfig

Sender = Callable[[ChannelConfig, Message], Awaitable[Delivery]]

SENDERS: dict[str, Sender] = {
    "email": email.send, "dingtalk": dingtalk.send, "wecom": wecom.send, "feishu": feishu.send,
    "webhook": webhook.send, "sms": sms.send, "apprise": apprise.send,
}


async def send(channel: ChannelConfig, message: Message) -> Delivery:
    """Send ``message`` through ``channel`` with the sender of its kind."""
    sender = SENDERS.get(channel.type)
    if sender is None:
        return Delivery.failed(f"未知的渠道类型 {channel.type!r} / unknown channel type", retry=False)
    return await sender(channel, message)
