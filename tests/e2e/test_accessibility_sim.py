"""End-to-end: the accessibility inspection (axe-core in Debian chromium) on the simulator's sites.

Truth is the manifest's ``accessibility`` entry (``govwatch.sim.accessibility``): per template (the
homepage, every list page, every article) the requirements planted and the negatives, and whether the
homepage offers a 无障碍 entry. Each family site is inspected with the real pipeline; on every sampled
page the simulator renders with one of those templates, the findings are exactly the planted
requirements (with the planted axe rule), nothing of a negative's requirement, and every planted
template was sampled. The site without the entry is reported, the others are not.

Needs /usr/bin/chromium and axe-core (node_modules): missing, the test fails under CI and is skipped
otherwise.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pytest

from govwatch.crawl.sitefacts.accessibility import axe_script
from govwatch.pipeline import inspect_site
from govwatch.sim.manifest import norm
from govwatch.store.db import Store
from govwatch.store.stored_run import StoreRunData
from tests.conftest import AS_OF, sim_settings

CHROMIUM = "/usr/bin/chromium"
MAX_PAGES = 80  # the homepage, list pages and articles: enough for the sample, a few seconds a crawl


def _require_browser() -> None:
    missing = [what for what, ok in (("chromium (/usr/bin/chromium)", os.access(CHROMIUM, os.X_OK)),
                                     ("axe-core (npm ci)", axe_script() is not None)) if not ok]
    if missing:
        message = f"the accessibility inspection needs {', '.join(missing)}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def inspected(sim: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Every family site's inspection document and its ``accessibility`` run fact."""
    _require_browser()
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('a11y') / 'a11y.db'}")
    settings = sim_settings(store.url, max_pages=MAX_PAGES)
    settings = dataclasses.replace(settings, security=dataclasses.replace(settings.security, accessibility=True))
    out = {}
    for site_id, truth in sim.manifest["sites"].items():
        if truth["accessibility"] is None:
            continue
        inspection = inspect_site(sim.site_url(site_id), settings, store, as_of=AS_OF)
        fact = StoreRunData(store, inspection.run_id).run_fact("accessibility")
        assert fact is not None
        out[site_id] = (inspection.document, fact)
    store.close()
    return out


def _templates(sim: Any, site_id: str) -> dict[str, str]:
    """URL -> template (home, list, article) of the pages the simulator renders with one of them."""
    gen = sim.portfolio.sites[site_id]
    truth = sim.manifest["sites"][site_id]
    urls = {truth["homepage"]: "home"}
    for col in gen.columns:
        urls.update({norm(gen.url(gen.layout.list_path(col, k))): "list" for k in range(col.list_pages)})
        urls.update({norm(gen.url(gen.layout.item_path(col, i, col.item_when(i)))): "article"
                     for i in range(col.items)})
    return urls


