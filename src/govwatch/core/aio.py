"""Running a coroutine to completion: without paying for its result's ``repr``, and with SIGTERM
stopping it the way Ctrl-C does."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, TypeVar

T = TypeVar("T")


class Terminated(KeyboardInterrupt):
    """SIGTERM stopped :func:`run` (systemd, a worker manager): a Ctrl-C by another name.

    A subclass of ``KeyboardInterrupt``, so every path that handles Ctrl-C handles it too; the
    CLI tells the two apart only for the exit status (130 for SIGINT, 143 for SIGTERM)."""


_late: list[KeyboardInterrupt] = []  # what late_interrupt() returns: the last run's late signal


def late_interrupt() -> KeyboardInterrupt | None:
    """The Ctrl-C (``KeyboardInterrupt``) or SIGTERM (:class:`Terminated`) that reached the last
    :func:`run` too late to stop its coroutine, which finished and whose result was returned;
    ``None`` when no signal came. A caller with more work to do stops there."""
    return _late[-1] if _late else None


def run(coro: Coroutine[Any, Any, T], *, first_sigterm_only: bool = False) -> T:
    """``asyncio.run(coro)``, with the result kept out of the main task, and SIGTERM handled like
    Ctrl-C: the main task is cancelled (so ``except asyncio.CancelledError`` cleanup runs, e.g. an
    inspection marks its run ``interrupted``), then :class:`Terminated` is raised; a second
    SIGTERM raises it at once, as a second Ctrl-C raises ``KeyboardInterrupt``.

    A signal that arrives while the main task is busy without awaiting (an inspection's checks)
    cannot stop it there: the coroutine finishes, and its result is returned, not thrown away for
    a ``KeyboardInterrupt``; the signal is kept for :func:`late_interrupt`.

    When ``asyncio.run`` finishes it restores the SIGINT handler, and Python 3.11's signal
    module looks the old handler (a partial holding the main task) up in an enum; the failed
    lookup formats the handler's ``repr``, and with it the task's result in full. For an
    inspection that is a text of the whole document: 20 MB and a CPU-second on a 20,000-page
    site (measured with ``bench/crawl.py``), at the run's memory peak.

    SIGTERM is caught only where a handler can be installed (the main thread); elsewhere it keeps
    its default action.

    ``first_sigterm_only``: a SIGTERM after the first is ignored, so the coroutine's cleanup always
    runs to its end. For a run's child process (``crawl/process.py``): the kernel's signal of its
    parent's death (``PR_SET_PDEATHSIG``) comes once for each of the dying parent's threads it is
    handed on to, and a second one raised :class:`Terminated` in the middle of the crawl's cleanup,
    before the run was marked ``interrupted``.
    """
    box: list[T] = []
    terminated: list[bool] = []
    _late.clear()

    async def main() -> None:
        with _sigterm_cancels(asyncio.current_task(), terminated, first_only=first_sigterm_only):
            box.append(await coro)

    try:
        asyncio.run(main())
    except (asyncio.CancelledError, KeyboardInterrupt) as exc:
        stop = Terminated("interrupted by SIGTERM") if terminated else exc
        if box:  # the coroutine finished before the signal could stop it: its result stands
            if isinstance(stop, KeyboardInterrupt):
                _late.append(stop)
            return box[0]
        if isinstance(stop, KeyboardInterrupt) and stop is not exc:
            raise stop from None
        raise
    return box[0]


@contextmanager
def _sigterm_cancels(task: asyncio.Task[Any] | None, terminated: list[bool], *,
                     first_only: bool = False) -> Iterator[None]:
    """While active, SIGTERM cancels ``task`` and is noted in ``terminated`` (a second one raises
    :class:`Terminated` where the program is, unless ``first_only``: then it is ignored); the
    previous handler comes back on exit. Nothing is installed where signals cannot be handled (not
    the main thread).

    A Python-level handler, as asyncio's own for Ctrl-C: it runs even while the task computes
    without awaiting, so the signal is never lost there (``loop.add_signal_handler`` would run
    only when the loop next polls, and never if the task finishes first)."""
    loop = asyncio.get_running_loop()

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        if first_only and terminated:
            return
        terminated.append(True)
        if len(terminated) > 1 or task is None or task.done():
            raise Terminated("interrupted by SIGTERM")
        task.cancel()
        loop.call_soon_threadsafe(lambda: None)  # wake the loop should it be waiting in select()

    try:
        previous = signal.signal(signal.SIGTERM, on_sigterm)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
