"""The shipped rule tables' scoring parts: vocabulary, sums and the key numbers that could be wrong.

These pin facts of the source documents (reference/rules.md, seeds 000/002/003), not engine
behaviour: the engine has its own tests. ``_rules_for`` below is a minimal matcher (equality or
list membership) used only to ask "which rule of this table would score this finding".
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from govwatch.core.catalogue import catalogue
from govwatch.rules import available_rulesets, load_ruleset

TABLES = ("census-2015", "national-2019", "suqian-2022", "zhongkai-2018")

# Finding kinds and the evidence fields a `where` may name, per kind: the finding catalogue's
# (govwatch/data/finding_kinds.yaml); plus finding/site fields.
KINDS = set(catalogue().kinds)
EVIDENCE = {kind: set(entry.evidence) for kind, entry in catalogue().kinds.items()}
COMMON_FIELDS = {"code", "severity", "site.role", "site.level", "site.has_services"}
ROLES = {"portal", "department", "subordinate"}
COLUMN_TYPES = {"homepage", "dynamic", "notice", "policy", "interpretation", "personnel", "plan", "consult",
                "survey", "interview", "service", "data", "other"}
FOOTER_ITEMS = {"conac", "site_code", "icp", "police_record", "sponsor", "contact", "jiucuo"}


def _table(name: str) -> dict[str, Any]:
    return load_ruleset(name).data


def _indicator(name: str, ident: str) -> dict[str, Any]:
    return next(i for i in _table(name)["indicators"] if i["id"] == ident)


def _veto(name: str, ident: str) -> dict[str, Any]:
    return next(v for v in _table(name)["vetoes"] if v["id"] == ident)


def _selectors(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every (place, selector) with `kinds` and optional `where`: veto matches and indicator rules."""
    out = []
    for veto in data["vetoes"]:
        for cond in veto["conditions"]:
            out.extend((f"veto {veto['id']}", m) for m in cond["match"])
    for ind in data["indicators"]:
        out.extend((f"indicator {ind['id']}", r) for r in ind.get("rules", []))
    return out


def _holds(where: dict[str, Any], facts: dict[str, Any]) -> bool:
    for field, want in where.items():
        have = facts.get(field)
        if isinstance(want, list):
            if have not in want:
                return False
        elif have != want:
            return False
    return True


def _rules_for(name: str, kind: str, **facts: Any) -> list[tuple[str, float]]:
    """(indicator id, points) of every deduction/bonus rule that a finding with these facts matches."""
    return [(ind["id"], rule["points"]) for ind in _table(name)["indicators"] for rule in ind.get("rules", [])
            if kind in rule["kinds"] and _holds(rule.get("where", {}), facts)]


def _group_max(name: str, kind: str = "deduction") -> Counter[str]:
    sums: Counter[str] = Counter()
    for ind in _table(name)["indicators"]:
        if ind.get("kind", "deduction") == kind:
            sums[ind["group"]] += ind["max"] or 0
    return sums


# --- every table -------------------------------------------------------------------------------

def test_all_four_tables_ship_and_validate() -> None:
    assert set(TABLES) <= set(available_rulesets())
    for name in TABLES:
        assert load_ruleset(name).id == name  # load_ruleset validates against the schema


@pytest.mark.parametrize("name", TABLES)
def test_kinds_and_where_fields_are_known(name: str) -> None:
    for place, sel in _selectors(_table(name)):
        unknown = set(sel["kinds"]) - KINDS
        assert not unknown, f"{name} {place}: unknown kinds {unknown}"
        for field, value in sel.get("where", {}).items():
            allowed = COMMON_FIELDS.union(*(EVIDENCE.get(k, set()) for k in sel["kinds"]))
            assert field in allowed, f"{name} {place}: {field!r} is no evidence field of {sel['kinds']}"
            values = value if isinstance(value, list) else [value]
            vocab = {"site.role": ROLES, "type": COLUMN_TYPES, "item": FOOTER_ITEMS}.get(field)
            if vocab:
                assert set(values) <= vocab, f"{name} {place}: {field} values {values}"
    assert set(_table(name)["scoring"].get("no_double_counting", [])) <= KINDS


