"""Network plumbing shared by the site measurements: name resolution, TLS contexts, HTTP sessions.

Names are resolved through ``security.hosts`` first (``name=address`` pairs, like curl's
``--resolve``: a staging host, or loopback in tests), then the system resolver. Page
fetches use aiohttp like the crawler, follow redirects by hand (so an offline run never
leaves the site or loopback) and read bodies up to a limit. Nothing here raises for a
network failure: callers get an error text.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

from govwatch.core.urls import normalize_url
from govwatch.crawl.fetcher import classify_exception

MAX_BODY = 2 * 1024 * 1024  # bytes of a page read by a probe
MAX_REDIRECTS = 5


def verifying_context(ca_file: str = "", extra: str | None = None) -> ssl.SSLContext:
    """A context that verifies like a browser: system CAs (and ``SSL_CERT_FILE``), plus
    ``ca_file`` and ``extra`` PEM certificates (an intermediate fetched from AIA) when given."""
    ctx = ssl.create_default_context()
    if ca_file:
        ctx.load_verify_locations(cafile=ca_file)
    if extra:
        ctx.load_verify_locations(cadata=extra)
    return ctx


def unverified_context() -> ssl.SSLContext:
    """A context that accepts any certificate (to read it, or to fetch a page whatever its certificate)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class Resolver:
    """Addresses of a host: ``security.hosts`` first, then the system resolver."""

    def __init__(self, hosts: dict[str, list[str]] | None = None) -> None:
        self.hosts = hosts or {}

    async def addresses(self, host: str, port: int, family: socket.AddressFamily = socket.AF_UNSPEC) -> list[str]:
        """IP addresses of ``host`` for ``family`` (AF_INET, AF_INET6 or both); raises
        ``socket.gaierror`` when the name has none."""
        host = host.lower().strip("[]")
        wanted = {socket.AF_INET: 4, socket.AF_INET6: 6}.get(family)
        if is_ip(host):
            candidates = [host]
        elif host in self.hosts:
            candidates = list(self.hosts[host])
        else:
            loop = asyncio.get_running_loop()
            infos = await loop.getaddrinfo(host, port, family=family, type=socket.SOCK_STREAM)
            candidates = list(dict.fromkeys(str(info[4][0]) for info in infos))
        found = []
        for address in candidates:
            ip = ipaddress.ip_address(address)
            if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
                continue  # an IPv4 address in IPv6 form is no IPv6 support
            if wanted is None or ip.version == wanted:
                found.append(address)
        if not found:
            raise socket.gaierror(socket.EAI_NODATA, f"no {'IPv' + str(wanted) + ' ' if wanted else ''}address "
                                                     f"for {host}")
        return found


class _AiohttpResolver(AbstractResolver):
    """:class:`Resolver` for aiohttp connectors (names in ``security.hosts`` never reach DNS)."""

    def __init__(self, resolver: Resolver) -> None:
        self._resolver = resolver
        self._default = DefaultResolver()

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
                      ) -> list[ResolveResult]:
        if host.lower() not in self._resolver.hosts:
            return await self._default.resolve(host, port, family)
        addresses = await self._resolver.addresses(host, port, family)
        return [ResolveResult(hostname=host, host=a, port=port, proto=0, flags=socket.AI_NUMERICHOST,
                              family=socket.AF_INET6 if ":" in a else socket.AF_INET) for a in addresses]

    async def close(self) -> None:
        await self._default.close()


def make_session(resolver: Resolver, *, user_agent: str,
                 family: socket.AddressFamily = socket.AF_UNSPEC) -> aiohttp.ClientSession:
    """A short-lived session for probe requests: no keep-alive, no cookies, certificates not
    verified (the TLS probe judges them; here only the answer matters)."""
    connector = aiohttp.TCPConnector(limit=8, force_close=True, family=family, ssl=False,
                                     resolver=_AiohttpResolver(resolver))
    return aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=True,
        headers={"User-Agent": user_agent, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
                 "Accept-Language": "zh-CN,zh;q=0.9"})


@dataclass(slots=True)
class Page:
    """One probe GET: where it ended and what it read (``error`` set when it failed)."""

    url: str
    final_url: str
    status: int | None = None
    content_type: str = ""
    body: bytes = b""
    redirects: tuple[str, ...] = ()
    error: str | None = None
    not_followed: str | None = None  # a redirect target the network policy kept us from fetching

    def summary(self) -> dict[str, Any]:
        return {"url": self.url, "final_url": self.final_url, "status": self.status, "error": self.error,
                "redirects": list(self.redirects), "not_followed": self.not_followed}


async def get_page(session: aiohttp.ClientSession, url: str, *, timeout: float,
                   allowed: Callable[[str], bool] = lambda _url: True, max_bytes: int = MAX_BODY) -> Page:
    """GET ``url``, following up to :data:`MAX_REDIRECTS` redirects to URLs ``allowed`` lets us fetch."""
    current = url
    redirects: list[str] = []
    try:
        while True:
            async with session.get(URL(current, encoded=True), allow_redirects=False,
                                   timeout=aiohttp.ClientTimeout(total=timeout, connect=timeout)) as resp:
                location = resp.headers.get("location")
                if 300 <= resp.status < 400 and location and len(redirects) < MAX_REDIRECTS:
                    target = normalize_url(location, current)
                    if target is not None and target != current and target not in redirects:
                        if not allowed(target):
                            return Page(url, current, resp.status, redirects=tuple(redirects), not_followed=target)
                        redirects.append(target)
                        current = target
                        continue
                body = bytearray()
                async for chunk in resp.content.iter_chunked(64 * 1024):
                    body += chunk[: max_bytes - len(body)]
                    if len(body) >= max_bytes:
                        break
                return Page(url, current, resp.status, resp.headers.get("content-type", ""), bytes(body),
                            tuple(redirects))
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - a failed request is data
        error_class, detail = classify_exception(exc)
        return Page(url, current, redirects=tuple(redirects), error=f"{error_class}: {detail}")
