"""An inspection releases its run's rows before it scores (``StoreRunData.release_rows``, called by
``pipeline.check_and_report`` once the document's sections are made): the document it writes is
the one built afterwards from the stored run with every row read (``web.documents.report_document``),
byte for byte (but the run's number of findings, stored after it), and a released run reads the same rows, link targets and columns again when asked."""

from __future__ import annotations

from typing import Any

import pytest

from govwatch.analysis.columns import columns_of
from govwatch.core.jsonfile import json_bytes
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
