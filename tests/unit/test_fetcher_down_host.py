"""A host that refuses connections stops costing retries: after three refused URLs (each with its
retries) the rest get one attempt; a link check does not try GET after a refused HEAD."""

from __future__ import annotations

import socket

from govwatch.crawl.fetcher import DOWN_AFTER, Fetcher, FetchPolicy, check_resource, make_session
from govwatch.crawl.politeness import HostLimiter


def _closed_port() -> int:
    with socket.socket() as s:  # bound then closed: nothing listens there
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fetcher(session: object) -> Fetcher:
    policy = FetchPolicy(timeout=5, connect_timeout=2, max_bytes=1 << 20, max_redirects=5, retries=2,
                         timeout_retries=1, backoff=0.01, max_retry_after=1)
    return Fetcher(session, HostLimiter(4, 0), policy)  # type: ignore[arg-type]


async def test_refused_host_gets_one_attempt_after_three_failures() -> None:
    base = f"http://127.0.0.1:{_closed_port()}"
    async with make_session(user_agent="govwatch-test", concurrency=4) as session:
        fetcher = _fetcher(session)
        results = [await fetcher.fetch(f"{base}/p{i}.html") for i in range(DOWN_AFTER + 2)]
    assert [r.error for r in results] == ["connect"] * (DOWN_AFTER + 2)
    assert [r.attempts for r in results] == [3] * DOWN_AFTER + [1, 1]
    assert "without retries" in results[-1].error_detail and "without retries" not in results[0].error_detail


async def test_link_check_does_not_retry_a_refused_head_with_get() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/a.pdf"
    async with make_session(user_agent="govwatch-test", concurrency=4) as session:
        result = await check_resource(_fetcher(session), url)
    assert result.error == "connect" and result.attempts == 3  # HEAD and its two retries, no GET


async def test_a_host_that_comes_back_is_retried_again() -> None:
    from aiohttp import web

    async def ok(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    port = _closed_port()
    base = f"http://127.0.0.1:{port}"
    app = web.Application()
    app.router.add_get("/ok", ok)
    runner = web.AppRunner(app)
    async with make_session(user_agent="govwatch-test", concurrency=4) as session:
        fetcher = _fetcher(session)
        for i in range(DOWN_AFTER):
            await fetcher.fetch(f"{base}/p{i}.html")
        assert fetcher.host_down(f"{base}/x")
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            back = await fetcher.fetch(f"{base}/ok")
        finally:
            await runner.cleanup()
    assert back.status == 200 and back.attempts == 1
    assert not fetcher.host_down(f"{base}/x")
