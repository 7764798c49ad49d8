"""The crawl transport (libcurl on the asyncio loop) against a real local TCP server that
answers with canned bytes: decoding, limits, headers as sent and received, cookies, error
classes, proxies from the environment ignored, cancellation."""

from __future__ import annotations

import asyncio
import gzip
import socket
import struct
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from govwatch.crawl.curl import CurlSession, TransferError
from govwatch.crawl.fetcher import classify_exception, make_session

Answer = bytes | None  # None: never answer (a hanging server)


def _response(status: str, headers: list[tuple[str, bytes]], body: bytes = b"") -> bytes:
    head = f"HTTP/1.1 {status}\r\n".encode() + b"".join(f"{k}: ".encode() + v + b"\r\n" for k, v in headers)
    return head + b"Connection: close\r\n\r\n" + body


ANSWERS: dict[str, Answer] = {
    "/ok": _response("200 OK", [("Content-Type", b"text/html; charset=utf-8"), ("Content-Length", b"5")], b"hello"),
    "/gzip": _response("200 OK", [("Content-Encoding", b"gzip"), ("Content-Length", b"%d" % len(gzip.compress(b"x" * 5000)))],
                       gzip.compress(b"x" * 5000)),
    "/declared-big": _response("200 OK", [("Content-Length", b"10000")], b"y" * 10000),
    "/big": b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"z" * 10000,  # no length: read until close
    "/redirect-gbk": _response("302 Found", [("Location", "/新闻/列表.html".encode("gbk")), ("Content-Length", b"0")]),
    "/redirect-utf8": _response("301 Moved", [("Location", "/新闻.html".encode()), ("Content-Length", b"0")]),
    "/set-cookie": _response("200 OK", [("Set-Cookie", b"sid=abc; Path=/"), ("Content-Length", b"0")]),
    "/retry": _response("503 Busy", [("Retry-After", b"7"), ("Server", b"sim"), ("X-Other", b"dropped"),
                                      ("Content-Length", b"0")]),
    "/hang": None,
    "/reset": b"",  # closed with RST before any answer
}


class CannedServer:
    """Serves ANSWERS on 127.0.0.1 and records each request's head."""

    def __init__(self) -> None:
        self.requests: list[bytes] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        self.requests.append(head)
        path = head.split(b" ", 2)[1].decode()
        answer = ANSWERS.get(path.split("?")[0], _response("404 Not Found", [("Content-Length", b"0")]))
        if answer is None:
            await asyncio.sleep(30)
        elif answer == b"":
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            writer.write(answer)
            await writer.drain()
        writer.close()


@pytest.fixture
async def served() -> AsyncIterator[tuple[str, CannedServer, CurlSession]]:
    server = CannedServer()
    base = await server.start()
    async with make_session(user_agent="govwatch-test/1", concurrency=4) as session:
        yield base, server, session
    assert server.server is not None
    server.server.close()


async def _get(session: CurlSession, url: str, method: str = "GET", max_bytes: int = 1 << 20,
               timeout: float = 5.0) -> object:
    return await session.request(method, url, timeout=timeout, connect_timeout=2.0, max_bytes=max_bytes)


async def test_body_headers_and_request_as_sent(served: tuple) -> None:
    base, server, session = served
    reply = await _get(session, f"{base}/ok")
    assert (reply.status, reply.body, reply.too_large) == (200, b"hello", False)
    assert reply.headers == {"content-type": "text/html; charset=utf-8", "content-length": "5"}
    head = server.requests[-1].decode().lower()
    assert head.startswith("get /ok http/1.1")
    assert "user-agent: govwatch-test/1" in head and "accept-language: zh-cn" in head
    assert "accept-encoding:" in head and "gzip" in head


async def test_only_the_kept_headers_are_returned(served: tuple) -> None:
    base, _, session = served
    reply = await _get(session, f"{base}/retry")
    assert reply.status == 503
    assert reply.headers == {"retry-after": "7", "server": "sim", "content-length": "0"}


