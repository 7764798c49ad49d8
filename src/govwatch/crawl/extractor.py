"""Page extraction off the event loop: in worker processes fed through pipes, or inline.

Extraction is the crawl's largest CPU cost; doing it in another process lets
the event loop keep fetching on the other core. Requests are pipelined over a
socket pair that the event loop drives as a stream — no executor threads, whose
GIL hand-offs stall the loop, and no blocking writes. Each worker is spawned (so no event
loop or thread is forked); a worker that dies is replaced and the page is
extracted inline, never lost.

Besides the facts, a worker may run the run's page text scan (:data:`TextScan`) on each page body while
it has the body: the crawl does not know what the scan is (the content scanners live in analysis/,
above the crawl); the pipeline hands it in, and its text is stored with the page (``pages.text_hits``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
import multiprocessing
import pickle
import socket
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO

from govwatch.core.jsonfile import compact_json
from govwatch.core.model import PreparedPage
from govwatch.extract import extract_page, facts_to_json
from govwatch.extract.jsonlist import DEFAULT_MAX_JSON_ITEMS
from govwatch.extract.links import DEFAULT_MAX_LINKS, INTERNAL_ERROR
from govwatch.extract.text import keep_text
from govwatch.store.blobs import body_hash, compress

if TYPE_CHECKING:
    from selectolax.lexbor import LexborHTMLParser

log = logging.getLogger(__name__)

# (page body, content type) -> the text stored with the page (pages.text_hits). A module-level function
# (or a functools.partial of one), so it can be sent to the spawned workers; called only for the body that
# is stored (not a rendered DOM), and it should not raise: a scan that does stores no hits, and the page
# is scanned again after the crawl. Called right after the body's extraction, which keeps the visible text
# of its tree for it (extract/text.py, keep_text): a scan reading page_text_from_body(body) parses no more.
TextScan = Callable[[bytes, str], str]


@dataclasses.dataclass(frozen=True, slots=True)
class ExtractLimits:
    """What one page's extraction reads at most (from CrawlSettings)."""

    max_links: int = DEFAULT_MAX_LINKS
    max_json_items: int = DEFAULT_MAX_JSON_ITEMS


def extract_for_crawl(body: bytes, url: str, content_type: str, site_root: str,
                      rendered: bool = False, limits: ExtractLimits = ExtractLimits(),
                      text_scan: TextScan | None = None) -> PreparedPage:
    """Extract one page and prepare it for the store (in a worker process or inline). Never raises:
    when preparing the facts fails, the page is stored with empty facts and a warning saying why.

    ``rendered``: ``body`` is the DOM a browser rendered; its lists are marked so. ``text_scan``: run
    over the body unless it is rendered (the static body is the page stored): its text is the page's
    ``text_hits`` (None when there is no scan, or it failed).
    """
    scan = text_scan is not None and not rendered
    try:
        page = _prepare(body, url, content_type, site_root, rendered, limits,
                        keep_text(body, content_type) if scan else None)
    except Exception as exc:  # noqa: BLE001 - one page's facts must not cost the page or the crawl
        log.exception("preparing the facts of %s failed", url)
        facts = extract_page(b"", url)
        facts.warnings = [f"{INTERNAL_ERROR} {type(exc).__name__}: {str(exc)[:200]}"]
        data = facts_to_json(facts)
        del data["links"], data["items"]
        page = PreparedPage(page_type=facts.page_type, title="", publish_date=None, facts_json=compact_json(data),
                            links=[], pagination=[], encoding="", soft_404=False, body_hash=body_hash(body),
                            body_size=len(body), body_zstd=compress(body), needs_render=False,
                            footer_by_script=False)
    if text_scan is not None and scan:
        page.text_hits = _scanned(text_scan, body, url, content_type)
    return page


def _scanned(text_scan: TextScan, body: bytes, url: str, content_type: str) -> str | None:
    """The page text scan's text for ``body``, or None (logged) when it fails."""
    try:
        return text_scan(body, content_type)
    except Exception:  # noqa: BLE001 - the page is scanned again after the crawl
        log.exception("the page text scan of %s failed", url)
        return None


def _prepare(body: bytes, url: str, content_type: str, site_root: str, rendered: bool,
             limits: ExtractLimits, read_tree: Callable[[LexborHTMLParser], None] | None = None) -> PreparedPage:
    facts = extract_page(body, url, content_type=content_type, site_root=site_root, detail_structure=False,
                         max_links=limits.max_links, max_json_items=limits.max_json_items, read_tree=read_tree)
    data = facts_to_json(facts)
    del data["links"], data["items"]
    if rendered:
        data["rendered"] = True
        for block in data["lists"]:
            block["source"] = "rendered"
    return PreparedPage(
        page_type=facts.page_type, title=facts.title, publish_date=data["publish_date"],
        facts_json=compact_json(data),
        links=[(ln.url, ln.text, ln.kind, ln.tag, ln.via) for ln in facts.links],
        pagination=list(facts.pagination.page_urls), encoding=facts.encoding, soft_404=facts.soft_404,
        body_hash=body_hash(body), body_size=len(body), body_zstd=compress(body),
        needs_render=facts.needs_render and not rendered,
        footer_by_script=facts.footer_by_script and not rendered)


_HEADER = struct.Struct("!I")  # a reply's size
# A request: its header (the size of the pickled id and arguments but the body, the body's size), those
# pickled, then the body's bytes as they are: a 40 MB body is neither pickled nor joined to its header.
_REQUEST_HEADER = struct.Struct("!IQ")
_BODY_CHUNK = 256 * 1024  # bytes of a body handed to the transport at a time (its buffer holds about one)
_Request = tuple[bytes, str, str, str, bool, ExtractLimits]  # extract_for_crawl's arguments but the scan
# A PreparedPage crosses the socket as a plain tuple of its fields: pickling the
# slotted dataclass itself costs twice as much on each side.
_FIELDS = tuple(f.name for f in dataclasses.fields(PreparedPage))


