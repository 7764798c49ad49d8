"""Case files for the identity checks (tests/checks/cases/identity/*.yaml).

Each case is a small site: pages built from HTML fragments (the file's ``defaults`` give the
head and footer, a page may override either), extracted with :func:`govwatch.extract.extract_page`
into the facts the store keeps (the Extract JSON contract), then the named check runs over an
in-memory RunData. Its findings must be exactly the expected ones (kind, url, severity,
evidence subset).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import yaml

from govwatch.checks import run_checks
from govwatch.core.siteconfig import parse_site_config
from govwatch.core.urls import Scope
from govwatch.extract import extract_page
from govwatch.extract.jsonout import facts_to_json
from govwatch.rundata import RunData
from tests.checks.casefiles import case_params, subset

CASES = Path(__file__).parent / "cases" / "identity"


def build_run(spec: dict[str, Any], case: dict[str, Any]) -> RunData:
    site = case.get("site", spec.get("site", "http://www.example.gov.cn/"))
    defaults = {**spec.get("defaults", {}), **case.get("defaults", {})}
    pages: dict[str, dict[str, Any]] = {}
    fetches: dict[str, dict[str, Any]] = {}
    for page in case["pages"]:
        url = urljoin(site, page.get("url", ""))
        if "html" in page:
            html = page["html"]
        else:
            head = page.get("head", defaults.get(f"head_{page.get('type', 'home')}", defaults.get("head", "")))
            footer = page.get("footer", defaults.get("footer", ""))
            html = (f"<html><head><title>{page.get('title', '页面')}</title>{head}</head><body>"
                    f"{page.get('body', '')}<div class=\"footer\">{footer}</div></body></html>")
        facts = facts_to_json(extract_page(html, url))
        if "type" in page:
            facts["page_type"] = page["type"]
        pages[url] = facts
        fetches[url] = {"role": "page", "kind": "page", "status": 200, "error": None}
    config = {"site": {"name": "测试", "site_code": str(case["site_code"])}} if case.get("site_code") else {}
    return RunData(site_url=site, scope=Scope.for_site(site), as_of=date.fromisoformat(str(spec["as_of"])),
                   fetches=fetches, pages=pages, site_config=parse_site_config(config, "case.yaml"))


def matches(exp: dict[str, Any], finding: Any, site: str) -> bool:
    if exp["kind"] != finding.kind:
        return False
    if "url" in exp and urljoin(site, exp["url"]) != finding.url:
        return False
    if "severity" in exp and exp["severity"] != finding.severity:
        return False
    return subset(exp.get("evidence", {}), finding.evidence)


@pytest.mark.parametrize(("spec", "case"), case_params(CASES))
def test_case(spec: dict[str, Any], case: dict[str, Any]) -> None:
    data = build_run(spec, case)
    site = data.site_url
    findings, runs = run_checks(data, [spec["check"]])
    assert runs[0].status == "ok", runs[0].error
    remaining = list(findings)
    for exp in case["expect"]:
        hit = next((f for f in remaining if matches(exp, f, site)), None)
        assert hit is not None, f"expected {exp}, got {[(f.kind, f.severity, f.evidence) for f in remaining]}"
        remaining.remove(hit)
    assert not remaining, f"unexpected {[(f.kind, f.severity, f.evidence) for f in remaining]}"
    for f in findings:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in f.message), f.message


def test_every_case_file_has_pass_and_fail_cases() -> None:
    for path in sorted(CASES.glob("*.yaml")):
        cases = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
        assert any(not c["expect"] for c in cases), path
        assert any(c["expect"] for c in cases), path


def test_footer_findings_are_grouped_not_per_page() -> None:
    spec = {"check": "footer_identity", "as_of": "2026-06-30"}
    pages = [{"url": "", "footer": "网站标识码：1304000009"}] + \
        [{"url": f"col/{i}.html", "type": "article", "footer": "网站标识码：1304000009"} for i in range(40)]
    findings, _ = run_checks(build_run(spec, {"pages": pages}), ["footer_identity"])
    icp = [f for f in findings if f.evidence["item"] == "icp"]
    assert len(icp) == 1 and icp[0].evidence["page_count"] == 21 and icp[0].evidence["sampled"] == 21
    assert len(icp[0].evidence["pages"]) == 10 and icp[0].evidence["homepage"] is True


def test_meta_missing_grouped_and_pubdate_capped() -> None:
    spec = {"check": "meta_tags", "as_of": "2026-06-30"}
    head = ('<meta name="SiteName" content="x"><meta name="SiteDomain" content="www.example.gov.cn">'
            '<meta name="SiteIDCode" content="1304000009"><meta name="ArticleTitle" content="t">'
            '<meta name="PubDate" content="2026-05-01 10:00">')
    pages = [{"url": "", "head": head}] + [
        {"url": f"art/{i}.html", "type": "article", "head": head, "body": "<div class=\"info\">发布时间：2026-05-03</div>"}
        for i in range(30)]
    findings, _ = run_checks(build_run(spec, {"pages": pages}), ["meta_tags"])
    missing = [f for f in findings if f.kind == "meta_tag_missing"]
    assert len(missing) == 1 and missing[0].evidence["missing"] == ["ContentSource"]
    assert missing[0].evidence["page_count"] == 30
    pub = [f for f in findings if f.kind == "meta_tag_invalid" and f.evidence.get("problem") == "mismatch"]
    assert len(pub) == 20 and all(f.evidence["total_pages"] == 30 for f in pub)
    assert len({f.fingerprint for f in pub}) == 20
