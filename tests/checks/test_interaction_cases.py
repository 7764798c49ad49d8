"""Case files for the interaction and service checks (tests/checks/cases/interaction/*.yaml).

Each case is a small site built here from the case's columns: a homepage whose navigation
links every column, one list page per column (``<ul class="list">`` rows of title and date,
or the case's own list body), and a detail page per item from the item's HTML fragment. Pages
are extracted with :func:`govwatch.extract.extract_page` into the facts the store keeps, so
column discovery and typing run for real; then the named check runs over an in-memory RunData
with the case's rule table. Its findings must be exactly the expected ones (kind, url, target,
severity, evidence subset).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import yaml

from govwatch.checks import run_checks
from govwatch.core.urls import Scope
from govwatch.extract import extract_page
from govwatch.extract.jsonout import facts_to_json
from govwatch.rules import load_ruleset
from govwatch.rundata import RunData
from tests.checks.casefiles import case_params, subset

SITE = "http://www.example.gov.cn/"
CASES = Path(__file__).parent / "cases" / "interaction"


def _page(title: str, body: str, metas: str = "") -> str:
    return (f'<html><head><meta charset="utf-8"><title>{title}</title>{metas}</head><body>'
            f'<div class="main">{body}</div><div class="footer"><p>主办单位：示例市人民政府办公室 '
            f"联系电话：0311-1234567</p></div></body></html>")


def build_pages(case: dict[str, Any]) -> dict[str, str]:
    """URL -> HTML of every page of a case's site."""
    pages: dict[str, str] = {}
    nav = []
    for col in case.get("columns", []):
        slug = col["slug"]
        list_url = urljoin(SITE, f"{slug}/index.html")
        nav.append(f'<li><a href="/{slug}/index.html">{col["name"]}</a></li>')
        rows = []
        for n, item in enumerate(col.get("items", []), 1):
            url = urljoin(SITE, item.get("url", f"{slug}/{n}.html"))
            rows.append(f'<li><a href="{url}">{item["title"]}</a><span>{item.get("date", "")}</span></li>')
            if "body" in item:
                pages[url] = _page(item["title"], item["body"])
        body = col.get("list_body") or '<ul class="list">' + "".join(rows) + "</ul>"
        pages[list_url] = _page(col["name"], f"<h2>{col['name']}</h2>{body}",
                                f'<meta name="ColumnName" content="{col["name"]}">')
    home_body = case.get("home_body", "")
    pages[SITE] = _page("示例市人民政府", '<div class="nav"><ul id="menu"><li><a href="/">首页</a></li>'
                        + "".join(nav) + f"</ul></div>{home_body}")
    for extra in case.get("pages", []):
        pages[urljoin(SITE, extra["url"])] = extra["html"]
    return pages


def build_run(spec: dict[str, Any], case: dict[str, Any]) -> RunData:
    pages = build_pages(case)
    facts: dict[str, dict[str, Any]] = {}
    fetches: dict[str, dict[str, Any]] = {}
    bodies: dict[str, bytes] = {}
    for url, html in pages.items():
        facts[url] = facts_to_json(extract_page(html, url, site_root=SITE))
        fetches[url] = {"role": "page", "kind": "page", "status": 200, "error": None,
                        "content_type": "text/html; charset=utf-8"}
        bodies[url] = html.encode("utf-8")
    for res in case.get("resources", []):
        fetches[urljoin(SITE, res["url"])] = {"role": "resource", "kind": res.get("kind", "attachment"),
                                             "status": res.get("status"), "error": res.get("error"),
                                             "content_type": ""}
    rules = load_ruleset(case.get("rules", spec.get("rules", "national-2019")))
    as_of = date.fromisoformat(str(case.get("as_of", spec["as_of"])))
    return RunData(site_url=SITE, scope=Scope.for_site(SITE), as_of=as_of, fetches=fetches, pages=facts,
                   bodies=bodies, rules=rules)


def matches(exp: dict[str, Any], finding: Any) -> bool:
    if exp["kind"] != finding.kind:
        return False
    if "url" in exp and urljoin(SITE, exp["url"]) != finding.url:
        return False
    if "target" in exp and (urljoin(SITE, exp["target"]) if exp["target"] else None) != finding.target:
        return False
    if "severity" in exp and exp["severity"] != finding.severity:
        return False
    return subset(exp.get("evidence", {}), finding.evidence)


@pytest.mark.parametrize(("spec", "case"), case_params(CASES))
def test_case(spec: dict[str, Any], case: dict[str, Any]) -> None:
    data = build_run(spec, case)
    findings, runs = run_checks(data, [case.get("check", spec["check"])])
    if case.get("not_assessed"):
        assert runs[0].status == "not_assessed", runs[0]
        assert case["not_assessed"] in (runs[0].error or "")
        return
    assert runs[0].status == "ok", runs[0].error
    remaining = list(findings)
    for exp in case["expect"]:
        hit = next((f for f in remaining if matches(exp, f)), None)
        assert hit is not None, f"expected {exp}, got {[(f.kind, f.url, f.target, f.evidence) for f in remaining]}"
        remaining.remove(hit)
    assert not remaining, f"unexpected {[(f.kind, f.url, f.evidence) for f in remaining]}"


def test_fingerprints_stay_the_same_on_a_later_inspection() -> None:
    spec = yaml.safe_load((CASES / "messages.yaml").read_text(encoding="utf-8"))
    case = next(c for c in spec["cases"] if c["name"].startswith("unanswered for more than three months"))
    first, _ = run_checks(build_run(spec, case), ["messages_unanswered"])
    later, _ = run_checks(build_run(spec, {**case, "as_of": "2026-12-01"}), ["messages_unanswered"])
    assert first and [f.fingerprint for f in first] == [f.fingerprint for f in later]
    assert later[0].evidence["days_unanswered"] > first[0].evidence["days_unanswered"]


def test_malformed_and_empty_pages_read_as_nothing() -> None:
    from govwatch.analysis.interaction.guides import guide_from_html
    from govwatch.analysis.interaction.messages import is_message, parse_message, parse_message_list

    broken = ["", "<html>", "<table><tr><th>留言时间<td>2026-13-45<tr><td>", "\x00\ufffd<dl><dt>答复时间</dt>",
              (Path(__file__).parents[1] / "extract" / "fixtures" / "malformed.html").read_text(encoding="utf-8")]
    for html in broken:
        msg = parse_message(html, SITE)
        assert msg.asked is None and msg.replied is None
        assert parse_message_list(html, SITE) == []
        guide = guide_from_html(html, SITE)
        assert guide.forms == [] and guide.form_links == []
    assert not is_message(parse_message("", SITE))
