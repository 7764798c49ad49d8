"""What the HTTP channel kinds share: one request with the channel's timeout, the answer judged the
same way for every robot, and secrets masked in every error text.

A connection error or a timeout is a failure worth retrying; an HTTP 429 or 5xx too (after the
``Retry-After`` the server asked for); another 4xx is not. A robot that answers HTTP 200 with a
non-zero ``errcode``/``code`` refused the message (:func:`judge_robot_answer`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import aiohttp

from govwatch.alerts.message import Delivery
from govwatch.crawl.politeness import parse_retry_after

MAX_ANSWER_BYTES = 64 * 1024  # a robot's answer is a few bytes; never read an endless one
MASK = "***"
SENSITIVE_QUERY_KEYS = frozenset({"access_token", "key", "sign", "token", "secret", "signature", "password"})
TRUNCATED_MARK = "…（内容过长，已截断 / truncated）"


@dataclass(frozen=True, slots=True)
class Label:
    """How errors name a channel kind, in Chinese and in English."""

    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    """A receiver's HTTP answer: status, the first bytes of the body, the ``Retry-After`` delay."""

    status: int
    body: bytes
    retry_after: float | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


def masked_url(url: str | None) -> str:
    """``url`` with its credentials (user info, tokens, keys, signs in the query) replaced by ``***``."""
    if not url:
        return "(no url)"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        netloc = f"[{host}]" if ":" in host else host
        if parts.port is not None:
            netloc += f":{parts.port}"
    except ValueError:
        return "(unparseable url)"
    query = urlencode([(key, MASK if key.lower() in SENSITIVE_QUERY_KEYS else value)
                       for key, value in parse_qsl(parts.query, keep_blank_values=True)], safe="*")
    path = parts.path
    if "/hook/" in path:  # Feishu carries its token in the path: .../bot/v2/hook/<token>
        path = path[:path.index("/hook/") + len("/hook/")] + MASK
    return urlunsplit((parts.scheme, netloc, path, query, ""))


