"""The hostile site's traps behave as declared (all bounded on the client side)."""

from __future__ import annotations

import asyncio
import zlib

import aiohttp
import pytest

from govwatch.sim import SimServer
from tests.sim.sim_helpers import fetch, links_in, raw_exchange


def _traps(sim: SimServer) -> dict[str, str]:
    return {t["kind"]: t["url"] for t in sim.manifest["sites"]["hostile"]["traps"]}


def test_every_trap_is_listed(sim: SimServer) -> None:
    assert set(_traps(sim)) == {"calendar", "query_growth", "redirect_loop", "redirect_chain", "huge", "gzip_bomb",
                                "malformed", "bad_bytes", "hang", "reset_all"}


async def test_calendar_and_query_traps_never_end(sim: SimServer) -> None:
    traps = _traps(sim)
    async with aiohttp.ClientSession() as session:
        url, seen = traps["calendar"], set()
        for _ in range(30):
            _, _, body = await fetch(session, url)
            nxt = [u for u in links_in(body.decode(), url) if "calendar?month=" in u]
            assert len(nxt) == 2  # previous and next month
            seen.add(url)
            url = nxt[1]
        assert len(seen) == 30 and url.endswith("month=2026-07")
        url = traps["query_growth"]
        for step in range(1, 6):
            _, _, body = await fetch(session, url)
            url = links_in(body.decode(), url)[0]
            assert url.count("q=a") == step + 1


async def test_redirect_loop_and_long_chain(sim: SimServer) -> None:
    traps = _traps(sim)
    async with aiohttp.ClientSession() as session:
        url, visited = traps["redirect_loop"], []
        for _ in range(4):
            status, headers, _ = await fetch(session, url)
            assert status == 302
            visited.append(url)
            url = str(aiohttp.client.URL(url).join(aiohttp.client.URL(headers["Location"])))
        assert visited[0] == visited[2] and visited[1] == visited[3] and visited[0] != visited[1]
        url, hops = traps["redirect_chain"], 0
        for _ in range(30):
            status, headers, _ = await fetch(session, url)
            if status != 302:
                break
            hops += 1
            url = str(aiohttp.client.URL(url).join(aiohttp.client.URL(headers["Location"])))
        assert status == 200 and hops > 10
        with pytest.raises(aiohttp.TooManyRedirects):
            async with session.get(traps["redirect_chain"], max_redirects=10):
                pass


async def test_huge_page_streams(sim: SimServer) -> None:
    url = _traps(sim)["huge"]
    async with aiohttp.ClientSession() as session:
        status, headers, body = await fetch(session, url, "HEAD")
        assert status == 200 and int(headers["Content-Length"]) >= 50 * 1024 * 1024 and body == b""
        async with session.get(url) as resp:
            received = 0
            async for chunk in resp.content.iter_chunked(65536):
                received += len(chunk)
                if received >= 1024 * 1024:
                    break
            assert received >= 1024 * 1024


async def test_gzip_bomb(sim: SimServer) -> None:
    url = _traps(sim)["gzip_bomb"]
    async with aiohttp.ClientSession(auto_decompress=False) as session:
        status, headers, body = await fetch(session, url)
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert len(body) < 200_000
    inflater, inflated, data = zlib.decompressobj(16 + zlib.MAX_WBITS), 0, body
    for _ in range(10_000):  # bounded: 1 MB per step
        out = inflater.decompress(data, 1 << 20)
        inflated += len(out)
        data = inflater.unconsumed_tail
        if not out and not data:
            break
    assert inflater.eof and inflated > 100 * 1024 * 1024


async def test_malformed_bad_bytes_hang_and_reset_all(sim: SimServer) -> None:
    traps = _traps(sim)
    async with aiohttp.ClientSession() as session:
        status, headers, body = await fetch(session, traps["malformed"])
        assert status == 200 and b"<<<div>>>" in body
        status, headers, body = await fetch(session, traps["bad_bytes"])
        assert status == 200 and "charset=utf-8" in headers["Content-Type"] and b'charset="utf-8"' in body
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        with pytest.raises(asyncio.TimeoutError):
            await fetch(session, traps["hang"], timeout=0.4)
    with pytest.raises(ConnectionResetError):
        raw_exchange(traps["reset_all"])
