"""抽查 (spot checks): the draw is reproducible from its stored population and seed, sizes follow
⌈ratio·n⌉ with the minimum per level, the results table is a real workbook, and ``spotcheck run``
inspects the drawn sites of a simulated portfolio and records their runs.

Ground truth: a hand-written registry of 1 province, 10 city and 30 county portals (plus a 关停
county site that no draw may take), and the simulator's manifest for the inspected portfolio.
"""

from __future__ import annotations

import csv
import random
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from govwatch.commands.common import console
from govwatch.commands.main import main
from govwatch.registry import import_file, registered_sites
from govwatch.report.spot_check_table import HEADER, write_spot_check_table
from govwatch.scoring.spot_checks import (
    NOT_INSPECTED,
    SpotCheckError,
    draw_spot_check,
    record_run,
    sample_size,
    spot_check,
    spot_check_results,
)
from govwatch.store.db import Store
from govwatch.store.ticket_rows import audit_trail
from tests.rectify.portfolio_support import SEED, Portfolio, portfolio  # noqa: F401 - the shared fixture

HEADERS = ("网站名称", "首页网址", "网站类型", "级别", "所属机构代码", "所属机构名称", "上级机构代码", "运行状态")
RATIOS = {"province": 1.0, "city": 0.3, "county": 0.3}


def write_registry(path: Path) -> Path:
    """1 province portal, 10 city portals, 30 county portals (3 per city) and one 关停 county site."""
    rows = [("宁川省人民政府", "http://www.nx.gov.cn/", "本级门户", "省级", "450000", "宁川省", "", "正常")]
    for city in range(1, 11):
        code = f"45{city:02d}00"
        rows.append((f"第{city}市人民政府", f"http://city{city}.nx.gov.cn/", "本级门户", "市级", code, f"第{city}市",
                     "450000", "正常"))
        for county in range(1, 4):
            rows.append((f"第{city}市第{county}县人民政府", f"http://county{city}-{county}.nx.gov.cn/", "本级门户",
                         "县级", f"45{city:02d}{county:02d}", f"第{city}市第{county}县", code, "正常"))
    rows.append(("已关停县人民政府", "http://closed.nx.gov.cn/", "本级门户", "县级", "451099", "已关停县", "451000",
                 "关停"))
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return path


@pytest.fixture
def registry(tmp_path: Path) -> tuple[Store, Path]:
    db = tmp_path / "s.db"
    store = Store(str(db))
    result = import_file(store, write_registry(tmp_path / "registry.csv"))
    assert not result.problems
    return store, db


def _population(store: Store) -> dict[str, list[int]]:
    """The registry's 正常 sites per level, by id (computed here from the registry, not the draw)."""
    out: dict[str, list[int]] = {}
    for site in registered_sites(store):
        if site.status == "正常":
            out.setdefault(site.level or "other", []).append(site.id)
    return {level: sorted(ids) for level, ids in out.items()}


def _draw(store: Store, seed: int, ratios: dict[str, float] = RATIOS, minimum: int = 1) -> dict[str, Any]:
    spot_id = draw_spot_check(store, org_code=None, ratios=ratios, minimum=minimum, seed=seed, period="2026Q4",
                              name="第四季度抽查", actor="test")
    return spot_check(store, spot_id)


def test_sizes_follow_the_ratio_rounded_up_with_the_minimum() -> None:
    assert sample_size(0.3, 10, 1) == 3  # 0.3 × 10 in floats is 3.0000000000000004: still 3
    assert sample_size(0.1, 30, 0) == 3
    assert sample_size(0.7, 10, 1) == 7
    assert sample_size(0.25, 10, 1) == 3  # ⌈2.5⌉
    assert sample_size(0.01, 30, 2) == 2  # the minimum
    assert sample_size(0.3, 1, 5) == 1  # never more than the population
    assert sample_size(0.3, 0, 1) == 0


def test_draw_takes_the_registry_population_per_level(registry: tuple[Store, Path]) -> None:
    store, _ = registry
    spot = _draw(store, 7)
    population = _population(store)
    assert spot["population"] == population  # the 关停 site is in no level
    closed = next(s.id for s in registered_sites(store) if s.status == "关停")
    assert all(closed not in ids for ids in spot["drawn"].values())
    assert {level: len(ids) for level, ids in spot["drawn"].items()} == {"province": 1, "city": 3, "county": 9}
    for level, ids in spot["drawn"].items():
        assert set(ids) <= set(population[level]) and len(set(ids)) == len(ids)
    # the documented method, computed here: a seeded sample of the sorted ids
    expected = sorted(random.Random("7:county").sample(population["county"], 9))
    assert spot["drawn"]["county"] == expected
    assert spot["redraw_matches"] is True


def test_ratios_minimums_and_levels_not_named(registry: tuple[Store, Path]) -> None:
    store, _ = registry
    spot = _draw(store, 3, {"city": 0.25, "county": 0.01}, minimum=2)
    assert {level: len(ids) for level, ids in spot["drawn"].items()} == {"city": 3, "county": 2}
    assert "province" not in spot["population"]  # levels not named are not drawn
    assert spot["spec"]["below_floor"] == ["city", "county"]  # below seed 001's 30%: stored as a warning


