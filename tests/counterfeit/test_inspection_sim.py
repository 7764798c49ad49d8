"""The whole path on the simulator: the copy found by ``counterfeit check`` shows up in the genuine
site's next inspection as a ``counterfeit_site`` finding, and once the store holds the genuine
homepage the check also measures how alike the copy is (text and structure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from govwatch.commands.main import main
from govwatch.pipeline import inspect_site
from govwatch.sim import SimServer
from govwatch.sim.registry_sheet import write_registry_csv
from govwatch.store.counterfeit_rows import suspect_rows
from govwatch.store.db import Store
from govwatch.store.run_results import check_findings
from tests.conftest import AS_OF, sim_settings
from tests.counterfeit.conftest import CLONE_OPTIONS, CLONED


def test_inspection_reports_the_copy_and_similarity_is_measured(clone_sim: SimServer, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "gw.db")
    registry = write_registry_csv(CLONE_OPTIONS, clone_sim.manifest, tmp_path / "sites.csv")
    assert main(["sites", "import", str(registry), "--db", db]) == 0
    clone_url = clone_sim.manifest["clones"][0]["homepage"]
    assert main(["counterfeit", "check", clone_url, "--db", db, "--allow-private", "127.0.0.0/8"]) == 0
    [row] = suspect_rows(Store(db))
    assert row["evidence"]["similarity"] is None  # no stored homepage of the genuine site yet

    settings = sim_settings(db)
    settings.security.tls = settings.security.ipv6 = False  # loopback HTTP: keep the measurement step short
    settings.security.accessibility = False
    store = Store(db)
    inspection = inspect_site(clone_sim.site_url(CLONED), settings, store, as_of=AS_OF)
    found = [f for f in check_findings(store, inspection.run_id) if f.kind == "counterfeit_site"]
    assert [(f.url, f.target, f.severity) for f in found] == [(clone_sim.site_url(CLONED), clone_url, "error")]
    assert found[0].evidence["suspect_id"] == row["id"]

    capsys.readouterr()
    assert main(["counterfeit", "check", clone_url, "--db", db, "--allow-private", "127.0.0.0/8"]) == 0
    assert "与登记网站首页的相似度" in capsys.readouterr().err
    [again] = suspect_rows(Store(db))
    similarity = again["evidence"]["similarity"]
    assert similarity["reference"] == clone_sim.site_url(CLONED)
    assert similarity["text"] >= 0.9 and similarity["structure"] >= 0.95  # a copy: only the contact differs
    assert again["confidence"] >= row["confidence"]
