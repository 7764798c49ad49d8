"""年度报表: the year's figures of the two-site simulated portfolio against the simulator's truth
(the manifest's columns and the generator's item dates, from which the manifest is built), the
找错/留言 counts from ``public_reports`` rows written here, figures that crawl data cannot give
left as 需人工填报 (never 0), and the workbook opened with openpyxl.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from govwatch.commands.common import console
from govwatch.commands.main import main
from govwatch.report.annual import write_annual
from govwatch.scoring.annual import MANUAL, AnnualError, annual_figures
from govwatch.store.db import Store
from tests.conftest import AS_OF
from tests.rectify.portfolio_support import Portfolio, portfolio  # noqa: F401 - the shared fixture


def _sim_id(portfolio: Portfolio, url: str) -> str:  # noqa: F811
    return next(sid for sid, s in portfolio.manifest["sites"].items() if s["homepage"] == url)


def _truth_in_year(portfolio: Portfolio, sid: str, year: int) -> dict[str, int]:  # noqa: F811
    """Column URL -> its items dated in ``year`` and not after AS_OF, from the simulator's own
    item dates (undated and blank columns show no date)."""
    manifest_columns = {c["id"]: c for c in portfolio.manifest["sites"][sid]["columns"]}
    out = {}
    for col in portfolio.sim.generator(sid).columns:
        entry = manifest_columns[col.id]
        dates = [col.item_when(i).date() for i in range(col.items)]
        shown = not (entry["undated"] or entry["blank"])
        out[entry["url"]] = sum(1 for d in dates if shown and d.year == year and d <= AS_OF)
    return out


def _figures(entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["key"]: f for f in entry["figures"]}


@pytest.mark.parametrize("year", [2026, 2025])
def test_items_per_column_and_class_match_the_simulator(portfolio: Portfolio, year: int) -> None:  # noqa: F811
    figures = annual_figures(Store(str(portfolio.db)), year)
    assert len(figures["sites"]) == 2
    for entry in figures["sites"]:
        sid = _sim_id(portfolio, entry["site"]["url"])
        manifest = {c["url"]: c for c in portfolio.manifest["sites"][sid]["columns"]}
        truth = _truth_in_year(portfolio, sid, year)
        assert {c["url"] for c in entry["columns"]} == set(manifest)  # every column of the site, none more
        for column in entry["columns"]:
            assert column["type"] == manifest[column["url"]]["type"], column["name"]
            assert column["items"] == manifest[column["url"]]["items"], column["name"]
            assert column["in_year"] == truth[column["url"]], column["name"]
        got = _figures(entry)
        assert got["items.total"]["value"] == sum(truth.values()) > 0
        by_type: Counter[str] = Counter()
        for url, count in truth.items():
            by_type[manifest[url]["type"]] += count
        assert {k.removeprefix("items."): f["value"] for k, f in got.items()
                if k.startswith("items.") and k != "items.total"} == dict(by_type)
        service = sum(c["items"] for c in manifest.values() if c["type"] == "service")
        assert got["services.guides"]["value"] == service > 0
        messages = [m for m in portfolio.manifest["sites"][sid]["interaction"]["messages"]
                    if str(m["asked"]).startswith(str(year))]
        assert got["board.asked"]["value"] == len(messages) and (messages or year != 2026)
        assert got["board.answered"]["value"] == sum(1 for m in messages if m["replied"] and m["replied"] <= str(AS_OF))
        run = entry["source_run"]
        assert f"运行 {run['id']}" in got["items.total"]["source"] and run["as_of"] == AS_OF.isoformat()


def test_runs_and_verdicts_of_the_year(portfolio: Portfolio) -> None:  # noqa: F811
    store = Store(str(portfolio.db))
    with closing(sqlite3.connect(portfolio.db)) as conn:
        verdicts = dict(conn.execute("SELECT r.site_id, s.verdict FROM runs r JOIN scores s ON s.run_id = r.id"))
    for entry in annual_figures(store, 2026)["sites"]:
        got = _figures(entry)
        verdict = verdicts[entry["site"]["id"]]
        assert got["runs.total"]["value"] == 1
        assert got["runs.passed"]["value"] == (verdict == "合格")
        assert got["runs.failed"]["value"] == (verdict == "不合格")
    for entry in annual_figures(store, 2025)["sites"]:
        assert _figures(entry)["runs.total"]["value"] == 0


def test_a_year_after_the_newest_run_is_left_for_manual_entry(portfolio: Portfolio) -> None:  # noqa: F811
    for entry in annual_figures(Store(str(portfolio.db)), 2027)["sites"]:
        total = _figures(entry)["items.total"]
        assert total["value"] is None and total["manual"] and "早于2027年" in total["source"]


def _report(conn: sqlite3.Connection, channel: str, number: str, site_id: int, received: str,
            answered: str | None) -> None:
    conn.execute(
        "INSERT INTO public_reports (channel, external_id, site_id, site_name, category, title, received_at, "
        "forward_deadline, answer_deadline, answered_at, state, created_at, updated_at) "
        "VALUES (?, ?, ?, '', NULL, '标题', ?, ?, ?, ?, ?, ?, ?)",
        (channel, number, site_id, received, received, received, answered, "answered" if answered else "received",
         received, received))


def test_zhaocuo_and_messages_come_from_the_register_and_are_manual_until_imported(
        portfolio: Portfolio, tmp_path: Path) -> None:  # noqa: F811
    db = portfolio.copy_db(tmp_path)
    store = Store(str(db))
    before = annual_figures(store, 2026)
    for entry in before["sites"]:
        got = _figures(entry)
        for key in ("message.received", "message.answered", "zhaocuo.received", "zhaocuo.answered"):
            assert got[key]["value"] is None and "尚未导入" in got[key]["source"]
    site_a, site_b = (e["site"]["id"] for e in before["sites"])
    with closing(sqlite3.connect(db)) as conn, conn:
        _report(conn, "message", "L1", site_a, "2026-03-01T09:00:00+08:00", "2026-03-03T10:00:00+08:00")
        _report(conn, "message", "L2", site_a, "2025-12-30T09:00:00+08:00", "2026-01-04T10:00:00+08:00")
        _report(conn, "message", "L3", site_a, "2026-11-20T09:00:00+08:00", None)
        _report(conn, "zhaocuo", "Z1", site_a, "2026-05-01T09:00:00+08:00", None)
        _report(conn, "message", "L4", site_b, "2025-06-01T09:00:00+08:00", "2025-06-02T09:00:00+08:00")
    after = {e["site"]["id"]: _figures(e) for e in annual_figures(store, 2026)["sites"]}
    assert (after[site_a]["message.received"]["value"], after[site_a]["message.answered"]["value"]) == (2, 2)
    assert (after[site_a]["zhaocuo.received"]["value"], after[site_a]["zhaocuo.answered"]["value"]) == (1, 0)
    assert (after[site_b]["message.received"]["value"], after[site_b]["message.answered"]["value"]) == (0, 0)
    assert after[site_b]["zhaocuo.received"]["value"] == 0  # the channel is imported: no report is 0
    older = {e["site"]["id"]: _figures(e) for e in annual_figures(store, 2025)["sites"]}
    assert (older[site_a]["message.received"]["value"], older[site_b]["message.answered"]["value"]) == (1, 1)


def test_workbook_sheets_manual_figures_and_sources(portfolio: Portfolio, tmp_path: Path) -> None:  # noqa: F811
    figures = annual_figures(Store(str(portfolio.db)), 2026)
    path = write_annual(figures, tmp_path)
    wb = load_workbook(path)
    names = [e["site"]["name"] for e in figures["sites"]]
    assert wb.sheetnames == ["汇总", *names, "数据来源"]
    summary = wb["汇总"]
    header = [c.value for c in summary[2]]
    rows = {r[0]: r for r in (tuple(c.value for c in row) for row in summary.iter_rows(min_row=3)) if r[0]}
    total_col = header.index("信息发布总数（条）")
    site_totals = [_figures(e)["items.total"]["value"] for e in figures["sites"]]
    assert rows["合计"][1] == 2 and rows["合计"][total_col] == sum(site_totals)
    for entry in figures["sites"]:
        ws = wb[entry["site"]["name"]]
        values = {row[1].value: row[2].value for row in ws.iter_rows() if row[1].value}
        info = {row[0].value: row[1].value for row in ws.iter_rows() if row[0].value}
        assert values["网站总访问量（次）"] == MANUAL and values["办件量（件）"] == MANUAL  # never 0
        assert values["信息发布总数（条）"] == _figures(entry)["items.total"]["value"]
        assert info["首页网址"] == entry["site"]["url"] and info["网站标识码"] == entry["site"]["site_code"]
    sources = [tuple(c.value for c in row) for row in wb["数据来源"].iter_rows(min_row=3)]
    run_ids = {e["source_run"]["id"] for e in figures["sites"]}
    column_rows = [r for r in sources if r[1] in run_ids and r[3]]
    assert len(column_rows) == sum(len(e["columns"]) for e in figures["sites"])
    assert all(isinstance(r[7], int) for r in column_rows)


def test_annual_command_by_org_and_bad_input(portfolio: Portfolio, tmp_path: Path) -> None:  # noqa: F811
    county = next(s for s in portfolio.manifest["sites"].values() if "县" in s["name"])
    code = county["site_code"][:6]  # the county's org code in the simulator's registry sheet
    with console.capture() as captured:
        assert main(["annual", "--year", "2026", "--org", code, "--db", str(portfolio.db), "--out",
                     str(tmp_path)]) == 0
    assert "（1 个网站）" in captured.get()
    assert load_workbook(tmp_path / "年度报表.xlsx").sheetnames == ["汇总", county["name"], "数据来源"]
    with console.capture() as captured:
        assert main(["annual", "--year", "2026", "--org", "NOPE", "--db", str(portfolio.db), "--out",
                     str(tmp_path)]) == 2
        assert main(["annual", "--year", "1800", "--db", str(portfolio.db), "--out", str(tmp_path)]) == 2
    text = captured.get()
    assert "没有机构代码为 NOPE 的机构" in text and "年度 1800" in text and "Traceback" not in text
    with pytest.raises(AnnualError):
        annual_figures(Store(str(portfolio.db)), 2026, "NOPE")
