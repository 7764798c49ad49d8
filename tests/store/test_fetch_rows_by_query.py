"""A stored run's fetch rows are read by query, never held whole (store/stored_run.py,
``_RunFetches``): a lookup gives the stored row whether it is among the recent rows or read again,
iterating gives every row in crawl order, and each link target comes with its own fetch row."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import select

from govwatch.store import stored_run
from govwatch.store import tables as t
from govwatch.store.stored_run import StoreRunData


def _stored_rows(store: Any, run_id: int) -> list[dict[str, Any]]:
    """Every fetch row of the run straight from the tables, in id order."""
    columns = [t.urls.c.url, *(t.fetches.c[name] for name in stored_run._FETCH_COLUMNS)]
    with store.engine.connect() as conn:
        return [dict(row) for row in conn.execute(
            select(*columns).join(t.urls, t.urls.c.id == t.fetches.c.url_id)
            .where(t.fetches.c.run_id == run_id).order_by(t.fetches.c.id)).mappings()]


def test_lookups_and_iteration_give_the_stored_rows(inspected_sites: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stored_run, "RECENT_FETCH_ROWS", 8)  # nearly every lookup reads its row again
    site = inspected_sites["jcms"]
    stored = _stored_rows(inspected_sites.store, site.run_id)
    assert len(stored) > 100
    data = StoreRunData(inspected_sites.store, site.run_id)
    assert [dict(row) for _url, row in data.fetches.items()] == stored  # crawl order, every column
    assert list(data.fetches) == [row["url"] for row in stored] and len(data.fetches) == len(stored)
    shuffled = random.Random(7).sample(stored, len(stored))
    for row in shuffled + shuffled[:50]:  # the second time round, some are recent
        url = row["url"]
        assert dict(data.fetches[url]) == row and dict(data.fetches.get(url)) == row and url in data.fetches
    missing = stored[0]["url"] + "no-such-page.html"
    assert data.fetches.get(missing) is None and missing not in data.fetches
    with pytest.raises(KeyError):
        data.fetches[missing]


def test_reading_pages_keeps_their_rows_at_hand(inspected_sites: Any) -> None:
    site = inspected_sites["jcms"]
    data = StoreRunData(inspected_sites.store, site.run_id)
    depths = {url: facts["depth"] for url, facts in data.pages()}
    reads = []
    fetches = data.fetches
    original = fetches._reader
    fetches._reader = lambda: reads.append(1) or original()  # type: ignore[method-assign]
    last = list(depths)[-min(len(depths), stored_run.RECENT_FETCH_ROWS):]
    assert [fetches[url]["depth"] for url in last] == [depths[url] for url in last]
    assert not reads  # the rows the page reading brought along


def test_each_link_target_comes_with_its_fetch_row(inspected_sites: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stored_run, "RECENT_FETCH_ROWS", 8)
    for site_id in ("jcms", "trs"):
        site = inspected_sites[site_id]
        data = StoreRunData(inspected_sites.store, site.run_id)
        pairs = list(data.link_target_rows())
        assert len(pairs) > 50 and len({target.url for target, _ in pairs}) == len(pairs)
        assert sum(row is None for _, row in pairs) < len(pairs)  # most targets were fetched
        for target, row in pairs:
            again = data.fetches.get(target.url)
            assert (row is None and again is None) or dict(row) == dict(again)
        assert sorted((tg.url, tg.kind, tg.links) for tg, _ in pairs) == \
            sorted((tg.url, tg.kind, tg.links) for tg in data.link_targets())
