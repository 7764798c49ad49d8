"""The fake robots (govwatch.sim.robots) answer as the vendors document: checked here with requests
built by hand from the vendors' signing rules, not with govwatch's channel code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.request
from typing import Any
from urllib.parse import quote_plus

import aiohttp
import pytest

from govwatch.sim.robots import RobotServer

SECRET = "SEC0123456789abcdef"
MARKDOWN = {"msgtype": "markdown", "markdown": {"title": "标题", "text": "#### 标题\n正文 @13800138000 delivery d-7"},
            "at": {"atMobiles": ["13800138000", "13900000000"], "isAtAll": False}}


def dingtalk_sign(timestamp_ms: int, secret: str = SECRET) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


async def post(url: str, document: Any, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.post(url, data=json.dumps(document).encode(),
                                                                headers=headers or {}) as resp:
        return resp.status, await resp.json(content_type=None)


async def test_dingtalk_checks_token_timestamp_and_sign() -> None:
    async with RobotServer("dingtalk", secret=SECRET) as robot:
        now = int(time.time() * 1000)
        good = await post(f"{robot.url}&timestamp={now}&sign={dingtalk_sign(now)}", MARKDOWN)
        stale_ts = now - 2 * 3600 * 1000
        stale = await post(f"{robot.url}&timestamp={stale_ts}&sign={dingtalk_sign(stale_ts)}", MARKDOWN)
        unsigned = await post(robot.url, MARKDOWN)
        wrong = await post(f"{robot.url}&timestamp={now}&sign={dingtalk_sign(now, 'SECother')}", MARKDOWN)
        token = await post(f"{robot.base}/robot/send?access_token=nope&timestamp={now}&sign={dingtalk_sign(now)}",
                           MARKDOWN)
        bad_type = await post(f"{robot.url}&timestamp={now}&sign={dingtalk_sign(now)}", {"msgtype": "video"})
    assert good == (200, {"errcode": 0, "errmsg": "ok"})
    assert [stale[1]["errcode"], unsigned[1]["errcode"], wrong[1]["errcode"]] == [310000] * 3
    assert {stale[0], unsigned[0], wrong[0]} == {200}  # refusals come on HTTP 200
    assert token[1]["errcode"] == 300001 and bad_type[1]["errcode"] == 40035
    [accepted] = robot.messages
    assert accepted["payload"] == MARKDOWN and accepted["delivery_id"] == "d-7"
    assert accepted["mentioned"] == ["13800138000"]  # the other mobile is not written as @mobile in the text
    assert len(robot.requests) == 6 and [r["code"] for r in robot.requests] == [0, 310000, 310000, 310000, 300001,
                                                                                   40035]


async def test_rate_limit_per_minute_answers_the_vendor_code() -> None:
    async with RobotServer("dingtalk", rate_per_minute=2) as robot:
        codes = [(await post(robot.url, MARKDOWN))[1]["errcode"] for _ in range(4)]
    assert codes == [0, 0, 130101, 130101]
    assert len(robot.messages) == 2


async def test_feishu_sign_is_over_the_body_timestamp() -> None:
    def signed(ts: int, secret: str = SECRET) -> dict[str, Any]:
        key = f"{ts}\n{secret}".encode()
        sign = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        return {"timestamp": str(ts), "sign": sign, "msg_type": "text", "content": {"text": "告警"}}

    async with RobotServer("feishu", secret=SECRET) as robot:
        now = int(time.time())
        good = await post(robot.url, signed(now))
        wrong = await post(robot.url, signed(now, "SECother"))
        stale = await post(robot.url, signed(now - 7200))
        token = await post(robot.url.replace(robot.token, "other-token"), signed(now))
    assert good == (200, {"code": 0, "msg": "success", "data": {}})
    assert (wrong[1]["code"], stale[1]["code"], token[1]["code"]) == (19021, 19021, 19001)
    assert len(robot.messages) == 1


async def test_wecom_checks_key_type_and_length() -> None:
    async with RobotServer("wecom") as robot:
        good = await post(robot.url, {"msgtype": "text", "text": {"content": "告警",
                                                                  "mentioned_mobile_list": ["13800138000"]}})
        long = await post(robot.url, {"msgtype": "markdown", "markdown": {"content": "长" * 2000}})  # 6000 bytes
        key = await post(robot.url.replace(robot.token, "x"), {"msgtype": "text", "text": {"content": "告警"}})
    assert good[1] == {"errcode": 0, "errmsg": "ok"}
    assert (long[1]["errcode"], key[1]["errcode"]) == (40058, 93000)
    assert robot.messages[0]["mentioned"] == ["13800138000"]


async def test_webhook_verifies_the_body_signature() -> None:
    body = {"title": "t", "delivery_id": "d-1"}
    raw = json.dumps(body).encode()
    good_sig = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    async with RobotServer("webhook", secret=SECRET, refuse=lambda p: (503, "busy") if p.get("title") == "busy"
                           else None) as robot:
        good = await post(robot.url, body, {"X-Govwatch-Signature": good_sig, "X-Govwatch-Delivery": "d-1"})
        bad = await post(robot.url, body, {"X-Govwatch-Signature": "sha256=00"})
        busy_raw = json.dumps({"title": "busy"}).encode()
        busy = await post(robot.url, {"title": "busy"},
                          {"X-Govwatch-Signature": "sha256=" + hmac.new(SECRET.encode(), busy_raw,
                                                                        hashlib.sha256).hexdigest()})
    assert (good[0], bad[0], busy[0]) == (200, 401, 503)
    assert [m["delivery_id"] for m in robot.messages] == ["d-1"]


def test_running_in_a_thread_serves_synchronous_callers() -> None:
    with RobotServer("sms").running() as robot:
        request = urllib.request.Request(robot.url, data=b"to=13800138000&msg=hi", method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(request, timeout=10) as resp:
            answer = json.loads(resp.read())
    assert answer == {"code": "0", "message": "OK"}
    assert robot.messages[0]["payload"] == {"to": "13800138000", "msg": "hi"}


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown robot kind"):
        RobotServer("pager")
