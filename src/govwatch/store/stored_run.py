"""RunData backed by the store: fetch rows in memory, pages and links read on demand."""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from sqlalchemy import Connection, Text, bindparam, case, cast, func, null, select

from govwatch.core.siteconfig import parse_site_config
from govwatch.core.urls import Scope
from govwatch.rules import RuleSet
from govwatch.rules.reads import note, same_sections
from govwatch.rundata import LinkTarget, RunData, T
from govwatch.store import tables as t
from govwatch.store.blobs import decompress
from govwatch.store.db import Store, StoreError
from govwatch.store.run_results import run_analyses
from govwatch.store.writer import TEMPLATE_URL, expand_template

_FETCH_COLUMNS = ("role", "kind", "depth", "method", "status", "error", "error_detail", "final_url",
                  "content_type", "size", "elapsed_ms", "attempts", "soft_404", "body_hash", "fetched_at",
                  "filename")


_FETCH_NAMES = ("url", *_FETCH_COLUMNS)
# one object per repeated value (a batch of rows shares its fetched_at)
_SHARED_VALUES = tuple(_FETCH_NAMES.index(n) for n in ("role", "kind", "method", "error", "content_type",
                                                       "fetched_at"))
_FETCH_INDEX = {name: i for i, name in enumerate(_FETCH_NAMES)}


class FetchRow(Mapping[str, Any]):
    """One fetch row, read like a dict (``row["status"]``, ``row.get("error")``) but kept as a
    tuple: a 100,000-URL run's rows take a third of the memory dicts would."""

    __slots__ = ("_values",)

    def __init__(self, values: tuple[Any, ...]) -> None:
        self._values = values

    def __getitem__(self, key: str) -> Any:
        return self._values[_FETCH_INDEX[key]]

    def get(self, key: str, default: Any = None) -> Any:
        index = _FETCH_INDEX.get(key)
        return default if index is None else self._values[index]

    def __iter__(self) -> Iterator[str]:
        return iter(_FETCH_NAMES)

    def __len__(self) -> int:
        return len(_FETCH_NAMES)


