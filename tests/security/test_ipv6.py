"""IPv6: AAAA lookup and a GET over IPv6 against real servers on ::1 and 127.0.0.1.

Name resolution is controlled with ``security.hosts`` entries (``name=address``, the probe's
own documented resolver input), so test names exist only inside the probe.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from govwatch.core.netconfig import parse_hosts
from govwatch.crawl.sitefacts.http import Resolver
from govwatch.crawl.sitefacts.tls import probe_ipv6
from tests.security.conftest import PROBE_TIMEOUT, judge
from tests.security.servers import page, port_of, serve, static


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _has_ipv6_loopback(), reason="this machine has no IPv6 loopback (::1)")

HOME = page("IPv6测试", "<p>首页</p>")


@pytest.fixture()
def v6_server() -> Iterator[int]:
    with serve(static({"/": HOME}), host="::1") as server:
        yield port_of(server)


async def _probe(url: str, hosts: list[str]) -> dict[str, Any]:
    return await probe_ipv6(url, Resolver(parse_hosts(hosts)), user_agent="govwatch-test", timeout=PROBE_TIMEOUT)


async def test_host_with_aaaa_answering_over_ipv6_is_no_finding(v6_server: int) -> None:
    url = f"http://dual.test:{v6_server}/"
    facts = await _probe(url, ["dual.test=127.0.0.1", "dual.test=::1"])
    assert facts["status"] == "ok" and facts["addresses"] == ["::1"]
    assert facts["page"]["status"] == 200
    assert judge(url, {"ipv6": facts}, "transport.ipv6") == ([], "ok")


async def test_ipv6_literal_site_is_reached_over_ipv6(v6_server: int) -> None:
    url = f"http://[::1]:{v6_server}/"
    facts = await _probe(url, [])
    assert facts["status"] == "ok"


async def test_host_without_aaaa_has_no_ipv6(v6_server: int) -> None:
    url = f"http://v4only.test:{v6_server}/"
    facts = await _probe(url, ["v4only.test=127.0.0.1"])
    assert facts["status"] == "no_aaaa" and facts["page"] is None
    [finding], _ = judge(url, {"ipv6": facts}, "transport.ipv6")
    assert (finding.kind, finding.code, finding.severity) == ("no_ipv6", "ipv6.no_aaaa", "error")
    assert "v4only.test" in finding.message


async def test_aaaa_without_an_ipv6_server_is_unreachable() -> None:
    with serve(static({"/": HOME})) as v4_only:  # listens on 127.0.0.1 only
        url = f"http://dual.test:{port_of(v4_only)}/"
        facts = await _probe(url, ["dual.test=127.0.0.1", "dual.test=::1"])
    assert facts["status"] == "unreachable" and facts["detail"].startswith("connect")
    [finding], _ = judge(url, {"ipv6": facts}, "transport.ipv6")
    assert finding.code == "ipv6.unreachable"


async def test_ipv4_address_site_is_not_assessed() -> None:
    facts = await _probe("http://127.0.0.1:9/", [])
    assert facts["status"] == "not_applicable"
    assert judge("http://127.0.0.1:9/", {"ipv6": facts}, "transport.ipv6") == ([], "not_assessed")