@pytest.mark.parametrize("name", TABLES)
def test_ids_are_unique_and_every_item_says_how_sure_and_where_from(name: str) -> None:
    data = _table(name)
    for section in ("vetoes", "indicators"):
        ids = [item["id"] for item in data[section]]
        assert len(ids) == len(set(ids)), f"{name} {section}: duplicate ids"
        for item in data[section]:
            assert item.get("confidence") and item.get("source"), f"{name} {item['id']}"


@pytest.mark.parametrize("name", TABLES)
def test_every_number_in_the_scoring_parts_has_a_confidence_comment(name: str) -> None:
    text = Path(load_ruleset(name).path).read_text(encoding="utf-8")
    scoring = text[text.index("\nscoring:"):]
    numeric = re.compile(r"^\s*-?\s*((base|pass_mark|fail_when_deductions_over|max_total|max|gate|min|points):"
                         r"\s*-?\d|(where|per):.*\d)")
    missing = [line for line in scoring.splitlines()
               if numeric.match(line) and not re.search(r"#.*\b(S|V2|V1|C|U)\b", line)]
    assert not missing, f"{name}: numbers without a confidence comment: {missing}"
    assert text.startswith("#"), f"{name}: no header comment naming the source"


@pytest.mark.parametrize("name", TABLES)
def test_only_confirmed_broken_links_are_scored(name: str) -> None:
    for place, sel in _selectors(_table(name)):
        if "broken_link" in sel["kinds"]:
            assert sel.get("where", {}).get("confirmed") is True, f"{name} {place}"
    assert _rules_for(name, "broken_link", scope="homepage", confirmed=False, classification="suspected") == []


@pytest.mark.parametrize("name", TABLES)
def test_adjustments_are_uncapped_and_manual_items_have_no_rules(name: str) -> None:
    for ind in _table(name)["indicators"]:
        if ind.get("kind") == "adjustment":
            assert ind.get("max") is None and not ind.get("rules")


# --- census-2015 (rules.md §1, seed 000) ---------------------------------------------------------

def test_census_2015_scoring_frame() -> None:
    scoring = _table("census-2015")["scoring"]
    assert scoring["base"] == 100
    assert scoring["fail_when_deductions_over"] == 40 and scoring["fail_at_exactly"] is False
    assert scoring["veto_score"] == "none"
    assert "pass_mark" not in scoring and "bonus" not in scoring
    assert [v["id"] for v in _table("census-2015")["vetoes"]] == ["V1", "V2", "V3", "V4", "V5"]
    assert all(i.get("max") is None for i in _table("census-2015")["indicators"])  # no per-indicator caps


def test_census_2015_points() -> None:
    assert _rules_for("census-2015", "broken_link", scope="homepage", confirmed=True) == [("links", 1)]
    assert _rules_for("census-2015", "broken_link", scope="other", confirmed=True) == [("links", 0.1)]
    rule = _indicator("census-2015", "home-availability")["rules"][0]
    assert rule["kinds"] == ["homepage_visits_failed"] and rule["points"] == 5
    assert rule["per"]["field"] == "failure_ratio" and rule["per"]["unit"] == 0.01
    assert _rules_for("census-2015", "homepage_few_updates") == [("homepage-updates", 5)]
    for column_type, points in {"dynamic": 3, "notice": 4, "policy": 4, "personnel": 5, "plan": 5}.items():
        assert _rules_for("census-2015", "stale_column", type=column_type) == [("basic-info", points)]
    assert _rules_for("census-2015", "stale_column", type="interpretation") == []  # only V3 counts it
    assert _rules_for("census-2015", "online_system_unreachable") == [("online-systems", 3)]
    assert _rules_for("census-2015", "no_consult_channel") == [("consult", 5)]
    assert _rules_for("census-2015", "survey_inactive", activities_in_year=0, **{"site.role": "portal"}) == [
        ("survey", 5)]
    assert _rules_for("census-2015", "survey_inactive", activities_in_year=4, **{"site.role": "portal"}) == [
        ("survey", 3)]
    assert _rules_for("census-2015", "survey_inactive", activities_in_year=4,
                      **{"site.role": "department"}) == []  # 3 or more is enough for non-portals
    guide = _indicator("census-2015", "guides")["rules"][0]
    assert guide["points"] == 2 and guide["per"]["field"] == "missing_count"


