"""A generic JSON webhook, signed with HMAC-SHA256 in a header.

``POST url`` with the message as JSON (``title``, ``text``, ``severity``, ``delivery_id``, ``mobiles``,
``at_all``, ``links``) and the headers ``X-Govwatch-Delivery: <delivery_id>`` and, when the channel
has a secret, ``X-Govwatch-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed by the secret>``.
Any 2xx answer is success; 429 and 5xx are retried (after ``Retry-After``); another 4xx is not.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from govwatch.alerts.channels.common import Label, http_failure, http_request, secrets_of
from govwatch.alerts.message import Delivery, Message
from govwatch.core.serviceconfig import ChannelConfig

LABEL = Label("Webhook 接收端", "webhook receiver")
DELIVERY_HEADER = "X-Govwatch-Delivery"
SIGNATURE_HEADER = "X-Govwatch-Signature"


def signature(secret: str, body: bytes) -> str:
    """The ``X-Govwatch-Signature`` value for ``body``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def payload(message: Message, mobiles: tuple[str, ...], at_all: bool) -> dict[str, object]:
    """The JSON document the receiver gets."""
    return {"title": message.title, "text": message.text, "severity": message.severity,
            "delivery_id": message.delivery_id, "mobiles": list(mobiles), "at_all": at_all,
            "links": [{"label": label, "url": url} for label, url in message.links]}


async def send(channel: ChannelConfig, message: Message) -> Delivery:
    """Post ``message`` as JSON to the webhook of ``channel``."""
    if not channel.url:
        return Delivery.failed(f"渠道 {channel.name} 没有配置 url / channel has no url", retry=False)
    mobiles = tuple(dict.fromkeys(message.mobiles + channel.mobiles))
    body = json.dumps(payload(message, mobiles, message.at_all or channel.at_all), ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", DELIVERY_HEADER: message.delivery_id}
    if channel.secret:
        headers[SIGNATURE_HEADER] = signature(channel.secret, body)
    secrets = secrets_of(channel.url, channel.secret, headers.get(SIGNATURE_HEADER))
    answer = await http_request(LABEL, channel.url, body=body, headers=headers, timeout=channel.timeout,
                                secrets=secrets)
    if isinstance(answer, Delivery):
        return answer
    return http_failure(LABEL, answer, secrets) or Delivery.sent(answer.status)
