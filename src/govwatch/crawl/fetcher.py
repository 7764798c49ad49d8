"""One HTTP exchange, with redirects, limits, retries and error classes.

Every call returns a :class:`FetchResult`; nothing raises. Redirects are
followed by hand so loops and long chains are recorded; bodies are read in
chunks up to a limit (decompressed size, so gzip bombs stop at the limit).
"""

from __future__ import annotations

import asyncio
import errno
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from govwatch.core.model import TEMPORARY_DNS, ErrorClass, FetchResult
from govwatch.core.settings import CrawlSettings
from govwatch.core.urls import normalize_url
from govwatch.crawl.address_guard import AddressGuard
from govwatch.crawl.curl import CurlSession, TransferError
from govwatch.crawl.politeness import HostLimiter, parse_retry_after

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
RETRYABLE_ERRORS = frozenset({"reset", "connect", "timeout"})
DOWN_AFTER = 3  # connection failures in a row (each after its retries) before a host counts as down


@dataclass(slots=True)
class FetchPolicy:
    """Limits for one fetch (from CrawlSettings)."""

    timeout: float
    connect_timeout: float
    max_bytes: int
    max_redirects: int
    retries: int
    timeout_retries: int
    backoff: float
    max_retry_after: float

    @classmethod
    def from_settings(cls, c: CrawlSettings) -> FetchPolicy:
        return cls(timeout=c.timeout, connect_timeout=c.connect_timeout, max_bytes=c.max_bytes,
                   max_redirects=c.max_redirects, retries=c.retries, timeout_retries=c.timeout_retries,
                   backoff=c.backoff, max_retry_after=c.max_retry_after)


def classify_exception(exc: BaseException) -> tuple[ErrorClass, str]:
    """Map an exception from the crawl transport, aiohttp or the OS to an error class and a readable detail."""
    if isinstance(exc, TransferError):
        return exc.error_class, exc.detail
    detail = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    if isinstance(exc, TimeoutError):  # asyncio's and aiohttp's timeouts are TimeoutErrors too
        return "timeout", "no complete answer within the time limit"
    import aiohttp  # here, not at the top: the crawl (libcurl) never needs it, the probes do

    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        if isinstance(exc.os_error, socket.gaierror) and exc.os_error.errno == socket.EAI_AGAIN:
            return "dns", f"{TEMPORARY_DNS}: {detail}"
        return "dns", detail
    if isinstance(exc, (aiohttp.ClientConnectorCertificateError, aiohttp.ClientSSLError, ssl.SSLError)):
        return "tls", detail
    if isinstance(exc, aiohttp.ClientConnectorError):
        os_error = exc.os_error
        if isinstance(os_error, socket.gaierror):
            return "dns", detail
        if getattr(os_error, "errno", None) == errno.ECONNRESET:
            return "reset", detail
        return "connect", detail
    if isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError,
                        ConnectionResetError, aiohttp.ClientConnectionResetError)):
        return "reset", detail
    if isinstance(exc, aiohttp.ClientOSError):
        if exc.errno in (errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED):
            return "reset", detail
        return "connect", detail
    if isinstance(exc, (aiohttp.InvalidURL, ValueError, UnicodeError)):
        return "invalid_url", detail
    if isinstance(exc, aiohttp.ClientResponseError):
        return "http", detail
    return "other", detail


