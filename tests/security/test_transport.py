"""HTTPS and TLS facts from real TLS servers on 127.0.0.1 (test CA made at test time), judged by the checks."""

from __future__ import annotations

from typing import Any

import pytest

from govwatch.crawl.sitefacts.http import Resolver
from govwatch.crawl.sitefacts.tls import probe_transport
from tests.security.conftest import PROBE_TIMEOUT, judge
from tests.security.pki import Leaf, TestPKI
from tests.security.servers import page, port_of, serve, static

HOME = page("测试门户", "<p>首页</p>")


async def _probe(url: str, pki: TestPKI, *, allowed: Any = lambda _u: True) -> dict[str, Any]:
    return await probe_transport(url, Resolver(), user_agent="govwatch-test", ca_file=str(pki.root_file),
                                 timeout=PROBE_TIMEOUT, allowed=allowed)


async def _tls_of(leaf: Leaf, pki: TestPKI, **kwargs: Any) -> tuple[dict[str, Any], list[Any], str]:
    with serve(static({"/": HOME}), ctx=leaf.server_context()) as server:
        url = f"https://127.0.0.1:{port_of(server)}/"
        facts = await _probe(url, pki, **kwargs)
    findings, status = judge(url, {"transport": facts}, "transport.tls")
    return facts, findings, status


async def test_valid_certificate_gives_no_finding(pki: TestPKI) -> None:
    facts, findings, status = await _tls_of(pki.leaf(), pki)
    tls = facts["tls"]
    assert tls["verified"] and tls["chain"] == "complete" and tls["cert"]["hostname_match"]
    assert tls["cert"]["issuer"] == "govwatch test intermediate CA"
    assert 360 <= tls["cert"]["days_left"] <= 365
    assert (status, findings) == ("ok", [])
    assert facts["https"]["served"] and facts["https"]["status"] == 200
    https_findings, _ = judge(facts["homepage"], {"transport": facts}, "transport.https")
    assert https_findings == []  # port 80 has no plain-HTTP server here: nothing served in clear


async def test_expired_certificate_is_an_error(pki: TestPKI) -> None:
    facts, findings, _ = await _tls_of(pki.leaf(valid_from_days=-60, valid_to_days=-2), pki)
    assert facts["tls"]["verify_code"] == 10 and facts["tls"]["cert"]["days_left"] < 0
    [finding] = findings
    assert (finding.kind, finding.code, finding.severity) == ("tls_problem", "tls.expired", "error")
    assert "过期" in finding.message


async def test_certificate_expiring_soon_is_a_warning(pki: TestPKI) -> None:
    _facts, findings, _ = await _tls_of(pki.leaf(valid_to_days=10), pki)
    [finding] = findings
    assert (finding.code, finding.severity) == ("tls.expiring", "warning")


async def test_certificate_for_another_name_is_an_error(pki: TestPKI) -> None:
    facts, findings, _ = await _tls_of(pki.leaf(dns=("www.elsewhere.test",), ips=()), pki)
    assert not facts["tls"]["cert"]["hostname_match"] and facts["tls"]["verify_code"] == 64  # IP mismatch
    [finding] = findings
    assert (finding.code, finding.severity) == ("tls.hostname", "error")
    assert "www.elsewhere.test" in finding.message


async def test_self_signed_certificate_is_an_error(pki: TestPKI) -> None:
    _facts, findings, _ = await _tls_of(pki.leaf(self_signed=True), pki)
    [finding] = findings
    assert (finding.code, finding.severity) == ("tls.self_signed", "error")


async def test_missing_intermediate_is_a_warning_confirmed_through_aia(pki: TestPKI) -> None:
    with serve(static({"/ca/int.der": (200, {"Content-Type": "application/pkix-cert"}, pki.intermediate_der)})) as ca:
        aia = f"http://127.0.0.1:{port_of(ca)}/ca/int.der"
        facts, findings, _ = await _tls_of(pki.leaf(send_intermediate=False, aia_url=aia), pki)
    tls = facts["tls"]
    assert not tls["verified"] and tls["chain"] == "incomplete"
    assert tls["aia"] == {"url": aia, "fetched": True, "error": None, "confirmed": True}
    assert tls["verified_with_aia"]
    [finding] = findings
    assert (finding.kind, finding.code, finding.severity) == ("tls_problem", "tls.chain_incomplete", "warning")
    assert "未能下载" not in finding.message


