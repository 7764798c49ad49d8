"""The crawler's HTTP transport: libcurl (pycurl) driven by the asyncio event loop.

A crawl spends most of its own CPU on HTTP; libcurl's multi interface, woken by
the loop's readers, writers and timers, costs about a third of what an aiohttp
request costs in Python (``docs/benchmarks.md``). One :class:`CurlSession` per
crawl shares connections, cookies and DNS answers between its transfers.

Each call to :meth:`CurlSession.request` is one HTTP exchange: redirects are not
followed (the fetcher follows them by hand), proxies from the environment are
never used, and the body is kept up to a limit on its *decompressed* size, so a
gzip bomb stops at the limit. A failure raises :class:`TransferError` with the
crawl's error class and libcurl's own message; probes and the security checks,
which need TLS and socket details, use aiohttp instead (``crawl/sitefacts/http.py``).
"""

from __future__ import annotations

import asyncio
import errno
import os
import socket
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pycurl

from govwatch.core.model import TEMPORARY_DNS, ErrorClass
from govwatch.crawl.address_guard import BLOCKED_CLASS, AddressGuard, url_target

KEPT_HEADERS = frozenset({"content-type", "content-length", "content-encoding", "last-modified", "etag",
                          "retry-after", "location", "server", "x-frame-options", "strict-transport-security",
                          "content-disposition"})
_RAW_TEXT_HEADERS = frozenset({"location", "content-disposition"})  # may carry raw UTF-8 or GBK bytes

# libcurl error codes (curl/curl.h) by the crawl's error class; any other code is "other".
_CODE_CLASS: dict[int, ErrorClass] = {
    6: "dns", 5: "dns",  # COULDNT_RESOLVE_HOST, COULDNT_RESOLVE_PROXY
    7: "connect", 28: "timeout",  # COULDNT_CONNECT, OPERATION_TIMEDOUT
    3: "invalid_url",  # URL_MALFORMAT
    1: "http", 8: "http", 100: "http",  # UNSUPPORTED_PROTOCOL (e.g. HTTP/0.9), WEIRD_SERVER_REPLY, TOO_LARGE
    18: "reset", 52: "reset", 55: "reset", 56: "reset", 61: "reset",  # PARTIAL_FILE, GOT_NOTHING,
    # SEND_ERROR, RECV_ERROR, BAD_CONTENT_ENCODING: the answer broke off or came garbled
    **dict.fromkeys((35, 51, 53, 54, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91, 98), "tls"),  # SSL_*
}
_POLL_WANTS = {pycurl.POLL_IN: 1, pycurl.POLL_OUT: 2, pycurl.POLL_INOUT: 3}  # -> read 1 | write 2
_WRITE_ERROR = 23  # our body callback stopped the transfer
_RESET_ERRNOS = frozenset({errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED})


class TransferError(Exception):
    """A transfer that ended without a usable answer, with its crawl error class."""

    def __init__(self, error_class: ErrorClass, detail: str) -> None:
        super().__init__(detail)
        self.error_class = error_class
        self.detail = detail


@dataclass(slots=True)
class Reply:
    """What one exchange returned: status, the kept headers, and the body read."""

    status: int
    headers: dict[str, str]
    body: bytes
    too_large: bool  # the body passed the limit: ``body`` holds its first bytes, or nothing if never read
    first_byte_s: float  # seconds from the start of the exchange to its first response byte
    sets_cookie: bool = False  # the answer set a cookie (the session's cookie engine keeps it)


