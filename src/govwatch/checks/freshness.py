"""Update indicators (docs/sources.md §1, §2, §4): 首页不更新, 首页栏目, 栏目不更新, 空白栏目, future dates.

Pure functions of the run's column figures (:mod:`govwatch.analysis.columns`) and the
rule table's windows; every number a verdict depends on is in the evidence.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from govwatch.analysis.columns import columns_of, homepage_updates_of
from govwatch.analysis.columns.classify import COLUMN_TYPE_LABELS
from govwatch.checks import NotAssessed, check
from govwatch.core.model import Finding
from govwatch.rundata import RunData


@check("column_freshness", family="freshness", kinds=("stale_column", "blank_column", "undated_items",
                                                      "column_unreadable"))
def column_freshness(data: RunData) -> Iterator[Finding]:
    """Columns not updated within their window, blank columns, undated and unreadable lists."""
    for col in columns_of(data):
        base = {"column": col.name, "type": col.type, "type_reason": col.type_reason, "read_via": col.read_via,
                "items": col.items, "undated": col.undated, "first_level": col.parent is None}
        if col.blank:
            yield Finding(
                kind="blank_column", code="freshness.blank", indicator="空白栏目", url=col.url,
                message=f"栏目「{col.name}」为空白栏目（无任何信息{'，仅显示“' + col.placeholder + '”' if col.placeholder else ''}）",
                evidence={**base, "placeholder": col.placeholder})
            continue
        if col.read_via == "unread":
            yield Finding(
                kind="column_unreadable", code="freshness.unreadable", indicator="栏目不更新", url=col.url,
                severity="warning", message=f"栏目「{col.name}」的列表由脚本生成，未能读取（渲染已关闭或失败）",
                evidence={**base, "notes": col.notes})
            continue
        if col.stale:
            window = col.window
            assert window is not None
            overdue = -col.days_left if col.days_left is not None else None
            when = (f"最近更新{col.last_update.isoformat()}，已超期{overdue}天" if col.last_update
                    else f"列表中没有{data.as_of.isoformat()}或之前发布的信息" if col.after_as_of
                    else "列表中的信息均未注明发布时间")
            yield Finding(
                kind="stale_column", code=f"freshness.stale.{col.type}", indicator="栏目不更新", url=col.url,
                message=f"{COLUMN_TYPE_LABELS.get(col.type, col.type)}类栏目「{col.name}」超过{window.label()}未更新（{when}）",
                evidence={**base, "window": window.label(), "window_days": col.window_days(data.as_of),
                          "last_update": col.last_update.isoformat() if col.last_update else None,
                          "expires": col.expires.isoformat() if col.expires else None, "days_overdue": overdue})
        if col.undated:
            yield Finding(
                kind="undated_items", code="freshness.undated", indicator="栏目不更新", url=col.url,
                severity="warning",
                message=f"栏目「{col.name}」有{col.undated}条信息未注明发布时间（未注明发布时间的视为不更新）",
                evidence={**base, "examples": [{"title": it.title, "url": it.url} for it in col.undated_examples]})


@check("future_dates", family="freshness", kinds=("future_date",))
def future_dates(data: RunData) -> Iterator[Finding]:
    """Items or articles dated after the day their page was fetched (and after the inspection day):
    a date in the future, never an update; reported per article. A date after an earlier ``--as-of``
    but not after the crawl is real: outside the inspection period, not future (docs/columns.md)."""
    as_of = data.as_of
    reported: set[str] = set()

    def finding(url: str, shown_on: str, when: date, title: str, date_text: str, where: str) -> Finding:
        limit = data.future_after(shown_on)  # shown_on: the page that showed the date
        fetched = data.fetched_on(shown_on)
        source = shown_on if shown_on != url else None
        return Finding(
            kind="future_date", code="freshness.future_date", indicator="栏目不更新", url=url, source=source,
            message=(f"信息「{title}」的发布日期{when.isoformat()}晚于抓取页面的日期{limit.isoformat()}"
                     f"（监测时间点{as_of.isoformat()}），为未来日期"),
            evidence={"date": when.isoformat(), "date_text": date_text, "as_of": as_of.isoformat(),
                      "fetched_on": fetched.isoformat() if fetched else None,
                      "days_ahead": (when - limit).days, "title": title, "where": where})

    for col in columns_of(data):
        for item in col.future:
            url = item.url or item.source
            if url not in reported:
                reported.add(url)
                assert item.date is not None  # col.future holds dated items only
                yield finding(url, item.source, item.date, item.title, item.date_text, f"栏目「{col.name}」")
    home = homepage_updates_of(data)
    for title, item_url, when in home.future:
        target = item_url or data.site_url
        if target not in reported:
            reported.add(target)
            yield finding(target, data.site_url, when, title, "", "首页")
    for url, facts in data.pages(page_type="article"):
        published = facts.get("publish_date")
        if published and url not in reported and date.fromisoformat(published) > data.future_after(url):
            reported.add(url)
            yield finding(url, url, date.fromisoformat(published), facts.get("title") or "", "", "文章页")


@check("homepage_updates", family="freshness", kinds=("homepage_not_updated", "homepage_few_updates"))
def homepage_update_checks(data: RunData) -> Iterator[Finding]:
    """首页不更新 (no dated homepage item in the window) and 首页栏目 (fewer items than the table's minimum)."""
    home = homepage_updates_of(data)
    if home.basis == "none":
        raise NotAssessed("首页未能抓取或没有可判断更新的内容")
    evidence = {"window_days": home.window_days, "cutoff": home.cutoff.isoformat(),
                "items_in_window": home.items_in_window, "newest": home.newest.isoformat() if home.newest else None,
                "dated_items": home.dated_items, "basis": home.basis, "min_items": data.rules.homepage_min_items}
    if home.items_in_window == 0:
        newest = f"最近一条信息发布于{home.newest.isoformat()}" if home.newest else "首页无注明日期的信息"
        yield Finding(kind="homepage_not_updated", code="freshness.homepage_not_updated", indicator="首页不更新",
                      url=data.site_url, message=f"首页{home.window_days}天内没有更新（{newest}）", evidence=evidence)
    if home.items_in_window < data.rules.homepage_min_items:
        yield Finding(kind="homepage_few_updates", code="freshness.homepage_few_updates", indicator="首页栏目",
                      url=data.site_url,
                      message=(f"首页{home.window_days}天内更新信息{home.items_in_window}条，"
                               f"少于{data.rules.homepage_min_items}条"), evidence=evidence)
