"""Fake notification receivers on 127.0.0.1 for tests and benches: DingTalk, WeCom and Feishu group
robots, a signed JSON webhook receiver and an SMS gateway.

Each implements its vendor's API as documented, independently of govwatch's client code: the webhook
path and token, the signature check (DingTalk: ``timestamp`` in ms within an hour and ``sign`` in the
query; Feishu: ``timestamp``/``sign`` in the body; the webhook: ``X-Govwatch-Signature``), the
vendor's error codes for a bad token, a bad signature, a malformed or refused message and a rate
limit (``rate_per_minute``), answered on HTTP 200 as the robots do. Accepted messages are recorded in
``messages`` (dicts: ``payload``, ``delivery_id``, ``mentioned``, ``headers``), every request in
``requests`` (``method``, ``path``, ``query``, ``headers``, ``body``, ``status``, ``code``).

``refuse(payload) -> (code, message) | None`` makes the receiver refuse an otherwise good message
with that code (the HTTP status for ``webhook`` and ``sms``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, parse_qsl

from aiohttp import web

ROBOT_KINDS = ("dingtalk", "wecom", "feishu", "webhook", "sms")
DEFAULT_TOKEN = "govwatch-test-token"
SIGNATURE_WINDOW_SECONDS = 3600  # DingTalk and Feishu refuse a timestamp more than an hour away
Refusal = tuple[int, str]
Refuse = Callable[[dict[str, Any]], Refusal | None]
Answer = tuple[int, int, dict[str, Any], dict[str, Any] | None]  # HTTP status, code, answer, accepted payload
_DELIVERY_IN_TEXT = re.compile(r"delivery ([A-Za-z0-9._:+=-]+)")
_MOBILE_MENTION = re.compile(r"@(\d{5,15})")
# Byte limits of the robots' message content (longer content is refused with a format code).
WECOM_TEXT_BYTES, WECOM_MARKDOWN_BYTES = 2048, 4096
DINGTALK_TEXT_BYTES = 20000


RATE_LIMIT_RETRY_AFTER = "60"  # the Retry-After of an HTTP 429 (webhook, SMS gateway)


def _json(status: int, document: dict[str, Any]) -> web.Response:
    headers = {"Retry-After": RATE_LIMIT_RETRY_AFTER} if status == 429 else None
    return web.Response(status=status, body=json.dumps(document, ensure_ascii=False).encode("utf-8"),
                        content_type="application/json", charset="utf-8", headers=headers)


class RobotServer:
    """One fake receiver of ``kind`` (one of :data:`ROBOT_KINDS`) on ``host``.

    Use ``running()`` from synchronous tests (a background thread), ``async with`` or
    ``start()``/``stop()`` inside an event loop. ``url`` is the address to configure as the
    channel's ``url`` (with the robot's token in it).
    """

    def __init__(self, kind: str, secret: str | None = None, refuse: Refuse | None = None, host: str = "127.0.0.1",
                 *, token: str = DEFAULT_TOKEN, rate_per_minute: int | None = None, port: int = 0) -> None:
        if kind not in ROBOT_KINDS:
            raise ValueError(f"unknown robot kind {kind!r}; one of {', '.join(ROBOT_KINDS)}")
        self.kind = kind
        self.secret = secret
        self.refuse = refuse
        self.host = host
        self.token = token
        self.rate_per_minute = rate_per_minute
        self.port = port
        self.messages: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self._accepted_at: deque[float] = deque()
        self._runner: web.BaseRunner | None = None
        self._lock = threading.Lock()

    # -- addresses -----------------------------------------------------------------------------
    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The webhook URL a channel is configured with."""
        return {
            "dingtalk": f"{self.base}/robot/send?access_token={self.token}",
            "wecom": f"{self.base}/cgi-bin/webhook/send?key={self.token}",
            "feishu": f"{self.base}/open-apis/bot/v2/hook/{self.token}",
            "webhook": f"{self.base}/hooks/govwatch",
            "sms": f"{self.base}/sms/send",
        }[self.kind]

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        """Listen on ``host`` (``port`` 0: a free port, then set)."""
        if self._runner is not None:
            raise RuntimeError("already started")
        runner = web.ServerRunner(web.Server(self._handle, access_log=None), shutdown_timeout=0.25)
        await runner.setup()
        await web.TCPSite(runner, self.host, self.port).start()
        self._runner = runner
        self.port = runner.addresses[0][1]

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> RobotServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @contextlib.contextmanager
    def running(self) -> Iterator[RobotServer]:
        """Serve in a background thread for the duration of a ``with`` block."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name=f"govwatch-robot-{self.kind}", daemon=True)
        thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self.start(), loop).result(timeout=30)
            yield self
        finally:
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self.stop(), loop).result(timeout=30)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=30)
            loop.close()

    # -- handling ------------------------------------------------------------------------------
    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        body = await request.read()
        record: dict[str, Any] = {"method": request.method, "path": request.path,
                                  "query": request.rel_url.raw_query_string, "headers": dict(request.headers),
                                  "body": body.decode("utf-8", errors="replace"), "at": time.time()}
        with self._lock:
            self.requests.append(record)
        handler = getattr(self, f"_{self.kind}")
        status, code, document, payload = handler(request, body)
        record.update(status=status, code=code)
        if status == 200 and code == 0 and payload is not None:
            self._record_message(request, payload)
        return _json(status, document)

    def _limited(self) -> bool:
        """True when ``rate_per_minute`` messages were accepted in the last minute."""
        if not self.rate_per_minute:
            return False
        now = time.monotonic()
        while self._accepted_at and now - self._accepted_at[0] >= 60:
            self._accepted_at.popleft()
        return len(self._accepted_at) >= self.rate_per_minute

    def _record_message(self, request: web.BaseRequest, payload: dict[str, Any]) -> None:
        flat = json.dumps(payload, ensure_ascii=False)
        delivery = request.headers.get("X-Govwatch-Delivery")
        if delivery is None:
            found = _DELIVERY_IN_TEXT.search(flat)
            delivery = found.group(1) if found else None
        with self._lock:
            self._accepted_at.append(time.monotonic())
            self.messages.append({"payload": payload, "delivery_id": delivery, "mentioned": _mentions(self.kind, payload),
                                  "headers": dict(request.headers), "at": time.time()})

    def _refusal(self, payload: dict[str, Any]) -> Refusal | None:
        return self.refuse(payload) if self.refuse is not None else None

    @staticmethod
    def _parse(body: bytes) -> dict[str, Any] | None:
        try:
            document = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None
        return document if isinstance(document, dict) else None

    # DingTalk: POST /robot/send?access_token=…[&timestamp=…&sign=…], {"errcode": 0, "errmsg": "ok"}
    def _dingtalk(self, request: web.BaseRequest, body: bytes) -> Answer:
        def fail(code: int, message: str) -> Answer:
            return 200, code, {"errcode": code, "errmsg": message}, None

        if request.method != "POST" or request.path != "/robot/send":
            return 404, -1, {"errcode": 404, "errmsg": "not found"}, None
        query = parse_qs(request.rel_url.raw_query_string, keep_blank_values=True)
        if query.get("access_token", [""])[0] != self.token:
            return fail(300001, "token is not exist")
        if self.secret is not None:
            timestamp = query.get("timestamp", [""])[0]
            given = query.get("sign", [""])[0]
            if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > SIGNATURE_WINDOW_SECONDS * 1000:
                return fail(310000, "invalid timestamp")
            string_to_sign = (timestamp + "\n" + self.secret).encode("utf-8")
            expected = base64.b64encode(hmac.new(self.secret.encode("utf-8"), string_to_sign, hashlib.sha256).digest())
            if not hmac.compare_digest(given.encode("ascii", errors="replace"), expected):
                return fail(310000, "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]")
        payload = self._parse(body)
        if payload is None:
            return fail(40035, "缺少参数 json")
        kind = payload.get("msgtype")
        part = payload.get(kind) if isinstance(kind, str) else None
        if kind == "markdown":
            good = isinstance(part, dict) and bool(part.get("title")) and bool(part.get("text"))
        elif kind == "text":
            good = isinstance(part, dict) and bool(part.get("content"))
        else:
            good = kind in ("link", "actionCard", "feedCard") and isinstance(part, dict)
        if not good:
            return fail(40035, f"缺少参数 {kind}")
        if len(json.dumps(part, ensure_ascii=False).encode("utf-8")) > DINGTALK_TEXT_BYTES:
            return fail(460101, "message too long")
        if self._limited():
            return fail(130101, f"send too fast, exceed {self.rate_per_minute} times per minute")
        refusal = self._refusal(payload)
        if refusal is not None:
            return fail(*refusal)
        return 200, 0, {"errcode": 0, "errmsg": "ok"}, payload

    # WeCom: POST /cgi-bin/webhook/send?key=…, {"errcode": 0, "errmsg": "ok"}
    def _wecom(self, request: web.BaseRequest, body: bytes) -> Answer:
        def fail(code: int, message: str) -> Answer:
            return 200, code, {"errcode": code, "errmsg": message}, None

        if request.method != "POST" or request.path != "/cgi-bin/webhook/send":
            return 404, -1, {"errcode": 404, "errmsg": "not found"}, None
        if dict(parse_qsl(request.rel_url.raw_query_string)).get("key") != self.token:
            return fail(93000, "invalid webhook url, hint: [fake robot]")
        payload = self._parse(body)
        if payload is None:
            return fail(40058, "invalid json")
        kind = payload.get("msgtype")
        part = payload.get(kind) if isinstance(kind, str) else None
        limits = {"text": WECOM_TEXT_BYTES, "markdown": WECOM_MARKDOWN_BYTES}
        if kind not in limits or not isinstance(part, dict):
            return fail(40008, "invalid message type")
        content = part.get("content")
        if not isinstance(content, str) or not content:
            return fail(44004, "empty content")
        if len(content.encode("utf-8")) > limits[kind]:
            return fail(40058, f"{kind}.content exceed max length {limits[kind]}")
        if self._limited():
            return fail(45009, "api freq out of limit")
        refusal = self._refusal(payload)
        if refusal is not None:
            return fail(*refusal)
        return 200, 0, {"errcode": 0, "errmsg": "ok"}, payload

    # Feishu: POST /open-apis/bot/v2/hook/<token>, {"code": 0, "msg": "success", "data": {}}
    def _feishu(self, request: web.BaseRequest, body: bytes) -> Answer:
        def fail(code: int, message: str) -> Answer:
            return 200, code, {"code": code, "msg": message, "data": {}}, None

        if request.method != "POST" or not request.path.startswith("/open-apis/bot/v2/hook/"):
            return 404, -1, {"code": 404, "msg": "not found"}, None
        if request.path.rsplit("/", 1)[1] != self.token:
            return fail(19001, "param invalid: incoming webhook access token invalid")
        payload = self._parse(body)
        if payload is None:
            return fail(9499, "Bad Request")
        if self.secret is not None:
            timestamp = str(payload.get("timestamp", ""))
            key = (timestamp + "\n" + self.secret).encode("utf-8")
            expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")
            fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) <= SIGNATURE_WINDOW_SECONDS
            if not fresh or not hmac.compare_digest(str(payload.get("sign", "")), expected):
                return fail(19021, "sign match fail or timestamp is not within one hour from current time")
        if payload.get("msg_type") not in ("text", "post", "image", "share_chat", "interactive") \
                or not isinstance(payload.get("content") or payload.get("card"), dict):
            return fail(19002, "params error, msg_type need")
        if self._limited():
            return fail(11232, "frequency limited psm[lark.oapi.app_platform_runtime]appID[0]")
        refusal = self._refusal(payload)
        if refusal is not None:
            return fail(*refusal)
        return 200, 0, {"code": 0, "msg": "success", "data": {}}, payload

    # The signed JSON webhook: 2xx accepted, 401 bad signature, 429 rate limit, refuse → its status
    def _webhook(self, request: web.BaseRequest, body: bytes) -> Answer:
        if request.method != "POST" or request.path != "/hooks/govwatch":
            return 404, 404, {"error": "not found"}, None
        if self.secret is not None:
            expected = "sha256=" + hmac.new(self.secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(request.headers.get("X-Govwatch-Signature", ""), expected):
                return 401, 401, {"error": "bad signature"}, None
        payload = self._parse(body)
        if payload is None:
            return 400, 400, {"error": "body is not a JSON object"}, None
        if self._limited():
            return 429, 429, {"error": "rate limited"}, None
        refusal = self._refusal(payload)
        if refusal is not None:
            return refusal[0], refusal[0], {"error": refusal[1]}, None
        return 200, 0, {"ok": True}, payload

    # The SMS gateway: a JSON or form body; {"code": "0"} accepted; a secret is a Bearer token
    def _sms(self, request: web.BaseRequest, body: bytes) -> Answer:
        if request.path != "/sms/send":
            return 404, 404, {"code": "404", "message": "not found"}, None
        if self.secret is not None and request.headers.get("Authorization") != f"Bearer {self.secret}":
            return 401, 401, {"code": "401", "message": "bad token"}, None
        if request.method == "GET":
            payload: dict[str, Any] | None = dict(parse_qsl(request.rel_url.raw_query_string))
        elif "json" in request.headers.get("Content-Type", ""):
            payload = self._parse(body)
        else:
            payload = dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
        if not payload:
            return 400, 400, {"code": "400", "message": "bad request body"}, None
        if self._limited():
            return 429, 429, {"code": "429", "message": "too many requests"}, None
        refusal = self._refusal(payload)
        if refusal is not None:
            return 200, refusal[0], {"code": str(refusal[0]), "message": refusal[1]}, None
        return 200, 0, {"code": "0", "message": "OK"}, payload


def _mentions(kind: str, payload: dict[str, Any]) -> list[str]:
    """The mobiles a robot would actually @-mention: DingTalk needs them in ``atMobiles`` and written as
    ``@mobile`` in the text; WeCom takes ``mentioned_mobile_list`` of a text message; elsewhere the
    ``@mobile`` written in the message."""
    if kind == "dingtalk":
        at = payload.get("at") or {}
        part = payload.get(payload.get("msgtype", "")) or {}
        text = str(part.get("text") or part.get("content") or "")
        written = set(_MOBILE_MENTION.findall(text))
        return [m for m in at.get("atMobiles") or [] if m in written]
    if kind == "wecom":
        return list((payload.get("text") or {}).get("mentioned_mobile_list") or [])
    if kind == "webhook":
        return list(payload.get("mobiles") or [])
    return _MOBILE_MENTION.findall(json.dumps(payload, ensure_ascii=False))
