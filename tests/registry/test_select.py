"""Selecting registered sites by org subtree, skipping 例外/关停; site profiles and org paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from govwatch.registry import (
    RegistryError,
    import_file,
    org_by_code,
    org_path,
    select_sites,
    selection,
    site_profile,
    skipped_sites,
)
from govwatch.store.db import Store
from tests.registry.registry_helpers import PROVINCE, write_csv


@pytest.fixture()
def province(store: Store, tmp_path: Path) -> Store:
    assert import_file(store, write_csv(tmp_path / "province.csv", PROVINCE)).imported
    return store


def _urls(sites: list) -> list[str]:  # type: ignore[type-arg]
    return [s.url for s in sites]


def test_city_selects_its_own_and_its_counties_sites_not_the_provinces(province: Store) -> None:
    assert _urls(select_sites(province, "450100")) == [
        "http://www.nc.gov.cn/",  # the city's portal first, then its departments and their units
        "http://www.nc.gov.cn/fgw/",
        "http://jgrz.nc.gov.cn/",
        "http://www.qs.gov.cn/",  # then the orgs below: 青山县 and its town
        "http://www.qs.gov.cn/smz/",
    ]
    assert _urls(skipped_sites(province, "450100")) == ["http://jyj.qs.gov.cn/", "http://www.bh.gov.cn/"]


def test_county_and_township_and_department_subtrees(province: Store) -> None:
    assert _urls(select_sites(province, "450121")) == ["http://www.qs.gov.cn/", "http://www.qs.gov.cn/smz/"]
    assert _urls(select_sites(province, "450121101")) == ["http://www.qs.gov.cn/smz/"]
    assert _urls(select_sites(province, "450100-fgw")) == ["http://www.nc.gov.cn/fgw/", "http://jgrz.nc.gov.cn/"]
    assert select_sites(province, "450122") == [] and _urls(skipped_sites(province, "450122")) == [
        "http://www.bh.gov.cn/"]


def test_province_and_none_select_every_normal_site(province: Store) -> None:
    everything = select_sites(province, None)
    assert len(everything) == 8 and {s.status for s in everything} == {"正常"}
    assert _urls(select_sites(province, "450000")) == _urls(everything)
    assert _urls(everything)[:2] == ["http://www.nx.gov.cn/", "http://fgw.nx.gov.cn/"]
    assert "http://www.dj.gov.cn/" in _urls(everything)
    sel = selection(province, None)
    assert sel.org is None and {s.status for s in sel.skipped} == {"例外", "关停"}


def test_unregistered_sites_are_never_selected(province: Store) -> None:
    province.site_id("http://www.other.gov.cn/", "/")
    assert "http://www.other.gov.cn/" not in _urls(select_sites(province, None))


def test_unknown_org_code(province: Store) -> None:
    with pytest.raises(RegistryError, match="没有机构代码为 '999999' 的机构"):
        select_sites(province, "999999")


def test_registered_site_fields(province: Store) -> None:
    dept = next(s for s in select_sites(province, "450100") if s.role == "department")
    assert dept.org_path == ("宁川省", "宁川市", "宁川市发展和改革委员会")
    assert (dept.org_code, dept.parent_org_code, dept.has_services, dept.level) == ("450100-fgw", "450100", False,
                                                                                     "city")
    assert dept.scope_prefix == "/fgw/" and dept.as_dict()["org_path"] == list(dept.org_path)


def test_site_profile_for_the_engine(province: Store) -> None:
    site = next(s for s in select_sites(province, "450100") if s.role == "subordinate")
    profile = site_profile(province, site.id)
    assert profile["site_id"] == site.id and profile["role"] == "subordinate" and profile["has_services"] is True
    assert profile["org_name"] == "宁川市发展和改革委员会" and profile["org_code"] == "450100-fgw"
    assert profile["org_path"] == ["宁川省", "宁川市", "宁川市发展和改革委员会"]
    assert profile["sponsor"] == "宁川市价格认证中心" and profile["site_code"] == "4501000102"
    inspected = province.site_id("http://www.other.gov.cn/", "/")
    plain = site_profile(province, inspected)
    assert (plain["registered"], plain["role"], plain["has_services"], plain["org_path"], plain["status"]) == (
        False, "portal", True, [], "正常")
    with pytest.raises(RegistryError, match="没有编号为 99999 的网站"):
        site_profile(province, 99999)


def test_org_path(province: Store) -> None:
    town = org_by_code(province, "450121101")
    assert org_path(province, town.id) == ["宁川省", "宁川市", "青山县", "石门镇"]
    assert org_path(province, org_by_code(province, "450000").id) == ["宁川省"]
    assert org_path(province, None) == []
