"""Scoring end to end on a simulated site: score, rules, reviewer input, diff, inspect --org.

Expected scores are computed here from the findings and the table's stated rules,
independently of the engine's own trace.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from govwatch.commands.main import main
from tests.conftest import AS_OF, CRAWL_TIMEOUT

CRAWL = {"concurrency": 16, "per_host_concurrency": 8, "per_host_rate": 0, "timeout": CRAWL_TIMEOUT,
         "connect_timeout": 1.0, "backoff": 0.1, "network": "offline"}


def _config(folder: Path) -> str:
    path = folder / "settings.yaml"
    path.write_text(yaml.safe_dump({"crawl": CRAWL, "render": {"enabled": False}}), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def run(sim: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The trs site inspected once through the CLI; its db, config and inspection JSON."""
    folder = tmp_path_factory.mktemp("scoring")
    db, config = str(folder / "s.db"), _config(folder)
    out = folder / "run1.json"
    assert main(["inspect", sim.site_url("trs"), "--as-of", AS_OF.isoformat(), "--db", db, "--config", config,
                 "--json", str(out)]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    return {"db": db, "config": config, "doc": doc, "run": doc["run"]["id"], "folder": folder}


def _score(run: dict[str, Any], *extra: str) -> dict[str, Any]:
    out = run["folder"] / f"score-{len(list(run['folder'].glob('score-*')))}.json"
    assert main(["score", str(run["run"]), "--db", run["db"], "--json", str(out), *extra]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def census_deduction(doc: dict[str, Any]) -> float:
    """2015 deductions by the seed's and rules.md's words: −1 per confirmed broken link on the
    homepage, −0.1 elsewhere; −3/−4/−5 per stale column by class; −5 for <10 homepage updates;
    −2 per missing guide element class, −1 per form not offered or not downloadable, −3 per
    unreachable online system; surveys / interviews: −5 for none in a year, −3 for fewer than
    6 (a portal: the run's default role)."""
    points = 0.0
    for f in doc["findings"]:
        ev = f["evidence"]
        if f["kind"] == "broken_link" and ev["confirmed"]:
            points += 1 if ev["scope"] == "homepage" else 0.1
        elif f["kind"] == "stale_column":
            points += {"dynamic": 3, "notice": 4, "policy": 4, "personnel": 5, "plan": 5}.get(ev["type"], 0)
        elif f["kind"] == "homepage_few_updates":
            points += 5
        elif f["kind"] == "guide_incomplete":
            points += 2 * ev["missing_count"]
        elif f["kind"] == "form_unavailable":
            points += 1
        elif f["kind"] == "online_system_unreachable":
            points += 3
        elif f["kind"] in ("survey_inactive", "interview_inactive"):
            points += 5 if ev["activities_in_year"] == 0 else 3
        elif f["kind"] in ("no_consult_channel", "consult_inactive"):
            points += 5
    return round(points, 2)


def test_inspection_is_scored_with_its_table_and_never_passes_unassessed(run: dict[str, Any]) -> None:
    doc = run["doc"]
    sheet = doc["scoring"]
    assert doc["ruleset"] == "national-2019" and sheet["not_assessed"]
    assert doc["verdict"] in ("不合格", None) and doc["score"] is None
    for d in doc["deductions"]:  # the short form agrees with the findings' own traces
        traced = sum(f["scoring"]["points"] for f in doc["findings"] if f["scoring"]["indicator"] == d["id"])
        ind = next(i for i in sheet["indicators"] if i["id"] == d["id"])
        assert d["points"] == min(round(traced, 2), ind["max"])


def test_rescoring_with_the_census_table_matches_the_hand_count(run: dict[str, Any]) -> None:
    doc = _score(run, "--rules", "census-2015")
    sheet = doc["scoring"]
    assert sheet["ruleset"]["id"] == "census-2015"
    expected = census_deduction(doc)
    assert expected > 0
    assert sheet["deducted"] == pytest.approx(expected)
    if not any(v["triggered"] for v in sheet["vetoes"]):
        assert sheet["score_upper_bound"] == pytest.approx(100 - expected)
    # the run's own table is untouched: scoring again without --rules gives national-2019
    assert _score(run)["scoring"]["ruleset"]["id"] == "national-2019"


def test_exempting_the_forged_date_lifts_the_veto(run: dict[str, Any], sim: Any,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    future = [f for f in run["doc"]["findings"] if f["kind"] == "future_date"]
    assert future, "the simulator plants a future-dated item on trs"
    before = _score(run)
    v1 = next(v for v in before["vetoes"] if v["id"] == "V1")
    assert "伪造发布时间" in v1["reason"] and {f["id"] for f in future} <= set(v1["findings"])
    for f in future:
        assert main(["finding", "exempt", str(run["run"]), f["id"], "--reason", "活动预告，日期为活动举办日期",
                     "--db", run["db"]]) == 0
    after = _score(run)
    # The simulator also plants content and security signs that veto (manifest "planted"): V1 stays
    # for them, but the forged date no longer counts.
    remaining = next((v for v in after["vetoes"] if v["id"] == "V1"), None)
    assert remaining is None or ("伪造发布时间" not in remaining["reason"]
                                 and not {f["id"] for f in future} & set(remaining["findings"]))
    traces = {f["id"]: f["scoring"] for f in after["findings"]}
    assert all(traces[f["id"]]["status"] == "exempt" for f in future)
    assert all("活动预告" in traces[f["id"]]["note"] for f in future)


def test_reviewer_finding_and_assessment_change_the_sheet(run: dict[str, Any], tmp_path: Path) -> None:
    before = _score(run)["scoring"]
    wording = next(i for i in before["indicators"] if i["id"] == "wording")
    review = tmp_path / "review.yaml"
    review.write_text(yaml.safe_dump({
        "findings": [{"indicator": "wording", "kind": "typo", "url": run["doc"]["site"]["url"],
                      "message": "首页要闻标题“政府工做报告”有错别字", "points": 1}],
        "assessed": [{"indicator": "realtime", "note": "人工模拟咨询，1个工作日内准确答复"}],
    }, allow_unicode=True), encoding="utf-8")
    assert main(["finding", "add", str(run["run"]), "--file", str(review), "--db", run["db"],
                 "--reviewer", "张三"]) == 0
    doc = _score(run)
    after = doc["scoring"]
    entry = next(i for i in after["indicators"] if i["id"] == "wording")
    assert entry["points"] == min(wording["points"] + 1, entry["max"]) and entry["status"] == "reviewed"
    rg = [f for f in doc["findings"] if f["id"].startswith("RG-")]
    assert [f["message"] for f in rg] == ["首页要闻标题“政府工做报告”有错别字"] and rg[0]["scoring"]["origin"] == "reviewer"
    assert "realtime" not in after["not_assessed"] and "realtime" in before["not_assessed"]


def test_reviewer_input_errors_are_usage_errors(run: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    r, db = str(run["run"]), run["db"]
    assert main(["finding", "add", r, "--indicator", "nope", "--url", "http://x/", "--message", "m", "--db", db]) == 2
    assert "中没有指标或否决项 'nope'" in capsys.readouterr().err
    assert main(["finding", "exempt", r, "LJ-0000000000", "--reason", "x", "--db", db]) == 2
    assert f"运行 {r} 中没有问题 LJ-0000000000" in capsys.readouterr().err
    assert main(["finding", "add", r, "--indicator", "links", "--db", db]) == 2
    assert "须给出 --url、--message" in capsys.readouterr().err
    assert main(["score", "999", "--db", db]) == 2
    assert "no run with id 999" in capsys.readouterr().err
    assert main(["score", r, "--rules", "nope", "--db", db]) == 2


def test_rules_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "list"]) == 0
    listing = capsys.readouterr().err
    assert all(name in listing for name in ("census-2015", "national-2019", "suqian-2022", "zhongkai-2018"))
    assert main(["rules", "show", "census-2015"]) == 0
    shown = capsys.readouterr().err
    assert "站点无法访问" in shown and "累计扣分超过40分不合格" in shown and "链接可用性" in shown
    assert main(["rules", "show", "national-2019", "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["scoring"]["bonus"]["gate"] == 80


def test_diff_after_a_later_recheck(run: dict[str, Any], sim: Any, capsys: pytest.CaptureFixture[str]) -> None:
    later = run["folder"] / "later.json"
    as_of = AS_OF + timedelta(days=40)
    assert main(["inspect", sim.site_url("trs"), "--as-of", as_of.isoformat(), "--db", run["db"],
                 "--config", run["config"], "--json", str(later)]) == 0
    second = json.loads(later.read_text(encoding="utf-8"))
    diff = run["folder"] / "diff.json"
    assert main(["diff", str(run["run"]), str(second["run"]["id"]), "--db", run["db"], "--json", str(diff)]) == 0
    result = json.loads(diff.read_text(encoding="utf-8"))
    first_fp = {f["fingerprint"] for f in run["doc"]["findings"] if not f["id"].startswith("RG-")}
    second_fp = {f["fingerprint"] for f in second["findings"] if not f["id"].startswith("RG-")}
    assert {f["fingerprint"] for f in result["new"]} == second_fp - first_fp
    assert {f["fingerprint"] for f in result["open"] if f["origin"] == "check"} == second_fp & first_fp
    assert {f["fingerprint"] for f in result["fixed"]} >= first_fp - second_fp
    # 40 days on, more columns are past their window: new stale columns; broken links stay open
    assert any(f["kind"] == "stale_column" for f in result["new"])
    assert any(f["kind"] == "broken_link" for f in result["open"])
    assert "已整改" in capsys.readouterr().err


def test_inspect_by_org_uses_the_registry(sim: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from govwatch.sim.registry_sheet import write_registry_csv
    registry = write_registry_csv(sim.options, sim.manifest, tmp_path / "registry.csv")
    rows = registry.read_text(encoding="utf-8").splitlines()
    county = next(r for r in rows[1:] if ",本级门户,县级," in r)
    county_code = county.split(",")[8]
    db, config = str(tmp_path / "org.db"), _config(tmp_path)
    assert main(["sites", "import", str(registry), "--db", db]) == 0
    assert main(["inspect", "--org", county_code, "--as-of", AS_OF.isoformat(), "--db", db, "--config", config,
                 "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert err.count("运行 ") == 1 and sim.manifest["sites"]["jcms"]["name"] in err
    site_code = sim.manifest["sites"]["jcms"]["site_code"]
    doc = json.loads((tmp_path / "out" / site_code / "inspection.json").read_text(encoding="utf-8"))
    assert doc["site"]["url"] == sim.manifest["sites"]["jcms"]["homepage"]
    assert main(["inspect", "--org", "000000", "--db", db, "--config", config]) == 2
    assert main(["inspect", sim.site_url("trs"), "--all", "--db", db]) == 2
    assert "网址、--all、--org CODE 三者须给出且只能给出其一" in capsys.readouterr().err


def test_temporary_filing_suppresses_findings_in_its_window(run: dict[str, Any],
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    site = run["doc"]["site"]["url"]
    start, end = (AS_OF - timedelta(days=3)).isoformat(), AS_OF.isoformat()
    assert main(["filing", "add", site, "--from", start, "--to", end, "--reason", "网站改版迁移",
                 "--kinds", "broken_link", "--db", run["db"]]) == 0
    doc = _score(run)
    links = [f for f in doc["findings"] if f["kind"] == "broken_link"]
    assert links and all(f["scoring"]["status"] == "suppressed" and f["scoring"]["points"] == 0 for f in links)
    assert all("网站改版迁移" in f["scoring"]["note"] for f in links)
    assert next(i for i in doc["scoring"]["indicators"] if i["id"] == "links")["points"] == 0
    others = [f for f in doc["findings"] if f["kind"] == "stale_column"]
    assert others and not any(f["scoring"]["status"] == "suppressed" for f in others)  # only the filed kinds
    assert any(f["scoring"]["points"] > 0 for f in others)


def test_bulletin_command_over_stored_runs(run: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "bulletin"
    assert main(["bulletin", str(run["run"]), "--rules", "zhongkai-2018", "--out", str(out), "--period",
                 "2026年第四季度", "--deadline", "2026-12-31", "--db", run["db"]]) == 0
    import openpyxl
    rows = list(openpyxl.load_workbook(out / "得分表.xlsx", read_only=True).worksheets[0].iter_rows(values_only=True))
    assert any(r and r[1] == run["doc"]["site"]["name"] for r in rows)  # 序号 first
    assert (out / "通报.docx").stat().st_size > 0
    assert main(["bulletin", "--out", str(out), "--period", "x", "--deadline", "31/12", "--db", run["db"]]) == 2


def test_rescore_reuses_the_findings_of_table_independent_checks(run: dict[str, Any]) -> None:
    from govwatch.checks import REGISTRY
    from govwatch.rules import load_ruleset
    from govwatch.scoring.runs import score_stored_run
    from govwatch.store.db import Store
    from govwatch.store.run_results import check_records

    store = Store(run["db"])
    stored = {r["check_name"]: r for r in check_records(store, run["run"], REGISTRY)}
    reads = {name: set(json.loads(r["rule_reads"])) for name, r in stored.items()}
    # What each check read was recorded when it ran: the content scans read no table, the column
    # windows are read by the column check and (through the shared column analysis) by every
    # check that uses it.
    assert reads["wording"] == reads["banned_content"] == reads["personal_data"] == set()
    assert "columns" in reads["column_freshness"]
    other = load_ruleset("suqian-2022")  # other column windows than the run's national-2019
    scored = score_stored_run(store, run["run"], other)
    by_name = {c.name: c for c in scored.check_runs}
    assert set(by_name) == set(REGISTRY)  # every check is accounted for, once
    national = load_ruleset()
    same = {n for n, r in reads.items() if all(dict.get(other.data, s) == dict.get(national.data, s) for s in r)}
    reused = {n for n, c in by_name.items() if c.elapsed_ms == 0.0}  # taken from the store, not run again
    assert {"wording", "banned_content", "personal_data"} <= reused
    # Only checks whose every read section is the same in both tables are reused (fewer when they
    # share a finding kind with a check that runs again: availability.probes with service_guides).
    assert reused <= same
    assert "column_freshness" not in reused


def test_rescore_that_reuses_results_equals_one_that_checks_everything_again(run: dict[str, Any],
                                                                             tmp_path: Path) -> None:
    """Reusing the stored results of checks whose table sections are unchanged, and the stored
    column analysis, gives the very sheet, findings and column figures that running every check and
    analysis again gives (a copy of the store with the recorded reads and stored analyses erased:
    nothing can be reused there)."""
    import sqlite3

    from govwatch.analysis.columns import columns_of
    from govwatch.rules import load_ruleset
    from govwatch.scoring.runs import score_stored_run
    from govwatch.store.db import Store

    blank = tmp_path / "blank.db"
    with sqlite3.connect(run["db"]) as source, sqlite3.connect(blank) as copy:
        source.backup(copy)  # with what the write-ahead log holds
    erased = Store(f"sqlite:///{blank}")
    with erased.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE check_runs SET rule_reads = NULL")
        conn.exec_driver_sql("DELETE FROM run_analyses")
    for table in ("suqian-2022", "zhongkai-2018", "national-2019"):
        rules = load_ruleset(table)
        reused = score_stored_run(Store(run["db"]), run["run"], rules)
        again = score_stored_run(erased, run["run"], rules)
        assert all(c.elapsed_ms > 0.0 for c in again.check_runs if c.status != "error")  # all ran again
        # The same findings (two checks that share a kind list their reused findings together, so
        # the order may differ there) and the very same sheet, indicator by indicator.
        assert sorted(f.fingerprint for f in reused.findings) == sorted(f.fingerprint for f in again.findings)
        assert reused.sheet == again.sheet
        # The columns restored from the store and judged with the new table's windows are the
        # columns analysed afresh, judgement included.
        assert columns_of(reused.data) == columns_of(again.data) and columns_of(again.data)
        assert "columns" in reused.data.restored and "columns" not in again.data.restored
