"""临时报备: windows inclusive at both ends, kinds, validation."""

from __future__ import annotations

from datetime import date

import pytest

from govwatch.registry import RegistryError, active_filings, add_filing, list_filings
from govwatch.registry.filings import parse_day, parse_kinds
from govwatch.store.db import Store


def test_window_is_inclusive_at_both_ends(store: Store) -> None:
    site = store.site_id("http://www.nc.gov.cn/", "/")
    other = store.site_id("http://www.qs.gov.cn/", "/")
    filing = add_filing(store, "http://WWW.nc.gov.cn", "2026-12-01", "2026-12-03", " 网站改版 ")
    add_filing(store, "http://www.qs.gov.cn/", "2026-11-01", "2026-12-31", "机房搬迁", ["site_unreachable"])
    assert filing["reason"] == "网站改版" and filing["kinds"] is None and filing["site_id"] == site
    days = {d: [f["id"] for f in active_filings(store, site, date(2026, m, d))]
            for m, d in ((11, 30), (12, 1), (12, 2), (12, 3), (12, 4))}
    assert days == {30: [], 1: [filing["id"]], 2: [filing["id"]], 3: [filing["id"]], 4: []}
    [theirs] = active_filings(store, other, date(2026, 12, 2))
    assert theirs["kinds"] == ["site_unreachable"] and theirs["site_url"] == "http://www.qs.gov.cn/"


def test_one_day_filing(store: Store) -> None:
    site = store.site_id("http://www.nc.gov.cn/", "/")
    add_filing(store, "http://www.nc.gov.cn/", date(2026, 12, 2), date(2026, 12, 2), "停电", ["stale_column"])
    assert len(active_filings(store, site, date(2026, 12, 2))) == 1
    assert active_filings(store, site, date(2026, 12, 1)) == [] == active_filings(store, site, date(2026, 12, 3))


def test_list_filings(store: Store) -> None:
    store.site_id("http://www.nc.gov.cn/", "/")
    store.site_id("http://www.qs.gov.cn/", "/")
    add_filing(store, "http://www.nc.gov.cn/", "2026-12-05", "2026-12-06", "b")
    add_filing(store, "http://www.qs.gov.cn/", "2026-12-01", "2026-12-02", "a")
    assert [f["reason"] for f in list_filings(store)] == ["a", "b"]
    assert [f["reason"] for f in list_filings(store, "http://www.nc.gov.cn/")] == ["b"]


@pytest.mark.parametrize("starts, ends, reason, message", [
    ("2026-12-03", "2026-12-01", "x", "结束日期 2026-12-01 早于开始日期 2026-12-03"),
    ("2026-12-01", "2026-13-01", "x", "结束日期（--to）须为 YYYY-MM-DD 格式的日期，收到 '2026-13-01'"),
    ("20261201", "2026-12-02", "x", "开始日期（--from）须为 YYYY-MM-DD 格式的日期，收到 '20261201'"),
    ("2026/12/01", "2026-12-02", "x", "开始日期（--from）须为 YYYY-MM-DD 格式的日期"),
    ("2026-12-01", "2026-12-02", "  ", "--reason 须写明报备事由"),
])
def test_filing_validation(starts: str, ends: str, reason: str, message: str, store: Store) -> None:
    store.site_id("http://www.nc.gov.cn/", "/")
    with pytest.raises(RegistryError) as err:
        add_filing(store, "http://www.nc.gov.cn/", starts, ends, reason)
    assert message in str(err.value)
    assert list_filings(store) == []


def test_site_must_be_in_the_store(store: Store) -> None:
    with pytest.raises(RegistryError, match=r"系统中没有首页为 http://www.nowhere.gov.cn/ 的网站"):
        add_filing(store, "http://www.nowhere.gov.cn/", "2026-12-01", "2026-12-02", "x")
    with pytest.raises(RegistryError, match="不是可用的 http"):
        add_filing(store, "javascript:void(0)", "2026-12-01", "2026-12-02", "x")


def test_parse_helpers() -> None:
    assert parse_day("2026-02-28") == date(2026, 2, 28)
    with pytest.raises(RegistryError):
        parse_day("2026-02-30")
    assert parse_kinds(" stale_column, broken_link ,stale_column") == ["stale_column", "broken_link"]
    assert parse_kinds("") is None and parse_kinds(None) is None
    with pytest.raises(RegistryError, match="'Broken Link' 不是问题类型"):
        parse_kinds("stale_column,Broken Link")
