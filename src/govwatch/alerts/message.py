"""What a channel sends (:class:`Message`) and what it reports back (:class:`Delivery`).

Every channel kind (``alerts/channels/``) takes the same :class:`Message` and answers a
:class:`Delivery`; the outbox sender (``alerts/sender.py``) decides from ``ok``, ``retry`` and
``retry_after`` whether the row is sent, retried later or failed. A ``Delivery.error`` names the
precise reason in Chinese and English and never holds a secret (signing secret, robot token, sign).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MESSAGE_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._+=-]")


@dataclass(frozen=True, slots=True)
class Message:
    """One notification: a Chinese title and a markdown-ish Chinese body.

    ``delivery_id`` is the outbox row's stable id: the same on every attempt, so that a receiver
    that saw a first attempt can tell a repeat (``X-Govwatch-Delivery``, ``Message-ID``, the robots'
    footer). ``mobiles`` are @-mentioned on robots (and are the SMS recipients together with the
    channel's own); ``links`` are ``(label, url)`` pairs shown after the text.
    """

    title: str
    text: str
    severity: str
    delivery_id: str
    mobiles: tuple[str, ...] = ()
    at_all: bool = False
    links: tuple[tuple[str, str], ...] = ()

    def footer(self) -> str:
        """The line every robot message ends with: the delivery id, so repeats can be told apart."""
        return f"投递编号 delivery {self.delivery_id}"

    def message_id_token(self) -> str:
        """``delivery_id`` reduced to characters that are safe in an email ``Message-ID``."""
        return _MESSAGE_ID_UNSAFE.sub("-", self.delivery_id) or "none"


@dataclass(frozen=True, slots=True)
class Delivery:
    """The outcome of one attempt to send a :class:`Message` through one channel.

    ``ok`` only when the receiver accepted the message (a robot's ``errcode``/``code`` 0, a 2xx
    webhook answer, an SMTP server that took the mail). ``status`` is the HTTP (or SMTP reply) code
    when there was an answer; ``code`` the robot's or gateway's own error code; ``retry`` whether
    another attempt may succeed (rate limits, timeouts, 5xx), ``retry_after`` the delay in seconds
    the receiver asked for, if any.
    """

    ok: bool
    status: int | None = None
    code: str | None = None
    error: str | None = None
    retry: bool = False
    retry_after: float | None = None

    @classmethod
    def sent(cls, status: int | None = None, code: str | None = None) -> Delivery:
        """The receiver accepted the message."""
        return cls(ok=True, status=status, code=code)

    @classmethod
    def failed(cls, error: str, *, retry: bool, status: int | None = None, code: str | None = None,
               retry_after: float | None = None) -> Delivery:
        """The message was not delivered, for ``error`` (Chinese and English, no secrets)."""
        return cls(ok=False, status=status, code=code, error=error, retry=retry, retry_after=retry_after)
