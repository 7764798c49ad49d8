"""meta_tags and footer_identity do not depend on the order the crawl fetched pages in.

Concurrent fetches finish in any order, so a run's pages come back in a different order each time.
A grouped finding named the first page of its group in crawl order (its URL, hence its fingerprint,
changed between two inspections of the same site: seen on the 20,000-page benchmark site), and the
footer sample was the first pages crawled. Here the same pages in crawl order and reversed must give
the same findings, field by field, and the footer sample is the pages nearest the homepage.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from govwatch.checks.identity import EXAMPLES, FOOTER_SAMPLE, PER_PAGE_CAP, footer_identity, meta_tags
from govwatch.core.urls import Scope
from govwatch.rundata import RunData

HOME = "http://www.example.gov.cn/"
SITE_TAGS = {"SiteName": "示例市人民政府", "SiteDomain": "www.other.gov.cn", "SiteIDCode": "1101000001"}
FOOTER = {"conac": True, "site_code": "1101000001", "sponsor": "示例市人民政府办公室", "contact": "0000-12345678",
          "jiucuo_site_code": "1101000001"}


def _pages() -> list[tuple[str, int, dict[str, Any]]]:
    """(url, depth, facts): a homepage, 30 list pages missing the column tags (depth 1 and 2), 30
    articles whose PubDate is malformed (more than PER_PAGE_CAP), and pages whose footer lacks its 主办单位
    deeper down (the nearest FOOTER_SAMPLE pages have theirs)."""
    pages = [(HOME, 0, {"page_type": "home", "meta": dict(SITE_TAGS), "footer": FOOTER})]
    for i in range(30):
        pages.append((f"{HOME}col{i:02d}/", 1 + i % 2, {"page_type": "list", "meta": dict(SITE_TAGS), "footer": FOOTER}))
    for i in range(30):
        footer = FOOTER if i < 5 else {**FOOTER, "sponsor": ""}
        pages.append((f"{HOME}col{i % 7:02d}/t{i:03d}.html", 3 + i % 2, {
            "page_type": "article", "footer": footer, "publish_date": "2026-01-02",
            "meta": {**SITE_TAGS, "ArticleTitle": "标题", "ContentSource": "办公室", "PubDate": "2026/01/02"}}))
    return pages


def _run(reverse: bool) -> RunData:
    rows = _pages()[::-1] if reverse else _pages()
    return RunData(site_url=HOME, scope=Scope.for_site(HOME), as_of=date(2026, 11, 20),
                   fetches={url: {"depth": depth, "status": 200, "content_type": "text/html"} for url, depth, _ in rows},
                   pages={url: facts for url, _, facts in rows}, homepage_urls=frozenset({HOME}))


def _found(check: Any, data: RunData) -> list[tuple[Any, ...]]:
    return [(f.kind, f.code, f.url, f.target, f.message, repr(f.evidence), f.fingerprint) for f in check(data)]


def test_meta_tag_findings_are_the_same_in_any_crawl_order() -> None:
    forward, backward = _found(meta_tags, _run(False)), _found(meta_tags, _run(True))
    assert forward == backward
    missing = next(f for f in meta_tags(_run(True)) if f.code == "identity.meta.missing.list")
    assert missing.url == f"{HOME}col00/"  # depth 1 first, then URL
    assert missing.evidence["pages"] == [f"{HOME}col{i:02d}/" for i in range(0, 20, 2)][:EXAMPLES]
    per_page = [f for f in meta_tags(_run(True)) if f.code == "identity.meta.PubDate.format"]
    assert len(per_page) == PER_PAGE_CAP and per_page[0].evidence["total_pages"] == 30
    domain = next(f for f in meta_tags(_run(True)) if f.code == "identity.meta.SiteDomain.mismatch")
    assert domain.url == HOME and domain.evidence["expected"] == "www.example.gov.cn"


def test_the_footer_sample_is_the_pages_nearest_the_homepage_in_any_crawl_order() -> None:
    forward, backward = _found(footer_identity, _run(False)), _found(footer_identity, _run(True))
    assert forward == backward
    # the homepage and the 30 list pages (depth 1 and 2) come before any article (depth 3 and 4):
    # the sample is the homepage and FOOTER_SAMPLE list pages, so the articles' missing
    # 主办单位 is never seen (in crawl order reversed, the articles came first)
    findings = list(footer_identity(_run(True)))
    assert findings and all(f.evidence["sampled"] == FOOTER_SAMPLE + 1 for f in findings)
    assert not [f for f in findings if f.evidence["item"] == "sponsor"]
    assert all("/t" not in page for f in findings for page in f.evidence["pages"])