class _Transfer:
    """The state of one exchange, fed by libcurl's header and body callbacks."""

    __slots__ = ("future", "lines", "parts", "size", "limit", "read_body", "read_head", "too_large", "stopped",
                 "_kept")

    def __init__(self, future: asyncio.Future[tuple[int, str]], limit: int, read_body: bool,
                 read_head: bool = False) -> None:
        self.future = future
        self.lines: list[bytes] = []
        self.parts: list[bytes] = []
        self.size = 0
        self.limit = limit
        self.read_body = read_body
        self.read_head = read_head  # read the first ``limit`` bytes even of a body declared larger
        self.too_large = False
        self.stopped = False  # the body was deliberately not read (HEAD-like use of GET)
        self._kept: dict[str, str] | None = None  # headers(), parsed once

    def on_header(self, line: bytes) -> None:
        if line.startswith(b"HTTP/"):  # a new response (an interim 1xx came first): start over
            self.lines.clear()
        self.lines.append(line)
        self._kept = None

    def on_body(self, chunk: bytes) -> int | None:
        """Keep ``chunk`` unless the limit is passed; returning 0 makes libcurl stop the transfer."""
        if not self.read_body:
            self.stopped = True
            return 0
        if not self.size and not self.read_head and self._declared_too_large():
            self.too_large = True
            return 0
        self.size += len(chunk)
        if self.size > self.limit:
            room = self.limit - (self.size - len(chunk))
            if room > 0:
                self.parts.append(chunk[:room])
            self.too_large = True
            return 0
        self.parts.append(chunk)
        return None

    def headers(self) -> dict[str, str]:
        """The kept headers (first value of each), names lower-cased."""
        if self._kept is not None:
            return self._kept
        kept: dict[str, str] = {}
        for line in self.lines[1:]:
            name, sep, value = line.partition(b":")
            if not sep:
                continue
            key = name.strip().lower().decode("latin-1")
            if key in KEPT_HEADERS and key not in kept:
                kept[key] = _header_text(value.strip(), key)
        self._kept = kept
        return kept

    def sets_cookie(self) -> bool:
        """Whether the (final) response carried a Set-Cookie header."""
        return any(line[:11].lower() == b"set-cookie:" for line in self.lines[1:])

    def _declared_too_large(self) -> bool:
        """An unencoded body whose Content-Length already passes the limit is not read at all."""
        headers = self.headers()
        declared = headers.get("content-length", "")
        return declared.isdigit() and int(declared) > self.limit and "content-encoding" not in headers


def _header_text(value: bytes, name: str) -> str:
    """A header value as text; a Location or a Content-Disposition file name may carry raw UTF-8
    or, on legacy sites, GBK bytes."""
    if name in _RAW_TEXT_HEADERS:
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.decode("gb18030", "replace")
    return value.decode("latin-1")


def _ca_options() -> list[tuple[int, str]]:
    """The system's CA certificates, as Python's ssl module finds them (not the wheel's build paths)."""
    paths = ssl.get_default_verify_paths()
    options: list[tuple[int, str]] = []
    if paths.cafile and os.path.isfile(paths.cafile):
        options.append((pycurl.CAINFO, paths.cafile))
    if paths.capath and os.path.isdir(paths.capath):
        options.append((pycurl.CAPATH, paths.capath))
    return options


