"""Dates in the future are judged against the moment a page was fetched, not the ``--as-of`` day.

An inspection with ``--as-of`` before the crawl sees real articles dated between the two: they
lie outside the inspection period (no update by the as-of day), never in the future (issue 16).
"""

from __future__ import annotations

from datetime import date, datetime

from govwatch.analysis.columns.analyze import DatedItem, ItemTally
from govwatch.core.clock import SHANGHAI
from govwatch.core.model import FetchResult
from govwatch.core.urls import Scope
from govwatch.rundata import RunData
from govwatch.store.db import Store
from govwatch.store.stored_run import StoreRunData
from govwatch.store.writer import FetchRecord, RunWriter

SITE = "http://www.x.gov.cn/"
LIST = f"{SITE}gzdt/index.html"


def _run(as_of: date, fetched_at: str | None) -> RunData:
    row = {"role": "page", "kind": "page", "status": 200, "error": None}
    if fetched_at is not None:
        row["fetched_at"] = fetched_at
    return RunData(site_url=SITE, scope=Scope.for_site(SITE), as_of=as_of, fetches={LIST: row})


def test_the_fetch_day_is_shanghais() -> None:
    assert _run(date(2026, 11, 22), "2026-12-03T17:30:00+00:00").fetched_on(LIST) == date(2026, 12, 4)
    assert _run(date(2026, 11, 22), "2026-12-03T15:59:59+00:00").fetched_on(LIST) == date(2026, 12, 3)
    assert _run(date(2026, 11, 22), "2026-12-03T23:30:00").fetched_on(LIST) == date(2026, 12, 3)  # no offset: Shanghai
    assert _run(date(2026, 11, 22), None).fetched_on(LIST) is None


def test_the_future_begins_after_the_later_of_fetch_day_and_inspection_day() -> None:
    assert _run(date(2026, 11, 22), "2026-12-04T10:00:00+08:00").future_after(LIST) == date(2026, 12, 4)
    assert _run(date(2026, 12, 20), "2026-12-04T10:00:00+08:00").future_after(LIST) == date(2026, 12, 20)
    assert _run(date(2026, 11, 22), None).future_after(LIST) == date(2026, 11, 22)


def test_items_split_into_the_period_after_it_and_the_future() -> None:
    data = _run(date(2026, 11, 22), "2026-12-04T10:00:00+08:00")
    items = [DatedItem(title, None, when, "", LIST) for title, when in (
        ("in the period", date(2026, 11, 22)), ("after as-of, before the crawl", date(2026, 12, 4)),
        ("future", date(2026, 12, 5)), ("undated", None))]
    tally = ItemTally(data)
    for item in items:
        tally.add(item.title, item)
    tally.add("future", DatedItem("the same item again", None, date(2026, 12, 6), "", LIST))
    assert (tally.items, tally.last_update, tally.after_as_of, tally.undated) == (4, date(2026, 11, 22), 1, 1)
    assert [it.title for it in tally.future] == ["future"]
    assert [it.title for it in tally.undated_examples] == ["undated"]


def test_a_stored_run_exposes_each_pages_fetch_time(any_store: Store) -> None:
    store = any_store  # SQLite, then PostgreSQL
    run_id = store.create_run(store.site_id(SITE), "2026-01-05", {"crawl": {}})
    result = FetchResult(url=LIST, final_url=LIST, method="GET", status=200, error=None, error_detail="",
                         content_type="text/html", headers={}, body=b"", elapsed_ms=1.0)
    before = datetime.now(SHANGHAI).date()
    RunWriter(store, run_id).write_batch([FetchRecord(url=LIST, role="page", kind="page", depth=1, result=result)])
    after = datetime.now(SHANGHAI).date()
    data = StoreRunData(store, run_id)
    assert data.fetches[LIST]["fetched_at"]
    assert data.fetched_on(LIST) in (before, after)
    assert data.future_after(LIST) == data.fetched_on(LIST)  # the crawl came after the as-of day
