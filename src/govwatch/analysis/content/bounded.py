"""Running a file parser in a separate process, bounded in time and memory.

Attachments come from sites govwatch does not control: a malformed PDF can send a parser into a
loop, a huge .xls or an OOXML part can ask for gigabytes. :func:`call_bounded` runs one parse in
a long-lived worker process (started on first use, spawned, not forked) whose address space is
limited to :data:`MEMORY_LIMIT` bytes; a parse that takes longer than its time limit gets the
worker killed (the next call starts a new one) and :class:`ParseLimitExceeded` raised, as does a
parse that runs out of memory or kills the worker. The calling process never holds more than the
file's bytes and the parsed text.
"""

from __future__ import annotations

import multiprocessing
import resource
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

TIME_LIMIT = 60.0  # seconds one file may take to parse
MEMORY_LIMIT = 2 * 1024 * 1024 * 1024  # bytes of address space of the parsing process
Result = TypeVar("Result")


class ParseLimitExceeded(Exception):
    """The parse ran past its time or memory limit, or its process died."""


def _serve(conn: Connection, memory_limit: int) -> None:
    """The worker: apply each ``(function, argument)`` received, send back ``(ok, value)``."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    while True:
        try:
            function, argument = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[bool, Any] = (True, function(argument))
        except MemoryError:
            reply = (False, ParseLimitExceeded(f"解析所需内存超过 {memory_limit // (1024 * 1024)} MiB 上限"))
        except Exception as exc:  # noqa: BLE001 - the parser's own complaint goes back to the caller
            reply = (False, exc if _picklable(exc) else RuntimeError(f"{type(exc).__name__}: {exc}"))
        conn.send(reply)


def _picklable(exc: Exception) -> bool:
    import pickle
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - any failure means "send a plain copy"
        return False
    return True


class _Worker:
    """One parsing process and its end of the pipe."""

    def __init__(self, memory_limit: int) -> None:
        self.memory_limit = memory_limit
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process: BaseProcess = context.Process(target=_serve, args=(child, memory_limit), daemon=True,
                                                    name="govwatch-parse")
        self.process.start()
        child.close()

    def stop(self) -> None:
        self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)


_lock = threading.Lock()
_worker: _Worker | None = None


def call_bounded(function: Callable[[bytes], Result], argument: bytes, *, time_limit: float = TIME_LIMIT,
                 memory_limit: int = MEMORY_LIMIT) -> Result:
    """``function(argument)`` in the parsing process (``function`` must be a module-level function).
    Its exceptions are raised here; past the limits, :class:`ParseLimitExceeded`."""
    global _worker
    with _lock:
        if _worker is not None and (not _worker.process.is_alive() or _worker.memory_limit != memory_limit):
            _worker.stop()
            _worker = None
        if _worker is None:
            _worker = _Worker(memory_limit)
        worker = _worker
        try:
            worker.conn.send((function, argument))
            if not worker.conn.poll(time_limit):
                raise ParseLimitExceeded(f"解析超过 {time_limit:g} 秒时限")
            ok, value = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            _worker = None
            worker.stop()
            raise ParseLimitExceeded(f"解析进程异常退出（{type(exc).__name__}）") from None
        except ParseLimitExceeded:
            _worker = None
            worker.stop()
            raise
    if not ok:
        raise value
    return value
