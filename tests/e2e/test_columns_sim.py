"""End-to-end: every column of every simulated site against the simulator's manifest.

Expected figures come from the manifest (the generator's own truth); expected stale
status and days left are computed here from the manifest's newest date and the
national-2019 windows, independently of govwatch's rule code.
"""

from __future__ import annotations

import calendar
import os
from datetime import date, timedelta
from typing import Any

import pytest

from govwatch.pipeline import inspect_site
from govwatch.store.db import Store
from tests.conftest import AS_OF, InspectedSites, sim_settings

SITES = ["trs", "jcms", "legacy", "fgw", "jyj"]
CHROMIUM = "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason="Debian chromium not installed "
                                    "(scripts/bootstrap installs it)")


def add_months(day: date, months: int) -> date:
    y, m = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(y, m + 1, min(day.day, calendar.monthrange(y, m + 1)[1]))


def expected_expiry(column_type: str, newest: date) -> date | None:
    """The last fresh day under national-2019: 14 days, 6 calendar months, 1 year."""
    if column_type == "dynamic":
        return newest + timedelta(days=14)
    if column_type in ("notice", "policy"):
        return add_months(newest, 6)
    if column_type in ("personnel", "plan", "interpretation", "data"):
        return add_months(newest, 12)
    return None


@pytest.fixture(scope="module")
def inspected(sim: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Each simulated site inspected once with rendering on."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip("Debian chromium not installed")
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('columns') / 'columns.db'}")
    return {site_id: inspect_site(sim.site_url(site_id), sim_settings(store.url, render=True), store,
                                  as_of=AS_OF).document for site_id in SITES}


def _by_url(doc: dict) -> dict[str, dict]:
    return {c["url"]: c for c in doc["columns"]}


@needs_chromium
@pytest.mark.parametrize("site_id", SITES)
def test_every_column_found_with_type_dates_and_counts(inspected: dict, sim: Any, site_id: str) -> None:
    doc = inspected[site_id]
    truth = sim.manifest["sites"][site_id]
    got = _by_url(doc)
    assert set(got) == {c["url"] for c in truth["columns"]}, site_id
    ids = {c["id"]: c["url"] for c in truth["columns"]}
    for col in truth["columns"]:
        mine = got[col["url"]]
        where = f"{site_id} {col['name']}"
        assert mine["name"] == col["name"], where
        assert mine["type"] == col["type"], where
        assert mine["type_reason"].startswith("keyword:" if col["type_source"] == "name" else "meta:"), where
        assert mine["last_update"] == col["newest_date"], where
        assert (mine["items"], mine["undated"], mine["blank"]) == (col["items"], col["undated"], col["blank"]), where
        assert mine["discovered_by"] == col["discovered_by"], where
        assert mine["parent"] == (ids[col["parent"]] if col["parent"] else None), where
        assert mine["future_items"] == len(col["future_items"]), where
        expected_via = "rendered" if col["read_via"] == "endpoint" else col["read_via"]
        assert mine["read_via"] == expected_via, where


@needs_chromium
@pytest.mark.parametrize("site_id", SITES)
def test_stale_and_days_left_follow_the_windows(inspected: dict, sim: Any, site_id: str) -> None:
    doc = inspected[site_id]
    got = _by_url(doc)
    stale_findings = {f["url"] for f in doc["findings"] if f["kind"] == "stale_column"}
    for col in sim.manifest["sites"][site_id]["columns"]:
        mine = got[col["url"]]
        newest = date.fromisoformat(col["newest_date"]) if col["newest_date"] else None
        expiry = expected_expiry(col["type"], newest) if newest else None
        if col["blank"]:
            windowed = expected_expiry(col["type"], AS_OF) is not None
            assert (mine["stale"], mine["days_left"]) == (False if windowed else None, None), col["name"]
        elif expiry is None:
            assert mine["days_left"] is None, col["name"]
        else:
            assert mine["days_left"] == (expiry - AS_OF).days, col["name"]
            assert mine["stale"] is (expiry < AS_OF), col["name"]
        assert (col["url"] in stale_findings) is bool(mine["stale"]), col["name"]


