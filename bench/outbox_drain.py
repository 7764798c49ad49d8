"""Outbox drain benchmark: a 100,000-row outbox drained under the per-robot rate limits.

    .venv/bin/python bench/outbox_drain.py [--rows 100000] [--channels dingtalk:3,wecom:2,webhook:1,email:1]
                                           [--recipients 4] [--batch 200] [--profile FILE]

Fills a fresh SQLite store (a temporary folder) with ``--rows`` pending outbox rows spread evenly
over the channels and ``--recipients`` recipients, starts a fake receiver on 127.0.0.1 per channel
(``govwatch.sim.robots``: DingTalk robots signed with a secret, WeCom, Feishu, the signed webhook;
email through a real SMTP server, aiosmtpd), then drains with the real
:class:`govwatch.alerts.sender.Sender` on a *simulated clock*: passes at one ``now`` until a pass
claims less than a batch (as ``Sender.run`` does), then ``now`` moves on one minute, until no row is
left to send. The receivers run in their own threads and their real-time rate limit is off: the
limit is checked here on the simulated clock, from what the receivers recorded.

Prints and asserts: insert throughput; drain wall time, CPU seconds (the sender's thread, and the
whole process with the receivers) and rows processed per second; per channel the messages the
receiver accepted against ``rate × simulated minutes`` and the most seen in any 60 simulated
seconds (never over the rate); digest rows made and rows merged; rows left (0); rows lost — rows
neither delivered themselves nor listed in a delivered digest, judged from the receivers' delivery
ids — (0); delivery ids received twice (0); peak RSS. ``--profile FILE`` writes a cProfile of the
drain (sorted by cumulative time) to FILE. Exit status 1 when an assertion fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import pstats
import re
import resource
import sys
import tempfile
import threading
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from govwatch.alerts.events import Event
from govwatch.alerts.sender import DEFAULT_RATES, Sender
from govwatch.core.clock import SHANGHAI
from govwatch.core.serviceconfig import ServiceConfig, parse_service_config
from govwatch.sim.robots import RobotServer
from govwatch.store import service_rows as rows
from govwatch.store.db import Store
from govwatch.store.service_rows import OutboxRow

T0 = datetime(2026, 12, 4, 10, 0, tzinfo=SHANGHAI)  # a working-day morning: no quiet hours
SECRET = "SECbench0outbox0drain0secret"
INSERT_CHUNK = 1000  # rows per insert transaction
MAX_SIM_MINUTES = 100_000  # the drain's bound: far beyond any drain that makes progress
_MAIL_DELIVERY = re.compile(rb"X-Govwatch-Delivery: (gw-\d+)")


@dataclass
class MailSink:
    """aiosmtpd handler keeping each accepted mail's delivery id."""

    delivery_ids: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        found = _MAIL_DELIVERY.search(bytes(envelope.content))
        with self.lock:
            self.delivery_ids.append(found.group(1).decode() if found else "")
        return "250 Message accepted for delivery"


@dataclass
class Receiver:
    """One channel's fake receiver: its config and the delivery ids it accepted so far."""

    name: str
    kind: str
    robot: RobotServer | None = None
    mail: MailSink | None = None
    port: int = 0

    def channel(self) -> dict[str, Any]:
        if self.mail is not None:
            return {"name": self.name, "type": "email",
                    "smtp": {"host": "127.0.0.1", "port": self.port, "to": ["duty@county.example"]}}
        assert self.robot is not None
        data: dict[str, Any] = {"name": self.name, "type": self.kind, "url": self.robot.url}
        if self.kind in ("dingtalk", "feishu", "webhook"):
            data["secret"] = SECRET
        return data

    def delivery_ids(self) -> list[str]:
        if self.mail is not None:
            with self.mail.lock:
                return list(self.mail.delivery_ids)
        assert self.robot is not None
        return [str(m["delivery_id"]) for m in list(self.robot.messages)]

    def accepted(self) -> int:
        if self.mail is not None:
            return len(self.mail.delivery_ids)
        assert self.robot is not None
        return len(self.robot.messages)


