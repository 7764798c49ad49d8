"""Email over SMTP (aiosmtplib): plain, STARTTLS or implicit TLS (``ssl``), with AUTH when configured.

The mail is ``text/plain`` UTF-8 with the Chinese title as its subject (RFC 2047 encoded), the
message's links after the text and ``Message-ID: <delivery_id@govwatch>`` so a repeat is
recognisable. The server's certificate is checked against the system's CAs (``SSL_CERT_FILE`` points
at another bundle, e.g. an internal CA). An SMTP 4xx answer is retried, a 5xx is not; no connection
or a timeout is retried; a certificate or TLS setup failure is not.
"""

from __future__ import annotations

import ssl
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from govwatch.alerts.channels.common import body_with_links, scrub
from govwatch.alerts.message import Delivery, Message
from govwatch.core.serviceconfig import ChannelConfig, SmtpConfig

SECURITIES = ("none", "starttls", "ssl")


def build_mail(smtp: SmtpConfig, message: Message) -> EmailMessage:
    """The MIME message for ``message``."""
    mail = EmailMessage()
    mail["Subject"] = message.title
    mail["From"] = smtp.sender
    mail["To"] = ", ".join(smtp.to)
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = f"<{message.message_id_token()}@govwatch>"
    mail["X-Govwatch-Delivery"] = message.delivery_id
    body = body_with_links(message.text, message.links) + f"\n\n-- \n{message.footer()}\n"
    mail.set_content(body, charset="utf-8", cte="base64")  # 7-bit safe for any server
    return mail


def _ssl_failure(exc: BaseException) -> ssl.SSLError | None:
    """The TLS error behind ``exc`` (certificate not trusted, handshake failed), if any."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        if isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _reply_failure(code: int, text: str, where: str, what: str) -> Delivery:
    temporary = 400 <= code < 500
    kind = "暂时拒绝（稍后重试）/ temporarily refused" if temporary else "拒绝 / refused"
    return Delivery.failed(f"SMTP 服务器 {where} {what}{kind}：{code} {text}", retry=temporary, status=code,
                           code=str(code))


async def send(channel: ChannelConfig, message: Message) -> Delivery:
    """Send ``message`` by email through the channel's SMTP server to ``smtp.to``."""
    smtp = channel.smtp
    if smtp is None or not smtp.to:
        return Delivery.failed(f"渠道 {channel.name} 缺少 smtp 配置或收件人 to / channel has no smtp settings or "
                               f"recipients", retry=False)
    if smtp.security not in SECURITIES:
        return Delivery.failed(f"smtp.security 只能是 none、starttls、ssl / unknown security {smtp.security!r}",
                               retry=False)
    where = f"{smtp.host}:{smtp.port}"
    secrets = [s for s in (smtp.password, channel.secret) if s]
    try:
        refused, _reply = await aiosmtplib.send(
            build_mail(smtp, message), hostname=smtp.host, port=smtp.port, username=smtp.username,
            password=smtp.password, use_tls=smtp.security == "ssl", start_tls=smtp.security == "starttls",
            tls_context=ssl.create_default_context() if smtp.security != "none" else None,
            timeout=smtp.timeout)
    except aiosmtplib.SMTPRecipientsRefused as exc:
        first = exc.recipients[0]
        return _reply_failure(first.code, scrub(first.message, secrets), where, "收件人被拒绝 (recipients refused) ")
    except aiosmtplib.SMTPAuthenticationError as exc:
        return _reply_failure(exc.code, scrub(exc.message, secrets), where,
                              "登录失败，请检查 username/password (authentication failed) ")
    except aiosmtplib.SMTPResponseException as exc:
        return _reply_failure(exc.code, scrub(exc.message, secrets), where, "")
    except (aiosmtplib.SMTPTimeoutError, TimeoutError):
        return Delivery.failed(f"SMTP 服务器 {where} 在 {smtp.timeout:g} 秒内没有回答 / SMTP server timed out",
                               retry=True)
    except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected, OSError) as exc:
        tls = _ssl_failure(exc)
        if tls is not None:
            reason = scrub(getattr(tls, "verify_message", None) or tls.reason or str(tls), secrets)
            return Delivery.failed(f"与 SMTP 服务器 {where} 的 TLS 握手失败（证书不受信任或配置不符）/ TLS with the SMTP "
                                   f"server failed: {reason}", retry=False)
        reason = scrub(str(exc), secrets)
        return Delivery.failed(f"无法连接 SMTP 服务器 {where} / cannot connect to the SMTP server: {reason}",
                               retry=True)
    except aiosmtplib.SMTPException as exc:  # STARTTLS or AUTH not offered, and the like: configuration
        reason = scrub(str(exc), secrets)
        return Delivery.failed(f"SMTP 服务器 {where} 不支持所需功能 / the SMTP server cannot do what the channel asks: "
                               f"{reason}", retry=False)
    if refused:
        names = ", ".join(f"{rcpt} ({resp.code})" for rcpt, resp in refused.items())
        return Delivery(ok=True, status=250, error=f"部分收件人被拒绝 / some recipients were refused: {names}")
    return Delivery.sent(250)
