"""An inspection releases its run's rows before it scores (``StoreRunData.release_rows``, called by
``pipeline.check_and_report`` once the document's sections are made): the document it writes is
the one built afterwards from the stored run with every row read (``web.documents.report_document``),
byte for byte (but the run's number of findings, stored after it), and a released run reads the same rows, link targets and columns again when asked."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from govwatch.analysis.columns import columns_of
from govwatch.core.jsonfile import json_bytes
from govwatch.store.db import Store
from govwatch.store.stored_run import StoreRunData
from govwatch.web.documents import report_document


@pytest.mark.parametrize("site_id", ["trs", "legacy"])
def test_the_inspection_document_is_the_stored_runs_with_every_row_read(inspected_sites: Any, site_id: str) -> None:
    site = inspected_sites[site_id]
    rebuilt = report_document(inspected_sites.store, site.run_id)
    assert rebuilt["findings"] and rebuilt["links"]["checked"] and rebuilt["columns"]  # a document with content
    # the run's stats gain its number of findings once the document is made
    assert rebuilt["crawl"].pop("findings") == len(rebuilt["findings"])
    assert json_bytes(rebuilt) == site.document_json


def test_a_released_run_reads_its_rows_again(inspected_sites: Any) -> None:
    site = inspected_sites["jcms"]
    data = StoreRunData(inspected_sites.store, site.run_id)

    def read() -> tuple[Any, ...]:
        rows = {url: dict(row) for url, row in data.fetches.items()}
        targets = [(t.url, t.kind, t.links) for t in data.link_targets()]
        columns = [(c.name, c.url, c.items, c.last_update) for c in columns_of(data)]
        return rows, targets, columns, data.homepage()

    before = read()
    assert len(before[0]) > 100 and before[1] and before[2] and before[3]
    data.release_rows()
    assert len(data.fetches) == len(before[0])  # read again, not kept empty
    assert read() == before


def test_a_released_run_closes_its_readers_and_opens_new_ones_when_read(inspected_sites: Any) -> None:
    site = inspected_sites["jcms"]
    data = StoreRunData(inspected_sites.store, site.run_id)
    home = data.homepage()
    readers = list(data._readers.values())
    assert home and readers and all(not r.closed for r in readers)  # page facts are read on a reader
    data.release_rows()
    assert all(r.closed for r in readers)  # its SQLite page cache is freed with it
    assert data.homepage() == home
    assert data._readers and all(not r.closed for r in data._readers.values())


def test_a_sqlite_file_store_closes_its_idle_connections_and_keeps_working(tmp_path: Any) -> None:
    store = Store(f"sqlite:///{tmp_path / 'caches.db'}")
    site_id = store.site_id("http://example.gov.cn/")
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
    pool = store.engine.pool
    assert pool.checkedin() >= 1  # an idle connection, with its page cache
    store.release_caches()
    assert store.engine.pool is not pool and store.engine.pool.checkedin() == 0
    assert store.site_id("http://example.gov.cn/") == site_id  # opens a new connection
    store.close()


def test_an_in_memory_store_keeps_its_one_connection_and_its_rows() -> None:
    store = Store("sqlite://")
    site_id = store.site_id("http://example.gov.cn/")
    store.release_caches()  # disposing the pool here would drop the database
    assert store.site_id("http://example.gov.cn/") == site_id
    assert store.site(site_id)["url"] == "http://example.gov.cn/"
    store.close()
