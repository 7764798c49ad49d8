"""Headless Chromium for pages whose lists JavaScript fills (Debian chromium via Playwright).

The browser is the system's (``render.executable``; by default Debian's
chromium-headless-shell when installed, else /usr/bin/chromium: see
:func:`govwatch.core.settings.default_browser`); govwatch never downloads one. It starts on the first page that needs it, renders
at most ``render.max_pages`` pages per run, loads no images, fonts or media, and
sends nothing to hosts the crawl may not reach (off-scope hosts in offline mode), nor to
non-public addresses the run's :class:`~govwatch.crawl.address_guard.AddressGuard` refuses (each
request's host is resolved and judged before the browser may send it).
A browser that cannot start or a page that fails to render is an error string
on the outcome, never an exception: the page keeps its static facts. Data requests
of the page (XHR, fetch, scripts) that fail or answer an HTTP error are listed on the
outcome: a list they should have filled is then unknown, not empty.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from govwatch.core.settings import RenderSettings
from govwatch.crawl.address_guard import AddressGuard, url_target

_SKIPPED_RESOURCES = frozenset({"image", "media", "font", "stylesheet"})
_DATA_RESOURCES = frozenset({"xhr", "fetch", "script"})  # requests that bring a list's data
# Memory of each renderer (what a page's scripts do is unchanged, only how fast they run):
# - ``--max-semi-space-size=1`` (MB): V8's young generation stays small (tens of MB otherwise);
# - ``--max-opt=1``: V8's interpreter and its baseline compiler (Sparkplug) only, not its optimising
#   compilers, whose code and data a renderer would otherwise hold: the largest renderer of an
#   accessibility pass 166 → 152–158 MB (docs/benchmarks.md, "Issue 22, fifth pass").
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
                  "--disable-extensions", "--disable-sync", "--no-first-run", "--mute-audio",
                  "--js-flags=--max-semi-space-size=1 --max-opt=1"]
# The same for Playwright's Node.js driver, which relays every request the browser makes: its peak
# was 164 MB without it, 128 MB with it, in an inspection of a 20,000-page site (bench/memory_peaks.py).
DRIVER_NODE_OPTIONS = "--max-semi-space-size=1"


def limit_driver_memory() -> None:
    """Give Playwright's Node.js driver (started by ``async_playwright()``, with this process's
    environment) :data:`DRIVER_NODE_OPTIONS`, unless ``NODE_OPTIONS`` is already set."""
    os.environ.setdefault("NODE_OPTIONS", DRIVER_NODE_OPTIONS)


@dataclass(slots=True)
class RenderOutcome:
    """The rendered DOM (``html``) or why there is none (``error``)."""

    url: str
    html: str | None
    error: str | None
    elapsed_ms: float
    failed_requests: list[str] = field(default_factory=list)  # "URL (HTTP 500)" of data requests that failed


class Renderer:
    """Renders pages in one shared headless Chromium. Use as an async context."""

    def __init__(self, settings: RenderSettings, *, allow: Callable[[str], bool], user_agent: str,
                 guard: AddressGuard | None = None) -> None:
        self.settings = settings
        self.allow = allow  # may the browser request this URL?
        self.guard = guard  # which addresses it may reach (None: any)
        self.user_agent = user_agent
        self.rendered = 0
        self.failed = 0
        self._budget = settings.max_pages
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._start_lock = asyncio.Lock()
        self._playwright: Any = None
        self._context: Any = None
        self._unavailable: str | None = None

    async def __aenter__(self) -> Renderer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _start(self) -> None:
        async with self._start_lock:
            if self._context is not None or self._unavailable is not None:
                return
            executable = self.settings.executable
            if not os.access(executable, os.X_OK):
                self._unavailable = (f"no browser at {executable} (install Debian's chromium-headless-shell "
                                     "or chromium package, or set render.executable, or render.enabled: false)")
                return
            try:
                from playwright.async_api import async_playwright
                limit_driver_memory()
                self._playwright = await async_playwright().start()
                browser = await self._playwright.chromium.launch(
                    executable_path=executable, headless=True, args=CHROMIUM_FLAGS,
                    timeout=self.settings.timeout * 1000)
                self._context = await browser.new_context(user_agent=self.user_agent, service_workers="block")
                await self._context.route("**/*", self._route)
            except Exception as exc:  # noqa: BLE001 - a browser that cannot start is a recorded failure
                self._unavailable = f"cannot start {executable}: {type(exc).__name__}: {str(exc).splitlines()[0]}"
                await self.close()

    async def _route(self, route: Any) -> None:
        request = route.request
        if request.resource_type in _SKIPPED_RESOURCES or not self.allow(request.url):
            await route.abort()
        elif await self._address_refusal(request.url) is not None:
            await route.abort("addressunreachable")
        else:
            await route.continue_()

    async def _address_refusal(self, url: str) -> str | None:
        """Why the guard refuses the address(es) of ``url``'s host, after resolving it, or None.
        A name that does not resolve is left to the browser (it fails there too)."""
        target = url_target(url)
        if self.guard is None or target is None:
            return None if self.guard is None else "not an http(s) URL"
        host, port = target
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return None
        for info in infos:
            if (refusal := self.guard.refusal(host, port, str(info[4][0]))) is not None:
                return refusal
        return None

    async def render(self, url: str) -> RenderOutcome:
        """Load ``url``, let its scripts run until the network is idle, return the DOM."""
        started = time.perf_counter()
        if self._budget <= 0:
            return self._failure(url, started, f"render budget of {self.settings.max_pages} pages used up")
        self._budget -= 1
        await self._start()
        if self._context is None:
            return self._failure(url, started, self._unavailable or "browser not started")
        failed: list[str] = []
        async with self._slots:
            page = await self._context.new_page()
            page.on("response", lambda response: self._note_response(response, failed))
            page.on("requestfailed", lambda request: self._note_failure(request, failed))
            try:
                await page.goto(url, wait_until="networkidle", timeout=self.settings.timeout * 1000)
                html = await page.content()
            except Exception as exc:  # noqa: BLE001 - timeouts, crashes: recorded per page
                return self._failure(url, started, f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
            finally:
                await page.close()
        self.rendered += 1
        return RenderOutcome(url, html, None, (time.perf_counter() - started) * 1000, failed)

    def _note_response(self, response: Any, failed: list[str]) -> None:
        if response.status >= 400 and response.request.resource_type in _DATA_RESOURCES:
            failed.append(f"{response.url} (HTTP {response.status})")

    def _note_failure(self, request: Any, failed: list[str]) -> None:
        if request.resource_type in _DATA_RESOURCES and self.allow(request.url):  # not the requests we abort
            failed.append(f"{request.url} ({request.failure or 'failed'})")

    def _failure(self, url: str, started: float, error: str) -> RenderOutcome:
        self.failed += 1
        return RenderOutcome(url, None, error, (time.perf_counter() - started) * 1000)

    async def close(self) -> None:
        context, playwright = self._context, self._playwright
        self._context = self._playwright = None
        for closing in ((context.browser.close if context is not None and context.browser else None),
                        (playwright.stop if playwright is not None else None)):
            if closing is not None:
                try:
                    await closing()
                except Exception:  # noqa: BLE001 - already gone
                    pass
