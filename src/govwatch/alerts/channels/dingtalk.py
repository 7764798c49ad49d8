"""DingTalk (钉钉) custom group robot: a signed markdown message that @-mentions mobiles.

Signing (安全设置 → 加签): ``sign = urlencode(base64(HMAC-SHA256(key=secret, msg=timestamp + "\\n" +
secret)))`` with ``timestamp`` in milliseconds, appended to the webhook URL as ``&timestamp=…&sign=…``.
The robot answers ``{"errcode": 0, "errmsg": "ok"}``; any other ``errcode`` (on HTTP 200) is a refusal:
130101 is its rate limit (20 messages a minute, then throttled for 10 minutes), 310000 a bad signature,
keyword or IP allow-list, 300001/300005 an unknown token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from urllib.parse import quote_plus

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

LABEL = Label("钉钉机器人", "DingTalk robot")
MAX_TEXT_BYTES = 18000  # under the robot's 20,000-byte message limit
THROTTLE_SECONDS = 600.0  # past 20 messages a minute the robot refuses for 10 minutes
CODES = RobotCodes(
    code_fields=("errcode",), message_fields=("errmsg",),
    rate_limited={130101: THROTTLE_SECONDS},
    permanent=frozenset({310000, 300001, 300005, 40035}),
    reasons={130101: "发送太快被限流（每分钟最多 20 条）", 310000: "签名、关键词或 IP 白名单校验不通过，请检查 secret 与机器人安全设置",
             300001: "机器人 access_token 不存在，请检查 webhook 地址", 300005: "机器人 access_token 不存在，请检查 webhook 地址",
             40035: "消息格式不对", -1: "钉钉系统繁忙"},
)


def sign(secret: str, timestamp_ms: int) -> str:
    """The ``sign`` query value for ``timestamp_ms`` (already URL-encoded)."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def signed_url(url: str, secret: str | None, timestamp_ms: int | None = None) -> str:
    """``url`` with ``timestamp`` and ``sign`` appended when the robot has a signing secret."""
    if not secret:
        return url
    ts = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    return f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={sign(secret, ts)}"


def payload(message: Message, mobiles: tuple[str, ...], at_all: bool) -> dict[str, object]:
    """The robot's markdown message: the title as a heading, the text, its links, the @mobiles (DingTalk
    only highlights a mention that is also written as ``@mobile`` in the text) and the delivery id."""
    body = truncate_utf8(body_with_links(message.text, message.links), MAX_TEXT_BYTES)
    mentions = " ".join(f"@{m}" for m in mobiles)
    text = f"#### {message.title}\n\n{body}\n\n" + (f"{mentions}\n\n" if mentions else "") + f"###### {message.footer()}"
    return {"msgtype": "markdown", "markdown": {"title": message.title, "text": text},
            "at": {"atMobiles": list(mobiles), "isAtAll": at_all}}


async def send(channel: ChannelConfig, message: Message) -> Delivery:
    """Post ``message`` to the DingTalk robot of ``channel`` (mobiles: the message's, then the channel's)."""
    if not channel.url:
        return Delivery.failed(f"渠道 {channel.name} 没有配置机器人地址 url / channel has no robot url", retry=False)
    mobiles = tuple(dict.fromkeys(message.mobiles + channel.mobiles))
    url = signed_url(channel.url, channel.secret)
    body = json.dumps(payload(message, mobiles, message.at_all or channel.at_all), ensure_ascii=False).encode("utf-8")
    secrets = secrets_of(url, channel.secret) + secrets_of(channel.url)
    answer = await http_request(LABEL, url, body=body, headers={"Content-Type": "application/json; charset=utf-8"},
                                timeout=channel.timeout, secrets=secrets)
    if isinstance(answer, Delivery):
        return answer
    return judge_robot_answer(LABEL, answer, CODES, secrets)
