"""Reviewer input that lasts (docs/rectification.md §5): unique reviewer finding IDs, findings that
hold for later runs until withdrawn or fixed, edits with an audit trail, withdrawable exemptions,
and ``diff`` carrying reviewer input forward.

One simulated site is inspected three times (module-scoped); each test works on its own copy of
that store, so what one test enters never leaks into another.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from govwatch.commands.main import main
from govwatch.core.catalogue import problem_id
from govwatch.pipeline import inspect_site
from govwatch.rules import RuleSet, load_ruleset
from govwatch.scoring.diff import diff_runs
from govwatch.scoring.review import (
    ReviewError,
    add_finding,
    edit_finding,
    exempt,
    finding_history,
    load_review,
    mark_fixed,
    resolve_finding,
    reviewer_finding_id,
    withdraw_exemption,
    withdraw_finding,
)
from govwatch.scoring.runs import score_stored_run, stored_findings
from govwatch.store.db import Store
from govwatch.store.run_results import check_findings
from govwatch.store.ticket_rows import audit_trail
from tests.conftest import AS_OF, sim_settings


@pytest.fixture(scope="module")
def inspected(sim: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The trs site inspected three times (as of AS_OF, +10 and +40 days) into one store."""
    db = tmp_path_factory.mktemp("lasting") / "runs.db"
    store = Store(f"sqlite:///{db}")
    runs = [inspect_site(sim.site_url("trs"), sim_settings(store.url), store, as_of=AS_OF + timedelta(days=d)).run_id
            for d in (0, 10, 40)]
    site_id = store.run(runs[0])["site_id"]
    store.close()
    return {"db": db, "runs": runs, "site_id": site_id, "url": sim.site_url("trs")}


@pytest.fixture()
def copy(inspected: dict[str, Any], tmp_path: Path) -> Iterator[Store]:
    """A private copy of the inspected store."""
    target = tmp_path / "copy.db"
    with closing(sqlite3.connect(inspected["db"])) as source, closing(sqlite3.connect(target)) as dest:
        source.backup(dest)
    store = Store(f"sqlite:///{target}")
    yield store
    store.close()


RULES = "national-2019"


def _rules() -> RuleSet:
    return load_ruleset(RULES)


def _add(store: Store, run_id: int, url: str, message: str = "首页要闻标题有错别字", points: float | None = 1) -> int:
    return add_finding(store, run_id, _rules(), indicator="wording", kind="typo", url=url, message=message,
                       points=points, reviewer="张三")


def _applies(store: Store, run_id: int, site_id: int) -> list[int]:
    """Row ids of the reviewer findings that apply to a run."""
    return [f.finding_id for f, _, _ in load_review(store, run_id, site_id).findings]


def test_two_findings_on_one_url_and_indicator_get_two_ids(copy: Store, inspected: dict[str, Any]) -> None:
    r1 = inspected["runs"][0]
    first, second = _add(copy, r1, inspected["url"], "错别字一"), _add(copy, r1, inspected["url"], "错别字二")
    review = load_review(copy, r1, inspected["site_id"])
    ids = [problem_id(f) for f, _, _ in review.findings]
    assert len(ids) == 2 and ids[0] != ids[1] and all(i.startswith("RG-") for i in ids)
    assert len({f.fingerprint for f, _, _ in review.findings}) == 2
    # both are scored, each under its own ID, and both resolve back to their own row
    scored = score_stored_run(copy, r1, _rules())
    reviewer = {e.id: e for e in scored.reviewer_findings}
    assert set(reviewer) == set(ids)
    assert [resolve_finding(copy, i)["id"] for i in ids] == [first, second]
    assert reviewer_finding_id(copy, inspected["site_id"], review.findings[1][0].fingerprint) == second


def test_a_reviewer_finding_lasts_for_every_later_run(copy: Store, inspected: dict[str, Any]) -> None:
    r1, r2, r3 = inspected["runs"]
    site = inspected["site_id"]
    early, middle = _add(copy, r1, inspected["url"]), _add(copy, r2, inspected["url"] + "xxgk/")
    assert (_applies(copy, r1, site), _applies(copy, r2, site), _applies(copy, r3, site)) == \
        ([early], [early, middle], [early, middle])
    # the later run's score counts it: a rescore of run 3 carries run 1's finding
    scored = score_stored_run(copy, r3, _rules())
    carried = list(scored.reviewer_findings)
    assert {e.finding.message for e in carried} == {"首页要闻标题有错别字"} and len(carried) == 2
    assert {problem_id(f) for f in stored_findings(copy, r3)} >= {e.id for e in carried}


