"""End-to-end: the content scan done during extraction finds what the scan after the crawl finds.

A simulated site is inspected with its pages scanned by the extraction worker (``pages.text_hits``)
and again with extraction inline (``extract_workers: 0``). Each run is then checked a second time
with its stored hits removed, as a run stored before migration 0016 is: the checks scan the stored
bodies after the crawl, the old path. Both ways must give the same findings (fingerprints) and the
same evidence of the content and personal-data findings; the simulator's manifest says which content
kinds the site carries, so the comparison is never between two empty sets. On SQLite and PostgreSQL
(the page rows go through COPY there).
"""

from __future__ import annotations

from typing import Any

from govwatch.core.model import Finding
from govwatch.pipeline import check_and_report, inspect_site
from govwatch.store.db import Store
from govwatch.store.run_results import check_findings
from govwatch.store.stored_run import StoreRunData
from tests.conftest import AS_OF, sim_settings

SITE = "trs"
CONTENT_KINDS = ("wording_error", "typo", "banned_content", "privacy_leak")


def _fingerprints(findings: list[Finding]) -> set[str]:
    return {f.fingerprint for f in findings}


def _content_evidence(findings: list[Finding]) -> dict[str, Any]:
    return {f.fingerprint: f.evidence for f in findings if f.kind in CONTENT_KINDS}


def _unscanned_pages(store: Store, run_id: int) -> tuple[int, int]:
    """(pages, pages stored without text hits) of a run, as the checks read them."""
    scans = [(hits, body) for _url, _title, hits, body, _ctype in StoreRunData(store, run_id).page_scans()]
    assert all((hits is None) == (body is not None) for hits, body in scans)  # a body only when no hits
    return len(scans), sum(hits is None for hits, _body in scans)


def _forget_text_hits(store: Store, run_id: int) -> None:
    """Make the run look stored before 0016: no page has hits from extraction."""
    with store.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE pages SET text_hits = NULL WHERE run_id = {int(run_id)}")


def _both_ways(store: Store, sim: Any, **crawl: object) -> tuple[list[Finding], list[Finding]]:
    """A fresh inspection's findings (scanned in extraction), then the same run's findings re-checked
    with its pages' bodies scanned after the crawl."""
    inspection = inspect_site(sim.site_url(SITE), sim_settings(store.url, **crawl), store, as_of=AS_OF)
    run_id = inspection.run_id
    pages, unscanned = _unscanned_pages(store, run_id)
    assert pages > 100 and unscanned == 0  # every page was scanned during extraction
    in_extraction = check_findings(store, run_id)
    _forget_text_hits(store, run_id)
    assert _unscanned_pages(store, run_id) == (pages, pages)
    check_and_report(store, run_id)
    return in_extraction, check_findings(store, run_id)


def test_the_scan_in_extraction_finds_what_the_scan_after_the_crawl_finds(sim: Any, store_url: str) -> None:
    store = Store(store_url)
    try:
        planted = {p["kind"] for p in sim.manifest["sites"][SITE]["planted"]
                   if p["kind"] in CONTENT_KINDS and "needs" not in p}
        assert planted == set(CONTENT_KINDS)
        worker, after_crawl = _both_ways(store, sim)
        assert {f.kind for f in worker} >= planted
        assert _fingerprints(worker) == _fingerprints(after_crawl)
        assert _content_evidence(worker) == _content_evidence(after_crawl)

        inline, inline_after_crawl = _both_ways(store, sim, extract_workers=0)
        assert _fingerprints(inline) == _fingerprints(inline_after_crawl)
        assert _content_evidence(inline) == _content_evidence(inline_after_crawl)
        assert _content_evidence(inline) == _content_evidence(worker)  # a worker and inline extraction agree
    finally:
        store.close()
