"""RunData backed by the store: fetch rows in memory, pages and links read on demand."""

from __future__ import annotations

import json
import math
import threading
import weakref
from array import array
from bisect import bisect_left
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
from govwatch.rundata import LinkTargets, RunData, T
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
_NUMBER_COLUMNS = {"depth": "int", "status": "int", "size": "int", "attempts": "int", "elapsed_ms": "float",
                   "soft_404": "bool"}
_HASH_COLUMNS = frozenset({"body_hash"})
_WIDER = {"B": "H", "H": "I", "I": "Q", "b": "h", "h": "i", "i": "q"}  # array type codes, each the next wider
# The URL ids links_to looks for, on the connection that asks (a temporary table: one pass over the
# run's links, whatever their number; links have no index on their target).
_WANTED_TARGETS = Table("gw_wanted_targets", MetaData(), Column("id", BigInteger, primary_key=True),
                        prefixes=["TEMPORARY"])


def _limits(typecode: str) -> tuple[int, int]:
    """The smallest and largest value of an integer array type."""
    bits = 8 * array(typecode).itemsize
    return (0, 2 ** bits - 1) if typecode.isupper() else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)


class _Texts:
    """A text column: each distinct value kept once (role, kind, content type, the fetched_at of a
    batch, a repeated error detail ...), a row holding its code (0: None) in an array as narrow as
    the number of values allows."""

    __slots__ = ("_known", "_top", "codes", "values")

    def __init__(self) -> None:
        self.codes = array("B")
        self._top = _limits("B")[1]
        self.values: list[Any] = [None]
        self._known: dict[Any, int] = {}

    def add(self, value: Any) -> bool:
        if value is None:
            self.codes.append(0)
            return True
        code = self._known.get(value)
        if code is None:
            code = self._known[value] = len(self.values)
            self.values.append(value)
            if code > self._top:
                self.codes = array(_WIDER[self.codes.typecode], self.codes)
                self._top = _limits(self.codes.typecode)[1]
        self.codes.append(code)
        return True

    def done(self) -> None:
        self._known = {}  # only needed while loading

    def get(self, row: int) -> Any:
        return self.values[self.codes[row]]


class _Numbers:
    """An int, float or bool column in an array (ints: as narrow as their values allow). None is
    kept in the array as a stand-in; a value that does not fit (another type, NaN) is kept aside by
    the caller, its slot holding another stand-in (:meth:`get` then raises KeyError)."""

    __slots__ = ("_none", "_odd", "_top", "kind", "values")
    _none: Any
    _odd: Any

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.values = array({"int": "b", "float": "d", "bool": "b"}[kind])
        self._stand_ins()

    def _stand_ins(self) -> None:
        low, self._top = _limits(self.values.typecode) if self.kind != "float" else (0, 0)
        if self.kind == "int":  # the type's two smallest values
            self._none, self._odd = low, low + 1
        elif self.kind == "bool":
            self._none, self._odd = 2, 3
        else:  # NaN for both: a float column's None is kept aside too
            self._none = self._odd = math.nan

    def add(self, value: Any) -> bool:
        """Append ``value``; False when it does not fit."""
        kind = self.kind
        if value is None and kind != "float":
            self.values.append(self._none)
            return True
        if kind == "int":
            fits = type(value) is int and -(2 ** 63) + 1 < value < 2 ** 63
            if fits:
                while not self._odd < value <= self._top:
                    self._widen()
        elif kind == "float":
            fits = type(value) is float and not math.isnan(value)
        else:
            fits = type(value) is bool
        self.values.append(value if fits else self._odd)
        return fits

    def _widen(self) -> None:
        none, odd = self._none, self._odd
        wider = array(_WIDER[self.values.typecode], self.values)
        self.values = wider
        self._stand_ins()
        for i, value in enumerate(wider):
            if value == none:
                wider[i] = self._none
            elif value == odd:
                wider[i] = self._odd

    def get(self, row: int) -> Any:
        value = self.values[row]
        if self.kind == "float":
            if math.isnan(value):
                raise KeyError(row)
            return value
        if value == self._none:
            return None
        if value == self._odd:
            raise KeyError(row)
        return bool(value) if self.kind == "bool" else value


