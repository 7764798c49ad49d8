"""The flaky server itself: deterministic by seed, truth kept per path, clean stop, no leaked threads."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import pytest

from govwatch.crawl.availability.visit import visit
from govwatch.sim.flaky import FlakyConfig, FlakyServer


async def _series(url: str, n: int) -> list[tuple[bool, str | None]]:
    out = []
    for _ in range(n):
        v = await visit(url, timeout=0.5, max_bytes=1 << 16, user_agent="t")
        out.append((v.ok, v.error))
    return out


def test_same_seed_same_faults() -> None:
    config = FlakyConfig(reset=0.2, error500=0.2, blip=0.2, blip_kinds=("reset", "error500"), seed=5)
    runs = []
    for _ in range(2):
        with FlakyServer(config).running() as server:
            runs.append((asyncio.run(_series(server.url("/a"), 30)), server.truth()))
    assert runs[0] == runs[1]
    assert runs[0][1]["paths"]["/a"]["visits"] == 30


def test_bad_fractions_are_refused() -> None:
    with pytest.raises(ValueError):
        FlakyConfig(hang=0.6, reset=0.6)
    with pytest.raises(ValueError):
        FlakyConfig(blip=0.1, blip_kinds=("explode",))


def test_stops_promptly_with_hanging_connections_and_leaks_no_thread() -> None:
    before = set(threading.enumerate())
    server = FlakyServer(FlakyConfig(hang=1.0, hang_seconds=60))
    with server.running():
        socks = []
        for _ in range(5):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            socks.append(s)
        deadline = time.monotonic() + 5
        while server.truth()["visits"] + server.truth()["reprobes"] < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        started = time.monotonic()
    assert time.monotonic() - started < 5
    for s in socks:
        s.settimeout(5)
        assert s.recv(100) == b""  # the hanging connections were dropped
        s.close()
    assert set(threading.enumerate()) <= before
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
