"""``Store.refresh_statistics`` (store/db.py): on PostgreSQL, the planner's statistics of the tables
a crawl fills are gathered (right after a crawl they are not, and the checks' joins were planned
as if the tables were empty: docs/benchmarks.md); a table another session holds is skipped, not
waited for; on SQLite nothing is done."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import text

from govwatch.core.model import FetchResult, Link
from govwatch.store.db import STATISTICS_TABLES, Store
from govwatch.store.writer import FetchRecord, RunWriter

SITE = "http://www.stats.gov.cn/"
PAGES = 300


def _crawl(store: Store) -> None:
    run_id = store.create_run(store.site_id(SITE), "2026-11-22", {"crawl": {}})
    writer = RunWriter(store, run_id)
    for page in range(PAGES):
        url = f"{SITE}p{page}.html"
        result = FetchResult(url=url, final_url=url, method="GET", status=200, error=None, error_detail="",
                             content_type="text/html", headers={}, body=f"<p>{page}</p>".encode(), elapsed_ms=1.0)
        links = [Link(f"{SITE}p{(page + 1) % PAGES}.html", "下一页", "page", "a", "html")]
        writer.write_batch([FetchRecord(url=url, role="page", kind="page", depth=1, result=result, links=links)])


def _analyzed(store: Store) -> dict[str, tuple[Any, float]]:
    """Each table's last ANALYZE by hand (None: never) and the planner's row count."""
    with store.engine.connect() as conn:
        return {name: (analyzed, tuples) for name, analyzed, tuples in conn.execute(text(
            "SELECT s.relname, s.last_analyze, c.reltuples FROM pg_stat_user_tables s "
            "JOIN pg_class c ON c.oid = s.relid WHERE s.relname = ANY(:names)"), {"names": list(STATISTICS_TABLES)})}


def test_the_crawled_tables_are_analyzed(any_store: Store) -> None:
    _crawl(any_store)
    before = _analyzed(any_store) if any_store.engine.dialect.name == "postgresql" else {}
    any_store.refresh_statistics()
    if any_store.engine.dialect.name != "postgresql":
        with any_store.engine.connect() as conn:  # SQLite: no statistics table made
            assert conn.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")).scalar() == 0
        return
    analyzed = _analyzed(any_store)
    assert set(analyzed) == set(STATISTICS_TABLES)
    assert all(at is not None and at != before[name][0] for name, (at, _tuples) in analyzed.items())
    assert analyzed["fetches"][1] >= PAGES and analyzed["links"][1] >= PAGES and analyzed["urls"][1] >= PAGES


def test_a_table_another_session_holds_is_skipped(any_store: Store) -> None:
    if any_store.engine.dialect.name != "postgresql":
        any_store.refresh_statistics()  # nothing to do, nothing waited for
        return
    _crawl(any_store)
    before = _analyzed(any_store)
    with any_store.engine.connect() as holder:
        holder.execute(text("LOCK TABLE pages IN SHARE UPDATE EXCLUSIVE MODE"))  # what a VACUUM holds
        refresh = threading.Thread(target=any_store.refresh_statistics, daemon=True)
        refresh.start()
        refresh.join(60)
        finished = not refresh.is_alive()
        holder.rollback()
    assert finished  # it did not wait for the lock
    analyzed = _analyzed(any_store)
    assert analyzed["pages"][0] == before["pages"][0]  # skipped
    assert analyzed["fetches"][0] is not None and analyzed["fetches"][0] != before["fetches"][0]
