"""The outbox sender (docs/service.md "Routing and delivery", "Delivery guarantees").

:meth:`Sender.drain_once` is one pass at a given ``now``:

1. ``held`` rows whose time has come (quiet hours ended, the daily digest is due) are released:
   one row of a recipient and channel goes out as itself, several become one digest row (the
   members ``merged``, the digest's ``digest_of`` listing them);
2. due ``pending`` rows are claimed (``sending``) and delivered through their channel's kind, at
   most the channel's rate (per channel at most ``rate_per_minute`` in any minute, default DingTalk and
   WeCom 20, Feishu 100, others unlimited). Rows beyond the rate are not dropped: those of one
   recipient and channel are merged into one digest row, due at its turn: the channel's next free
   token, one token's time after the rows put off before it (so later passes do not claim and put
   off the whole queue again);
3. each answer marks its row: ``sent``; ``pending`` again after ``retry_backoff`` × 2^(attempt-1)
   (at least the receiver's ``retry_after``); ``failed`` after ``max_attempts`` or when no retry
   can help. ``last_error`` keeps the reason, secrets masked.

Every message carries ``delivery_id = "gw-<row id>"``: the same on every attempt, so a receiver can
tell a repeat after a restart (:func:`~govwatch.store.service_rows.recover_sending` puts rows a
killed sender left ``sending`` back to ``pending`` when the sender starts).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from govwatch.alerts.channels import send as channel_send
from govwatch.alerts.channels.common import scrub, secrets_of
from govwatch.alerts.message import Delivery, Message
from govwatch.core.serviceconfig import SEVERITIES, ChannelConfig, ServiceConfig
from govwatch.store import service_rows as rows
from govwatch.store.db import Store
from govwatch.store.service_rows import OutboxRow

__all__ = ["DEFAULT_RATES", "DrainStats", "Sender", "TokenBucket", "channel_secrets", "mask_error", "message_of"]

log = logging.getLogger(__name__)

DEFAULT_RATES = {"dingtalk": 20, "wecom": 20, "feishu": 100}  # messages a minute; other kinds: unlimited
_DIGEST_ITEM_CHARS = 300  # of each member's text in a digest
SendFn = Callable[[ChannelConfig, Message], Awaitable[Delivery]]


class TokenBucket:
    """At most ``rate`` messages in any 60 seconds, counted as the robots count them (a sliding
    minute: DingTalk throttles a robot for 10 minutes after the 21st message within a minute, so a
    bucket refilling while it sends would overrun it); time is the caller's ``now``."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.sent: deque[datetime] = deque()  # the times of the messages let through in the last minute

    def _forget(self, now: datetime) -> None:
        while self.sent and (now - self.sent[0]).total_seconds() >= 60:
            self.sent.popleft()

    def take(self, now: datetime) -> bool:
        """Let one message through at ``now`` if fewer than ``rate`` went in the minute before."""
        self._forget(now)
        if len(self.sent) < self.rate:
            self.sent.append(now)
            return True
        return False

    def next_free(self, now: datetime) -> datetime:
        """When the next message may go: now, or a minute after the oldest of the last ``rate``."""
        self._forget(now)
        return now if len(self.sent) < self.rate else self.sent[0] + timedelta(seconds=60)


@dataclass(slots=True)
class DrainStats:
    """What one :meth:`Sender.drain_once` did."""

    released: int = 0  # held rows released (as themselves or inside a digest)
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    merged: int = 0  # rows merged into a digest row (rate limit or release)
    digests: int = 0  # digest rows written
    deferred: int = 0  # digest rows moved to the channel's next token
    errors: list[str] = field(default_factory=list)

    @property
    def busy(self) -> bool:
        return bool(self.released or self.claimed or self.digests)


def channel_secrets(channel: ChannelConfig | None) -> tuple[str, ...]:
    """The strings of a channel that must never be shown."""
    if channel is None:
        return ()
    smtp = channel.smtp
    return secrets_of(channel.url, channel.secret, smtp.password if smtp else None,
                      *((value for _, value in channel.sms.headers) if channel.sms else ()))


def mask_error(text: str | None, channel: ChannelConfig | None) -> str | None:
    """``text`` with the channel's secrets replaced by ``***``."""
    return None if text is None else scrub(text, channel_secrets(channel))


def message_of(row: OutboxRow) -> Message:
    """The message of an outbox row: title and text from its payload, ``delivery_id = gw-<id>``."""
    payload = row.payload
    target = payload.get("target_url") or row.target_url
    links = (("查看页面", str(target)),) if target and str(target).startswith(("http://", "https://")) else ()
    return Message(title=str(payload.get("title") or row.event_kind), text=str(payload.get("text") or ""),
                   severity=str(payload.get("severity") or row.severity), delivery_id=f"gw-{row.id}", links=links)


