"""`govwatch warnings`: days left per column from the newest run of a site, counted from --as-of."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from govwatch.commands.main import main
from tests.conftest import AS_OF, InspectedSites


@pytest.fixture()
def inspected(inspected_sites: InspectedSites) -> tuple[str, dict[str, Any]]:
    """The shared store (read only here: tests/conftest.py) and the legacy site's inspection document."""
    doc = inspected_sites["legacy"].document
    return inspected_sites.store.url.removeprefix("sqlite:///"), doc


def _warnings(db: str, capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["warnings", "--db", db, "--json", "-", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_lists_every_column_within_the_horizon_soonest_first(inspected: tuple[str, dict[str, Any]],
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    db, doc = inspected
    out = _warnings(db, capsys, "--as-of", AS_OF.isoformat(), "--days", "3", "--site", doc["site"]["url"])
    assert {w["site"]["url"] for w in out["warnings"]} == {doc["site"]["url"]}  # --site: only this site's
    listed = {w["url"]: w for w in out["warnings"] if w["type"] != "homepage"}
    expected = {c["url"]: c for c in doc["columns"] if c["days_left"] is not None and c["days_left"] <= 3}
    assert set(listed) == set(expected) and expected
    for url, col in expected.items():
        assert listed[url]["days_left"] == col["days_left"]
    lefts = [w["days_left"] for w in out["warnings"]]
    assert lefts == sorted(lefts)


def test_days_are_counted_from_as_of(inspected: tuple[str, dict[str, Any]], capsys: pytest.CaptureFixture[str]) -> None:
    db, doc = inspected
    later = (AS_OF + timedelta(days=10)).isoformat()
    out = _warnings(db, capsys, "--as-of", later, "--days", "0", "--site", doc["site"]["url"])
    listed = {w["url"]: w["days_left"] for w in out["warnings"]}
    for col in doc["columns"]:
        if col["days_left"] is not None and col["days_left"] - 10 <= 0:
            assert listed[col["url"]] == col["days_left"] - 10
    home = [w for w in out["warnings"] if w["type"] == "homepage"]
    assert not home or home[0]["days_left"] == doc["homepage"]["days_left"] - 10


def test_usage_errors(inspected: tuple[str, dict[str, Any]], capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db, _ = inspected
    assert main(["warnings", "--db", db, "--days", "-1"]) == 2
    assert main(["warnings", "--db", db, "--as-of", "soon"]) == 2
    assert "--as-of must be a date" in capfd.readouterr().err
    assert main(["warnings", "--db", str(tmp_path / "empty.db"), "--days", "30"]) == 0
    assert "天内没有栏目到达更新期限" in capfd.readouterr().err  # messages go to stderr
