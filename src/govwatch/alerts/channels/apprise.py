"""Anything else through apprise (optional: ``pip install 'govwatch[apprise]'``): ``url`` is an
apprise URL (``mailto://…``, ``tgram://…``, ``json://…``, …). apprise reports only success or not,
so every failure is retried."""

from __future__ import annotations

from govwatch.alerts.channels.common import body_with_links, masked_url
from govwatch.alerts.message import Delivery, Message
from govwatch.core.serviceconfig import ChannelConfig

NOT_INSTALLED = ("apprise 未安装：pip install 'govwatch[apprise]' / the apprise channel kind needs the optional "
                 "package: pip install 'govwatch[apprise]'")


async def send(channel: ChannelConfig, message: Message) -> Delivery:
    """Send ``message`` through the apprise URL of ``channel``."""
    try:
        import apprise
    except ImportError:
        return Delivery.failed(NOT_INSTALLED, retry=False)
    if not channel.url:
        return Delivery.failed(f"渠道 {channel.name} 没有配置 apprise url / channel has no apprise url", retry=False)
    notifier = apprise.Apprise()
    if not notifier.add(channel.url):
        return Delivery.failed(f"apprise 不认识这个地址 / apprise cannot use the URL {masked_url(channel.url)}",
                               retry=False)
    body = body_with_links(message.text, message.links) + f"\n\n{message.footer()}"
    if await notifier.async_notify(body=body, title=message.title):
        return Delivery.sent()
    return Delivery.failed(f"apprise 发送失败 / apprise could not deliver to {masked_url(channel.url)}", retry=True)
