"""Every notification channel kind against a real receiver on 127.0.0.1: the fake robots of
``govwatch.sim.robots`` (which verify signatures as the vendors document) and a real SMTP server
(aiosmtpd) with STARTTLS/SSL and AUTH. No mocks: what a receiver recorded is the truth."""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from govwatch.alerts import channels
from govwatch.alerts.channels import apprise as apprise_channel
from govwatch.alerts.message import Delivery, Message
from govwatch.core.serviceconfig import ChannelConfig, SmsConfig, SmtpConfig
from govwatch.sim.robots import RobotServer
from tests.security.pki import Leaf, TestPKI

SECRET = "SECgovwatch0robot0secret0f00d"
WRONG_SECRET = "SECsomebody0else0secret0beef"
TITLE = "【预警】某县人民政府网站首页无法访问"
TEXT = "某县人民政府网站首页已连续2次访问失败（连接超时）。\n请立即检查服务器与网络，恢复后系统会再通知。"
MOBILE, OTHER_MOBILE = "13800138000", "13912345678"


def message(**changes: Any) -> Message:
    values: dict[str, Any] = {"title": TITLE, "text": TEXT, "severity": "critical", "delivery_id": "outbox-42"}
    return Message(**{**values, **changes})


def channel(kind: str, url: str | None, secret: str | None = None, **changes: Any) -> ChannelConfig:
    return ChannelConfig(name=f"test-{kind}", type=kind, url=url, secret=secret, timeout=5.0, **changes)


