"""One visit against real loopback servers: phases timed, error classes, confirmation, redirects."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable

from govwatch.crawl.availability.visit import Visit, probe_once, visit
from govwatch.sim.flaky import FlakyServer
from tests.probe.conftest import PROBE_TIMEOUT

UA = "govwatch-test probe"


async def _visit(url: str, *, timeout: float = PROBE_TIMEOUT, confirm: bool = True, max_bytes: int = 1 << 20) -> Visit:
    return await visit(url, timeout=timeout, max_bytes=max_bytes, user_agent=UA, confirm=confirm)


def _refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ordered(v: Visit) -> None:
    """Phases are durations; first byte and total are times since the visit started."""
    assert v.dns_ms is not None and v.connect_ms is not None and v.first_byte_ms is not None
    assert v.dns_ms + v.connect_ms + (v.tls_ms or 0.0) <= v.first_byte_ms <= v.total_ms


async def test_phases_are_measured_by_name(flaky: Callable[..., FlakyServer]) -> None:
    server = flaky(body_bytes=5000)
    v = await _visit(server.url("/", host="localhost"))
    assert v.ok and v.status == 200 and v.error is None and v.confirmed_by is None and v.failure is None
    assert v.dns_ms > 0 and v.connect_ms > 0 and v.first_byte_ms > 0  # type: ignore[operator]
    assert v.tls_ms is None  # plain http
    assert v.bytes == 5000
    _ordered(v)
    assert v.at.endswith("+08:00")


async def test_ip_address_needs_no_lookup(flaky: Callable[..., FlakyServer]) -> None:
    v = await _visit(flaky().url("/"))
    assert v.ok and v.dns_ms == 0.0 and v.connect_ms > 0  # type: ignore[operator]


async def test_tls_handshake_is_timed(flaky: Callable[..., FlakyServer], tls_context: ssl.SSLContext) -> None:
    server = flaky(ssl_context=tls_context)
    v = await _visit(server.url("/", host="localhost"), timeout=5)
    assert v.ok and v.status == 200, v.error_detail
    assert v.tls_ms is not None and v.tls_ms > 0
    _ordered(v)


async def test_chunked_body_and_byte_limit(flaky: Callable[..., FlakyServer]) -> None:
    server = flaky(body_bytes=10_000, chunked=True)
    whole = await _visit(server.url("/"))
    assert whole.ok and whole.bytes == 10_000
    capped = await _visit(server.url("/"), max_bytes=2500)
    assert capped.ok and capped.bytes == 2500  # the page opened; the rest is not read


async def test_redirects_are_followed(flaky: Callable[..., FlakyServer]) -> None:
    server = flaky(redirects={"/": "/index.html", "/loop": "/loop"})
    v = await _visit(server.url("/"))
    assert v.ok and v.status == 200 and v.final_url == server.url("/index.html")
    loop = await _visit(server.url("/loop"), confirm=False)
    assert not loop.ok and loop.error == "redirect_loop"


async def test_refused_connection_is_a_connect_failure() -> None:
    v = await _visit(f"http://127.0.0.1:{_refused_port()}/")
    assert not v.ok and v.error == "connect" and v.status is None
    assert v.confirmed_by is not None and v.confirmed_by["error"] == "connect"


async def test_outages_are_confirmed_by_the_reprobe(flaky: Callable[..., FlakyServer]) -> None:
    for kind, error in (("hang", "timeout"), ("reset", "reset"), ("error500", "http")):
        server = flaky(**{kind: 1.0})
        v = await _visit(server.url("/"))
        assert not v.ok and v.error == error, (kind, v)
        assert v.confirmed_by is not None and v.confirmed_by["ok"] is False and v.confirmed_by["error"] == error
        assert v.failure == "sustained"
        if kind == "hang":
            assert PROBE_TIMEOUT * 1000 <= v.total_ms < PROBE_TIMEOUT * 1000 + 500
        if kind == "error500":
            assert v.status == 500
        truth = server.truth()
        assert truth["visits"] == 1 and truth["outages"] == 1 and truth["reprobes"] == 1


async def test_a_failure_the_reprobe_does_not_see_is_still_a_failed_visit(flaky: Callable[..., FlakyServer]) -> None:
    server = flaky(blip=1.0, blip_kinds=("reset",))
    v = await _visit(server.url("/"))
    assert not v.ok and v.error == "reset" and v.failure == "transient"
    assert v.confirmed_by is not None
    assert {k: v.confirmed_by[k] for k in ("ok", "status", "error")} == {"ok": True, "status": 200, "error": None}
    assert server.truth()["blips"] == 1 and server.truth()["outages"] == 0


async def test_without_confirmation_one_attempt_decides(flaky: Callable[..., FlakyServer]) -> None:
    server = flaky(blip=1.0, blip_kinds=("error500",))
    v = await _visit(server.url("/"), confirm=False)
    assert not v.ok and v.error == "http" and v.confirmed_by is None and v.failure == "unconfirmed"
    once = await probe_once(server.url("/x"), timeout=PROBE_TIMEOUT, max_bytes=1000, user_agent=UA)
    assert once.status == 500
