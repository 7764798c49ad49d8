"""WeCom (企业微信) group robot: markdown, or text with mentioned mobiles.

The webhook URL carries the robot's ``key`` (there is no signing secret). A markdown message cannot
@-mention by mobile, so a message with mobiles (or ``at_all``) goes as ``text`` with
``mentioned_mobile_list`` (``"@all"`` for everyone); otherwise as ``markdown``. The robot answers
``{"errcode": 0, "errmsg": "ok"}``; any other ``errcode`` is a refusal: 45009 is its rate limit
(20 messages a minute), 93000 an invalid webhook key, 40008/40058/44004 a malformed message.
"""

from __future__ import annotations

import json

from govwatch.alerts.channels.common import (
    Label,
    RobotCodes,
    body_with_links,
    http_request,
    judge_robot_answer,
    secrets_of,
    truncate_utf8,
)
from govwatch.alerts.message import Delivery, Message
from govwatch.core.serviceconfig import ChannelConfig

LABEL = Label("企业微信机器人", "WeCom robot")
MAX_TEXT_BYTES = 2048  # text.content
MAX_MARKDOWN_BYTES = 4096  # markdown.content
CODES = RobotCodes(
    code_fields=("errcode",), message_fields=("errmsg",),
    rate_limited={45009: 60.0},
    permanent=frozenset({93000, 40008, 40058, 44004}),
    reasons={45009: "发送太快被限流（每分钟最多 20 条）", 93000: "webhook 地址的 key 无效，请检查渠道 url",
             40008: "消息类型不对", 40058: "消息内容不合规范（过长或缺字段）", 44004: "消息内容为空", -1: "企业微信系统繁忙"},
)


def _fit(head: str, body: str, tail: str, max_bytes: int) -> str:
    """``head + body + tail`` within ``max_bytes``: only the body is cut, the delivery id stays."""
    room = max_bytes - len((head + tail).encode("utf-8"))
    return head + truncate_utf8(body, max(room, 0)) + tail


def payload(message: Message, mobiles: tuple[str, ...], at_all: bool) -> dict[str, object]:
    """The robot's message: ``text`` with ``mentioned_mobile_list`` when someone is mentioned, else ``markdown``."""
    body = body_with_links(message.text, message.links)
    if mobiles or at_all:
        content = _fit(f"{message.title}\n\n", body, f"\n\n{message.footer()}", MAX_TEXT_BYTES)
        mentioned = list(mobiles) + (["@all"] if at_all else [])
        return {"msgtype": "text", "text": {"content": content, "mentioned_mobile_list": mentioned}}
    content = _fit(f"**{message.title}**\n\n", body, f"\n\n<font color=\"comment\">{message.footer()}</font>",
                   MAX_MARKDOWN_BYTES)
    return {"msgtype": "markdown", "markdown": {"content": content}}


async def send(channel: ChannelConfig, message: Message) -> Delivery:
    """Post ``message`` to the WeCom robot of ``channel`` (mobiles: the message's, then the channel's)."""
    if not channel.url:
        return Delivery.failed(f"渠道 {channel.name} 没有配置机器人地址 url / channel has no robot url", retry=False)
    mobiles = tuple(dict.fromkeys(message.mobiles + channel.mobiles))
    body = json.dumps(payload(message, mobiles, message.at_all or channel.at_all), ensure_ascii=False).encode("utf-8")
    secrets = secrets_of(channel.url, channel.secret)
    answer = await http_request(LABEL, channel.url, body=body,
                                headers={"Content-Type": "application/json; charset=utf-8"},
                                timeout=channel.timeout, secrets=secrets)
    if isinstance(answer, Delivery):
        return answer
    return judge_robot_answer(LABEL, answer, CODES, secrets)
