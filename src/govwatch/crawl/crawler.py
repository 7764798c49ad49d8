"""The site crawler: fetch pages in scope, check everything they link to.

Pages in scope are fetched with GET and handed to extraction; their links are
recorded and followed (pages) or checked (images, attachments, scripts,
styles, external links — checked, never crawled). Every URL ends as one
:class:`~govwatch.store.writer.FetchRecord`, success or failure; nothing raises
out of :meth:`Crawler.crawl`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import ipaddress
import json
import tempfile
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO
from urllib.parse import urlsplit

from govwatch.core.jsonfile import compact_json
from govwatch.core.model import FetchResult, Link, PreparedPage
from govwatch.core.settings import CrawlSettings
from govwatch.core.urls import Scope
from govwatch.crawl.address_guard import AddressGuard
from govwatch.crawl.challenge import blocked_detail, challenge_marker
from govwatch.crawl.extractor import ExtractLimits, Extractor, TextScan
from govwatch.crawl.fetcher import Fetcher, FetchPolicy, check_resource, make_session
from govwatch.crawl.politeness import HostLimiter
from govwatch.crawl.render import Renderer
from govwatch.crawl.robots import RobotsCache
from govwatch.crawl.script_sources import ScriptSources
from govwatch.crawl.template import LinkRow, LinkTemplate
from govwatch.crawl.traps import TrapGuard
from govwatch.extract.decode import safe_truncate
from govwatch.extract.downloads import ATTACHMENT_EXTENSIONS, extension_of, response_download
from govwatch.extract.page import PROBLEM_PREFIXES, problem_warnings
from govwatch.store.writer import FetchRecord, ResumeState, RunWriter

PAGE_KINDS = frozenset({"page", "frame"})
MAX_EXTRACT_PROBLEMS = 100  # extraction problems (and trapped URLs) named in a run's stats (all are counted)
FOOTER_RENDERS = 21  # pages rendered because scripts may write their footer: the footer check's sample
FRONTIER_IN_MEMORY = 4096  # queued URLs held in memory; the rest wait in a temporary file (Frontier)
FRONTIER_CHUNK = 2048  # queued URLs written to (and read back from) that file at a time
IN_SCOPE_CACHE = 8192  # link URLs whose scope test is remembered (the template's stay in it), then it starts over
# Bodies handed to extraction: markup, and JSON (list data that page scripts load).
_EXTRACTED_TYPES = ("text/html", "application/xhtml", "text/xml", "application/xml", "application/json",
                    "text/json")


@dataclass(slots=True)
class CrawlProgress:
    """Counters shown while a crawl runs."""

    pages: int = 0
    resources: int = 0
    errors: int = 0
    skipped: int = 0
    queued: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return (self.pages + self.resources) / elapsed if elapsed > 0 else 0.0


@dataclass(slots=True)
class CrawlStats:
    """What a finished (or stopped) crawl did."""

    pages: int
    resources: int
    errors: int
    skipped: int
    page_limit_hit: bool
    depth_limit_hit: int
    seconds: float
    rendered: int = 0
    render_errors: list[tuple[str, str]] = field(default_factory=list)  # (url, why) of pages not rendered
    # (url, warning) of what extraction lost: unusable links, internal errors, caps (the first ones)
    extract_problems: list[tuple[str, str]] = field(default_factory=list)
    extract_problem_count: int = 0
    trapped: list[tuple[str, str]] = field(default_factory=list)  # (url, why) of the first URLs the trap guards cut
    trapped_count: int = 0


def is_loopback(url: str) -> bool:
    """True for URLs on this machine (127.0.0.0/8, ::1, localhost)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _with_warning(page: PreparedPage, warning: str) -> PreparedPage:
    """``page`` with one more warning on its facts."""
    data = json.loads(page.facts_json)
    data["warnings"].append(warning)
    return dataclasses.replace(page, facts_json=compact_json(data))


