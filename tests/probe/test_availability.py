"""The availability check over stored probe rows: the 5% line, the window, coverage, targets."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from govwatch.checks import REGISTRY, NotAssessed, load_builtin_checks, run_checks
from govwatch.checks.availability import availability
from govwatch.core.clock import SHANGHAI
from govwatch.core.siteconfig import parse_site_config
from govwatch.core.urls import Scope
from govwatch.rules import load_ruleset
from govwatch.rundata import RunData
from govwatch.store.db import Store
from govwatch.store.probes import probes_in_window, save_rows, site_row

AS_OF = date(2026, 11, 22)
HOME = "http://www.example.gov.cn/"


def _rows(per_day: int = 20, failed: int = 0, *, days: int = 7, end: date = AS_OF, kind: str = "homepage",
          url: str = HOME, site_id: int = 1) -> list[dict[str, Any]]:
    """``per_day`` visits on each of ``days`` days ending at ``end``; the first ``failed`` of them failed."""
    rows: list[dict[str, Any]] = []
    for d in range(days):
        day = end - timedelta(days=days - 1 - d)
        for i in range(per_day):
            at = datetime(day.year, day.month, day.day, tzinfo=SHANGHAI) + timedelta(minutes=72 * i)
            bad = len(rows) < failed
            rows.append({"site_id": site_id, "target_kind": kind, "url": url,
                         "at": at.isoformat(timespec="milliseconds"), "ok": not bad,
                         "status": None if bad else 200, "error": "timeout" if bad else None,
                         "error_detail": None, "dns_ms": 1.0, "connect_ms": 1.0, "tls_ms": None,
                         "first_byte_ms": None if bad else 20.0, "total_ms": 15000.0 if bad else 30.0,
                         "bytes": 0 if bad else 1000, "timeout_s": 15.0,
                         "confirmed_by": {"at": at.isoformat(), "ok": False, "status": None, "error": "timeout",
                                          "total_ms": 15000.0} if bad else None})
    return rows


def _data(rows: list[dict[str, Any]], *, as_of: date = AS_OF, rules: str = "national-2019",
          config: dict[str, Any] | None = None) -> RunData:
    return RunData(site_url=HOME, scope=Scope.for_site(HOME), as_of=as_of, fetches={}, probes=rows,
                   rules=load_ruleset(rules), site_config=parse_site_config(config or {}, "site.yaml"))


def test_registered_in_the_availability_family() -> None:
    load_builtin_checks()
    registered = REGISTRY["availability.probes"]
    assert registered.family == "availability"
    assert set(registered.kinds) == {"site_unreachable", "homepage_visits_failed", "online_system_unreachable",
                                     "probe_coverage_low"}


def test_exactly_at_the_threshold_is_unreachable() -> None:
    findings = availability(_data(_rows(20, failed=7)))  # 7 / 140 = 5%
    assert [f.kind for f in findings] == ["site_unreachable"]
    f = findings[0]
    assert f.code == "availability.homepage" and f.indicator == "首页可用性" and f.url == HOME and f.severity == "error"
    assert f.message == "首页在7天内的监测中有5.0%的访问失败（7/140次，≥5%）"
    ev = f.evidence
    assert (ev["visits"], ev["failed"], ev["failure_ratio"], ev["threshold"], ev["window_days"],
            ev["visits_per_day_min"]) == (140, 7, 0.05, 0.05, 7, 20)
    assert len(ev["failed_probes"]) == 7
    assert set(ev["failed_probes"][0]) == {"at", "status", "error", "total_ms", "confirmed_by"}
    assert ev["failed_probes"][0]["confirmed_by"]["ok"] is False


def test_just_below_the_threshold_is_no_outage_but_counted_failures() -> None:
    below = availability(_data(_rows(20, failed=6)))  # 6 / 140 = 4.3%: no veto, still deducted by 2015's per-1% rule
    assert [(f.kind, f.severity) for f in below] == [("homepage_visits_failed", "warning")]
    assert below[0].evidence["failure_ratio"] == round(6 / 140, 6)
    assert below[0].message == "首页在7天内的监测中有4.3%的访问失败（6/140次）"
    assert availability(_data(_rows(20, failed=0))) == []


def test_boundary_follows_the_rule_table() -> None:
    rows = _rows(20, failed=7)
    assert [f.kind for f in availability(_data(rows, rules="census-2015"))] == ["site_unreachable"]
    custom = load_ruleset("national-2019").data | {"availability": {
        "window_days": 7, "min_daily_visits": 20, "timeout_s": 15, "max_failure_ratio": 0.06}}
    data = _data(rows)
    data.rules = type(data.rules)(id="x", name="x", source="x", path="x", data=custom)
    assert [f.kind for f in availability(data)] == ["homepage_visits_failed"]  # 5% < 6%: below this table's line


def test_no_probes_is_not_assessed() -> None:
    with pytest.raises(NotAssessed, match="没有可用性探测记录"):
        availability(_data([]))
    findings, runs = run_checks(_data([]), ["availability.probes"])
    assert findings == [] and runs[0].status == "not_assessed"


def test_window_ends_at_the_end_of_as_of() -> None:
    # Failures on the 8th day before and on the day after the inspection date are outside the window.
    outside = _rows(20, failed=20, days=1, end=AS_OF - timedelta(days=7)) + _rows(20, failed=20, days=1,
                                                                                  end=AS_OF + timedelta(days=1))
    inside = _rows(20, failed=0)
    assert availability(_data(outside + inside)) == []
    # Judged a day later, the failures of the day after are in, and the first window day has gone.
    later = availability(_data(outside + inside, as_of=AS_OF + timedelta(days=1)))
    assert [f.kind for f in later] == ["site_unreachable"]
    assert later[0].evidence["visits"] == 140 and later[0].evidence["failed"] == 20


def test_coverage_low_is_a_warning_not_an_outage() -> None:
    rows = _rows(20)
    del rows[:1]  # the first day has 19 visits
    findings = availability(_data(rows))
    assert [(f.kind, f.severity) for f in findings] == [("probe_coverage_low", "warning")]
    ev = findings[0].evidence
    assert ev["visits_per_day_min"] == 19 and ev["short_days"] == ["2026-11-16"] and ev["min_daily_visits"] == 20
    assert "每天应至少访问20次" in findings[0].message
    # A window with days not monitored at all: coverage warning with a minimum of 0.
    only_two_days = availability(_data(_rows(30, days=2)))
    assert [f.kind for f in only_two_days] == ["probe_coverage_low"]
    assert only_two_days[0].evidence["visits_per_day_min"] == 0


def test_columns_and_systems_are_judged_each_on_their_own() -> None:
    column, system = "http://www.example.gov.cn/zdxm/", "http://zwfw.example.gov.cn/"
    rows = (_rows(20, failed=1) + _rows(20, failed=10, kind="column", url=column)
            + _rows(20, failed=70, kind="system", url=system))
    config = {"columns": [{"url": column, "name": "重大项目", "type": "other", "key": True}],
              "systems": [{"name": "网上办事大厅", "url": system}]}
    findings = availability(_data(rows, config=config))
    assert [(f.kind, f.code, f.url) for f in findings] == [
        ("homepage_visits_failed", "availability.homepage_failures", HOME),
        ("site_unreachable", "availability.column", column),
        ("online_system_unreachable", "availability.system", system)]
    assert findings[1].message.startswith("重点栏目“重大项目”在7天内")
    assert findings[2].message.startswith("业务系统“网上办事大厅”在7天内的监测中有50.0%的访问失败")
    assert len(findings[2].evidence["failed_probes"]) == 50 and findings[2].evidence["failed_probes_omitted"] == 20
    assert findings[1].fingerprint != findings[2].fingerprint


def test_over_stored_rows(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "a.db"))
    try:
        site_id = site_row(store, HOME)
        other = site_row(store, "http://other.example.gov.cn/")
        rows = _rows(20, failed=7, site_id=site_id) + _rows(20, failed=100, site_id=other)
        rows += _rows(20, failed=20, days=1, end=AS_OF + timedelta(days=1), site_id=site_id)
        # A row written in UTC lands by its real time: 2026-11-22T16:30Z is 00:30 on the 23rd in Shanghai.
        rows.append({**rows[0], "at": "2026-11-22T16:30:00+00:00", "ok": False})
        save_rows(store, rows)
        window = probes_in_window(store, site_id, AS_OF, 7)
        assert len(window) == 140 and {r["site_id"] for r in window} == {site_id}
        assert [r["at"] for r in window] == sorted(r["at"] for r in window)
        data = _data(window)
        findings, runs = run_checks(data, ["availability.probes"])
        assert runs[0].status == "ok" and [f.kind for f in findings] == ["site_unreachable"]
        assert findings[0].evidence["failed"] == 7
        assert len(probes_in_window(store, site_id, AS_OF + timedelta(days=1), 1)) == 21
    finally:
        store.close()


@pytest.mark.parametrize("failed, visits", [(1, 20), (5, 100), (7, 140), (50, 1000)])
def test_exact_fractions_at_the_line(failed: int, visits: int) -> None:
    rows = _rows(visits // 7 + 1)[:visits]
    for row in rows[:failed]:
        row["ok"] = False
    kinds = [f.kind for f in availability(_data(rows)) if f.kind == "site_unreachable"]
    assert kinds == ["site_unreachable"]


def _transient(rows: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """The first ``n`` failed rows made transient: their re-probe opened the page."""
    for row in [r for r in rows if not r["ok"]][:n]:
        row["confirmed_by"] = {**row["confirmed_by"], "ok": True, "status": 200, "error": None, "total_ms": 30.0}
    return rows


def test_every_visit_counts_by_its_own_result_whatever_the_reprobe_showed() -> None:
    # 8% of visits failing at random: nearly every re-probe opens the page, and the site is still unreachable.
    findings = availability(_data(_transient(_rows(20, failed=12), 11)))
    assert [f.kind for f in findings] == ["site_unreachable"]
    ev = findings[0].evidence
    assert (ev["failed"], ev["failure_ratio"]) == (12, round(12 / 140, 6))
    assert (ev["failed_sustained"], ev["failed_transient"], ev["failed_unconfirmed"]) == (1, 11, 0)
    assert findings[0].message == "首页在7天内的监测中有8.6%的访问失败（12/140次，≥5%）"
    assert sum(1 for p in ev["failed_probes"] if p["confirmed_by"]["ok"]) == 11  # the evidence keeps each re-probe


def test_failures_without_a_reprobe_are_unconfirmed_failures() -> None:
    rows = _rows(20, failed=7)
    for row in rows[:7]:
        row["confirmed_by"] = None
    ev = availability(_data(rows))[0].evidence
    assert (ev["failed"], ev["failed_sustained"], ev["failed_transient"], ev["failed_unconfirmed"]) == (7, 0, 0, 7)


def test_rows_stored_before_counting_each_visit_read_their_blips_as_failed_visits() -> None:
    # Earlier versions stored a transient failure with ok true; its error still names the failure.
    rows = _transient(_rows(20, failed=7), 5)
    for row in rows[:5]:
        row["ok"] = True
    findings = availability(_data(rows))
    assert [f.kind for f in findings] == ["site_unreachable"]
    assert (findings[0].evidence["failed"], findings[0].evidence["failed_transient"]) == (7, 5)
