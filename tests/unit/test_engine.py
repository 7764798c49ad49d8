"""The rules engine on a small hand-made table: every expected score below is computed by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from govwatch.core.model import Finding
from govwatch.rules import RulesError, load_ruleset
from govwatch.rules.engine import EngineFinding, ScoreInput, SiteProfile, score

TABLE: dict[str, Any] = {
    "id": "test-table", "name": "测试评分表", "source": "tests",
    "availability": {"window_days": 7, "min_daily_visits": 20, "timeout_s": 15, "max_failure_ratio": 0.05},
    "homepage": {"window": {"days": 14}, "min_items": 10},
    "columns": {"windows": {"dynamic": {"days": 14}, "notice": {"months": 6}}},
    "scoring": {"base": 100, "pass_mark": 60, "bonus": {"max": 10, "gate": 80, "roles": ["portal"]},
                "scaling": {"skip_groups": ["办事服务"]}, "no_double_counting": ["stale_column", "survey_inactive"]},
    "vetoes": [
        {"id": "V1", "name": "站点无法访问", "conditions": [{"label": "首页无法访问", "match": [{"kinds": ["site_unreachable"]}]}]},
        {"id": "V3", "name": "栏目不更新", "conditions": [
            {"label": "动态及通知公告类栏目不更新≥3", "min": 3,
             "match": [{"kinds": ["stale_column"], "where": {"type": "dynamic"}},
                       {"kinds": ["stale_column"], "where": {"type": "notice", "first_level": True}}]}]},
    ],
    "indicators": [
        {"id": "links", "name": "链接可用性", "group": "功能设计", "max": 5, "rules": [
            {"kinds": ["broken_link"], "where": {"scope": "homepage"}, "points": 1},
            {"kinds": ["broken_link"], "where": {"scope": "other"}, "points": 0.2}]},
        {"id": "updates", "name": "内容更新", "group": "发布解读", "max": 40, "rules": [
            {"kinds": ["stale_column"], "where": {"type": "dynamic"}, "points": 5},
            {"kinds": ["stale_column"], "where": {"type": "notice"}, "points": 4}]},
        {"id": "home", "name": "首页可用性", "group": "功能设计", "max": 20, "rules": [
            {"kinds": ["homepage_visits_failed"], "points": 5, "per": {"field": "failure_ratio", "unit": 0.01,
                                                                        "rounding": "floor"}}]},
        {"id": "few", "name": "首页栏目", "group": "发布解读", "max": 5, "rules": [
            {"kinds": ["homepage_few_updates"], "points": 5, "once": True}]},
        {"id": "survey", "name": "调查征集", "group": "互动交流", "max": 10, "rules": [
            {"kinds": ["survey_inactive"], "points": 5}]},
        {"id": "guides", "name": "办事指南", "group": "办事服务", "max": 25, "rules": [
            {"kinds": ["guide_incomplete"], "points": 2}]},
        {"id": "manual", "name": "领导信息", "group": "发布解读", "max": 0},
        {"id": "innovation", "name": "创新发展", "group": "加分", "kind": "bonus", "max": 8},
        {"id": "adjust", "name": "加减分情形", "group": "加减分", "kind": "adjustment"},
    ],
}
ALL_KINDS = frozenset({"site_unreachable", "stale_column", "broken_link", "homepage_visits_failed",
                       "homepage_few_updates", "survey_inactive", "guide_incomplete"})


def table(tmp_path: Path, **changes: Any) -> Any:
    data = yaml.safe_load(yaml.safe_dump(TABLE, allow_unicode=True))
    data["scoring"].update(changes.pop("scoring", {}))
    data.update(changes)
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_ruleset(str(path))


def f(kind: str, url: str, fid: str, **evidence: Any) -> EngineFinding:
    return EngineFinding(id=fid, finding=Finding(kind=kind, code=kind, indicator="", url=url, message=fid,
                                                 evidence=evidence))


def reviewer(fid: str, indicator: str, points: float | None, kind: str = "reviewer_finding") -> EngineFinding:
    return EngineFinding(id=fid, finding=Finding(kind=kind, code="reviewer", indicator=indicator, url="http://r/",
                                                 message=fid, evidence={}), origin="reviewer", indicator=indicator,
                         points=points)


def run(rules: Any, findings: list[EngineFinding], *, looked_for: frozenset[str] = ALL_KINDS,
        site: SiteProfile | None = None, reviewed: dict[str, str] | None = None) -> dict[str, Any]:
    reviewed = {"manual": "人工核查：领导信息完整"} if reviewed is None else reviewed
    return score(rules, ScoreInput(findings=findings, looked_for=looked_for, site=site or SiteProfile(),
                                   reviewed=reviewed))


def indicator(sheet: dict[str, Any], iid: str) -> dict[str, Any]:
    return next(i for i in sheet["indicators"] if i["id"] == iid)


def test_caps_per_indicator_and_points_per_finding(tmp_path: Path) -> None:
    rules = table(tmp_path)
    links = [f("broken_link", f"http://s/p{n}", f"LJ-{n}", scope="homepage") for n in range(7)]
    links += [f("broken_link", "http://s/x", "LJ-o1", scope="other"), f("broken_link", "http://s/y", "LJ-o2", scope="other")]
    sheet = run(rules, links)
    li = indicator(sheet, "links")
    assert li["raw_points"] == 7.4 and li["points"] == 5 and li["capped"]  # 7 × 1 + 2 × 0.2, capped at 5
    assert sheet["score"] == 95 and sheet["verdict"] == "合格" and sheet["complete"]
    assert sheet["findings"]["LJ-o1"]["points"] == 0.2


def test_per_unit_floor_and_once(tmp_path: Path) -> None:
    rules = table(tmp_path)
    sheet = run(rules, [f("homepage_visits_failed", "http://s/", "KY-1", failure_ratio=0.037),
                        f("homepage_few_updates", "http://s/", "LM-1"), f("homepage_few_updates", "http://s/b", "LM-2")])
    assert indicator(sheet, "home")["points"] == 15  # floor(3.7) = 3 × 5
    assert indicator(sheet, "few")["points"] == 5  # once
    assert sheet["findings"]["LM-2"]["points"] == 0 and sheet["findings"]["LM-2"]["note"] == "同一情形只扣一次"
    assert sheet["score"] == 80


def test_veto_needs_its_minimum_and_counts_first_level_notices_only(tmp_path: Path) -> None:
    rules = table(tmp_path)
    two = [f("stale_column", "http://s/d1/", "LM-d1", type="dynamic"),
           f("stale_column", "http://s/n1/", "LM-n1", type="notice", first_level=True),
           f("stale_column", "http://s/n2/", "LM-n2", type="notice", first_level=False)]
    sheet = run(rules, two)
    v3 = next(v for v in sheet["vetoes"] if v["id"] == "V3")
    assert v3["status"] == "clear" and v3["conditions"][0]["count"] == 2
    assert sheet["verdict"] == "合格" and sheet["score"] == 100 - 5 - 4 - 4
    sheet = run(rules, [*two, f("stale_column", "http://s/d2/", "LM-d2", type="dynamic")])
    v3 = next(v for v in sheet["vetoes"] if v["id"] == "V3")
    assert v3["triggered"] and v3["findings"] == ["LM-d1", "LM-d2", "LM-n1"]
    assert sheet["verdict"] == "不合格" and sheet["score"] is None  # veto_score none: nothing else scored
    assert sheet["reasons"][0].startswith("单项否决：栏目不更新")
    assert sheet["findings"]["LM-d1"]["vetoes"] == ["V3"]


def test_veto_score_zero_and_keep(tmp_path: Path) -> None:
    down = [f("site_unreachable", "http://s/", "KY-1", failure_ratio=0.2)]
    assert run(table(tmp_path, scoring={"veto_score": "zero"}), down)["score"] == 0
    kept = run(table(tmp_path, scoring={"veto_score": "keep"}), down)
    assert kept["score"] == 100 and kept["verdict"] == "不合格"


def test_pass_mark(tmp_path: Path) -> None:
    rules = table(tmp_path)
    stale = [f("stale_column", f"http://s/n{n}/", f"LM-{n}", type="notice", first_level=False) for n in range(10)]
    sheet = run(rules, stale + [f("homepage_visits_failed", "http://s/", "KY", failure_ratio=0.04)])
    # 40 (cap of 10 × 4) + 20 (4 × 5) = 60 deducted → 40 < 60
    assert sheet["deduction_part"] == 40 and sheet["verdict"] == "不合格" and sheet["score"] == 40
    assert "低于合格线60分" in sheet["reasons"][0]


def test_deductions_over_limit_fail(tmp_path: Path) -> None:
    rules = table(tmp_path, scoring={"pass_mark": 0, "fail_when_deductions_over": 10})
    at_limit = [f("stale_column", "http://s/a/", "A", type="dynamic"), f("stale_column", "http://s/b/", "B", type="dynamic")]
    assert run(rules, at_limit)["verdict"] == "合格"  # exactly 10 is not over 10
    strict = table(tmp_path, scoring={"pass_mark": 0, "fail_when_deductions_over": 10, "fail_at_exactly": True})
    assert run(strict, at_limit)["verdict"] == "不合格"


def test_bonus_gate_and_roles(tmp_path: Path) -> None:
    rules = table(tmp_path)
    bonus = [reviewer("RG-1", "innovation", 6), reviewer("RG-2", "innovation", 5)]
    sheet = run(rules, bonus)
    assert sheet["bonus_part"] == 8 and sheet["score"] == 108  # 11 earned, capped at the indicator's 8
    below = [*bonus, *[f("stale_column", f"http://s/{n}/", f"S{n}", type="notice", first_level=False)
                       for n in range(5)]]  # 100 - 20 = 80: not above the gate
    sheet = run(rules, below)
    assert sheet["deduction_part"] == 80 and sheet["bonus_part"] == 0 and sheet["score"] == 80
    assert "未超过80分" in sheet["bonus_note"]
    sheet = run(rules, bonus, site=SiteProfile(role="department"))
    assert sheet["bonus_part"] == 0 and "仅适用于门户网站" in sheet["bonus_note"]


def test_four_thirds_scaling_without_services(tmp_path: Path) -> None:
    rules = table(tmp_path)
    findings = [f("stale_column", "http://s/a/", "A", type="notice", first_level=False),
                f("guide_incomplete", "http://s/g/", "G")]
    sheet = run(rules, findings, site=SiteProfile(role="department", has_services=False))
    assert indicator(sheet, "guides")["status"] == "skipped" and sheet["findings"]["G"]["points"] == 0
    assert sheet["scale_factor"] == pytest.approx(4 / 3)
    assert sheet["score"] == pytest.approx(round((75 - 4) * 4 / 3, 2))  # 94.67
    with_services = run(rules, findings)
    assert with_services["score"] == 100 - 4 - 2


def test_exemptions_and_filings_stay_visible_and_score_nothing(tmp_path: Path) -> None:
    rules = table(tmp_path)
    a = f("broken_link", "http://s/a", "LJ-A", scope="homepage")
    a.exempt = "外部系统维护"
    b = f("site_unreachable", "http://s/", "KY-B")
    b.suppressed = "2026-11-01至2026-11-07 机房搬迁"
    sheet = run(rules, [a, b])
    assert sheet["score"] == 100 and sheet["verdict"] == "合格"
    assert sheet["findings"]["LJ-A"]["status"] == "exempt" and "外部系统维护" in sheet["findings"]["LJ-A"]["note"]
    assert sheet["findings"]["KY-B"]["status"] == "suppressed"
    assert not any(v["triggered"] for v in sheet["vetoes"])


def test_reviewer_findings_score_under_their_indicator_and_can_veto(tmp_path: Path) -> None:
    rules = table(tmp_path)
    sheet = run(rules, [reviewer("RG-1", "links", 1.5), reviewer("RG-2", "adjust", -10)])
    assert indicator(sheet, "links")["points"] == 1.5 and indicator(sheet, "links")["status"] == "reviewed"
    assert sheet["adjustments"] == -10 and sheet["score"] == 100 - 1.5 - 10
    vetoed = run(rules, [reviewer("RG-3", "V1", None)])
    assert vetoed["verdict"] == "不合格" and vetoed["vetoes"][0]["conditions"][-1]["label"] == "人工检查认定"


def test_no_double_counting_of_one_column(tmp_path: Path) -> None:
    rules = table(tmp_path)
    sheet = run(rules, [f("stale_column", "http://s/dc/", "LM-1", type="dynamic"),
                        f("survey_inactive", "http://s/dc/", "DC-1")])
    assert sheet["findings"]["LM-1"]["points"] == 5
    assert sheet["findings"]["DC-1"]["points"] == 0 and "不重复扣分" in sheet["findings"]["DC-1"]["note"]
    assert sheet["score"] == 95


def test_not_assessed_is_never_full_marks(tmp_path: Path) -> None:
    rules = table(tmp_path)
    sheet = run(rules, [f("broken_link", "http://s/a", "LJ-1", scope="homepage")],
                looked_for=frozenset({"broken_link", "stale_column"}), reviewed={})
    assert sheet["verdict"] is None and sheet["score"] is None and not sheet["complete"]
    assert sheet["provisional_verdict"] == "合格" and sheet["score_upper_bound"] == 99
    assert {"V1", "home", "manual", "guides"} <= set(sheet["not_assessed"])
    assert indicator(sheet, "manual")["status"] == "not_assessed"
    # A failing part is failing whatever is still unassessed.
    many = [f("stale_column", f"http://s/{n}/", f"S{n}", type="dynamic") for n in range(3)]
    assert run(rules, many, looked_for=frozenset({"stale_column"}), reviewed={})["verdict"] == "不合格"


@pytest.mark.parametrize(("change", "message"), [
    ({"indicators": [{"id": "x", "name": "x", "group": "g", "rules": [{"kinds": ["broken_link"]}]}]},
     r"rule table .*t\.yaml: indicators\.0\.rules\.0: 'points' is a required property"),
    ({"scoring": {"base": -1}}, r"scoring\.base: -1 is less than or equal to the minimum of 0"),
    ({"vetoes": [{"id": "V 1", "name": "x", "conditions": [{"label": "l", "match": [{"kinds": ["a"]}]}]}]},
     r"vetoes\.0\.id: 'V 1' does not match"),
])
def test_bad_rule_file_fails_with_a_pinned_readable_error(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    with pytest.raises(RulesError, match=message):
        table(tmp_path, **change)


def test_duplicate_ids_and_unknown_groups_are_rejected(tmp_path: Path) -> None:
    dup = [*TABLE["indicators"], {"id": "links", "name": "again", "group": "g"}]
    with pytest.raises(RulesError, match=r"indicator id 'links' appears twice"):
        table(tmp_path, indicators=dup)
    with pytest.raises(RulesError, match=r"scoring\.scaling\.skip_groups: no indicator is in group '服务'"):
        table(tmp_path, scoring={"scaling": {"skip_groups": ["服务"]}})


def test_alike_traces_are_one_object_and_unlike_ones_stay_apart(tmp_path: Path) -> None:
    """Findings that score alike share one trace entry (a large run's thousands of unscored
    findings); an entry that differs in any field (points, status, vetoes, origin) is its own."""
    rules = table(tmp_path)
    unscored = [f("attachment_unreadable", f"http://s/f{n}.pdf", f"WT-{n}") for n in range(50)]
    stale = [f("stale_column", f"http://s/d{n}/", f"LM-d{n}", type="dynamic") for n in range(3)]
    other = [f("broken_link", "http://s/x", "LJ-o1", scope="other"), f("broken_link", "http://s/y", "LJ-o2", scope="other")]
    sheet = run(rules, [*unscored, *stale, *other, reviewer("RV-1", "links", 0.5)])
    trace = sheet["findings"]
    assert len(trace) == 56 and len({id(entry) for entry in trace.values()}) == 4
    assert all(trace[f"WT-{n}"] is trace["WT-0"] for n in range(50))
    assert trace["WT-0"] == {"points": 0.0, "indicator": None, "status": "unscored", "note": "评分表中没有对应的扣分项",
                             "vetoes": [], "origin": "check"}
    assert trace["LM-d0"] is trace["LM-d2"] and trace["LM-d0"]["vetoes"] == ["V3"] and trace["LM-d0"]["points"] == 5
    assert trace["LJ-o1"] is trace["LJ-o2"] and trace["LJ-o1"]["points"] == 0.2
    assert trace["RV-1"]["origin"] == "reviewer" and trace["RV-1"] is not trace["LJ-o1"]