async def test_head_is_sent_as_head(served: tuple) -> None:
    base, server, session = served
    reply = await _get(session, f"{base}/ok", method="HEAD")
    assert reply.status == 200 and reply.body == b""
    assert server.requests[-1].startswith(b"HEAD /ok ")


async def test_gzip_is_decoded_and_limited_by_decoded_size(served: tuple) -> None:
    base, _, session = served
    whole = await _get(session, f"{base}/gzip")
    assert whole.body == b"x" * 5000 and not whole.too_large
    cut = await _get(session, f"{base}/gzip", max_bytes=1000)
    assert cut.too_large and cut.body == b"x" * 1000


async def test_a_declared_length_over_the_limit_is_not_read(served: tuple) -> None:
    base, _, session = served
    reply = await _get(session, f"{base}/declared-big", max_bytes=100)
    assert reply.too_large and reply.body == b""


async def test_an_undeclared_body_keeps_its_first_bytes(served: tuple) -> None:
    base, _, session = served
    reply = await _get(session, f"{base}/big", max_bytes=100)
    assert reply.too_large and reply.body == b"z" * 100


async def test_redirects_are_not_followed_and_locations_decoded(served: tuple) -> None:
    base, _, session = served
    gbk = await _get(session, f"{base}/redirect-gbk")
    assert gbk.status == 302 and gbk.headers["location"] == "/新闻/列表.html"
    utf8 = await _get(session, f"{base}/redirect-utf8")
    assert utf8.status == 301 and utf8.headers["location"] == "/新闻.html"


async def test_cookies_are_kept_for_the_crawl(served: tuple) -> None:
    base, server, session = served
    await _get(session, f"{base}/set-cookie")
    await _get(session, f"{base}/ok")
    assert b"cookie: sid=abc" in server.requests[-1].lower()


async def test_environment_proxies_are_never_used(served: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    base, _, session = served
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there
    reply = await _get(session, f"{base}/ok")
    assert reply.status == 200


@pytest.mark.parametrize("path,error", [("/hang", "timeout"), ("/reset", "reset")])
async def test_failures_get_their_error_class(served: tuple, path: str, error: str) -> None:
    base, _, session = served
    with pytest.raises(TransferError) as caught:
        await _get(session, f"{base}{path}", timeout=0.5)
    assert classify_exception(caught.value)[0] == error
    assert "libcurl error" in caught.value.detail


async def test_refused_connections_and_bad_urls(served: tuple) -> None:
    _, _, session = served
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    with pytest.raises(TransferError) as refused:
        await _get(session, f"http://127.0.0.1:{closed}/")
    assert refused.value.error_class == "connect"
    for bad in ("ftp://127.0.0.1/x", "http://exa mple.gov.cn/"):
        with pytest.raises(TransferError) as invalid:
            await _get(session, bad)
        assert invalid.value.error_class == "invalid_url", bad


async def test_a_cancelled_request_leaves_the_session_usable(served: tuple) -> None:
    base, _, session = served
    task = asyncio.create_task(_get(session, f"{base}/hang"))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    replies = await asyncio.gather(*(_get(session, f"{base}/ok") for _ in range(6)))
    assert [r.status for r in replies] == [200] * 6


async def test_a_certificate_no_system_ca_signed_is_a_tls_failure(tmp_path: Path) -> None:
    from tests.security.pki import TestPKI
    from tests.security.servers import port_of, serve, static

    leaf = TestPKI(tmp_path).leaf()  # signed by a test CA the system does not trust
    with serve(static({"/": b"<html>ok</html>"}), ctx=leaf.server_context()) as server:
        async with make_session(user_agent="govwatch-test", concurrency=2) as session:
            with pytest.raises(TransferError) as caught:
                await _get(session, f"https://127.0.0.1:{port_of(server)}/")
    assert caught.value.error_class == "tls"
