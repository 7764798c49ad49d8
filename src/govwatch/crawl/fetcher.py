"""One HTTP exchange, with redirects, limits, retries and error classes.

Every call returns a :class:`FetchResult`; nothing raises. Redirects are
followed by hand so loops and long chains are recorded (a redirect back to a URL
already requested is a loop only if no cookie was set since: ``/`` → ``/verify``
setting a cookie → ``/`` is a WAF's check, followed with the cookie); bodies are
read up to a limit (decompressed size, so gzip bombs stop at the limit).

Per host the fetcher remembers two things: connections refused or timed out in a
row (after ``crawl.dead_host_after`` of them the host gets one attempt per URL),
and a Retry-After beyond ``crawl.max_retry_after`` (the host's crawl ends: its
further URLs are ``rate_limited``, not fetched, never waited for). The seed URL
is retried patiently, with backoff, for ``crawl.seed_retry_seconds``.
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
RETRYABLE_ERRORS = frozenset({"reset", "connect", "timeout", "connect_timeout"})
_TIMEOUTS = frozenset({"timeout", "connect_timeout"})  # retried ``timeout_retries`` times, not ``retries``
_NO_CONNECTION = frozenset({"connect", "connect_timeout"})  # the host never answered: counts towards dead
DOWN_AFTER = CrawlSettings().dead_host_after  # the default of connection failures before a host is dead
SEED_MIN_WAIT = 0.1  # seconds: the first wait between seed attempts, even with ``backoff`` 0
SEED_MAX_WAIT = 8.0  # seconds: the longest wait between two seed attempts


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
    seed_retry_seconds: float = 0.0
    dead_host_after: int = DOWN_AFTER

    @classmethod
    def from_settings(cls, c: CrawlSettings) -> FetchPolicy:
        return cls(timeout=c.timeout, connect_timeout=c.connect_timeout, max_bytes=c.max_bytes,
                   max_redirects=c.max_redirects, retries=c.retries, timeout_retries=c.timeout_retries,
                   backoff=c.backoff, max_retry_after=c.max_retry_after, seed_retry_seconds=c.seed_retry_seconds,
                   dead_host_after=c.dead_host_after)


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


class _HostStopped(Exception):
    """The crawl of a request's host ended (a Retry-After beyond the cap) before the request started."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def _not_fetched(url: str, why: str) -> FetchResult:
    """The result of a URL on a host whose crawl ended: ``rate_limited``, never requested."""
    return FetchResult(url=url, final_url=url, method="NONE", status=None, error="rate_limited",
                       error_detail=f"not fetched: {why}", content_type="", headers={}, body=b"",
                       elapsed_ms=0.0, attempts=0)


