"""The crawl writer's kept bodies (attachments): one file linked under many URLs is compressed and
stored once, its fetch rows all pointing at it (SQLite, then PostgreSQL)."""

from __future__ import annotations

import pytest

from govwatch.core.model import FetchResult
from govwatch.store import writer
from govwatch.store.blobs import body_hash
from govwatch.store.db import Store
from govwatch.store.writer import FetchRecord, RunWriter

SITE = "http://www.x.gov.cn/"


def _attachment(url: str, body: bytes) -> FetchRecord:
    result = FetchResult(url=url, final_url=url, method="GET", status=200, error=None, error_detail="",
                         content_type="application/pdf", headers={}, body=body, elapsed_ms=1.0)
    return FetchRecord(url=url, role="resource", kind="attachment", depth=1, result=result, keep_body=True)


@pytest.mark.parametrize("remembered", [2048, 1])
def test_a_body_stored_by_the_writer_is_not_compressed_again(any_store: Store, monkeypatch: pytest.MonkeyPatch,
                                                             remembered: int) -> None:
    monkeypatch.setattr(writer, "STORED_BODIES_REMEMBERED", remembered)  # 1: only the last batch's remembered
    compressed: list[int] = []
    real = writer.compress
    monkeypatch.setattr(writer, "compress", lambda body: compressed.append(len(body)) or real(body))
    store = any_store
    run_id = store.create_run(store.site_id(SITE), "2026-11-20", {})
    same, other = b"%PDF-1.4 " + bytes(range(256)) * 40, b"%PDF-1.4 other"
    w = RunWriter(store, run_id)
    w.write_batch([_attachment(f"{SITE}a/{i}.pdf", same) for i in range(3)] + [_attachment(f"{SITE}b.pdf", other)])
    w.write_batch([_attachment(f"{SITE}c/{i}.pdf", same) for i in range(3)])
    w.write_batch([_attachment(f"{SITE}d.pdf", other), _attachment(f"{SITE}e.pdf", same)])
    expected = [len(same), len(other)] if remembered > 1 else [len(same), len(other), len(other)]
    assert compressed == expected  # a forgotten digest is compressed again, and still stored once (below)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM blobs").scalar() == 2
        hashes = [h for (h,) in conn.exec_driver_sql("SELECT body_hash FROM fetches ORDER BY id")]
    assert hashes == [body_hash(same)] * 3 + [body_hash(other)] + [body_hash(same)] * 3 + \
        [body_hash(other), body_hash(same)]
    assert store.body(body_hash(same)) == same and store.body(body_hash(other)) == other


def test_a_new_writer_finds_the_bodies_an_earlier_one_stored(any_store: Store) -> None:
    """A resumed crawl's writer knows nothing yet: the store's own lookup keeps the row single."""
    store = any_store
    run_id = store.create_run(store.site_id(SITE), "2026-11-20", {})
    body = b"%PDF-1.4 resumed"
    RunWriter(store, run_id).write_batch([_attachment(f"{SITE}a.pdf", body)])
    RunWriter(store, run_id).write_batch([_attachment(f"{SITE}b.pdf", body)])
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM blobs").scalar() == 1
