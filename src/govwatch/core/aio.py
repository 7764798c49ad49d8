"""Running a coroutine to completion: without paying for its result's ``repr``, and with SIGTERM
stopping it the way Ctrl-C does."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


class Terminated(KeyboardInterrupt):
    """SIGTERM stopped :func:`run` (systemd, a worker manager): a Ctrl-C by another name.

    A subclass of ``KeyboardInterrupt``, so every path that handles Ctrl-C handles it too; the
    CLI tells the two apart only for the exit status (130 for SIGINT, 143 for SIGTERM)."""


def run(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coro)``, with the result kept out of the main task, and SIGTERM handled like
    Ctrl-C: the main task is cancelled (so ``except asyncio.CancelledError`` cleanup runs, e.g. an
    inspection marks its run ``interrupted``), then :class:`Terminated` is raised.

    When ``asyncio.run`` finishes it restores the SIGINT handler, and Python 3.11's signal
    module looks the old handler (a partial holding the main task) up in an enum; the failed
    lookup formats the handler's ``repr``, and with it the task's result in full. For an
    inspection that is a text of the whole document: 20 MB and a CPU-second on a 20,000-page
    site (measured with ``bench/crawl.py``), at the run's memory peak.

    SIGTERM is caught only where a handler can be installed (the main thread); elsewhere it keeps
    its default action. A SIGTERM that arrives while the main task is busy without awaiting (the
    checks) cancels nothing once the task has finished: its result is returned.
    """
    box: list[T] = []
    terminated: list[bool] = []

    async def main() -> None:
        with _sigterm_cancels(asyncio.current_task(), terminated):
            box.append(await coro)

    try:
        asyncio.run(main())
    except asyncio.CancelledError:
        if terminated:
            raise Terminated("interrupted by SIGTERM") from None
        raise
    return box[0]


@contextmanager
def _sigterm_cancels(task: asyncio.Task[Any] | None, terminated: list[bool]) -> Iterator[None]:
    """While active, SIGTERM cancels ``task`` and is noted in ``terminated``; the previous handler
    comes back on exit. Nothing is installed where signals cannot be handled (not the main thread)."""

    def on_sigterm() -> None:
        terminated.append(True)
        if task is not None:
            task.cancel()

    loop = asyncio.get_running_loop()
    previous = signal.getsignal(signal.SIGTERM)
    try:
        loop.add_signal_handler(signal.SIGTERM, on_sigterm)
    except (NotImplementedError, RuntimeError, ValueError):
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
