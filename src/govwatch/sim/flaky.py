"""A flaky HTTP server on 127.0.0.1 for availability probes, with ground truth.

A chosen fraction of *visits* fail, deterministically by seed: they hang past
the probe's timeout, reset the connection (RST), or answer 500. Faults model
real outages: the immediate re-probe of a faulted visit (the next request for
the same path from the same client address within ``reprobe_window`` seconds)
fails the same way. *Blips* are single-request faults whose re-probe succeeds:
they are failed visits all the same (the national rule counts every visit that does
not open), and the confirmation only tells a transient failure from a sustained one.

The server keeps the truth a test compares against: visits (first requests),
outages (faulted visits whose re-probe fails too), blips and re-probes, in
total and per path. Each path draws from its own random stream (seeded by
``seed`` and the path), so concurrent probes of different paths give the same
faults whatever the interleaving.

    with FlakyServer(FlakyConfig(hang=0.03, reset=0.03, error500=0.03, blip=0.05)).running() as srv:
        ... probe srv.url("/a/") ...
        srv.truth()["outages"]
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import ssl
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

FAULTS = ("hang", "reset", "error500")


@dataclass(slots=True)
class FlakyConfig:
    """Fault fractions (of visits) and behaviour."""

    hang: float = 0.0  # outages that hang (no answer for ``hang_seconds``, then the connection is dropped)
    reset: float = 0.0  # outages that reset the connection after reading the request
    error500: float = 0.0  # outages answered with HTTP 500
    blip: float = 0.0  # single-request faults (kind drawn from ``blip_kinds``); the re-probe succeeds
    blip_kinds: tuple[str, ...] = FAULTS
    hang_seconds: float = 1.5
    reprobe_window: float = 2.0  # seconds after a faulted request during which the next one is its re-probe
    seed: int = 1
    body_bytes: int = 2048  # size of the healthy page
    chunked: bool = False  # send the healthy page with Transfer-Encoding: chunked
    redirects: dict[str, str] = field(default_factory=dict)  # path -> Location (302; never faulted, not counted)
    max_connections: int = 256  # connections handled at once; more are closed at once

    def __post_init__(self) -> None:
        fractions = (self.hang, self.reset, self.error500, self.blip)
        if any(f < 0 for f in fractions) or sum(fractions) > 1 + 1e-9:
            raise ValueError("fault fractions must be non-negative and add up to at most 1")
        unknown = set(self.blip_kinds) - set(FAULTS)
        if unknown or not self.blip_kinds:
            raise ValueError(f"blip_kinds must be drawn from {FAULTS}")


@dataclass(slots=True)
class _PathTruth:
    visits: int = 0
    outages: int = 0
    blips: int = 0
    reprobes: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class _Pending:
    kind: str
    blip: bool
    at: float


def _page(size: int) -> bytes:
    head = b'<!DOCTYPE html><html><head><meta charset="utf-8"><title>flaky</title></head><body>'
    tail = b"</body></html>\n"
    return head + b"x" * max(0, size - len(head) - len(tail)) + tail


def _answer(status: int, reason: str, body: bytes, *, chunked: bool = False, location: str | None = None) -> bytes:
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n"
    if location is not None:
        head += f"Location: {location}\r\n"
    if not chunked:
        return (head + f"Content-Length: {len(body)}\r\n\r\n").encode("ascii") + body
    parts = [body[i:i + 1000] for i in range(0, len(body), 1000)]
    framed = b"".join(f"{len(p):x}\r\n".encode("ascii") + p + b"\r\n" for p in parts) + b"0\r\n\r\n"
    return (head + "Transfer-Encoding: chunked\r\n\r\n").encode("ascii") + framed


def _reset(writer: asyncio.StreamWriter) -> None:
    """Drop the connection so the peer sees RST (SO_LINGER 0)."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class FlakyServer:
    """Serves a page on 127.0.0.1 (port chosen by the OS) with seeded outages and blips."""

    def __init__(self, config: FlakyConfig | None = None, host: str = "127.0.0.1",
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.config = config or FlakyConfig()
        self.host = host
        self.ssl_context = ssl_context  # serve https with this (server-side) context
        self.port = 0
        self._server: asyncio.base_events.Server | None = None
        self._active: set[asyncio.Task[Any]] = set()
        self._pending: dict[tuple[str, str], _Pending] = {}
        self._rngs: dict[str, random.Random] = {}
        self._truth: dict[str, _PathTruth] = {}
        self._lock = threading.Lock()
        self._body = _page(self.config.body_bytes)

    # -- lifecycle ----------------------------------------------------------------
    async def start(self) -> None:
        """Bind and listen (inside the running loop)."""
        if self._server is not None:
            raise RuntimeError("already started")
        self._server = await asyncio.start_server(self._handle, self.host, 0, backlog=256, ssl=self.ssl_context)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop listening and cancel every connection still open (hangs included)."""
        if self._server is None:
            return
        self._server.close()
        for task in list(self._active):
            task.cancel()
        if self._active:
            await asyncio.wait(list(self._active), timeout=5)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2)
        self._server = None

    @contextlib.contextmanager
    def running(self) -> Iterator[FlakyServer]:
        """Serve from a background thread for the duration of a ``with`` block."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="govwatch-flaky", daemon=True)
        thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self.start(), loop).result(timeout=10)
            yield self
        finally:
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self.stop(), loop).result(timeout=10)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            loop.close()

    # -- public helpers -------------------------------------------------------------
    def url(self, path: str = "/", host: str | None = None) -> str:
        """The URL of ``path`` on this server (``host`` e.g. ``localhost`` to make probes resolve a name)."""
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{host or self.host}:{self.port}{path}"

    def truth(self) -> dict[str, Any]:
        """Ground truth so far: totals and per path."""
        with self._lock:
            per_path: dict[str, dict[str, Any]] = {p: {"visits": t.visits, "outages": t.outages, "blips": t.blips, "reprobes": t.reprobes,
                            "by_kind": dict(t.by_kind)} for p, t in self._truth.items()}
        total: dict[str, Any] = {"visits": 0, "outages": 0, "blips": 0, "reprobes": 0, "by_kind": {}}
        for entry in per_path.values():
            for key in ("visits", "outages", "blips", "reprobes"):
                total[key] += entry[key]
            for kind, n in entry["by_kind"].items():
                total["by_kind"][kind] = total["by_kind"].get(kind, 0) + n
        # Every failed visit counts (outages and blips); outage_ratio is the sustained share alone.
        total["failure_ratio"] = (total["outages"] + total["blips"]) / total["visits"] if total["visits"] else 0.0
        total["outage_ratio"] = total["outages"] / total["visits"] if total["visits"] else 0.0
        total["paths"] = per_path
        return total

    # -- request handling -------------------------------------------------------------
    def _decide(self, client: str, path: str) -> tuple[str | None, bool]:
        """(fault kind or None, is this a re-probe) for one request; updates the truth."""
        cfg = self.config
        now = time.monotonic()
        key = (client, path)
        with self._lock:
            truth = self._truth.setdefault(path, _PathTruth())
            pending = self._pending.pop(key, None)
            if pending is not None and now - pending.at <= cfg.reprobe_window:
                truth.reprobes += 1
                return (None if pending.blip else pending.kind), True
            truth.visits += 1
            rng = self._rngs.setdefault(path, random.Random(f"{cfg.seed}/{path}"))
            u = rng.random()
            kind: str | None = None
            blip = False
            for name, fraction in (("hang", cfg.hang), ("reset", cfg.reset), ("error500", cfg.error500)):
                if u < fraction:
                    kind = name
                    break
                u -= fraction
            else:
                if u < cfg.blip:
                    kind, blip = rng.choice(cfg.blip_kinds), True
            if kind is None:
                return None, False
            self._pending[key] = _Pending(kind, blip, now)
            if blip:
                truth.blips += 1
            else:
                truth.outages += 1
                truth.by_kind[kind] = truth.by_kind.get(kind, 0) + 1
            return kind, False

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is None or len(self._active) >= self.config.max_connections:
            writer.transport.abort()
            return
        self._active.add(task)
        try:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, OSError):
                writer.transport.abort()
                return
            parts = head.split(b"\r\n", 1)[0].split(b" ")
            path = parts[1].decode("latin-1") if len(parts) >= 2 else "/"
            location = self.config.redirects.get(path)
            if location is not None:
                writer.write(_answer(302, "Found", b"", location=location))
                with contextlib.suppress(OSError):
                    await asyncio.wait_for(writer.drain(), 10)
                writer.close()
                return
            peer = writer.get_extra_info("peername")
            client = str(peer[0]) if peer else "?"
            kind, _reprobe = self._decide(client, path)
            if kind == "hang":
                await asyncio.sleep(self.config.hang_seconds)
                writer.transport.abort()
            elif kind == "reset":
                _reset(writer)
            else:
                data = (_answer(500, "Internal Server Error", b"<html><body>500</body></html>\n")
                        if kind == "error500" else _answer(200, "OK", self._body, chunked=self.config.chunked))
                writer.write(data)
                with contextlib.suppress(OSError):
                    await asyncio.wait_for(writer.drain(), 10)
                writer.close()
        except asyncio.CancelledError:
            # Stopping: drop the connection. Not re-raised: asyncio's stream server (3.11)
            # would log a cancelled handler task as an error.
            writer.transport.abort()
        finally:
            self._active.discard(task)
