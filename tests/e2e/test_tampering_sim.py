"""End-to-end: the baseline tampering check on the simulator's tamper site.

Truth is the manifest: the lead site of each CMS family serves its homepage with an injected
gambling paragraph and link while the tamper flag is on (``planted`` kind ``tampering``, signal
``baseline_change``, ``needs: tampered``). Each is inspected three times into one store:
untampered (no baseline: not assessed), untampered again (a baseline, nothing changed: no finding)
and tampered (the planted homepage change is found, on no other page).
"""

from __future__ import annotations

from typing import Any

import pytest

from govwatch.pipeline import inspect_site
from govwatch.store.db import Store
from tests.conftest import AS_OF, sim_settings

MAX_PAGES = 60  # the homepage and the first list pages: enough to compare, a few seconds a crawl
CODE = "security.baseline_change"


def _tamper_sites(sim: Any) -> list[str]:
    return [site for site, truth in sim.manifest["sites"].items()
            if any(p["kind"] == "tampering" and p.get("needs") == "tampered" for p in truth["planted"])]


@pytest.fixture(scope="module")
def runs(sim: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    """Each tamper site's three inspection documents: plain, plain again, tampered."""
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('tampering') / 'tampering.db'}")
    settings = sim_settings(store.url, max_pages=MAX_PAGES)
    sites = _tamper_sites(sim)
    docs = {site: [inspect_site(sim.site_url(site), settings, store, as_of=AS_OF).document for _ in range(2)]
            for site in sites}
    sim.set_tampered(True)
    try:
        for site in sites:
            docs[site].append(inspect_site(sim.site_url(site), settings, store, as_of=AS_OF).document)
    finally:
        sim.set_tampered(False)
    store.close()
    return docs


def test_every_cms_family_has_a_tamper_site(sim: Any) -> None:
    families = {sim.manifest["sites"][site]["family"] for site in _tamper_sites(sim)}
    assert families == {"trs", "jcms", "legacy"}


@pytest.fixture(params=["trs", "jcms", "legacy"])
def documents(request: pytest.FixtureRequest, sim: Any,
              runs: dict[str, list[dict[str, Any]]]) -> tuple[str, list[dict[str, Any]]]:
    """One family's tamper site and its three documents."""
    site = next(s for s in runs if sim.manifest["sites"][s]["family"] == request.param)
    return site, runs[site]


def _check(doc: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in doc["checks"] if c["name"] == "tampering.baseline")


def _changes(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in doc["findings"] if f["code"] == CODE]


def test_the_first_run_has_no_baseline(documents: tuple[str, list[dict[str, Any]]]) -> None:
    _site, (first, _second, _third) = documents
    assert _check(first)["status"] == "not_assessed" and _changes(first) == []


def test_an_unchanged_site_gives_no_baseline_change(documents: tuple[str, list[dict[str, Any]]]) -> None:
    _site, (first, second, _third) = documents
    assert _check(second)["status"] == "ok" and _changes(second) == []


def test_planted_tampering_is_found_against_the_baseline(sim: Any, documents: tuple[str, list[dict[str, Any]]]) -> None:
    site_id, (_first, second, third) = documents
    plants = [p for p in sim.manifest["sites"][site_id]["planted"] if p["kind"] == "tampering"
              and p.get("needs") == "tampered" and p["match"]["signal"] == "baseline_change"]
    assert plants and _check(third)["status"] == "ok"
    found = _changes(third)
    assert sorted((f["url"], f["target"]) for f in found) == sorted((p["url"], p["match"]["target"]) for p in plants)
    for plant in plants:
        (finding,) = [f for f in found if f["url"] == plant["url"]]
        ev = finding["evidence"]
        assert finding["kind"] == "tampering" and finding["severity"] == "error" and ev["signal"] == "baseline_change"
        assert ev["baseline_run"] == second["run"]["id"] and ev["baseline_as_of"] == AS_OF.isoformat()
        assert "太阳城娱乐" in {t["term"] for t in ev["new_terms"]}
        assert plant["match"]["target"] in [ln["url"] for ln in ev["new_links"]]
        assert any(line.startswith("+") and plant["match"]["text"] in line for line in ev["diff"].splitlines())
