"""A run's crawl and its site measurements, each in a process of its own.

An inspection crawls in a child process (spawned, as the extraction workers are: :func:`crawl_run`),
then measures the site in another (:class:`RunProcess` running :func:`measure_work`) while its checks
run in the inspecting process. What the crawl leaves in a process — its libraries' modules and
buffers, libcurl's and the writer's memory, the heap the allocator keeps after 70,000 fetches — and
what the measurements load (aiohttp, Playwright, their buffers) go back to the system with each child,
and the checks start from the inspecting process's own imports (docs/benchmarks.md, "Issue 22, fifth
pass").

A child opens the store by its URL and writes the run's rows as work in this process does; it sends
its progress and its result (or why it stopped) through a pipe. It ignores Ctrl-C: the inspecting
process stops it (SIGTERM, once, when it is cancelled itself) and waits for its end. If the
inspecting process is killed (``kill -9``), the kernel sends the child SIGTERM
(``PR_SET_PDEATHSIG``): a crawl then stops, marks its run ``interrupted`` and ends, so no crawl goes
on writing a run that nobody finishes. The kernel sends that signal once for each of the dying
parent's threads the child is handed on to; a child takes the first SIGTERM only, and its cleanup
runs to its end.

Both run in this process instead (:func:`runs_in_child` is False) when the store is in memory (no
other process can open it) or ``crawl.extract_workers`` is 0 (everything inline in one process:
debugging, and tests that patch the crawl's functions).
"""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import os
import signal
from collections.abc import Callable, Coroutine
from multiprocessing.connection import Connection
from typing import Any

from govwatch.core import aio
from govwatch.core.settings import Settings
from govwatch.core.urls import Scope
from govwatch.crawl.address_guard import AddressGuard
from govwatch.crawl.crawler import Crawler, CrawlProgress, CrawlStats, is_loopback
from govwatch.crawl.extractor import TextScan
from govwatch.crawl.render import Renderer
from govwatch.store.db import Store
from govwatch.store.writer import RunWriter, resume_state

_PR_SET_PDEATHSIG, _PR_SET_NAME = 1, 15  # prctl(2)

CRAWL_PROCESS, MEASURING_PROCESS = "govwatch-crawl", "govwatch-facts"  # the children's names (ps, top)
Send = Callable[[tuple[str, Any]], None]
Work = Callable[..., Coroutine[Any, Any, Any]]  # async (store, send, *args) -> result; a module-level function


class RunProcessError(RuntimeError):
    """A child process stopped without a result: an error in it (its type and message), or the
    process ended (killed, out of memory) without a word."""


def runs_in_child(store: Store, settings: Settings) -> bool:
    """Whether a run's crawl and site measurements run in processes of their own (the module's text)."""
    database = store.engine.url.database
    in_memory = store.engine.dialect.name == "sqlite" and database in (None, "", ":memory:")
    return settings.crawl.extract_workers > 0 and not in_memory


class RunProcess:
    """``work(store, send, *args)`` in a spawned child process that opens ``store`` by its URL.

    :meth:`message` reads what the child sent: ``("progress", value)`` as often as it sends one, then
    one of ``("result", value)``, ``("interrupted", None)`` (stopped by SIGTERM) and ``("error", text)``
    (an error in the child, or its end without a result)."""

    def __init__(self, name: str, store: Store, work: Work, *args: Any) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._receiver, sender = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=_child_main, name=name, args=(
            sender, store.engine.url.render_as_string(hide_password=False), work, args))
        self.process.start()
        sender.close()

    def done(self) -> bool:
        """True once the child's result (or its end) can be read without waiting."""
        return self._receiver.poll()

    def message(self) -> tuple[str, Any]:
        """The child's next message (blocking)."""
        try:
            return self._receiver.recv()
        except EOFError:
            self.process.join()
            return "error", f"the process ended without a result (exit status {self.process.exitcode})"

    def stop(self) -> None:
        """Ask the child to stop (SIGTERM), if it still runs."""
        if self.process.is_alive() and self.process.pid is not None:
            os.kill(self.process.pid, signal.SIGTERM)

    def close(self) -> None:
        """Wait for the child's end; its end also ends a read still waiting (end of file)."""
        self.process.join()
        self._receiver.close()


