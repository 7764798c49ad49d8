"""The extraction workers' wire (crawl/extractor.py): a body crosses to the worker as its own bytes,
in chunks, after a small pickled header, so a body of several chunks, an empty body and several
pipelined requests each reach a real spawned worker whole and come back as inline extraction
prepares them."""

from __future__ import annotations

import asyncio

from govwatch.core.model import PreparedPage
from govwatch.crawl.extractor import _BODY_CHUNK, Extractor, extract_for_crawl

ROOT = "http://site.test/"
HTML = "text/html; charset=utf-8"


def _page(paragraphs: int, title: str) -> bytes:
    """A page whose body spans several of the wire's chunks when ``paragraphs`` is large."""
    rows = "".join(f"<li><a href='/p/{i}.html'>第{i}篇 通知公告</a></li>" for i in range(paragraphs))
    return f"<html><head><title>{title}</title></head><body><ul>{rows}</ul></body></html>".encode()


async def _through_a_worker(pages: list[tuple[bytes, str]]) -> list[PreparedPage]:
    async with Extractor(1) as extractor:
        return list(await asyncio.gather(*(extractor(body, url, HTML, ROOT) for body, url in pages)))


def test_large_empty_and_pipelined_bodies_reach_the_worker_whole() -> None:
    large = _page(60_000, "大页面")
    assert len(large) > 10 * _BODY_CHUNK  # several chunks, and one not full
    pages = [(large, ROOT + "big.html"), (b"", ROOT + "empty.html"), (_page(3, "小页面"), ROOT + "small.html"),
             (large[:_BODY_CHUNK], ROOT + "exact.html")]
    for (body, url), got in zip(pages, asyncio.run(_through_a_worker(pages)), strict=True):
        inline = extract_for_crawl(body, url, HTML, ROOT)
        assert got.body_size == len(body) and got.body_hash == inline.body_hash
        assert got == inline, url


async def _worker_killed_while_a_large_body_is_sent(large: bytes) -> tuple[PreparedPage, PreparedPage, bool]:
    async with Extractor(1) as extractor:
        first = extractor._pool[0]
        sending = asyncio.create_task(extractor(large, ROOT + "big.html", HTML, ROOT))
        await asyncio.sleep(0)  # the first chunks are on their way
        first.process.kill()
        got = await sending
        after = await extractor(large, ROOT + "again.html", HTML, ROOT)
        return got, after, extractor._pool[0] is not first and extractor._pool[0].process.is_alive()


def test_a_worker_killed_mid_body_costs_nothing() -> None:
    """The worker dies while a body of many chunks is being written to it: that page is extracted
    inline, the worker is replaced, and the next page goes to the new one."""
    large = _page(60_000, "大页面")
    got, after, replaced = asyncio.run(_worker_killed_while_a_large_body_is_sent(large))
    assert got == extract_for_crawl(large, ROOT + "big.html", HTML, ROOT)
    assert after == extract_for_crawl(large, ROOT + "again.html", HTML, ROOT)
    assert replaced