def test_a_withdrawn_finding_applies_to_no_run_and_stays_for_the_audit(copy: Store, inspected: dict[str, Any]) -> None:
    r1, r2, r3 = inspected["runs"]
    site = inspected["site_id"]
    finding = _add(copy, r1, inspected["url"])
    row = withdraw_finding(copy, finding, reason="误录：该标题无错别字", actor="李四")
    assert row["status"] == "withdrawn" and row["updated_at"]
    assert _applies(copy, r1, site) == _applies(copy, r2, site) == _applies(copy, r3, site) == []
    events = finding_history(copy, finding)
    assert [(e["action"], e["from_state"], e["to_state"], e["actor"]) for e in events] == \
        [("add", None, "active", "张三"), ("withdraw", "active", "withdrawn", "李四")]
    assert events[1]["note"] == "误录：该标题无错别字"
    with pytest.raises(ReviewError, match="已撤回，不能撤回"):
        withdraw_finding(copy, finding, reason="again", actor="李四")
    with pytest.raises(ReviewError, match="须说明原因"):
        withdraw_finding(copy, _add(copy, r1, inspected["url"]), reason="  ", actor="李四")


def test_a_fixed_finding_applies_only_to_the_runs_before_the_fix(copy: Store, inspected: dict[str, Any]) -> None:
    r1, r2, r3 = inspected["runs"]
    site = inspected["site_id"]
    finding = _add(copy, r1, inspected["url"])
    with pytest.raises(ReviewError, match="不晚于录入该问题的运行"):
        mark_fixed(copy, finding, r1, actor="李四", reason="已改")
    other_site = copy.site_id("http://other.example.gov.cn/", "/")
    other_run = copy.create_run(other_site, AS_OF.isoformat(), {})
    with pytest.raises(ReviewError, match="不是该问题所在网站的运行"):
        mark_fixed(copy, finding, other_run, actor="李四", reason="已改")
    with pytest.raises(ReviewError, match="没有编号为 99999 的检查运行"):
        mark_fixed(copy, finding, 99999, actor="李四", reason="已改")
    row = mark_fixed(copy, finding, r3, actor="李四", reason="复查确认已改正")
    assert (row["status"], row["ended_run_id"]) == ("fixed", r3)
    assert (_applies(copy, r1, site), _applies(copy, r2, site), _applies(copy, r3, site)) == ([finding], [finding], [])
    with pytest.raises(ReviewError, match="已整改，不能标记为已整改"):
        mark_fixed(copy, finding, r3, actor="李四", reason="again")
    # a fixed finding found to be a mistake can still be withdrawn: then it applies to no run
    withdraw_finding(copy, finding, reason="误录", actor="李四")
    assert _applies(copy, r1, site) == []
    assert [e["action"] for e in finding_history(copy, finding)] == ["add", "fixed", "withdraw"]


def test_edits_change_the_score_and_keep_an_audit_trail(copy: Store, inspected: dict[str, Any]) -> None:
    r1, r2, _ = inspected["runs"]
    finding = _add(copy, r1, inspected["url"], points=1)
    rg = problem_id(next(f for f, _, _ in load_review(copy, r2, inspected["site_id"]).findings))
    row = edit_finding(copy, rg, message="首页两处错别字", points=2, rules=_rules(), actor="王五", reason="复核后补充")
    assert (row["message"], row["points"], row["indicator"]) == ("首页两处错别字", 2, "wording")
    traced = next(e for e in score_stored_run(copy, r2, _rules()).reviewer_findings if e.id == rg)
    assert (traced.points, traced.finding.message) == (2, "首页两处错别字")  # the ID survives the edit
    [_, edit] = finding_history(copy, finding)
    assert (edit["action"], edit["actor"], edit["note"]) == ("edit", "王五", "复核后补充")
    assert edit["data"] == {"before": {"message": "首页要闻标题有错别字", "points": 1},
                            "after": {"message": "首页两处错别字", "points": 2}}
    with pytest.raises(ReviewError, match="中没有指标或否决项 'nope'"):
        edit_finding(copy, finding, indicator="nope", rules=_rules(), actor="王五", reason="x")
    with pytest.raises(ReviewError, match="没有要修改的内容"):
        edit_finding(copy, finding, points=2, rules=_rules(), actor="王五", reason="x")
    with pytest.raises(ReviewError, match="分值不能为负数"):
        edit_finding(copy, finding, points=-1, rules=_rules(), actor="王五", reason="x")
    with pytest.raises(ReviewError, match="没有人工检查问题 RG-0000000000"):
        edit_finding(copy, "RG-0000000000", points=3, rules=_rules(), actor="王五", reason="x")  # type: ignore[arg-type]
    assert len(finding_history(copy, finding)) == 2  # failed edits write nothing