async def test_missing_intermediate_offline_is_still_a_warning(pki: TestPKI) -> None:
    aia = "http://ca.example.invalid/int.der"
    facts, findings, _ = await _tls_of(pki.leaf(send_intermediate=False, aia_url=aia), pki,
                                       allowed=lambda url: not url.startswith("http://ca.example.invalid"))
    assert facts["tls"]["aia"]["fetched"] is False and "offline" in facts["tls"]["aia"]["error"]
    [finding] = findings
    assert (finding.code, finding.severity) == ("tls.chain_incomplete", "warning")
    assert "未能下载签发者证书核实" in finding.message


async def test_unknown_issuer_without_aia_is_an_error(pki: TestPKI) -> None:
    facts, findings, _ = await _tls_of(pki.leaf(send_intermediate=False), pki)
    assert facts["tls"]["chain"] == "untrusted"
    [finding] = findings
    assert (finding.code, finding.severity) == ("tls.untrusted", "error")


async def test_expired_and_incomplete_lists_both_worst_first(pki: TestPKI) -> None:
    with serve(static({"/i.der": (200, {}, pki.intermediate_der)})) as ca:
        leaf = pki.leaf(send_intermediate=False, aia_url=f"http://127.0.0.1:{port_of(ca)}/i.der",
                        valid_from_days=-30, valid_to_days=-1)
        _facts, findings, _ = await _tls_of(leaf, pki)
    [finding] = findings
    assert finding.severity == "error" and finding.code == "tls.expired"
    assert [p["code"] for p in finding.evidence["problems"]] == ["tls.expired", "tls.chain_incomplete"]


async def test_http_redirecting_to_https_is_no_finding(pki: TestPKI) -> None:
    leaf = pki.leaf()
    with serve(static({"/": HOME}), ctx=leaf.server_context()) as tls_server:
        target = f"https://127.0.0.1:{port_of(tls_server)}/"
        with serve(static({"/": (301, {"Location": target}, b"")})) as plain:
            url = f"http://127.0.0.1:{port_of(plain)}/"
            facts = await _probe(url, pki)
    assert facts["http"]["redirects_to_https"] and facts["https"]["url"] == target
    assert facts["tls"]["verified"]
    assert judge(url, {"transport": facts}, "transport.https") == ([], "ok")
    assert judge(url, {"transport": facts}, "transport.tls") == ([], "ok")


async def test_http_only_site_has_no_https_and_tls_is_not_assessed(pki: TestPKI) -> None:
    with serve(static({"/": HOME})) as plain:
        url = f"http://127.0.0.1:{port_of(plain)}/"
        facts = await _probe(url, pki)
    assert facts["http"]["served"] and not facts["http"]["redirects_to_https"]
    assert facts["https"]["url"] == "https://127.0.0.1/" and not facts["https"]["served"]
    assert facts["tls"] is None
    [finding], _ = judge(url, {"transport": facts}, "transport.https")
    assert (finding.kind, finding.code, finding.severity) == ("no_https", "transport.no_https", "error")
    assert judge(url, {"transport": facts}, "transport.tls") == ([], "not_assessed")


async def test_site_answering_nothing_is_not_judged_for_https(pki: TestPKI) -> None:
    with serve(static({})) as gone:
        url = f"http://127.0.0.1:{port_of(gone)}/"
    facts = await _probe(url, pki)  # the server is stopped: connection refused on every port
    assert not facts["http"]["served"] and not facts["https"]["served"]
    assert judge(url, {"transport": facts}, "transport.https") == ([], "not_assessed")


def test_https_served_but_http_not_redirected_is_a_warning() -> None:
    # Hand-made facts: a test cannot bind the default ports 80/443 a real site would use.
    facts = {"homepage": "https://www.example.gov.cn/",
             "http": {"url": "http://www.example.gov.cn/", "final_url": "http://www.example.gov.cn/", "status": 200,
                      "served": True, "redirects_to_https": False},
             "https": {"url": "https://www.example.gov.cn/", "served": True, "status": 200}, "tls": None}
    [finding], _ = judge("https://www.example.gov.cn/", {"transport": facts}, "transport.https")
    assert (finding.code, finding.severity) == ("transport.http_not_redirected", "warning")


@pytest.mark.parametrize("check", ["transport.https", "transport.tls", "transport.ipv6", "cloaking.spider"])
def test_checks_are_not_assessed_without_probe_facts(check: str) -> None:
    assert judge("http://127.0.0.1:1/", {}, check) == ([], "not_assessed")
    assert judge("http://127.0.0.1:1/", {name: {"error": "timeout"} for name in
                                         ("transport", "ipv6", "cloaking")}, check)[1] \
        == "not_assessed"
