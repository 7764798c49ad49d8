"""One availability visit: a GET of a URL with every phase timed.

A visit is a plain HTTP/1.1 exchange over a fresh connection (no keep-alive, no
DNS cache), written on asyncio streams so that each phase is measured, not
estimated: name resolution (``dns_ms``), TCP connect (``connect_ms``), the TLS
handshake (``tls_ms``, null for http), the first byte of the answer
(``first_byte_ms``, since the visit started) and the whole visit (``total_ms``).
Redirects are followed (each hop on a new connection; phase times add up).

The whole visit, body included, must finish within the timeout (the national
rule's 15 s); otherwise it is a ``timeout``. An answer with status >= 400 is a
failed visit (``http``). Certificates are not verified: whether a page opens is
availability, whether its certificate is valid is the security checks' concern
(an incomplete chain on a .gov.cn host is not an outage).

:func:`visit` adds the confirmation: a failed visit is probed again at once. The
visit still counts by its own result (failed); the re-probe is evidence of whether
the failure was sustained or transient (:func:`govwatch.core.windows.failure_kind`).
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from govwatch.core.clock import SHANGHAI
from govwatch.core.model import TEMPORARY_DNS, ErrorClass
from govwatch.core.urls import normalize_url
from govwatch.core.windows import FailureKind, failure_kind
from govwatch.crawl.fetcher import classify_exception
from govwatch.store.probes import Target

MAX_REDIRECTS = 10
MAX_HEADER_BYTES = 64 * 1024
_CHUNK = 64 * 1024
_REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})
_RESET_ERRNOS = frozenset({errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED})


@dataclass(slots=True)
class Visit:
    """The outcome of one visit (one row of the ``probes`` table)."""

    url: str
    at: str  # ISO time the visit started, Asia/Shanghai
    ok: bool  # the visit's own result: the page opened (a re-probe never changes it)
    status: int | None = None
    error: ErrorClass | None = None  # why the visit failed (None when it opened)
    error_detail: str = ""
    dns_ms: float | None = None
    connect_ms: float | None = None
    tls_ms: float | None = None
    first_byte_ms: float | None = None
    total_ms: float = 0.0
    bytes: int = 0
    final_url: str = ""
    confirmed_by: dict[str, Any] | None = None  # the re-probe of a failed visit: {at, ok, status, error, total_ms}

    @property
    def failure(self) -> FailureKind | None:
        """None when the page opened; else sustained / transient (what the re-probe showed) / unconfirmed."""
        return failure_kind({"ok": self.ok, "error": self.error, "confirmed_by": self.confirmed_by})

    def as_json(self) -> dict[str, Any]:
        """The visit as in the Probe JSON contract (``probes[]``)."""
        return {"at": self.at, "ok": self.ok, "status": self.status, "error": self.error,
                "error_detail": self.error_detail or None, "dns_ms": _r(self.dns_ms),
                "connect_ms": _r(self.connect_ms), "tls_ms": _r(self.tls_ms),
                "first_byte_ms": _r(self.first_byte_ms), "total_ms": _r(self.total_ms), "bytes": self.bytes,
                "final_url": self.final_url or self.url, "confirmed_by": self.confirmed_by}


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def now_shanghai() -> str:
    """The current time as ISO 8601 in Asia/Shanghai, to the millisecond."""
    return datetime.now(SHANGHAI).isoformat(timespec="milliseconds")


class _ProbeFailure(Exception):
    """A failure already classified."""

    def __init__(self, error: ErrorClass, detail: str) -> None:
        super().__init__(detail)
        self.error = error
        self.detail = detail


class _Meter:
    """Phase timings of one visit (durations in ms, added up over redirect hops)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.phase = "dns"
        self.dns = 0.0
        self.connect = 0.0
        self.tls: float | None = None
        self.first_byte: float | None = None
        self.reached: set[str] = set()

    def since_start(self) -> float:
        return (time.perf_counter() - self.started) * 1000


