"""The page text scan run by the crawl's extraction (crawl/extractor.py ``TextScan``).

The content scanners (analysis/content/text_scan.py) are handed to the extraction as a picklable
function bound to the run's inspection date. Each test builds a page whose hits are known by hand: a
typo from ``data/lexicons/typos.yaml`` (工做 → 工作) and a resident ID number whose holder was born on
2026-03-01, so it is personal data on an inspection date after that day and no ID number before it.
Real spawned workers are used where a worker is what is tested.
"""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path

from govwatch.analysis.content.personal import id_check_char
from govwatch.analysis.content.text_scan import hits_from_text, hits_text, scan_body, scan_text
from govwatch.crawl.extractor import Extractor, extract_for_crawl
from govwatch.extract.text import page_text_from_body
from govwatch.pipeline import page_text_scan
from govwatch.store.db import Store

BORN_2026_03_01 = "11010120260301123"
RESIDENT_ID = BORN_2026_03_01 + id_check_char(BORN_2026_03_01)
PAGE = ("<html><head><title>通知公告</title></head><body><p>我们认真工做，按时完成。</p>"
        f"<table><tr><td>{RESIDENT_ID}</td></tr></table><script>var x = '工做';</script></body></html>"
        ).encode("gb18030")
CONTENT_TYPE = "text/html; charset=gbk"
URL = "http://site.test/a.html"
ROOT = "http://site.test/"
BEFORE_BIRTH, AFTER_BIRTH = date(2026, 1, 1), date(2026, 6, 1)


def test_stored_hits_read_back_as_the_scan_found_them() -> None:
    hits = scan_text(page_text_from_body(PAGE, CONTENT_TYPE), AFTER_BIRTH)
    assert [t["found"] for t in hits.typos] == ["工做"]  # once: the script's copy is no visible text
    assert hits.typos[0]["count"] == 1
    assert dict(hits.personal.counts) == {"id_card": 1}
    back = hits_from_text(hits_text(hits))
    assert back == hits
    assert back is not None and back.personal.counts["id_card"] == 1  # a Counter again


def test_a_clean_page_is_stored_as_nothing_found() -> None:
    clean = "<html><body><p>我们认真工作。</p></body></html>".encode()
    assert scan_body(clean, "text/html", AFTER_BIRTH) == ""
    assert hits_from_text("") is None


def test_extraction_stores_the_scan_of_the_body_it_extracts() -> None:
    scan = functools.partial(scan_body, as_of=AFTER_BIRTH)
    page = extract_for_crawl(PAGE, URL, CONTENT_TYPE, ROOT, text_scan=scan)
    assert page.text_hits == scan_body(PAGE, CONTENT_TYPE, AFTER_BIRTH)
    hits = hits_from_text(page.text_hits or "")
    assert hits is not None and [t["found"] for t in hits.typos] == ["工做"]
    assert page.title == "通知公告"  # the facts are there as without a scan
    assert extract_for_crawl(PAGE, URL, CONTENT_TYPE, ROOT).text_hits is None  # no scan given: not scanned


def test_a_rendered_dom_is_not_scanned() -> None:
    # The stored body of a rendered page is its static body: the crawler keeps the static page's hits.
    scan = functools.partial(scan_body, as_of=AFTER_BIRTH)
    page = extract_for_crawl(PAGE, URL, CONTENT_TYPE, ROOT, rendered=True, text_scan=scan)
    assert page.text_hits is None
    assert page.title == "通知公告"


def _failing_scan(body: bytes, content_type: str) -> str:
    raise ValueError(f"cannot scan {len(body)} bytes of {content_type}")


def test_a_failing_scan_costs_the_hits_only() -> None:
    page = extract_for_crawl(PAGE, URL, CONTENT_TYPE, ROOT, text_scan=_failing_scan)
    assert page.text_hits is None  # scanned again after the crawl
    assert page.title == "通知公告" and page.body_size == len(PAGE)


async def _extract(workers: int, as_of: date) -> str | None:
    async with Extractor(workers, text_scan=functools.partial(scan_body, as_of=as_of)) as extractor:
        return (await extractor(PAGE, URL, CONTENT_TYPE, ROOT)).text_hits


async def test_the_inspection_date_reaches_the_worker() -> None:
    after = hits_from_text(await _extract(1, AFTER_BIRTH) or "")
    before = hits_from_text(await _extract(1, BEFORE_BIRTH) or "")
    assert after is not None and dict(after.personal.counts) == {"id_card": 1}
    assert before is not None and not before.personal.counts  # born after the inspection date: no ID number
    assert [t["found"] for t in before.typos] == ["工做"]


async def test_a_worker_and_inline_extraction_store_the_same_hits() -> None:
    in_worker = await _extract(1, AFTER_BIRTH)
    assert in_worker == await _extract(0, AFTER_BIRTH) == scan_body(PAGE, CONTENT_TYPE, AFTER_BIRTH)
    assert in_worker  # not "nothing found"


def test_the_pipeline_scans_with_the_runs_own_inspection_date(tmp_path: Path) -> None:
    # A resumed crawl keeps the date its run was created with, whatever day it is resumed on.
    store = Store(f"sqlite:///{tmp_path / 'runs.db'}")
    site = store.site_id("http://site.test/")
    before, after = (store.create_run(site, day.isoformat(), {}) for day in (BEFORE_BIRTH, AFTER_BIRTH))
    assert page_text_scan(store, before)(PAGE, CONTENT_TYPE) == scan_body(PAGE, CONTENT_TYPE, BEFORE_BIRTH)
    assert page_text_scan(store, after)(PAGE, CONTENT_TYPE) == scan_body(PAGE, CONTENT_TYPE, AFTER_BIRTH)
    assert page_text_scan(store, before)(PAGE, CONTENT_TYPE) != page_text_scan(store, after)(PAGE, CONTENT_TYPE)
    store.close()
