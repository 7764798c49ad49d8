"""The site measurements run beside the checks (pipeline.SiteMeasurements): same findings as in turn.

An inspection of a simulator site with the accessibility measurement on (real chromium) runs its
checks while chromium measures; the checks that read a measured fact run after it ended. Checking the
same stored run again in turn (the facts stored, nothing running) must give the same findings in the
same order and the same check outcomes, and the accessibility findings the simulator planted must be
among them (a check that read the fact before it was stored would find none).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from govwatch.pipeline import check_and_report, inspect_site
from govwatch.store.db import Store
from tests.conftest import AS_OF, sim_settings
from tests.e2e.test_accessibility_sim import _require_browser

MAX_PAGES = 80


def _outcome(document: dict[str, Any]) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    findings = [(f["code"], f["url"], f["fingerprint"]) for f in document["findings"]]
    return findings, {c["name"]: c["status"] for c in document["checks"]}


def test_checks_beside_the_measurements_equal_checks_after_them(sim: Any, tmp_path: Any) -> None:
    _require_browser()
    store = Store(f"sqlite:///{tmp_path / 'beside.db'}")
    settings = sim_settings(store.url, max_pages=MAX_PAGES)
    settings = dataclasses.replace(settings, security=dataclasses.replace(settings.security, accessibility=True))
    try:
        inspection = inspect_site(sim.site_url("trs"), settings, store, as_of=AS_OF)
        beside = _outcome(inspection.document)
        after = _outcome(check_and_report(store, inspection.run_id))
    finally:
        store.close()
    assert beside == after
    planted = {p["requirement"] for rows in sim.manifest["sites"]["trs"]["accessibility"]["templates"].values()
               for p in rows}
    found = {f["evidence"]["requirement"] for f in inspection.document["findings"]
             if f["kind"] == "accessibility_violation"}
    assert planted and planted <= found
    assert beside[1]["accessibility.axe"] == "ok"