def test_same_seed_same_sample_other_seed_other_sample(registry: tuple[Store, Path]) -> None:
    store, _ = registry
    first, again, other = _draw(store, 11), _draw(store, 11), _draw(store, 12)
    assert first["id"] != again["id"] and first["drawn"] == again["drawn"]
    assert other["drawn"]["county"] != first["drawn"]["county"]  # 9 of 30: C(30, 9) possible samples


def test_a_changed_stored_sample_no_longer_rederives(registry: tuple[Store, Path]) -> None:
    store, db = registry
    spot = _draw(store, 5)
    assert main(["spotcheck", "show", str(spot["id"]), "--db", str(db)]) == 0
    drawn = spot["drawn"]["county"]
    intruder = next(i for i in spot["population"]["county"] if i not in drawn)
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("UPDATE spot_check_sites SET site_id = ? WHERE spot_check_id = ? AND site_id = ?",
                     (intruder, spot["id"], drawn[0]))
    assert spot_check(store, spot["id"])["redraw_matches"] is False
    assert main(["spotcheck", "show", str(spot["id"]), "--db", str(db)]) == 1


def test_draw_command_warns_below_30_percent_and_rejects_bad_input(registry: tuple[Store, Path]) -> None:
    _, db = registry
    with console.capture() as captured:
        assert main(["spotcheck", "draw", "--ratio", "市级=20%,county=0.3", "--seed", "9", "--period", "2026Q4",
                     "--db", str(db)]) == 0
    text = captured.get()
    assert "市级：10 个网站，抽查比例 20%，抽中 2 个" in text and "县级：30 个网站，抽查比例 30%，抽中 9 个" in text
    assert "市级的抽查比例低于 30%" in text and "县级的抽查比例低于" not in text
    base = ["spotcheck", "draw", "--seed", "1", "--period", "2026Q4", "--db", str(db)]
    for ratio in ("city=abc", "city=1.5", "town=0.3", "city", "city=0.3,city=0.5"):
        with console.capture() as captured:
            assert main([*base, "--ratio", ratio]) == 2, ratio
        assert "Traceback" not in captured.get()
    with console.capture() as captured:
        assert main([*base, "--ratio", "city=0.3", "--org", "NOPE"]) == 2
    assert "没有机构代码为 NOPE 的机构" in captured.get()
    assert main(["spotcheck", "show", "99", "--db", str(db)]) == 2
    assert main(["spotcheck", "show", "abc", "--db", str(db)]) == 2


def test_draw_under_an_org_takes_its_subtree_only(registry: tuple[Store, Path]) -> None:
    store, _ = registry
    spot_id = draw_spot_check(store, org_code="450300", ratios={"city": 1, "county": 1}, seed=1, period="2026Q4",
                              name="第3市", actor=None)
    spot = spot_check(store, spot_id)
    names = {s["name"] for s in spot["sites"]}
    assert names == {"第3市人民政府", "第3市第1县人民政府", "第3市第2县人民政府", "第3市第3县人民政府"}


def test_results_table_of_a_draw_not_yet_inspected(registry: tuple[Store, Path], tmp_path: Path) -> None:
    store, _ = registry
    spot = _draw(store, 21, {"city": 0.3, "county": 0.1}, minimum=1)
    results = spot_check_results(store, spot["id"])
    assert [r["verdict"] for r in results] == [NOT_INSPECTED] * 6 and all(r["run_id"] is None for r in results)
    assert [r["level"] for r in results] == ["市级"] * 3 + ["县级"] * 3
    outsider = next(i for i in spot["population"]["city"] if i not in spot["drawn"]["city"])
    with pytest.raises(SpotCheckError, match="不在抽查"):
        record_run(store, spot["id"], outsider, 1)
    path = write_spot_check_table(results, tmp_path / "out", title="2026年第四季度抽查结果", period="2026Q4", draw=spot)
    wb = load_workbook(path)
    assert wb.sheetnames == ["抽查结果", "抽查说明"]
    ws = wb["抽查结果"]
    assert ws["A1"].value == "2026年第四季度抽查结果"
    assert tuple(c.value for c in ws[2]) == HEADER and ws.freeze_panes == "A3"
    assert ws.column_dimensions["H"].width == 60 and ws["H3"].alignment.wrap_text
    rows = [tuple(c.value for c in row) for row in ws.iter_rows(min_row=3)]
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert [r[2] for r in rows] == [r["site_name"] for r in results] and {r[6] for r in rows} == {NOT_INSPECTED}
    notes = {row[0].value: row[1].value for row in wb["抽查说明"].iter_rows(min_row=3) if row[0].value}
    assert notes["随机种子"] == 21 and notes["已检查网站"] == "0/6"
    assert "一致" in notes["复核"] and "不一致" not in notes["复核"]
    assert notes["提示"].endswith("：县级")  # 10% is below seed 001's 30%; 30% is not
    assert notes["市级"] == "30%" and notes["县级"] == "10%"  # the level table: 级别, 抽查比例, 网站总数, 抽中数
    levels = {row[0].value: (row[2].value, row[3].value) for row in wb["抽查说明"].iter_rows(min_row=3)
              if row[0].value in ("市级", "县级")}
    assert levels == {"市级": (10, 3), "县级": (30, 3)}


