"""aio.run returns the coroutine's result without ever formatting its repr (asyncio.run does,
on Python 3.11, when it restores the SIGINT handler: a whole inspection document's text)."""

from __future__ import annotations

import asyncio
import sys

from govwatch.core import aio


class Costly:
    """A result that counts how often its repr is built."""

    reprs = 0

    def __repr__(self) -> str:
        Costly.reprs += 1
        return "Costly()"


async def produce() -> Costly:
    await asyncio.sleep(0)
    return Costly()


def test_result_is_returned_and_never_formatted() -> None:
    Costly.reprs = 0
    result = aio.run(produce())
    assert isinstance(result, Costly)
    assert Costly.reprs == 0


def test_plain_asyncio_run_formats_it_here() -> None:
    # Why aio.run exists: on this Python the plain call builds the result's repr.
    Costly.reprs = 0
    asyncio.run(produce())
    if sys.version_info[:2] == (3, 11):
        assert Costly.reprs >= 1
