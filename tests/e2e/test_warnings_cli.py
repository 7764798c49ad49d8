"""`govwatch warnings`: days left per column from the newest run, counted from --as-of."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from govwatch.commands.main import main
from govwatch.pipeline import inspect_site
from govwatch.store.db import Store
from tests.conftest import AS_OF, sim_settings


@pytest.fixture(scope="module")
def inspected(sim: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    db = tmp_path_factory.mktemp("warn") / "warn.db"
    store = Store(f"sqlite:///{db}")
    doc = inspect_site(sim.site_url("legacy"), sim_settings(store.url), store, as_of=AS_OF).document
    return str(db), doc


def _warnings(db: str, capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["warnings", "--db", db, "--json", "-", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_lists_every_column_within_the_horizon_soonest_first(inspected: tuple[str, dict],
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    db, doc = inspected
    out = _warnings(db, capsys, "--as-of", AS_OF.isoformat(), "--days", "3")
    listed = {w["url"]: w for w in out["warnings"] if w["type"] != "homepage"}
    expected = {c["url"]: c for c in doc["columns"] if c["days_left"] is not None and c["days_left"] <= 3}
    assert set(listed) == set(expected) and expected
    for url, col in expected.items():
        assert listed[url]["days_left"] == col["days_left"]
    lefts = [w["days_left"] for w in out["warnings"]]
    assert lefts == sorted(lefts)


def test_days_are_counted_from_as_of(inspected: tuple[str, dict], capsys: pytest.CaptureFixture[str]) -> None:
    db, doc = inspected
    later = (AS_OF + timedelta(days=10)).isoformat()
    out = _warnings(db, capsys, "--as-of", later, "--days", "0")
    listed = {w["url"]: w["days_left"] for w in out["warnings"]}
    for col in doc["columns"]:
        if col["days_left"] is not None and col["days_left"] - 10 <= 0:
            assert listed[col["url"]] == col["days_left"] - 10
    home = [w for w in out["warnings"] if w["type"] == "homepage"]
    assert not home or home[0]["days_left"] == doc["homepage"]["days_left"] - 10


def test_usage_errors(inspected: tuple[str, dict], capfd: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db, _ = inspected
    assert main(["warnings", "--db", db, "--days", "-1"]) == 2
    assert main(["warnings", "--db", db, "--as-of", "soon"]) == 2
    assert "--as-of must be a date" in capfd.readouterr().err
    assert main(["warnings", "--db", str(tmp_path / "empty.db"), "--days", "30"]) == 0
    assert "no column reaches its update deadline" in capfd.readouterr().err  # messages go to stderr