class _RunFetches(Mapping[str, FetchRow]):
    """A stored run's fetch rows by URL, in crawl order, read on first use: a re-score whose every
    check is reused (rules/reads.py) reads none of them."""

    def __init__(self, store: Store, run_id: int) -> None:
        self._store, self._run_id = store, run_id
        self._rows: dict[str, FetchRow] | None = None
        self._ids: dict[str, int] = {}

    def _loaded(self) -> dict[str, FetchRow]:
        if self._rows is None:
            columns = [t.fetches.c.id, t.urls.c.url, *(t.fetches.c[name] for name in _FETCH_COLUMNS)]
            q = (select(*columns).join(t.urls, t.urls.c.id == t.fetches.c.url_id)
                 .where(t.fetches.c.run_id == self._run_id).order_by(t.fetches.c.id))  # crawl order on every database
            rows: dict[str, FetchRow] = {}
            shared: dict[str, str] = {}  # one object for each repeated short value (role, kind, content type ...)
            with self._store.engine.connect() as conn:
                for fetch_id, *values in conn.execute(q):
                    self._ids[values[0]] = fetch_id
                    for i in _SHARED_VALUES:
                        if isinstance(value := values[i], str):
                            values[i] = shared.setdefault(value, value)
                    rows[values[0]] = FetchRow(tuple(values))
            self._rows = rows
        return self._rows

    def id_and_depth(self, url: str) -> tuple[int, int | None] | None:
        """``url``'s fetch row id and depth (its last row, as the mapping keeps it); before the rows
        are read (a re-score that runs few checks again reads the homepage only), one query."""
        if self._rows is not None:
            fetch_id = self._ids.get(url)
            return None if fetch_id is None else (fetch_id, self._rows[url]["depth"])
        f = t.fetches.c
        with self._store.engine.connect() as conn:
            row = conn.execute(select(f.id, f.depth).join(t.urls, t.urls.c.id == f.url_id)
                               .where(f.run_id == self._run_id, t.urls.c.url == url)
                               .order_by(f.id.desc()).limit(1)).first()
        return None if row is None else (int(row[0]), row[1])

    def __getitem__(self, url: str) -> FetchRow:
        return self._loaded()[url]

    def get(self, url: str, default: Any = None) -> Any:
        return self._loaded().get(url, default)

    def __contains__(self, url: object) -> bool:
        return url in self._loaded()

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())


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
        self._reader: Connection | None = None  # for page() and body(): opened on first use
        self._facts_texts: dict[int, str | None] = {}  # fetch id -> its page's facts (JSON text), read once
        self._stored_table: dict[str, Any] | None = stored.get("rules")  # the table the run was checked with
        self._analyses = head.analyses  # run_analyses rows (None: read on first use)

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
        the run data is dropped. Autocommit: each read is one statement, no transaction is held."""
        if self._reader is None:
            self._reader = self.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            weakref.finalize(self, self._reader.close)
        return self._reader

    def page(self, url: str) -> dict[str, Any] | None:
        found = self._fetches.id_and_depth(url)
        if found is None:
            return None
        fetch_id, depth = found
        if fetch_id in self._facts_texts:
            text = self._facts_texts[fetch_id]
        else:
            text = self._read().execute(_PAGE_FACTS, {"fetch_id": fetch_id}).scalar()
            if len(self._facts_texts) < _FACTS_KEPT:  # pages read again by other checks (homepage, columns)
                self._facts_texts[fetch_id] = text
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
        """The pages of the run that hold the template links (their marker links), read once."""
        if self._holders is None:
            self._holders = list(conn.execute(
                select(t.urls.c.url).join(t.links, t.links.c.source_id == t.urls.c.id)
                .where(t.links.c.run_id == self.run_id, t.links.c.target_id == template_id)).scalars())
        return self._holders

    def _load_link_targets(self) -> list[LinkTarget]:
        # Every page holding the template links counts once for each of them; marker links
        # (to the template itself) are no link targets.
        q = (select(t.urls.c.url, func.min(t.links.c.kind), func.count())
             .join(t.urls, t.urls.c.id == t.links.c.target_id)
             .where(t.links.c.run_id == self.run_id))
        with self.store.engine.connect() as conn:
            template_id = self._template_id(conn)
            if template_id is None:
                rows = conn.execute(q.group_by(t.links.c.target_id, t.urls.c.url)).all()
                return [LinkTarget(url, kind, int(n)) for url, kind, n in rows]
            rows = conn.execute(q.where(t.links.c.source_id != template_id, t.links.c.target_id != template_id)
                                .group_by(t.links.c.target_id, t.urls.c.url)).all()
            shared = conn.execute(q.where(t.links.c.source_id == template_id)
                                  .group_by(t.links.c.target_id, t.urls.c.url)).all()
            holders = len(self._template_pages(conn, template_id))
        targets = {url: LinkTarget(url, kind, int(n)) for url, kind, n in rows}
        for url, kind, n in shared:
            entry = targets.get(url)
            if entry is None:
                targets[url] = LinkTarget(url, kind, int(n) * holders)
            else:
                entry.kind = min(entry.kind, kind)
                entry.links += int(n) * holders
        return list(targets.values())

    def links_to(self, targets: set[str]) -> list[tuple[str, str, str, str, str]]:
        if not targets:
            return []
        src = t.urls.alias("src")
        dst = t.urls.alias("dst")
        out: list[tuple[str, str, str, str, str]] = []
        wanted = list(targets)
        with self.store.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                q = (select(src.c.url, dst.c.url, t.links.c.kind, t.links.c.text, t.links.c.via)
                     .join(src, src.c.id == t.links.c.source_id).join(dst, dst.c.id == t.links.c.target_id)
                     .where(t.links.c.run_id == self.run_id, dst.c.url.in_(chunk)))
                for source, *rest in conn.execute(q):
                    if source != TEMPLATE_URL:
                        out.append((source, *rest))
                        continue
                    template_id = self._template_id(conn)
                    assert template_id is not None
                    out.extend((holder, *rest) for holder in self._template_pages(conn, template_id))
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
_FACTS_KEPT = 1024  # page facts kept per run for repeated page() reads (the rest are read each time)

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