def test_census_2015_column_veto_thresholds() -> None:
    conditions = _veto("census-2015", "V3")["conditions"]
    assert [c["min"] for c in conditions] == [5, 10, 5]
    assert conditions[0]["match"] == [{"kinds": ["stale_column"], "where": {"type": ["dynamic", "notice", "policy"]}}]
    serious = _veto("census-2015", "V4")["conditions"][0]["match"][0]
    assert serious == {"kinds": ["wording_error"], "where": {"serious": True}}
    kinds = {k for v in _table("census-2015")["vetoes"]
             for c in v["conditions"] for m in c["match"] for k in m["kinds"]}
    assert "future_date" not in kinds  # forged dates are a 2019 veto, not a 2015 one


# --- national-2019 (rules.md §2) -----------------------------------------------------------------

def test_national_2019_scoring_frame() -> None:
    scoring = _table("national-2019")["scoring"]
    assert scoring["base"] == 100 and scoring["pass_mark"] == 60 and scoring["veto_score"] == "none"
    assert scoring["bonus"] == {"max": 30, "gate": 80, "roles": ["portal"]}
    assert scoring["scaling"]["skip_groups"] == ["办事服务"]
    assert {"stale_column", "blank_column"} <= set(scoring["no_double_counting"])


def test_national_2019_group_sums() -> None:
    groups = _group_max("national-2019")
    assert set(groups) == {"发布解读", "办事服务", "互动交流", "功能设计"}
    assert sum(groups.values()) == _table("national-2019")["scoring"]["base"] == 100
    assert groups["办事服务"] == 25  # so that 75 × 4/3 = 100 without it
    bonus = _group_max("national-2019", "bonus")
    assert sum(bonus.values()) == _table("national-2019")["scoring"]["bonus"]["max"] == 30
    assert all(not i.get("rules") for i in _table("national-2019")["indicators"] if i.get("kind") == "bonus")


def test_national_2019_vetoes() -> None:
    names = [v["name"] for v in _table("national-2019")["vetoes"]]
    assert names == ["安全、泄密事故等严重问题", "站点无法访问", "首页不更新", "栏目不更新", "互动回应差", "服务不实用"]
    security = {k for c in _veto("national-2019", "V1")["conditions"] for m in c["match"] for k in m["kinds"]}
    assert "future_date" in security
    stale = _veto("national-2019", "V4")["conditions"][0]
    assert stale["min"] == 5
    assert {"kinds": ["stale_column"], "where": {"type": ["notice", "policy"], "first_level": True}} in stale["match"]
    assert {"kinds": ["stale_column"], "where": {"type": "dynamic"}} in stale["match"]
    response = {k for c in _veto("national-2019", "V5")["conditions"] for m in c["match"] for k in m["kinds"]}
    assert response == {"no_consult_channel", "message_unanswered"}


# --- suqian-2022 (seed 002 附件2) ----------------------------------------------------------------

def test_suqian_2022_group_sums_and_frame() -> None:
    groups = _group_max("suqian-2022")
    assert dict(groups) == {"发布解读": 25, "办事服务": 23, "互动交流": 22, "功能应用": 10, "日常监管": 20}
    scoring = _table("suqian-2022")["scoring"]
    assert scoring["base"] == 100 and scoring["veto_score"] == "zero" and scoring["max_total"] == 100
    assert "bonus" not in scoring
    adjustments = [i["id"] for i in _table("suqian-2022")["indicators"] if i.get("kind") == "adjustment"]
    assert adjustments == ["ranking-bonus", "penalties"]
    national = [(v["id"], v["name"]) for v in _table("national-2019")["vetoes"]]
    assert [(v["id"], v["name"]) for v in _table("suqian-2022")["vetoes"]] == national  # adopts the 2019 vetoes


