"""RunData backed by the store: fetch rows, pages and links read on demand (a few recent fetch rows kept)."""

from __future__ import annotations

import json
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    MetaData,
    Table,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    insert,
    null,
    select,
)

from govwatch.core.siteconfig import parse_site_config
from govwatch.core.urls import Scope
from govwatch.rules import RuleSet
from govwatch.rules.reads import note, same_sections
from govwatch.rundata import LinkTarget, LinkTargets, RunData, T, fetched
from govwatch.store import tables as t
from govwatch.store.blobs import decompress
from govwatch.store.db import Store, StoreError
from govwatch.store.run_results import run_analyses
from govwatch.store.writer import TEMPLATE_URL, expand_template

_FETCH_COLUMNS = ("role", "kind", "depth", "method", "status", "error", "error_detail", "final_url",
                  "content_type", "size", "elapsed_ms", "attempts", "soft_404", "body_hash", "fetched_at",
                  "filename")
_FETCH_NAMES = ("url", *_FETCH_COLUMNS)
_FETCH_INDEX = {name: i for i, name in enumerate(_FETCH_NAMES)}
# The URL ids links_to looks for, on the connection that asks (a temporary table: one pass over the
# run's links, whatever their number; links have no index on their target).
_WANTED_TARGETS = Table("gw_wanted_targets", MetaData(), Column("id", BigInteger, primary_key=True),
                        prefixes=["TEMPORARY"])
RECENT_FETCH_ROWS = 1024  # fetch rows a run data keeps of those it read last (_RunFetches); 4,096 held 3–4 MB
# at the end of a 100,000-page run's checks for no CPU saved (docs/benchmarks.md, issue 22, eleventh pass)


def _fetch_columns() -> list[Any]:
    """The columns of a fetch row as :class:`FetchRow` holds them (the URL first), then its id."""
    return [t.urls.c.url, *(t.fetches.c[name] for name in _FETCH_COLUMNS), t.fetches.c.id]


class FetchRow(Mapping[str, Any]):
    """One fetch row, read like a dict (``row["status"]``, ``row.get("error")``), as its query gave it."""

    __slots__ = ("_values",)

    def __init__(self, values: Sequence[Any]) -> None:
        self._values = tuple(values)

    def __getitem__(self, key: str) -> Any:
        return self._values[_FETCH_INDEX[key]]

    def get(self, key: str, default: Any = None) -> Any:
        index = _FETCH_INDEX.get(key)
        return default if index is None else self._values[index]

    def __iter__(self) -> Iterator[str]:
        return iter(_FETCH_NAMES)

    def __len__(self) -> int:
        return len(_FETCH_NAMES)


