"""The SSRF guard's policy (crawl/address_guard.py) and its setting's validation."""

from __future__ import annotations

import pytest

from govwatch.core.settings import ConfigError, load_settings
from govwatch.crawl.address_guard import AddressGuard, address_kind


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("172.31.255.254", "private"), ("192.168.1.1", "private"),
    ("fd00:ec2::254", "private"), ("fec0::1", "private"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("fe80::1%eth0", "link-local"),
    ("100.64.0.1", "CGNAT"), ("100.127.255.254", "CGNAT"),
    ("224.0.0.1", "multicast"), ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"),
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:169.254.169.254", "link-local"), ("::ffff:10.0.0.1", "private"),
    ("2002:7f00:1::", "loopback"), ("64:ff9b::a00:1", "private"),  # 6to4 and NAT64 carrying 127.0.0.1, 10.0.0.1
    ("240.0.0.1", "private"), ("192.0.2.1", "private"),  # reserved and documentation ranges
    ("not-an-ip", "invalid"),
])
def test_non_public_addresses_are_named(address: str, kind: str) -> None:
    assert address_kind(address) == kind


@pytest.mark.parametrize("address", ["8.8.8.8", "202.96.128.86", "2400:3200::1", "::ffff:8.8.8.8", "100.128.0.1",
                                     "172.32.0.1"])
def test_public_addresses_pass(address: str) -> None:
    assert address_kind(address) is None
    assert AddressGuard.for_site("http://www.example.gov.cn/").allows("other.example.cn", 80, address)


def test_the_sites_own_host_and_port_may_be_private_but_not_its_other_ports() -> None:
    guard = AddressGuard.for_site("http://127.0.0.1:8001/index.html")
    assert guard.allows("127.0.0.1", 8001, "127.0.0.1")
    refusal = guard.refusal("127.0.0.1", 8002, "127.0.0.1")
    assert refusal is not None and "loopback" in refusal
    assert not guard.allows("localhost", 8001, "127.0.0.1")  # another name is another host


def test_a_seed_on_a_default_port_also_allows_the_other_scheme() -> None:
    guard = AddressGuard.for_site("http://intranet.gov.local/")
    assert guard.allows("intranet.gov.local", 443, "10.0.0.5")
    assert guard.allows("INTRANET.gov.local.", 80, "10.0.0.5")
    assert not guard.allows("intranet.gov.local", 8080, "10.0.0.5")
    assert not guard.allows("oa.gov.local", 80, "10.0.0.6")


def test_the_allow_list_holds_networks_and_names() -> None:
    guard = AddressGuard.for_site("http://www.example.gov.cn/",
                                  ["127.0.0.0/8", "::1", "intranet.example", "*.corp.example"])
    assert guard.allows("anything", 9, "127.5.5.5")
    assert guard.allows("anything", 9, "::ffff:127.0.0.1")
    assert guard.allows("anything", 9, "::1")
    assert guard.allows("intranet.example", 80, "10.0.0.1")
    assert guard.allows("a.b.corp.example", 80, "192.168.0.1")
    assert not guard.allows("corp.example.evil", 80, "192.168.0.1")
    assert not guard.allows("anything", 80, "169.254.169.254")
    assert guard.allows_all("x", 80, ["127.0.0.1", "8.8.8.8"])
    assert not guard.allows_all("x", 80, ["8.8.8.8", "10.0.0.1"])


@pytest.mark.parametrize("entry", ["10.0.0.0/33", "not a host", "-bad-.example", "", "http://x/"])
def test_unusable_allow_list_entries_are_refused_by_the_settings(entry: str) -> None:
    with pytest.raises(ConfigError, match="crawl.allow_private"):
        load_settings(overrides={"crawl": {"allow_private": [entry]}}, environ={})


def test_the_allow_list_setting_accepts_networks_and_names() -> None:
    settings = load_settings(environ={"GOVWATCH_CRAWL__ALLOW_PRIVATE": "127.0.0.0/8, intranet.example"})
    assert settings.crawl.allow_private == ["127.0.0.0/8", "intranet.example"]
    assert load_settings(environ={}).crawl.allow_private == []
