"""``govwatch worker``: run the jobs of a PostgreSQL store's queue (docs/deploy.md §2).

One process runs, on one event loop:

- a Procrastinate worker on the job queues asked for (``scan``, ``patrol``, ``report``,
  ``notify``), ``concurrency`` jobs at a time, sending a heartbeat every ``stalled_after / 3``
  seconds;
- the **stalled-job timer**: every ``stalled_after / 2`` seconds the jobs whose worker stopped
  beating for ``stalled_after`` seconds (killed, its machine gone) go back to the queue, where
  any worker takes them; a retried scan resumes the run the dead worker left. A running job is
  never taken away from a worker that still beats, however long its crawl;
- with the ``probe`` queue, the batch prober (:func:`govwatch.service.prober.run_prober`); with a
  service config and alerts on, its visits feed the alert observer (a site going down raises its
  alert here, as under ``govwatch serve`` on SQLite).

Stopping (SIGTERM or Ctrl-C, which cancel :func:`run_worker`): the crawls in hand stop at once,
their pages stored so far kept and their runs left ``interrupted``; their jobs are retried later
(by another worker, or by this one when it starts again) and resume those runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import procrastinate

from govwatch.service.tasks import TaskContext, build_app

__all__ = ["JOB_QUEUES", "STALLED_AFTER", "WorkerOptions", "retry_stalled_jobs", "run_worker"]

log = logging.getLogger("govwatch.worker")

JOB_QUEUES = ("scan", "patrol", "report", "notify")  # the Procrastinate queues; "probe" is the batch prober
STALLED_AFTER = 30.0  # seconds without a heartbeat after which a worker's jobs are taken up by others
STOP_GRACE = 0.0  # seconds running jobs get when the worker stops: a crawl stops at once (its run resumable)


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    """How a worker runs: its queues (of :data:`JOB_QUEUES` and ``probe``), jobs at once, the
    heartbeat timeout, and its name (default ``<host>:<pid>``)."""

    queues: tuple[str, ...] = (*JOB_QUEUES, "probe")
    concurrency: int = 2
    stalled_after: float = STALLED_AFTER
    name: str = ""

    def worker_name(self) -> str:
        return self.name or f"{socket.gethostname()}:{os.getpid()}"


async def retry_stalled_jobs(app: procrastinate.App, stalled_after: float) -> list[int]:
    """Put back in the queue every ``doing`` job whose worker has not beaten for ``stalled_after``
    seconds; their ids. Another worker may retry the same job at the same moment: one wins, the
    other's attempt fails harmlessly (the job is no longer ``doing``)."""
    retried: list[int] = []
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after):
        assert job.id is not None
        try:
            await app.job_manager.retry_job(job)
        except procrastinate.exceptions.ConnectorException as exc:
            log.info("stalled job %s not retried (another worker took it?): %s", job.id, exc)
            continue
        log.warning("job %s (%s) stalled (its worker stopped beating): back in the queue", job.id, job.call_string)
        retried.append(job.id)
    return retried


async def _stalled_timer(app: procrastinate.App, stalled_after: float) -> None:
    while True:
        try:
            await retry_stalled_jobs(app, stalled_after)
        except procrastinate.exceptions.ConnectorException as exc:  # the database away for a while
            log.warning("could not look for stalled jobs: %s", exc)
        await asyncio.sleep(stalled_after / 2)


async def _prober(ctx: TaskContext, name: str, stop: asyncio.Event) -> Any:
    """The batch prober; with a service config and alerts on, its visits feed the alert observer."""
    from govwatch.service.prober import VisitAlerts, run_prober

    alerts = None
    if ctx.config is not None and ctx.alerts:
        alerts = VisitAlerts(ctx.store, ctx.config, await asyncio.to_thread(ctx.watched_sites))
    return await run_prober(ctx.store, ctx.settings, stop, worker_id=name, alerts=alerts)


async def run_worker(ctx: TaskContext, options: WorkerOptions) -> None:
    """Run the worker until cancelled (SIGTERM, Ctrl-C) or until one of its parts fails."""
    name = options.worker_name()
    job_queues: Sequence[str] = [q for q in options.queues if q in JOB_QUEUES]
    app = build_app(ctx)
    stop = asyncio.Event()
    async with app.open_async():
        parts: list[asyncio.Task[Any]] = [asyncio.create_task(_stalled_timer(app, options.stalled_after),
                                                              name="stalled jobs")]
        if job_queues:
            parts.append(asyncio.create_task(app.run_worker_async(
                queues=list(job_queues), concurrency=options.concurrency, name=name, install_signal_handlers=False,
                update_heartbeat_interval=options.stalled_after / 3, stalled_worker_timeout=options.stalled_after,
                shutdown_graceful_timeout=STOP_GRACE), name="jobs"))
        if "probe" in options.queues:
            parts.append(asyncio.create_task(_prober(ctx, name, stop), name="prober"))
        log.info("worker %s: queues %s, %d jobs at a time", name, ",".join(options.queues), options.concurrency)
        try:
            done, _ = await asyncio.wait(parts, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task.exception() is not None:
                    raise RuntimeError(f"{task.get_name()}: {task.exception()}")
        finally:
            stop.set()
            for task in parts:
                if task.get_name() != "prober":
                    task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*parts, return_exceptions=True)