class CurlSession:
    """A libcurl multi handle run by the current asyncio loop (use as ``async with``)."""

    def __init__(self, *, user_agent: str, concurrency: int, headers: dict[str, str],
                 guard: AddressGuard | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        self._multi = pycurl.CurlMulti()
        self._multi.setopt(pycurl.M_SOCKETFUNCTION, self._on_socket)
        self._multi.setopt(pycurl.M_TIMERFUNCTION, self._on_timer)
        self._multi.setopt(pycurl.M_MAX_TOTAL_CONNECTIONS, concurrency)
        self._multi.setopt(pycurl.M_MAXCONNECTS, concurrency)
        self._share = pycurl.CurlShare()
        for data in (pycurl.LOCK_DATA_COOKIE, pycurl.LOCK_DATA_DNS, pycurl.LOCK_DATA_SSL_SESSION):
            self._share.setopt(pycurl.SH_SHARE, data)
        self._options: list[tuple[int, Any]] = [
            (pycurl.SHARE, self._share), (pycurl.USERAGENT, user_agent),
            (pycurl.HTTPHEADER, [f"{k}: {v}" for k, v in headers.items()]),
            (pycurl.COOKIEFILE, ""),  # the cookie engine on, in memory only
            (pycurl.ACCEPT_ENCODING, ""),  # every encoding libcurl can decode
            (pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_1_1),
            (pycurl.FOLLOWLOCATION, 0), (pycurl.PATH_AS_IS, 1), (pycurl.NOSIGNAL, 1),
            (pycurl.PROXY, ""), (pycurl.NOPROXY, "*"),  # never an environment proxy
            (pycurl.PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS),
            (pycurl.BUFFERSIZE, 64 * 1024), *_ca_options(),
        ]
        self._free: list[pycurl.Curl] = []
        self._active: dict[pycurl.Curl, _Transfer] = {}
        self._watched: dict[int, int] = {}  # fd -> 1 (read) | 2 (write)
        self._timer: asyncio.TimerHandle | None = None
        self._guard = guard  # None: every address may be reached
        self._targets: dict[pycurl.Curl, tuple[str, int]] = {}  # handle -> host and port of its URL
        self._refused: dict[pycurl.Curl, str] = {}  # handle -> why the guard refused its address

    async def __aenter__(self) -> CurlSession:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self.close()

    async def request(self, method: str, url: str, *, timeout: float, connect_timeout: float,
                      max_bytes: int, read_body: bool = True, read_head: bool = False) -> Reply:
        """One exchange (no redirects followed). Raises :class:`TransferError`.

        With ``read_head`` a body whose Content-Length passes ``max_bytes`` is still read up to
        the limit (a huge page's first bytes hold its links); otherwise it is not read at all."""
        if urlsplit(url).scheme not in ("http", "https"):
            raise TransferError("invalid_url", f"not an http(s) URL: {url!r}")
        handle = self._free.pop() if self._free else self._new_handle()
        transfer = _Transfer(self._loop.create_future(), max_bytes, read_body and method != "HEAD", read_head)
        try:
            self.configure(handle, url, method=method, timeout=timeout, connect_timeout=connect_timeout)
        except (pycurl.error, UnicodeError) as exc:
            self._free.append(handle)
            raise TransferError("invalid_url", f"unusable URL {url!r}: {exc}") from None
        handle.setopt(pycurl.HEADERFUNCTION, transfer.on_header)
        handle.setopt(pycurl.WRITEFUNCTION, transfer.on_body)
        self._active[handle] = transfer
        self._multi.add_handle(handle)
        try:
            code, message = await transfer.future
        except asyncio.CancelledError:
            self._drop(handle)
            raise
        status = handle.getinfo(pycurl.RESPONSE_CODE)
        first_byte = handle.getinfo(pycurl.STARTTRANSFER_TIME)
        os_errno = handle.getinfo(pycurl.OS_ERRNO) if code else 0
        refused = self._refused.pop(handle, None)
        # a connection was made, or an open one reused (its CONNECT_TIME is 0, but its request was sent)
        connected = not code or handle.getinfo(pycurl.CONNECT_TIME) > 0 or handle.getinfo(pycurl.REQUEST_SIZE) > 0
        self._free.append(handle)
        if code and not (code == _WRITE_ERROR and (transfer.too_large or transfer.stopped)):
            if refused is not None:
                raise TransferError(BLOCKED_CLASS, f"{BLOCKED_CLASS}: {refused}")
            raise await self._error(code, message, os_errno, url, connected)
        return Reply(status=status, headers=transfer.headers(), body=b"".join(transfer.parts),
                     too_large=transfer.too_large, first_byte_s=first_byte, sets_cookie=transfer.sets_cookie())

    def configure(self, handle: pycurl.Curl, url: str, *, method: str, timeout: float,
                  connect_timeout: float) -> None:
        """Set the per-exchange options of ``handle`` before it starts: the one place every
        request passes (a guard on the addresses a request may reach belongs here)."""
        handle.setopt(pycurl.URL, url)
        if self._guard is not None:
            self._targets[handle] = url_target(url) or ("", 0)
        handle.setopt(pycurl.NOBODY, 1) if method == "HEAD" else handle.setopt(pycurl.HTTPGET, 1)
        handle.setopt(pycurl.TIMEOUT_MS, max(1, int(timeout * 1000)))
        handle.setopt(pycurl.CONNECTTIMEOUT_MS, max(1, int(min(connect_timeout, timeout) * 1000)))

    def close(self) -> None:
        """Stop every transfer and release the sockets (the loop stops watching them)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for handle in list(self._active):
            transfer = self._active[handle]
            if not transfer.future.done():
                transfer.future.set_exception(TransferError("other", "session closed"))
            self._drop(handle)
        for fd in list(self._watched):
            self._unwatch(fd)
        for handle in self._free:
            handle.close()
        self._free.clear()
        self._multi.close()
        self._share.close()

    # -- libcurl <-> asyncio ----------------------------------------------------

    def _new_handle(self) -> pycurl.Curl:
        handle = pycurl.Curl()
        for option, value in self._options:
            handle.setopt(option, value)
        if self._guard is not None:  # every connection, after DNS, on every hop the fetcher follows
            handle.setopt(pycurl.OPENSOCKETFUNCTION, lambda _purpose, address: self._open_socket(handle, address))
        return handle

    def _open_socket(self, handle: pycurl.Curl, address: Any) -> socket.socket | int:
        """libcurl's socket for a resolved address, or ``SOCKET_BAD`` when the guard refuses it."""
        host, port = self._targets.get(handle, ("", 0))
        assert self._guard is not None
        refusal = self._guard.refusal(host, port, address.addr[0])
        if refusal is not None:
            self._refused[handle] = refusal
            return pycurl.SOCKET_BAD
        self._refused.pop(handle, None)  # another address of the name was allowed
        return socket.socket(address.family, address.socktype, address.protocol)

    def _drop(self, handle: pycurl.Curl) -> None:
        """Take an unfinished transfer out of the multi handle; its easy handle is not reused."""
        if self._active.pop(handle, None) is not None:
            self._multi.remove_handle(handle)
        self._targets.pop(handle, None)
        self._refused.pop(handle, None)
        handle.close()

    def _on_socket(self, what: int, fd: int, _multi: object, _socketp: object) -> None:
        if what == pycurl.POLL_REMOVE:
            self._unwatch(fd)
            return
        wanted = _POLL_WANTS.get(what, 0)
        current = self._watched.get(fd, 0)
        if wanted & 1 and not current & 1:
            self._loop.add_reader(fd, self._act, fd, pycurl.CSELECT_IN)
        elif current & 1 and not wanted & 1:
            self._loop.remove_reader(fd)
        if wanted & 2 and not current & 2:
            self._loop.add_writer(fd, self._act, fd, pycurl.CSELECT_OUT)
        elif current & 2 and not wanted & 2:
            self._loop.remove_writer(fd)
        self._watched[fd] = wanted

    def _unwatch(self, fd: int) -> None:
        current = self._watched.pop(fd, 0)
        if current & 1:
            self._loop.remove_reader(fd)
        if current & 2:
            self._loop.remove_writer(fd)

    def _on_timer(self, timeout_ms: int) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if timeout_ms >= 0:  # -1: no timer wanted
            self._timer = self._loop.call_later(timeout_ms / 1000, self._act, pycurl.SOCKET_TIMEOUT, 0)

    def _act(self, fd: int, event: int) -> None:
        """Let libcurl work on ``fd`` (or its timers), then settle the transfers that ended."""
        if fd == pycurl.SOCKET_TIMEOUT:
            self._timer = None
        self._multi.socket_action(fd, event)
        while True:
            queued, done, failed = self._multi.info_read()
            for handle in done:
                self._settle(handle, 0, "")
            for handle, code, message in failed:
                self._settle(handle, code, message)
            if not queued:
                return

    def _settle(self, handle: pycurl.Curl, code: int, message: str) -> None:
        transfer = self._active.pop(handle, None)
        self._multi.remove_handle(handle)
        if transfer is not None and not transfer.future.done():
            transfer.future.set_result((code, message))

    async def _error(self, code: int, message: str, os_errno: int, url: str, connected: bool) -> TransferError:
        """The crawl's error class for a libcurl failure (a timeout before the TCP connection
        was made is ``connect_timeout``: the host did not answer at all)."""
        error_class = _CODE_CLASS.get(code, "other")
        detail = f"{message} (libcurl error {code})"
        if error_class == "timeout" and not connected:
            error_class, detail = "connect_timeout", f"no connection within the time limit: {detail}"
        elif error_class == "timeout":
            detail = f"no complete answer within the time limit: {detail}"
        elif error_class == "connect" and os_errno in _RESET_ERRNOS:
            error_class = "reset"
        elif error_class == "dns" and await self._dns_is_temporary(urlsplit(url).hostname or ""):
            detail = f"{TEMPORARY_DNS}: {detail}"
        return TransferError(error_class, detail)

    async def _dns_is_temporary(self, host: str) -> bool:
        """libcurl does not say why a name did not resolve; ask the system resolver once more."""
        try:
            await self._loop.getaddrinfo(host, None)
        except socket.gaierror as exc:
            return exc.errno == socket.EAI_AGAIN
        except (OSError, UnicodeError):
            return False
        return False
