"""The simulator's HTTP server: real sockets on loopback, real faults.

One aiohttp low-level server per port role (see ``portfolio.roles_for``). The
generators decide *what* to answer (``SimResponse``); this module applies the
behaviour: delays, connection resets (SO_LINGER 0), first-request faults,
HEAD-only errors, streamed huge bodies, the gzip bomb and the hang. The
refusing port, and the port of a site whose access is ``refused`` (``sim.access``), is bound but
never listened on, so connections are refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aiohttp import web

from govwatch.core.urls import normalize_url
from govwatch.sim.clones import CLONE_HOST, Clone, make_clone
from govwatch.sim.manifest import build_manifest, write_manifest
from govwatch.sim.options import SimOptions
from govwatch.sim.portfolio import (
    EXTERNAL,
    PLATFORM,
    REFUSED,
    RESET_ALL,
    SITE_PREFIX,
    Portfolio,
    refused_roles,
    roles_for,
)
from govwatch.sim.repairs import RepairError, repair_site
from govwatch.sim.response import HTML_UTF8, SimResponse
from govwatch.sim.site import SiteGenerator

ONCE_FAULTS = frozenset({"reset_once", "error503_once", "retry429"})
_CHUNK = 64 * 1024
_HANG_POLL = 0.2


def _html(status: int, title: str, body: str = "") -> web.Response:
    text = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><h1>{title}</h1>{body}</body></html>\n")
    return web.Response(status=status, body=text.encode("utf-8"), headers={"Content-Type": HTML_UTF8})


def _abort_with_reset(transport: asyncio.BaseTransport | None) -> None:
    """Close a connection so that the peer sees a reset (RST), not a FIN."""
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()  # type: ignore[attr-defined]


def _send_raw(request: web.BaseRequest, answer: SimResponse, headers: dict[str, str]) -> web.StreamResponse:
    """Write a whole response with byte-exact ``raw_headers`` (aiohttp writes header values as UTF-8)
    straight to the connection, then close it."""
    lines = [f"HTTP/1.1 {answer.status} OK".encode("ascii")]
    lines += [f"{k}: {v}".encode() for k, v in headers.items()]
    lines += [k.encode("ascii") + b": " + v for k, v in answer.raw_headers.items()]
    lines += [f"Content-Length: {len(answer.body)}".encode("ascii"), b"Connection: close"]
    transport = request.transport
    if transport is not None:
        body = b"" if request.method == "HEAD" else answer.body
        transport.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        transport.close()
    return web.Response()


class SimServer:
    """Serves a simulated portfolio on 127.0.0.1.

    ``port`` 0 (default) lets the OS pick every port; otherwise roles get
    ``port``, ``port + 1``, … in ``roles_for`` order. Use ``running()`` in tests
    (background thread), ``start()``/``stop()`` inside an event loop, or
    ``serve_forever()`` from a command line.
    """

    def __init__(self, options: SimOptions | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.options = options or SimOptions()
        self.host = host
        self.base_port = port
        self.portfolio: Portfolio | None = None
        self._manifest: dict[str, Any] | None = None
        self._seen: set[tuple[int, str]] = set()
        self._requests: Counter[tuple[str, str]] = Counter()  # (method, URL) -> requests answered
        self._runners: list[web.BaseRunner] = []
        self._servers: list[asyncio.base_events.Server] = []
        self._refused: socket.socket | None = None
        self._refused_sites: list[socket.socket] = []  # ports of sites whose access is "refused"
        self._active: set[asyncio.Task[object]] = set()
        self.clone: Clone | None = None  # the counterfeit copy (SimOptions.clone), served on CLONE_HOST

    # -- lifecycle ----------------------------------------------------------------
    def _bind(self) -> dict[str, socket.socket]:
        sockets: dict[str, socket.socket] = {}
        refused = refused_roles(self.options)
        try:
            for i, role in enumerate(roles_for(self.options)):
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                if role != REFUSED and role not in refused:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((self.host, self.base_port + i if self.base_port else 0))
                sockets[role] = sock
        except OSError:
            for sock in sockets.values():
                sock.close()
            raise
        return sockets

    async def start(self) -> None:
        """Bind every port, build the portfolio and manifest, start serving."""
        if self.portfolio is not None:
            raise RuntimeError("already started")
        sockets = self._bind()
        ports = {role: sock.getsockname()[1] for role, sock in sockets.items()}
        self.portfolio = Portfolio(self.options, self.host, ports)
        self._manifest = build_manifest(self.portfolio)
        self._manifest["repaired"] = []  # defects repaired while serving (repair())
        self._refused = sockets.pop(REFUSED)  # bound, never listening: connections are refused
        self._refused_sites = [sockets.pop(role) for role in refused_roles(self.options)]  # likewise
        reset_sock = sockets.pop(RESET_ALL, None)
        if reset_sock is not None:
            reset_sock.listen(64)
            self._servers.append(await asyncio.start_server(self._reset_all, sock=reset_sock))
        for role, sock in sockets.items():
            server = web.Server(self._make_handler(role, ports[role]), access_log=None)
            runner = web.ServerRunner(server, shutdown_timeout=0.25)
            await runner.setup()
            await web.SockSite(runner, sock).start()
            self._runners.append(runner)
        self._manifest["clones"] = []
        if self.options.clone is not None:
            await self._start_clone(self.options.clone, ports[f"site:{self.options.clone}"])

    async def _start_clone(self, site_id: str, port: int) -> None:
        """Serve the counterfeit copy of ``site_id`` on CLONE_HOST (the genuine port when it is free)."""
        assert self.portfolio is not None and self._manifest is not None
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((CLONE_HOST, port))
        except OSError:
            sock.bind((CLONE_HOST, 0))
        gen = self.portfolio.sites[site_id]
        self.clone = make_clone(gen, f"http://{self.host}:{port}", f"http://{CLONE_HOST}:{sock.getsockname()[1]}")
        server = web.Server(self._make_handler(f"site:{site_id}", port, clone=True), access_log=None)
        runner = web.ServerRunner(server, shutdown_timeout=0.25)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        self._runners.append(runner)
        self._manifest["clones"].append(self.clone.manifest_entry(gen))

    async def stop(self) -> None:
        """Stop serving and release every port (pending slow or hanging answers are cancelled)."""
        for task in list(self._active):
            task.cancel()
        for server in self._servers:
            server.close()
        for runner in self._runners:
            await runner.cleanup()
        for server in self._servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 1.0)
        if self._refused is not None:
            self._refused.close()
        for sock in self._refused_sites:
            sock.close()
        self._refused_sites = []
        self._runners.clear()
        self._servers.clear()
        self._refused = None

    @contextlib.contextmanager
    def running(self) -> Iterator[SimServer]:
        """Run the server in a background thread for the duration of a ``with`` block."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="govwatch-sim", daemon=True)
        thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self.start(), loop).result(timeout=60)
            yield self
        finally:
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self.stop(), loop).result(timeout=30)
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(_cancel_leftovers(), loop).result(timeout=30)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=30)
            loop.close()

    def serve_forever(self, manifest_path: str | Path | None = None) -> None:
        """Serve until interrupted (Ctrl-C); prints the site URLs (and writes the manifest) first."""
        async def main() -> None:
            await self.start()
            try:
                if manifest_path is not None:
                    self.write_manifest(manifest_path)
                print_urls(self)
                if manifest_path is not None:
                    print(f"manifest: {manifest_path}", flush=True)
                while True:  # until cancelled by Ctrl-C
                    await asyncio.sleep(3600)
            finally:
                await self.stop()

        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(main())

    # -- public helpers -------------------------------------------------------------
    @property
    def manifest(self) -> dict[str, Any]:
        """The ground-truth manifest, with the real ports (after start)."""
        if self._manifest is None:
            raise RuntimeError("server not started")
        return self._manifest

    def site_url(self, site_id: str) -> str:
        """Homepage URL of the site with that id."""
        return self.manifest["sites"][site_id]["homepage"]

    def generator(self, site_id: str) -> SiteGenerator:
        """The generator of a family site (for tests and tools)."""
        assert self.portfolio is not None, "server not started"
        return self.portfolio.sites[site_id]

    def request_count(self, url: str, method: str = "GET") -> int:
        """How many ``method`` requests this server answered for ``url`` (normal form)."""
        return self._requests[(method, url)]

    def set_tampered(self, flag: bool) -> None:
        """Turn the planted tampering on or off while serving (see ``SimOptions.tampered``): crawl
        once, turn it on, crawl again, and the tamper site's homepage differs from the baseline."""
        assert self.portfolio is not None, "server not started"
        for gen in self.portfolio.sites.values():
            gen.tampered = flag

    def repair(self, url: str, *, found: str | None = None) -> dict[str, Any]:
        """Repair the planted defect at ``url`` while serving (``sim.repairs``): a broken link target
        then answers 200, an article is served with its wording errors and typos corrected (only the
        one whose ``found`` is named, when given). Returns the entry added to ``manifest["repaired"]``;
        RepairError when nothing repairable is planted there."""
        assert self.portfolio is not None, "server not started"
        normal = normalize_url(url)
        site = None
        if normal is not None:
            bases = [(gen.base_url, gen) for gen in self.portfolio.sites.values() if normal.startswith(gen.base_url)]
            site = max(bases, key=lambda pair: len(pair[0]), default=None)
        if normal is None or site is None:
            raise RepairError(f"{url} is not a page of a simulated site")
        entry = repair_site(site[1], normal[len(site[0]):], normal, found)
        if entry["kind"] == "broken_link":
            entry["broken_links"] = [b for b in self.manifest["sites"][site[1].spec.id]["broken_links"]
                                     if b["target"] == normal]
        self.manifest["repaired"].append(entry)
        return entry

    def unrepair(self) -> None:
        """Undo every repair: the planted defects are served again and ``manifest["repaired"]`` is empty."""
        assert self.portfolio is not None, "server not started"
        for gen in self.portfolio.sites.values():
            gen.repairs.clear()
        self.manifest["repaired"] = []

    def reset_faults(self) -> None:
        """Forget which URLs have had their first request (first-request faults fire again)."""
        self._seen = set()

    def write_manifest(self, path: str | Path) -> Path:
        """Write the manifest as JSON."""
        return write_manifest(self.manifest, path)

    # -- request handling -------------------------------------------------------------
    def _make_handler(self, role: str, port: int, clone: bool = False):
        async def handler(request: web.BaseRequest) -> web.StreamResponse:
            normal = normalize_url(str(request.url))
            if normal is not None:
                self._requests[(request.method, normal)] += 1
            task = asyncio.current_task()
            if task is not None:
                self._active.add(task)
            try:
                return await self._handle(role, port, request, clone)
            finally:
                self._active.discard(task)
        return handler

    async def _handle(self, role: str, port: int, request: web.BaseRequest, clone: bool = False) -> web.StreamResponse:
        assert self.portfolio is not None
        if request.method not in ("GET", "HEAD", "POST"):
            return _html(405, "405 Method Not Allowed")
        path = request.path
        if role == EXTERNAL:
            if path.startswith("/err/"):
                return _html(500, "500 Internal Server Error")
            return _html(200, "外部网站", "<p>这是一个外部网站。</p>")
        if role == PLATFORM:
            if path in ("/", "/index.html"):
                return self._platform_index()
            if path.startswith(SITE_PREFIX) and path.count("/") == 2 and path[len(SITE_PREFIX):] in self.portfolio.sites:
                return web.Response(status=301, headers={"Location": path + "/"})
        site, rel = self.portfolio.route(role, path)
        if site is None:
            return _html(404, "404 Not Found")
        form: dict[str, str] = {}
        if request.method == "POST":
            if not (isinstance(site, SiteGenerator) and site.spec.family == "jcms"
                    and rel == "module/web/jpage/dataproxy.jsp"):
                return _html(405, "405 Method Not Allowed")
            form = {k: str(v) for k, v in (await request.post()).items()}
        if isinstance(site, SiteGenerator):
            answer = site.respond(request.method, rel, request.query_string, form,
                                  request.headers.get("User-Agent", ""))
        else:
            answer = site.respond(request.method, rel, request.query_string, form)
        if clone and self.clone is not None:
            answer = self.clone.respond(answer)
        return await self._apply(port, request, answer)

    def _platform_index(self) -> web.Response:
        assert self.portfolio is not None
        links = "".join(f'<li><a href="{SITE_PREFIX}{sid}/">{gen.identity.name}</a></li>'
                        for sid, gen in self.portfolio.sites.items() if gen.spec.placement == "prefix")
        return _html(200, "政府网站集约化平台", f"<ul>{links}</ul>")

    async def _apply(self, port: int, request: web.BaseRequest, answer: SimResponse) -> web.StreamResponse:
        fault = answer.fault
        if fault == "reset":
            _abort_with_reset(request.transport)
            return web.Response()
        if fault in ONCE_FAULTS:
            key = (port, request.raw_path)
            first = key not in self._seen
            self._seen.add(key)
            if first:
                if fault == "reset_once":
                    _abort_with_reset(request.transport)
                    return web.Response()
                if fault == "error503_once":
                    return _html(503, "503 Service Unavailable")
                return web.Response(status=429, text="Too Many Requests",
                                    headers={"Retry-After": answer.headers.get("Retry-After", "1")})
        if fault in ("head405", "head403") and request.method == "HEAD":
            status = 405 if fault == "head405" else 403
            headers = {"Allow": "GET, POST"} if status == 405 else {}
            return web.Response(status=status, headers=headers)
        if fault == "hang":
            return await self._hang(request, answer.delay)
        if answer.delay:
            await asyncio.sleep(answer.delay)
        if fault == "huge":
            return await self._huge(request)
        headers = {k: v for k, v in answer.headers.items() if k != "Retry-After"}
        headers["Content-Type"] = answer.content_type
        if answer.raw_headers:
            return _send_raw(request, answer, headers)
        return web.Response(status=answer.status, body=answer.body, headers=headers)

    async def _hang(self, request: web.BaseRequest, seconds: float) -> web.StreamResponse:
        """Send nothing until the client goes away (or ``seconds`` pass), then drop the connection."""
        for _ in range(int(seconds / _HANG_POLL) + 1):
            transport = request.transport
            if transport is None or transport.is_closing():
                break
            await asyncio.sleep(_HANG_POLL)
        _abort_with_reset(request.transport)
        return web.Response()

    async def _huge(self, request: web.BaseRequest) -> web.StreamResponse:
        """Stream ``huge_bytes`` of HTML, generated on the fly."""
        total = self.options.huge_bytes
        response = web.StreamResponse(headers={"Content-Type": HTML_UTF8, "Content-Length": str(total)})
        await response.prepare(request)
        if request.method == "HEAD":
            return response
        head = b'<!DOCTYPE html><html><head><meta charset="utf-8"><title>huge</title></head><body>\n'
        line = ("<p>" + "很长的页面。" * 10 + "</p>\n").encode("utf-8")
        chunk = (line * (_CHUNK // len(line) + 1))[:_CHUNK]
        sent = 0
        try:
            await response.write(head)
            sent = len(head)
            for _ in range(total // _CHUNK + 1):  # bounded by the size
                part = chunk[: total - sent]
                if not part:
                    break
                await response.write(part)
                sent += len(part)
            await response.write_eof()
        except (ConnectionError, RuntimeError):
            pass  # the client gave up: fine
        return response

    async def _reset_all(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """The reset_all port: read the request (briefly), then reset the connection."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(reader.read(65536), 2.0)
        _abort_with_reset(writer.transport)


async def _cancel_leftovers() -> None:
    """Cancel handlers still sleeping (slow pages, hangs) so the loop can close cleanly."""
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def print_urls(server: SimServer, out: Any = None) -> None:
    """Print the homepage of every simulated site and the manifest's bases."""
    out = out or sys.stdout
    manifest = server.manifest
    for site_id, entry in manifest["sites"].items():
        print(f"{site_id:10s} {entry['family']:7s} {entry['homepage']}  {entry['name']}", file=out)
    print(f"{'external':10s} {'':7s} {manifest['external_base']}", file=out)
    print(f"{'refused':10s} {'':7s} {manifest['refused_base']}", file=out)
    out.flush()


def serve(options: SimOptions | None = None, host: str = "127.0.0.1", port: int = 0,
          manifest_path: str | Path | None = None) -> None:
    """Serve the simulated sites until Ctrl-C (for ``govwatch sim serve``).

    ``port`` 0 lets the OS choose; otherwise ports ``port``, ``port + 1``, …
    are used (order: ``portfolio.roles_for``). ``manifest_path`` also writes the
    manifest there once the ports are known.
    """
    SimServer(options, host, port).serve_forever(manifest_path)
