"""Running a coroutine to completion without paying for its result's ``repr``."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coro)``, with the result kept out of the main task.

    When ``asyncio.run`` finishes it restores the SIGINT handler, and Python 3.11's signal
    module looks the old handler (a partial holding the main task) up in an enum; the failed
    lookup formats the handler's ``repr``, and with it the task's result in full. For an
    inspection that is a text of the whole document: 20 MB and a CPU-second on a 20,000-page
    site (measured with ``bench/crawl.py``), at the run's memory peak.
    """
    box: list[T] = []

    async def main() -> None:
        box.append(await coro)

    asyncio.run(main())
    return box[0]