def parse_channels(spec: str) -> list[tuple[str, int]]:
    """``dingtalk:3,wecom:2,webhook:1,email:1`` as (kind, count) pairs."""
    out = []
    for part in spec.split(","):
        kind, _, count = part.strip().partition(":")
        if kind not in ("dingtalk", "wecom", "feishu", "webhook", "email"):
            raise SystemExit(f"--channels: unknown kind {kind!r} (dingtalk, wecom, feishu, webhook, email)")
        out.append((kind, int(count or 1)))
    return out


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def receivers(spec: list[tuple[str, int]]) -> Iterator[list[Receiver]]:
    """The fake receivers of ``spec``, each serving in its own thread while the block runs."""
    with contextlib.ExitStack() as stack:
        found: list[Receiver] = []
        for kind, count in spec:
            for n in range(1, count + 1):
                name = f"{kind}-{n}"
                if kind == "email":
                    sink, port = MailSink(), _free_port()
                    controller = Controller(sink, hostname="127.0.0.1", port=port)
                    controller.start()
                    stack.callback(controller.stop)
                    found.append(Receiver(name, kind, mail=sink, port=port))
                else:
                    secret = SECRET if kind in ("dingtalk", "feishu", "webhook") else None
                    robot = stack.enter_context(RobotServer(kind, secret=secret).running())
                    found.append(Receiver(name, kind, robot=robot))
        yield found


def outbox_rows(count: int, channels: list[str], recipients: int) -> Iterator[OutboxRow]:
    """``count`` pending rows, round robin over channels and recipients, all due at T0."""
    due = rows.stamp(T0)
    for n in range(count):
        channel = channels[n % len(channels)]
        site = f"http://www.site{n % 97}.gov.cn/"
        e = Event("site_down", "critical", site, f"第{n % 97}号县人民政府", "450121", site,
                  f"【预警】第{n % 97}号县人民政府网站首页无法访问（{n}）",
                  f"第{n % 97}号县人民政府网站首页已连续2次无法访问（第{n}条）。请立即检查服务器和网络。",
                  f"bench:{n}", T0)
        yield OutboxRow(event_kind=e.kind, severity=e.severity, recipient=f"duty-{(n // len(channels)) % recipients}",
                        channel=channel, dedupe_key=e.dedupe_key, payload=e.to_payload(), next_attempt_at=due)


def fill(store: Store, count: int, channels: list[str], recipients: int) -> float:
    """Insert the rows in transactions of INSERT_CHUNK; the seconds it took."""
    started = time.perf_counter()
    chunk: list[OutboxRow] = []
    for row in outbox_rows(count, channels, recipients):
        chunk.append(row)
        if len(chunk) == INSERT_CHUNK:
            rows.insert_outbox(store, chunk, at=T0)
            chunk = []
    if chunk:
        rows.insert_outbox(store, chunk, at=T0)
    return time.perf_counter() - started


@dataclass
class Drain:
    """What the drain did: passes, simulated minutes, and per receiver the simulated time of each message."""

    passes: int = 0
    minutes: int = 0
    digests: int = 0
    merged: int = 0
    failed: int = 0
    retried: int = 0
    deferred: int = 0
    arrivals: dict[str, list[datetime]] = field(default_factory=dict)