# -- the simulated portfolio: `spotcheck run` ------------------------------------------------

def test_spotcheck_run_inspects_every_drawn_site_and_records_its_run(portfolio: Portfolio) -> None:  # noqa: F811
    store = Store(str(portfolio.db))
    spot = spot_check(store, portfolio.spot_id)
    assert spot["seed"] == SEED and spot["redraw_matches"]
    manifest_sites = {s["homepage"]: s for s in portfolio.manifest["sites"].values()}
    assert {s["url"] for s in spot["sites"]} == set(manifest_sites)  # ratio 1 at both levels: both sites
    for site in spot["sites"]:
        run = store.run(site["run_id"])
        assert run["site_id"] == site["site_id"] and run["status"] == "completed" and run["kind"] == "inspect"
    results = spot_check_results(store, portfolio.spot_id)
    with closing(sqlite3.connect(portfolio.db)) as conn:
        stored = {run: (verdict, score) for run, verdict, score in conn.execute(
            "SELECT run_id, verdict, score FROM scores WHERE id IN (SELECT max(id) FROM scores GROUP BY run_id)")}
    for row in results:
        truth = manifest_sites[row["url"]]
        assert row["site_name"] == truth["name"] and row["site_code"] == truth["site_code"]
        verdict, score = stored[row["run_id"]]
        assert row["verdict"] == (verdict or "待定") and row["score"] == score
        assert f"运行 {row['run_id']}" in portfolio.run_output
    assert [r["level"] for r in results] == ["市级", "县级"]
    events = audit_trail(store, "spot_check", portfolio.spot_id)
    assert [e["action"] for e in events] == ["draw", "record_run", "record_run"]
    assert {e["data"]["run_id"] for e in events[1:]} == {r["run_id"] for r in results}


def test_main_problems_name_the_vetoes_and_deductions_of_the_sheet(portfolio: Portfolio) -> None:  # noqa: F811
    import json

    store = Store(str(portfolio.db))
    with closing(sqlite3.connect(portfolio.db)) as conn:
        sheets = {run: json.loads(sheet) for run, sheet in conn.execute(
            "SELECT run_id, sheet FROM scores WHERE id IN (SELECT max(id) FROM scores GROUP BY run_id)")}
    for row in spot_check_results(store, portfolio.spot_id):
        sheet = sheets[row["run_id"]]
        for veto in sheet["vetoes"]:
            assert (f"单项否决：{veto['name']}" in row["problems"]) == bool(veto["triggered"])
        worst = max((i for i in sheet["indicators"] if i["kind"] == "deduction"), key=lambda i: i["points"])
        if worst["points"] > 0:
            assert f"{worst['name']}（" in row["problems"] and f"扣{worst['points']:g}分" in row["problems"]


def test_second_run_inspects_nothing_and_the_table_shows_the_results(portfolio: Portfolio,  # noqa: F811
                                                                      tmp_path: Path) -> None:
    db = portfolio.copy_db(tmp_path)
    with closing(sqlite3.connect(db)) as conn:
        before = conn.execute("SELECT count(*) FROM runs").fetchone()[0]
    with console.capture() as captured:
        assert main(["spotcheck", "run", str(portfolio.spot_id), "--db", str(db), "--config",
                     str(portfolio.config)]) == 0
    assert "都已检查" in captured.get()
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == before
    assert main(["spotcheck", "table", str(portfolio.spot_id), "--db", str(db), "--out", str(tmp_path / "t")]) == 0
    ws = load_workbook(tmp_path / "t" / "抽查结果.xlsx")["抽查结果"]
    rows = [tuple(c.value for c in row) for row in ws.iter_rows(min_row=3)]
    results = spot_check_results(Store(str(db)), portfolio.spot_id)
    assert [(r[2], r[3], r[4], r[6]) for r in rows] == [(r["site_name"], r["site_code"], r["level"], r["verdict"])
                                                         for r in results]
    assert all(r[6] in ("合格", "不合格", "待定") for r in rows) and all(r[7] for r in rows)


def test_bulletin_extra_reads_as_the_bulletin_paragraph(portfolio: Portfolio) -> None:  # noqa: F811
    from govwatch.report.bulletin import spot_check_texts
    from govwatch.scoring.spot_checks import bulletin_extra

    store = Store(str(portfolio.db))
    extra = bulletin_extra(store, portfolio.spot_id)
    results = spot_check_results(store, portfolio.spot_id)
    assert (extra["population"], extra["sampled"], extra["seed"]) == (2, 2, SEED)
    failed = [r for r in results if r["verdict"] == "不合格"]
    text = "".join(spot_check_texts(extra))
    assert f"（随机种子{SEED}）" in text and "从2个在运行政府网站中抽查2个" in text
    assert f"不合格{len(failed)}个" in text and all(r["site_name"] in text for r in failed)
