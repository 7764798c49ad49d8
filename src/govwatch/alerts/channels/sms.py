"""An SMS gateway reached by an HTTP request template (``sms:`` of the channel): one request per mobile.

The channel's ``url`` and ``sms.body_template`` (and header values) may hold the placeholders
``{mobile}``, ``{title}``, ``{text}`` and ``{secret}`` (the channel's secret, e.g. a gateway token).
In a JSON body (a ``json`` Content-Type header, or a template starting with ``{``/``[``) the values are
JSON-string-escaped; in a form body (``application/x-www-form-urlencoded``) and in the URL they are
URL-encoded; anywhere else they are inserted as they are. Success is a 2xx answer whose JSON value at
``sms.ok_path`` (dotted, e.g. ``result.code``) equals ``sms.ok_value`` (no ``ok_path``: any 2xx).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus

from govwatch.alerts.channels.common import Label, http_failure, http_request, json_of, scrub, secrets_of
from govwatch.alerts.message import Delivery, Message
from govwatch.core.serviceconfig import ChannelConfig, SmsConfig

LABEL = Label("短信网关", "SMS gateway")
PLACEHOLDERS = ("mobile", "title", "text", "secret")


def _json_escape(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


def render(template: str, values: dict[str, str], escape: Callable[[str], str]) -> str:
    """``template`` with each ``{name}`` placeholder replaced by ``escape(value)`` (other braces stay)."""
    for name in PLACEHOLDERS:
        template = template.replace("{" + name + "}", escape(values.get(name, "")))
    return template


def _body_escape(sms: SmsConfig) -> Callable[[str], str]:
    content_type = next((v for k, v in sms.headers if k.lower() == "content-type"), "").lower()
    if "json" in content_type or sms.body_template.lstrip().startswith(("{", "[")):
        return _json_escape
    if "x-www-form-urlencoded" in content_type:
        return quote_plus
    return str


def _at_path(document: Any, path: str) -> tuple[bool, Any]:
    """(found, value) of the dotted ``path`` in a JSON document (list items by index)."""
    for part in path.split("."):
        if isinstance(document, dict) and part in document:
            document = document[part]
        elif isinstance(document, list) and part.isdigit() and int(part) < len(document):
            document = document[int(part)]
        else:
            return False, None
    return True, document


def _masked_mobile(mobile: str) -> str:
    return mobile[:3] + "****" + mobile[-4:] if len(mobile) >= 11 else "****"


async def _send_one(channel: ChannelConfig, sms: SmsConfig, values: dict[str, str]) -> Delivery:
    url = render(channel.url or "", values, lambda v: quote(v, safe=""))
    headers = {k: render(v, values, str).replace("\r", " ").replace("\n", " ") for k, v in sms.headers}
    method = sms.method.upper()
    body = None if method in ("GET", "HEAD") else render(sms.body_template, values, _body_escape(sms)).encode("utf-8")
    secrets = secrets_of(url, channel.secret) + secrets_of(channel.url)
    answer = await http_request(LABEL, url, method=method, body=body, headers=headers, timeout=channel.timeout,
                                secrets=secrets)
    if isinstance(answer, Delivery):
        return answer
    failure = http_failure(LABEL, answer, secrets)
    if failure is not None or not sms.ok_path:
        return failure or Delivery.sent(answer.status)
    found, value = _at_path(json_of(answer), sms.ok_path)
    if not found:
        snippet = scrub(answer.body[:120].decode("utf-8", errors="replace"), secrets)
        return Delivery.failed(f"短信网关的回答没有 {sms.ok_path} 字段 / the gateway's answer has no {sms.ok_path!r}: "
                               f"{snippet!r}", retry=False, status=answer.status)
    if str(value) == sms.ok_value:
        return Delivery.sent(answer.status, str(value))
    return Delivery.failed(f"短信网关拒绝了短信：{sms.ok_path} = {value!r}（成功应为 {sms.ok_value!r}）/ the SMS gateway "
                           f"refused the message", retry=True, status=answer.status, code=str(value))


async def send(channel: ChannelConfig, message: Message) -> Delivery:
    """Send ``message`` as one SMS per mobile (the message's, then the channel's); ok only if all were
    accepted. A retry sends to every mobile again (a gateway has no delivery id to tell repeats)."""
    if channel.sms is None or not channel.url:
        return Delivery.failed(f"渠道 {channel.name} 缺少 url 或 sms 配置 / channel has no url or sms settings",
                               retry=False)
    mobiles = tuple(dict.fromkeys(message.mobiles + channel.mobiles))
    if not mobiles:
        return Delivery.failed(f"渠道 {channel.name} 没有短信接收号码 / no mobile to send to", retry=False)
    text = message.text + "".join(f"\n{label} {url}" for label, url in message.links)
    outcomes: list[tuple[str, Delivery]] = []
    for mobile in mobiles:
        values = {"mobile": mobile, "title": message.title, "text": text, "secret": channel.secret or ""}
        outcomes.append((mobile, await _send_one(channel, channel.sms, values)))
    failed = [(mobile, d) for mobile, d in outcomes if not d.ok]
    if not failed:
        return outcomes[-1][1]
    first = failed[0][1]
    reasons = "；".join(f"{_masked_mobile(mobile)}：{d.error}" for mobile, d in failed)
    delays = [d.retry_after for _, d in failed if d.retry_after is not None]
    return Delivery.failed(f"{len(failed)}/{len(outcomes)} 个号码的短信未发出 / {len(failed)} of {len(outcomes)} "
                           f"messages not sent：{reasons}", retry=any(d.retry for _, d in failed),
                           status=first.status, code=first.code, retry_after=max(delays) if delays else None)
