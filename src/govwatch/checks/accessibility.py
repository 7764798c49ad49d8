"""Accessibility (信息无障碍 / 适老化): axe-core violations and the homepage's 无障碍 entry.

Judged from the run fact ``accessibility`` (``govwatch.crawl.sitefacts.accessibility`` ran axe-core in
chromium on the homepage and a sample of pages). Each axe rule is mapped to a national requirement
(``govwatch/data/accessibility.yaml``: GB/T 37668-2019, 工信部《互联网网站适老化通用设计规范》):

- ``accessibility_violation``: one finding per page and requirement (the rules that found it, the
  clause, the worst impact, the first elements' selectors and how many elements). An error when axe
  rates the impact critical or serious, a warning otherwise.
- ``accessibility_entry_missing``: the homepage offers no entry to the 无障碍 / 适老化 service (no link or
  button naming it, no toolbar service's script).
"""

from __future__ import annotations

from typing import Any

from govwatch.checks import NotAssessed, check
from govwatch.core.model import Finding
from govwatch.crawl.error_wording import reason_text
from govwatch.crawl.sitefacts.accessibility_map import FACT_NAME, entry_script_markers, entry_words, requirements
from govwatch.rundata import RunData

INDICATOR = "信息无障碍"
IMPACT_ORDER = ("minor", "moderate", "serious", "critical")
IMPACT_LABELS = {"minor": "轻微", "moderate": "中等", "serious": "严重", "critical": "非常严重"}
SERIOUS = frozenset({"serious", "critical"})
MAX_SELECTORS = 5


def _facts(data: RunData) -> dict[str, Any]:
    facts = data.run_fact(FACT_NAME)
    if facts is None:
        raise NotAssessed("未做无障碍检测（security.accessibility 关闭，或该次检查早于无障碍检测）")
    if facts.get("unavailable"):
        raise NotAssessed(f"无障碍检测未能进行：{facts['unavailable']}")
    if facts.get("error"):
        raise NotAssessed(f"无障碍检测失败：{reason_text(facts['error'])}")
    return facts


def _worst(impacts: list[str | None]) -> str:
    known = [i for i in impacts if i in IMPACT_ORDER]
    return max(known, key=IMPACT_ORDER.index) if known else "moderate"


def page_findings(page: dict[str, Any]) -> list[Finding]:
    """One finding per mapped requirement the page violates."""
    mapping = requirements()
    grouped: dict[str, list[dict[str, Any]]] = {}
    for violation in page.get("violations") or []:
        req = mapping.get(violation["rule"])
        if req is not None:
            grouped.setdefault(req.requirement, []).append(violation)
    findings = []
    for key, violations in grouped.items():
        reqs = [mapping[v["rule"]] for v in violations]
        nodes = [n for v in violations for n in v["nodes"]][:MAX_SELECTORS]
        count = sum(v["count"] for v in violations)
        impact = _worst([v.get("impact") for v in violations])
        clauses = list(dict.fromkeys(r.clause for r in reqs))
        evidence = {"requirement": key, "label": reqs[0].label, "rules": [v["rule"] for v in violations],
                    "clause": "；".join(clauses), "impact": impact, "count": count, "page_type": page["page_type"],
                    "selectors": [n["target"] for n in nodes], "elements": [n["html"] for n in nodes]}
        findings.append(Finding(  # the elements stay in the evidence: a selector may read like English words
            kind="accessibility_violation", code=f"accessibility.{key}", indicator=INDICATOR, url=page["url"],
            message=(f"{reqs[0].label}：{reqs[0].problem}（{count}处，影响程度{IMPACT_LABELS[impact]}）。"
                     f"依据：{evidence['clause']}"),
            evidence=evidence, severity="error" if impact in SERIOUS else "warning"))
    return findings


@check("accessibility.axe", family="accessibility", kinds=("accessibility_violation",))
def accessibility_violations(data: RunData) -> list[Finding]:
    """axe-core violations of the sampled pages, one finding per page and national requirement."""
    facts = _facts(data)
    tested = [p for p in facts["pages"] if "error" not in p]
    if not tested:
        raise NotAssessed(f"无障碍检测的{len(facts['pages'])}个页面都未能在浏览器中打开")
    return [finding for page in tested for finding in page_findings(page)]


@check("accessibility.entry", family="accessibility", kinds=("accessibility_entry_missing",))
def accessibility_entry(data: RunData) -> list[Finding]:
    """The homepage's entry to the 无障碍 / 适老化 service (link, button or toolbar script)."""
    facts = _facts(data)
    if not facts.get("homepage_checked"):
        raise NotAssessed("首页未能在浏览器中打开，无法判断是否提供无障碍入口")
    if facts.get("entry"):
        return []
    words = list(entry_words())
    return [Finding(
        kind="accessibility_entry_missing", code="accessibility.entry", indicator=INDICATOR, url=data.site_url,
        message=f"首页未提供无障碍或适老化（长者模式、关怀版）服务入口（未找到含“{'、'.join(words[:4])}”等字样的链接或按钮，"
                "也未发现无障碍工具条）",
        evidence={"words": words, "script_markers": list(entry_script_markers())}, severity="warning")]
