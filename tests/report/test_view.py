"""The view model: verdict and score wording, veto and indicator rows, problems, 整改清单 order."""

from __future__ import annotations

import copy
from typing import Any

from govwatch.core.catalogue import problem_id
from govwatch.core.model import Finding
from govwatch.report.view import build_view, fmt_points, rectification_key
from govwatch.rules import RuleSet
from tests.report.docs import broken, document


def ids(view: Any) -> list[str]:
    return [r.problem.id for r in view.rectification]


def test_cover_wording_for_pass_fail_and_pending(docs: dict[str, Any]) -> None:
    a = build_view(docs["甲市人民政府"]).cover
    assert (a.site_name, a.url, a.site_code, a.as_of) == ("甲市人民政府", "http://a.gov.cn/", "1234000001", "2026-11-30")
    assert (a.verdict_text, a.score_text, a.ruleset_name) == ("合格", "93.5", "报告测试评分表")
    b = build_view(docs["乙区人民政府"]).cover
    assert (b.verdict_text, b.score_text) == ("不合格", "不计分（单项否决）")
    assert b.reasons[0].startswith("单项否决：栏目不更新")
    e = build_view(docs["戊区政务服务网"]).cover
    # V1 (站点无法访问) was not looked for: 4 points deducted so far, so at best 96.
    assert (e.verdict_text, e.score_text, e.verdict_class) == ("待定（1项指标未评估）", "≤96（未完成评估）", "pending")
    assert "未评估：站点无法访问" in e.reasons


def test_unscored_document_is_never_shown_as_passing(docs: dict[str, Any]) -> None:
    doc = copy.deepcopy(docs["丙县人民政府"])
    doc.update(verdict=None, score=None, scoring=None, vetoes=[], deductions=[])
    for f in doc["findings"]:
        f.pop("scoring", None)
    view = build_view(doc)
    assert (view.cover.verdict_text, view.cover.score_text) == ("待定（未应用评分规则表）", "未评分")
    assert view.vetoes == [] and view.indicators == []


def test_veto_table_and_indicator_rows(docs: dict[str, Any]) -> None:
    assert [(v.name, v.result) for v in build_view(docs["甲市人民政府"]).vetoes] == [("站点无法访问", "否"), ("栏目不更新", "否")]
    b = build_view(docs["乙区人民政府"])
    assert [(v.name, v.result) for v in b.vetoes] == [("站点无法访问", "否"), ("栏目不更新", "是")]
    assert len(b.vetoes[1].findings) == 3 and "3处" in b.vetoes[1].reason
    assert [(v.name, v.result) for v in build_view(docs["戊区政务服务网"]).vetoes] == [("站点无法访问", "未评估"),
                                                                                    ("栏目不更新", "否")]
    rows = {i.name: i for i in build_view(docs["甲市人民政府"]).indicators}
    assert (rows["链接可用性"].points, rows["链接可用性"].status_text, rows["链接可用性"].findings) == (1.5, "已评估", 2)
    assert (rows["内容更新"].points, rows["内容更新"].max_text, rows["内容更新"].group) == (3, "40", "信息更新")
    assert rows["日常监测（人工）"].status_text == "人工核查" and rows["日常监测（人工）"].points == 2


def test_problems_carry_ids_evidence_and_scoring(docs: dict[str, Any]) -> None:
    view = build_view(docs["甲市人民政府"])
    by_kind = {p.kind: p for p in reversed(list(view.problems))}  # the first of each kind
    link = by_kind["broken_link"]
    assert link.id.startswith("LJ-") and link.link_text == "政务公开" and link.target == "http://a.gov.cn/gone.html"
    assert (link.observed, link.expected, link.points, link.indicator) == ("HTTP 404", "HTTP 2xx/3xx", 1, "链接可用性")
    col = by_kind["stale_column"]
    assert col.observed == "最近更新2026-01-05，已超期30天" and col.expected == "2周内有更新" and col.column == "工作动态"
    assert by_kind["undated_items"].status_text == "不计分" and by_kind["undated_items"].severity == "warning"
    assert by_kind["reviewer_finding"].id.startswith("RG-") and by_kind["reviewer_finding"].origin == "reviewer"
    d = build_view(docs["丁市发展和改革委员会"])
    excused = next(p for p in d.problems if p.kind == "broken_link")
    assert excused.status_text == "已豁免" and "系统迁移" in excused.note and excused.points == 0
    assert excused.id not in ids(d)  # exempted: listed, not to be rectified