class _RunFetches(Mapping[str, Any]):
    """A stored run's fetch rows by URL (one per URL: the store's unique constraint), never all in
    memory: a row is read by a query when asked for and kept among the :data:`RECENT_FETCH_ROWS`
    read last, which reading the run's pages fills as it goes (a check looks up the row of the page
    it is reading: ``StoreRunData.pages``). Iterating reads the rows again, in crawl order. A
    100,000-page run has ~360,000 rows: held whole they were ~70 MB (their URLs ~44 MB).
    """

    def __init__(self, store: Store, run_id: int, reader: Callable[[], Connection]) -> None:
        self._store, self._run_id, self._reader = store, run_id, reader
        self._recent: OrderedDict[str, tuple[Any, ...] | None] = OrderedDict()  # url -> (values, id) or None
        self._lock = threading.Lock()  # the run data may be read from two threads
        self._one = (select(*_fetch_columns()).join(t.urls, t.urls.c.id == t.fetches.c.url_id)
                     .where(t.fetches.c.run_id == run_id, t.urls.c.url == bindparam("url")))

    def remember(self, values: Sequence[Any]) -> None:
        """Keep a row read by another query (:func:`_fetch_columns`' values) among the recent ones."""
        self._keep(values[0], tuple(values))

    def _keep(self, url: str, values: tuple[Any, ...] | None) -> None:
        with self._lock:
            self._recent[url] = values
            self._recent.move_to_end(url)
            if len(self._recent) > RECENT_FETCH_ROWS:
                self._recent.popitem(last=False)

    def _values(self, url: object) -> tuple[Any, ...] | None:
        """``url``'s row values and id (recent, or read now), None when it has no row."""
        if not isinstance(url, str):
            return None
        with self._lock:
            if url in self._recent:
                self._recent.move_to_end(url)
                return self._recent[url]
        found = self._reader().execute(self._one, {"url": url}).first()
        values = None if found is None else tuple(found)
        self._keep(url, values)
        return values

    def id_and_depth(self, url: str) -> tuple[int, int | None] | None:
        """``url``'s fetch row id and depth."""
        values = self._values(url)
        return None if values is None else (int(values[-1]), values[_FETCH_INDEX["depth"]])

    def __getitem__(self, url: str) -> Mapping[str, Any]:
        values = self._values(url)
        if values is None:
            raise KeyError(url)
        return FetchRow(values)

    def get(self, url: str, default: Any = None) -> Any:
        values = self._values(url)
        return default if values is None else FetchRow(values)

    def __contains__(self, url: object) -> bool:
        return self._values(url) is not None

    def _rows(self, role: str | None = None, kind: str | None = None) -> Iterator[tuple[Any, ...]]:
        """The run's rows (of ``role`` and ``kind`` when given) in crawl order."""
        q = (select(*_fetch_columns()).join(t.urls, t.urls.c.id == t.fetches.c.url_id)
             .where(t.fetches.c.run_id == self._run_id).order_by(t.fetches.c.id))  # crawl order on every database
        if role is not None:
            q = q.where(t.fetches.c.role == role)
        if kind is not None:
            q = q.where(t.fetches.c.kind == kind)
        with self._store.engine.connect() as conn:
            yield from conn.execution_options(yield_per=2000).execute(q)

    def __iter__(self) -> Iterator[str]:
        return (values[0] for values in self._rows())

    def __len__(self) -> int:
        with self._store.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.fetches)
                                    .where(t.fetches.c.run_id == self._run_id)).scalar_one())

    def items(self) -> Iterator[tuple[str, FetchRow]]:  # type: ignore[override]
        return self.of(None, None)

    def of(self, role: str | None, kind: str | None) -> Iterator[tuple[str, FetchRow]]:
        """(url, row) of the rows of ``role`` and ``kind`` (None: any), in crawl order."""
        return ((values[0], FetchRow(values)) for values in self._rows(role, kind))

    def values(self) -> Iterator[FetchRow]:  # type: ignore[override]
        return (FetchRow(values) for values in self._rows())


@dataclass(slots=True)
class RunHead:
    """What a :class:`StoreRunData` reads of its run when it is made: the run and site rows, the
    homepage's redirect target and, for runs whose checks are done (a re-score), the run facts and
    stored analyses (None: read on first use, as an inspection adds them after the run data is made)."""

    run: dict[str, Any]
    site: dict[str, Any]
    homepage_final_url: str | None
    facts: dict[str, dict[str, Any]] | None = None
    analyses: dict[str, tuple[list[str], Any]] | None = None


def run_heads(store: Store, run_ids: Sequence[int], *, checked: bool = False) -> dict[int, RunHead]:
    """The :class:`RunHead` of each of ``run_ids`` (with facts and analyses when ``checked``), in
    three queries (five when ``checked``) however many runs; StoreError for an unknown run."""
    wanted = list(dict.fromkeys(run_ids))
    f = t.fetches.c
    with store.engine.connect() as conn:
        runs = {r["id"]: dict(r) for r in conn.execute(select(t.runs).where(t.runs.c.id.in_(wanted))).mappings()}
        if missing := [r for r in wanted if r not in runs]:
            raise StoreError(f"no run with id {missing[0]}")
        sites = {r["id"]: dict(r) for r in conn.execute(select(t.sites).where(
            t.sites.c.id.in_({run["site_id"] for run in runs.values()}))).mappings()}
        finals: dict[int, str | None] = {}  # each run's first fetch of its homepage: where it led
        for run_id, final_url in conn.execute(
                select(f.run_id, f.final_url).join(t.urls, t.urls.c.id == f.url_id)
                .join(t.runs, t.runs.c.id == f.run_id).join(t.sites, t.sites.c.id == t.runs.c.site_id)
                .where(f.run_id.in_(wanted), t.urls.c.url == t.sites.c.url).order_by(f.id)):
            finals.setdefault(run_id, final_url)
        facts: dict[int, dict[str, dict[str, Any]]] = {r: {} for r in wanted}
        if checked:
            c = t.run_facts.c
            for run_id, name, value in conn.execute(select(c.run_id, c.name, c.facts).where(c.run_id.in_(wanted))):
                facts[run_id][name] = value
    analyses = run_analyses(store, wanted) if checked else {}
    return {r: RunHead(runs[r], sites[runs[r]["site_id"]], finals.get(r),
                       facts[r] if checked else None, analyses[r] if checked else None) for r in wanted}