def _child_main(sender: Connection, store_url: str, work: Work, args: tuple[Any, ...]) -> None:
    """A child process: do the work, send its result (or why not) and end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the inspecting process decides when to stop
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        libc.prctl(_PR_SET_NAME, multiprocessing.current_process().name.encode()[:15])  # what ps and top show
    except (OSError, AttributeError):  # not Linux with glibc: the child outlives a killed parent
        pass
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # the parent died before the line above
        return
    try:
        store = Store(store_url)
        result = aio.run(work(store, sender.send, *args), first_sigterm_only=True)
        sender.send(("result", result))
    except (KeyboardInterrupt, asyncio.CancelledError):  # SIGTERM (aio.Terminated)
        sender.send(("interrupted", None))
    except Exception as exc:  # noqa: BLE001 - sent to the inspecting process, which says it
        sender.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        sender.close()


def make_renderer(settings: Settings, scope: Scope) -> Renderer | None:
    """The headless browser for script-filled lists, or None when rendering is off.
    Offline runs let the browser reach only the site and loopback hosts."""
    if not settings.render.enabled:
        return None
    online = settings.crawl.network == "online"
    return Renderer(settings.render, allow=lambda url: scope.contains(url) or online or is_loopback(url),
                    user_agent=settings.crawl.user_agent,
                    guard=AddressGuard.for_site(scope.origin, settings.crawl.allow_private))


async def crawl_run(store: Store, run_id: int, settings: Settings, scope: Scope, seeds: list[str], *,
                    resume: bool, text_scan: TextScan,
                    progress: Callable[[CrawlProgress], None] | None = None) -> CrawlStats:
    """Crawl run ``run_id`` from ``seeds`` (the first is the site's homepage), going on from what the
    store holds of it when ``resume``; in a child process or here (:func:`runs_in_child`).
    Cancelled, it stops the crawl, marks the run ``interrupted`` and raises ``CancelledError``."""
    if not runs_in_child(store, settings):
        return await crawl_here(store, run_id, settings, scope, seeds, resume=resume, text_scan=text_scan,
                                progress=progress)
    child = RunProcess(CRAWL_PROCESS, store, _crawl_work, run_id, settings, scope, seeds, resume, text_scan,
                       progress is not None)
    try:
        while True:
            kind, value = await asyncio.to_thread(child.message)
            if kind == "progress" and progress is not None:
                progress(value)
            elif kind == "result":
                return value
            elif kind == "interrupted":
                raise asyncio.CancelledError
            elif kind == "error":
                raise RunProcessError(f"the crawl stopped: {value}")
    except asyncio.CancelledError:
        child.stop()  # the child stops its crawl and marks the run interrupted
        await asyncio.to_thread(child.close)
        store.set_run_status(run_id, "interrupted")  # also when the signal came before the child could
        raise
    finally:
        await asyncio.to_thread(child.close)


async def _crawl_work(store: Store, send: Send, run_id: int, settings: Settings, scope: Scope, seeds: list[str],
                      resume: bool, text_scan: TextScan, with_progress: bool) -> CrawlStats:
    progress = (lambda p: send(("progress", p))) if with_progress else None
    return await crawl_here(store, run_id, settings, scope, seeds, resume=resume, text_scan=text_scan,
                            progress=progress)


async def crawl_here(store: Store, run_id: int, settings: Settings, scope: Scope, seeds: list[str], *,
                     resume: bool, text_scan: TextScan,
                     progress: Callable[[CrawlProgress], None] | None = None) -> CrawlStats:
    """The crawl in this process; cancelled, it marks the run ``interrupted``."""
    state = resume_state(store, run_id) if resume else None
    writer = RunWriter(store, run_id)
    renderer = make_renderer(settings, scope)
    crawler = Crawler(settings.crawl, scope, writer, site_root=seeds[0], progress=progress, renderer=renderer,
                      text_scan=text_scan)
    try:
        return await crawler.crawl(seeds, resume=state)
    except asyncio.CancelledError:
        store.set_run_status(run_id, "interrupted")
        raise
    finally:
        if renderer is not None:
            await renderer.close()


async def measure_work(store: Store, send: Send, run_id: int, settings: Settings) -> None:
    """The site measurements of a crawled run (:func:`~govwatch.crawl.sitefacts.runner.measure_site`),
    stored as run facts; run by :class:`RunProcess` (its ``send`` unused) or awaited here."""
    from govwatch.crawl.sitefacts.runner import measure_site  # only now: these measurements alone need aiohttp

    await measure_site(store, run_id, settings)
