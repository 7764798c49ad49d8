"""Hand-made inspection documents for the report tests: findings scored by the real rules engine
on a small table, assembled by ``build_inspection`` over an in-memory run (no crawl).

Every score below is computed by hand in the comments; the tests compare the rendered files to them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

from govwatch.checks import CheckRun
from govwatch.core.catalogue import problem_id
from govwatch.core.model import Finding
from govwatch.core.urls import Scope
from govwatch.report.inspection import build_inspection
from govwatch.rules import RuleSet, load_ruleset
from govwatch.rules.engine import EngineFinding, ScoreInput, SiteProfile, score
from govwatch.rundata import RunData

AS_OF = date(2026, 11, 30)

TABLE: dict[str, Any] = {
    "id": "report-test", "name": "报告测试评分表", "source": "tests/report",
    "availability": {"window_days": 7, "min_daily_visits": 20, "timeout_s": 15, "max_failure_ratio": 0.05},
    "homepage": {"window": {"days": 14}, "min_items": 10},
    "columns": {"windows": {"dynamic": {"days": 14}, "notice": {"months": 6}, "policy": {"months": 6},
                            "plan": {"years": 1}, "personnel": {"years": 1}}},
    "scoring": {"base": 100, "pass_mark": 60},
    "vetoes": [
        {"id": "V1", "name": "站点无法访问", "conditions": [
            {"label": "首页无法访问", "match": [{"kinds": ["site_unreachable"]}]}]},
        {"id": "V3", "name": "栏目不更新", "conditions": [
            {"label": "动态要闻类栏目不更新≥3个", "min": 3,
             "match": [{"kinds": ["stale_column"], "where": {"type": "dynamic"}}]}]},
    ],
    "indicators": [
        {"id": "links", "name": "链接可用性", "group": "网站可用性", "max": 10, "rules": [
            {"kinds": ["broken_link"], "where": {"scope": "homepage"}, "points": 1, "label": "首页失效链接"},
            {"kinds": ["broken_link"], "where": {"scope": "other"}, "points": 0.5, "label": "其他页面失效链接"}]},
        {"id": "updates", "name": "内容更新", "group": "信息更新", "max": 40, "rules": [
            {"kinds": ["stale_column"], "where": {"type": "dynamic"}, "points": 3},
            {"kinds": ["stale_column"], "where": {"type": ["notice", "policy"]}, "points": 4},
            {"kinds": ["stale_column"], "where": {"type": ["plan", "personnel"]}, "points": 5}]},
        {"id": "blank", "name": "空白栏目", "group": "信息更新", "max": 10, "rules": [
            {"kinds": ["blank_column"], "points": 2}]},
        {"id": "daily", "name": "日常监测（人工）", "group": "日常监管", "max": 20},
    ],
}
ALL_KINDS = frozenset({"site_unreachable", "stale_column", "broken_link", "blank_column", "undated_items"})


def ruleset(folder: Path) -> RuleSet:
    """The small table, loaded and validated like a user's file."""
    path = folder / "report-test.yaml"
    path.write_text(yaml.safe_dump(TABLE, allow_unicode=True), encoding="utf-8")
    return load_ruleset(str(path))


def broken(home: str, path: str, *, scope: str = "homepage", text: str = "失效链接", status: int = 404,
           resource: str = "page") -> Finding:
    """A confirmed broken link (the evidence keys the link check writes)."""
    return Finding(kind="broken_link", code="link.confirmed", indicator="链接可用性", url=home if scope == "homepage"
                   else home + "list/", target=home + path,
                   message=f"首页链接“{text}”无法访问（HTTP {status}）",
                   evidence={"classification": "confirmed", "confirmed": True, "soft_404": False, "scope": scope,
                             "resource": resource, "status": status, "error": None, "link_text": text,
                             "source_count": 1, "observed": f"HTTP {status}", "expected": "HTTP 2xx/3xx"})


def stale(home: str, path: str, ctype: str, name: str, *, last: str = "2026-01-05", overdue: int = 30) -> Finding:
    """A column not updated in its window (``evidence.type`` is its class)."""
    return Finding(kind="stale_column", code=f"freshness.stale.{ctype}", indicator="栏目不更新", url=home + path,
                   message=f"栏目「{name}」未更新", evidence={
                       "column": name, "type": ctype, "first_level": True, "items": 12, "undated": 0,
                       "window": "2周", "last_update": last, "days_overdue": overdue})