def test_rectification_order_is_veto_points_severity_then_id(docs: dict[str, Any]) -> None:
    a = docs["甲市人民政府"]
    find = {f["kind"] + ("/" + f["evidence"].get("scope", "") if f["kind"] == "broken_link" else ""): f["id"]
            for f in a["findings"]}
    # 3 (dynamic column) > 2 (reviewer) > 1 (homepage link) > 0.5 (other link) > 0 warning (undated)
    assert ids(build_view(a)) == [find["stale_column"], find["reviewer_finding"], find["broken_link/homepage"],
                                  find["broken_link/other"], find["undated_items"]]
    assert [r.no for r in build_view(a).rectification] == [1, 2, 3, 4, 5]
    b = build_view(docs["乙区人民政府"])
    assert {r.priority for r in b.rectification} == {"单项否决"} and ids(b) == sorted(ids(b))


def test_rectification_puts_vetoes_first_and_errors_before_warnings(rules: RuleSet) -> None:
    home = "http://h.gov.cn/"
    down = Finding(kind="site_unreachable", code="availability.homepage", indicator="站点无法访问", url=home,
                   message="首页无法访问", evidence={"failure_ratio": 0.2})
    error = broken(home, "e.html")
    warning = broken(home, "w.html")
    warning.severity = "warning"
    others = [broken(home, f"o{n}.html", scope="other") for n in range(3)]
    doc = document(rules, "庚市人民政府", home, [*others, warning, error, down])
    view = build_view(doc)
    expected = [problem_id(down), problem_id(error), problem_id(warning), *sorted(problem_id(f) for f in others)]
    assert ids(view) == expected
    assert view.rectification[0].priority == "单项否决" and view.rectification[0].problem.points == 0
    assert [r.problem.points for r in view.rectification] == [0, 1, 1, 0.5, 0.5, 0.5]
    assert sorted(view.problems, key=rectification_key) == [r.problem for r in view.rectification]


def test_hand_assembled_document_without_optional_keys() -> None:
    doc = {"site": {"url": "http://x.gov.cn/", "name": None, "site_code": None}, "as_of": "2026-11-30",
           "ruleset": "national-2019", "verdict": None, "score": None, "scoring": None,
           "findings": [{"id": "WT-1", "kind": "typo", "code": "t", "indicator": "错别字", "url": "http://x.gov.cn/a",
                         "message": "错别字", "evidence": {"excerpt": "…政腐网站…"}}]}
    view = build_view(doc)
    assert view.cover.site_name == "（未识别）" and view.problems[0].excerpt == "…政腐网站…"
    assert ids(view) == ["WT-1"] and view.rectification[0].problem.action == "更正错别字"


def test_points_format() -> None:
    assert [fmt_points(v) for v in (100.0, 99.5, 0.45, 6.5, 0, None, 93.499999)] == [
        "100", "99.5", "0.45", "6.5", "0", "—", "93.5"]


def test_plain_text_keeps_the_message_it_is_given_and_puts_raw_reasons_in_chinese() -> None:
    """A message already in Chinese is the very string given (a report of 26,561 attachment findings
    held a copy of each message before); a raw English reason in （…） is still put in Chinese."""
    from govwatch.report.view import plain_text

    message = "".join(["附件「a.pdf」无法读取，未能检查其中的个人信息：pdf 附件无法读取（PdfStreamError: Stream has ended）"])
    assert plain_text(message) is message
    raw = "".join(["首页无法打开（timeout）"])
    assert plain_text(raw) == "首页无法打开（访问超时）"