class _Hashes:
    """A column of hex digests (the body hash): each row's digest as bytes in one buffer, of the
    width of the first digest. A value that is no lowercase hex digest of that width is kept aside
    by the caller (:meth:`get` then raises KeyError)."""

    __slots__ = ("data", "lead", "present", "width")

    def __init__(self) -> None:
        self.data = bytearray()
        self.present = bytearray()  # per row: 1 digest in data, 0 None, 2 kept aside
        self.lead = 0  # rows before the first digest (None): no bytes in data
        self.width = 0

    def add(self, value: Any) -> bool:
        state = 0 if value is None else 2
        if isinstance(value, str) and value and len(value) % 2 == 0 and (not self.width or len(value) == 2 * self.width):
            try:
                digest = bytes.fromhex(value)
            except ValueError:
                digest = b""
            if digest and digest.hex() == value:
                if not self.width:
                    self.width, self.lead = len(digest), len(self.present)
                self.data += digest
                state = 1
        if state != 1 and self.width:
            self.data += bytes(self.width)
        self.present.append(state)
        return state != 2

    def get(self, row: int) -> Any:
        state = self.present[row]
        if state == 0:
            return None
        if state == 2:
            raise KeyError(row)
        start = (row - self.lead) * self.width
        return self.data[start:start + self.width].hex()


class FetchRow(Mapping[str, Any]):
    """One fetch row, read like a dict (``row["status"]``, ``row.get("error")``): a view of its run's
    columns (:class:`_RunFetches`), which keep the values compactly."""

    __slots__ = ("_fetches", "_row")

    def __init__(self, fetches: _RunFetches, row: int) -> None:
        self._fetches, self._row = fetches, row

    def __getitem__(self, key: str) -> Any:
        return self._fetches.value(self._row, _FETCH_INDEX[key])

    def get(self, key: str, default: Any = None) -> Any:
        index = _FETCH_INDEX.get(key)
        return default if index is None else self._fetches.value(self._row, index)

    def __iter__(self) -> Iterator[str]:
        return iter(_FETCH_NAMES)

    def __len__(self) -> int:
        return len(_FETCH_NAMES)


class _OneRow(Mapping[str, Any]):
    """A fetch row read alone (before the run's rows are read at once), as the query gave it."""

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


_POINT_READS = 256  # rows looked up by a query each before a run's rows are read at once