@needs_chromium
@pytest.mark.parametrize("site_id", SITES)
def test_boundary_columns_14_days_fresh_15_days_stale(inspected: dict, sim: Any, site_id: str) -> None:
    got = _by_url(inspected[site_id])
    ages = {}
    for col in sim.manifest["sites"][site_id]["columns"]:
        if col["type"] == "dynamic" and col["newest_date"]:
            ages[(AS_OF - date.fromisoformat(col["newest_date"])).days] = got[col["url"]]
    assert ages[14]["stale"] is False and ages[14]["days_left"] == 0
    assert ages[15]["stale"] is True and ages[15]["days_left"] == -1


@needs_chromium
@pytest.mark.parametrize("site_id", SITES)
def test_blank_future_and_homepage_findings(inspected: dict, sim: Any, site_id: str) -> None:
    doc = inspected[site_id]
    truth = sim.manifest["sites"][site_id]
    kinds: dict[str, set[str]] = {}
    for f in doc["findings"]:
        kinds.setdefault(f["kind"], set()).add(f["url"])
    assert kinds.get("blank_column", set()) == {c["url"] for c in truth["columns"] if c["blank"]}
    assert kinds.get("future_date", set()) == {f["url"] for f in truth["future_dates"]}
    assert kinds.get("undated_items", set()) == {c["url"] for c in truth["columns"] if c["undated"]}
    assert doc["homepage"]["items_in_window"] == truth["homepage_window"]["items_in_window"]
    assert doc["homepage"]["window_days"] == 14
    assert "homepage_not_updated" not in kinds
    assert doc["crawl"]["rendered"] >= 1 and doc["crawl"]["render_failed"] == 0


def test_script_filled_column_read_from_its_endpoint_without_rendering(sim: Any,
                                                                       inspected_sites: InspectedSites) -> None:
    doc = inspected_sites["trs"].document  # the shared inspection: rendering off (tests/conftest.py)
    got = _by_url(doc)
    (js,) = [c for c in sim.manifest["sites"]["trs"]["columns"] if c["read_via"] == "endpoint"]
    mine = got[js["url"]]
    assert (mine["read_via"], mine["items"], mine["last_update"]) == ("endpoint", js["items"], js["newest_date"])
    assert doc["crawl"]["rendered"] == 0


def test_missing_browser_is_recorded_and_endpoint_still_read(sim: Any, tmp_path: Any) -> None:
    store = Store(f"sqlite:///{tmp_path / 'nobrowser.db'}")
    settings = sim_settings(store.url, render=True)
    settings.render.executable = str(tmp_path / "no-such-chromium")
    doc = inspect_site(sim.site_url("jcms"), settings, store, as_of=AS_OF).document
    (js,) = [c for c in sim.manifest["sites"]["jcms"]["columns"] if c["read_via"] == "endpoint"]
    mine = _by_url(doc)[js["url"]]
    assert (mine["read_via"], mine["items"]) == ("endpoint", js["items"])
    assert doc["crawl"]["render_failed"] >= 1
    assert "no browser at" in doc["crawl"]["render_errors"][0]["error"]


def test_rule_table_changes_the_verdicts(sim: Any, tmp_path: Any) -> None:
    """census-2015 asks for 10 homepage items in 14 days; a 1-day window for a key column via site config."""
    store = Store(f"sqlite:///{tmp_path / 'rules.db'}")
    from govwatch.core.siteconfig import parse_site_config
    from govwatch.rules import load_ruleset
    truth = sim.manifest["sites"]["legacy"]
    notice = next(c for c in truth["columns"] if c["type"] == "notice" and c["read_via"] != "endpoint")
    config = parse_site_config({"columns": [{"url": notice["url"], "key": True, "window_days": 1}]}, "t.yaml")
    doc = inspect_site(sim.site_url("legacy"), sim_settings(store.url), store, as_of=AS_OF,
                       rules=load_ruleset("census-2015"), site_config=config).document
    assert doc["ruleset"] == "census-2015"
    mine = _by_url(doc)[notice["url"]]
    age = (AS_OF - date.fromisoformat(notice["newest_date"])).days
    assert mine["key"] is True and mine["window_days"] == 1 and mine["days_left"] == 1 - age
    few = [f for f in doc["findings"] if f["kind"] == "homepage_few_updates"]
    assert bool(few) is (truth["homepage_window"]["items_in_window"] < 10)
