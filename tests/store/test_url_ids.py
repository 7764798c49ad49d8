"""``Store.url_ids``: a bounded cache of URL ids, the same ids as a store read would give."""

from __future__ import annotations

import pytest

from govwatch.store import db
from govwatch.store.db import Store


def test_ids_are_stable_when_the_cache_has_forgotten_them(any_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "URL_ID_CACHE", 10)
    store = any_store
    urls = [f"http://h/{i}.html" for i in range(100)]
    first: dict[str, int] = {}
    for start in range(0, 100, 7):
        with store.engine.begin() as conn:
            chunk = urls[start:start + 7]
            ids = store.url_ids(conn, chunk + chunk[:2] + urls[:3])  # repeats, and URLs seen long ago
            assert set(ids) == set(chunk) | set(urls[:3])
            first.update(ids)
    assert len(store._url_ids) <= 10 + 7 + 3 and len(store._url_ids_old) <= 10 + 7 + 3
    with store.engine.connect() as conn:
        stored = dict(conn.exec_driver_sql("SELECT url, id FROM urls").all())
        top = conn.exec_driver_sql("SELECT max(id) FROM urls").scalar()
    assert stored == first and len(stored) == 100
    with store.engine.begin() as conn:
        again = store.url_ids(conn, list(reversed(urls)) + ["http://h/new.html"])
    assert {u: again[u] for u in urls} == first
    assert again["http://h/new.html"] > top  # known URLs took no new id (PostgreSQL's sequence too)
    assert again["http://h/new.html"] == top + 1


def test_a_url_stored_by_another_store_object_is_found(any_store: Store) -> None:
    store = any_store
    with store.engine.begin() as conn:
        ids = store.url_ids(conn, ["http://h/a", "http://h/b"])
    other = Store(store.url)
    try:
        with other.engine.begin() as conn:
            assert other.url_ids(conn, ["http://h/b", "http://h/c"])["http://h/b"] == ids["http://h/b"]
    finally:
        other.close()
