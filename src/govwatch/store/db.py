"""The store: opening, migrating, and reading/writing runs.

SQLite (a file, WAL mode) is the default; any SQLAlchemy URL works for the
same tables. Opening a store brings its schema to the newest Alembic revision.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import CursorResult, Engine, create_engine, event, insert, inspect, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from govwatch.core.jsonfile import compact_json
from govwatch.store import tables as t
from govwatch.store.blobs import decompress

MIGRATIONS = Path(__file__).parent / "migrations"
HEAD_REVISION = "0019"  # the newest migration's revision (tests/unit/test_store.py holds it to Alembic's head)


RESUMABLE_STATUSES = ("running", "interrupted", "crawled")  # runs ``inspect --resume`` can finish


class StoreError(RuntimeError):
    """The store cannot be opened or used (message says why)."""


ROWS_PER_STATEMENT = 64  # rows per multi-row INSERT (Store.insert_rows)
MAX_PARAMS = 32000  # bound values per statement, at most (and at most what SQLite allows)
URL_ID_CACHE = 8192  # URL ids remembered per generation of Store.url_ids' cache (two generations)
STATISTICS_TABLES = ("urls", "fetches", "pages", "links", "blobs")  # what a crawl fills (Store.refresh_statistics)


def _variable_limit(engine: Engine) -> int:
    """Bound values one statement may take: SQLite's limit (999 before 3.32, 32,766 since)."""
    if engine.dialect.name != "sqlite":
        return MAX_PARAMS
    raw = engine.raw_connection()
    try:
        sqlite = raw.driver_connection
        assert sqlite is not None  # None only once a pooled connection is invalidated; this one is fresh
        return min(MAX_PARAMS, sqlite.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    finally:
        raw.close()


def inserted_id(result: CursorResult[Any]) -> int:
    """The primary key of the row a single-row INSERT added."""
    key = result.inserted_primary_key
    assert key is not None  # None only for statements that insert no row
    return int(key[0])


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    # 2 MB of page cache a connection (SQLite's default; was 8 MB): the steps after a crawl hold several
    # connections at once (the pool, a StoreRunData's readers, streamed queries), 8 MB each was 22–35 MB
    # of the inspecting process's peak; the crawl's writes are as fast (bench/store_writes.py, 20,000 pages)
    cur.execute("PRAGMA cache_size=-2000")
    cur.close()


class Store:
    """A govwatch database."""

    def __init__(self, url: str) -> None:
        if "://" not in url:
            url = f"sqlite:///{url}"
        self.url = url
        try:
            # JSON columns written by orjson (one buffer; the standard library's encoder lists every token first)
            self.engine: Engine = create_engine(url, future=True, json_serializer=compact_json)
            if self.engine.dialect.name == "sqlite":
                event.listen(self.engine, "connect", _sqlite_pragmas)
            self._migrate()
            self.max_params = _variable_limit(self.engine)
        except SQLAlchemyError as exc:
            reason = getattr(exc, "orig", None) or exc
            raise StoreError(f"cannot open store {url}: {type(exc).__name__}: {reason}") from None
        self._url_ids: dict[str, int] = {}  # URL -> id, the recent generation (see url_ids)
        self._url_ids_old: dict[str, int] = {}  # the generation before

    def _migrate(self) -> None:
        with self.engine.begin() as conn:
            if inspect(conn).has_table("alembic_version") and \
                    conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD_REVISION:
                return
            # Alembic only when the schema must change: importing it costs 8 MB a crawl never needs.
            from alembic import command
            from alembic.config import Config

            cfg = Config()
            cfg.set_main_option("script_location", str(MIGRATIONS))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def close(self) -> None:
        self.engine.dispose()

    def release_caches(self) -> None:
        """Close the idle pooled connections of a SQLite file store: each keeps its page cache (up to
        2 MB) while open, filled by whatever it read last; the next query opens a new one. An
        inspection calls it between its steps (at 100,000 pages, 12.5 MB of SQLite's memory while
        the reports were written, 4.4 after). Connections in use stay open; a PostgreSQL store's
        caches are the server's, and an in-memory SQLite store lives in its one connection."""
        database = self.engine.url.database
        if self.engine.dialect.name == "sqlite" and database not in (None, "", ":memory:"):
            self.engine.dispose()

    # -- sites and runs -------------------------------------------------------------

    def site_id(self, url: str, scope_prefix: str = "/") -> int:
        """The id of the site with homepage ``url``, created when new."""
        with self.engine.begin() as conn:
            row = conn.execute(select(t.sites.c.id).where(t.sites.c.url == url)).first()
            if row:
                return int(row[0])
            result = conn.execute(insert(t.sites).values(url=url, scope_prefix=scope_prefix, created_at=now_iso()))
            return inserted_id(result)

    def update_site(self, site_id: int, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(t.sites).where(t.sites.c.id == site_id).values(**values))

    def create_run(self, site_id: int, as_of: str, settings: dict[str, Any]) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(insert(t.runs).values(
                site_id=site_id, status="running", as_of=as_of, started_at=now_iso(), settings=settings))
            return inserted_id(result)

    def resumable_run(self, site_id: int) -> int | None:
        """The newest run of the site that did not finish: its crawl (``running`` after a kill,
        ``interrupted`` after Ctrl-C or SIGTERM) or its checks (``crawled``)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.runs.c.id).where(t.runs.c.site_id == site_id, t.runs.c.status.in_(RESUMABLE_STATUSES))
                .order_by(t.runs.c.id.desc()).limit(1)).first()
        return int(row[0]) if row else None

    def _one(self, table: Any, key: int, what: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(select(table).where(table.c.id == key)).mappings().first()
        if row is None:
            raise StoreError(f"no {what} with id {key}")
        return dict(row)

    def run(self, run_id: int) -> dict[str, Any]:
        return self._one(t.runs, run_id, "run")

    def site(self, site_id: int) -> dict[str, Any]:
        return self._one(t.sites, site_id, "site")

    def site_ids(self) -> list[int]:
        """The id of every site in the store, oldest first."""
        with self.engine.connect() as conn:
            return [int(i) for i in conn.execute(select(t.sites.c.id).order_by(t.sites.c.id)).scalars()]

    def set_run_status(self, run_id: int, status: str, *, stats: dict[str, Any] | None = None,
                       error: str | None = None, finished: bool = False) -> None:
        values: dict[str, Any] = {"status": status}
        if stats is not None:
            values["stats"] = stats
        if error is not None:
            values["error"] = error
        if finished:
            values["finished_at"] = now_iso()
        with self.engine.begin() as conn:
            conn.execute(update(t.runs).where(t.runs.c.id == run_id).values(**values))

    def set_run_completeness(self, run_id: int, complete: bool, reasons: list[dict[str, Any]]) -> None:
        """Whether the run's crawl read the site, and why not (``runs.complete``, ``incomplete_reasons``)."""
        with self.engine.begin() as conn:
            conn.execute(update(t.runs).where(t.runs.c.id == run_id).values(
                complete=complete, incomplete_reasons=reasons or None))

    # -- URLs -------------------------------------------------------------------

    def insert_rows(self, conn: Any, table: Any, columns: tuple[str, ...], rows: list[tuple[Any, ...]],
                    *, ignore_conflicts: bool = False) -> None:
        """Insert many rows of plain values, :data:`ROWS_PER_STATEMENT` rows per statement.

        The write hot path, run in the crawl's writer thread: SQLAlchemy's per-row parameter
        processing costs more than the insert itself at crawl speed, and sqlite3 releases the
        GIL around every statement it steps, so a per-row executemany hands the GIL back and
        forth with the busy event loop once per row, which slows the writer several times over.
        Rows go in groups through one multi-row ``INSERT`` (one shape per table, so the driver's
        statement cache holds one small statement, not one per batch size); the rest of a batch
        row by row. On PostgreSQL, rows that need no conflict handling go through ``COPY``
        instead (:meth:`_copy_rows`). JSON values must be strings already.
        """
        if not rows:
            return
        if not ignore_conflicts and self.engine.dialect.name == "postgresql":
            self._copy_rows(conn, table, columns, rows)
            return
        mark = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        row_marks = f"({', '.join([mark] * len(columns))})"
        head = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "
        tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
        group = max(1, min(ROWS_PER_STATEMENT, self.max_params // len(columns)))
        whole = len(rows) - len(rows) % group
        if whole:
            conn.exec_driver_sql(head + ", ".join([row_marks] * group) + tail,
                                 [tuple(v for row in rows[i:i + group] for v in row) for i in range(0, whole, group)])
        if whole < len(rows):
            conn.exec_driver_sql(head + row_marks + tail, rows[whole:])

    @staticmethod
    def _copy_rows(conn: Any, table: Any, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        """``COPY … FROM STDIN`` on the connection's own transaction (psycopg 3): PostgreSQL's
        fastest way in, about 15 % quicker than multi-row INSERTs for a crawl's rows
        (bench/store_writes.py; most of the rest is the foreign-key checks of each row)."""
        cursor = conn.connection.driver_connection.cursor()
        try:
            with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        finally:
            cursor.close()

    def refresh_statistics(self) -> None:
        """PostgreSQL: gather the planner's statistics of the tables a crawl fills (``ANALYZE``).
        Autovacuum gathers them only some time after enough rows changed, so right after a crawl the
        planner still takes those tables for nearly empty and joins a run's pages to its fetch rows
        by comparing every pair: the checks of a 20,000-page site took 314 s instead of 6 s
        (docs/benchmarks.md, issue 22). A table another session holds (a VACUUM, another worker's
        ANALYZE) is skipped, not waited for. SQLite plans these reads well without statistics:
        nothing to do."""
        if self.engine.dialect.name != "postgresql":
            return
        with self.engine.begin() as conn:
            conn.execute(text(f"ANALYZE (SKIP_LOCKED) {', '.join(STATISTICS_TABLES)}"))

    def release(self) -> None:
        """Forget the URL-id cache and close pooled connections (and with them SQLite's page
        caches): after a crawl, the checks need neither, and a large site's take tens of MB."""
        self._url_ids, self._url_ids_old = {}, {}
        self.engine.dispose()

    def url_ids(self, conn: Any, urls: Iterable[str]) -> dict[str, int]:
        """Ids for ``urls``, interning new ones (within ``conn``'s transaction).

        The ids of recent URLs are cached, in two generations of at most :data:`URL_ID_CACHE`
        each (a URL found in the older one moves to the recent one; when the recent one is full
        it becomes the older one): the site template's links and a list page's neighbours
        come back on every batch, most other URLs once or twice. The cache stays a few MB
        whatever the site's size, where one entry per URL of a run took 69 MB on a
        100,000-page site. Misses are looked up first and only the URLs not found inserted, so
        a URL the store already holds (an earlier run, or evicted) uses no new id (PostgreSQL
        spends a sequence value on every ``ON CONFLICT DO NOTHING`` row, inserted or not).
        """
        recent, older = self._url_ids, self._url_ids_old
        ids: dict[str, int] = {}
        missing: dict[str, None] = {}
        for url in urls:
            if url in ids or url in missing:
                continue
            uid = recent.get(url)
            if uid is None:
                uid = older.get(url)
                if uid is None:
                    missing[url] = None
                    continue
                recent[url] = uid
            ids[url] = uid
        if missing:
            found = self._stored_url_ids(conn, list(missing))
            new = [url for url in missing if url not in found]
            if new:
                self.insert_rows(conn, t.urls, ("url",), [(url,) for url in new], ignore_conflicts=True)
                found.update(self._stored_url_ids(conn, new))
            ids.update(found)
            recent.update(found)
        if len(recent) > URL_ID_CACHE:
            self._url_ids_old, self._url_ids = recent, {}
        return ids

    def _stored_url_ids(self, conn: Any, urls: list[str]) -> dict[str, int]:
        """The ids the store holds for ``urls`` (those it has): 500 a statement, written and read at the
        driver's level (the crawl's writer asks for every batch's URLs; SQLAlchemy's expanding ``IN``
        and its row objects were over half of the lookups' CPU)."""
        mark = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        found: dict[str, int] = {}
        for start in range(0, len(urls), 500):
            chunk = urls[start:start + 500]
            rows = conn.exec_driver_sql(f"SELECT id, url FROM {t.urls.name} WHERE url IN "
                                        f"({', '.join([mark] * len(chunk))})", tuple(chunk)).all()
            found.update((url, int(uid)) for uid, url in rows)
        return found

    def store_blobs(self, conn: Any, bodies: dict[str, tuple[int, bytes]]) -> None:
        """Store zstd-compressed bodies by hash (``hash -> (size, compressed)``); known ones are skipped."""
        if not bodies:
            return
        known: set[str] = set()
        keys = list(bodies)
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            known.update(h for (h,) in conn.execute(select(t.blobs.c.hash).where(t.blobs.c.hash.in_(chunk))))
        self.insert_rows(conn, t.blobs, ("hash", "size", "codec", "data"),
                         [(h, size, "zstd", data) for h, (size, data) in bodies.items() if h not in known])

    def body(self, hash_: str) -> bytes | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.blobs.c.data, t.blobs.c.codec).where(t.blobs.c.hash == hash_)).first()
        return decompress(row[0], row[1]) if row else None

    # -- run facts (post-crawl site measurements) ------------------------------------------

    def put_run_fact(self, run_id: int, name: str, facts: dict[str, Any]) -> None:
        """Store (or replace) the run's fact document ``name``."""
        with self.engine.begin() as conn:
            conn.execute(t.run_facts.delete().where(t.run_facts.c.run_id == run_id, t.run_facts.c.name == name))
            conn.execute(insert(t.run_facts).values(run_id=run_id, name=name, facts=facts, created=now_iso()))

    def run_facts(self, run_id: int) -> dict[str, dict[str, Any]]:
        """The run's fact documents by name."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.run_facts.c.name, t.run_facts.c.facts).where(t.run_facts.c.run_id == run_id))
            return {name: facts for name, facts in rows}