async def drain(store: Store, config: ServiceConfig, found: list[Receiver], batch: int) -> Drain:
    """Passes at a simulated ``now`` until one claims less than a batch, then one minute on; until the
    outbox has nothing left to send. Each message a receiver got is dated to the pass that sent it."""
    sender = Sender(store, config, batch=batch)
    result = Drain(arrivals={r.name: [] for r in found})
    seen = {r.name: 0 for r in found}
    now = T0
    while result.minutes <= MAX_SIM_MINUTES:
        stats = await sender.drain_once(now)
        result.passes += 1
        result.digests += stats.digests
        result.merged += stats.merged
        result.failed += stats.failed
        result.retried += stats.retried
        result.deferred += stats.deferred
        for receiver in found:
            got = receiver.accepted()
            result.arrivals[receiver.name].extend([now] * (got - seen[receiver.name]))
            seen[receiver.name] = got
        if stats.busy and stats.claimed >= batch:
            continue
        counts = rows.outbox_counts(store)
        if not any(counts.get(state) for state in ("pending", "sending", "held")):
            break
        now += timedelta(minutes=1)
        result.minutes += 1
    return result


def most_in_a_minute(times: list[datetime]) -> int:
    """The most messages in any 60 simulated seconds (the window (t - 60 s, t] ending at each message,
    as a robot counts: a message exactly a minute old no longer counts)."""
    ordered = sorted(times)
    return max((n + 1 - bisect_right(ordered, at - timedelta(seconds=60), 0, n + 1) for n, at in enumerate(ordered)),
               default=0)


def lost_rows(store: Store, delivered: set[int]) -> tuple[int, int]:
    """(rows lost, digest rows): rows neither delivered nor listed in a delivered digest (followed
    through digests of digests)."""
    all_rows = rows.list_outbox(store)
    digest_of = {r.id: r.digest_of for r in all_rows if r.digest_of}
    covered = set(delivered)
    frontier = [d for d in delivered if d in digest_of]
    while frontier:
        members = digest_of.get(frontier.pop()) or []
        fresh = [m for m in members if m not in covered]
        covered.update(fresh)
        frontier.extend(m for m in fresh if m in digest_of)
    originals = [r.id for r in all_rows if r.event_kind != "digest"]
    return sum(1 for i in originals if i not in covered), len(digest_of)


def rate_of(config: ServiceConfig, name: str) -> int | None:
    channel = next(c for c in config.channels if c.name == name)
    return channel.rate_per_minute or DEFAULT_RATES.get(channel.type)


