"""The dark-link and injected-embed check over pages extracted from hand-written HTML."""

from __future__ import annotations

from datetime import date
from typing import Any

from govwatch.checks import run_checks
from govwatch.core.urls import Scope
from govwatch.extract import extract_page, facts_to_json
from govwatch.rundata import RunData

SITE = "http://www.example.gov.cn/"


def _run(pages: dict[str, str]) -> list[Any]:
    facts = {SITE + path: facts_to_json(extract_page(html.encode(), SITE + path)) for path, html in pages.items()}
    fetches = {url: {"role": "page", "kind": "page", "status": 200, "error": None} for url in facts}
    data = RunData(site_url=SITE, scope=Scope.for_site(SITE), as_of=date(2026, 12, 1), fetches=fetches,
                   pages=facts)
    findings, runs = run_checks(data, ["security.signs"])
    assert runs[0].status == "ok", runs[0].error
    return findings


def _page(body: str, head: str = "") -> str:
    return f"<html><head>{head}</head><body><p>本站新闻</p>{body}</body></html>"


def test_hidden_offsite_links_are_dark_links_with_their_reason() -> None:
    findings = _run({"a.html": _page(
        '<div style="display:none"><a href="http://bet.example.com/">澳门赌场</a></div>'
        '<a class="x" href="http://spam.example.net/">友情推荐</a>', head="<style>.x{font-size:0}</style>")})
    got = {(f.target, f.evidence["reason"], f.evidence["category"]) for f in findings if f.kind == "dark_link"}
    assert got == {("http://bet.example.com/", "display_none", "gambling"),
                   ("http://spam.example.net/", "zero_font", None)}


def test_benign_and_onsite_hidden_links_and_visible_links_are_not_dark_links() -> None:
    findings = _run({"a.html": _page(
        '<div style="display:none"><a href="http://www.gov.cn/">中国政府网</a></div>'
        '<a href="/content.html" style="position:absolute;left:-9999px">跳到正文</a>'
        '<a href="http://bet.example.com/">澳门赌场</a>')})
    assert [f for f in findings if f.kind == "dark_link"] == []


def test_a_hidden_iframe_is_injected_and_a_template_script_host_is_not() -> None:
    template = '<script src="http://stats.example.org/count.js"></script>'
    pages = {f"p{i}.html": _page(template) for i in range(4)}
    pages["p0.html"] = _page(template + '<iframe src="http://ad.example.com/f.html" width="0" height="0"></iframe>')
    findings = [f for f in _run(pages) if f.kind == "tampering"]
    assert [(f.url, f.code, f.severity) for f in findings] == [
        (SITE + "p0.html", "security.injected_iframe", "error")]
    assert findings[0].evidence["hidden"]


def test_a_script_host_on_one_page_of_many_is_reported_as_a_warning() -> None:
    pages = {f"p{i}.html": _page("") for i in range(5)}
    pages["p3.html"] = _page('<script src="http://evil.example.net/x.js"></script>')
    findings = [f for f in _run(pages) if f.kind == "tampering"]
    assert [(f.url, f.target, f.severity) for f in findings] == [
        (SITE + "p3.html", "http://evil.example.net/x.js", "warning")]
