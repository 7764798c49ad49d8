"""Settings, name matching, host mapping and run-fact storage of the security probes."""

from __future__ import annotations

from pathlib import Path

import pytest

from govwatch.core.netconfig import parse_hosts
from govwatch.core.settings import ConfigError, load_settings
from govwatch.crawl.sitefacts.tls import hostname_matches
from govwatch.store.db import Store
from tests.security.pki import TestPKI


def _load(**security: object) -> object:
    return load_settings(overrides={"security": security}, environ={})


def test_security_defaults() -> None:
    s = load_settings(environ={}).security
    assert (s.enabled, s.tls, s.ipv6, s.cloaking, s.cloaking_sample) == (True, True, True, True, 5)
    assert "Baiduspider/2.0" in s.cloaking_user_agent


@pytest.mark.parametrize(("values", "named"), [
    ({"cloaking_sample": 0}, "security.cloaking_sample"),
    ({"timeout": -1}, "security.timeout"),
    ({"hosts": ["gov.test"]}, "security.hosts"),
    ({"hosts": ["gov.test=not-an-ip"]}, "security.hosts"),
    ({"ca_file": "/nonexistent/ca.pem"}, "security.ca_file"),
    ({"ipv6": "maybe"}, "security.ipv6"),
    ({"tls_version": 3}, "security.tls_version"),
])
def test_bad_security_settings_name_the_key(values: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        _load(**values)


def test_ca_file_must_hold_certificates(tmp_path: Path, pki: TestPKI) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="security.ca_file.*not a PEM file"):
        _load(ca_file=str(junk))
    assert load_settings(overrides={"security": {"ca_file": str(pki.root_file)}}, environ={}).security.ca_file


def test_environment_sets_security_keys() -> None:
    s = load_settings(environ={"GOVWATCH_SECURITY__IPV6": "off", "GOVWATCH_SECURITY__HOSTS": "a.test=::1,a.test=127.0.0.1"})
    assert s.security.ipv6 is False
    assert parse_hosts(s.security.hosts) == {"a.test": ["::1", "127.0.0.1"]}


def test_parse_hosts_accepts_bracketed_ipv6_and_folds_case() -> None:
    assert parse_hosts(["WWW.Example.gov.cn=[2001:db8::5]"]) == {"www.example.gov.cn": ["2001:db8::5"]}


@pytest.mark.parametrize(("host", "dns", "ips", "expected"), [
    ("www.example.gov.cn", ["www.example.gov.cn"], [], True),
    ("WWW.example.gov.cn.", ["www.example.gov.cn"], [], True),
    ("www.example.gov.cn", ["*.example.gov.cn"], [], True),
    ("a.b.example.gov.cn", ["*.example.gov.cn"], [], False),  # a wildcard covers one label
    ("example.gov.cn", ["*.example.gov.cn"], [], False),
    ("www.gov.cn", ["*.cn"], [], False),  # no wildcard over a public suffix level
    ("www.example.gov.cn", ["example.gov.cn"], [], False),
    ("127.0.0.1", ["127.0.0.1"], [], False),  # an IP address is matched against IP SANs only
    ("127.0.0.1", [], ["127.0.0.1"], True),
    ("::1", [], ["0:0:0:0:0:0:0:1"], True),
])
def test_hostname_matching(host: str, dns: list[str], ips: list[str], expected: bool) -> None:
    assert hostname_matches(host, dns, ips) is expected


def test_run_facts_round_trip_and_replace(store: Store) -> None:
    site = store.site_id("http://www.example.gov.cn/")
    run = store.create_run(site, "2026-11-22", {})
    assert store.run_facts(run) == {}
    store.put_run_fact(run, "ipv6", {"status": "no_aaaa", "addresses": []})
    store.put_run_fact(run, "transport", {"https": {"served": False}})
    store.put_run_fact(run, "ipv6", {"status": "ok", "addresses": ["2001:db8::1"]})
    assert store.run_facts(run) == {"ipv6": {"status": "ok", "addresses": ["2001:db8::1"]},
                                    "transport": {"https": {"served": False}}}
    other = store.create_run(site, "2026-11-23", {})
    assert store.run_facts(other) == {}
