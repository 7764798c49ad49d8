"""Finding the site's search on hand-made pages, and reading search answers
(govwatch.extract.site_search); the typo maker and the article choice of the site-search probe."""

from __future__ import annotations

from datetime import date

from govwatch.core.urls import Scope
from govwatch.crawl.sitefacts.site_search import dropped_character, recent_articles
from govwatch.extract.site_search import engine_of, find_search, read_results
from govwatch.rundata import RunData

HOME = "http://www.example.gov.cn/"
SCOPE = Scope.for_site(HOME)


def _page(body: str) -> str:
    return f'<html><head><meta charset="utf-8"><title>示例市人民政府</title></head><body>{body}</body></html>'


def test_a_get_form_with_a_search_button_is_the_search() -> None:
    found = find_search(_page(
        '<form action="/was5/web/search" method="get"><input type="hidden" name="channelid" value="200001">'
        '<input type="text" name="searchword" placeholder="请输入关键词"><input type="submit" value="搜索"></form>'), HOME)
    entry = found.entry
    assert entry is not None and not found.script_only
    assert (entry.how, entry.url, entry.method, entry.field, entry.engine) == (
        "form", "http://www.example.gov.cn/was5/web/search", "GET", "searchword", "trs_was5")
    assert entry.get_url("冬季 安全") == (
        "http://www.example.gov.cn/was5/web/search?channelid=200001&searchword=%E5%86%AC%E5%AD%A3+%E5%AE%89%E5%85%A8")


def test_a_known_engine_action_is_the_search_without_any_search_word() -> None:
    found = find_search(_page('<form action="jsearchfront/search.do" method="POST"><input name="q"></form>'), HOME)
    assert found.entry is not None
    assert (found.entry.url, found.entry.method, found.entry.field, found.entry.engine) == (
        "http://www.example.gov.cn/jsearchfront/search.do", "POST", "q", "hanweb_jsearchfront")


def test_the_action_query_is_kept_and_the_search_field_is_chosen_among_text_inputs() -> None:
    found = find_search(_page(
        '<form action="/search/index.jsp?site=1" id="searchForm"><input type="text" name="area" value="">'
        '<input type="text" name="keyword" class="kw"><button>检索</button></form>'), HOME)
    assert found.entry is not None
    assert found.entry.field == "keyword" and found.entry.fixed == (("site", "1"),)
    assert found.entry.params("X") == [("site", "1"), ("keyword", "X")]


def test_login_and_message_forms_are_not_searches() -> None:
    found = find_search(_page(
        '<form action="/login.do" class="search-login"><input name="user"><input type="password" name="pw"></form>'
        '<form action="/liuyan/submit.do"><input name="title"><textarea name="content"></textarea>'
        '<input type="submit" value="提交查询"></form>'
        '<form action="/vote.do"><input type="radio" name="v" value="1"><input type="submit" value="投票"></form>'), HOME)
    assert found.entry is None and not found.script_only and found.forms == 3


def test_a_form_submitted_by_script_or_a_box_outside_forms_is_script_driven() -> None:
    scripted = find_search(_page('<form action="javascript:doSearch()"><input id="kw" name="kw" placeholder="搜索">'
                                 '</form>'), HOME)
    assert scripted.entry is None and scripted.script_only
    loose = find_search(_page('<div class="search"><input type="text" id="searchKey" placeholder="请输入搜索内容">'
                              '<a onclick="go()">搜索</a></div>'), HOME)
    assert loose.entry is None and loose.script_only and loose.forms == 0


def test_without_a_form_a_link_to_a_known_engine_is_the_search() -> None:
    found = find_search(_page('<a href="/jrobot/search.do?webid=12">高级检索</a><a href="/about.html">关于</a>'), HOME)
    assert found.entry is not None
    assert (found.entry.how, found.entry.url, found.entry.field, found.entry.fixed) == (
        "link", "http://www.example.gov.cn/jrobot/search.do", "q", (("webid", "12"),))


def test_a_page_without_search_has_none() -> None:
    found = find_search(_page('<a href="/xwdt/">新闻动态</a><p>欢迎访问</p>'), HOME)
    assert found.entry is None and not found.script_only


def test_engine_patterns() -> None:
    assert engine_of("http://a.gov.cn/was5/web/search?x=1")["id"] == "trs_was5"  # type: ignore[index]
    assert engine_of("http://a.gov.cn/search?q=1")["id"] == "generic_search"  # type: ignore[index]
    assert engine_of("http://a.gov.cn/research/report.html") is None


RESULTS = _page(
    '<div class="nav"><a href="/">首页</a><a href="/xwdt/">新闻动态</a></div>'
    '<p>共找到2条结果</p><ul><li><a href="/art/2026/11/20/art_1_1.html">市政府召开常务会议研究部署冬季安全生产工作</a></li>'
    '<li><a href="/art/2026/11/19/art_1_2.html">关于冬季安全生产的通知…</a></li>'
    '<li><a href="http://www.other.cn/x.html">市政府召开常务会议（外站）</a></li></ul>'
    '<a href="/was5/web/search?page=2">下一页</a>')