def undated(home: str, path: str) -> Finding:
    return Finding(kind="undated_items", code="freshness.undated", indicator="栏目不更新", url=home + path,
                   severity="warning", message="栏目「图片新闻」有2条信息未注明发布时间",
                   evidence={"column": "图片新闻", "type": "dynamic", "undated": 2})


def reviewer_finding(home: str, note: str) -> Finding:
    return Finding(kind="reviewer_finding", code="reviewer", indicator="日常监测（人工）", url=home + "about/",
                   message=note, evidence={"excerpt": note})


def document(rules: RuleSet, name: str, home: str, findings: list[Finding], *,
             reviewer: list[tuple[Finding, str, float]] = (), exempt: dict[str, str] | None = None,
             looked_for: frozenset[str] = ALL_KINDS, site_code: str = "1234000001") -> dict[str, Any]:
    """A scored inspection document of a site with these findings (``exempt``: fingerprint → reason)."""
    exempt = exempt or {}
    data = RunData(site_url=home, scope=Scope.for_site(home), as_of=AS_OF, fetches={}, rules=rules,
                   pages={home: {"meta": {"SiteName": name, "SiteIDCode": site_code}, "title": name,
                                 "page_type": "home"}})
    items = [EngineFinding(id=problem_id(f), finding=f, exempt=exempt.get(f.fingerprint)) for f in findings]
    items += [EngineFinding(id=problem_id(f), finding=f, origin="reviewer", indicator=ind, points=pts)
              for f, ind, pts in reviewer]
    sheet = score(rules, ScoreInput(findings=items, looked_for=looked_for, site=SiteProfile(),
                                    reviewed={"daily": "人工核查完成"}))
    runs = [CheckRun("links", "ok", 0, 1.0), CheckRun("column_freshness", "ok", 0, 1.0)]
    return build_inspection(data, [*findings, *(f for f, _, _ in reviewer)], runs,
                            run={"id": 7, "started_at": "2026-11-30T08:00:00+08:00"}, sheet=sheet)


def portfolio(rules: RuleSet) -> dict[str, dict[str, Any]]:
    """Six sites (hand-computed: see each comment)."""
    a, b, c = "http://a.gov.cn/", "http://b.gov.cn/", "http://c.gov.cn/"
    d, e, g = "http://d.gov.cn/", "http://e.gov.cn/", "http://g.gov.cn/"
    excused = broken(d, "old.html", text="旧系统")
    return {
        # 甲: homepage link 1 + other link 0.5 + dynamic column 3 + reviewer 2 = 6.5 → 93.5 合格
        "甲市人民政府": document(rules, "甲市人民政府", a, [
            broken(a, "gone.html", text="政务公开"), broken(a, "x.pdf", scope="other", text="附件下载", resource="attachment"),
            stale(a, "ywdt/", "dynamic", "工作动态"), undated(a, "tpxw/")],
            reviewer=[(reviewer_finding(a, "领导简历未更新"), "daily", 2.0)]),
        # 乙: three dynamic columns → 单项否决 栏目不更新 → 不合格, no score
        "乙区人民政府": document(rules, "乙区人民政府", b, [
            stale(b, "d1/", "dynamic", "区县动态"), stale(b, "d2/", "dynamic", "部门动态"),
            stale(b, "d3/", "dynamic", "图片新闻")]),
        # 丙: nothing found → 100 合格
        "丙县人民政府": document(rules, "丙县人民政府", c, []),
        # 丁: notice 4 + plan 5 = 9 → 91 合格; one broken link exempted (0)
        "丁市发展和改革委员会": document(rules, "丁市发展和改革委员会", d, [
            stale(d, "tzgg/", "notice", "通知公告"), stale(d, "ghjh/", "plan", "规划计划"), excused],
            exempt={excused.fingerprint: "系统迁移，已报备"}),
        # 戊: site_unreachable not looked for → V1 not assessed → 待定, score ≤ 96 (policy 4)
        "戊区政务服务网": document(rules, "戊区政务服务网", e, [stale(e, "zcwj/", "policy", "政策文件")],
                               looked_for=ALL_KINDS - {"site_unreachable"}),
        # 己: personnel 5 + homepage link 1 + other link 0.5 = 6.5 → 93.5 合格 (ties with 甲)
        "己镇人民政府": document(rules, "己镇人民政府", g, [
            stale(g, "rsxx/", "personnel", "人事信息"), broken(g, "a.html"), broken(g, "b.html", scope="other")]),
    }
