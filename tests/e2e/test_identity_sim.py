"""Identity checks on the simulated sites of every CMS family.

The simulator's footers carry every identity item in valid form (manifest: site_code, icp,
police_record, sponsor) except the footer defects it plants on the first site of each family
(manifest ``planted``: a placeholder 网站标识码, a 找错 link with another site's code, no ICP number,
a legacy 12-digit 公安备案 number); its pages carry the 网页设计规范 meta tags, except one list page
without ColumnType and one article whose PubDate differs from its visible date on those sites; the
legacy family writes two meta names in legacy case (``Sitename``, ``pubdate``). So: the footer
findings are exactly the planted ones (none on fgw and jyj), page-level findings stand only where
planted (that each plant is found is tests/e2e/test_content_sim.py's job), and the case variants
are reported on legacy only. The documents are the shared whole-site inspections (tests/conftest.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import InspectedSites

SITES = ("trs", "jcms", "legacy", "fgw", "jyj")


def _planted(truth: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    return [p for p in truth["planted"] if p["kind"].startswith(prefix) and "needs" not in p]


@pytest.mark.parametrize("site_id", SITES)
def test_identity_findings_follow_the_manifest(sim: Any, inspected_sites: InspectedSites, site_id: str) -> None:
    truth = sim.manifest["sites"][site_id]
    doc = inspected_sites[site_id].document
    findings = doc["findings"]
    footer = {(f["kind"], f["evidence"]["item"], f["evidence"]["problem"]): f for f in findings
              if f["kind"].startswith("footer_item_")}
    plants = _planted(truth, "footer_item_")
    assert set(footer) == {(p["kind"], p["match"]["item"], p["match"]["problem"]) for p in plants}, (site_id, footer)
    for plant in plants:  # at the homepage, with the planted values
        found = footer[(plant["kind"], plant["match"]["item"], plant["match"]["problem"])]
        assert found["url"] == truth["homepage"] and found["evidence"]["homepage"] is True
        assert all(found["evidence"][k] == v for k, v in plant["match"].items()), (found["evidence"], plant)
    assert (site_id in ("fgw", "jyj")) is (not plants)
    assert truth["site_code"] and truth["icp"] and truth["police_record"]
    variants = {(f["evidence"]["tag"], f["evidence"]["observed"]) for f in findings
                if f["kind"] == "meta_tag_invalid" and f["evidence"].get("problem") == "case"}
    if truth["family"] == "legacy":
        assert ("SiteName", "Sitename") in variants and ("PubDate", "pubdate") in variants
    else:
        assert variants == set()
    # Loopback hosts are not judged for domain naming; SiteDomain equals the host.
    other = [f for f in findings if f["kind"] == "meta_tag_invalid" and f["evidence"].get("problem") != "case"]
    assert not [f for f in other if f["evidence"]["tag"] in ("SiteDomain", "SiteIDCode")], other
    # A PubDate after the inspection day is reported only on the manifest's future-dated items.
    future = {f["url"] for f in other if f["evidence"]["tag"] == "PubDate" and f["evidence"]["problem"] == "future"}
    planted = {item["url"] for col in truth["columns"] for item in col["future_items"]}
    assert future <= planted, (future, planted)
    # Other per-page problems (a PubDate off the visible date) and missing tags stand only where planted.
    mismatch = {f["url"] for f in other if f["evidence"]["problem"] == "mismatch"}
    assert mismatch <= {p["url"] for p in _planted(truth, "meta_tag_invalid")}, mismatch
    missing = {(f["url"], tuple(f["evidence"]["missing"])) for f in findings if f["kind"] == "meta_tag_missing"}
    assert missing <= {(p["url"], tuple(p["match"]["missing"])) for p in _planted(truth, "meta_tag_missing")}, missing