def _digest(members: Sequence[OutboxRow], why: str, due: datetime, now: datetime) -> OutboxRow:
    """One digest row delivering ``members`` (same recipient and channel)."""
    first = members[0]
    severity = max((m.severity for m in members), key=lambda s: SEVERITIES.index(s) if s in SEVERITIES else 0)
    sites = {m.payload.get("site_name") or m.payload.get("site_url") for m in members} - {None}
    heading = {"rate": "发送频率受限，以下消息合并发送", "quiet": "免打扰时段内的消息", "digest": "每日汇总"}[why]
    title = f"【汇总】{heading}（共{len(members)}条）"
    lines = []
    for n, member in enumerate(members, 1):
        text = str(member.payload.get("text") or "")
        if len(text) > _DIGEST_ITEM_CHARS:
            text = text[:_DIGEST_ITEM_CHARS] + "…"
        lines.append(f"{n}. {member.payload.get('title') or member.event_kind}\n{text}")
    scope = f"涉及网站：{'、'.join(sorted(str(s) for s in sites))}。\n\n" if sites else ""
    body = f"{scope}" + "\n\n".join(lines)
    ids = [m.id for m in members if m.id is not None]
    key = hashlib.sha1(",".join(map(str, ids)).encode()).hexdigest()[:12]
    payload: dict[str, Any] = {"kind": "digest", "why": why, "title": title, "text": body, "severity": severity,
                               "items": [{"id": m.id, "kind": m.event_kind, "title": m.payload.get("title")}
                                         for m in members]}
    return OutboxRow(event_kind="digest", severity=severity, recipient=first.recipient, channel=first.channel,
                     dedupe_key=f"digest:{why}:{first.channel}:{first.recipient}:{key}", payload=payload,
                     state="pending", created_at=rows.stamp(now), site_id=first.site_id if len(sites) == 1 else None,
                     org_code=first.org_code if len({m.org_code for m in members}) == 1 else None,
                     next_attempt_at=rows.stamp(due))


