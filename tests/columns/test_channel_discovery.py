"""Columns below channel pages and in the site map, on hand-built page facts (no network)."""

from __future__ import annotations

from govwatch.analysis.columns import columns_of
from govwatch.checks import run_checks
from tests.columns.test_columns_unit import HOME, items, list_page, make_data


def _links(*targets: tuple[str, str]) -> list[dict]:
    return [{"url": url, "tag": "a", "text": text} for text, url in targets]


def _channel(name: str, *subs: tuple[str, str]) -> dict:
    """A TRS channel page: a ColumnName meta tag, no items, links to its sub-columns."""
    return {"page_type": "list", "meta": {"ColumnName": name}, "lists": [], "pagination": {"kind": "none"},
            "breadcrumb": [], "text_excerpt": "", "links": _links(*subs)}


def test_a_channel_page_is_no_blank_column_and_its_boards_are_consult_columns() -> None:
    boards = [("县长信箱", f"{HOME}hdjl/xzxx/"), ("咨询投诉", f"{HOME}hdjl/zxts/")]
    data = make_data({
        f"{HOME}hdjl/": _channel("互动交流", *boards),
        f"{HOME}hdjl/xzxx/": list_page("县长信箱", items(3, 40, prefix="x")),
        f"{HOME}hdjl/zxts/": list_page("咨询投诉", items(5, prefix="z")),
        f"{HOME}gzdt/": list_page("工作动态", items(1, 2, 3)),
    }, nav=[("互动交流", f"{HOME}hdjl/"), ("工作动态", f"{HOME}gzdt/")])
    found = {c.url.removeprefix(HOME): (c.type, c.discovered_by) for c in columns_of(data)}
    assert found == {"gzdt/": ("dynamic", "nav"), "hdjl/xzxx/": ("consult", "channel"),
                     "hdjl/zxts/": ("consult", "channel")}
    findings, _runs = run_checks(data)
    assert not [f for f in findings if f.kind in ("blank_column", "no_consult_channel")]


def test_a_blank_column_linking_sibling_columns_stays_a_blank_column() -> None:
    siblings = [("政策文件", f"{HOME}xxgk/zcwj/"), ("规划计划", f"{HOME}xxgk/ghjh/")]
    blank = list_page("通知公告", [], links=_links(*siblings), text_excerpt="暂无信息")
    data = make_data({
        f"{HOME}xxgk/tzgg/": blank,
        f"{HOME}xxgk/zcwj/": list_page("政策文件", items(3, 4, 5)),
        f"{HOME}xxgk/ghjh/": list_page("规划计划", items(3, 4, 5)),
        f"{HOME}gzdt/": list_page("工作动态", items(1, 2, 3)),
    }, nav=[("通知公告", f"{HOME}xxgk/tzgg/"), ("工作动态", f"{HOME}gzdt/")])
    by_url = {c.url.removeprefix(HOME): c for c in columns_of(data)}
    assert by_url["xxgk/tzgg/"].blank  # the siblings do not lie below it: not a channel page
    assert (by_url["xxgk/zcwj/"].discovered_by, by_url["xxgk/ghjh/"].discovered_by) == ("channel", "channel")


def test_a_column_only_in_the_site_map_is_found() -> None:
    home_links = [{"url": f"{HOME}sitemap.html", "tag": "a", "text": "网站地图"}]
    data = make_data({
        f"{HOME}sitemap.html": {"page_type": "other", "meta": {}, "lists": [], "breadcrumb": [],
                                "links": _links(("人事信息", f"{HOME}rsxx/"), ("工作动态", f"{HOME}gzdt/"))},
        f"{HOME}rsxx/": list_page("人事信息", items(500, 600, 700)),
        f"{HOME}gzdt/": list_page("工作动态", items(1, 2, 3)),
    }, nav=[("工作动态", f"{HOME}gzdt/")])
    data.homepage()["links"] = home_links  # type: ignore[index]
    found = {c.url.removeprefix(HOME): (c.type, c.discovered_by, c.stale) for c in columns_of(data)}
    assert found == {"gzdt/": ("dynamic", "nav", False), "rsxx/": ("personnel", "sitemap", True)}
