"""Every third-party clone in the real-page corpus is a counterfeit of the site it copies; no genuine
page is flagged where it belongs, nor where another registered site lives (conservative)."""

from __future__ import annotations

import pytest

from govwatch.analysis.counterfeit import decide, page_profile
from tests.counterfeit.corpus_support import CORPUS, pages, registry

pytestmark = pytest.mark.skipif(not (CORPUS / "manifest.jsonl").is_file(),
                                reason="real-page corpus ../shared/corpus/real-pages not present in this checkout")

CLONES = [p for p in pages() if p.clone] if (CORPUS / "manifest.jsonl").is_file() else []
GENUINE = [p for p in pages() if not p.clone] if (CORPUS / "manifest.jsonl").is_file() else []


def test_the_corpus_has_clones_and_genuine_pages() -> None:
    assert len(CLONES) == 37 and len(GENUINE) == 13


@pytest.mark.parametrize("page", CLONES, ids=lambda p: f"{p.file}-{p.found_host}")
def test_every_clone_is_a_counterfeit_of_the_site_it_copies(page) -> None:  # type: ignore[no-untyped-def]
    url = f"http://{page.found_host}/index.html"
    decision = decide(page_profile(page.path.read_bytes(), url), url, registry())
    assert decision.verdict == "counterfeit", decision.reasons
    assert decision.site is not None and decision.site.url == f"http://{page.site}/"
    strong = {i["which"] for i in decision.evidence["identifiers"]} & {"site_code", "police_record"}
    assert strong, "counterfeit needs an identifier only the site may show"
    assert decision.evidence["host"]["relation"] in ("lookalike", "gov_cn")
    assert 0.6 <= decision.confidence <= 1.0


@pytest.mark.parametrize("page", GENUINE, ids=lambda p: p.file)
def test_no_genuine_page_is_flagged_at_its_own_host(page) -> None:  # type: ignore[no-untyped-def]
    url = f"http://{page.site}/page.html"
    decision = decide(page_profile(page.path.read_bytes(), url), url, registry())
    assert decision.verdict == "genuine", decision.reasons
    assert decision.site is not None and decision.site.url == f"http://{page.site}/"


def test_a_genuine_page_seen_on_another_registered_site_accuses_nobody() -> None:
    """A registered host's page with another site's identifiers is the identity check's mismatch."""
    page = next(p for p in GENUINE if p.site == "www.yichun.gov.cn")
    url = "http://www.wanzai.gov.cn/copied.html"
    decision = decide(page_profile(page.path.read_bytes(), url), url, registry())
    assert decision.verdict == "unrelated"
    assert decision.site is not None and decision.site.url == "http://www.wanzai.gov.cn/"


def test_a_department_sub_site_of_a_registered_domain_is_genuine() -> None:
    """A page of www.wuhan.gov.cn's own sub-site (dept.wuhan.gov.cn) is the site's, not a counterfeit."""
    page = next(p for p in CLONES if p.site == "www.wuhan.gov.cn")
    url = "http://fgw.wuhan.gov.cn/a.html"
    decision = decide(page_profile(page.path.read_bytes(), url), url, registry())
    assert decision.verdict == "genuine" and decision.evidence["host"]["relation"] == "subsite"


def test_the_same_clone_on_an_unrelated_host_is_still_counterfeit_but_has_no_lookalike() -> None:
    page = next(p for p in CLONES if p.site == "www.jiangsu.gov.cn")
    url = "http://example.com/a.html"
    decision = decide(page_profile(page.path.read_bytes(), url), url, registry())
    assert decision.verdict == "counterfeit"
    assert decision.evidence["host"] == {"found_at": url, "host": "example.com",
                                         "registered_host": "www.jiangsu.gov.cn", "relation": "other",
                                         "lookalike": None, "gov_cn": False}


def test_naming_a_site_is_not_enough() -> None:
    """A page that only names a registered site (no identifier) on an unrelated host is unrelated."""
    html = ("<html><head><title>江苏省人民政府 新闻转载</title><meta name='SiteName' content='江苏省人民政府'>"
            "</head><body><p>转载自江苏省人民政府网站。</p></body></html>")
    url = "http://news.example.com/a.html"
    assert decide(page_profile(html, url), url, registry()).verdict == "unrelated"


def test_a_domain_the_registered_homepage_lists_is_the_site_own() -> None:
    """www.js.gov.cn: before the registry knows it (no stored homepage) a page there is judged a
    counterfeit (a pinyin look-alike); once the stored homepage's SiteDomain lists it, genuine."""
    import dataclasses

    page = next(p for p in CLONES if p.site == "www.jiangsu.gov.cn")
    url = "http://www.js.gov.cn/a.html"
    sites = registry()
    before = decide(page_profile(page.path.read_bytes(), url), url, sites)
    assert before.verdict == "counterfeit" and before.evidence["host"]["lookalike"] == "pinyin"
    known = [dataclasses.replace(s, aliases=("www.js.gov.cn",)) if s.url == "http://www.jiangsu.gov.cn/" else s
             for s in sites]
    after = decide(page_profile(page.path.read_bytes(), url), url, known)
    assert after.verdict == "genuine" and after.evidence["host"]["relation"] == "alias"
