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