def _is_extractable(result: FetchResult) -> bool:
    ctype = result.content_type.lower()
    if ctype:
        return ctype.startswith(_EXTRACTED_TYPES)
    head = result.body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<datastore", b"<head", b"<meta", b"{", b"["))


def _download_of(result: FetchResult) -> bool:
    """Whether a response fetched as a page is a file: its Content-Disposition or a document/data
    Content-Type (``text/csv`` at an extension-less URL) says so or its bytes sniff as a document
    (:func:`~govwatch.extract.downloads.response_download`). A body
    extraction reads (HTML, XML, JSON) is a file only when its bytes or its attachment name say so."""
    if not (result.ok or result.error == "too_large"):
        return False
    download = response_download(result.final_url, result.headers, result.body)
    if download is None:
        return False
    return download.detected is not None or not _is_extractable(result) \
        or extension_of(download.filename) in ATTACHMENT_EXTENSIONS


_EMPTY_SLOT = bytes(16)


class SeenUrls:
    """The URLs a crawl has queued (or fetched), kept as 16-byte BLAKE2b digests in one open-addressing
    table (a ``bytearray`` of 16-byte slots, linear probing, at most 70 % full): 23–46 bytes a URL where
    a set of digest objects took about 90 and the URL strings 130, so the frontier's memory stays small
    on a 100,000-page site (359,269 URLs: 8 MB) and the table is one block the allocator hands back
    whole. A 128-bit collision among one site's URLs (which would leave a URL unvisited) is as good as
    impossible: about n²/2¹²⁹, 10⁻²⁶ for a million URLs. An all-zero digest marks an empty slot, so a
    URL whose digest is zero (probability 2⁻¹²⁸) is stored as the digest ending in 1."""

    __slots__ = ("_table", "_mask", "_count", "_limit")

    def __init__(self, capacity: int = 4096) -> None:
        slots = 16
        while slots < capacity:
            slots *= 2
        self._table = bytearray(16 * slots)
        self._mask = slots - 1
        self._count = 0
        self._limit = slots * 7 // 10

    @staticmethod
    def key(url: str) -> bytes:
        """The digest :meth:`add` and :meth:`has` take (compute it once for both)."""
        digest = hashlib.blake2b(url.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        return digest if digest != _EMPTY_SLOT else _EMPTY_SLOT[:15] + b"\x01"

    def _slot(self, digest: bytes | bytearray) -> tuple[int, bool]:
        """The slot holding ``digest`` (True), or the empty slot where it would go (False)."""
        table, mask = self._table, self._mask
        i = int.from_bytes(digest[:8], "little") & mask
        while True:
            at = i << 4
            probe = table[at:at + 16]
            if probe == digest:
                return at, True
            if probe == _EMPTY_SLOT:
                return at, False
            i = (i + 1) & mask

    def __contains__(self, url: object) -> bool:
        return isinstance(url, str) and self._slot(self.key(url))[1]

    def __len__(self) -> int:
        return self._count

    def has(self, digest: bytes) -> bool:
        return self._slot(digest)[1]

    def add(self, url: str) -> bool:
        """Add ``url``; True when it was not there yet."""
        return self.add_key(self.key(url))

    def add_key(self, digest: bytes) -> bool:
        """Add a URL by its :meth:`key`; True when it was not there yet."""
        at, found = self._slot(digest)
        if found:
            return False
        self._table[at:at + 16] = digest
        self._count += 1
        if self._count > self._limit:
            self._grow()
        return True

    def update(self, urls: set[str]) -> None:
        for url in urls:
            self.add(url)

    def _grow(self) -> None:
        old = self._table
        slots = 2 * (self._mask + 1)
        self._table = bytearray(16 * slots)
        self._mask = slots - 1
        self._limit = slots * 7 // 10
        for start in range(0, len(old), 16):
            digest = old[start:start + 16]
            if digest != _EMPTY_SLOT:
                at = self._slot(digest)[0]
                self._table[at:at + 16] = digest


QueuedUrl = tuple[str, int, str, str]  # (url, depth, kind, via)


class _SpillingFifo:
    """First in, first out, with everything beyond the first ``keep`` entries on disk: the oldest
    entries in memory (``_head``), then chunks of :data:`FRONTIER_CHUNK` in a temporary file (JSON,
    read back in the order written), then the newest still in memory (``_tail``, until a chunk is
    full). The order is exactly a deque's."""

    __slots__ = ("_head", "_tail", "_keep", "_file", "_chunks", "_spilled", "_read_at")

    def __init__(self, keep: int) -> None:
        self._head: deque[QueuedUrl] = deque()
        self._tail: list[QueuedUrl] = []
        self._keep = keep
        self._file: IO[bytes] | None = None
        self._chunks: deque[tuple[int, int]] = deque()  # (bytes, entries) of each chunk in the file, oldest first
        self._spilled = 0  # entries in the file
        self._read_at = 0  # where the oldest chunk starts

    def __len__(self) -> int:
        return len(self._head) + self._spilled + len(self._tail)

    def append(self, item: QueuedUrl) -> None:
        if not self._spilled and not self._tail and len(self._head) < self._keep:
            self._head.append(item)
            return
        self._tail.append(item)
        if len(self._tail) >= FRONTIER_CHUNK:
            self._spill()

    def popleft(self) -> QueuedUrl:
        if not self._head:
            if self._chunks:
                self._unspill()
            elif self._tail:
                self._head.extend(self._tail)
                self._tail = []
        return self._head.popleft()

    def _spill(self) -> None:
        data = json.dumps(self._tail).encode("ascii")  # lone surrogates are escaped, read back as they were
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="govwatch-frontier-")  # noqa: SIM115 - closed by close()
        self._file.seek(0, 2)
        self._file.write(data)
        self._chunks.append((len(data), len(self._tail)))
        self._spilled += len(self._tail)
        self._tail = []

    def _unspill(self) -> None:
        assert self._file is not None
        size, count = self._chunks.popleft()
        self._file.seek(self._read_at)
        data = self._file.read(size)
        self._read_at += size
        self._spilled -= count
        self._head.extend((url, depth, kind, via) for url, depth, kind, via in json.loads(data))
        if not self._chunks:  # all read back: the file starts over
            self._file.seek(0)
            self._file.truncate()
            self._read_at = 0

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class Frontier(asyncio.Queue[QueuedUrl]):
    """The crawl's queue of URLs to visit: an :class:`asyncio.Queue` (FIFO, ``join``/``task_done``)
    that holds at most :data:`FRONTIER_IN_MEMORY` + 2 × :data:`FRONTIER_CHUNK` of them in memory and
    the rest in a temporary file, in order: a 100,000-page site queues hundreds of thousands of URLs
    at once (links to articles, images and files found faster than they are fetched), which as
    tuples in memory grew the crawl's resident set with the site."""

    def _init(self, maxsize: int) -> None:
        self._queue = _SpillingFifo(FRONTIER_IN_MEMORY)

    def _put(self, item: QueuedUrl) -> None:
        self._queue.append(item)

    def _get(self) -> QueuedUrl:
        return self._queue.popleft()

    def close(self) -> None:
        """Delete the temporary file (the queue is done with)."""
        self._queue.close()


class Crawler:
    """Crawls one site within its scope."""

    def __init__(self, settings: CrawlSettings, scope: Scope, writer: RunWriter, *,
                 site_root: str, progress: Callable[[CrawlProgress], None] | None = None,
                 renderer: Renderer | None = None, text_scan: TextScan | None = None) -> None:
        self.settings = settings
        self.scope = scope
        self.writer = writer
        self.site_root = site_root
        self.on_progress = progress
        self.progress = CrawlProgress()
        self.traps = TrapGuard(settings.max_url_length, settings.max_query_variants)
        self._queue = Frontier()
        self._seen = SeenUrls()
        self._page_budget = settings.max_pages
        self.page_limit_hit = False
        self.depth_limit_hit = 0
        self._trap_reasons: dict[str, str] = {}
        self.extractor = Extractor(settings.extract_workers,  # text_scan: run on each page body (extractor.py)
                                   ExtractLimits(settings.max_links_per_page, settings.max_json_items), text_scan)
        self.extract_problems: list[tuple[str, str]] = []
        self.extract_problem_count = 0
        self.trapped: list[tuple[str, str]] = []
        self.trapped_count = 0
        self.renderer = renderer  # None: script-filled lists are read from their data endpoints only
        self.render_errors: list[tuple[str, str]] = []
        self.template = LinkTemplate()
        self._in_scope: dict[str, bool] = {}  # link URL -> in scope (pages repeat their template links)
        self._footer_renders = FOOTER_RENDERS
        self._template_queued: tuple[Link, ...] | None = None  # the template whose links are all queued

    # -- frontier ---------------------------------------------------------------

    def _enqueue(self, url: str, depth: int, kind: str, via: str, key: bytes | None = None) -> None:
        if self._seen.add_key(key if key is not None else self._seen.key(url)):
            self._queue.put_nowait((url, depth, kind, via))

    # -- the crawl --------------------------------------------------------------

    async def crawl(self, seeds: list[str], resume: ResumeState | None = None) -> CrawlStats:
        """Crawl from ``seeds`` (or continue a stored crawl) until the frontier is empty."""
        s = self.settings
        started = time.monotonic()
        if resume is not None:
            if resume.template:
                self.template = LinkTemplate(links=resume.template)
            self._seen.update(resume.done)
            self._page_budget -= resume.pages_done
            self.progress.pages = resume.pages_done
            for url, depth, kind, via in resume.pending:
                if kind in PAGE_KINDS and (reason := self.traps.reason(url, via)) is not None:
                    self._trap_reasons[url] = reason  # the same guard as when first discovered
                self._enqueue(url, depth, kind, via)
        for seed in seeds:
            self._enqueue(seed, 0, "page", "seed")
        limiter = HostLimiter(s.per_host_concurrency, s.per_host_rate, max_pause=s.max_retry_after)
        policy = FetchPolicy.from_settings(s)
        guard = AddressGuard.for_site(self.site_root, s.allow_private)
        async with make_session(user_agent=s.user_agent, concurrency=s.concurrency, guard=guard) as session:
            self.fetcher = Fetcher(session, limiter, policy)
            self.script_sources = ScriptSources(self.fetcher, self.scope)
            self.robots = RobotsCache(self.fetcher, s.user_agent) if s.respect_robots else None
            await self.extractor.__aenter__()
            workers = [asyncio.create_task(self._worker()) for _ in range(s.concurrency)]
            ticker = asyncio.create_task(self._tick()) if self.on_progress else None
            try:
                await self._queue.join()
            finally:
                for task in workers:
                    task.cancel()
                if ticker:
                    ticker.cancel()
                await asyncio.gather(*workers, return_exceptions=True)
                await self.extractor.__aexit__()
                await self.writer.close()
                self._queue.close()
        if self.on_progress:
            self.progress.queued = 0
            self.on_progress(self.progress)
        p = self.progress
        return CrawlStats(pages=p.pages, resources=p.resources, errors=p.errors, skipped=p.skipped,
                          page_limit_hit=self.page_limit_hit, depth_limit_hit=self.depth_limit_hit,
                          seconds=round(time.monotonic() - started, 3),
                          rendered=self.renderer.rendered if self.renderer else 0,
                          render_errors=list(self.render_errors),
                          extract_problems=list(self.extract_problems), extract_problem_count=self.extract_problem_count,
                          trapped=list(self.trapped), trapped_count=self.trapped_count)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0.25)
            self.progress.queued = self._queue.qsize()
            assert self.on_progress is not None
            self.on_progress(self.progress)

    async def _worker(self) -> None:
        while True:
            url, depth, kind, via = await self._queue.get()
            try:
                await self._visit(url, depth, kind, via)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - a bug in one visit must not stop the crawl
                failed = FetchResult(url=url, final_url=url, method="GET", status=None, error="other",
                                     error_detail=f"internal error: {type(exc).__name__}: {exc}",
                                     content_type="", headers={}, body=b"", elapsed_ms=0.0)
                await self._record(FetchRecord(url=url, role="skipped", kind=kind, depth=depth, result=failed))
            finally:
                self._queue.task_done()

    async def _visit(self, url: str, depth: int, kind: str, via: str) -> None:
        in_scope = self.scope.contains(url)
        if not in_scope:
            await self._check_external(url, depth)
            return
        trap = self._trap_reasons.pop(url, None)
        if trap is not None:
            self.trapped_count += 1
            if len(self.trapped) < MAX_EXTRACT_PROBLEMS:
                self.trapped.append((url, trap))
            await self._skip(url, depth, kind, "trap", f"not crawled, looks like a crawler trap: {trap}")
            return
        if self.robots is not None and not await self.robots.allowed(url):
            await self._skip(url, depth, kind, "robots", "disallowed by robots.txt")
            return
        if kind in PAGE_KINDS:
            await self._crawl_page(url, depth, kind, via)
        elif self.settings.check_resources:
            keep = kind == "attachment"
            result = await check_resource(self.fetcher, url, keep_body=keep,
                                          max_bytes=self.settings.max_attachment_bytes if keep else None)
            await self._record(FetchRecord(url=url, role="resource", kind=kind, depth=depth, result=result,
                                           keep_body=keep))

    async def _check_external(self, url: str, depth: int) -> None:
        if not self.settings.check_external:
            return
        if self.settings.network == "offline" and not is_loopback(url):
            await self._skip(url, depth, "external", "unverifiable",
                             "network is off (crawl.network = offline): not fetched", role="resource")
            return
        result = await check_resource(self.fetcher, url)
        await self._record(FetchRecord(url=url, role="resource", kind="external", depth=depth, result=result))

    async def _crawl_page(self, url: str, depth: int, kind: str, via: str) -> None:
        if self._page_budget <= 0:
            self.page_limit_hit = True
            return
        self._page_budget -= 1
        # The seed (homepage) is retried patiently: a site-wide 503 for a few seconds must not lose the site.
        # A page past the size limit is read up to it: the links at its top are still followed.
        result = await self.fetcher.fetch(url, patient=via == "seed", read_head=True)
        if (marker := challenge_marker(result.status, result.body)) is not None:
            result.error, result.error_detail = "unverifiable", blocked_detail(result.status, marker)  # not the page
        if _download_of(result):  # a file served from a script URL: an attachment, not a page
            self._page_budget += 1
            await self._record_download(url, depth, result)
            return
        extracted = None
        links: list[Link] = []
        template: tuple[Link, ...] | None = None  # the site-template links the page holds too
        if (result.ok or result.error == "too_large") and result.body and _is_extractable(result):
            base = result.final_url
            body = result.body if result.ok else safe_truncate(result.body, len(result.body) - 1)  # whole tags only
            extracted = await self.extractor(body, base, result.content_type, self.site_root)
            if extracted.needs_render:  # the site's script files may load the list: read them for its API
                extracted = await self.script_sources.add_endpoints(extracted, base, result.body,
                                                                    result.content_type)
            if self.renderer is not None and (extracted.needs_render or self._footer_render(extracted)):
                extracted = await self._render(base, extracted)
            result.encoding = extracted.encoding or None
            self._note_extract_problems(url, extracted)
            rows = self._stored_links(extracted.links)
            own = self.template.own_links(rows)
            if own is not None:
                template = self.template.links
                rows = own
            links = [Link(url=u, text=t, kind=k, tag=g, via=v) for u, t, k, g, v in rows]  # type: ignore[arg-type]
            # Every page of a list declares all its pages again: keep the edge that
            # discovered a page (resume and link evidence need one), not hundreds of repeats.
            for page_url in extracted.pagination:
                if page_url not in self._seen:
                    links.append(Link(url=page_url, text="", kind="page", tag="script", via="pagination"))
            if result.final_url != url:
                self._seen.add(result.final_url)
        await self._record(FetchRecord(url=url, role="page", kind=kind, depth=depth, result=result,
                                       extracted=extracted, links=links, template=template))
        if template is not None and template is not self._template_queued:
            for link in template:
                if link.url not in self._seen:  # a template link a depth limit kept out of the frontier
                    self._follow(link, depth)
            if all(link.url in self._seen for link in template):
                self._template_queued = template  # all in the frontier: no page needs to look again
        for link in links:
            self._follow(link, depth)

    async def _record_download(self, url: str, depth: int, result: FetchResult) -> None:
        """Record a fetched file as an attachment with its body kept (the privacy check reads it),
        read again up to the attachment limit when the page limit cut it short."""
        limit = self.settings.max_attachment_bytes
        if result.error == "too_large" and limit > self.settings.max_bytes:
            result = await check_resource(self.fetcher, url, keep_body=True, max_bytes=limit)
        await self._record(FetchRecord(url=url, role="resource", kind="attachment", depth=depth, result=result,
                                       keep_body=True))

    def _note_extract_problems(self, url: str, page: PreparedPage) -> None:
        """Keep what extraction lost on this page (unusable links, internal errors, caps): the
        first :data:`MAX_EXTRACT_PROBLEMS` are named in the run's stats, all are counted."""
        if not any(prefix in page.facts_json for prefix in PROBLEM_PREFIXES):
            return
        found = problem_warnings(json.loads(page.facts_json).get("warnings") or [])
        self.extract_problem_count += len(found)
        room = MAX_EXTRACT_PROBLEMS - len(self.extract_problems)
        self.extract_problems.extend((url, warning) for warning in found[:max(room, 0)])

    def _footer_render(self, page: PreparedPage) -> bool:
        """Whether to render a page because scripts may write its footer: the first
        :data:`FOOTER_RENDERS` such pages (the homepage first), as many as the footer check reads."""
        if not page.footer_by_script or self._footer_renders <= 0:
            return False
        self._footer_renders -= 1
        return True

    def _stored_links(self, extracted: list[tuple[str, str, str, str, str]]) -> list[LinkRow]:
        """A page's links as stored: off-site targets are ``external``; one per (URL, kind), the first."""
        in_scope = self._in_scope
        if len(in_scope) > IN_SCOPE_CACHE:  # mostly links seen once: start over, the template's come back
            in_scope.clear()
        seen_here: set[tuple[str, str]] = set()
        rows: list[LinkRow] = []
        for link_url, text, link_kind, tag, via in extracted:
            inside = in_scope.get(link_url)
            if inside is None:
                inside = in_scope[link_url] = self.scope.contains(link_url)
            key = (link_url, link_kind if inside else "external")
            if key in seen_here:
                continue
            seen_here.add(key)
            rows.append((link_url, text, key[1], tag, via))
        return rows

    async def _render(self, url: str, static: PreparedPage) -> PreparedPage:
        """The rendered page's facts and links (the static body stays the stored snapshot);
        when rendering fails, the static facts with a warning saying why."""
        assert self.renderer is not None
        outcome = await self.renderer.render(url)
        if outcome.html is None:
            self.render_errors.append((url, outcome.error or "unknown error"))
            return _with_warning(static, f"render: {outcome.error}")
        rendered = await self.extractor(outcome.html.encode("utf-8"), url, "text/html; charset=utf-8",
                                        self.site_root, rendered=True)
        if static.needs_render:
            data = json.loads(rendered.facts_json)
            if data["needs_render"] and outcome.failed_requests:
                # the scripts ran but their data did not come: the list is unknown, not empty
                return _with_warning(static, "render: the list's data requests failed: "
                                     + ", ".join(outcome.failed_requests[:3]))
            data["needs_render"] = True  # still a page whose list scripts fill (a column page)
            rendered = dataclasses.replace(rendered, facts_json=compact_json(data))
        return dataclasses.replace(rendered, body_hash=static.body_hash, body_size=static.body_size,
                                   body_zstd=static.body_zstd, encoding=static.encoding, soft_404=static.soft_404,
                                   text_hits=static.text_hits)

    def _follow(self, link: Link, depth: int) -> None:
        key = self._seen.key(link.url)
        if self._seen.has(key):
            return
        if link.kind in PAGE_KINDS:
            next_depth = depth if link.via == "pagination" else depth + 1
            if next_depth > self.settings.max_depth:
                self.depth_limit_hit += 1
                return
            reason = self.traps.reason(link.url, link.via)
            if reason is not None:
                self._trap_reasons[link.url] = reason
            self._enqueue(link.url, next_depth, link.kind, link.via, key)
        else:
            self._enqueue(link.url, depth + 1, link.kind, link.via, key)

    async def _skip(self, url: str, depth: int, kind: str, error: str, detail: str, role: str = "skipped") -> None:
        result = FetchResult(url=url, final_url=url, method="NONE", status=None, error=error,  # type: ignore[arg-type]
                             error_detail=detail, content_type="", headers={}, body=b"", elapsed_ms=0.0, attempts=0)
        await self._record(FetchRecord(url=url, role=role, kind=kind, depth=depth, result=result))

    async def _record(self, record: FetchRecord) -> None:
        p = self.progress
        if record.role == "page":
            p.pages += 1
        elif record.role == "resource":
            p.resources += 1
        else:
            p.skipped += 1
        if record.result.error not in (None, "unverifiable") or (record.result.status or 0) >= 400:
            p.errors += 1
        await self.writer.add(record)