def secrets_of(url: str | None, *values: str | None) -> tuple[str, ...]:
    """Every string that must never appear in an error: ``values``, the whole URL, its sensitive query
    values and a Feishu hook token."""
    found = [v for v in values if v]
    if url:
        found.append(url)
        try:
            parts = urlsplit(url)
        except ValueError:
            return tuple(found)
        found += [value for key, value in parse_qsl(parts.query) if key.lower() in SENSITIVE_QUERY_KEYS and value]
        if parts.password:
            found.append(parts.password)
        if "/hook/" in parts.path:
            found.append(parts.path.split("/hook/", 1)[1])
    return tuple(found)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (longest first, so a URL goes before its token) replaced by ``***``."""
    for secret in sorted({s for s in secrets if len(s) >= 3}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def truncate_utf8(text: str, max_bytes: int) -> str:
    """``text`` cut to at most ``max_bytes`` of UTF-8 (robots refuse longer content), marked as cut."""
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    budget = max_bytes - len(TRUNCATED_MARK.encode("utf-8"))
    cut = text.encode("utf-8")[:max(budget, 0)].decode("utf-8", errors="ignore")
    return cut + TRUNCATED_MARK


def body_with_links(text: str, links: Iterable[tuple[str, str]]) -> str:
    """The message text followed by its links as markdown list items."""
    lines = [f"- [{label}]({url})" for label, url in links]
    return text + ("\n\n" + "\n".join(lines) if lines else "")


async def http_request(label: Label, url: str, *, method: str = "POST", body: bytes | None, headers: Mapping[str, str],
                       timeout: float, secrets: Iterable[str]) -> HttpAnswer | Delivery:
    """Send one request; the answer, or a failed :class:`Delivery` when there was none (no connection,
    timeout: retry; an invalid URL: no retry). Redirects are not followed (a robot never redirects)."""
    secrets = tuple(secrets)
    where = masked_url(url)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
            async with session.request(method, url, data=body, headers=dict(headers), allow_redirects=False) as resp:
                data = await resp.content.read(MAX_ANSWER_BYTES)
                return HttpAnswer(resp.status, data, parse_retry_after(resp.headers.get("Retry-After")),
                                  {k: v for k, v in resp.headers.items()})
    except TimeoutError:
        return Delivery.failed(f"{label.zh} {where} 在 {timeout:g} 秒内没有回答 / {label.en} did not answer "
                               f"within {timeout:g} s", retry=True)
    except aiohttp.InvalidURL:
        return Delivery.failed(f"{label.zh}的地址无效 / invalid {label.en} URL: {where}", retry=False)
    except aiohttp.ClientConnectorError as exc:
        error = exc.os_error
        reason = scrub(os.strerror(error.errno) if error.errno else str(error), secrets)
        return Delivery.failed(f"无法连接{label.zh} {where}：{reason} / cannot connect to the {label.en}: {reason}",
                               retry=True)
    except (aiohttp.ClientError, OSError) as exc:
        reason = scrub(f"{type(exc).__name__}: {exc}", secrets)
        return Delivery.failed(f"{label.zh} {where} 通信失败 / {label.en} request failed: {reason}", retry=True)


def http_failure(label: Label, answer: HttpAnswer, secrets: Iterable[str]) -> Delivery | None:
    """A failed :class:`Delivery` for a non-2xx answer (429 and 5xx are worth retrying), else None."""
    if 200 <= answer.status < 300:
        return None
    snippet = scrub(answer.body[:200].decode("utf-8", errors="replace").strip(), secrets)
    retry = answer.status == 429 or answer.status >= 500
    what = "限流 / rate limited" if answer.status == 429 else ("服务端错误 / server error" if retry else
                                                               "拒绝了请求 / refused the request")
    return Delivery.failed(f"{label.zh}回答 HTTP {answer.status}，{what}（{label.en} answered HTTP "
                           f"{answer.status}）{': ' + snippet if snippet else ''}",
                           retry=retry, status=answer.status, retry_after=answer.retry_after)


def json_of(answer: HttpAnswer) -> Any:
    """The answer's body as JSON, or None when it is not JSON."""
    try:
        return json.loads(answer.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class RobotCodes:
    """How one robot kind's answer codes are read: the JSON fields, the rate limits (code → the delay
    to wait, seconds) and the codes no retry can fix (bad signature, token, keyword, format), with a
    Chinese explanation of the common ones."""

    code_fields: tuple[str, ...]
    message_fields: tuple[str, ...]
    rate_limited: Mapping[int, float]
    permanent: frozenset[int]
    reasons: Mapping[int, str]


def judge_robot_answer(label: Label, answer: HttpAnswer, codes: RobotCodes, secrets: Iterable[str]) -> Delivery:
    """The :class:`Delivery` a robot's answer means: code 0 is sent; any other code is a refusal
    (a rate limit: retry after the robot's delay; a permanent code: no retry; else retry)."""
    secrets = tuple(secrets)
    failure = http_failure(label, answer, secrets)
    if failure is not None:
        return failure
    document = json_of(answer)
    raw_code = next((document[f] for f in codes.code_fields if isinstance(document, dict) and f in document), None)
    try:
        code = int(raw_code) if raw_code is not None else None
    except (TypeError, ValueError):
        code = None
    if code is None:
        snippet = scrub(answer.body[:120].decode("utf-8", errors="replace"), secrets)
        return Delivery.failed(f"{label.zh}的回答不是机器人接口的 JSON（地址可能填错）/ the {label.en}'s answer is not "
                               f"its API's JSON (wrong URL?): {snippet!r}", retry=False, status=answer.status)
    if code == 0:
        return Delivery.sent(answer.status, "0")
    message = next((str(document[f]) for f in codes.message_fields if f in document), "")
    message = scrub(message, secrets)
    reason = codes.reasons.get(code, "")
    retry_after = codes.rate_limited.get(code)
    text = (f"{label.zh}拒绝了消息：错误码 {code}{'，' + reason if reason else ''} / {label.en} refused the message: "
            f"code {code} {message!r}")
    return Delivery.failed(text, retry=code not in codes.permanent, status=answer.status, code=str(code),
                           retry_after=retry_after)