def test_diff_never_calls_an_unfixed_reviewer_finding_fixed(copy: Store, inspected: dict[str, Any]) -> None:
    r1, r2, r3 = inspected["runs"]
    finding = _add(copy, r1, inspected["url"])
    gone = _add(copy, r1, inspected["url"] + "gone/", message="误录的问题")
    withdraw_finding(copy, gone, reason="误录", actor="李四")
    rg = problem_id(next(f for f, _, _ in load_review(copy, r1, inspected["site_id"]).findings))

    result = diff_runs(copy, r1, r2)  # the old bug: run 2 had no reviewer input, so RG-… was "fixed"
    assert rg not in {e["id"] for e in result["fixed"]}
    [entry] = [e for e in result["open"] if e["id"] == rg]
    assert (entry["origin"], entry["status_label"], entry["reviewer_finding_id"]) == ("reviewer", "人工录入", finding)
    assert [(e["reviewer_finding_id"], e["status_label"]) for e in result["withdrawn"]] == [(gone, "已撤回")]
    # check findings are matched as before: ground truth from the stored findings of each run
    fp1 = {f.fingerprint for f in check_findings(copy, r1)}
    fp2 = {f.fingerprint for f in check_findings(copy, r2)}
    assert {e["fingerprint"] for e in result["new"]} == fp2 - fp1
    assert {e["fingerprint"] for e in result["fixed"]} == fp1 - fp2
    assert {e["fingerprint"] for e in result["open"] if e["origin"] == "check"} == fp1 & fp2

    mark_fixed(copy, finding, r3, actor="李四", reason="复查确认已改正")
    assert rg in {e["id"] for e in diff_runs(copy, r1, r2)["open"]}  # fixed after run 2: still open there
    assert next(e for e in diff_runs(copy, r1, r2)["open"] if e["id"] == rg)["status_label"] == "人工录入"
    fixed = [e for e in diff_runs(copy, r2, r3)["fixed"] if e["id"] == rg]
    assert [e["status_label"] for e in fixed] == ["已整改"]


def test_exemptions_can_be_withdrawn(copy: Store, inspected: dict[str, Any]) -> None:
    r1, r2, r3 = inspected["runs"]
    site = inspected["site_id"]
    scored_in_r3 = score_stored_run(copy, r3, _rules()).sheet["findings"]
    target = next(f for f in check_findings(copy, r2) if f.fingerprint in {g.fingerprint for g in check_findings(copy, r3)}
                  and scored_in_r3[problem_id(f)]["status"] == "scored")
    site_wide = exempt(copy, r2, site, target.fingerprint, "外部网站已恢复", site_wide=True, reviewer="张三")
    only_r2 = exempt(copy, r2, site, target.fingerprint, "本次检查时服务器维护", reviewer="张三")
    assert load_review(copy, r3, site).exemptions[target.fingerprint] == "外部网站已恢复"

    def status(run_id: int) -> str:
        scored = score_stored_run(copy, run_id, _rules())
        return str(scored.sheet["findings"][problem_id(target)]["status"])

    assert status(r3) == "exempt"
    withdraw_exemption(copy, site_wide, reason="复核：外部链接仍不可用", actor="李四")
    assert target.fingerprint not in load_review(copy, r3, site).exemptions
    assert status(r3) == "scored"
    assert load_review(copy, r2, site).exemptions[target.fingerprint] == "本次检查时服务器维护"  # the per-run one stays
    with pytest.raises(ReviewError, match=f"豁免 {site_wide} 已于 .* 撤销"):
        withdraw_exemption(copy, site_wide, reason="again", actor="李四")
    assert [(e["action"], e["to_state"], e["actor"]) for e in audit_trail(copy, "exemption", site_wide)] == \
        [("exempt", "active", "张三"), ("unexempt", "withdrawn", "李四")]
    assert only_r2 != site_wide


