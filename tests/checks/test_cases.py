"""Every case file of every check family (tests/checks/cases/<family>/*.yaml, format in
:mod:`tests.checks.casefiles`): the named check runs over the in-memory run the case describes
and reports exactly the expected findings (or says why it cannot judge).

Besides each case's own expectations, every finding is of a kind its check declares, carries
only the evidence fields the finding catalogue lists for its kind, has a message in Chinese with no English sentence in it (nor has a reason for not judging), and a content or privacy finding never shows a personal number of the input in full.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest

from govwatch.checks import REGISTRY, load_builtin_checks, run_checks
from govwatch.core.catalogue import catalogue
from govwatch.core.urls import Scope
from govwatch.rundata import RunData
from tests.checks.casefiles import CASES, SITE, build_run, case_files, case_params, load, unmatched

load_builtin_checks()
ENGLISH = re.compile(r"[A-Za-z]{2,} [a-z]{2,} [a-z]{2,}")  # three English words: a sentence, not a name or code


def _case(file: str, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    spec = load(CASES / file)
    return spec, next(c for c in spec["cases"] if c["name"].startswith(name))


def _shown(findings: list[Any]) -> list[tuple[Any, ...]]:
    return [(f.kind, f.url, f.target, f.severity, f.evidence) for f in findings]


@pytest.mark.parametrize(("spec", "case"), case_params())
def test_case(spec: dict[str, Any], case: dict[str, Any]) -> None:
    name = case.get("check", spec["check"])
    data = build_run(spec, case)
    findings, runs = run_checks(data, [name])
    if "not_assessed" in case:
        assert runs[0].status == "not_assessed", runs[0]
        assert case["not_assessed"] in (runs[0].error or ""), runs[0].error
        assert not ENGLISH.search(runs[0].error or ""), runs[0].error
        return
    assert runs[0].status == "ok", runs[0].error
    missing, unexpected = unmatched(case["expect"], findings, data.site_url)
    assert not missing, f"expected {missing}, got {_shown(findings)}"
    assert not unexpected, f"unexpected {_shown(unexpected)}"
    for f in findings:
        assert f.kind in REGISTRY[name].kinds, f"{f.kind} is not declared by {name}"
        entry = catalogue().get(f.kind)
        assert entry is not None and set(f.evidence) <= set(entry.evidence), \
            f"{f.kind}: evidence fields {sorted(set(f.evidence) - set(entry.evidence if entry else ()))} not in the catalogue"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in f.message), f.message
        assert not ENGLISH.search(f.message), f.message
    if REGISTRY[name].family in ("content", "privacy"):  # page text in evidence never shows a personal number in full
        raw = json.dumps(case, ensure_ascii=False, default=str).replace(" ", "")
        shown = json.dumps([(f.message, f.evidence, f.target) for f in findings], ensure_ascii=False).replace(" ", "")
        for number in set(re.findall(r"\d{11,}[Xx]?", raw)):
            assert number not in shown


def test_every_case_file_names_a_registered_check_and_has_pass_and_fail_cases() -> None:
    for path in case_files():
        spec = load(path)
        assert {c.get("check", spec["check"]) for c in spec["cases"]} <= set(REGISTRY), path
        judged = [c for c in spec["cases"] if "expect" in c]
        assert any(not c["expect"] for c in judged), f"{path}: no case where the check finds nothing"
        assert any(c["expect"] for c in judged), f"{path}: no case where the check finds something"


def test_every_kind_of_every_registered_check_is_expected_by_one_of_its_cases() -> None:
    expected: dict[str, set[str]] = {name: set() for name in REGISTRY}
    for path in case_files():
        spec = load(path)
        for case in spec["cases"]:
            expected[case.get("check", spec["check"])] |= {exp["kind"] for exp in case.get("expect") or []}
    missing = {name: sorted(set(c.kinds) - expected[name]) for name, c in REGISTRY.items()
               if set(c.kinds) - expected[name]}
    assert not missing, f"finding kinds no case expects, by check: {missing}"


def test_the_comparison_catches_a_wrong_expectation_and_an_unexpected_finding() -> None:
    spec, case = _case("content/banned.yaml", "a banned term in the title only")
    data = build_run(spec, case)
    findings, _ = run_checks(data, [spec["check"]])
    assert unmatched(case["expect"], findings, data.site_url) == ([], [])
    wrong = [{**case["expect"][0], "evidence": {"category": "pornography"}}]
    assert unmatched(wrong, findings, data.site_url) == (wrong, findings)
    assert unmatched([], findings, data.site_url) == ([], findings)
    assert unmatched([{"kind": "banned_content", "url": "other.html"}], findings, data.site_url)[0]


# -- properties of the checks beyond single cases ------------------------------------------


def test_wording_fingerprints_are_stable_and_distinct_per_phrase() -> None:
    case = {"html": "<p>国务院总理李墙；两个维户；国务院总理李墙</p>"}
    first, _ = run_checks(build_run({"as_of": "2026-06-30"}, case), ["wording"])
    again, _ = run_checks(build_run({"as_of": "2026-07-30"}, case), ["wording"])
    assert len(first) == 2
    assert {f.fingerprint for f in first} == {f.fingerprint for f in again}
    assert len({f.fingerprint for f in first}) == 2


def test_content_checks_without_stored_bodies_are_not_assessed() -> None:
    page = SITE + "art/1.html"
    data = RunData(site_url=SITE, scope=Scope.for_site(SITE), as_of=date(2026, 6, 30),
                   fetches={page: {"role": "page", "kind": "page", "status": 200}},
                   pages={page: {"page_type": "article"}})
    _, runs = run_checks(data, ["wording", "banned_content", "personal_data"])
    assert [r.status for r in runs] == ["not_assessed"] * 3


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


def test_message_fingerprints_stay_the_same_on_a_later_inspection() -> None:
    spec, case = _case("interaction/messages.yaml", "unanswered for more than three months")
    first, _ = run_checks(build_run(spec, case), ["messages_unanswered"])
    later, _ = run_checks(build_run(spec, {**case, "as_of": "2026-12-01"}), ["messages_unanswered"])
    assert first and [f.fingerprint for f in first] == [f.fingerprint for f in later]
    assert later[0].evidence["days_unanswered"] > first[0].evidence["days_unanswered"]
