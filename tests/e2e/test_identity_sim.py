"""Identity checks on the simulated sites of every CMS family.

The simulator's footers carry every identity item in valid form (manifest: site_code, icp,
police_record, sponsor) and its pages carry the 网页设计规范 meta tags; the legacy family writes
two meta names in legacy case (``Sitename``, ``pubdate``). So: no footer finding on any family,
the footer's code equals the manifest's, and the case variants are reported on legacy only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from govwatch.cli import main
from tests.conftest import AS_OF, CRAWL_TIMEOUT

FAMILIES = ("trs", "jcms", "legacy")


@pytest.mark.parametrize("site_id", FAMILIES)
def test_identity_findings_follow_the_manifest(sim: Any, tmp_path: Path, site_id: str) -> None:
    truth = sim.manifest["sites"][site_id]
    code = main(["inspect", sim.site_url(site_id), "--as-of", AS_OF.isoformat(), "--db", str(tmp_path / "g.db"),
                 "--json", str(tmp_path / "doc.json"), "--offline", "--rate", "0", "--max-pages", "60",
                 "--timeout", str(CRAWL_TIMEOUT)])
    assert code == 0
    doc = json.loads((tmp_path / "doc.json").read_text(encoding="utf-8"))
    findings = doc["findings"]
    footer = [f for f in findings if f["kind"].startswith("footer_item_")]
    assert footer == [], (site_id, footer)
    assert truth["site_code"] and truth["icp"] and truth["police_record"]
    variants = {(f["evidence"]["tag"], f["evidence"]["observed"]) for f in findings
                if f["kind"] == "meta_tag_invalid" and f["evidence"].get("problem") == "case"}
    if site_id == "legacy":
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
