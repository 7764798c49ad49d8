"""Constants and helpers of the simulator tests (imported by conftest and test modules)."""

from __future__ import annotations

import html
import re
import socket
from dataclasses import replace
from datetime import date

import aiohttp
from govwatch.sim import SimOptions, default_sites
from govwatch.urls import normalize_url

AS_OF = date(2026, 11, 22)
SLOW = 1.2  # slow_seconds in tests: longer than CLIENT_TIMEOUT
SLOW_OK = 0.05
CLIENT_TIMEOUT = 0.6
FAMILY_SITES = ("trs", "jcms", "legacy", "fgw", "jyj")
# The default portfolio, small, except the jcms site: big enough for several dataproxy groups.
SITES = tuple(replace(s, pages=300) if s.id == "jcms" else s for s in default_sites())
OPTIONS = SimOptions(seed=7, as_of=AS_OF, site_pages=120, slow_seconds=SLOW, slow_ok_seconds=SLOW_OK, sites=SITES)

_ATTR = re.compile(r"""(?:href|src)\s*=\s*"([^"]*)\"""")
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def links_in(text: str, base: str) -> list[str]:
    """Normalised targets of every href/src attribute (also inside XML CDATA records)."""
    out = []
    for raw in _ATTR.findall(text):
        url = normalize_url(html.unescape(raw), base)
        if url is not None:
            out.append(url)
    return out


def title_of(text: str) -> str:
    m = _TITLE.search(text)
    return m.group(1).strip() if m else ""


async def fetch(session: aiohttp.ClientSession, url: str, method: str = "GET", timeout: float = 5.0,
                **kwargs: object) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of one request, without following redirects."""
    async with session.request(method, url, allow_redirects=False,
                               timeout=aiohttp.ClientTimeout(total=timeout), **kwargs) as resp:
        return resp.status, dict(resp.headers), await resp.read()


def raw_exchange(url: str, timeout: float = 3.0) -> bytes:
    """Send a bare GET over a plain socket; returns what came back (raises on reset/refusal)."""
    rest = url.split("://", 1)[1]
    hostport, _, path = rest.partition("/")
    host, port = hostport.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        for _ in range(1000):  # bounded read loop
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        return data
