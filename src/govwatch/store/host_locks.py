"""Politeness across workers (docs/deploy.md §2): a crawl holds its host for its whole duration.

``async with host_lock(store, host):`` takes a PostgreSQL session-level advisory lock on the host
name on a connection of its own, kept open while the crawl runs; a second worker that wants the
same host waits (polling every :data:`POLL_SECONDS`, so a stop can still cancel the wait), and two
workers never crawl one host together. ``async with try_host_lock(store, host) as held:`` tries
once and never waits: a worker's job that finds its host busy gives its slot back and runs again
later (:mod:`govwatch.service.tasks`) instead of waiting in the slot. The lock dies with the session: a worker killed with
SIGKILL frees its hosts when PostgreSQL notices the closed connection. On SQLite (one process runs
every crawl under the scheduler's own limits) it is a no-op.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import text

from govwatch.store.db import Store

__all__ = ["HOST_LOCK_SPACE", "POLL_SECONDS", "host_lock", "host_lock_holders", "try_host_lock"]

HOST_LOCK_SPACE = 0x6777  # the first key of govwatch's advisory locks on hosts (the second: the host name's hash)
POLL_SECONDS = 0.25  # how often a waiting worker tries the lock again

_TRY = text("SELECT pg_try_advisory_lock(:space, hashtext(:host))")
_UNLOCK = text("SELECT pg_advisory_unlock(:space, hashtext(:host))")


def _connect(store: Store) -> Any:
    return store.engine.connect().execution_options(isolation_level="AUTOCOMMIT")


@contextlib.asynccontextmanager
async def host_lock(store: Store, host: str) -> AsyncIterator[None]:
    """Hold the advisory lock on ``host`` (lower-cased) for the block; waits while another session holds it."""
    async with _advisory_lock(store, host, wait=True):
        yield


@contextlib.asynccontextmanager
async def try_host_lock(store: Store, host: str) -> AsyncIterator[bool]:
    """Try once to take the advisory lock on ``host`` (lower-cased): the block gets True and holds
    the lock to its end, or False at once when another session holds it (SQLite: always True)."""
    async with _advisory_lock(store, host, wait=False) as held:
        yield held


@contextlib.asynccontextmanager
async def _advisory_lock(store: Store, host: str, *, wait: bool) -> AsyncIterator[bool]:
    """The block holds ``host``'s lock (True), or, not ``wait``ing, finds it held (False)."""
    if store.engine.dialect.name != "postgresql":
        yield True
        return
    key = {"space": HOST_LOCK_SPACE, "host": host.lower()}
    conn = await asyncio.to_thread(_connect, store)
    try:
        held = await asyncio.to_thread(lambda: bool(conn.execute(_TRY, key).scalar()))
        while wait and not held:
            await asyncio.sleep(POLL_SECONDS)
            held = await asyncio.to_thread(lambda: bool(conn.execute(_TRY, key).scalar()))
        try:
            yield held
        finally:
            if held:
                await asyncio.to_thread(conn.execute, _UNLOCK, key)
    except BaseException:
        conn.invalidate()  # a session in an unknown state: closed, and its locks with it
        raise
    finally:
        await asyncio.to_thread(conn.close)


def host_lock_holders(store: Store, host: str) -> list[int]:
    """The backend process ids of the sessions holding ``host``'s lock (none on SQLite)."""
    if store.engine.dialect.name != "postgresql":
        return []
    with store.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = :space "
            "AND objid = CAST(hashtext(:host) AS oid) AND objsubid = 2"), {"space": HOST_LOCK_SPACE, "host": host.lower()})
        return [int(pid) for pid in rows.scalars()]
