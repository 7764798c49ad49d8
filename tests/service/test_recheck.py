"""The verification re-check (service/recheck.py): which pages it reads, its settings, a ``recheck`` run
on the simulator that reads only those pages and is never complete, and the errors of a bad request
(in Chinese). The whole loop through the scheduler: tests/e2e/test_rectification_loop.py."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from govwatch.pipeline import inspect_site
from govwatch.scoring.tickets import issue_tickets, notify_tickets, request_verification
from govwatch.service.recheck import (
    RECHECK_MAX_PAGES,
    RecheckError,
    recheck_seeds,
    recheck_settings,
    run_recheck_job,
    run_recheck_now,
)
from govwatch.store.db import Store
from govwatch.store.service_rows import read_urls
from govwatch.store.ticket_rows import ticket_rows
from tests.conftest import AS_OF, sim_settings

H = "http://www.qs.gov.cn/"


def ticket(kind: str, url: str, source: str | None = None, target: str | None = None) -> dict[str, Any]:
    return {"kind": kind, "url": url, "source": source, "target": target}


def test_the_pages_of_each_ticket_once(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    tickets = [ticket("broken_link", H, target=H + "zt/1.html"),  # the page holding the link, and the target
               ticket("typo", H + "a/1.html"),
               ticket("stale_column", H + "tzgg/index.html"),  # a column finding: its list page
               ticket("future_date", H + "a/2.html", source=H + "tzgg/index.html"),
               ticket("dark_link", H + "a/1.html", target="http://ad.example/x.html"),  # an off-site target: not read
               ticket("typo", H + "a/1.html")]
    assert recheck_seeds(store, tickets) == [H, H + "zt/1.html", H + "a/1.html", H + "tzgg/index.html",
                                             H + "a/2.html"]
    store.close()


def test_settings_read_the_seeds_only_unless_a_column_needs_its_items() -> None:
    settings = sim_settings("sqlite://")
    pages = recheck_settings(settings, [ticket("typo", H)])
    assert pages.crawl.max_depth == 0 and pages.crawl.max_pages == RECHECK_MAX_PAGES
    assert pages.security.enabled is False
    columns = recheck_settings(settings, [ticket("typo", H), ticket("stale_column", H + "tzgg/")])
    assert columns.crawl.max_depth == 1


@pytest.fixture
def verifying(small_sim: Any, tmp_path: Path) -> tuple[Store, list[dict[str, Any]], dict[str, Any]]:
    """A store with a full run of the trs site and its typo and one broken link ticket sent to verification."""
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    run_id = inspect_site(small_sim.site_url("trs"), sim_settings(store.url), store, as_of=AS_OF).run_id
    truth = small_sim.manifest["sites"]["trs"]
    link = next(b for b in truth["broken_links"] if b["fault"] == "404" and b["scope"] == "other"
                and b["resource"] == "page")
    rows = ticket_rows(store, issue_tickets(store, run_id, actor="test"))
    chosen = [next(t for t in rows if t["kind"] == "typo"), next(t for t in rows if t.get("target") == link["target"])]
    ids = [t["id"] for t in chosen]
    notify_tickets(store, ids, doc_number="〔2026〕1号", deadline=AS_OF + timedelta(days=5), issuer=None, actor="test")
    request_verification(store, ids, actor="test")
    return store, chosen, truth


def test_a_recheck_reads_the_tickets_pages_and_is_never_complete(verifying: Any) -> None:
    store, chosen, truth = verifying
    run_id = run_recheck_now(store, sim_settings(store.url), [t["id"] for t in chosen], AS_OF)
    run = store.run(run_id)
    assert run["kind"] == "recheck" and run["status"] == "completed" and run["complete"] is False
    assert run["incomplete_reasons"][0]["code"] == "crawl.recheck"
    seeds = set(recheck_seeds(store, chosen)) | {truth["homepage"]}
    pages = {u for u in read_urls(store, run_id)  # the site's pages read (not its images, nor off-site links)
             if u.startswith(truth["base_url"]) and (u.endswith(".html") or u.endswith("/"))}
    assert pages <= seeds and {chosen[0]["url"], chosen[1]["url"]} <= pages
    # Nothing was repaired: both are still there, so both are returned.
    assert {t["state"] for t in ticket_rows(store, [t["id"] for t in chosen])} == {"returned"}
    store.close()


async def test_bad_requests_are_refused_in_chinese(verifying: Any, small_sim: Any) -> None:
    store, chosen, _truth = verifying
    settings = sim_settings(store.url)
    with pytest.raises(RecheckError, match="工单不存在：999"):
        run_recheck_now(store, settings, [999])
    with pytest.raises(RecheckError, match="工单编号无效"):
        await run_recheck_job(store, settings, {"args": {"tickets": "1,2"}}, small_sim.site_url("trs"), None, AS_OF)
    with pytest.raises(RecheckError, match="不属于网站"):
        await run_recheck_job(store, settings, {"args": {"tickets": [chosen[0]["id"]]}}, small_sim.site_url("jcms"),
                              None, AS_OF)
    store.close()


def test_a_freshened_column_is_closed_and_a_stale_one_returned(small_sim: Any, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    run_id = inspect_site(small_sim.site_url("jcms"), sim_settings(store.url), store, as_of=AS_OF).run_id
    columns = {c["url"]: c for c in small_sim.manifest["sites"]["jcms"]["columns"]}
    stale = [t for t in ticket_rows(store, issue_tickets(store, run_id, actor="test")) if t["kind"] == "stale_column"]
    assert len(stale) >= 2 and all(t["url"] in columns for t in stale)
    fixed, left = stale[0], stale[1]
    ids = [fixed["id"], left["id"]]
    notify_tickets(store, ids, doc_number="〔2026〕2号", deadline=AS_OF + timedelta(days=5), issuer=None, actor="test")
    request_verification(store, ids, actor="test")
    small_sim.repair(fixed["url"])
    try:
        recheck = run_recheck_now(store, sim_settings(store.url), ids, AS_OF)
    finally:
        small_sim.unrepair()
    states = {t["id"]: t["state"] for t in ticket_rows(store, ids)}
    assert states == {fixed["id"]: "closed", left["id"]: "returned"}
    assert store.run(recheck)["complete"] is False
    store.close()
