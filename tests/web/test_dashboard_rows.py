"""The dashboard's aggregate queries (store/dashboard_rows.py) on a small hand-built store.

Five sites under a province → two cities → one county, each with a hand-chosen history (full runs,
an incomplete one, a patrol, two score sheets of one run, no run at all); every expected value
below is worked out by hand from those rows. Each test runs on SQLite with the scope as an IN list
and applied to the rows (the path of a scope larger than IN_LIST_LIMIT), and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from govwatch.core.model import Finding
from govwatch.store import dashboard_rows as rows
from govwatch.store.db import Store
from govwatch.store.probes import save_rows
from govwatch.store.registry_rows import registry_import
from govwatch.store.run_listing import set_run_kind
from govwatch.store.run_results import replace_check_results, save_score_sheet
from tests.store.test_postgres_migrations import database, server  # noqa: F401 - fixtures: a throwaway PostgreSQL database

TODAY = date(2026, 12, 4)


@dataclass
class Built:
    store: Store
    site: dict[str, int]  # s1..s5 -> id
    run: dict[str, int]  # r1..r6 -> id
    org: dict[str, int]  # P, C1, C2, D1 -> id


def _run(store: Store, site_id: int, as_of: str, *, kind: str = "manual", complete: bool = True) -> int:
    run_id = store.create_run(site_id, as_of, {})
    store.set_run_status(run_id, "completed", finished=True)
    store.set_run_completeness(run_id, complete, [] if complete else [{"code": "homepage_unreadable"}])
    set_run_kind(store, run_id, kind)
    return run_id


def _column(run_id: int, name: str, days_left: int | None, *, ctype: str = "dynamic") -> dict[str, Any]:
    return {"run_id": run_id, "name": name, "url": f"http://x.example/{name}/", "type": ctype, "type_reason": "keyword:动态",
            "discovered_by": "nav", "read_via": "static", "parent": None, "last_update": "2026-11-20",
            "items": 10, "undated": 0, "blank": False, "stale": None if days_left is None else days_left < 0,
            "window_days": None if days_left is None else 14, "days_left": days_left, "is_key": ctype == "homepage",
            "details": {}}


@dataclass
class _Check:  # a check_runs row (store.run_results.CheckRecord)
    name: str = "links"
    status: str = "ok"
    findings: int = 0
    elapsed_ms: float = 1.0
    error: str | None = None
    rule_reads: frozenset[str] | None = None


CHECKS = [_Check()]


def _finding(indicator: str, url: str, severity: str = "error") -> Finding:
    return Finding(kind="broken_link", code="usability.links.broken", indicator=indicator, url=url,
                   message="链接无法访问", evidence={"status": 404}, severity=severity)


def _sheet(ruleset: str, verdict: str | None, score: float | None, triggered: tuple[str, ...] = ()) -> dict[str, Any]:
    vetoes = [{"id": "v1", "name": "站点无法访问", "triggered": "站点无法访问" in triggered},
              {"id": "v2", "name": "严重表述错误", "triggered": "严重表述错误" in triggered}]
    return {"ruleset": {"id": ruleset}, "verdict": verdict, "score": score, "vetoes": vetoes}


def _probe(site_id: int, at: str, ok: bool, kind: str = "homepage") -> dict[str, Any]:
    return {"site_id": site_id, "target_kind": kind, "url": "http://x.example/", "at": at, "ok": ok,
            "status": 200 if ok else None, "error": None if ok else "timeout", "timeout_s": 15.0}


VARIANTS = [("sqlite", "in-list"), ("sqlite", "row-filter"), ("postgresql", "in-list")]


@pytest.fixture(params=VARIANTS, ids=["-".join(v) for v in VARIANTS])
def built(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Built]:
    """The hand-built store on SQLite (scope as an IN list, and filtered on the rows) and on
    PostgreSQL (the dialect's own date and JSON expressions; the server of GOVWATCH_TEST_PG)."""
    backend, path = request.param
    if path == "row-filter":
        monkeypatch.setattr(rows, "IN_LIST_LIMIT", 0)  # every scope filtered on the rows
    url = request.getfixturevalue("database") if backend == "postgresql" else f"sqlite:///{tmp_path / 'd.db'}"
    store = Store(url)
    try:
        yield _build(store)
    finally:
        store.close()


def _build(store: Store) -> Built:
    with registry_import(store) as tx:
        org = {"P": tx.add_org("34", "安徽省", "province"), "C1": tx.add_org("3401", "合肥市", "city"),
               "C2": tx.add_org("3402", "芜湖市", "city"), "D1": tx.add_org("340102", "瑶海区", "county")}
        tx.update_org(org["C1"], {"parent_id": org["P"]})
        tx.update_org(org["C2"], {"parent_id": org["P"]})
        tx.update_org(org["D1"], {"parent_id": org["C1"]})
        homes = {"s1": ("D1", "瑶海区政府"), "s2": ("C1", "合肥市政府"), "s3": ("C2", "芜湖市政府"),
                 "s4": ("C2", "芜湖市教育局"), "s5": (None, "未登记网站")}
        for key, (org_key, name) in homes.items():
            tx.add_site(f"http://{key}.example/", "/", {"name": name, "registered": True,
                                                       "org_id": org[org_key] if org_key else None})
        tx.commit()
    site = {key: store.site_id(f"http://{key}.example/") for key in ("s1", "s2", "s3", "s4", "s5")}
    run = {"r1": _run(store, site["s1"], "2026-12-01T09:00:00+08:00"),
           "r2": _run(store, site["s1"], "2026-12-03T09:00:00+08:00", kind="patrol", complete=False),
           "r3": _run(store, site["s2"], "2026-11-25T09:00:00+08:00", kind="scan"),
           "r4": _run(store, site["s2"], "2026-12-02T09:00:00+08:00", complete=False),
           "r5": _run(store, site["s3"], "2026-11-30T09:00:00+08:00"),
           "r6": _run(store, site["s5"], "2026-11-29T09:00:00+08:00")}
    r1 = run["r1"]
    replace_check_results(store, r1, [], CHECKS, [_column(r1, "首页", 2, ctype="homepage"), _column(r1, "工作动态", 10),
                                              _column(r1, "通知公告", None)])
    replace_check_results(store, run["r2"], [], CHECKS, [_column(run["r2"], "工作动态", -30)])
    replace_check_results(store, run["r3"], [_finding("B指标", "http://s2.example/b"),
                                             _finding("A指标", "http://s2.example/a1"),
                                             _finding("A指标", "http://s2.example/a2", "warning")],
                          CHECKS, [_column(run["r3"], "政务公开", 8)])
    replace_check_results(store, run["r4"], [], CHECKS, [_column(run["r4"], "政务公开", -5)])
    save_score_sheet(store, run["r1"], _sheet("t1", "合格", 92.0))
    save_score_sheet(store, run["r3"], _sheet("t1", "不合格", None, ("站点无法访问",)))
    save_score_sheet(store, run["r4"], _sheet("t1", "合格", 99.0))
    save_score_sheet(store, run["r5"], _sheet("t1", "合格", 80.0))
    save_score_sheet(store, run["r5"], _sheet("t2", "不合格", 55.0, ("严重表述错误",)))  # the newest sheet counts
    save_score_sheet(store, run["r6"], _sheet("t1", None, None))
    s1, s2 = site["s1"], site["s2"]
    save_rows(store, [_probe(s1, "2026-12-04T08:00:00+08:00", True), _probe(s1, "2026-12-04T09:00:00+08:00", False),
                      _probe(s1, "2026-12-04T10:00:00+08:00", True), _probe(s1, "2026-12-03T08:00:00+08:00", True),
                      _probe(s1, "2026-12-03T20:00:00+08:00", True),
                      _probe(s1, "2026-11-27T23:00:00+08:00", False),  # 8 days back: outside the 7
                      _probe(s1, "2026-12-05T00:10:00+08:00", False),  # after today
                      _probe(s1, "2026-12-04T11:00:00+08:00", False, kind="column"),  # not the homepage
                      *(_probe(s2, f"2026-12-01T0{h}:00:00+08:00", False) for h in range(4))])
    return Built(store, site, run, org)


def test_vetoes_of_sheets_stored_before_their_names_were_come_from_the_sheet(built: Built) -> None:
    """Sheets stored before migration 0019 have no ``triggered_vetoes``: the overview reads the
    names out of the sheet instead, the same names; a stored '' means none triggered."""
    with built.store.engine.begin() as conn:
        stored = dict(conn.execute(text("SELECT run_id, triggered_vetoes FROM scores")).all())
    assert "站点无法访问" in stored.values() and "" in stored.values()
    before = rows.overview(built.store, None)
    with built.store.engine.begin() as conn:
        conn.execute(text("UPDATE scores SET triggered_vetoes = NULL"))
    after = rows.overview(built.store, None)
    assert [(s.site_id, s.vetoes) for s in after.sites] == [(s.site_id, s.vetoes) for s in before.sites]
    assert after.vetoes == before.vetoes == {"严重表述错误": 1, "站点无法访问": 1}


def test_overview_counts_by_verdict_from_the_newest_complete_full_run(built: Built) -> None:
    view = rows.overview(built.store, None)
    assert view.counts == {"合格": 1, "不合格": 2, "未评定": 2}
    by_site = {s.site_id: s for s in view.sites}
    s1, s2, s3, s4, s5 = (by_site[built.site[k]] for k in ("s1", "s2", "s3", "s4", "s5"))
    assert (s1.run_id, s1.verdict, s1.score, s1.as_of) == (built.run["r1"], "合格", 92.0, "2026-12-01")  # not the patrol
    assert (s2.run_id, s2.verdict, s2.vetoes) == (built.run["r3"], "不合格", ("站点无法访问",))  # not the incomplete r4
    assert (s3.verdict, s3.score, s3.vetoes) == ("不合格", 55.0, ("严重表述错误",))
    assert (s4.run_id, s4.verdict, s4.vetoes) == (None, "未评定", ())
    assert (s5.run_id, s5.verdict) == (built.run["r6"], "未评定")
    assert view.vetoes == {"严重表述错误": 1, "站点无法访问": 1}
    scoped = rows.overview(built.store, {built.site["s1"], built.site["s4"]})
    assert [s.site_id for s in scoped.sites] == [built.site["s1"], built.site["s4"]]
    assert scoped.counts == {"合格": 1, "不合格": 0, "未评定": 1}
    assert rows.overview(built.store, set()).sites == []


def test_org_tree_counts_subtrees_and_filters_by_scope(built: Built) -> None:
    tree = rows.org_tree(built.store, None)
    o = built.org
    assert tree.roots == [o["P"]] and tree.unassigned == 1
    p, c1, c2, d1 = (tree.nodes[o[k]] for k in ("P", "C1", "C2", "D1"))
    assert (p.sites, p.own_sites, p.counts, p.average) == (4, 0, {"合格": 1, "不合格": 2, "未评定": 1}, 73.5)
    assert (c1.sites, c1.own_sites, c1.average, c1.children) == (2, 1, 92.0, [o["D1"]])
    assert (c2.sites, c2.counts, c2.average) == (2, {"合格": 0, "不合格": 1, "未评定": 1}, 55.0)
    assert (d1.sites, d1.average, d1.children) == (1, 92.0, [])
    assert p.children == [o["C1"], o["C2"]]

    scoped = rows.org_tree(built.store, {built.site["s2"], built.site["s5"]})
    assert set(scoped.nodes) == {o["P"], o["C1"]}  # D1 and C2 hold no site in scope
    assert scoped.unassigned == 1
    assert (scoped.nodes[o["P"]].sites, scoped.nodes[o["P"]].counts["不合格"], scoped.nodes[o["P"]].average) == (1, 1, None)
    assert scoped.nodes[o["C1"]].children == []


def test_sites_at_risk_smallest_days_left_first(built: Built) -> None:
    found = rows.sites_at_risk(built.store, None, today=TODAY, within_days=7)
    s1, s2 = built.site["s1"], built.site["s2"]
    # r1 (as of 12-01, 3 days ago): 首页 2 → -1, 工作动态 10 → 7, 通知公告 has no window;
    # r3 (as of 11-25, 9 days ago): 政务公开 8 → -1; the patrol r2 and the incomplete r4 are not counted.
    assert [(a.site_id, a.column, a.days_left, a.expires) for a in found] == [
        (s1, "首页", -1, "2026-12-03"), (s2, "政务公开", -1, "2026-12-03"), (s1, "工作动态", 7, "2026-12-11")]
    assert found[0].run_id == built.run["r1"] and found[0].is_key and found[1].run_id == built.run["r3"]
    assert [a.column for a in rows.sites_at_risk(built.store, None, today=TODAY, within_days=6)] == ["首页", "政务公开"]
    assert [a.column for a in rows.sites_at_risk(built.store, None, today=TODAY, limit=1)] == ["首页"]
    assert [a.site_id for a in rows.sites_at_risk(built.store, {s2}, today=TODAY)] == [s2]


def test_availability_of_the_last_seven_days(built: Built) -> None:
    s1, s2 = built.site["s1"], built.site["s2"]
    days = rows.availability_days(built.store, None, today=TODAY)
    assert set(days) == {s1, s2}
    assert [(d.day, d.visits, d.failed) for d in days[s1]] == [("2026-12-03", 2, 0), ("2026-12-04", 3, 1)]
    assert [d.ratio for d in days[s1]] == [1.0, 2 / 3]
    assert [(d.day, d.visits, d.failed, d.ratio) for d in days[s2]] == [("2026-12-01", 4, 4, 0.0)]
    eight = rows.availability_days(built.store, {s1}, today=TODAY, days=8)
    assert list(eight) == [s1] and eight[s1][0] == rows.DayAvailability("2026-11-27", 1, 1)
    columns = rows.availability_days(built.store, None, today=TODAY, target_kind="column")
    assert [(d.day, d.visits, d.failed) for d in columns[s1]] == [("2026-12-04", 1, 1)]


def test_newest_runs_with_their_kind(built: Built) -> None:
    r = built.run
    newest = rows.newest_runs(built.store, None, limit=3)
    assert [(x["id"], x["kind"], x["verdict"], x["score"]) for x in newest] == [
        (r["r6"], "manual", None, None), (r["r5"], "manual", "不合格", 55.0), (r["r4"], "manual", "合格", 99.0)]
    mine = rows.newest_runs(built.store, {built.site["s1"]})
    assert [(x["id"], x["kind"], x["complete"]) for x in mine] == [(r["r2"], "patrol", False), (r["r1"], "manual", True)]


def test_findings_of_a_run_by_indicator_and_scope(built: Built) -> None:
    groups = rows.findings_by_indicator(built.store, built.run["r3"], None)
    assert groups is not None
    assert [(g.indicator, [f["url"] for f in g.findings], g.errors, g.warnings) for g in groups] == [
        ("A指标", ["http://s2.example/a1", "http://s2.example/a2"], 1, 1), ("B指标", ["http://s2.example/b"], 1, 0)]
    assert groups[0].findings[0]["evidence"] == {"status": 404}
    assert rows.findings_by_indicator(built.store, built.run["r3"], {built.site["s2"]}) is not None
    assert rows.findings_by_indicator(built.store, built.run["r3"], {built.site["s1"]}) is None  # outside the scope
    assert rows.findings_by_indicator(built.store, 99999, None) is None
    assert rows.findings_by_indicator(built.store, built.run["r1"], None) == []
