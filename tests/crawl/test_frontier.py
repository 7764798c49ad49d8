"""The crawl's queue (``crawler.Frontier``): FIFO order and asyncio.Queue's counting, with most
queued URLs waiting in a temporary file instead of memory."""

from __future__ import annotations

import asyncio
import random
from collections import deque

import pytest

from govwatch.crawl import crawler
from govwatch.crawl.crawler import Frontier


def _entry(n: int) -> tuple[str, int, str, str]:
    return (f"http://example.gov.cn/art/{n}.html", n % 7, "page" if n % 3 else "image", "html")


@pytest.fixture()
def small(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crawler, "FRONTIER_IN_MEMORY", 5)
    monkeypatch.setattr(crawler, "FRONTIER_CHUNK", 3)


def test_interleaved_puts_and_gets_come_out_in_order(small: None) -> None:
    async def run() -> None:
        queue = Frontier()
        model: deque[tuple[str, int, str, str]] = deque()
        rnd = random.Random(3)
        n = 0
        for _ in range(5000):
            if model and rnd.random() < 0.45:
                assert queue.get_nowait() == model.popleft()
                queue.task_done()
            else:
                queue.put_nowait(_entry(n))
                model.append(_entry(n))
                n += 1
            assert queue.qsize() == len(model)
            assert queue.empty() == (not model)
        while model:
            assert queue.get_nowait() == model.popleft()
            queue.task_done()
        await asyncio.wait_for(queue.join(), 1)
        queue.close()

    asyncio.run(run())


def test_at_most_a_few_chunks_are_in_memory(small: None) -> None:
    queue = Frontier()
    for n in range(100):
        queue.put_nowait(_entry(n))
    fifo = queue._queue
    assert queue.qsize() == 100
    assert len(fifo._head) == 5 and len(fifo._tail) < 3 and fifo._spilled >= 90
    assert [queue.get_nowait() for _ in range(100)] == [_entry(n) for n in range(100)]
    assert fifo._file is not None and fifo._file.seek(0, 2) == 0  # read back whole: the file starts over
    queue.close()


def test_urls_with_any_characters_come_back_unchanged(small: None) -> None:
    odd = ["http://example.gov.cn/\udce4.html", "http://example.gov.cn/a\nb\tc\"d\\e", "http://例子.中国/新闻/",
           "http://example.gov.cn/\U0001f600", ""]
    queue = Frontier()
    entries = [(url, i, "page", "pagination") for i, url in enumerate(odd * 3)]
    for entry in entries:
        queue.put_nowait(entry)
    assert [queue.get_nowait() for _ in entries] == entries
    queue.close()


def test_workers_drain_a_spilled_queue(small: None) -> None:
    async def run() -> list[int]:
        queue = Frontier()
        got: list[int] = []

        async def worker() -> None:
            while True:
                url, depth, _kind, _via = await queue.get()
                got.append(int(url.rsplit("/", 1)[1].split(".")[0]))
                if depth < 2 and len(got) < 200:
                    for k in range(3):
                        queue.put_nowait((f"http://example.gov.cn/art/{1000 * len(got) + k}.html", depth + 1,
                                          "page", "html"))
                queue.task_done()

        for n in range(4):
            queue.put_nowait((f"http://example.gov.cn/art/{n}.html", 0, "page", "html"))
        tasks = [asyncio.create_task(worker()) for _ in range(4)]
        await asyncio.wait_for(queue.join(), 5)
        for task in tasks:
            task.cancel()
        queue.close()
        assert queue.qsize() == 0
        return got

    got = asyncio.run(run())
    assert len(got) == len(set(got)) == 4 + 12 + 36