def test_a_result_page_lists_the_article_by_url() -> None:
    page = read_results(RESULTS, HOME + "was5/web/search?searchword=x", scope=SCOPE, query="市政府召开常务会议",
                        expected_url=HOME + "art/2026/11/20/art_1_1.html", search_url=HOME + "was5/web/search")
    assert page.found and page.links == 4 and page.hits == 1  # home, column, two articles; not off-site, not page 2
    assert page.no_result is None and page.error is None


def test_a_truncated_result_title_is_the_article() -> None:
    page = read_results(RESULTS, HOME + "was5/web/search", scope=SCOPE, query="冬季安全生产",
                        expected_title="关于冬季安全生产的通知要求")
    assert page.found


def test_nothing_found_an_error_page_and_a_suggestion_are_read_from_the_text() -> None:
    none = read_results(_page("<p>抱歉，没有找到与“市政府召开常务会研究”相关的结果。</p>"), HOME + "s", scope=SCOPE,
                        query="市政府召开常务会研究", expected_url=HOME + "art/1.html", expected_title="市政府召开常务会议研究")
    assert not none.found and none.no_result == "没有找到" and none.links == 0
    zero = read_results(_page("<p>共找到 0 条</p>"), HOME + "s", scope=SCOPE, query="x")
    assert zero.no_result == "共找到 0 条"
    error = read_results(_page("<p>检索服务异常：系统繁忙，请稍后再试。</p>"), HOME + "s", scope=SCOPE, query="x")
    assert error.error == "检索服务异常" and not error.found
    corrected = read_results(_page('<p>您是不是要找：市政府召开常务会议</p><a href="/art/1.html">市政府召开常务会议</a>'),
                             HOME + "s", scope=SCOPE, query="市政府召开常务会", expected_url=HOME + "art/1.html")
    assert corrected.found and corrected.suggestion == "您是不是要找"


def test_the_typo_drops_a_middle_letter() -> None:
    assert dropped_character("市政府召开常务会议") == "市政府召常务会议"
    assert dropped_character("2026年第1季度") == "2026第1季度"  # the middle character, a letter
    assert dropped_character("12345678a9") == "123456789"  # digits are kept: the letter nearest the middle goes
    assert dropped_character("通知") == "通知"


def _run(pages: dict[str, dict[str, object]]) -> RunData:
    return RunData(site_url=HOME, scope=SCOPE, as_of=date(2026, 11, 22), fetches={}, pages=pages)


def test_recent_articles_are_the_newest_dated_distinct_titles() -> None:
    pages = {
        HOME + "a1.html": {"page_type": "article", "title": "较早的一篇文章标题", "publish_date": "2026-10-01"},
        HOME + "a2.html": {"page_type": "article", "title": "最新的一篇文章标题", "publish_date": "2026-11-20"},
        HOME + "a3.html": {"page_type": "article", "title": "最新的一篇文章标题", "publish_date": "2026-11-19"},
        HOME + "a4.html": {"page_type": "article", "title": "没有日期的文章标题", "publish_date": None},
        HOME + "a5.html": {"page_type": "article", "title": "短", "publish_date": "2026-11-21"},
        HOME + "l1.html": {"page_type": "list", "title": "新闻动态列表页面", "publish_date": "2026-11-22"},
        HOME + "a6.html": {"page_type": "article", "title": "第二新的文章标题", "publish_date": "2026-11-20"},
    }
    assert recent_articles(_run(pages), 3) == [(HOME + "a2.html", "最新的一篇文章标题"),
                                               (HOME + "a6.html", "第二新的文章标题"),
                                               (HOME + "a1.html", "较早的一篇文章标题")]


def test_recent_articles_do_not_follow_crawl_order() -> None:
    """Same day: the nearest the homepage first, then by URL, whatever order the crawl fetched them in."""
    depths = {"d/x.html": 3, "c/y.html": 2, "b/z.html": 2, "a/w.html": 4}
    pages = {HOME + path: {"page_type": "article", "title": f"同一天发布的文章{path[0]}", "publish_date": "2026-11-20"}
             for path in depths}
    fetches = {HOME + path: {"depth": depth} for path, depth in depths.items()}
    chosen = [recent_articles(RunData(site_url=HOME, scope=SCOPE, as_of=date(2026, 11, 22), fetches=fetches,
                                      pages=dict(order)), 3)
              for order in (pages.items(), reversed(pages.items()))]
    assert chosen[0] == chosen[1] == [(HOME + "b/z.html", "同一天发布的文章b"), (HOME + "c/y.html", "同一天发布的文章c"),
                                      (HOME + "d/x.html", "同一天发布的文章d")]
