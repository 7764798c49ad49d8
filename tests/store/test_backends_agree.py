"""The same crawl stored on SQLite and on PostgreSQL reads back the same.

``any_store`` (tests/conftest.py) runs a test on a new SQLite file and on the session's PostgreSQL
database; the whole inspection of a simulated site is stored on PostgreSQL and compared with the
session's SQLite one (``inspected_sites``). The crawl's writer goes through multi-row INSERTs on SQLite and COPY
on PostgreSQL (``Store.insert_rows``); what readers get back must not depend on which.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from govwatch.core.model import FetchResult, Link, PreparedPage
from govwatch.pipeline import inspect_site
from govwatch.store import tables as t
from govwatch.store.blobs import body_hash, compress
from govwatch.store.db import Store
from govwatch.store.run_results import check_findings
from govwatch.store.stored_run import StoreRunData
from govwatch.store.writer import FetchRecord, RunWriter
from tests.conftest import AS_OF, InspectedSites, empty_pg_database, sim_settings

SITE = "http://www.example.gov.cn/"
FACTS = '{"title": "通知公告", "footer": {"icp": "京ICP备12345678号"}, "flags": [true, null, 1.5]}'


def _records() -> list[FetchRecord]:
    """A page (facts, body, a redirect, two links), a download whose file name holds a NUL, a failed
    resource whose error text holds one."""
    body = "<html><title>通知公告</title>政务公开</html>".encode()
    page = PreparedPage(page_type="list", title="通知公告", publish_date=None, facts_json=FACTS, links=[],
                        pagination=[], encoding="utf-8", soft_404=True, body_hash=body_hash(body),
                        body_size=len(body), body_zstd=compress(body))
    home = FetchResult(url=SITE, final_url=SITE + "index.html", method="GET", status=200, error=None,
                       error_detail="", content_type="text/html", headers={}, body=body, elapsed_ms=12.34,
                       first_byte_ms=5.0, redirects=[SITE + "index.html"], attempts=2, encoding="utf-8")
    pdf_url = SITE + "files/a.pdf"
    pdf = FetchResult(url=pdf_url, final_url=pdf_url, method="GET", status=200, error=None, error_detail="",
                      content_type="application/pdf",
                      headers={"content-disposition": "attachment; filename*=UTF-8''%E5%8A%9E%00%E6%B3%95.pdf"},
                      body=b"%PDF-1.4 \x00\xff", elapsed_ms=3.0)
    gone_url = SITE + "gone.png"
    gone = FetchResult(url=gone_url, final_url=gone_url, method="HEAD", status=None, error="timeout",
                       error_detail="read timed out\tafter 1 s\\n\x00", content_type="", headers={}, body=b"",
                       elapsed_ms=1000.0)
    links = [Link(url=pdf_url, text="办法\t(附件)", kind="attachment", tag="a", via="html"),
             Link(url=gone_url, text="", kind="image", tag="img", via="html")]
    return [FetchRecord(url=SITE, role="page", kind="page", depth=0, result=home, extracted=page, links=links),
            FetchRecord(url=pdf_url, role="resource", kind="attachment", depth=1, result=pdf, keep_body=True),
            FetchRecord(url=gone_url, role="resource", kind="image", depth=1, result=gone)]


def test_written_rows_read_back_with_their_types(any_store: Store) -> None:
    run_id = any_store.create_run(any_store.site_id(SITE), "2026-12-04", {"crawl": {}})
    RunWriter(any_store, run_id).write_batch(_records())
    data = StoreRunData(any_store, run_id)
    home = data.fetches[SITE]
    assert (home["status"], home["final_url"], home["attempts"], home["soft_404"], home["elapsed_ms"]) == \
           (200, SITE + "index.html", 2, True, 12.3)
    with any_store.engine.connect() as conn:
        assert conn.execute(select(t.fetches.c.redirects, t.fetches.c.first_byte_ms, t.fetches.c.encoding)
                            .where(t.fetches.c.run_id == run_id, t.fetches.c.status == 200,
                                   t.fetches.c.method == "GET", t.fetches.c.filename.is_(None))).one() == \
               ([SITE + "index.html"], 5.0, "utf-8")
    assert data.fetches[SITE + "files/a.pdf"]["filename"] == "办\ufffd法.pdf"  # a NUL PostgreSQL cannot store
    gone = data.fetches[SITE + "gone.png"]
    assert (gone["status"], gone["error"], gone["error_detail"], gone["soft_404"], gone["size"]) == \
           (None, "timeout", "read timed out\tafter 1 s\\n\ufffd", False, None)
    assert data.page(SITE) == {"title": "通知公告", "footer": {"icp": "京ICP备12345678号"}, "flags": [True, None, 1.5],
                               "depth": 0}
    assert data.body(SITE + "files/a.pdf") == b"%PDF-1.4 \x00\xff"
    assert sorted(data.links_to({SITE + "files/a.pdf", SITE + "gone.png"})) == sorted([
        (SITE, SITE + "files/a.pdf", "attachment", "办法\t(附件)", "html"),
        (SITE, SITE + "gone.png", "image", "", "html")])


def _stored(store: Store, run_id: int) -> dict[str, Any]:
    """What a stored run holds, free of ids and times."""
    data = StoreRunData(store, run_id)
    return {
        "fetches": {url: (row["role"], row["status"], row["error"], row["size"], row["body_hash"])
                    for url, row in data.fetches.items()},
        "pages": sorted((url, page["page_type"], page["title"]) for url, page in data.pages()),
        "link targets": sorted((lt.url, lt.kind, lt.links) for lt in data.link_targets()),
        "findings": sorted((f.kind, f.fingerprint, f.url) for f in check_findings(store, run_id)),
    }


def test_an_inspection_stored_on_postgresql_reads_back_like_the_one_on_sqlite(
        pg_session_url: str, inspected_sites: InspectedSites, sim: Any) -> None:
    site_id = inspected_sites.site_ids()[0]
    reference = inspected_sites[site_id]  # inspected once per session into SQLite
    empty_pg_database(pg_session_url)
    store = Store(pg_session_url)
    try:
        inspection = inspect_site(sim.site_url(site_id), sim_settings(pg_session_url), store, as_of=AS_OF)
        ours, theirs = _stored(store, inspection.run_id), _stored(inspected_sites.store, reference.run_id)
        assert len(ours["fetches"]) > 100 and ours["findings"]  # a real crawl with findings
        assert ours == theirs
        assert inspection.document["score"] == reference.document["score"]
    finally:
        store.close()
