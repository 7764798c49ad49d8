"""Column discovery, classification and freshness on hand-built page facts (no network)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from govwatch.analysis.columns import columns_of, homepage_updates_of
from govwatch.analysis.columns.classify import classify
from govwatch.checks import run_checks
from govwatch.core.siteconfig import parse_site_config
from govwatch.core.urls import Scope
from govwatch.rules import load_ruleset
from govwatch.rundata import RunData

AS_OF = date(2026, 11, 22)
HOME = "http://www.example.gov.cn/"


def day(age: int) -> str:
    return (AS_OF - timedelta(days=age)).isoformat()


def items(*ages: int | None, prefix: str = "a") -> list[dict]:
    return [{"title": f"{prefix}{i}", "url": f"{HOME}{prefix}/{i}.html", "date": day(a) if a is not None else None,
             "date_text": "", "date_source": "text" if a is not None else ""} for i, a in enumerate(ages)]


def list_page(name: str, its: list[dict], *, column_type: str | None = None, pages: list[str] | None = None,
              crumbs: list | None = None, **extra: object) -> dict:
    meta = {"ColumnName": name, **({"ColumnType": column_type} if column_type else {})}
    return {"page_type": "list", "meta": meta, "lists": [{"heading": name, "items": its, "source": "static"}],
            "pagination": {"kind": "createPageHTML" if pages else "none", "page_urls": pages or []},
            "breadcrumb": crumbs or [], "text_excerpt": "", **extra}


def make_data(pages: dict[str, dict], *, nav: list[tuple[str, str]], blocks: list[dict] | None = None,
              rules: str = "census-2015", config: dict | None = None) -> RunData:
    home = {"page_type": "home", "meta": {}, "nav": nav, "lists": blocks or [], "breadcrumb": []}
    all_pages = {HOME: home, **pages}
    fetches = {url: {"role": "page", "status": 200, "error": None} for url in all_pages}
    return RunData(site_url=HOME, scope=Scope.for_site(HOME), as_of=AS_OF, fetches=fetches, pages=all_pages,
                   rules=load_ruleset(rules), site_config=parse_site_config(config or {}, "test.yaml"))


def col(url: str) -> str:
    return f"{HOME}{url}/"


@pytest.mark.parametrize(("name", "meta", "expected"), [
    ("政务动态", None, ("dynamic", "keyword:动态")),
    ("政策解读", None, ("interpretation", "keyword:解读")),  # not policy: 解读 comes first
    ("规范性文件", None, ("policy", "keyword:文件")),
    ("人事任免", None, ("personnel", "keyword:人事")),
    ("工作信息", "工作动态", ("dynamic", "meta:工作动态")),
    ("专题专栏", None, ("other", "default")),
    ("领导信箱", None, ("consult", "keyword:信箱")),
    ("办事指南", None, ("service", "keyword:办事")),
])
def test_classify(name: str, meta: str | None, expected: tuple[str, str]) -> None:
    assert classify(name, meta) == expected


def test_window_boundary_14_fresh_15_stale_and_days_left() -> None:
    data = make_data({
        col("d14"): list_page("区县动态", items(14, 20)),
        col("d15"): list_page("图片新闻", items(15, 16)),
    }, nav=[("区县动态", col("d14")), ("图片新闻", col("d15"))])
    by_name = {c.name: c for c in columns_of(data)}
    assert (by_name["区县动态"].stale, by_name["区县动态"].days_left) == (False, 0)
    assert (by_name["图片新闻"].stale, by_name["图片新闻"].days_left) == (True, -1)
    findings, runs = run_checks(data)
    assert all(r.status != "error" for r in runs), runs
    stale = [f for f in findings if f.kind == "stale_column"]
    assert [f.url for f in stale] == [col("d15")]
    assert stale[0].evidence["days_overdue"] == 1 and stale[0].evidence["window_days"] == 14


def test_month_windows_are_calendar_months() -> None:
    # 6 months before 2026-11-22 is 2026-05-22: fresh on that day, stale the day before.
    data = make_data({
        col("tz"): list_page("通知公告", [{"title": "x", "url": f"{HOME}x.html", "date": "2026-05-22"}]),
        col("zc"): list_page("政策文件", [{"title": "y", "url": f"{HOME}y.html", "date": "2026-05-21"}]),
    }, nav=[("通知公告", col("tz")), ("政策文件", col("zc"))])
    by_name = {c.name: c for c in columns_of(data)}
    assert by_name["通知公告"].stale is False and by_name["通知公告"].days_left == 0
    assert by_name["政策文件"].stale is True and by_name["政策文件"].window_days(AS_OF) == 184


def test_future_undated_blank_and_unreadable() -> None:
    future_item = {"title": "未来", "url": f"{HOME}f.html", "date": (AS_OF + timedelta(days=40)).isoformat()}
    data = make_data({
        col("tz"): list_page("通知公告", [future_item, *items(3, None, 30, prefix="t")]),
        col("kb"): list_page("专题专栏", [], text_excerpt="专题专栏 暂无信息"),
        col("js"): {**list_page("工作动态", []), "needs_render": True, "endpoints": []},
        col("wd"): list_page("机构职能", items(None, None, prefix="w")),
    }, nav=[("通知公告", col("tz")), ("专题专栏", col("kb")), ("工作动态", col("js")), ("机构职能", col("wd"))])
    by_name = {c.name: c for c in columns_of(data)}
    notice = by_name["通知公告"]
    assert (notice.items, notice.undated, notice.last_update) == (4, 1, date.fromisoformat(day(3)))
    assert [it.url for it in notice.future] == [f"{HOME}f.html"]
    assert by_name["专题专栏"].blank and by_name["专题专栏"].placeholder == "暂无信息"
    assert by_name["工作动态"].read_via == "unread" and not by_name["工作动态"].blank
    assert by_name["机构职能"].type == "other" and by_name["机构职能"].stale is None
    findings, _ = run_checks(data)
    kinds = {(f.kind, f.url) for f in findings}
    assert ("future_date", f"{HOME}f.html") in kinds
    assert ("blank_column", col("kb")) in kinds
    assert ("column_unreadable", col("js")) in kinds
    assert ("undated_items", col("tz")) in kinds and ("undated_items", col("wd")) in kinds
    assert not any(k == "stale_column" for k, _ in kinds)  # future dates never count, but 3 days is fresh


def test_undated_only_column_with_window_is_stale() -> None:
    data = make_data({col("dt"): list_page("部门动态", items(None, None))}, nav=[("部门动态", col("dt"))])
    (column,) = columns_of(data)
    assert column.stale is True and column.last_update is None and column.days_left is None


def test_pagination_and_endpoint_items_are_counted_once() -> None:
    p1, p2 = col("dt"), col("dt") + "index_1.html"
    endpoint = f"{HOME}api/list.json"
    data = make_data({
        p1: list_page("部门动态", items(1, 2, 3), pages=[p2]),
        p2: list_page("部门动态", items(1, 2, 3) + items(40, prefix="b"), pages=[p1]),
        col("js"): {**list_page("图片新闻", []), "needs_render": True, "endpoints": [endpoint]},
        endpoint: {"page_type": "list", "meta": {}, "lists": [{"heading": "", "source": "endpoint",
                                                              "items": items(2, 9, prefix="j")}],
                   "pagination": {"kind": "none", "page_urls": []}},
    }, nav=[("部门动态", p1), ("图片新闻", col("js"))])
    by_name = {c.name: c for c in columns_of(data)}
    assert by_name["部门动态"].items == 4 and by_name["部门动态"].read_via == "script-pagination"
    assert by_name["部门动态"].list_pages == [p1, p2]
    js = by_name["图片新闻"]
    assert (js.read_via, js.items, js.last_update) == ("endpoint", 2, date.fromisoformat(day(2)))


def test_discovery_order_breadcrumb_parent_and_config() -> None:
    sub = col("zcwj/gfxwj")
    data = make_data({
        col("zcwj"): list_page("政策文件", items(5)),
        sub: list_page("规范性文件", items(10), crumbs=[["首页", HOME], ["政策文件", col("zcwj")],
                                                     ["规范性文件", None]]),
        col("tz"): list_page("通知公告", items(2)),
        col("zt"): list_page("专题专栏", items(1)),
    }, nav=[("政策文件", col("zcwj")), ("专题专栏", col("zt"))],
        blocks=[{"heading": "通知公告", "more_url": col("tz"), "items": items(2)}],
        config={"columns": [{"name": "专题专栏", "exclude": True},
                            {"url": col("tz"), "type": "dynamic", "key": True, "window_days": 1},
                            {"url": col("zdxm"), "name": "重大项目", "type": "other"}]})
    by_name = {c.name: c for c in columns_of(data)}
    assert "专题专栏" not in by_name
    assert by_name["政策文件"].discovered_by == "nav"
    assert by_name["通知公告"].discovered_by == "homepage"
    assert (by_name["通知公告"].type, by_name["通知公告"].type_reason, by_name["通知公告"].key) == \
        ("dynamic", "config", True)
    assert by_name["通知公告"].stale is True  # 2 days old against its own 1-day deadline
    assert (by_name["规范性文件"].discovered_by, by_name["规范性文件"].parent) == ("breadcrumb", col("zcwj"))
    assert by_name["重大项目"].discovered_by == "config" and by_name["重大项目"].read_via == "unread"


def test_homepage_updates_and_navigation_only_homepage() -> None:
    blocks = [{"heading": "要闻", "more_url": None, "items": items(0, 14, 15, prefix="h")},
              {"heading": "动态", "more_url": None,  # the same article again, and one dated in the future
               "items": [{"title": "h1", "url": f"{HOME}h/1.html", "date": day(14)}] + items(-3, prefix="f")}]
    data = make_data({}, nav=[], blocks=blocks)
    home = homepage_updates_of(data)
    assert (home.items_in_window, home.window_days, home.newest) == (2, 14, AS_OF)
    findings, _ = run_checks(data)
    few = [f for f in findings if f.kind == "homepage_few_updates"]
    assert few and few[0].evidence["items_in_window"] == 2 and few[0].evidence["min_items"] == 10
    assert any(f.kind == "future_date" and f.url == f"{HOME}f/0.html" for f in findings)
    # A navigation-only homepage is judged on its second-level pages (2015 V2).
    data = make_data({col("dt"): list_page("部门动态", items(20, 30))}, nav=[("部门动态", col("dt"))])
    home = homepage_updates_of(data)
    assert home.basis == "second-level pages" and home.items_in_window == 0
    assert {f.kind for f in run_checks(data)[0]} >= {"homepage_not_updated", "stale_column"}
