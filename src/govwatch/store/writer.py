"""Batched, crash-safe writing of crawl results.

The crawler hands each finished URL to :class:`RunWriter`; rows are written in
batches, each batch in one transaction, in a worker thread so the event loop
keeps crawling. A page's fetch row, its facts and its outgoing links commit
together, so after a kill the store holds whole pages only, and a resumed
crawl rebuilds its frontier from them (:func:`resume_state`).

Site-template links (``crawl.template``: nav and footer links every page repeats) are
stored once per run, as links whose source is :data:`TEMPLATE_URL`, committed with the
first page that uses them; each page that holds them has one marker link (kind
:data:`TEMPLATE_KIND`) to :data:`TEMPLATE_URL` instead of a row per template link.
:func:`expand_template` turns them back into per-page links for readers.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from govwatch.core.model import FetchResult, Link, PreparedPage
from govwatch.extract.downloads import disposition_filename
from govwatch.store import tables as t
from govwatch.store.blobs import body_hash, compress
from govwatch.store.db import Store, now_iso


@dataclass(slots=True)
class FetchRecord:
    """One finished URL of a crawl."""

    url: str
    role: str  # page | resource | skipped
    kind: str
    depth: int
    result: FetchResult
    extracted: PreparedPage | None = None  # crawled HTML/XML pages: facts, prepared body
    links: list[Link] = field(default_factory=list)  # the page's own links (beyond the template)
    keep_body: bool = False
    template: tuple[Link, ...] | None = None  # the site-template links the page also holds


STORED_BODIES_REMEMBERED = 2048  # digests of committed kept bodies a writer remembers (then starts over)

# The source of a run's template links, and the kind of a page's link to it.
TEMPLATE_URL = "govwatch:template"
TEMPLATE_KIND = "template"
_MARKER = (TEMPLATE_KIND, TEMPLATE_KIND, TEMPLATE_KIND, "")  # kind, tag, via, text of a marker link


class RunWriter:
    """Collects records and commits them in batches (size or age, whichever first)."""

    def __init__(self, store: Store, run_id: int, *, batch_size: int = 400, max_age: float = 1.0) -> None:
        self.store = store
        self.run_id = run_id
        self.batch_size = batch_size
        self.max_age = max_age
        self._pending: list[FetchRecord] = []
        self._oldest = 0.0
        self._flushing: asyncio.Task[None] | None = None
        self.written = 0
        self._template: tuple[Link, ...] | None = None  # the template links known to be stored
        # Digests of kept bodies (attachments) this writer committed, the recent ones: a file that
        # many pages link (one PDF under many URLs) is hashed again, not compressed again.
        self._stored_bodies: set[str] = set()

    async def add(self, record: FetchRecord) -> None:
        if not self._pending:
            self._oldest = time.monotonic()
        self._pending.append(record)
        if len(self._pending) >= self.batch_size or time.monotonic() - self._oldest >= self.max_age:
            await self._start_flush()

    async def _start_flush(self) -> None:
        if self._flushing is not None:
            if not self._flushing.done() and len(self._pending) < 4 * self.batch_size:
                return  # let the batch grow while the previous one commits
            await self._flushing
        batch, self._pending = self._pending, []
        if batch:
            self._flushing = asyncio.create_task(asyncio.to_thread(self.write_batch, batch))

    async def close(self) -> None:
        """Commit everything still pending."""
        if self._flushing is not None:
            await self._flushing
            self._flushing = None
        batch, self._pending = self._pending, []
        if batch:
            await asyncio.to_thread(self.write_batch, batch)

    def write_batch(self, batch: list[FetchRecord]) -> None:
        """Write records in one transaction (driver-level executemany: this is the hot path)."""
        store = self.store
        when = now_iso()
        run_id = self.run_id
        with store.engine.begin() as conn:
            urls: list[str] = []
            template = self._template_of(batch)
            if template is not None:
                urls.append(TEMPLATE_URL)
                urls.extend(link.url for link in template)
            for rec in batch:
                urls.append(rec.url)
                urls.extend(link.url for link in rec.links)
            ids = store.url_ids(conn, urls)
            bodies: dict[str, tuple[int, bytes]] = {}
            kept: list[str] = []  # digests of the batch's kept bodies
            fetch_rows = []
            for rec in batch:
                r = rec.result
                digest = None
                page = rec.extracted
                if page is not None:
                    digest = page.body_hash
                    bodies[digest] = (page.body_size, page.body_zstd)
                elif rec.keep_body and r.body:
                    digest = body_hash(r.body)
                    kept.append(digest)
                    if digest not in bodies and digest not in self._stored_bodies:
                        bodies[digest] = (len(r.body), compress(r.body))
                fetch_rows.append((
                    run_id, ids[rec.url], rec.role, rec.kind, rec.depth, r.method, r.status, r.error,
                    _storable(r.error_detail) or None, r.final_url if r.final_url != rec.url else None,
                    r.content_type or None, len(r.body) if r.body else None, round(r.elapsed_ms, 1),
                    round(r.first_byte_ms, 1) if r.first_byte_ms is not None else None, r.attempts,
                    json.dumps(r.redirects) if r.redirects else None, digest, r.encoding,
                    bool(page and page.soft_404), when, _filename(r),
                ))
            store.store_blobs(conn, bodies)
            store.insert_rows(conn, t.fetches, _FETCH_COLUMNS, fetch_rows)
            pages = [(rec.url, rec.extracted) for rec in batch if rec.extracted is not None]
            if pages:
                wanted = [ids[url] for url, _ in pages]
                fetch_ids = dict(conn.execute(
                    select(t.fetches.c.url_id, t.fetches.c.id)
                    .where(t.fetches.c.run_id == run_id, t.fetches.c.url_id.in_(wanted))).all())
                store.insert_rows(conn, t.pages, _PAGE_COLUMNS, [(
                    fetch_ids[ids[url]], run_id, page.page_type, page.title, page.publish_date, page.facts_json,
                    page.text_hits,
                ) for url, page in pages])
            link_rows: list[tuple[int, int, int, str, str, str, str]] = []
            if template is not None and not self._template_stored(conn, ids[TEMPLATE_URL]):
                link_rows = [(run_id, ids[TEMPLATE_URL], ids[link.url], link.kind, link.tag, link.via,
                              link.text[:500]) for link in template]
            for rec in batch:
                source = ids[rec.url]
                if rec.template is not None:
                    link_rows.append((run_id, source, ids[TEMPLATE_URL], *_MARKER))
                link_rows.extend((run_id, source, ids[link.url], link.kind, link.tag, link.via, link.text[:500])
                                 for link in rec.links)
            if link_rows:
                store.insert_rows(conn, t.links, _LINK_COLUMNS, link_rows)
        self.written += len(batch)
        if len(self._stored_bodies) + len(kept) > STORED_BODIES_REMEMBERED:
            self._stored_bodies.clear()
        self._stored_bodies.update(kept)
        if template is not None:
            self._template = template

    def _template_of(self, batch: list[FetchRecord]) -> tuple[Link, ...] | None:
        """The template the batch's pages refer to (one per run), or None."""
        template = next((rec.template for rec in batch if rec.template is not None), None)
        if template is None:
            return None
        for other in (self._template, *(rec.template for rec in batch)):
            if other is not None and other is not template and other != template:
                raise ValueError("a run has one link template")
        return template

    def _template_stored(self, conn: Any, template_id: int) -> bool:
        """The run's template links are in the store (committed earlier, perhaps by the crawl
        this one resumes: that crawl's template is the one resumed crawls use)."""
        if self._template is not None:
            return True
        return conn.execute(select(t.links.c.source_id).where(
            t.links.c.run_id == self.run_id, t.links.c.source_id == template_id).limit(1)).first() is not None


