"""Feishu / Lark (飞书) custom group robot: a signed rich-text (``post``) message.

Signing (安全设置 → 签名校验): the body carries ``timestamp`` (seconds) and ``sign =
base64(HMAC-SHA256(key=timestamp + "\\n" + secret, msg=""))``; the robot refuses a timestamp more
than an hour away. The answer's ``code`` 0 is success (older robots answer ``StatusCode``); any other
code is a refusal: 11232 and 9499 are rate limits (100 a minute, 5 a second), 19021 a bad signature or
timestamp, 19022 an IP not allowed, 19024 a missing keyword, 19001 a bad hook token or body.
A custom robot can @-mention only by Feishu user id or everyone: mobiles are written into the text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from govwatch.alerts.channels.common import Label, RobotCodes, http_request, judge_robot_answer, secrets_of
from govwatch.alerts.message import Delivery, Message
from govwatch.core.serviceconfig import ChannelConfig

LABEL = Label("飞书机器人", "Feishu robot")
CODES = RobotCodes(
    code_fields=("code", "StatusCode"), message_fields=("msg", "StatusMessage"),
    rate_limited={11232: 60.0, 9499: 60.0},
    permanent=frozenset({19001, 19002, 19021, 19022, 19024}),
    reasons={11232: "发送太快被限流", 9499: "发送太快被限流", 19001: "webhook 地址或消息体无效，请检查渠道 url",
             19021: "签名校验失败或时间戳超过 1 小时，请检查 secret 与本机时间", 19022: "本机 IP 不在机器人的白名单内",
             19024: "消息不含机器人设置的关键词"},
)


def sign(secret: str, timestamp: int) -> str:
    """The ``sign`` field for ``timestamp`` (seconds)."""
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


def post_content(message: Message, mobiles: tuple[str, ...], at_all: bool) -> list[list[dict[str, str]]]:
    """The ``post`` paragraphs: one per text line, the links, the mentions, the delivery id."""
    paragraphs = [[{"tag": "text", "text": line}] for line in message.text.splitlines() if line.strip()]
    paragraphs += [[{"tag": "a", "text": label, "href": url}] for label, url in message.links]
    mention: list[dict[str, str]] = [{"tag": "text", "text": " ".join(f"@{m}" for m in mobiles)}] if mobiles else []
    if at_all:
        mention.append({"tag": "at", "user_id": "all"})
    if mention:
        paragraphs.append(mention)
    paragraphs.append([{"tag": "text", "text": message.footer()}])
    return paragraphs


def payload(message: Message, mobiles: tuple[str, ...], at_all: bool, secret: str | None,
            timestamp: int | None = None) -> dict[str, object]:
    """The robot's request body (signed when the robot has a secret)."""
    body: dict[str, object] = {}
    if secret:
        ts = timestamp if timestamp is not None else int(time.time())
        body.update(timestamp=str(ts), sign=sign(secret, ts))
    body.update(msg_type="post", content={"post": {"zh_cn": {
        "title": message.title, "content": post_content(message, mobiles, at_all)}}})
    return body


async def send(channel: ChannelConfig, message: Message) -> Delivery:
    """Post ``message`` to the Feishu robot of ``channel`` (mobiles: the message's, then the channel's)."""
    if not channel.url:
        return Delivery.failed(f"渠道 {channel.name} 没有配置机器人地址 url / channel has no robot url", retry=False)
    mobiles = tuple(dict.fromkeys(message.mobiles + channel.mobiles))
    document = payload(message, mobiles, message.at_all or channel.at_all, channel.secret)
    body = json.dumps(document, ensure_ascii=False).encode("utf-8")
    secrets = secrets_of(channel.url, channel.secret, str(document.get("sign") or ""))
    answer = await http_request(LABEL, channel.url, body=body,
                                headers={"Content-Type": "application/json; charset=utf-8"},
                                timeout=channel.timeout, secrets=secrets)
    if isinstance(answer, Delivery):
        return answer
    return judge_robot_answer(LABEL, answer, CODES, secrets)
