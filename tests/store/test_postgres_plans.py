"""The dashboard's queries on PostgreSQL use indexes where they are scoped to a site or a few.

A store of 3,000 sites × 16 runs (every fourth a patrol; findings, columns and a score sheet of every
full run; half a day of hourly probes per site: about 250,000 rows), ANALYZEd: tables large enough that
reading one whole costs the planner more than the index lookups a scoped read needs. Every statement the scoped reads of
``store/dashboard_rows.py``, ``web_rows.py`` and ``run_listing.py`` run is caught as it runs and
EXPLAINed with its own parameters; no plan may read a big table whole (a ``Seq Scan`` on runs,
findings, columns, scores, probes or check_runs). The planner is left as it is (no
``enable_seqscan = off``): the plans are the ones these row counts get.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from govwatch.store import dashboard_rows, run_listing, web_rows
from govwatch.store import tables as t
from govwatch.store.db import Store

TODAY = date(2026, 12, 4)
SITES, RUNS, FINDINGS, COLUMNS, PROBES = 3000, 16, 2, 2, 12
BIG = {"runs", "findings", "columns", "scores", "probes", "check_runs"}
SITE = 7  # the site of the site-page queries
CITY = set(range(1, SITES + 1, 300))  # ten sites: a small scope, given as an IN list


def _fill(store: Store) -> int:
    """The store of the module docstring; the newest full run of :data:`SITE`."""
    empty = json.dumps({})
    with store.engine.begin() as conn:
        store.insert_rows(conn, t.orgs, ("id", "code", "name", "parent_id", "level"),
                          [(1, "34", "安徽省", None, "province"), *((2 + c, f"34{c:02d}", f"第{c}市", 1, "city")
                                                                  for c in range(8))])
        store.insert_rows(conn, t.sites, ("id", "url", "name", "created_at", "registered", "org_id"), [
            (s, f"http://site{s}.gov.example/", f"网站{s}", "2026-01-01T00:00:00+00:00", True, 2 + s % 8)
            for s in range(1, SITES + 1)])
        runs, scores, findings, columns = [], [], [], []
        run_id = 0
        for s in range(1, SITES + 1):
            for k in range(RUNS):
                run_id += 1
                as_of = (TODAY - timedelta(days=7 * (RUNS - k))).isoformat() + "T09:00:00+08:00"
                patrol = k % 4 == 3
                runs.append((run_id, s, "patrol" if patrol else "scan", "completed", as_of, as_of, as_of, empty,
                             not patrol))
                if patrol:
                    continue
                verdict = "合格" if (s + k) % 3 else "不合格"
                sheet = json.dumps({"verdict": verdict, "score": 90.0, "vetoes": [{"name": "站点无法访问",
                                                                                 "triggered": False}]})
                scores.append((run_id, "census-2015", as_of, verdict, 90.0, sheet))
                findings += [(run_id, "broken_link", "usability.links.broken", f"indicator-{f % 4}",
                              "error" if f % 3 else "warning", f"http://site{s}.gov.example/p{f}.html", "链接无法访问",
                              json.dumps({"status": 404}), f"{run_id:010d}{f:06d}") for f in range(FINDINGS)]
                columns += [(run_id, f"栏目{c}", f"http://site{s}.gov.example/c{c}/", "homepage" if c == 0 else "dynamic",
                             "keyword:动态", "nav", "static", "2026-11-01", 10, 0, False, (s + c) % 5 == 0, 14,
                             (s + c) % 20 - 5, c == 0, empty) for c in range(COLUMNS)]
        store.insert_rows(conn, t.runs, ("id", "site_id", "kind", "status", "as_of", "started_at", "finished_at",
                                         "settings", "complete"), runs)
        store.insert_rows(conn, t.scores, ("run_id", "ruleset", "computed_at", "verdict", "score", "sheet"), scores)
        store.insert_rows(conn, t.findings, ("run_id", "kind", "code", "indicator", "severity", "url", "message",
                                             "evidence", "fingerprint"), findings)
        store.insert_rows(conn, t.columns, ("run_id", "name", "url", "type", "type_reason", "discovered_by",
                                            "read_via", "last_update", "items", "undated", "blank", "stale",
                                            "window_days", "days_left", "is_key", "details"), columns)
        start = datetime(TODAY.year, TODAY.month, TODAY.day) - timedelta(days=1)
        store.insert_rows(conn, t.probes, ("site_id", "target_kind", "url", "at", "ok", "timeout_s"), [
            (s, "homepage", f"http://site{s}.gov.example/", (start + timedelta(hours=h)).isoformat() + "+08:00",
             h % 11 != 0, 15.0) for s in range(1, SITES + 1) for h in range(PROBES)])
        for table in t.metadata.sorted_tables:
            conn.exec_driver_sql(f"ANALYZE {table.name}")
    return (SITE - 1) * RUNS + RUNS - 1  # its runs are (SITE-1)*RUNS+1 … +RUNS; the last but one is full


def _plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _plan_nodes(child)


@pytest.fixture(scope="module")
def filled(pg_session_url: str) -> Iterator[tuple[Store, int]]:
    from tests.conftest import empty_pg_database

    empty_pg_database(pg_session_url)
    store = Store(pg_session_url)
    run_id = _fill(store)
    yield store, run_id
    store.close()
    empty_pg_database(pg_session_url)


def _statements(store: Store, read: Callable[[], object]) -> list[tuple[str, Any]]:
    """The SQL statements (and their parameters) ``read`` runs."""
    caught: list[tuple[str, Any]] = []

    def catch(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        caught.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", catch)
    try:
        read()
    finally:
        event.remove(store.engine, "before_cursor_execute", catch)
    return caught


SCOPED_READS: dict[str, Callable[[Store, int], object]] = {
    "overview of a site": lambda s, r: dashboard_rows.overview(s, {SITE}),
    "overview of a city": lambda s, r: dashboard_rows.overview(s, CITY),
    "org tree of a city": lambda s, r: dashboard_rows.org_tree(s, CITY),
    "a site's columns at risk": lambda s, r: dashboard_rows.sites_at_risk(s, {SITE}, today=TODAY, within_days=3650),
    "a city's sites at risk": lambda s, r: dashboard_rows.sites_at_risk(s, CITY, today=TODAY),
    "a site's availability": lambda s, r: dashboard_rows.availability_days(s, {SITE}, today=TODAY),
    "a city's availability": lambda s, r: dashboard_rows.availability_days(s, CITY, today=TODAY),
    "a site's newest runs": lambda s, r: dashboard_rows.newest_runs(s, {SITE}, limit=12),
    "a city's newest runs": lambda s, r: dashboard_rows.newest_runs(s, CITY),
    "findings of a run by indicator": lambda s, r: dashboard_rows.findings_by_indicator(s, r, {SITE}),
    "API: one site": lambda s, r: web_rows.site_summaries(s, None, site_id=SITE),
    "API: a site's runs": lambda s, r: web_rows.scoped_runs(s, None, site_id=SITE),
    "API: a city's runs": lambda s, r: web_rows.scoped_runs(s, CITY),
    "a site's newest full run": lambda s, r: web_rows.newest_full_run_of(s, SITE),
    "a run's score sheet": lambda s, r: web_rows.score_sheet_of(s, r),
    "run list of a site": lambda s, r: run_listing.run_rows(s, site_ids=[SITE]),
    "probe days of a site": lambda s, r: run_listing.probe_day_rows(s, site_ids=[SITE]),
    "a run's key columns": lambda s, r: run_listing.key_column_rows(s, r, ("dynamic",)),
}


def test_the_filled_store_is_what_the_plans_are_checked_on(filled: tuple[Store, int]) -> None:
    store, run_id = filled
    with store.engine.connect() as conn:
        counts = {name: conn.exec_driver_sql(f"SELECT count(*) FROM {name}").scalar_one() for name in sorted(BIG)}
        assert conn.exec_driver_sql("SELECT site_id, kind FROM runs WHERE id = %s", (run_id,)).one() == (SITE, "scan")
    full = SITES * RUNS * 3 // 4
    assert counts == {"runs": SITES * RUNS, "scores": full, "findings": full * FINDINGS,
                      "columns": full * COLUMNS, "probes": SITES * PROBES, "check_runs": 0}
    assert [r.name for r in dashboard_rows.overview(store, {SITE}).sites] == [f"网站{SITE}"]


@pytest.mark.parametrize("read", list(SCOPED_READS))
def test_a_scoped_read_reads_no_big_table_whole(filled: tuple[Store, int], read: str) -> None:
    store, run_id = filled
    statements = _statements(store, lambda: SCOPED_READS[read](store, run_id))
    assert statements, read
    whole = []
    with store.engine.connect() as conn:
        for statement, parameters in statements:
            plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar_one()
            whole += [(node["Relation Name"], statement) for node in _plan_nodes(plan[0]["Plan"])
                      if node["Node Type"] == "Seq Scan" and node["Relation Name"] in BIG]
    assert not whole, f"{read}: {whole}"