_FETCH_COLUMNS = ("run_id", "url_id", "role", "kind", "depth", "method", "status", "error", "error_detail",
                  "final_url", "content_type", "size", "elapsed_ms", "first_byte_ms", "attempts", "redirects",
                  "body_hash", "encoding", "soft_404", "fetched_at", "filename")
_PAGE_COLUMNS = ("fetch_id", "run_id", "page_type", "title", "publish_date", "facts", "text_hits")
_LINK_COLUMNS = ("run_id", "source_id", "target_id", "kind", "tag", "via", "text")


def _filename(result: FetchResult) -> str | None:
    """The file name a response's ``Content-Disposition`` gives (a download), or None."""
    header = result.headers.get("content-disposition")
    name = disposition_filename(header) if header else None
    return _storable(name) if name else None


def _storable(text: str) -> str:
    """Text a server chose, storable on every database: PostgreSQL's text holds no NUL character (a
    ``filename*=…%00…`` would fail the whole batch), so it becomes U+FFFD as in extracted text."""
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def expand_template(edges: Iterable[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """Per-page links from stored ones: ``(source, target, *rest)`` rows (URLs), where a
    page's marker link to :data:`TEMPLATE_URL` stands for every template link, yielded in
    its place with that page as source. The rows must include the template's own
    (source :data:`TEMPLATE_URL`) when markers are among them."""
    edges = list(edges)
    template = [edge[1:] for edge in edges if edge[0] == TEMPLATE_URL]
    for edge in edges:
        source, target = edge[0], edge[1]
        if source == TEMPLATE_URL:
            continue
        if target == TEMPLATE_URL:
            for rest in template:
                yield (source, *rest)
        else:
            yield edge


@dataclass(slots=True)
class ResumeState:
    """What a resumed crawl starts from."""

    done: set[str]  # URLs already fetched, checked or skipped
    pending: list[tuple[str, int, str, str]]  # (url, depth, kind, via) not yet done
    pages_done: int
    template: list[Link] = field(default_factory=list)  # the run's stored template links, if any


def resume_state(store: Store, run_id: int) -> ResumeState:
    """Rebuild a crawl's frontier from the committed pages and their links."""
    src = t.urls.alias("src")
    dst = t.urls.alias("dst")
    with store.engine.connect() as conn:
        done_rows = conn.execute(
            select(t.urls.c.url, t.fetches.c.role).join(t.fetches, t.fetches.c.url_id == t.urls.c.id)
            .where(t.fetches.c.run_id == run_id)).all()
        done = {url for url, _ in done_rows}
        pages_done = sum(1 for _, role in done_rows if role == "page")
        depth_of = dict(conn.execute(
            select(t.urls.c.url, t.fetches.c.depth).join(t.fetches, t.fetches.c.url_id == t.urls.c.id)
            .where(t.fetches.c.run_id == run_id, t.fetches.c.role == "page")).all())
        edges = conn.execute(
            select(src.c.url, dst.c.url, t.links.c.kind, t.links.c.via, t.links.c.tag, t.links.c.text)
            .join(src, src.c.id == t.links.c.source_id).join(dst, dst.c.id == t.links.c.target_id)
            .where(t.links.c.run_id == run_id)).all()
    template = [Link(url=target, text=text, kind=kind, tag=tag, via=via)
                for source, target, kind, via, tag, text in edges if source == TEMPLATE_URL]
    best: dict[str, tuple[int, str, str]] = {}
    for source, target, kind, via, _tag, _text in expand_template(edges):
        if target in done:
            continue
        depth = depth_of.get(source, 0) + (0 if via == "pagination" else 1)
        if target not in best or depth < best[target][0]:
            best[target] = (depth, kind, via)
    pending = [(url, d, kind, via) for url, (d, kind, via) in best.items()]
    return ResumeState(done=done, pending=pending, pages_done=pages_done, template=template)
