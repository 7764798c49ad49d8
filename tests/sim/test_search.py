"""The simulated sites' own search (govwatch.sim.search): each mode answers as its manifest entry
says, read back with the extractor the site-search probe uses (pure generation, no sockets)."""

from __future__ import annotations

from datetime import date

import pytest

from govwatch.core.urls import Scope
from govwatch.crawl.sitefacts.site_search import dropped_character
from govwatch.extract.site_search import find_search, read_results
from govwatch.sim import Portfolio, SimOptions
from govwatch.sim.manifest import site_entry
from govwatch.sim.options import SiteSpec, default_sites
from govwatch.sim.search import matches
from govwatch.sim.site import SiteGenerator

OPTIONS = SimOptions(seed=7, as_of=date(2026, 11, 22), today=date(2026, 11, 22), site_pages=120, hostile=False,
                     sites=default_sites() + (SiteSpec("wsj", "legacy", "host", "department", dept="wsj"),))


@pytest.fixture(scope="module")
def portfolio() -> Portfolio:
    return Portfolio.with_fake_ports(OPTIONS)


def _ask(gen: SiteGenerator, words: str) -> tuple[int, bytes, str, str]:
    """(status, body, content type, URL) of the site's search for ``words``, asked as the probe would."""
    home = gen.respond("GET", "")
    entry = find_search(home.body, gen.base_url, home.content_type).entry
    assert entry is not None
    url = entry.get_url(words)
    path, _, query = url[len(gen.base_url):].partition("?")
    answer = gen.respond("GET", path, query)
    return answer.status, answer.body, answer.content_type, url


def _newest(gen: SiteGenerator) -> tuple[str, str]:
    col = gen.columns[0]
    head = gen.factory.headline(col, 1)
    return gen.url(gen.layout.item_path(col, 1, head.when)), head.title


def test_the_modes_and_the_manifest(portfolio: Portfolio) -> None:
    modes = {sid: site_entry(gen)["search"]["mode"] for sid, gen in portfolio.sites.items()}
    assert modes == {"trs": "tolerant", "jcms": "exact", "legacy": "none", "fgw": "error500", "jyj": "error_page",
                     "wsj": "exact"}
    legacy = portfolio.sites["legacy"]
    assert b"<form" not in legacy.respond("GET", "").body
    assert legacy.respond("GET", "search/search.asp", "keyword=x").status == 404
    assert site_entry(legacy)["search"] == {"mode": "none", "url": None, "method": "GET", "field": None,
                                            "typo_tolerant": False, "expect": ["search_missing"]}


@pytest.mark.parametrize("site_id", ["trs", "jcms", "wsj"])
def test_a_working_search_finds_the_article_by_its_title(portfolio: Portfolio, site_id: str) -> None:
    gen = portfolio.sites[site_id]
    url, title = _newest(gen)
    status, body, ctype, asked = _ask(gen, title[:20])
    page = read_results(body, asked, scope=Scope.for_site(gen.base_url), query=title[:20], expected_url=url,
                        expected_title=title, content_type=ctype)
    assert status == 200 and page.found and page.hits >= 1 and page.no_result is None


@pytest.mark.parametrize(("site_id", "tolerant"), [("trs", True), ("jcms", False), ("wsj", False)])
def test_only_the_tolerant_search_corrects_a_dropped_character(portfolio: Portfolio, site_id: str,
                                                                tolerant: bool) -> None:
    gen = portfolio.sites[site_id]
    url, title = _newest(gen)
    typo = dropped_character(title[:20])
    status, body, ctype, asked = _ask(gen, typo)
    page = read_results(body, asked, scope=Scope.for_site(gen.base_url), query=typo, expected_url=url,
                        expected_title=title, content_type=ctype)
    assert status == 200 and page.found is tolerant
    assert (page.suggestion is not None) is tolerant and (page.no_result is None) is tolerant


def test_a_gbk_site_is_asked_in_gbk(portfolio: Portfolio) -> None:
    gen = portfolio.sites["wsj"]
    home = gen.respond("GET", "")
    entry = find_search(home.body, gen.base_url, home.content_type).entry
    assert entry is not None and entry.charset in ("gb18030", "gbk")
    assert entry.get_url("卫生") == gen.base_url + "search/search.asp?keyword=%CE%C0%C9%FA"


def test_broken_searches_answer_500_or_an_error_page(portfolio: Portfolio) -> None:
    status, _body, _ctype, _url = _ask(portfolio.sites["fgw"], "会议")
    assert status == 500
    status, body, ctype, url = _ask(portfolio.sites["jyj"], "会议")
    page = read_results(body, url, scope=Scope.for_site(url), query="会议", content_type=ctype)
    assert status == 200 and page.error == "检索服务异常" and not page.found


def test_matching() -> None:
    assert matches("市政府召开常务会议", "常务会议", tolerant=False)
    assert not matches("市政府召开常务会议", "市政府召常务会议", tolerant=False)
    assert matches("市政府召开常务会议", "市政府召常务会议", tolerant=True)
    assert not matches("市政府召开常务会议", "市政召常务会议", tolerant=True)  # two characters off
    assert not matches("市政府召开常务会议", "  ", tolerant=True)