class _RunFetches(Mapping[str, Any]):
    """A stored run's fetch rows by URL (one per URL: the store's unique constraint), in crawl order,
    read on first use: a re-score whose every check is reused (rules/reads.py) reads none of them.

    Kept by column, not as an object per row: a row is its position in crawl order; the URLs once,
    sorted (a lookup is a binary search; link targets hold the same string objects,
    :meth:`canonical`); text values as a code into the column's distinct values; numbers in arrays;
    the body hash as its bytes. The 72,006 rows of a 20,000-page run take ~14 MB this way (38 MB as
    a tuple per row in a dict). A row read is a :class:`FetchRow` view.
    """

    def __init__(self, store: Store, run_id: int) -> None:
        self._store, self._run_id = store, run_id
        self._urls: list[str] | None = None  # sorted
        self._rows = array("I")  # sorted position -> row
        self._places = array("I")  # row -> sorted position
        self._ids = array("q")  # row -> fetch id
        self._columns: list[Any] = []  # by _FETCH_INDEX (0, the url: unused)
        self._aside: dict[tuple[int, int], Any] = {}  # (row, column) -> a value its column could not hold
        self._point_reads = 0

    def _point(self, url: object) -> tuple[bool, _OneRow | None]:
        """(True, ``url``'s row or None) by a query, while the rows are not read and few were looked
        up; (False, None) otherwise (read them all)."""
        if self._urls is not None or self._point_reads >= _POINT_READS or not isinstance(url, str):
            return False, None
        self._point_reads += 1
        q = (select(t.urls.c.url, *(t.fetches.c[name] for name in _FETCH_COLUMNS))
             .join(t.urls, t.urls.c.id == t.fetches.c.url_id)
             .where(t.fetches.c.run_id == self._run_id, t.urls.c.url == url).order_by(t.fetches.c.id.desc()).limit(1))
        with self._store.engine.connect() as conn:
            found = conn.execute(q).first()
        return True, None if found is None else _OneRow(found)

    def _loaded(self) -> list[str]:
        if self._urls is None:
            names = [t.fetches.c.id, t.urls.c.url, *(t.fetches.c[name] for name in _FETCH_COLUMNS)]
            q = (select(*names).join(t.urls, t.urls.c.id == t.fetches.c.url_id)
                 .where(t.fetches.c.run_id == self._run_id).order_by(t.fetches.c.id))  # crawl order on every database
            columns: list[Any] = [None] + [_Numbers(_NUMBER_COLUMNS[name]) if name in _NUMBER_COLUMNS
                                           else _Hashes() if name in _HASH_COLUMNS else _Texts()
                                           for name in _FETCH_COLUMNS]
            adders = list(enumerate(column.add for column in columns[1:]))
            urls: list[str] = []
            ids, aside = self._ids, self._aside
            with self._store.engine.connect() as conn:
                for fetch_id, url, *values in conn.execution_options(yield_per=2000).execute(q):
                    row = len(urls)
                    urls.append(url)
                    ids.append(fetch_id)
                    for i, add in adders:
                        if not add(values[i]):
                            aside[row, i + 1] = values[i]
            for column in columns[1:]:
                if isinstance(column, _Texts):
                    column.done()
            self._columns = columns
            order = sorted(range(len(urls)), key=urls.__getitem__)
            self._rows = array("I", order)
            self._places = array("I", bytes(4 * len(urls)))
            for place, row in enumerate(order):
                self._places[row] = place
            del order
            self._urls = [urls[row] for row in self._rows]
        return self._urls

    def _row(self, url: object) -> int | None:
        """The row of ``url``, None when it has none."""
        urls = self._loaded()
        if not isinstance(url, str):
            return None
        place = bisect_left(urls, url)
        return self._rows[place] if place < len(urls) and urls[place] == url else None

    def value(self, row: int, column: int) -> Any:
        """The value of ``column`` (a :data:`_FETCH_INDEX`) in ``row``."""
        if column == 0:
            return self._loaded()[self._places[row]]
        try:
            return self._columns[column].get(row)
        except KeyError:
            return self._aside[row, column]

    def canonical(self, url: str) -> str:
        """The URL string this mapping keeps for ``url`` (the same object, for others to hold instead
        of a copy), or ``url`` itself when it has no row."""
        urls = self._loaded()
        place = bisect_left(urls, url)
        return urls[place] if place < len(urls) and urls[place] == url else url

    def id_and_depth(self, url: str) -> tuple[int, int | None] | None:
        """``url``'s fetch row id and depth; before the rows are read (a re-score that runs few
        checks again reads the homepage only), one query."""
        if self._urls is not None:
            row = self._row(url)
            return None if row is None else (self._ids[row], self.value(row, _FETCH_INDEX["depth"]))
        f = t.fetches.c
        with self._store.engine.connect() as conn:
            found = conn.execute(select(f.id, f.depth).join(t.urls, t.urls.c.id == f.url_id)
                                 .where(f.run_id == self._run_id, t.urls.c.url == url)
                                 .order_by(f.id.desc()).limit(1)).first()
        return None if found is None else (int(found[0]), found[1])

    def __getitem__(self, url: str) -> Mapping[str, Any]:
        alone, one = self._point(url)
        if alone:
            if one is None:
                raise KeyError(url)
            return one
        row = self._row(url)
        if row is None:
            raise KeyError(url)
        return FetchRow(self, row)

    def get(self, url: str, default: Any = None) -> Any:
        alone, one = self._point(url)
        if alone:
            return default if one is None else one
        row = self._row(url)
        return default if row is None else FetchRow(self, row)

    def __contains__(self, url: object) -> bool:
        alone, one = self._point(url)
        if alone:
            return one is not None
        return self._row(url) is not None

    def __iter__(self) -> Iterator[str]:
        urls = self._loaded()
        return (urls[place] for place in self._places)

    def __len__(self) -> int:
        return len(self._loaded())

    def items(self) -> Iterator[tuple[str, FetchRow]]:  # type: ignore[override]
        urls = self._loaded()
        return ((urls[place], FetchRow(self, row)) for row, place in enumerate(self._places))

    def values(self) -> Iterator[FetchRow]:  # type: ignore[override]
        self._loaded()
        return (FetchRow(self, row) for row in range(len(self._places)))


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
        fetches = _RunFetches(store, run_id)
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
        self._holders: list[str] | None = None  # pages holding the run's template links
        self._fetches = fetches
        self._readers: dict[int, Connection] = {}  # for page() and body(): one per thread, opened on first use
        self._stored_table: dict[str, Any] | None = stored.get("rules")  # the table the run was checked with
        self._analyses = head.analyses  # run_analyses rows (None: read on first use)

    def release_rows(self) -> None:
        """Forget what was read of the run's rows: its fetch rows, link targets and template pages,
        the homepage's facts and the analyses derived from them (each is read or computed again if
        asked). An inspection calls it once it has made all it reports of them
        (``pipeline.check_and_report``): its score and its findings' document need none of them, and
        at 100,000 pages they are ~50 MB."""
        self._fetches = _RunFetches(self.store, self.run_id)
        self.fetches = self._fetches
        self._targets = None
        self._holders = None
        self._homepage = None
        self._derived.clear()
        self._derived_reads.clear()

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
        q = (select(t.urls.c.url, _FACTS_TEXT, t.fetches.c.depth)
             .join(t.fetches, t.fetches.c.id == t.pages.c.fetch_id)
             .join(t.urls, t.urls.c.id == t.fetches.c.url_id)
             .where(t.pages.c.run_id == self.run_id).order_by(t.fetches.c.id))
        if page_type is not None:
            q = q.where(t.pages.c.page_type == page_type)
        with self.store.engine.connect() as conn:
            for url, text, depth in conn.execution_options(yield_per=500).execute(q):
                yield url, {**_facts(text), "depth": depth}

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

    def _template_pages(self, conn: Any, template_id: int) -> list[str]:
        """The pages of the run that hold the template links (their marker links), read once; their
        URL strings are the fetch rows' own (every page of a 100,000-page run may hold them)."""
        if self._holders is None:
            canonical = self._fetches.canonical
            self._holders = [canonical(url) for url in conn.execute(
                select(t.urls.c.url).join(t.links, t.links.c.source_id == t.urls.c.id)
                .where(t.links.c.run_id == self.run_id, t.links.c.target_id == template_id)).scalars()]
        return self._holders

    def _load_link_targets(self) -> LinkTargets:
        # Every page holding the template links counts once for each of them; marker links
        # (to the template itself) are no link targets. Streamed into a compact LinkTargets whose URL
        # strings are the fetch rows' own (a target mostly is a fetched URL).
        q = (select(t.urls.c.url, func.min(t.links.c.kind), func.count())
             .join(t.urls, t.urls.c.id == t.links.c.target_id)
             .where(t.links.c.run_id == self.run_id))
        targets = LinkTargets()
        canonical = self._fetches.canonical
        with self.store.engine.connect() as conn:
            template_id = self._template_id(conn)
            shared: dict[str, tuple[str, int]] = {}  # the template's targets: url -> (kind, links)
            if template_id is not None:
                holders = len(self._template_pages(conn, template_id))
                shared = {url: (kind, int(n) * holders) for url, kind, n in conn.execute(
                    q.where(t.links.c.source_id == template_id).group_by(t.links.c.target_id, t.urls.c.url))}
                q = q.where(t.links.c.source_id != template_id, t.links.c.target_id != template_id)
            kinds: dict[str, str] = {}  # one object per kind
            rows = conn.execution_options(yield_per=2000).execute(q.group_by(t.links.c.target_id, t.urls.c.url))
            for url, kind, n in rows:
                links = int(n)
                if url in shared:
                    template_kind, template_links = shared.pop(url)
                    kind, links = min(kind, template_kind), links + template_links
                targets.append(canonical(url), kinds.setdefault(kind, kind), links)
        for url, (kind, links) in shared.items():
            targets.append(canonical(url), kind, links)
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
            for source, *rest in conn.execute(q):
                if source != TEMPLATE_URL:
                    out.append((source, *rest))
                    continue
                template_id = self._template_id(conn)
                assert template_id is not None
                out.extend((holder, *rest) for holder in self._template_pages(conn, template_id))
            _WANTED_TARGETS.drop(conn)
        return out

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