class StoreRunData(RunData):
    """A stored run as checks see it."""

    def __init__(self, store: Store, run_id: int, rules: RuleSet | None = None, head: RunHead | None = None) -> None:
        """The stored run ``run_id``, judged with ``rules`` (default: the table stored with the run);
        ``head``: its :class:`RunHead` when already read (:func:`run_heads`)."""
        head = head or run_heads(store, [run_id])[run_id]
        run, site = head.run, head.site
        homepage = site["url"]
        crawl = run["settings"].get("crawl", {})
        scope = Scope.for_site(homepage, extra_hosts=tuple(crawl.get("extra_hosts", ())),
                               excluded_prefixes=tuple(crawl.get("excluded_prefixes", ())))
        self._readers: dict[int, Connection] = {}  # for page(), body(), fetch rows: one per thread, opened on first use
        fetches = _RunFetches(store, run_id, self._read)
        homepage_urls = {homepage}
        if head.homepage_final_url:
            homepage_urls.add(head.homepage_final_url)
        stored = run["settings"]
        if rules is None and stored.get("rules"):
            rules = stored_ruleset(stored["rules"])
        site_config = parse_site_config(_config_data(stored.get("site_config")), "(stored with the run)")
        super().__init__(site_url=homepage, scope=scope, as_of=date.fromisoformat(run["as_of"][:10]),
                         fetches=fetches, homepage_urls=frozenset(homepage_urls), rules=rules,
                         site_config=site_config, registered_site=site if site.get("registered") else None,
                         facts=head.facts)
        self.site_row = site  # its sites row (role, level, has_services: the scoring's site profile)
        self.store = store
        self.run_id = run_id
        self.site_id: int = run["site_id"]
        self._fetches = fetches
        self._stored_table: dict[str, Any] | None = stored.get("rules")  # the table the run was checked with
        self._analyses = head.analyses  # run_analyses rows (None: read on first use)

    def release_rows(self) -> None:
        """Forget what was read of the run's rows: its recent fetch rows, link targets, the homepage's
        facts and the analyses derived from them (each is read or computed again if asked), and close
        its reading connections (opened again if asked). An inspection calls it once it has made all
        it reports of them (``pipeline.check_and_report``): its score and its findings' document need
        none of them."""
        self._fetches = _RunFetches(self.store, self.run_id, self._read)
        self.fetches = self._fetches
        self._targets = None
        self._homepage = None
        self._derived.clear()
        self._derived_reads.clear()
        for reader in self._readers.values():  # and their page caches (store.db: up to 2 MB each)
            reader.close()
        self._readers.clear()

    def fetch_rows(self, role: str, kind: str | None = None) -> Iterator[tuple[str, Mapping[str, Any]]]:
        return self._fetches.of(role, kind)

    def probes(self) -> list[dict[str, Any]]:
        """The probe visits in the rule table's window (read once; the window counts as read by
        every caller)."""
        from govwatch.store.probes import probes_in_window
        return self.derived("probes", lambda data: probes_in_window(
            self.store, self.site_id, self.as_of, int(data.rules.availability["window_days"])))

    def stored_analysis(self, name: str, decode: Callable[[Any], T]) -> T | None:
        if self._analyses is None:
            self._analyses = run_analyses(self.store, [self.run_id])[self.run_id]
        stored = self._analyses.get(name)
        if stored is None or self._stored_table is None:
            return None
        reads, payload = stored
        if not same_sections(self._stored_table, self.rules.data, reads):
            return None
        try:
            value = decode(payload)
        except (KeyError, TypeError, ValueError):  # stored in another layout: computed again
            return None
        note(reads)
        self.restored.add(name)
        return value

    def run_fact(self, name: str) -> dict[str, Any] | None:
        if self._facts is None:
            self._facts = self.store.run_facts(self.run_id)
        return self._facts.get(name)

    def _read(self) -> Connection:
        """The run's connection for single reads (checks read hundreds of pages and bodies one by
        one; a pooled connection and a transaction per read cost more than the read), kept until
        the run data is dropped. Autocommit: each read is one statement, no transaction is held.
        One per thread: a run read from more than one thread (made on an event loop, checked in a
        worker thread: ``checks_in_thread``) never shares a connection between threads."""
        thread = threading.get_ident()
        reader = self._readers.get(thread)
        if reader is None:
            reader = self._readers[thread] = self.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            weakref.finalize(self, reader.close)
        return reader

    def page(self, url: str) -> dict[str, Any] | None:
        found = self._fetches.id_and_depth(url)
        if found is None:
            return None
        fetch_id, depth = found
        # Read each time: a cache of the 1,024 first pages read held 10 MB of list pages' facts at
        # 20,000 pages and saved no measurable CPU (875 reads of 1,859; docs/benchmarks.md, issue 22).
        text = self._read().execute(_PAGE_FACTS, {"fetch_id": fetch_id}).scalar()
        return {**_facts(text), "depth": depth} if text is not None else None

    def pages(self, page_type: str | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
        # Each page's fetch row comes along and is kept among the recent ones: a check reading the
        # pages looks up the row of the page it reads (its depth, fetch time, content type).
        q = (select(_FACTS_TEXT, *_fetch_columns())
             .join(t.fetches, t.fetches.c.id == t.pages.c.fetch_id)
             .join(t.urls, t.urls.c.id == t.fetches.c.url_id)
             .where(t.pages.c.run_id == self.run_id).order_by(t.fetches.c.id))
        if page_type is not None:
            q = q.where(t.pages.c.page_type == page_type)
        remember, depth_at = self._fetches.remember, _FETCH_INDEX["depth"]
        with self.store.engine.connect() as conn:
            for text, *row in conn.execution_options(yield_per=500).execute(q):
                remember(row)
                yield row[0], {**_facts(text), "depth": row[depth_at]}

    def page_bodies(self) -> Iterator[tuple[str, str, bytes, str]]:
        # One streamed query (pages, their fetch rows and blobs) instead of a query per body.
        q = (select(t.urls.c.url, t.pages.c.title, t.blobs.c.data, t.blobs.c.codec, t.fetches.c.content_type)
             .join(t.fetches, t.fetches.c.id == t.pages.c.fetch_id)
             .join(t.urls, t.urls.c.id == t.fetches.c.url_id)
             .join(t.blobs, t.blobs.c.hash == t.fetches.c.body_hash)
             .where(t.pages.c.run_id == self.run_id).order_by(t.fetches.c.id))
        with self.store.engine.connect() as conn:
            for url, title, data, codec, content_type in conn.execution_options(yield_per=200).execute(q):
                yield url, title or "", decompress(data, codec), content_type or ""

    def page_scans(self) -> Iterator[tuple[str, str, str | None, bytes | None, str]]:
        # One streamed query, as page_bodies; a body is read (and decompressed) only for a page stored
        # without its text hits (CASE: SQLite leaves the blob's overflow pages unread, PostgreSQL its TOAST).
        body = case((t.pages.c.text_hits.is_(None), t.blobs.c.data), else_=null())
        q = (select(t.urls.c.url, t.pages.c.title, t.pages.c.text_hits, body, t.blobs.c.codec,
                    t.fetches.c.content_type)
             .join(t.fetches, t.fetches.c.id == t.pages.c.fetch_id)
             .join(t.urls, t.urls.c.id == t.fetches.c.url_id)
             .join(t.blobs, t.blobs.c.hash == t.fetches.c.body_hash)
             .where(t.pages.c.run_id == self.run_id).order_by(t.fetches.c.id))
        with self.store.engine.connect() as conn:
            for url, title, hits, data, codec, content_type in conn.execution_options(yield_per=200).execute(q):
                yield (url, title or "", hits, decompress(data, codec) if hits is None else None,
                       content_type or "")

    def bodies(self, urls: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        # Blobs read 200 at a time (a query per body costs more than reading it). Autocommit: the
        # caller may take minutes over a chunk (attachments parsed one by one), and no transaction
        # (no snapshot PostgreSQL must keep) stays open meanwhile.
        wanted = [(url, digest) for url in urls if (digest := (self.fetches.get(url) or {}).get("body_hash"))]
        with self.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for start in range(0, len(wanted), 200):
                chunk = wanted[start:start + 200]
                rows = {h: (data, codec) for h, data, codec in conn.execute(
                    select(t.blobs.c.hash, t.blobs.c.data, t.blobs.c.codec)
                    .where(t.blobs.c.hash.in_({h for _, h in chunk})))}
                for url, digest in chunk:
                    if digest in rows:
                        yield url, decompress(*rows[digest])

    def body(self, url: str) -> bytes | None:
        row = self.fetches.get(url)
        digest = row.get("body_hash") if row else None
        if not digest:
            return None
        found = self._read().execute(_BLOB, {"hash": digest}).first()
        return decompress(found[0], found[1]) if found else None

    def _template_id(self, conn: Any) -> int | None:
        """The id of the template source URL (``store.writer.TEMPLATE_URL``), when interned."""
        return conn.execute(select(t.urls.c.id).where(t.urls.c.url == TEMPLATE_URL)).scalar()

    def _template_pages(self, conn: Any, template_id: int) -> Iterator[str]:
        """The pages of the run that hold the template links (their marker links), read again at
        each call (every page of a 100,000-page run may hold them)."""
        return conn.execute(select(t.urls.c.url).join(t.links, t.links.c.source_id == t.urls.c.id)
                            .where(t.links.c.run_id == self.run_id, t.links.c.target_id == template_id)).scalars()

    def link_target_rows(self) -> Iterator[tuple[LinkTarget, Mapping[str, Any] | None]]:
        # One streamed query: the run's links counted by target, each joined to the target's fetch
        # row. Every page holding the template links counts once for each of them; marker links
        # (to the template itself) are no link targets.
        links = t.links.c
        counted = select(links.target_id, func.min(links.kind).label("kind"), func.count().label("n")) \
            .where(links.run_id == self.run_id)
        with self.store.engine.connect() as conn:
            template_id = self._template_id(conn)
            shared: dict[str, tuple[str, int]] = {}  # the template's targets: url -> (kind, links)
            if template_id is not None:
                holders = conn.execute(select(func.count()).select_from(t.links).where(
                    links.run_id == self.run_id, links.target_id == template_id)).scalar_one()
                mine = counted.where(links.source_id == template_id).group_by(links.target_id).subquery()
                shared = {url: (kind, int(n) * holders) for url, kind, n in conn.execute(
                    select(t.urls.c.url, mine.c.kind, mine.c.n).join(mine, mine.c.target_id == t.urls.c.id))}
                counted = counted.where(links.source_id != template_id, links.target_id != template_id)
            by_target = counted.group_by(links.target_id).subquery()
            q = (select(by_target.c.kind, by_target.c.n, *_fetch_columns())
                 .select_from(by_target.join(t.urls, t.urls.c.id == by_target.c.target_id).outerjoin(
                     t.fetches, and_(t.fetches.c.run_id == self.run_id, t.fetches.c.url_id == by_target.c.target_id))))
            id_at = len(_FETCH_NAMES)  # the fetch row's id: None without a row
            for kind, n, *row in conn.execution_options(yield_per=2000).execute(q):
                url, links_to_it = row[0], int(n)
                if url in shared:
                    template_kind, template_links = shared.pop(url)
                    kind, links_to_it = min(kind, template_kind), links_to_it + template_links
                yield LinkTarget(url, kind, links_to_it), FetchRow(row) if row[id_at] is not None else None
        for url, (kind, links_to_it) in shared.items():
            yield LinkTarget(url, kind, links_to_it), self.fetches.get(url)

    def _load_link_targets(self) -> LinkTargets:
        targets = LinkTargets()
        for target, _row in self.link_target_rows():
            targets.append(target.url, target.kind, target.links)
        return targets

    def links_to(self, targets: set[str]) -> list[tuple[str, str, str, str, str]]:
        """The run's links to ``targets`` in one pass over its links: the targets' URL ids go into a
        temporary table first. (Asking for 500 target URLs at a time read every link of the run once
        per 500: 30 s for the 26,561 attachments of a 100,000-page run, 5 million links.)"""
        if not targets:
            return []
        src = t.urls.alias("src")
        dst = t.urls.alias("dst")
        out: list[tuple[str, str, str, str, str]] = []
        wanted = list(targets)
        # A failure rolls the table's rows back (and on PostgreSQL the table): a later call on this
        # connection finds it empty, or makes it again.
        with self.store.engine.begin() as conn:
            _WANTED_TARGETS.create(conn, checkfirst=True)
            for start in range(0, len(wanted), 500):
                ids = conn.execute(select(t.urls.c.id).where(t.urls.c.url.in_(wanted[start:start + 500]))).scalars()
                rows = [{"id": url_id} for url_id in ids]
                if rows:
                    conn.execute(insert(_WANTED_TARGETS), rows)
            q = (select(src.c.url, dst.c.url, t.links.c.kind, t.links.c.text, t.links.c.via)
                 .join(src, src.c.id == t.links.c.source_id).join(dst, dst.c.id == t.links.c.target_id)
                 .where(t.links.c.run_id == self.run_id, t.links.c.target_id.in_(select(_WANTED_TARGETS.c.id))))
            holders: list[str] | None = None  # the template's pages, read at its first link asked for
            for source, *rest in conn.execute(q).all():
                if source != TEMPLATE_URL:
                    out.append((source, *rest))
                    continue
                if holders is None:
                    template_id = self._template_id(conn)
                    assert template_id is not None
                    holders = list(self._template_pages(conn, template_id))
                out.extend((holder, *rest) for holder in holders)
            _WANTED_TARGETS.drop(conn)
        return out

    def attachment_links(self) -> Iterator[tuple[str, Mapping[str, Any], list[tuple[str, str]]]]:
        # Two streamed queries in crawl order, merged: the attachments' fetch rows, and the links to
        # them (the run's links read once). Each row is kept among the recent ones: the caller reads
        # the attachment's body next.
        fetches, links, src = t.fetches.c, t.links.c, t.urls.alias("src")
        attachment_ids = select(fetches.url_id).where(fetches.run_id == self.run_id, fetches.role == "resource",
                                                      fetches.kind == "attachment")
        linking = (select(fetches.id, src.c.url, links.text)
                   .join(src, src.c.id == links.source_id)
                   .join(t.fetches, and_(fetches.run_id == self.run_id, fetches.url_id == links.target_id))
                   .where(links.run_id == self.run_id, links.target_id.in_(attachment_ids))
                   .order_by(fetches.id))
        remember, id_at = self._fetches.remember, len(_FETCH_NAMES)
        with self.store.engine.connect() as conn:
            template_id = self._template_id(conn)
            holders = None  # the pages holding the template: read at its first link to an attachment
            link_rows = conn.execution_options(yield_per=2000).execute(linking)
            pending = next(link_rows, None)
            for values in self._fetches._rows("resource", "attachment"):
                while pending is not None and pending[0] < values[id_at]:  # (none: both read the same fetches)
                    pending = next(link_rows, None)
                found: list[tuple[str, str]] = []
                shared: list[tuple[str, str]] = []
                while pending is not None and pending[0] == values[id_at]:
                    (shared if pending[1] == TEMPLATE_URL else found).append((pending[1], pending[2]))
                    pending = next(link_rows, None)
                row = FetchRow(values)
                if not fetched(row):  # as attachments() leaves them out
                    continue
                if shared:
                    if holders is None:
                        assert template_id is not None
                        holders = list(self._template_pages(conn, template_id))
                    found += [(holder, text) for _template, text in shared for holder in holders]
                found.sort()
                remember(values)
                yield values[0], row, found

    def tagged_links(self, tags: Iterable[str], target_prefix: str = "") -> list[tuple[str, str, str]]:
        q = (select(t.urls.c.url, t.links.c.kind, t.links.c.tag).distinct()
             .join(t.urls, t.urls.c.id == t.links.c.target_id)
             .where(t.links.c.run_id == self.run_id, t.links.c.tag.in_(list(tags)),
                    t.urls.c.url.startswith(target_prefix, autoescape=True)))
        with self.store.engine.connect() as conn:
            return [(url, kind, tag) for url, kind, tag in conn.execute(q)]

    def baseline(self) -> RunData | None:
        """The newest completed run of the same site before this one (lower id), read lazily."""
        if not self._baseline_known:
            self._baseline_known = True
            with self.store.engine.connect() as conn:
                base_id = conn.execute(
                    select(func.max(t.runs.c.id))
                    .where(t.runs.c.site_id == self.site_id, t.runs.c.status == "completed",
                           t.runs.c.id < self.run_id)).scalar()
            if base_id is not None:
                self._baseline = StoreRunData(self.store, int(base_id), rules=self.rules)
        return self._baseline

    def links_from(self, sources: Iterable[str]) -> dict[str, list[tuple[str, str, str]]]:
        # One pass over the run's links for all sources (links are indexed by run only); a
        # page's marker link to the template stands for the run's template links.
        wanted = set(sources)
        out: dict[str, list[tuple[str, str, str]]] = {url: [] for url in wanted}
        src = t.urls.alias("src")
        dst = t.urls.alias("dst")
        with self.store.engine.connect() as conn:
            ids: dict[int, str] = {}
            names = [*wanted, TEMPLATE_URL]
            for start in range(0, len(names), 500):
                ids.update(conn.execute(select(t.urls.c.id, t.urls.c.url)
                                        .where(t.urls.c.url.in_(names[start:start + 500]))).all())
            if not ids:
                return out
            rows = conn.execute(
                select(src.c.url, dst.c.url, t.links.c.tag, t.links.c.text)
                .join(src, src.c.id == t.links.c.source_id).join(dst, dst.c.id == t.links.c.target_id)
                .where(t.links.c.run_id == self.run_id, t.links.c.source_id.in_(list(ids)))).all()
        for source, target, tag, text in expand_template(rows):
            out[source].append((target, tag, text))
        return out


_BLOB = select(t.blobs.c.data, t.blobs.c.codec).where(t.blobs.c.hash == bindparam("hash"))

# pages.facts as text, decoded by _facts (orjson: 5x faster than the JSON type's json.loads). A CAST, not
# type_coerce: PostgreSQL's driver would otherwise hand back the JSON already decoded.
_FACTS_TEXT = cast(t.pages.c.facts, Text)
_PAGE_FACTS = select(_FACTS_TEXT).where(t.pages.c.fetch_id == bindparam("fetch_id"))


def _facts(text: str) -> dict[str, Any]:
    """Stored page facts from their JSON text (what orjson refuses, e.g. NaN, goes to json)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _config_data(stored: dict[str, Any] | None) -> dict[str, Any]:
    """A stored SiteConfig (dataclasses.asdict) back into site config file form."""
    if not stored:
        return {}
    site = {k: stored[k] for k in ("name", "site_code") if stored.get(k)}
    columns = [{k: v for k, v in col.items() if v not in (None, False)} for col in stored.get("columns") or []]
    return {"site": site, "columns": columns, "systems": stored.get("systems") or []}


def stored_ruleset(data: dict[str, Any]) -> RuleSet:
    """The rule table stored with a run. Runs stored before tables had scoring get the shipped
    table's scoring parts (same id) so they can still be scored."""
    if "indicators" not in data:
        from govwatch.rules import available_rulesets, load_ruleset
        if data["id"] in available_rulesets():
            shipped = load_ruleset(data["id"]).data
            data = {**data, **{k: shipped[k] for k in ("scoring", "vetoes", "indicators")}}
    return RuleSet(id=data["id"], name=data["name"], source=data["source"], path="(stored with the run)", data=data)
