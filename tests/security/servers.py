"""Small real HTTP(S) servers on loopback for the security tests (a thread each, stopped on exit)."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# (path, request headers) -> (status, response headers, body)
Route = Callable[[str, dict[str, str]], tuple[int, dict[str, str], bytes]]

HTML = "text/html; charset=utf-8"


def page(title: str, body: str) -> bytes:
    return f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>" \
           f"<body>{body}</body></html>".encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], family: int, route: Route, ctx: ssl.SSLContext | None) -> None:
        self.address_family = family
        self.route = route
        self.ctx = ctx
        self.requests: list[tuple[str, str]] = []  # (path, user agent)
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, object]:
        sock, addr = super().get_request()
        if self.ctx is not None:  # handshake in the handler thread (a client may abort it)
            sock = self.ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(5)
            try:
                self.request.do_handshake()
            except (OSError, ssl.SSLError):
                self.handshake_failed = True
        super().setup()

    def handle(self) -> None:
        if getattr(self, "handshake_failed", False):
            return
        try:
            super().handle()
        except (OSError, ssl.SSLError):
            pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.requests.append((self.path, headers.get("user-agent", "")))
        status, extra, body = self.server.route(self.path, headers)
        self.send_response(status)
        extra = {"Content-Type": HTML, **extra}
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
        pass


@contextmanager
def serve(route: Route, *, ctx: ssl.SSLContext | None = None, host: str = "127.0.0.1") -> Iterator[_Server]:
    """Serve ``route`` on ``host`` (an IPv4 or IPv6 loopback address) at a free port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    server = _Server((host, 0), family, route, ctx)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def port_of(server: _Server) -> int:
    return int(server.server_address[1])


def static(pages: dict[str, bytes | tuple[int, dict[str, str], bytes]]) -> Route:
    """A route serving fixed bodies by path (404 for the rest)."""
    def route(path: str, _headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        found = pages.get(path)
        if found is None:
            return 404, {}, page("404", "not found")
        return found if isinstance(found, tuple) else (200, {}, found)
    return route
