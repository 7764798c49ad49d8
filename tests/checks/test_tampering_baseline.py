"""The baseline tampering check over in-memory run pairs built from hand-written HTML."""

from __future__ import annotations

from datetime import date
from typing import Any

from govwatch.checks import run_checks
from govwatch.core.model import Finding
from govwatch.core.urls import Scope
from govwatch.extract import extract_page, facts_to_json
from govwatch.rundata import RunData

SITE = "http://www.example.gov.cn/"
LIST = SITE + "xwdt/index.html"
NEWS = ('<ul><li><a href="/xwdt/1.html">市政府召开常务会议</a><span>2026-11-20</span></li>'
        '<li><a href="http://www.people.com.cn/a.html">人民网报道</a></li></ul>')
COLUMN = '<meta name="ColumnName" content="新闻动态">'  # a list page (extract.article.classify_page)
FOOTER = ('<div class="footer"><a href="http://www.beian.gov.cn/">备案</a>'
          '<a href="http://www.city-daily.com/">日报</a></div>')


def _html(body: str, title: str = "某市人民政府", head: str = "") -> str:
    return f"<html><head><title>{title}</title>{head}</head><body><h1>某市人民政府</h1>{body}{FOOTER}</body></html>"


def _data(pages: dict[str, str], *, as_of: date, baseline: RunData | None = None) -> RunData:
    bodies = {url: html.encode() for url, html in pages.items()}
    facts = {url: facts_to_json(extract_page(body, url)) for url, body in bodies.items()}
    fetches = {url: {"role": "page", "kind": "page", "status": 200, "error": None,
                     "content_type": "text/html; charset=utf-8"} for url in facts}
    return RunData(site_url=SITE, scope=Scope.for_site(SITE), as_of=as_of, fetches=fetches, pages=facts,
                   bodies=bodies, baseline=baseline)


def _check(before: dict[str, str] | None, after: dict[str, str]) -> tuple[list[Finding], Any]:
    baseline = _data(before, as_of=date(2026, 11, 1)) if before is not None else None
    findings, runs = run_checks(_data(after, as_of=date(2026, 12, 1), baseline=baseline), ["tampering.baseline"])
    return findings, runs[0]


def _site(home_extra: str = "", list_extra: str = "", *, title: str = "某市人民政府") -> dict[str, str]:
    """The homepage and one list page."""
    return {SITE: _html(NEWS + home_extra, title=title), LIST: _html(NEWS + list_extra, "新闻动态", COLUMN)}


def test_no_baseline_is_not_assessed() -> None:
    findings, run = _check(None, _site())
    assert findings == [] and run.status == "not_assessed" and run.error


def test_new_onsite_news_items_are_no_tampering() -> None:
    more = ('<ul><li><a href="/xwdt/2.html">全市安全生产工作会议召开</a><span>2026-11-30</span></li>'
            '<li><a href="http://www.xinhuanet.com/b.html">新华网转载</a></li></ul>')
    findings, run = _check(_site(), _site(more, more))
    assert run.status == "ok" and findings == []


def test_a_new_gambling_link_to_an_unknown_host_is_an_error_with_the_term_and_a_diff() -> None:
    hack = ('<div style="display:none"><p>太阳城娱乐平台全新上线</p>'
            '<a href="http://bet.example.com/">澳门赌场在线</a></div>')
    findings, run = _check(_site(), _site(hack))
    assert run.status == "ok"
    (f,) = findings
    assert (f.kind, f.code, f.indicator, f.severity, f.url, f.target) == (
        "tampering", "security.baseline_change", "安全", "error", SITE, "http://bet.example.com/")
    ev = f.evidence
    assert ev["signal"] == "baseline_change" and ev["baseline_as_of"] == "2026-11-01"
    assert {"太阳城娱乐", "澳门赌场"} <= {t["term"] for t in ev["new_terms"]}
    assert [ln["url"] for ln in ev["new_links"]] == ["http://bet.example.com/"]
    assert "+太阳城娱乐平台全新上线" in ev["diff"].splitlines()
    assert f.message.startswith("与上次检查（2026-11-01）相比，页面新增了")


def test_a_visible_gambling_link_on_a_list_page_is_found_there() -> None:
    findings, _run = _check(_site(), _site(list_extra='<a href="http://casino.example.net/x">百家乐</a>'))
    assert [(f.url, f.target, f.severity) for f in findings] == [(LIST, "http://casino.example.net/x", "error")]


def test_a_homepage_title_changed_to_banned_terms_is_reported() -> None:
    findings, _run = _check(_site(), _site(title="澳门赌场_某市人民政府"))
    (f,) = findings
    assert f.severity == "error" and f.target is None
    assert f.evidence["title"] == {"baseline": "某市人民政府", "current": "澳门赌场_某市人民政府"}
    assert "首页标题被改为「澳门赌场_某市人民政府」" in f.message


def test_a_new_link_to_www_gov_cn_is_no_tampering() -> None:
    findings, _run = _check(_site(), _site('<a href="http://www.gov.cn/zhengce/">国务院政策</a>'))
    assert findings == []


def test_a_new_link_to_a_host_the_page_already_links_to_is_an_ordinary_update() -> None:
    findings, _run = _check(_site(), _site('<a href="http://www.city-daily.com/2026/1130.html">日报报道</a>'))
    assert findings == []


def test_a_new_link_to_an_unknown_host_without_banned_terms_is_a_warning() -> None:
    findings, _run = _check(_site(), _site('<a href="http://unknown.example.org/">合作伙伴</a>'))
    assert [(f.target, f.severity, f.evidence["new_terms"]) for f in findings] == [
        ("http://unknown.example.org/", "warning", [])]


def test_a_new_script_host_is_a_warning() -> None:
    findings, _run = _check(_site(), _site('<script src="http://evil.example.net/x.js"></script>'))
    (f,) = findings
    assert (f.url, f.severity, f.target) == (SITE, "warning", "http://evil.example.net/x.js")
    assert f.evidence["new_embed_hosts"] == ["evil.example.net"] and f.evidence["new_links"] == []
    assert "evil.example.net" in f.message


def test_a_script_host_already_in_the_baseline_and_articles_are_not_compared() -> None:
    script = '<script src="http://stats.example.org/c.js"></script>'
    article = SITE + "xwdt/1.html"
    before = {**_site(script), article: _html("<p>正文</p>", title="市政府召开常务会议")}
    after = {**_site(script), article: _html('<p>正文</p><a href="http://bet.example.com/">澳门赌场</a>',
                                            title="市政府召开常务会议")}
    findings, run = _check(before, after)
    assert run.status == "ok" and findings == []