class Fetcher:
    """Fetches URLs through one crawl transport session, with per-host politeness."""

    def __init__(self, session: CurlSession, limiter: HostLimiter, policy: FetchPolicy) -> None:
        self.session = session
        self.limiter = limiter
        self.policy = policy
        self._refused: dict[str, int] = {}  # host -> connections refused or timed out in a row, after retries
        self._rate_limited: dict[str, str] = {}  # host -> why its crawl ended (a Retry-After beyond the cap)

    def host_down(self, url: str) -> bool:
        """Whether the host of ``url`` refused or timed out the last few connections (their retries
        included): its further URLs get one attempt each, not the full retries (a dead external host
        linked from every page would otherwise hold the crawl in back-off sleeps and timeouts)."""
        return self._refused.get(urlsplit(url).netloc, 0) >= self.policy.dead_host_after

    def rate_limited(self, url: str) -> str | None:
        """Why the crawl of ``url``'s host ended (it asked for a pause beyond the cap), or None."""
        return self._rate_limited.get(urlsplit(url).netloc)

    async def fetch(self, url: str, *, method: str = "GET", read_body: bool = True,
                    max_bytes: int | None = None, patient: bool = False, read_head: bool = False) -> FetchResult:
        """Fetch with retries for transient failures; honours Retry-After. ``patient``: the seed,
        retried with backoff for ``seed_retry_seconds``; ``read_head``: see :meth:`CurlSession.request`."""
        attempt = 0
        timeouts = 0
        counted = False  # this URL's connection failure is counted towards the host's
        first = time.monotonic()
        while True:
            attempt += 1
            try:
                result = await self._fetch_once(url, method=method, read_body=read_body,
                                                max_bytes=max_bytes or self.policy.max_bytes, read_head=read_head)
            except _HostStopped as stopped:
                return _not_fetched(url, stopped.why)
            result.attempts = attempt
            counted = self._note_host(url, result, counted)
            # dead: so many *other* URLs of the host failed to connect in a row (this one's own retries
            # do not count: the first URLs of a host get their full retries)
            down = self._refused.get(urlsplit(url).netloc, 0) - counted >= self.policy.dead_host_after
            delay = None
            if not down:
                delay = self._retry_delay(result, attempt, timeouts)
                if patient and _transient(result):
                    delay = self._seed_delay(result, attempt, time.monotonic() - first, delay)
            if delay is None:
                if down and result.error in _NO_CONNECTION:
                    what = "refused" if result.error == "connect" else "timed out on"
                    tried = "tried once without retries" if attempt == 1 else "no further retries"
                    result.error_detail = (f"host dead: it {what} the connections of "
                                           f"{self._refused[urlsplit(url).netloc] - counted} other URLs in a row, "
                                           f"{tried}; {result.error_detail}")
                return result
            if result.error in _TIMEOUTS:
                timeouts += 1
            await asyncio.sleep(delay)

    def _note_host(self, url: str, result: FetchResult, counted: bool) -> bool:
        """Count a URL whose connection failed (once per URL) towards its host's failures in a row;
        any answer resets them. Returns whether ``url`` is counted now."""
        host = urlsplit(url).netloc
        if result.error not in _NO_CONNECTION:
            self._refused.pop(host, None)
            return False
        if not counted:
            self._refused[host] = self._refused.get(host, 0) + 1
        return True

    def _retry_delay(self, result: FetchResult, attempt: int, timeouts: int) -> float | None:
        """Seconds to wait before retrying, or None when the result is final."""
        p = self.policy
        if result.error in _TIMEOUTS:
            return p.backoff if timeouts < p.timeout_retries else None
        if not _transient(result) or attempt > p.retries:
            return None
        backoff = p.backoff * (2 ** (attempt - 1))
        retry_after = parse_retry_after(result.headers.get("retry-after"))
        if retry_after is not None:
            return max(backoff, retry_after)  # one beyond the cap made the result rate_limited
        return backoff

    def _seed_delay(self, result: FetchResult, attempt: int, elapsed: float, usual: float | None) -> float | None:
        """The seed's wait before its next attempt: backoff doubling from ``backoff`` up to
        :data:`SEED_MAX_WAIT` (or the server's Retry-After) while the next attempt still starts within
        ``seed_retry_seconds``; past the window, the usual retries (``usual``)."""
        p = self.policy
        delay = min(max(p.backoff, SEED_MIN_WAIT) * (2 ** (attempt - 1)), SEED_MAX_WAIT)
        retry_after = parse_retry_after(result.headers.get("retry-after"))
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay if elapsed + delay <= p.seed_retry_seconds else usual

    async def _fetch_once(self, url: str, *, method: str, read_body: bool, max_bytes: int,
                          read_head: bool) -> FetchResult:
        """One attempt, following redirects by hand.

        The time limit covers the requests themselves, redirects included, but not
        the wait for a politeness slot: a throttled crawl must not report timeouts.
        """
        redirects: list[str] = []
        current = url
        p = self.policy
        spent = 0.0  # seconds of actual request time so far
        started: float | None = None
        cookies_set = 0  # answers of this chain that set a cookie
        requested = {url: 0}  # URL of the chain -> cookies set before it was last requested
        while True:
            host = urlsplit(current).hostname or ""
            hop_started = time.perf_counter()
            try:
                async with self.limiter.slot(host):
                    if (why := self.rate_limited(current)) is not None:  # ended while this waited its turn
                        raise _HostStopped(why)
                    hop_started = time.perf_counter()
                    if started is None:
                        started = hop_started
                    remaining = p.timeout - spent
                    if remaining <= 0:
                        raise TimeoutError()
                    reply = await self.session.request(
                        method, current, timeout=remaining, connect_timeout=p.connect_timeout,
                        max_bytes=max_bytes, read_body=read_body, read_head=read_head)
                assert started is not None
                first_byte = (hop_started - started + reply.first_byte_s) * 1000
                status, headers = reply.status, reply.headers
                cookies_set += reply.sets_cookie
                if status in (429, 503):
                    retry_after = parse_retry_after(headers.get("retry-after"))
                    if retry_after is not None and retry_after > p.max_retry_after:
                        why = (f"rate limited: HTTP {status} with Retry-After {retry_after:.0f} s, beyond "
                               f"crawl.max_retry_after ({p.max_retry_after:g} s): the crawl of {urlsplit(current).netloc}"
                               " ends here")
                        self._rate_limited.setdefault(urlsplit(current).netloc, why)
                        return self._result(url, current, method, status, "rate_limited", why, headers, b"",
                                            started, first_byte, redirects)
                    self.limiter.pause(host, retry_after)
                location = headers.get("location")
                if 300 <= status < 400 and location:
                    target = normalize_url(location, current)
                    unchanged = target is not None and requested.get(target) == cookies_set
                    problem = self._redirect_problem(url, target, location, redirects, unchanged)
                    if problem is not None:
                        redirect_error, detail = problem
                        return self._result(url, target or current, method, status, redirect_error, detail,
                                            headers, b"", started, first_byte, redirects)
                    assert target is not None
                    redirects.append(target)
                    requested[target] = cookies_set
                    current = target
                    spent += time.perf_counter() - hop_started
                    continue
                error: ErrorClass | None = None
                detail = ""
                if 300 <= status < 400 and status != 304:  # a redirect that names no target: a dead end
                    error, detail = "http", f"HTTP {status} redirect without a Location header"
                elif reply.too_large:
                    error = "too_large"
                    detail = (f"body larger than the {max_bytes}-byte limit; first {len(reply.body)} bytes kept"
                              if reply.body else f"Content-Length {headers.get('content-length')} exceeds the "
                                                 f"{max_bytes}-byte limit; not read")
                return self._result(url, current, method, status, error, detail, headers, reply.body,
                                    started, first_byte, redirects)
            except (asyncio.CancelledError, _HostStopped):
                raise
            except Exception as exc:  # noqa: BLE001 - every failure becomes data
                error_class, detail = classify_exception(exc)
                return self._result(url, current, method, None, error_class, detail, {}, b"",
                                    started if started is not None else hop_started, None, redirects)

    def _redirect_problem(self, url: str, target: str | None, location: str,
                          redirects: list[str], unchanged: bool) -> tuple[ErrorClass, str] | None:
        """Why a redirect to ``target`` must not be followed, or None. ``unchanged``: ``target`` was
        requested before in this chain and no cookie was set since (the same request again: a loop)."""
        if target is None:
            return "invalid_url", f"redirect to an unusable location {location!r}"
        if unchanged:
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
    if head.error in _NO_CONNECTION or head.error == "rate_limited":  # a GET cannot fare better
        return head
    get = await fetcher.fetch(url, method="GET", max_bytes=64 * 1024)
    if get.error == "too_large":  # the resource exists; we only read its start
        get.error, get.error_detail = None, ""
    get.attempts += head.attempts
    get.body = b""
    return get


def _transient(result: FetchResult) -> bool:
    """Whether a failure may pass if tried again (a connection or timeout failure, 429 or 5xx)."""
    return result.error in RETRYABLE_ERRORS or (result.error is None and result.status in RETRYABLE_STATUS)


def make_session(*, user_agent: str, concurrency: int, guard: AddressGuard | None = None) -> CurlSession:
    """A transport session for crawling (call inside the running loop): keep-alive, a DNS cache,
    cookies kept in memory for this crawl only; ``guard`` limits the addresses it may reach."""
    return CurlSession(user_agent=user_agent, concurrency=concurrency, guard=guard,
                       headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
                                "Accept-Language": "zh-CN,zh;q=0.9"})