def test_suqian_2022_points_and_windows() -> None:
    rules = load_ruleset("suqian-2022")
    assert rules.column_window("interpretation").label() == "6个月"  # 政策解读类一级栏目 6个月
    assert _rules_for("suqian-2022", "broken_link", scope="homepage", confirmed=True) == [("links", 0.5)]
    assert _rules_for("suqian-2022", "broken_link", scope="other", confirmed=True) == [("links", 0.2)]
    assert _rules_for("suqian-2022", "stale_column", type="dynamic") == [("column-updates", 5)]
    assert _rules_for("suqian-2022", "stale_column", type="policy", first_level=False) == []
    assert _rules_for("suqian-2022", "stale_column", type="policy", first_level=True) == [("column-updates", 5)]
    assert _rules_for("suqian-2022", "footer_item_missing", item="icp", severity="error") == [("footer", 0.5)]
    assert _rules_for("suqian-2022", "footer_item_invalid", item="police_record", severity="warning") == []
    assert _rules_for("suqian-2022", "footer_item_missing", item="jiucuo") == [("jiucuo", 1)]
    assert _rules_for("suqian-2022", "message_late_reply", category="consult") == [("replies", 1)]
    assert _rules_for("suqian-2022", "meta_tag_missing") == [("meta-tags", 0.1)]
    guide = _indicator("suqian-2022", "guides")["rules"][0]
    assert guide["points"] == 0.5 and guide["per"]["field"] == "missing_count"
    for manual in ("leaders", "interpretation", "realtime", "integration", "city-checks", "jiucuo-replies"):
        assert not _indicator("suqian-2022", manual).get("rules"), manual


# --- zhongkai-2018 (seed 003) --------------------------------------------------------------------

def test_zhongkai_2018_update_warnings() -> None:
    expected = {"dynamic": ("warn-dynamic", 3), "notice": ("warn-notice", 4), "policy": ("warn-policy", 4),
                "plan": ("warn-plan", 5), "personnel": ("warn-plan", 5)}
    for column_type, hit in expected.items():
        assert _rules_for("zhongkai-2018", "stale_column", type=column_type) == [hit], column_type
    scoring = _table("zhongkai-2018")["scoring"]
    assert scoring["base"] == 100
    groups = {i["group"] for i in _table("zhongkai-2018")["indicators"]}
    assert groups == {"市信息公开平台", "第三方监测报告", "政务公开科日常监测"}  # the bulletin's columns
    assert not _indicator("zhongkai-2018", "daily-monitoring").get("rules")
    assert not _indicator("zhongkai-2018", "third-party-other").get("rules")


def test_zhongkai_2018_derived_link_points_reproduce_the_bulletin_values() -> None:
    (_, other), = _rules_for("zhongkai-2018", "broken_link", scope="other", confirmed=True)
    assert round(9 * other, 2) == 0.45 and round(10 * other, 2) == 0.5  # 惠南科技园 0.45, 区党群办 0.5
    assert _rules_for("zhongkai-2018", "typo") == [("third-party-wording", 0.5)]
    # 区环保分局: one 规划计划 warning (5) + 1.5 daily monitoring = 6.5 → 93.5
    (_, plan), = _rules_for("zhongkai-2018", "stale_column", type="plan")
    assert 100 - (plan + 1.5) == 93.5


@pytest.mark.parametrize(("name", "expected"), [("national-2019", 0.7), ("suqian-2022", 0.7)])
def test_missing_meta_tags_are_deducted_per_page(name: str, expected: float) -> None:
    from govwatch.core.model import Finding
    from govwatch.rules.engine import EngineFinding, ScoreInput, score

    grouped = Finding(kind="meta_tag_missing", code="identity.meta.missing.article", indicator="页面标签",
                      url="http://www.example.gov.cn/a/1.html", message="7个文章页缺少页面标签",
                      evidence={"page_type": "article", "missing": ["PubDate"], "page_count": 7})
    sheet = score(load_ruleset(name), ScoreInput(findings=[EngineFinding(id="WT-1", finding=grouped)],
                                                 looked_for=frozenset({"meta_tag_missing"})))
    assert sheet["findings"]["WT-1"]["points"] == pytest.approx(expected)