class Fetcher:
    """Fetches URLs through one crawl transport session, with per-host politeness."""

    def __init__(self, session: CurlSession, limiter: HostLimiter, policy: FetchPolicy) -> None:
        self.session = session
        self.limiter = limiter
        self.policy = policy
        self._refused: dict[str, int] = {}  # host -> connection failures in a row, each after its retries

    def host_down(self, url: str) -> bool:
        """Whether the host of ``url`` refused the last few connections (their retries included):
        its further URLs get one attempt each, not the full retries (a dead external host linked
        from every page would otherwise hold the crawl in back-off sleeps)."""
        return self._refused.get(urlsplit(url).netloc, 0) >= DOWN_AFTER

    async def fetch(self, url: str, *, method: str = "GET", read_body: bool = True,
                    max_bytes: int | None = None) -> FetchResult:
        """Fetch with retries for transient failures; honours Retry-After."""
        attempt = 0
        timeouts = 0
        down = self.host_down(url)
        while True:
            attempt += 1
            result = await self._fetch_once(url, method=method, read_body=read_body,
                                            max_bytes=max_bytes or self.policy.max_bytes)
            result.attempts = attempt
            delay = None if down else self._retry_delay(result, attempt, timeouts)
            if delay is None:
                self._note_host(url, result, down)
                return result
            if result.error == "timeout":
                timeouts += 1
            await asyncio.sleep(delay)

    def _note_host(self, url: str, result: FetchResult, down: bool) -> None:
        host = urlsplit(url).netloc
        if result.error == "connect":
            self._refused[host] = self._refused.get(host, 0) + 1
            if down:
                result.error_detail = (f"{result.error_detail} (host refused {self._refused[host] - 1} "
                                       "connections before: tried once, without retries)")
        else:
            self._refused.pop(host, None)

    def _retry_delay(self, result: FetchResult, attempt: int, timeouts: int) -> float | None:
        """Seconds to wait before retrying, or None when the result is final."""
        p = self.policy
        if result.error == "timeout":
            return p.backoff if timeouts < p.timeout_retries else None
        transient = result.error in RETRYABLE_ERRORS or (result.error is None and result.status in RETRYABLE_STATUS)
        if not transient or attempt > p.retries:
            return None
        backoff = p.backoff * (2 ** (attempt - 1))
        retry_after = parse_retry_after(result.headers.get("retry-after"))
        if retry_after is not None:
            if retry_after > p.max_retry_after:
                return None
            return max(backoff, retry_after)
        return backoff

    async def _fetch_once(self, url: str, *, method: str, read_body: bool, max_bytes: int) -> FetchResult:
        """One attempt, following redirects by hand.

        The time limit covers the requests themselves, redirects included, but not
        the wait for a politeness slot: a throttled crawl must not report timeouts.
        """
        redirects: list[str] = []
        current = url
        p = self.policy
        spent = 0.0  # seconds of actual request time so far
        started: float | None = None
        while True:
            host = urlsplit(current).hostname or ""
            hop_started = time.perf_counter()
            try:
                async with self.limiter.slot(host):
                    hop_started = time.perf_counter()
                    if started is None:
                        started = hop_started
                    remaining = p.timeout - spent
                    if remaining <= 0:
                        raise TimeoutError()
                    reply = await self.session.request(
                        method, current, timeout=remaining, connect_timeout=p.connect_timeout,
                        max_bytes=max_bytes, read_body=read_body)
                assert started is not None
                first_byte = (hop_started - started + reply.first_byte_s) * 1000
                status, headers = reply.status, reply.headers
                if status in (429, 503):
                    self.limiter.pause(host, parse_retry_after(headers.get("retry-after")))
                location = headers.get("location")
                if 300 <= status < 400 and location:
                    target = normalize_url(location, current)
                    problem = self._redirect_problem(url, target, location, redirects)
                    if problem is not None:
                        redirect_error, detail = problem
                        return self._result(url, target or current, method, status, redirect_error, detail,
                                            headers, b"", started, first_byte, redirects)
                    assert target is not None
                    redirects.append(target)
                    current = target
                    spent += time.perf_counter() - hop_started
                    continue
                error: ErrorClass | None = None
                detail = ""
                if reply.too_large:
                    error = "too_large"
                    detail = (f"body larger than the {max_bytes}-byte limit; first {len(reply.body)} bytes kept"
                              if reply.body else f"Content-Length {headers.get('content-length')} exceeds the "
                                                 f"{max_bytes}-byte limit; not read")
                return self._result(url, current, method, status, error, detail, headers, reply.body,
                                    started, first_byte, redirects)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - every failure becomes data
                error_class, detail = classify_exception(exc)
                return self._result(url, current, method, None, error_class, detail, {}, b"",
                                    started if started is not None else hop_started, None, redirects)

    def _redirect_problem(self, url: str, target: str | None, location: str,
                          redirects: list[str]) -> tuple[ErrorClass, str] | None:
        """Why a redirect to ``target`` must not be followed, or None."""
        if target is None:
            return "invalid_url", f"redirect to an unusable location {location!r}"
        if target == url or target in redirects:
            return "redirect_loop", "redirect loop: " + " -> ".join([url, *redirects, target])
        if len(redirects) >= self.policy.max_redirects:
            return "too_many_redirects", f"more than {self.policy.max_redirects} redirects"
        return None

    @staticmethod
    def _result(url: str, final_url: str, method: str, status: int | None, error: ErrorClass | None,
                detail: str, headers: dict[str, str], body: bytes, started: float,
                first_byte: float | None, redirects: list[str]) -> FetchResult:
        return FetchResult(
            url=url, final_url=final_url, method=method, status=status, error=error, error_detail=detail,
            content_type=headers.get("content-type", ""), headers=headers, body=body,
            elapsed_ms=(time.perf_counter() - started) * 1000, first_byte_ms=first_byte,
            redirects=list(redirects),
        )


async def check_resource(fetcher: Fetcher, url: str, *, keep_body: bool = False,
                         max_bytes: int | None = None) -> FetchResult:
    """Check a link target that is not crawled: HEAD, falling back to GET.

    Many servers answer HEAD wrongly (405, 403, 404, 501) or drop it; a link is
    judged by GET whenever HEAD did not give a success. With ``keep_body`` the
    GET is made directly and the body kept (attachments later scanned).
    """
    if keep_body:
        return await fetcher.fetch(url, method="GET", max_bytes=max_bytes)
    head = await fetcher.fetch(url, method="HEAD", read_body=False)
    if head.error is None and head.status is not None and 200 <= head.status < 300:
        return head
    if head.error == "connect":  # no connection at all (retries included): a GET cannot fare better
        return head
    get = await fetcher.fetch(url, method="GET", max_bytes=64 * 1024)
    if get.error == "too_large":  # the resource exists; we only read its start
        get.error, get.error_detail = None, ""
    get.attempts += head.attempts
    get.body = b""
    return get


def make_session(*, user_agent: str, concurrency: int, guard: AddressGuard | None = None) -> CurlSession:
    """A transport session for crawling (call inside the running loop): keep-alive, a DNS cache,
    cookies kept in memory for this crawl only; ``guard`` limits the addresses it may reach."""
    return CurlSession(user_agent=user_agent, concurrency=concurrency, guard=guard,
                       headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
                                "Accept-Language": "zh-CN,zh;q=0.9"})