def test_an_old_exemption_of_a_reviewer_finding_still_applies(copy: Store, inspected: dict[str, Any]) -> None:
    """Before reviewer findings had their own fingerprint, an exemption named the kind-and-URL one."""
    r1 = inspected["runs"][0]
    _add(copy, r1, inspected["url"])
    finding = load_review(copy, r1, inspected["site_id"]).findings[0][0]
    legacy = finding.legacy_fingerprint
    assert legacy != finding.fingerprint
    exempt(copy, r1, inspected["site_id"], legacy, "旧豁免", site_wide=True)
    assert load_review(copy, r1, inspected["site_id"]).exemptions[finding.fingerprint] == "旧豁免"


def test_the_finding_commands(copy: Store, inspected: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    r1, r2, r3 = (str(r) for r in inspected["runs"])
    db = copy.url.removeprefix("sqlite:///")
    base = ["--db", db]
    assert main(["finding", "add", r1, "--indicator", "wording", "--kind", "typo", "--url", inspected["url"],
                 "--message", "首页错别字", "--points", "1", "--reviewer", "张三", *base]) == 0
    added = capsys.readouterr().err
    rg = next(w for w in added.replace("（", " ").split() if w.startswith("RG-"))
    assert "序号 1" in added and "直至撤回或标记已整改" in added

    assert main(["finding", "list", r3, "--json", "-", *base]) == 0  # carried to run 3, with its status
    [entry] = [f for f in json.loads(capsys.readouterr().out) if f["id"] == rg]
    assert (entry["reviewer_finding_id"], entry["review_status_label"], entry["entered_run_id"]) == \
        (1, "人工录入", int(r1))

    assert main(["finding", "edit", rg, "--message", "首页两处错别字", "--reason", "复核", *base]) == 0
    assert "已修改" in capsys.readouterr().err
    assert main(["finding", "edit", rg, "--message", "首页两处错别字", "--reason", "复核", *base]) == 2
    assert "没有要修改的内容" in capsys.readouterr().err
    assert main(["finding", "edit", "RG-0000000000", "--points", "2", "--reason", "x", *base]) == 2
    assert "没有人工检查问题 RG-0000000000" in capsys.readouterr().err

    assert main(["finding", "fixed", rg, "--run", r1, "--reason", "已改", *base]) == 2
    assert "不晚于录入该问题的运行" in capsys.readouterr().err
    assert main(["finding", "fixed", rg, "--run", r3, "--reason", "复查已改", *base]) == 0
    assert "已整改" in capsys.readouterr().err
    assert main(["diff", r1, r3, *base]) == 0
    shown = capsys.readouterr().err
    assert f"[已整改] {rg} 首页两处错别字（已整改）" in shown
    assert main(["diff", r1, r2, *base]) == 0
    assert f"[仍未整改] {rg} 首页两处错别字（人工录入）" in capsys.readouterr().err
    assert main(["diff", r3, r1, *base]) == 2
    assert "不早于运行" in capsys.readouterr().err

    assert main(["finding", "withdraw", "1", "--reason", "误录", *base]) == 0
    capsys.readouterr()
    assert main(["finding", "list", r3, *base]) == 0
    listing = capsys.readouterr().err
    assert rg in listing and "已撤回" in listing  # the site's reviewer findings, with their status
    assert main(["finding", "history", rg, "--json", "-", *base]) == 0
    events = json.loads(capsys.readouterr().out)["events"]
    assert [e["action"] for e in events] == ["add", "edit", "fixed", "withdraw"]
    assert events[0]["actor"] == "张三" and events[1]["actor"].startswith("cli")

    target = next(f for f in check_findings(copy, int(r1)) if f.kind == "broken_link")
    assert main(["finding", "exempt", r1, problem_id(target), "--reason", "外链已恢复", "--site-wide", *base]) == 0
    assert "豁免 1 已登记" in capsys.readouterr().err
    assert main(["finding", "unexempt", problem_id(target), "--reason", "复核未恢复", *base]) == 0
    assert "豁免 1（全站各次检查，原因：外链已恢复）已撤销" in capsys.readouterr().err
    assert main(["finding", "unexempt", "1", "--reason", "again", *base]) == 2
    assert "没有未撤销的豁免 1" in capsys.readouterr().err
    assert target.fingerprint not in load_review(copy, int(r3), inspected["site_id"]).exemptions