class Sender:
    """Drains the outbox of ``store`` through the channels of ``config`` (see the module docstring).

    ``send`` is the channel dispatch (default :func:`govwatch.alerts.channels.send`); ``batch`` the
    rows claimed per pass, ``concurrency`` the deliveries in flight at once."""

    def __init__(self, store: Store, config: ServiceConfig, *, send: SendFn | None = None, batch: int = 200,
                 concurrency: int = 8, poll_seconds: float = 1.0) -> None:
        self.store = store
        self.config = config
        self._send = send or channel_send
        self.batch = batch
        self.concurrency = max(1, concurrency)
        self.poll_seconds = poll_seconds
        self._channels = {c.name: c for c in config.channels}
        self._buckets: dict[str, TokenBucket] = {}
        self._last_slot: dict[str, datetime] = {}  # channel -> when the last row put off on it is due
        self._recovered = False

    def recover(self) -> int:
        """Rows left ``sending`` by a killed process go back to ``pending`` (once per sender)."""
        self._recovered = True
        count = rows.recover_sending(self.store)
        if count:
            log.info("outbox: %d rows left sending by the last process will be delivered again", count)
        return count

    def _bucket(self, channel: str) -> TokenBucket | None:
        config = self._channels.get(channel)
        if config is None:
            return None
        rate = config.rate_per_minute or DEFAULT_RATES.get(config.type)
        if rate is None:
            return None
        bucket = self._buckets.get(channel)
        if bucket is None or bucket.rate != rate:
            bucket = self._buckets[channel] = TokenBucket(rate)
        return bucket

    # -- one pass ---------------------------------------------------------------------------------

    async def drain_once(self, now: datetime | None = None) -> DrainStats:
        """Release due held rows, then claim and deliver due rows (see the module docstring)."""
        now = now or datetime.now(UTC)
        if not self._recovered:
            self.recover()
        stats = DrainStats()
        self._release_held(now, stats)
        claimed = rows.claim_due(self.store, now, self.batch)
        stats.claimed = len(claimed)
        allowed: list[OutboxRow] = []
        overflow: dict[tuple[str, str], list[OutboxRow]] = {}
        for row in claimed:
            bucket = self._bucket(row.channel)
            if bucket is None or bucket.take(now):
                allowed.append(row)
            else:
                overflow.setdefault((row.recipient, row.channel), []).append(row)
        limit = asyncio.Semaphore(self.concurrency)

        async def one(row: OutboxRow) -> tuple[OutboxRow, Delivery]:
            async with limit:
                return row, await self._deliver(row)

        sent: list[tuple[int, int, list[int] | None]] = []
        for row, delivery in await asyncio.gather(*(one(r) for r in allowed)):
            self._record(row, delivery, now, stats, sent)
        if sent:  # one transaction for the pass's accepted rows
            rows.mark_sent_many(self.store, sent, now)
        for waiting in overflow.values():
            self._defer(waiting, now, stats)
        return stats

    def _slot(self, channel: str, now: datetime) -> datetime:
        """When the next row put off on ``channel`` is due: the channel's next free token, but one
        token's time after the row put off before it, so that each later pass finds about as many due
        rows as the rate lets through (instead of claiming and putting off the whole queue again)."""
        bucket = self._bucket(channel)
        if bucket is None:
            return now
        due = bucket.next_free(now)
        last = self._last_slot.get(channel)
        if last is not None and last >= due:
            due = last + timedelta(seconds=60 / bucket.rate)
        self._last_slot[channel] = due
        return due

    def _release_held(self, now: datetime, stats: DrainStats) -> None:
        groups: dict[tuple[str, str], list[OutboxRow]] = {}
        for row in rows.held_due(self.store, now):
            groups.setdefault((row.recipient, row.channel), []).append(row)
        for members in groups.values():
            stats.released += len(members)
            ids = [m.id for m in members if m.id is not None]
            if len(members) == 1:
                rows.release_held(self.store, ids, now)
                continue
            why = "digest" if any((m.last_error or "").startswith("held: daily digest") for m in members) else "quiet"
            if rows.merge_into_digest(self.store, _digest(members, why, now, now), ids) is not None:
                stats.digests += 1
                stats.merged += len(members)

    def _defer(self, waiting: list[OutboxRow], now: datetime, stats: DrainStats) -> None:
        """Rows of one recipient over the channel's rate: digests and lone rows wait for their turn
        (:meth:`_slot`), several rows become one digest row due at its turn."""
        singles = [r for r in waiting if r.digest_of]
        plain = [r for r in waiting if not r.digest_of]
        if len(plain) == 1:
            singles += plain
            plain = []
        for row in singles:
            assert row.id is not None
            rows.mark_retry(self.store, row.id, self._slot(row.channel, now), row.attempts, row.last_error)
            stats.deferred += 1
        if plain:
            due = self._slot(plain[0].channel, now)
            ids = [r.id for r in plain if r.id is not None]
            if rows.merge_into_digest(self.store, _digest(plain, "rate", due, now), ids) is not None:
                stats.digests += 1
                stats.merged += len(plain)
            else:  # an equal digest exists already: never leave a row ``sending``
                for row in plain:
                    assert row.id is not None
                    rows.mark_retry(self.store, row.id, due, row.attempts, row.last_error)
                    stats.deferred += 1

    async def _deliver(self, row: OutboxRow) -> Delivery:
        channel = self._channels.get(row.channel)
        if channel is None:
            return Delivery.failed(f"配置中没有名为 {row.channel!r} 的渠道 / no channel named {row.channel!r} in the "
                                   "service config", retry=False)
        try:
            return await self._send(channel, message_of(row))
        except Exception as exc:  # noqa: BLE001 - a channel bug is this row's failure, not the sender's end
            return Delivery.failed(f"发送出错 / sending failed: {type(exc).__name__}: {exc}", retry=True)

    def _record(self, row: OutboxRow, delivery: Delivery, now: datetime, stats: DrainStats,
                sent: list[tuple[int, int, list[int] | None]]) -> None:
        """Mark a failed or retried row at once; an accepted one is added to ``sent`` (marked with the
        pass's other accepted rows in one transaction)."""
        assert row.id is not None
        attempts = row.attempts + 1
        if delivery.ok:
            sent.append((row.id, attempts, row.digest_of))
            stats.sent += 1
            return
        channel = self._channels.get(row.channel)
        error = mask_error(delivery.error or "delivery failed", channel)
        policy = self.config.alerting
        if not delivery.retry or attempts >= policy.max_attempts:
            rows.mark_failed(self.store, row.id, attempts, error)
            stats.failed += 1
            log.warning("outbox #%d to %s via %s failed after %d attempts: %s", row.id, row.recipient, row.channel,
                        attempts, error)
            return
        delay = policy.retry_backoff * 2 ** (attempts - 1)
        if delivery.retry_after is not None:
            delay = max(delay, delivery.retry_after)
        rows.mark_retry(self.store, row.id, now + timedelta(seconds=delay), attempts, error)
        stats.retried += 1

    # -- the loop ---------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event, clock: Callable[[], datetime] | None = None) -> None:
        """Drain until ``stop`` is set: a pass, then (when it found nothing to do) a pause of
        ``poll_seconds`` or until ``stop``. A pass that fails is logged and tried again."""
        now = clock or (lambda: datetime.now(UTC))
        if not self._recovered:
            self.recover()
        while not stop.is_set():
            try:
                stats = await self.drain_once(now())
            except Exception:  # noqa: BLE001 - the sender outlives a bad pass (the store being busy …)
                log.exception("outbox: a sending pass failed; trying again")
                stats = DrainStats()
            if stats.busy and stats.claimed >= self.batch:
                continue
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.poll_seconds)
            except TimeoutError:
                pass
