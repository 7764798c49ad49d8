"""A page that lists messages itself (rows with 来信时间 / 办理状态) is a column page however
extraction typed it: found from the navigation and below channel pages, the consult column, its
message rows its items; a page of 办事指南 rows stays no column (real extraction of hand-written pages)."""

from __future__ import annotations

from datetime import date
from typing import Any

from govwatch.analysis.columns import columns_of
from govwatch.checks import run_checks
from tests.checks.casefiles import CASES, SITE, build_run, load

MESSAGES = load(CASES / "interaction" / "messages.yaml")


def _case(name: str) -> dict[str, Any]:
    return next(c for c in MESSAGES["cases"] if c["name"].startswith(name))


def _board(title: str, rows: list[tuple[str, str, str]]) -> str:
    """A 信箱 page's body: rows of (letter URL, title, status) dated 来信时间 in November 2026."""
    lis = "".join(f'<li><a href="{url}">{text}</a><span class="zt">{status}</span>'
                  f'<span class="sj">来信时间：2026-11-{10 + n:02d}</span></li>'
                  for n, (url, text, status) in enumerate(rows))
    return (f'<div class="position">当前位置：<a href="/">首页</a> &gt; 互动交流 &gt; {title}</div>'
            f'<h2>{title}</h2><p>来信须知：请如实填写姓名和联系方式。</p><ul class="xj-list">{lis}</ul>')


def test_a_navigation_page_that_lists_messages_is_the_consult_column_though_typed_an_article() -> None:
    data = build_run(MESSAGES, _case("a 政民互动 page from the navigation"))
    page = data.page(f"{SITE}zmhd/index.shtml") or {}
    assert page["page_type"] == "article" and "ColumnName" not in page["meta"]  # the premise: no column page by facts
    found = [(c.url.removeprefix(SITE), c.name, c.type, c.type_reason, c.discovered_by, c.items, c.blank,
              c.last_update) for c in columns_of(data)]
    assert found == [("zmhd/index.shtml", "政民互动", "consult", "message_list", "nav", 2, False, date(2026, 11, 2))]
    findings, _runs = run_checks(data, ["column_freshness"])
    assert not findings  # its letters are its items: no blank column


def test_a_navigation_page_of_service_guide_rows_stays_no_column() -> None:
    data = build_run(MESSAGES, _case("a navigation page with a table of 办事指南 rows"))
    assert (data.page(f"{SITE}bsfw/index.shtml") or {})["page_type"] == "guide"
    assert columns_of(data) == []


def test_boards_below_a_channel_page_that_list_messages_are_its_sub_columns() -> None:
    boards = {"hdjl/xzxx/index.shtml": ("县长信箱", [("/hdjl/xzxx/t1.html", "关于城区东关供暖管道漏水的问题", "办理中"),
                                                  ("/hdjl/xzxx/t2.html", "咨询农村宅基地翻建审批流程", "已办结")]),
              "hdjl/zxts/index.shtml": ("咨询投诉", [("/hdjl/zxts/t1.html", "反映小区夜间施工噪音扰民", "已答复"),
                                                  ("/hdjl/zxts/t2.html", "建议增设城北公交站点", "已答复")])}
    channel = ('<h2>互动交流</h2>' + "".join(f'<div class="box"><a href="/{url}">{name}</a></div>'
                                           for url, (name, _rows) in boards.items()))
    nav = '<div class="nav"><a href="/">首页</a><a href="/hdjl/index.shtml">互动交流</a></div>'
    case = {"pages": [{"url": "", "title": "示例县人民政府", "body": nav},
                      {"url": "hdjl/index.shtml", "title": "互动交流", "body": nav + channel},
                      *({"url": url, "title": name, "body": nav + _board(name, rows)}
                        for url, (name, rows) in boards.items())]}
    data = build_run({"as_of": "2026-11-22"}, case)
    assert {(data.page(f"{SITE}{url}") or {}).get("page_type") for url in boards} <= {"article", "other", "message"}
    found = {c.url.removeprefix(SITE): (c.type, c.discovered_by, c.items, c.blank) for c in columns_of(data)}
    assert found == {"hdjl/xzxx/index.shtml": ("consult", "channel", 2, False),
                     "hdjl/zxts/index.shtml": ("consult", "channel", 2, False)}