def _to_wire(page: PreparedPage) -> tuple[Any, ...]:
    return tuple(getattr(page, name) for name in _FIELDS)


def _read_exact(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if data is None or len(data) < size:
        raise EOFError
    return data


def _serve(sock: socket.socket, text_scan: TextScan | None = None) -> None:
    """Worker process: answer requests (see :data:`_REQUEST_HEADER`) with framed (id, PreparedPage
    fields) until EOF, running ``text_scan`` (sent once, when the worker is spawned) on each page.

    Requests are read through a buffer: when the crawler has pipelined several, one
    system call reads them all."""
    args: _Request
    with sock, sock.makefile("rb") as stream:
        while True:
            try:
                size, body_size = _REQUEST_HEADER.unpack(_read_exact(stream, _REQUEST_HEADER.size))
                request_id, rest = pickle.loads(_read_exact(stream, size))
                args = (_read_exact(stream, body_size), *rest)
            except (EOFError, OSError):
                return
            page = extract_for_crawl(*args, text_scan=text_scan)
            reply = pickle.dumps((request_id, _to_wire(page)), pickle.HIGHEST_PROTOCOL)
            try:
                sock.sendall(_HEADER.pack(len(reply)) + reply)
            except OSError:  # the crawler is gone (Ctrl-C, a stopped crawl): nothing left to answer
                return


class _Worker:
    """One extraction process, its socket, and the futures waiting on it.

    The parent side is an asyncio stream: writes are buffered by the transport,
    so the event loop never blocks on a full socket while the worker is busy.
    """

    def __init__(self, text_scan: TextScan | None = None) -> None:
        parent, child = socket.socketpair()
        ctx = multiprocessing.get_context("spawn")
        self.process = ctx.Process(target=_serve, args=(child, text_scan), daemon=True, name="govwatch-extract")
        self.process.start()
        child.close()
        self.sock = parent
        self.pending: dict[int, asyncio.Future[PreparedPage]] = {}
        self.closed = False
        self._sending = asyncio.Lock()

    async def start(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(sock=self.sock)
        self.reading = asyncio.create_task(self._read_replies())

    async def submit(self, request_id: int, args: _Request) -> PreparedPage:
        """Send one page to the worker and wait for its facts. Requests are written one at a time
        and only as fast as the worker reads them, the body in chunks: a slow worker never lets
        bodies pile up in the socket's write buffer (up to concurrency × ``max_bytes`` twice over,
        under load), and a body is never copied whole (pickled, joined or buffered)."""
        future: asyncio.Future[PreparedPage] = asyncio.get_running_loop().create_future()
        self.pending[request_id] = future
        try:
            async with self._sending:
                body = memoryview(args[0])
                meta = pickle.dumps((request_id, args[1:]), pickle.HIGHEST_PROTOCOL)
                self.writer.write(_REQUEST_HEADER.pack(len(meta), len(body)) + meta)
                for start in range(0, len(body), _BODY_CHUNK):
                    await self.writer.drain()
                    self.writer.write(body[start:start + _BODY_CHUNK])
                await self.writer.drain()
        except BaseException:
            self.pending.pop(request_id, None)
            raise
        return await future

    async def _read_replies(self) -> None:
        try:
            while True:
                (size,) = _HEADER.unpack(await self.reader.readexactly(_HEADER.size))
                request_id, fields = pickle.loads(await self.reader.readexactly(size))
                future = self.pending.pop(request_id, None)
                if future is not None and not future.done():
                    future.set_result(PreparedPage(*fields))
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            self._fail(ConnectionError("extraction worker exited"))

    def _fail(self, error: BaseException) -> None:
        self.closed = True
        for future in self.pending.values():
            if not future.done():
                future.set_exception(error)
        self.pending.clear()

    async def close(self) -> None:
        self._fail(ConnectionError("extraction worker closed"))
        self.writer.close()
        self.reading.cancel()
        await asyncio.gather(self.reading, return_exceptions=True)
        await asyncio.to_thread(self.process.join, 5)
        if self.process.is_alive():
            self.process.kill()


class Extractor:
    """Extracts pages in ``workers`` processes (0 = inline), within ``limits``, running ``text_scan``
    (if any) on each page body. Use as an async context."""

    def __init__(self, workers: int, limits: ExtractLimits = ExtractLimits(),
                 text_scan: TextScan | None = None) -> None:
        self.workers = workers
        self.limits = limits
        self.text_scan = text_scan
        self._pool: list[_Worker] = []
        self._ids = itertools.count()

    async def __aenter__(self) -> Extractor:
        self._pool = [await self._new_worker() for _ in range(self.workers)]
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.gather(*(worker.close() for worker in self._pool))
        self._pool = []

    async def _new_worker(self) -> _Worker:
        worker = _Worker(self.text_scan)
        await worker.start()
        return worker

    async def __call__(self, body: bytes, url: str, content_type: str, site_root: str,
                       rendered: bool = False) -> PreparedPage:
        args: _Request = (body, url, content_type, site_root, rendered, self.limits)
        if not self._pool:
            return extract_for_crawl(*args, text_scan=self.text_scan)
        request_id = next(self._ids)
        index = request_id % len(self._pool)
        worker = self._pool[index]
        try:
            if worker.closed:
                raise ConnectionError("extraction worker exited")
            return await worker.submit(request_id, args)
        except (ConnectionError, OSError):
            if self._pool[index] is worker:  # replace it once; this page is extracted inline
                self._pool[index] = await self._new_worker()
                await worker.close()
            return extract_for_crawl(*args, text_scan=self.text_scan)