def run(count: int, spec: list[tuple[str, int]], recipients: int, batch: int, profile: str | None = None) -> dict[str, Any]:
    """The whole bench; returns its figures (``ok`` False when an assertion failed)."""
    figures: dict[str, Any] = {"rows": count}
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="gw-outbox-bench-") as folder, receivers(spec) as found:
        config = parse_service_config({"channels": [r.channel() for r in found]}, "bench.yaml", environ={})
        store = Store(str(Path(folder) / "gw.db"))
        try:
            seconds = fill(store, count, [r.name for r in found], recipients)
            figures["insert_seconds"] = seconds
            figures["insert_rows_per_second"] = count / seconds if seconds else float("inf")
            profiler = cProfile.Profile() if profile else None
            wall, cpu_thread, cpu_process = time.perf_counter(), time.thread_time(), time.process_time()
            if profiler is not None:
                profiler.enable()
            result = asyncio.run(drain(store, config, found, batch))
            if profiler is not None:
                profiler.disable()
            figures["drain_seconds"] = time.perf_counter() - wall
            figures["sender_cpu_seconds"] = time.thread_time() - cpu_thread
            figures["process_cpu_seconds"] = time.process_time() - cpu_process
            figures["drain_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            if profiler is not None and profile:
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(60)
                Path(profile).write_text(out.getvalue(), encoding="utf-8")
            counts = rows.outbox_counts(store)
            delivered_ids = [d for r in found for d in r.delivery_ids()]
            duplicates = sum(n - 1 for n in Counter(delivered_ids).values() if n > 1)
            delivered = {int(d.removeprefix("gw-")) for d in delivered_ids if d.startswith("gw-")}
            lost, digest_rows = lost_rows(store, delivered)
            left = sum(counts.get(state, 0) for state in ("pending", "sending", "held"))
        finally:
            store.close()
    figures.update(passes=result.passes, sim_minutes=result.minutes, digests=result.digests, merged=result.merged,
                   digest_rows=digest_rows, failed=result.failed, retried=result.retried, deferred=result.deferred,
                   counts=counts, left=left, lost=lost, duplicates=duplicates, delivered=len(delivered_ids))
    figures["rows_per_second"] = count / figures["drain_seconds"]
    per_channel = {}
    for receiver in found:
        times = result.arrivals[receiver.name]
        rate = rate_of(config, receiver.name)
        allowed = None if rate is None else rate * (result.minutes + 1)
        peak = most_in_a_minute(times)
        per_channel[receiver.name] = {"delivered": len(times), "rate": rate, "allowed": allowed, "peak_minute": peak}
        if rate is not None and (peak > rate or len(times) > (allowed or 0)):
            problems.append(f"{receiver.name}: {peak} messages in 60 simulated seconds, rate {rate}")
        if len(times) != receiver.accepted():
            problems.append(f"{receiver.name}: {receiver.accepted()} accepted, {len(times)} dated")
    figures["channels"] = per_channel
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for name, value in (("rows left", left), ("rows lost", lost), ("duplicates", duplicates),
                        ("failed", result.failed)):
        if value:
            problems.append(f"{name}: {value} (must be 0)")
    if result.minutes > MAX_SIM_MINUTES:
        problems.append(f"the drain did not finish within {MAX_SIM_MINUTES} simulated minutes")
    figures["problems"] = problems
    figures["ok"] = not problems
    return figures


def report(figures: dict[str, Any]) -> None:
    print(f"rows: {figures['rows']:,}  inserted in {figures['insert_seconds']:.1f} s "
          f"({figures['insert_rows_per_second']:,.0f} rows/s)")
    print(f"drain: {figures['drain_seconds']:.1f} s wall, {figures['sender_cpu_seconds']:.1f} s CPU sender thread, "
          f"{figures['process_cpu_seconds']:.1f} s CPU process (with the receivers); "
          f"{figures['rows_per_second']:,.0f} rows/s; {figures['passes']:,} passes over "
          f"{figures['sim_minutes']:,} simulated minutes")
    print(f"messages delivered: {figures['delivered']:,}; digest rows made {figures['digest_rows']:,}, rows merged "
          f"{figures['merged']:,}, digests deferred {figures['deferred']:,}, retried {figures['retried']}, "
          f"failed {figures['failed']}")
    print(f"{'channel':12s} {'delivered':>9s} {'rate/min':>8s} {'rate x minutes':>14s} {'most in 60 s':>12s}")
    for name, c in figures["channels"].items():
        rate = "-" if c["rate"] is None else str(c["rate"])
        allowed = "unlimited" if c["allowed"] is None else f"{c['allowed']:,}"
        print(f"{name:12s} {c['delivered']:9,d} {rate:>8s} {allowed:>14s} {c['peak_minute']:12,d}")
    print(f"outbox states: {figures['counts']}")
    print(f"rows left {figures['left']}, rows lost {figures['lost']}, duplicates delivered {figures['duplicates']}")
    print(f"peak RSS {figures['drain_rss_mb']:.0f} MB at the end of the drain, {figures['peak_rss_mb']:.0f} MB after "
          f"the checks (whole process: the receivers' records and the checks' load of every row included)")
    for problem in figures["problems"]:
        print(f"FAILED: {problem}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--channels", default="dingtalk:3,wecom:2,webhook:1,email:1",
                    help="kind:count,… of dingtalk, wecom, feishu, webhook, email")
    ap.add_argument("--recipients", type=int, default=4)
    ap.add_argument("--batch", type=int, default=200, help="rows the sender claims per pass")
    ap.add_argument("--profile", metavar="FILE", help="write a cProfile of the drain to FILE")
    args = ap.parse_args(argv)
    figures = run(args.rows, parse_channels(args.channels), args.recipients, args.batch, args.profile)
    report(figures)
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
