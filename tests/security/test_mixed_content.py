"""Mixed content judged from a run's links and their tags (in-memory runs; the stored path is in
test_site_probe.py): what counts as a resource, which pages count, severity, order, evidence."""

from __future__ import annotations

from datetime import date
from typing import Any

from govwatch.checks import run_checks
from govwatch.core.model import Finding
from govwatch.core.urls import Scope
from govwatch.rundata import RunData

HOME = "https://www.example.gov.cn/"
ARTICLE = HOME + "art/1.html"
MOVED = HOME + "old.html"  # redirected to plain http: not a page served over HTTPS
IMAGE = "http://img.example.com/logo.png"
SCRIPT = "http://www.example.gov.cn/js/app.js"
STYLE = "http://cdn.example.com/site.css?v=2"  # an off-site <link> naming a style sheet
CANONICAL = "http://www.example.gov.cn/"  # an off-site <link> naming a page (rel=canonical)
HTTP_PAGE = "http://www.example.org/"  # a hyperlink: not loaded by the page

# (source, target, kind, tag) of the run's links
LINKS = [
    (HOME, IMAGE, "image", "img"), (HOME, SCRIPT, "script", "script"), (HOME, STYLE, "external", "link"),
    (HOME, CANONICAL, "external", "link"), (HOME, HTTP_PAGE, "external", "a"), (HOME, ARTICLE, "page", "a"),
    (ARTICLE, IMAGE, "image", "img"), (ARTICLE, HTTP_PAGE, "external", "a"),
    (MOVED, IMAGE, "image", "img"), (MOVED, SCRIPT, "script", "script"),
]


def _page(final_url: str | None = None) -> dict[str, Any]:
    return {"role": "page", "kind": "page", "status": 200, "error": None, "final_url": final_url}


def _run(site: str, fetches: dict[str, dict[str, Any]]) -> RunData:
    """A run holding LINKS as the crawl keeps them: link rows, and each page's links with their tags."""
    pages: dict[str, dict[str, Any]] = {}
    for source, target, kind, tag in LINKS:
        pages.setdefault(source, {"page_type": "article", "links": []})["links"].append(
            {"url": target, "text": "", "kind": kind, "tag": tag, "via": "html"})
    return RunData(site_url=site, scope=Scope.for_site(site), as_of=date(2026, 12, 1), fetches=fetches,
                   pages=pages, links=[(source, target, kind, "", "html") for source, target, kind, _tag in LINKS])


def _judge(site: str, fetches: dict[str, dict[str, Any]]) -> tuple[list[Finding], str]:
    data = _run(site, fetches)
    findings, runs = run_checks(data, ["transport.mixed_content"])
    assert runs[0].status != "error", runs[0].error
    return findings, runs[0].status


def test_http_resources_of_https_pages_are_mixed_content_active_first() -> None:
    fetches = {HOME: _page(), ARTICLE: _page(), MOVED: _page(final_url="http://www.example.gov.cn/old.html")}
    findings, status = _judge(HOME, fetches)
    assert status == "ok"
    # not the canonical <link>, not the hyperlinks; active resources first, then by pages
    assert [f.target for f in findings] == [STYLE, SCRIPT, IMAGE]
    style, script, image = findings
    assert (script.kind, script.code, script.severity, script.url) == (
        "mixed_content", "mixed_content.active", "error", HOME)
    assert (style.code, style.evidence["tag"]) == ("mixed_content.active", "link")
    assert (image.code, image.severity) == ("mixed_content.passive", "warning")
    # the page redirected to http does not count: two pages served over HTTPS load the image
    assert image.evidence == {"tag": "img", "pages": 2, "examples": [HOME, ARTICLE], "https_pages": 2,
                              "resource_count": 3}
    assert script.evidence["pages"] == 1 and script.evidence["examples"] == [HOME]
    assert image.message == f"HTTPS页面以HTTP明文加载图片：{IMAGE}（2个页面，浏览器提示不安全）"
    assert script.message == f"HTTPS页面以HTTP明文加载脚本：{SCRIPT}（1个页面，浏览器会拦截）"


def test_a_resource_off_the_homepage_is_reported_on_its_first_page() -> None:
    findings, _ = _judge(HOME, {ARTICLE: _page()})  # only the article was crawled
    [image] = findings
    assert (image.url, image.target, image.evidence["https_pages"]) == (ARTICLE, IMAGE, 1)


def test_a_site_without_https_pages_is_not_assessed() -> None:
    site = "http://www.example.gov.cn/"
    assert _judge(site, {site: _page(), MOVED: _page(final_url="http://www.example.gov.cn/old.html")}) == (
        [], "not_assessed")


def test_tagged_links_are_distinct_and_filtered_by_tag_and_prefix() -> None:
    data = _run(HOME, {})
    assert sorted(data.tagged_links(("img", "script"), "http://")) == [
        (IMAGE, "image", "img"), (SCRIPT, "script", "script")]
    assert data.tagged_links(("img",), "http://www.") == []
    assert sorted(data.tagged_links(("a",))) == [(HTTP_PAGE, "external", "a"), (ARTICLE, "page", "a")]