@cache
def _ssl_context() -> ssl.SSLContext:
    """One client context for every visit: no certificate verification (see the module docstring)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def _resolve(host: str, port: int, meter: _Meter) -> list[tuple[Any, ...]]:
    """Resolve ``host`` (no cache: every visit asks the system resolver; an IP address needs no lookup)."""
    meter.phase = "dns"
    meter.reached.add("dns")
    if _is_ip(host):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 0, "", (host.strip("[]"), port))]
    started = time.perf_counter()
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        detail = f"cannot resolve {host}: {exc.strerror or exc}"
        if exc.errno == socket.EAI_AGAIN:
            detail = f"{TEMPORARY_DNS}: {detail}"
        raise _ProbeFailure("dns", detail) from None
    finally:
        meter.dns += (time.perf_counter() - started) * 1000
    if not infos:
        raise _ProbeFailure("dns", f"no address for {host}")
    return infos


async def _connect(infos: list[tuple[Any, ...]], meter: _Meter) -> socket.socket:
    """Connect to the first address that accepts (tried in the resolver's order)."""
    meter.phase = "connect"
    meter.reached.add("connect")
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    last: OSError | None = None
    try:
        for family, type_, proto, _name, address in infos:
            sock = socket.socket(family, type_, proto)
            sock.setblocking(False)
            try:
                await loop.sock_connect(sock, address)
                return sock
            except OSError as exc:
                sock.close()
                last = exc
            except BaseException:
                sock.close()
                raise
    finally:
        meter.connect += (time.perf_counter() - started) * 1000
    assert last is not None
    if getattr(last, "errno", None) in _RESET_ERRNOS:
        raise _ProbeFailure("reset", f"{type(last).__name__}: {last}")
    raise _ProbeFailure("connect", f"{type(last).__name__}: {last}")


def _request(parts: Any, user_agent: str) -> bytes:
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    lines = [f"GET {path} HTTP/1.1", f"Host: {parts.netloc}", f"User-Agent: {user_agent}",
             "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
             "Accept-Language: zh-CN,zh;q=0.9", "Accept-Encoding: gzip, deflate", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1")


def _parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    """Status and headers (lower-cased names) of an answer's head."""
    lines = head.decode("latin-1").split("\r\n")
    fields = lines[0].split(" ", 2)
    if len(fields) < 2 or not fields[0].startswith("HTTP/") or not fields[1].isdigit():
        raise _ProbeFailure("other", f"malformed HTTP answer: {lines[0][:80]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return int(fields[1]), headers


async def _consume(reader: asyncio.StreamReader, n: int) -> None:
    """Read and discard exactly ``n`` bytes."""
    while n > 0:
        data = await reader.read(min(_CHUNK, n))
        if not data:
            raise _ProbeFailure("reset", "connection closed before the body was complete")
        n -= len(data)


async def _read_body(reader: asyncio.StreamReader, status: int, headers: dict[str, str], max_bytes: int) -> int:
    """Read the body (at most ``max_bytes``, as transferred); returns the bytes read."""
    if status in (204, 304):
        return 0
    if "chunked" in headers.get("transfer-encoding", "").lower():
        total = 0
        while total < max_bytes:
            line = await reader.readline()
            if not line.endswith(b"\n"):
                raise _ProbeFailure("reset", "connection closed inside a chunked body")
            try:
                size = int(line.split(b";", 1)[0].strip() or b"x", 16)
            except ValueError:
                raise _ProbeFailure("other", f"malformed chunk size {line[:40]!r}") from None
            if size == 0:
                return total
            take = min(size, max_bytes - total)
            await _consume(reader, take)
            total += take
            if take < size:
                return total
            await _consume(reader, 2)
        return total
    length = headers.get("content-length")
    if length is not None and length.isdigit():
        take = min(int(length), max_bytes)
        await _consume(reader, take)
        return take
    total = 0
    while total < max_bytes:
        data = await reader.read(min(_CHUNK, max_bytes - total))
        if not data:
            break
        total += len(data)
    return total


async def _hop(url: str, meter: _Meter, *, max_bytes: int, user_agent: str) -> tuple[int, dict[str, str], int]:
    """One request on a new connection: (status, headers, body bytes)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    tls = parts.scheme == "https"
    port = parts.port or (443 if tls else 80)
    infos = await _resolve(host, port, meter)
    sock = await _connect(infos, meter)
    try:
        reader, writer = await asyncio.open_connection(sock=sock, limit=MAX_HEADER_BYTES)
    except BaseException:
        sock.close()
        raise
    try:
        if tls:
            meter.phase = "tls"
            meter.reached.add("tls")
            started = time.perf_counter()
            try:
                await writer.start_tls(_ssl_context(), server_hostname=None if _is_ip(host) else host)
            finally:
                meter.tls = (meter.tls or 0.0) + (time.perf_counter() - started) * 1000
        meter.phase = "request"
        writer.write(_request(parts, user_agent))
        await writer.drain()
        meter.phase = "first byte"
        first = await reader.read(1)
        if not first:
            raise _ProbeFailure("reset", "connection closed without an answer")
        meter.first_byte = meter.since_start()
        meter.phase = "headers"
        head = first + await reader.readuntil(b"\r\n\r\n")
        status, headers = _parse_head(head[:-4])
        while 100 <= status < 200 and status != 101:  # interim answers (100 Continue, 103 Early Hints)
            head = await reader.readuntil(b"\r\n\r\n")
            status, headers = _parse_head(head[:-4])
        meter.phase = "body"
        size = 0
        if status not in _REDIRECT_STATUS:
            size = await _read_body(reader, status, headers, max_bytes)
        return status, headers, size
    finally:
        writer.transport.abort()


def _classify(exc: BaseException, phase: str) -> tuple[ErrorClass, str]:
    """The error class of an exception raised during ``phase``."""
    detail = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    if isinstance(exc, asyncio.LimitOverrunError):
        return "other", f"answer head larger than {MAX_HEADER_BYTES} bytes"
    if isinstance(exc, asyncio.IncompleteReadError):
        return ("tls" if phase == "tls" else "reset"), f"connection closed during {phase}"
    if phase == "tls" and not isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
        return "tls", detail
    if isinstance(exc, ssl.SSLError):
        return "tls", detail
    if isinstance(exc, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)) or (
            isinstance(exc, OSError) and exc.errno in _RESET_ERRNOS):
        return "reset", detail
    return classify_exception(exc)


async def probe_once(url: str, *, timeout: float, max_bytes: int, user_agent: str,
                     max_redirects: int = MAX_REDIRECTS) -> Visit:
    """One attempt (no confirmation): never raises for a network failure."""
    at = now_shanghai()
    meter = _Meter()
    status: int | None = None
    error: ErrorClass | None = None
    detail = ""
    size = 0
    current = url
    seen = {url}
    try:
        async with asyncio.timeout(timeout):
            for _hop_no in range(max_redirects + 1):
                status, headers, size = await _hop(current, meter, max_bytes=max_bytes, user_agent=user_agent)
                location = headers.get("location")
                if status not in _REDIRECT_STATUS or not location:
                    break
                target = normalize_url(location, current)
                if target is None:
                    error, detail = "invalid_url", f"redirect to an unusable location {location!r}"
                    break
                if target in seen:
                    error, detail = "redirect_loop", f"redirect loop at {target}"
                    break
                seen.add(target)
                current = target
            else:
                error, detail = "too_many_redirects", f"more than {max_redirects} redirects"
    except TimeoutError:
        error, detail = "timeout", f"page not open within {timeout:g} s (waiting for {meter.phase})"
    except _ProbeFailure as exc:
        error, detail = exc.error, exc.detail
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - every failure becomes data
        error, detail = _classify(exc, meter.phase)
    if error is None and status is not None and status >= 400:
        error, detail = "http", f"HTTP {status}"
    return Visit(
        url=url, at=at, ok=error is None, status=status, error=error, error_detail=detail,
        dns_ms=meter.dns if "dns" in meter.reached else None,
        connect_ms=meter.connect if "connect" in meter.reached else None,
        tls_ms=meter.tls, first_byte_ms=meter.first_byte, total_ms=meter.since_start(), bytes=size,
        final_url=current)


async def visit(url: str, *, timeout: float, max_bytes: int, user_agent: str, confirm: bool = True) -> Visit:
    """One visit: an attempt and, when it failed and ``confirm`` is on, one immediate re-probe.

    The visit counts by its own attempt: a failed attempt is a failed visit whatever
    the re-probe shows. The re-probe is kept in ``confirmed_by`` as evidence
    (sustained or transient failure) and is not a visit of its own.
    """
    first = await probe_once(url, timeout=timeout, max_bytes=max_bytes, user_agent=user_agent)
    if first.ok or not confirm:
        return first
    again = await probe_once(url, timeout=timeout, max_bytes=max_bytes, user_agent=user_agent)
    first.confirmed_by = {"at": again.at, "ok": again.ok, "status": again.status, "error": again.error,
                          "total_ms": round(again.total_ms, 3)}
    if again.error_detail and not again.ok:
        first.confirmed_by["error_detail"] = again.error_detail
    return first


def visit_row(target: Target, visit: Visit, timeout_s: float) -> dict[str, Any]:
    """The ``probes`` row of one visit."""
    return {"site_id": target.site_id, "target_kind": target.kind, "url": target.url, "at": visit.at,
            "ok": visit.ok, "status": visit.status, "error": visit.error,
            "error_detail": visit.error_detail or None, "dns_ms": visit.dns_ms, "connect_ms": visit.connect_ms,
            "tls_ms": visit.tls_ms, "first_byte_ms": visit.first_byte_ms, "total_ms": visit.total_ms,
            "bytes": visit.bytes, "timeout_s": timeout_s, "confirmed_by": visit.confirmed_by}
