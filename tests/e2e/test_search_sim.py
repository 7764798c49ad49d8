"""End-to-end: the site-search check on the simulated sites (docs/search.md).

Truth is the simulator's manifest (``search``, :mod:`govwatch.sim.search`): trs has a search that
corrects a one-character typo, jcms one that does not (national-2019 asks for it:
``search_typo_intolerant``), legacy has none (``search_missing``), fgw's answers 500 and jyj's an
error page with status 200 (``search_broken``). The inspection's site measurement finds the form on
the homepage, searches the newest article titles and one typo; the reported site-search kinds must
be exactly the manifest's ``expect``, at the homepage, with the endpoint as the target.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import InspectedSites

KINDS = ("search_missing", "search_broken", "search_no_results", "search_typo_intolerant")


@pytest.fixture()
def inspected(inspected_sites: InspectedSites) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Each family site, inspected once (tests/conftest.py): (document, stored site_search fact)."""
    return {site_id: (inspected_sites[site_id].document,
                      inspected_sites.store.run_facts(inspected_sites[site_id].run_id)["site_search"])
            for site_id in inspected_sites.site_ids()}


def test_the_portfolio_plants_every_search_mode(sim: Any) -> None:
    modes = {truth["search"]["mode"] for truth in sim.manifest["sites"].values() if truth.get("columns")}
    assert modes == {"tolerant", "exact", "none", "error500", "error_page"}


def test_site_search_findings_are_exactly_the_planted_ones(sim: Any, inspected: dict[str, Any]) -> None:
    for site_id, (doc, _fact) in inspected.items():
        truth = sim.manifest["sites"][site_id]["search"]
        found = [f for f in doc["findings"] if f["kind"] in KINDS]
        assert sorted(f["kind"] for f in found) == sorted(truth["expect"]), site_id
        for finding in found:
            assert finding["url"] == sim.site_url(site_id), site_id
            if truth["url"] is not None:
                assert finding["target"] == truth["url"], site_id
        check = next(c for c in doc["checks"] if c["name"] == "search.site")
        assert check["status"] == "ok", (site_id, check)


def test_the_form_and_the_queries_are_what_the_site_serves(sim: Any, inspected: dict[str, Any]) -> None:
    for site_id, (_doc, fact) in inspected.items():
        truth = sim.manifest["sites"][site_id]["search"]
        if truth["url"] is None:
            assert fact["status"] == "missing" and "entry" not in fact, site_id
            continue
        assert fact["status"] == "queried", site_id
        assert (fact["entry"]["url"], fact["entry"]["field"], fact["entry"]["method"]) == (
            truth["url"], truth["field"], truth["method"]), site_id
        titles = [q for q in fact["queries"] if q["kind"] == "title"]
        typo = [q for q in fact["queries"] if q["kind"] == "typo"]
        assert 3 <= len(titles) <= 5 and len(typo) == 1, site_id
        # Every query is the title (or its first characters) of an article the crawl read.
        for q in titles:
            assert q["expected_title"].startswith(q["query"]), site_id
        assert len(typo[0]["query"]) == len(titles[0]["query"]) - 1, site_id
        if truth["mode"] == "error500":
            assert all(q["status"] == 500 for q in titles), site_id
        elif truth["mode"] == "error_page":
            assert all(q["status"] == 200 and q["result"]["error"] for q in titles), site_id
        else:
            assert all(q["status"] == 200 and q["result"]["found"] for q in titles), site_id
            assert typo[0]["result"]["found"] is truth["typo_tolerant"], site_id
            assert bool(typo[0]["result"]["suggestion"]) is truth["typo_tolerant"], site_id
            if not truth["typo_tolerant"]:
                assert typo[0]["result"]["no_result"], site_id  # the page says nothing was found


def test_the_search_requests_are_few(sim: Any, inspected: dict[str, Any]) -> None:
    """Polite: at most five titles and one typo per site, nothing else sent to the endpoint."""
    for site_id, (_doc, fact) in inspected.items():
        if fact["status"] == "queried":
            assert len(fact["queries"]) <= 6, site_id
            for q in fact["queries"]:
                assert sim.request_count(q["request_url"]) >= 1, (site_id, q["request_url"])