def _found(document: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """URL -> requirement -> evidence of the document's accessibility_violation findings."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for f in document["findings"]:
        if f["kind"] == "accessibility_violation":
            found.setdefault(f["url"], {})[f["evidence"]["requirement"]] = f["evidence"]
    return found


def test_the_measurement_ran_on_the_homepage_and_a_sample_of_each_template(
        sim: Any, inspected: dict[str, tuple[dict[str, Any], dict[str, Any]]]) -> None:
    for site_id, (document, fact) in inspected.items():
        assert "unavailable" not in fact and "error" not in fact, fact
        assert fact["homepage_checked"], fact
        assert fact["sample"] <= 10 and all("error" not in p for p in fact["pages"]), fact["pages"]
        templates = _templates(sim, site_id)
        sampled = {templates.get(p["url"]) for p in fact["pages"]}
        assert {"home", "list", "article"} <= sampled, (site_id, [p["url"] for p in fact["pages"]])
        checks = {c["name"]: c["status"] for c in document["checks"]}
        assert checks["accessibility.axe"] == "ok" and checks["accessibility.entry"] == "ok", checks


@pytest.mark.parametrize("site_id", ["trs", "jcms", "legacy", "fgw", "jyj"])
def test_each_sampled_page_shows_exactly_its_templates_planted_requirements(
        sim: Any, inspected: dict[str, tuple[dict[str, Any], dict[str, Any]]], site_id: str) -> None:
    document, fact = inspected[site_id]
    truth = sim.manifest["sites"][site_id]["accessibility"]
    templates = _templates(sim, site_id)
    found = _found(document)
    for page in fact["pages"]:
        template = templates.get(page["url"])
        if template is None:
            continue  # a board or other page the simulator renders differently: no truth to compare
        planted = {p["requirement"]: p["rule"] for p in truth["templates"][template]}
        got = found.get(page["url"], {})
        assert set(got) == set(planted), (page["url"], template, got, planted)
        for requirement, rule in planted.items():
            assert rule in got[requirement]["rules"], (page["url"], requirement, got[requirement])
            assert got[requirement]["count"] == 1, (page["url"], requirement, got[requirement])  # the planted element
        for negative in truth["negatives"][template]:
            evidence = got.get(negative["requirement"])
            assert evidence is None or negative["selector"] not in evidence["selectors"], (page["url"], negative)


def test_every_planted_requirement_is_found_somewhere(
        sim: Any, inspected: dict[str, tuple[dict[str, Any], dict[str, Any]]]) -> None:
    planted = {(site_id, p["requirement"]) for site_id in inspected
               for rows in sim.manifest["sites"][site_id]["accessibility"]["templates"].values() for p in rows}
    found = {(site_id, req) for site_id, (document, _fact) in inspected.items()
             for reqs in _found(document).values() for req in reqs}
    assert planted == found
    assert {req for _site, req in planted} == {"contrast", "text_alternatives", "form_labels", "control_names",
                                               "language"}


def test_the_homepage_without_an_entry_is_reported_and_the_others_are_not(
        sim: Any, inspected: dict[str, tuple[dict[str, Any], dict[str, Any]]]) -> None:
    missing = {site_id for site_id, (document, _fact) in inspected.items()
               if any(f["kind"] == "accessibility_entry_missing" for f in document["findings"])}
    expected = {site_id for site_id in inspected if not sim.manifest["sites"][site_id]["accessibility"]["entry"]}
    assert missing == expected == {"legacy"}
    for site_id, (_document, fact) in inspected.items():
        text = sim.manifest["sites"][site_id]["accessibility"]["entry_text"]
        assert (fact["entry"] or {}).get("text") == text, (site_id, fact["entry"])
    document, _fact = inspected["legacy"]
    finding = next(f for f in document["findings"] if f["kind"] == "accessibility_entry_missing")
    assert finding["url"] == sim.manifest["sites"]["legacy"]["homepage"]


def test_violations_carry_the_national_clause_and_the_elements(
        inspected: dict[str, tuple[dict[str, Any], dict[str, Any]]]) -> None:
    document, _fact = inspected["trs"]
    contrast = next(f for f in document["findings"] if f["kind"] == "accessibility_violation"
                    and f["evidence"]["requirement"] == "contrast")
    assert contrast["evidence"]["selectors"] == [".gw-tip"] and contrast["evidence"]["count"] == 1
    assert "W3C无障碍指南2.0第1.4.3条" in contrast["evidence"]["clause"] and "GB/T 37668-2019" in contrast["evidence"]["clause"]
    assert contrast["severity"] == "error" and "gw-tip" in contrast["evidence"]["elements"][0]


def test_axe_is_located_like_the_dashboards_assets(tmp_path: Path) -> None:
    folder = tmp_path / "node_modules" / "axe-core"
    folder.mkdir(parents=True)
    (folder / "axe.min.js").write_text("/* axe */", encoding="utf-8")
    assert axe_script([tmp_path]) == folder / "axe.min.js"
    assert axe_script([tmp_path / "elsewhere"]) is None