@pytest.fixture
def refused_url() -> Iterator[str]:
    """A loopback port that is bound but never listened on: connections are refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


def assert_no_secret(delivery: Delivery, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in (delivery.error or ""), delivery.error


# -- DingTalk -------------------------------------------------------------------------------------

async def test_dingtalk_signed_markdown_with_mentions_is_accepted() -> None:
    async with RobotServer("dingtalk", secret=SECRET) as robot:
        sent = await channels.send(channel("dingtalk", robot.url, SECRET, mobiles=(OTHER_MOBILE,)),
                                   message(mobiles=(MOBILE,), links=(("查看详情", "http://127.0.0.1/runs/7"),)))
    assert sent == Delivery(ok=True, status=200, code="0")
    [got] = robot.messages
    payload = got["payload"]
    assert payload["msgtype"] == "markdown"
    assert payload["markdown"]["title"] == TITLE
    text = payload["markdown"]["text"]
    assert TITLE in text and "请立即检查服务器与网络" in text and "[查看详情](http://127.0.0.1/runs/7)" in text
    assert payload["at"] == {"atMobiles": [MOBILE, OTHER_MOBILE], "isAtAll": False}
    assert got["mentioned"] == [MOBILE, OTHER_MOBILE]  # in atMobiles and written as @mobile in the text
    assert got["delivery_id"] == "outbox-42"
    assert "timestamp=" in robot.requests[0]["query"] and "sign=" in robot.requests[0]["query"]


async def test_dingtalk_bad_secret_is_a_refusal_not_retried(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with RobotServer("dingtalk", secret=SECRET) as robot:
        sent = await channels.send(channel("dingtalk", robot.url, WRONG_SECRET), message())
    assert (sent.ok, sent.status, sent.code, sent.retry) == (False, 200, "310000", False)
    assert "签名" in (sent.error or "") and "refused" in (sent.error or "")
    assert robot.messages == []
    sign = robot.requests[0]["query"].split("sign=")[1]
    assert_no_secret(sent, WRONG_SECRET, SECRET, robot.token, sign)
    for secret in (WRONG_SECRET, robot.token, sign):
        assert secret not in caplog.text


async def test_dingtalk_unknown_token_is_not_retried() -> None:
    async with RobotServer("dingtalk", secret=SECRET, token="the-real-token") as robot:
        url = robot.url.replace("the-real-token", "a-stale-token")
        sent = await channels.send(channel("dingtalk", url, SECRET), message())
    assert (sent.ok, sent.code, sent.retry) == (False, "300001", False)
    assert_no_secret(sent, "a-stale-token", SECRET)


@pytest.mark.parametrize(("code", "errmsg", "retry"), [
    (310000, "keywords not in content", False),  # the robot's keyword check: no retry can fix it
    (400013, "群已被解散", True),  # a code the channel does not know: a failure, retried with backoff
])
async def test_dingtalk_errcode_on_http_200_is_not_sent(code: int, errmsg: str, retry: bool) -> None:
    async with RobotServer("dingtalk", secret=SECRET, refuse=lambda payload: (code, errmsg)) as robot:
        sent = await channels.send(channel("dingtalk", robot.url, SECRET), message())
    assert robot.requests[0]["status"] == 200
    assert (sent.ok, sent.status, sent.code, sent.retry) == (False, 200, str(code), retry)
    assert errmsg in (sent.error or "")
    assert robot.messages == []


async def test_dingtalk_rate_limit_is_retried_after_the_throttle() -> None:
    async with RobotServer("dingtalk", secret=SECRET, rate_per_minute=2) as robot:
        results = [await channels.send(channel("dingtalk", robot.url, SECRET), message(delivery_id=f"d{i}"))
                   for i in range(3)]
    assert [r.ok for r in results] == [True, True, False]
    assert (results[2].code, results[2].retry, results[2].retry_after) == ("130101", True, 600.0)
    assert [m["delivery_id"] for m in robot.messages] == ["d0", "d1"]


async def test_connection_refused_is_retried(refused_url: str) -> None:
    for kind, path in (("dingtalk", "/robot/send?access_token=t0ken-x"), ("wecom", "/cgi-bin/webhook/send?key=t0ken-x"),
                       ("feishu", "/open-apis/bot/v2/hook/t0ken-x"), ("webhook", "/hooks/govwatch")):
        sent = await channels.send(channel(kind, refused_url + path, SECRET), message())
        assert (sent.ok, sent.status, sent.retry) == (False, None, True), kind
        assert "无法连接" in (sent.error or "") and "refused" in (sent.error or "").lower(), sent.error
        assert_no_secret(sent, SECRET, "t0ken-x")


# -- WeCom ----------------------------------------------------------------------------------------

async def test_wecom_markdown_without_mentions() -> None:
    async with RobotServer("wecom") as robot:
        sent = await channels.send(channel("wecom", robot.url), message())
    assert sent.ok and sent.code == "0"
    [got] = robot.messages
    assert got["payload"]["msgtype"] == "markdown"
    content = got["payload"]["markdown"]["content"]
    assert content.startswith(f"**{TITLE}**") and "请立即检查服务器与网络" in content
    assert got["delivery_id"] == "outbox-42"


async def test_wecom_mentions_go_as_text_with_mentioned_mobiles() -> None:
    async with RobotServer("wecom") as robot:
        first = await channels.send(channel("wecom", robot.url), message(mobiles=(MOBILE, OTHER_MOBILE)))
        second = await channels.send(channel("wecom", robot.url), message(at_all=True, delivery_id="outbox-43"))
    assert first.ok and second.ok
    assert [m["payload"]["msgtype"] for m in robot.messages] == ["text", "text"]
    assert robot.messages[0]["mentioned"] == [MOBILE, OTHER_MOBILE]
    assert robot.messages[1]["mentioned"] == ["@all"]
    assert robot.messages[0]["payload"]["text"]["content"].startswith(TITLE)


async def test_wecom_long_text_is_cut_to_the_robot_limit_and_keeps_the_delivery_id() -> None:
    long_text = "本栏目已超过更新期限，请尽快更新。" * 400  # ~20 kB: past both of WeCom's limits
    async with RobotServer("wecom") as robot:
        markdown = await channels.send(channel("wecom", robot.url), message(text=long_text))
        text = await channels.send(channel("wecom", robot.url), message(text=long_text, mobiles=(MOBILE,)))
    assert markdown.ok and text.ok, (markdown.error, text.error)
    assert [m["delivery_id"] for m in robot.messages] == ["outbox-42", "outbox-42"]
    assert "已截断" in robot.messages[0]["payload"]["markdown"]["content"]


async def test_wecom_bad_key_and_rate_limit() -> None:
    async with RobotServer("wecom", token="right-key", rate_per_minute=1) as robot:
        bad = await channels.send(channel("wecom", robot.url.replace("right-key", "wrong-key")), message())
        ok = await channels.send(channel("wecom", robot.url), message())
        limited = await channels.send(channel("wecom", robot.url), message(delivery_id="outbox-43"))
    assert (bad.ok, bad.status, bad.code, bad.retry) == (False, 200, "93000", False)
    assert_no_secret(bad, "wrong-key")
    assert ok.ok
    assert (limited.ok, limited.code, limited.retry, limited.retry_after) == (False, "45009", True, 60.0)
    assert len(robot.messages) == 1


# -- Feishu ---------------------------------------------------------------------------------------

async def test_feishu_signed_post_is_accepted() -> None:
    async with RobotServer("feishu", secret=SECRET) as robot:
        sent = await channels.send(channel("feishu", robot.url, SECRET),
                                   message(mobiles=(MOBILE,), at_all=True, links=(("整改清单", "http://127.0.0.1/x"),)))
    assert sent == Delivery(ok=True, status=200, code="0")
    [got] = robot.messages
    post = got["payload"]["content"]["post"]["zh_cn"]
    assert got["payload"]["msg_type"] == "post" and post["title"] == TITLE
    elements = [element for paragraph in post["content"] for element in paragraph]
    assert {"tag": "a", "text": "整改清单", "href": "http://127.0.0.1/x"} in elements
    assert {"tag": "at", "user_id": "all"} in elements
    assert got["mentioned"] == [MOBILE]
    assert got["delivery_id"] == "outbox-42"


async def test_feishu_bad_secret_rate_limit_and_refusal() -> None:
    async with RobotServer("feishu", secret=SECRET, rate_per_minute=1,
                           refuse=lambda p: (19024, "Key Words Not Found") if "拒收" in str(p) else None) as robot:
        bad = await channels.send(channel("feishu", robot.url, WRONG_SECRET), message())
        refused = await channels.send(channel("feishu", robot.url, SECRET), message(text="拒收"))
        ok = await channels.send(channel("feishu", robot.url, SECRET), message())
        limited = await channels.send(channel("feishu", robot.url, SECRET), message())
    assert (bad.ok, bad.status, bad.code, bad.retry) == (False, 200, "19021", False)
    assert_no_secret(bad, WRONG_SECRET, SECRET, robot.token)
    assert (refused.ok, refused.code, refused.retry) == (False, "19024", False)
    assert ok.ok
    assert (limited.ok, limited.code, limited.retry, limited.retry_after) == (False, "11232", True, 60.0)
    assert len(robot.messages) == 1


# -- webhook --------------------------------------------------------------------------------------

async def test_webhook_signed_json_with_delivery_header() -> None:
    async with RobotServer("webhook", secret=SECRET) as robot:
        sent = await channels.send(channel("webhook", robot.url, SECRET, mobiles=(OTHER_MOBILE,)),
                                   message(mobiles=(MOBILE,), links=(("详情", "http://127.0.0.1/y"),)))
    assert sent == Delivery(ok=True, status=200)
    [got] = robot.messages
    assert got["headers"]["X-Govwatch-Delivery"] == "outbox-42"
    assert got["payload"] == {"title": TITLE, "text": TEXT, "severity": "critical", "delivery_id": "outbox-42",
                              "mobiles": [MOBILE, OTHER_MOBILE], "at_all": False,
                              "links": [{"label": "详情", "url": "http://127.0.0.1/y"}]}


@pytest.mark.parametrize(("status", "retry"), [(503, True), (500, True), (422, False), (404, False)])
async def test_webhook_status_decides_the_retry(status: int, retry: bool) -> None:
    async with RobotServer("webhook", secret=SECRET, refuse=lambda p: (status, "no")) as robot:
        sent = await channels.send(channel("webhook", robot.url, SECRET), message())
    assert (sent.ok, sent.status, sent.retry) == (False, status, retry)


async def test_webhook_bad_secret_and_rate_limit() -> None:
    async with RobotServer("webhook", secret=SECRET, rate_per_minute=1) as robot:
        bad = await channels.send(channel("webhook", robot.url, WRONG_SECRET), message())
        ok = await channels.send(channel("webhook", robot.url, SECRET), message())
        limited = await channels.send(channel("webhook", robot.url, SECRET), message())
    assert (bad.ok, bad.status, bad.retry) == (False, 401, False)
    assert_no_secret(bad, WRONG_SECRET, SECRET)
    assert ok.ok
    assert (limited.ok, limited.status, limited.retry, limited.retry_after) == (False, 429, True, 60.0)


# -- SMS ------------------------------------------------------------------------------------------

async def test_sms_json_template_one_request_per_mobile_with_escaped_text() -> None:
    tricky = '首页"无法访问"\n请处理 & 回复 {x}'
    sms = SmsConfig(headers=(("Content-Type", "application/json"), ("Authorization", "Bearer {secret}")),
                    body_template='{"phone": "{mobile}", "content": "{title}：{text}", "sign": "政府网站监测"}',
                    ok_path="code", ok_value="0")
    async with RobotServer("sms", secret=SECRET) as robot:
        sent = await channels.send(channel("sms", robot.url, SECRET, sms=sms, mobiles=(OTHER_MOBILE,)),
                                   message(text=tricky, mobiles=(MOBILE,)))
    assert sent.ok and sent.code == "0"
    assert [m["payload"] for m in robot.messages] == [
        {"phone": MOBILE, "content": f"{TITLE}：{tricky}", "sign": "政府网站监测"},
        {"phone": OTHER_MOBILE, "content": f"{TITLE}：{tricky}", "sign": "政府网站监测"}]


async def test_sms_form_template() -> None:
    sms = SmsConfig(headers=(("Content-Type", "application/x-www-form-urlencoded"),),
                    body_template="to={mobile}&msg={text}", ok_path="code")
    async with RobotServer("sms") as robot:
        sent = await channels.send(channel("sms", robot.url, sms=sms), message(text="a=1&b=2 首页", mobiles=(MOBILE,)))
    assert sent.ok
    assert robot.messages[0]["payload"] == {"to": MOBILE, "msg": "a=1&b=2 首页"}


async def test_sms_refusal_bad_token_and_no_mobile() -> None:
    sms = SmsConfig(headers=(("Content-Type", "application/json"), ("Authorization", "Bearer {secret}")),
                    body_template='{"phone": "{mobile}", "content": "{text}"}', ok_path="code")
    async with RobotServer("sms", secret=SECRET, refuse=lambda p: (1016, "单日发送上限") if p["phone"] == MOBILE
                           else None) as robot:
        refused = await channels.send(channel("sms", robot.url, SECRET, sms=sms), message(mobiles=(MOBILE, OTHER_MOBILE)))
        bad = await channels.send(channel("sms", robot.url, WRONG_SECRET, sms=sms), message(mobiles=(OTHER_MOBILE,)))
        nobody = await channels.send(channel("sms", robot.url, SECRET, sms=sms), message())
    assert (refused.ok, refused.code, refused.retry) == (False, "1016", True)
    assert "1/2" in (refused.error or "") and "138****8000" in (refused.error or "")
    assert [m["payload"]["phone"] for m in robot.messages] == [OTHER_MOBILE]
    assert (bad.ok, bad.status, bad.retry) == (False, 401, False)
    assert_no_secret(bad, WRONG_SECRET, SECRET)
    assert (nobody.ok, nobody.retry) == (False, False)


# -- email ----------------------------------------------------------------------------------------

@dataclass
class MailSink:
    """An aiosmtpd handler that keeps the mails it accepted; ``rcpt_answer`` refuses recipients."""

    rcpt_answer: str | None = None
    mails: list[tuple[list[str], bytes]] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.rcpt_answer:
            return self.rcpt_answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        good = isinstance(auth_data, LoginPassword) and auth_data == LoginPassword(b"alerts", b"smtp-pa55word")
        if good:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=good, handled=False)  # aiosmtpd answers 535 itself


@pytest.fixture(scope="module")
def leaf(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Leaf]:
    pki = TestPKI(tmp_path_factory.mktemp("smtp-pki"))
    return pki.root_file, pki.leaf(ips=("127.0.0.1",))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server(leaf: tuple[Path, Leaf], request: pytest.FixtureRequest) -> Iterator[tuple[MailSink, int]]:
    """A real SMTP server on 127.0.0.1 requiring AUTH, over STARTTLS (default) or implicit TLS
    (``@pytest.mark.parametrize("smtp_server", ["ssl"], indirect=True)``)."""
    mode = getattr(request, "param", "starttls")
    sink = MailSink()
    port = _free_port()
    tls = leaf[1].server_context()
    # aiosmtpd offers AUTH only after STARTTLS unless told the implicit-TLS connection is TLS enough
    options: dict[str, Any] = ({"ssl_context": tls, "auth_require_tls": False} if mode == "ssl"
                               else {"tls_context": tls, "require_starttls": True})
    controller = Controller(sink, hostname="127.0.0.1", port=port, authenticator=sink.authenticate,
                            auth_required=True, **options)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def email_channel(port: int, security: str = "starttls", password: str = "smtp-pa55word") -> ChannelConfig:
    smtp = SmtpConfig(host="127.0.0.1", port=port, security=security, username="alerts", password=password,
                      sender="govwatch@county.example", to=("duty@county.example", "chief@county.example"),
                      timeout=5.0)
    return ChannelConfig(name="test-email", type="email", smtp=smtp)


@pytest.fixture
def trust_test_ca(leaf: tuple[Path, Leaf], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(leaf[0]))


@pytest.mark.usefixtures("trust_test_ca")
async def test_email_over_starttls_with_auth(smtp_server: tuple[MailSink, int]) -> None:
    sink, port = smtp_server
    sent = await channels.send(email_channel(port), message(links=(("查看详情", "http://127.0.0.1/runs/7"),)))
    assert sent.ok, sent.error
    [(rcpts, raw)] = sink.mails
    assert rcpts == ["duty@county.example", "chief@county.example"]
    assert sink.logins == ["alerts"]
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert "=?utf-8?" in raw.decode("utf-8").lower()  # the subject went RFC 2047 encoded
    assert mail["Subject"] == TITLE
    assert mail["Message-ID"] == "<outbox-42@govwatch>"
    assert mail.get_content_type() == "text/plain" and mail.get_content_charset() == "utf-8"
    body = mail.get_content()
    assert TEXT in body and "http://127.0.0.1/runs/7" in body and "outbox-42" in body


@pytest.mark.usefixtures("trust_test_ca")
@pytest.mark.parametrize("smtp_server", ["ssl"], indirect=True)
async def test_email_over_implicit_tls(smtp_server: tuple[MailSink, int]) -> None:
    sink, port = smtp_server
    sent = await channels.send(email_channel(port, security="ssl"), message())
    assert sent.ok, sent.error
    assert email.message_from_bytes(sink.mails[0][1], policy=email.policy.default)["Subject"] == TITLE


@pytest.mark.usefixtures("trust_test_ca")
async def test_email_wrong_password_is_not_retried(smtp_server: tuple[MailSink, int],
                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sink, port = smtp_server
    sent = await channels.send(email_channel(port, password="not-the-pa55word"), message())
    assert (sent.ok, sent.code, sent.retry) == (False, "535", False)
    assert_no_secret(sent, "not-the-pa55word")
    assert "not-the-pa55word" not in caplog.text
    assert sink.mails == []


@pytest.mark.usefixtures("trust_test_ca")
@pytest.mark.parametrize(("answer", "code", "retry"), [("451 4.3.0 Try again later", "451", True),
                                                      ("550 5.1.1 No such user", "550", False)])
async def test_email_smtp_4xx_retried_5xx_not(smtp_server: tuple[MailSink, int], answer: str, code: str,
                                              retry: bool) -> None:
    sink, port = smtp_server
    sink.rcpt_answer = answer
    sent = await channels.send(email_channel(port), message())
    assert (sent.ok, sent.code, sent.retry) == (False, code, retry)
    assert answer.split(" ", 1)[1] in (sent.error or "")


async def test_email_untrusted_certificate_is_not_retried(smtp_server: tuple[MailSink, int],
                                                          monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    other = TestPKI(tmp_path)  # a CA that did not issue the server's certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(other.root_file))
    sink, port = smtp_server
    sent = await channels.send(email_channel(port), message())
    assert (sent.ok, sent.retry) == (False, False)
    assert "TLS" in (sent.error or "") and "certificate" in (sent.error or "").lower()
    assert sink.mails == []


async def test_email_connection_refused_is_retried(refused_url: str) -> None:
    port = int(refused_url.rsplit(":", 1)[1])
    sent = await channels.send(email_channel(port, security="none"), message())
    assert (sent.ok, sent.status, sent.retry) == (False, None, True)
    assert "无法连接" in (sent.error or "")


# -- apprise and dispatch -------------------------------------------------------------------------

async def test_apprise_json_url_reaches_a_receiver() -> None:
    async with RobotServer("webhook") as robot:
        url = robot.url.replace("http://", "json://")
        sent = await channels.send(channel("apprise", url), message())
    assert sent.ok, sent.error
    [got] = robot.messages
    assert got["payload"]["title"] == TITLE and TEXT in got["payload"]["message"]
    assert got["delivery_id"] == "outbox-42"


async def test_apprise_failure_is_retried(refused_url: str) -> None:
    sent = await channels.send(channel("apprise", refused_url.replace("http://", "json://") + "/x"), message())
    assert (sent.ok, sent.retry) == (False, True)


async def test_apprise_not_installed_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "apprise", None)  # import apprise now raises ImportError
    sent = await apprise_channel.send(channel("apprise", "json://127.0.0.1:9/x"), message())
    assert (sent.ok, sent.retry) == (False, False)
    assert "pip install 'govwatch[apprise]'" in (sent.error or "")


async def test_unknown_kind_and_missing_url_are_not_retried() -> None:
    unknown = await channels.send(channel("pager", "http://127.0.0.1:9/"), message())
    no_url = await channels.send(channel("dingtalk", None), message())
    assert (unknown.ok, unknown.retry, no_url.ok, no_url.retry) == (False, False, False, False)
