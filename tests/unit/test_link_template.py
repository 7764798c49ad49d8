"""Site-template links: learned from the first pages, stored once per run, read back per page.

The stored-run tests write a run with the template and one without it into one store (``any_store``:
SQLite, then PostgreSQL) and read both back."""

from __future__ import annotations

from sqlalchemy import func, select

from govwatch.core.model import FetchResult, Link
from govwatch.crawl.template import LinkRow, LinkTemplate
from govwatch.store import tables as t
from govwatch.store.db import Store
from govwatch.store.stored_run import StoreRunData
from govwatch.store.writer import FetchRecord, RunWriter, resume_state

SITE = "http://www.x.gov.cn/"
NAV: list[LinkRow] = [(f"{SITE}col{i}/", f"栏目{i}", "page", "a", "html") for i in range(9)]
NAV.append((f"{SITE}css/site.css", "", "style", "link", "html"))


def _own(i: int) -> LinkRow:
    return (f"{SITE}art/{i}.html", f"文章{i}", "page", "a", "html")


def test_template_is_learned_from_the_links_pages_share() -> None:
    template = LinkTemplate(agree=2, min_links=8)
    home = NAV + [_own(i) for i in range(20)]
    assert template.own_links(home) is None  # learning: stored whole
    assert template.own_links([*NAV, _own(100)]) is None
    assert template.own_links([_own(101), *NAV]) is None
    assert template.fixed and template.rows == frozenset(NAV)
    assert template.own_links([_own(1), *NAV, _own(2)]) == [_own(1), _own(2)]


def test_a_page_without_the_whole_template_keeps_all_its_links() -> None:
    template = LinkTemplate(links=[Link(*row) for row in NAV])  # type: ignore[arg-type]
    renamed = [(url, "改名" if url == NAV[0][0] else text, kind, tag, via) for url, text, kind, tag, via in NAV]
    assert template.own_links(renamed) is None
    assert template.own_links(NAV[1:]) is None
    assert template.own_links(list(NAV)) == []


def test_pages_sharing_too_little_restart_the_learning() -> None:
    template = LinkTemplate(agree=2, min_links=8)
    odd = [_own(i) for i in range(200, 210)]
    template.own_links(odd)  # the first page is not typical
    for i in range(2):
        template.own_links([*NAV, _own(i)])  # shares nothing with it: learning starts again
    for i in range(2, 4):
        template.own_links([*NAV, _own(i)])
    assert template.rows == frozenset(NAV)


def _record(url: str, links: list[LinkRow], template: tuple[Link, ...] | None = None,
            depth: int = 1) -> FetchRecord:
    result = FetchResult(url=url, final_url=url, method="GET", status=200, error=None, error_detail="",
                         content_type="text/html", headers={}, body=b"", elapsed_ms=1.0)
    return FetchRecord(url=url, role="page", kind="page", depth=depth, result=result,
                       links=[Link(*row) for row in links], template=template)  # type: ignore[arg-type]


def _stored_run(store: Store, use_template: bool) -> tuple[Store, int]:
    """A new run of three pages, two of which hold the template (written in three batches)."""
    run_id = store.create_run(store.site_id(SITE), "2026-11-22", {"crawl": {}})
    template = LinkTemplate(links=[Link(*row) for row in NAV])  # type: ignore[arg-type]
    pages = [(SITE, [*NAV, _own(1), _own(2)], 0), (f"{SITE}col1/", [*NAV, _own(2), _own(3)], 1),
             (f"{SITE}art/1.html", [NAV[0], _own(4)], 2)]
    writer = RunWriter(store, run_id)
    for url, links, depth in pages:
        own = template.own_links(links) if use_template else None
        record = (_record(url, own, template.links, depth) if own is not None
                  else _record(url, links, depth=depth))
        writer.write_batch([record])
    return store, run_id


def test_stored_template_reads_back_as_the_links_of_every_page_holding_it(any_store: Store) -> None:
    plain = StoreRunData(*_stored_run(any_store, use_template=False))
    shared_store, shared_run = _stored_run(any_store, use_template=True)
    shared = StoreRunData(shared_store, shared_run)
    with shared_store.engine.connect() as conn:  # the template's links once, one marker per page
        stored = conn.execute(select(func.count()).select_from(t.links).where(t.links.c.run_id == shared_run))
        assert stored.scalar_one() == len(NAV) + 2 + 2 + 2 + 2
    targets = {row[0] for row in NAV} | {_own(i)[0] for i in range(1, 5)}
    assert sorted(shared.links_to(targets)) == sorted(plain.links_to(targets))
    assert sorted(shared.links_to({NAV[0][0]})) == sorted(plain.links_to({NAV[0][0]}))
    assert len(shared.links_to({NAV[0][0]})) == 3
    as_set = {(lt.url, lt.kind, lt.links) for lt in shared.link_targets()}
    assert as_set == {(lt.url, lt.kind, lt.links) for lt in plain.link_targets()}
    assert len(as_set) == len(targets)


def test_resume_rebuilds_the_same_frontier_and_keeps_the_template(any_store: Store) -> None:
    plain = resume_state(*_stored_run(any_store, use_template=False))
    shared = resume_state(*_stored_run(any_store, use_template=True))
    assert sorted(shared.pending) == sorted(plain.pending)
    assert shared.done == plain.done and shared.pages_done == plain.pages_done == 3
    assert plain.template == []
    assert {(ln.url, ln.text, ln.kind, ln.tag, ln.via) for ln in shared.template} == set(NAV)


def test_tagged_links_read_the_same_from_the_template_and_once_per_target(any_store: Store) -> None:
    plain = StoreRunData(*_stored_run(any_store, use_template=False))
    shared = StoreRunData(*_stored_run(any_store, use_template=True))
    style = (f"{SITE}css/site.css", "style", "link")
    assert shared.tagged_links(("link", "img"), "http://") == plain.tagged_links(("link", "img"), "http://") == [style]
    assert shared.tagged_links(("link",), "https://") == [] and shared.tagged_links(("script",)) == []
    assert shared.tagged_links(("a",), f"{SITE}col_") == []  # the prefix is text, not a LIKE pattern
    assert sorted(shared.tagged_links(("a",))) == sorted(plain.tagged_links(("a",))) == sorted(
        {(url, kind, tag) for url, _text, kind, tag, _via in [*NAV, *(_own(i) for i in range(1, 5))] if tag == "a"})
