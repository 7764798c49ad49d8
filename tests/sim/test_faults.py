"""Every planted fault and decoy behaves on the real server exactly as the manifest declares."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from govwatch.sim import SimServer
from tests.sim.sim_helpers import CLIENT_TIMEOUT, FAMILY_SITES, fetch, links_in, raw_exchange, title_of

BROKEN_FAULTS = {"404", "410", "500", "slow", "reset", "refused", "ext500", "soft404"}
DECOY_FAULTS = {"head405", "head403", "retry429", "reset_once", "error503_once", "slow_ok", "soft200", "ext200"}
EXPECT = {"404": "confirmed", "410": "confirmed", "500": "suspected", "slow": "suspected", "reset": "suspected",
          "refused": "suspected", "ext500": "suspected", "soft404": "soft404"}


async def _outcome(session: aiohttp.ClientSession, url: str, method: str = "GET") -> tuple[str, int | None, bytes]:
    """('ok', status, body) or ('timeout'|'reset'|'refused'|'error', None, b'')."""
    try:
        status, _, body = await fetch(session, url, method, timeout=CLIENT_TIMEOUT)
        return "ok", status, body
    except TimeoutError:
        return "timeout", None, b""
    except aiohttp.ClientConnectorError as exc:
        return ("refused" if isinstance(exc.os_error, ConnectionRefusedError) else "error"), None, b""
    except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError):
        return "reset", None, b""


@pytest.mark.parametrize("site_id", FAMILY_SITES)
def test_plan_covers_every_fault_in_both_scopes(sim: SimServer, site_id: str) -> None:
    entry = sim.manifest["sites"][site_id]
    for scope in ("homepage", "other"):
        broken = [b for b in entry["broken_links"] if b["scope"] == scope]
        assert {b["fault"] for b in broken} == BROKEN_FAULTS
        assert {(b["fault"], b["resource"]) for b in broken} >= {("404", "page"), ("404", "image"), ("404", "attachment")}
        assert all(b["expect"] == EXPECT[b["fault"]] for b in broken)
        assert {d["fault"] for d in entry["decoys"] if d["scope"] == scope} == DECOY_FAULTS
    homepage = entry["homepage"]
    assert all((b["source"] == homepage) == (b["scope"] == "homepage") for b in entry["broken_links"])
    assert all(u.startswith("https://") or u.startswith("http://www.beian.gov.cn/") for u in entry["unverifiable_external"])
    assert all("127.0.0.1" not in u for u in entry["unverifiable_external"])


@pytest.mark.parametrize("site_id", FAMILY_SITES)
async def test_planted_links_stand_on_their_source_pages(sim: SimServer, site_id: str) -> None:
    entry = sim.manifest["sites"][site_id]
    encoding = entry["encoding"]
    by_source: dict[str, set[str]] = {}
    for link in entry["broken_links"] + entry["decoys"]:
        by_source.setdefault(link["source"], set()).add(link["target"])
    async with aiohttp.ClientSession() as session:
        for source, targets in by_source.items():
            status, _, body = await fetch(session, source)
            assert status == 200
            assert targets <= set(links_in(body.decode(encoding), source)), source
        status, _, body = await fetch(session, entry["homepage"])
        found = set(links_in(body.decode(encoding), entry["homepage"]))
        assert set(entry["unverifiable_external"]) <= found


@pytest.mark.parametrize("site_id", FAMILY_SITES)
async def test_broken_links_fail_as_declared(sim: SimServer, site_id: str) -> None:
    entry = sim.manifest["sites"][site_id]
    links = entry["broken_links"]
    async with aiohttp.ClientSession() as session:
        outcomes = await asyncio.gather(*(_outcome(session, b["target"]) for b in links))
    for link, (kind, status, body) in zip(links, outcomes, strict=False):
        fault = link["fault"]
        if fault in ("404", "410", "500"):
            assert (kind, status) == ("ok", int(fault)), link
        elif fault == "ext500":
            assert (kind, status) == ("ok", 500), link
        elif fault == "slow":
            assert kind == "timeout", link
        elif fault == "reset":
            assert kind == "reset", link
        elif fault == "refused":
            assert kind == "refused", link
        elif fault == "soft404":
            assert (kind, status) == ("ok", 200)
            assert title_of(body.decode(entry["encoding"])) == "页面不存在"


def test_reset_is_a_tcp_reset_and_refused_is_refused(sim: SimServer) -> None:
    entry = sim.manifest["sites"]["trs"]
    reset = next(b["target"] for b in entry["broken_links"] if b["fault"] == "reset")
    refused = next(b["target"] for b in entry["broken_links"] if b["fault"] == "refused")
    with pytest.raises(ConnectionResetError):
        raw_exchange(reset)
    with pytest.raises(ConnectionRefusedError):
        raw_exchange(refused)
    assert refused.startswith(sim.manifest["refused_base"])


@pytest.mark.parametrize("site_id", FAMILY_SITES)
async def test_decoys_are_not_broken(sim: SimServer, site_id: str) -> None:
    entry = sim.manifest["sites"][site_id]
    sim.reset_faults()
    async with aiohttp.ClientSession() as session:
        for decoy in entry["decoys"]:
            url, fault = decoy["target"], decoy["fault"]
            if fault in ("head405", "head403"):
                assert (await fetch(session, url, "HEAD"))[0] == int(fault[4:])
                assert (await fetch(session, url))[0] == 200
            elif fault == "retry429":
                status, headers, _ = await fetch(session, url)
                assert status == 429 and headers["Retry-After"] == "1"
                assert (await fetch(session, url))[0] == 200
            elif fault == "reset_once":  # a fresh connection (clients retry resets on reused ones)
                with pytest.raises(ConnectionResetError):
                    raw_exchange(url)
                assert (await fetch(session, url))[0] == 200
            elif fault == "error503_once":
                assert (await fetch(session, url))[0] == 503
                assert (await fetch(session, url))[0] == 200
            elif fault == "slow_ok":
                kind, status, _ = await _outcome(session, url)
                assert (kind, status) == ("ok", 200)
            elif fault == "soft200":
                status, _, body = await fetch(session, url)
                text = body.decode(entry["encoding"])
                assert status == 200 and "页面不存在" in text and "页面不存在" not in title_of(text)
            elif fault == "ext200":
                assert url.startswith(sim.manifest["external_base"])
                assert (await fetch(session, url))[0] == 200
            else:  # pragma: no cover - a new decoy kind needs a test
                pytest.fail(f"untested decoy {fault}")


async def test_reset_faults_rearms_first_request_faults(sim: SimServer) -> None:
    entry = sim.manifest["sites"]["jcms"]
    url = next(d["target"] for d in entry["decoys"] if d["fault"] == "error503_once")
    async with aiohttp.ClientSession() as session:
        sim.reset_faults()
        assert [(await fetch(session, url))[0] for _ in range(3)] == [503, 200, 200]
        sim.reset_faults()
        assert (await fetch(session, url))[0] == 503
