"""End-to-end: the cloaking check on the simulated sites of every CMS family.

Truth is the simulator's manifest: the lead site of each family serves its homepage with a spam
title and spam links when the User-Agent says Baiduspider (``planted`` kind ``cloaking``,
``needs: baiduspider``, ``match`` {user_agent, title}). The inspection's site measurement refetches a
sample as Baiduspider and as the crawl; the planted homepage must be reported with that
evidence, and no other page — nor any page of the sites without the plant — may be reported.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import InspectedSites


@pytest.fixture()
def inspected(inspected_sites: InspectedSites) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Each simulated site (not the hostile trap site), inspected once (tests/conftest.py): (document,
    stored cloaking fact)."""
    runs = {}
    for site_id in inspected_sites.site_ids():
        site = inspected_sites[site_id]
        runs[site_id] = (site.document, inspected_sites.store.run_facts(site.run_id)["cloaking"])
    return runs


def _cloaking_plants(truth: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in truth["planted"] if p["kind"] == "cloaking"]


def test_planted_cloaking_is_found_with_its_evidence(sim: Any, inspected: dict[str, Any]) -> None:
    assert sum(bool(_cloaking_plants(sim.manifest["sites"][s])) for s in inspected) >= 3  # trs, jcms, legacy
    for site_id, (doc, _fact) in inspected.items():
        found = [f for f in doc["findings"] if f["kind"] in ("cloaking", "cloaking_suspected")]
        expected = _cloaking_plants(sim.manifest["sites"][site_id])
        assert [(f["kind"], f["url"]) for f in found] == [("cloaking", p["url"]) for p in expected], site_id
        for finding, plant in zip(found, expected, strict=False):
            for key, want in plant["match"].items():
                assert finding["evidence"][key] == want, (site_id, key)
            assert finding["severity"] == "error"
            assert {"百家乐", "真人娱乐城", "澳门赌场"} <= {t["term"] for t in finding["evidence"]["terms"]}
            assert {"在线赌博平台", "网上赌场注册"} <= {ln["text"] for ln in finding["evidence"]["spider_only_links"]}
        check = next(c for c in doc["checks"] if c["name"] == "cloaking.spider")
        assert check["status"] == "ok", site_id


def test_the_sample_is_the_homepage_lists_and_articles(sim: Any, inspected: dict[str, Any]) -> None:
    for site_id, (_doc, fact) in inspected.items():
        pages = fact["pages"]
        assert len(pages) == 5 and pages[0]["url"] == sim.site_url(site_id), site_id
        assert [p["page_type"] for p in pages[1:]] == ["list", "article", "list", "article"], site_id
        assert all(p["compared"] for p in pages), site_id
        # Only the planted homepage differs; the other pages are the same for both user agents.
        assert all(p["spider_only_lines"] == 0 and not p["title_differs"] for p in pages[1:]), site_id
