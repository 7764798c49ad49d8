"""``StoreRunData.links_to`` (store/stored_run.py) on SQLite and PostgreSQL: the run's links to many
targets (more than one batch of 500 target URLs), read in one pass, equal to the same links held in
memory (``RunData.links_to``); another run's links to the same URLs and targets never linked are
not read; asking twice on one store works (the temporary table is made and dropped each time)."""

from __future__ import annotations

from datetime import date

from govwatch.core.model import FetchResult, Link
from govwatch.core.urls import Scope
from govwatch.rundata import RunData
from govwatch.store.db import Store
from govwatch.store.stored_run import StoreRunData
from govwatch.store.writer import FetchRecord, RunWriter

SITE = "http://www.links.gov.cn/"
FILES = [f"{SITE}files/{i}.pdf" for i in range(1_200)]


def _page(url: str, links: list[tuple[str, str, str, str, str]]) -> FetchRecord:
    result = FetchResult(url=url, final_url=url, method="GET", status=200, error=None, error_detail="",
                         content_type="text/html", headers={}, body=b"", elapsed_ms=1.0)
    return FetchRecord(url=url, role="page", kind="page", depth=1, result=result, links=[Link(*row) for row in links])


def _links(page: int) -> list[tuple[str, str, str, str, str]]:
    """Page ``page`` links every seventh file from its own offset, and one page."""
    return ([(FILES[i], f"附件{i}", "attachment", "a", "html") for i in range(page, len(FILES), 7)]
            + [(f"{SITE}col/{page}/", "栏目", "page", "a", "html")])


def _stored(store: Store, pages: range) -> tuple[int, list[tuple[str, str, str, str, str]]]:
    run_id = store.create_run(store.site_id(SITE), "2026-11-22", {"crawl": {}})
    writer = RunWriter(store, run_id)
    held = []
    for page in pages:
        url = f"{SITE}p{page}.html"
        writer.write_batch([_page(url, _links(page))])
        held += [(url, target, kind, text, via) for target, text, kind, _tag, via in _links(page)]
    return run_id, held


def test_many_targets_read_in_one_pass_as_held_in_memory(any_store: Store) -> None:
    run_id, held = _stored(any_store, range(7))
    _stored(any_store, range(3, 10))  # another run linking the same files (and pages of its own)
    memory = RunData(site_url=SITE, scope=Scope(SITE), as_of=date(2026, 11, 22), fetches={}, links=held)
    stored = StoreRunData(any_store, run_id)
    asked = set(FILES) | {f"{SITE}never-linked.pdf"}
    got = stored.links_to(asked)
    assert sorted(got) == sorted(memory.links_to(asked))
    assert len(got) == len(FILES)  # each file linked once in this run; the other run's links not read
    assert sorted(stored.links_to({FILES[0], f"{SITE}col/3/"})) == sorted(memory.links_to({FILES[0], f"{SITE}col/3/"}))
    assert stored.links_to(set()) == []
