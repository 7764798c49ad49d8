"""The Procrastinate tasks of ``govwatch worker`` (docs/deploy.md §2): each wraps the service code
``govwatch serve`` runs in-process on SQLite.

| task | queue | wraps |
|---|---|---|
| ``scan_site(site_id, kind="scan", request_id=None, as_of=None, job_key=None)`` | scan | a full scan that resumes the site's unfinished run (``inspect --resume``: stored pages are not fetched again); with ``request_id`` the web's 立即检查 (:func:`~govwatch.service.jobs.run_inspect`, a fresh ``manual`` run) |
| ``patrol_site(site_id, as_of=None, job_key=None)`` | patrol | :func:`~govwatch.service.patrol.patrol_site` |
| ``recheck(site_id, request_id, as_of=None)`` | scan | :func:`~govwatch.service.recheck.run_recheck_job` |
| ``rescore(request_id)`` | report | :func:`~govwatch.service.jobs.run_rescore` |
| ``bulletin(moment, job_key=None)`` | report | :func:`~govwatch.service.bulletins.write_period_bulletin` |
| ``drain_outbox()`` | notify | one pass of :class:`~govwatch.alerts.sender.Sender` |

Every crawl holds its host (:func:`~govwatch.store.host_locks.try_host_lock`) so two workers never
crawl one host together; the job lock ``site:<id>`` (set when the job is deferred) keeps a site's
crawls one after another. A crawl job whose host another crawl holds does not wait in its worker's
slot: it defers itself again (same task, arguments, queue, locks) :data:`HOST_BUSY_AGAIN` seconds
later and ends at once, leaving the slot to jobs of other hosts; its job request stays ``queued``
(progress ``waiting``), a scan's unfinished run stays for the retry to resume. A job request (``job_requests``) goes ``running`` when its job starts and
``done`` / ``failed`` when it ends, as under the scheduler; a crawl the worker's stop cancels leaves
its run ``interrupted`` and the job is retried (:data:`RETRY`), by this worker or another, and
resumes it. A scheduled job records its end in ``schedule_state`` (``job_key``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

import procrastinate

from govwatch.alerts.observer import AlertObserver
from govwatch.alerts.sender import Sender
from govwatch.core.clock import today
from govwatch.core.serviceconfig import ServiceConfig
from govwatch.core.settings import Settings
from govwatch.core.siteconfig import SiteConfig
from govwatch.pipeline import inspect_site_async
from govwatch.service import cycles
from govwatch.service.bulletins import write_period_bulletin
from govwatch.service.jobs import JobError, JobProgress, run_inspect, run_rescore, site_url_of
from govwatch.service.patrol import PATROL_MAX_PAGES, patrol_site
from govwatch.service.recheck import run_recheck_job
from govwatch.service.targets import ServiceSite, service_sites
from govwatch.store.db import Store
from govwatch.store.host_locks import try_host_lock
from govwatch.store.job_queue import defer, pg_conninfo
from govwatch.store.schedule_rows import save_job_state
from govwatch.store.web_rows import finish_job_request, job_request, set_job_progress, start_job_request

__all__ = ["HOST_BUSY_AGAIN", "RETRY", "JobTimeout", "TaskContext", "build_app", "defer_again", "host_of", "within"]

log = logging.getLogger("govwatch.worker")
T = TypeVar("T")

RETRY = procrastinate.RetryStrategy(max_attempts=5, wait=5, exponential_wait=4)
"""A failed or stopped job is tried again (a scan then resumes its run): after 9 s, 21 s, 69 s, 261 s."""
HOST_BUSY_AGAIN = 10.0  # seconds after which a crawl job that found its host busy runs again
SITES_REFRESH = 60.0  # seconds after which a worker reads its watched sites (and config file) again


def host_of(url: str) -> str:
    """The host name of ``url`` (the key of its host lock)."""
    return (urlsplit(url).hostname or url).lower()


@dataclass(slots=True)
class TaskContext:
    """What the tasks of one worker process share: the store, the settings, the service config
    (its sites' configs and schedules, the bulletin's folder, the alert channels; optional) and
    whether crawls feed the alert observer."""

    store: Store
    settings: Settings
    config: ServiceConfig | None = None
    alerts: bool = True
    patrol_pages: int = PATROL_MAX_PAGES
    # The service config file read again (config_file_reloader), and with it the registry's sites,
    # every ``refresh_seconds``: a site added or a config changed reaches a running worker.
    reload_config: Callable[[], ServiceConfig] | None = None
    refresh_seconds: float = SITES_REFRESH
    _sites: dict[int, ServiceSite] | None = field(default=None, init=False)
    _sites_read_at: float = field(default=0.0, init=False)
    _observer: AlertObserver | None = field(default=None, init=False)
    _sender: Sender | None = field(default=None, init=False)

    def _watched(self) -> dict[int, ServiceSite]:
        now = time.monotonic()
        if self._sites is None or now - self._sites_read_at >= self.refresh_seconds:
            if self.reload_config is not None:
                config = self.reload_config()
                if config is not self.config:  # the alert rules and channels may have changed too
                    self.config, self._observer, self._sender = config, None, None
            self._sites = {s.site_id: s for s in service_sites(self.store, self.config)} if self.config else {}
            self._sites_read_at = now
        return self._sites

    def site(self, site_id: int) -> tuple[str, SiteConfig]:
        """The homepage and site config of a site (a site the config does not watch: its stored URL)."""
        watched = self._watched().get(site_id)
        if watched is not None:
            return watched.url, watched.site_config
        return site_url_of(self.store, site_id), SiteConfig()

    def watched_sites(self) -> list[ServiceSite]:
        """The sites the service config watches (none without a config)."""
        return list(self._watched().values())

    def watched_site_ids(self) -> list[int]:
        """The sites the service config watches (the bulletin's sites)."""
        return sorted(self._watched())

    def on_run(self, run_id: int) -> None:
        """Feed a finished crawl to the alert observer (with a service config and alerts on)."""
        if self.config is None or not self.alerts:
            return
        if self._observer is None:
            self._observer = AlertObserver(self.store, self.config)
        self._observer.on_run(run_id)

    def sender(self) -> Sender:
        if self.config is None:
            raise JobError("发送告警需要服务配置（govwatch worker --config）")
        if self._sender is None:
            self._sender = Sender(self.store, self.config)
        return self._sender


def _waiting(store: Store, request_id: int) -> None:
    """A queued job request's progress while its job waits for its host: ``waiting``."""
    if (found := job_request(store, request_id)) is not None and found["state"] == "queued":
        set_job_progress(store, request_id, {"stage": "waiting"})


def _day(as_of: str | None) -> date:
    return date.fromisoformat(as_of) if as_of else today()


def _finished(ctx: TaskContext, job_key: str | None, run_id: int | None, error: str | None) -> None:
    if job_key is not None:
        save_job_state(ctx.store, job_key, last_finished_at=cycles.now().isoformat(), last_run_id=run_id,
                       last_error=error)


async def _scheduled(ctx: TaskContext, job_key: str | None, work: Callable[[], Awaitable[int | None]]) -> int | None:
    """Run a scheduled job's work; its end (run or error) goes to ``schedule_state``; errors re-raised
    so Procrastinate retries the job, but for a time limit reached (:class:`JobTimeout`)."""
    try:
        run_id = await work()
    except asyncio.CancelledError:
        raise
    except JobTimeout as exc:  # recorded, not retried: the next scheduled scan resumes the run
        log.error("scheduled job %s: %s", job_key, exc)
        _finished(ctx, job_key, None, str(exc))
        return None
    except Exception as exc:
        _finished(ctx, job_key, None, f"{type(exc).__name__}: {exc}")
        raise
    _finished(ctx, job_key, run_id, None)
    return run_id


async def _requested(ctx: TaskContext, request_id: int,
                     work: Callable[[dict[str, Any], JobProgress], Awaitable[int]]) -> int | None:
    """Run a job request's work: ``running`` → ``done`` / ``failed`` (a failure is the request's
    error, never a retry); a stop leaves it ``running`` for the retried job."""
    request = await asyncio.to_thread(start_job_request, ctx.store, request_id)
    if request is None:
        log.info("job request %s is gone or already ended: nothing to do", request_id)
        return None
    progress = JobProgress(ctx.store, request_id)
    run_id: int | None = None
    error: str | None = None
    try:
        run_id = await work(request, progress)
    except asyncio.CancelledError:
        raise
    except JobError as exc:
        error = str(exc)
    except Exception as exc:  # noqa: BLE001 - a request's failure is recorded as its error
        error = f"任务失败：{type(exc).__name__}: {exc}"
        log.exception("job request %s failed", request_id)
    await asyncio.to_thread(finish_job_request, ctx.store, request_id, ok=error is None,
                            run_id=run_id or progress.run_id, error=error)
    if error is None and run_id is not None and request["kind"] == "inspect":
        await asyncio.to_thread(ctx.on_run, run_id)
    return run_id


async def defer_again(store: Store, job: procrastinate.jobs.Job, seconds: float = HOST_BUSY_AGAIN) -> int | None:
    """Defer ``job`` anew (same task, arguments, queue, priority and locks) to run ``seconds`` from
    now; the new job's id, None when a job of its queueing lock already waits (that one does the work)."""
    at = datetime.now(UTC) + timedelta(seconds=seconds)
    return await asyncio.to_thread(defer, store, job.task_name, dict(job.task_kwargs), queue=job.queue,
                                   lock=job.lock, queueing_lock=job.queueing_lock, priority=job.priority,
                                   scheduled_at=at)


async def _on_host(ctx: TaskContext, context: procrastinate.JobContext, url: str,
                   crawl: Callable[[], Awaitable[int | None]]) -> int | None:
    """Run ``crawl`` holding ``url``'s host; when another crawl holds it, defer the job again
    (:func:`defer_again`) and give the worker's slot back at once."""
    host = host_of(url)
    async with try_host_lock(ctx.store, host) as held:
        if held:
            return await crawl()
    assert context.job is not None
    again = await defer_again(ctx.store, context.job)
    log.info("job %s (%s): host %s is being crawled by another job; %s", context.job.id, context.job.task_name, host,
             f"deferred again as job {again}" if again is not None else "a job of the same kind already waits")
    return None


class JobTimeout(JobError):
    """A crawl job stopped at its time limit (``crawl.job_minutes`` / ``light_job_minutes``)."""


async def within(minutes: float, work: Awaitable[T]) -> T:
    """``work``, stopped after ``minutes``: a crawl that hangs past every request timeout (seen once in a
    loaded worker) ends as :class:`JobTimeout` instead of holding the worker's slot. A stopped crawl
    leaves its run ``interrupted`` (the pipeline's cancellation path), so the next scan resumes it."""
    try:
        async with asyncio.timeout(minutes * 60):
            return await work
    except TimeoutError:
        raise JobTimeout(f"任务超过{minutes:g}分钟未完成，已停止（crawl.job_minutes / crawl.light_job_minutes）") from None


def build_app(ctx: TaskContext) -> procrastinate.App:
    """A Procrastinate app on the store's database with the tasks of the module docstring."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=pg_conninfo(ctx.store)))
    store, settings = ctx.store, ctx.settings

    @app.task(name="scan_site", queue="scan", retry=RETRY, pass_context=True)
    async def scan_site(context: procrastinate.JobContext, site_id: int, kind: str = "scan",
                        request_id: int | None = None, as_of: str | None = None,
                        job_key: str | None = None) -> int | None:
        url, site_config = ctx.site(site_id)
        day = _day(as_of)
        if request_id is not None:
            async def inspect(request: dict[str, Any], progress: JobProgress) -> int:
                return await within(settings.crawl.job_minutes,
                                    run_inspect(store, settings, request, url, site_config, day, progress))

            async def requested() -> int | None:
                return await _requested(ctx, request_id, inspect)
            await asyncio.to_thread(_waiting, store, request_id)
            return await _on_host(ctx, context, url, requested)

        async def scan() -> int | None:
            run_id = (await within(settings.crawl.job_minutes, inspect_site_async(
                url, settings, store, as_of=day, resume=True, kind=kind, site_config=site_config,
                checks_in_thread=True))).run_id
            await asyncio.to_thread(ctx.on_run, run_id)
            return run_id
        return await _on_host(ctx, context, url, lambda: _scheduled(ctx, job_key, scan))

    @app.task(name="patrol_site", queue="patrol", retry=RETRY, pass_context=True)
    async def patrol(context: procrastinate.JobContext, site_id: int, as_of: str | None = None,
                     job_key: str | None = None) -> int | None:
        url, site_config = ctx.site(site_id)

        async def work() -> int | None:
            run_id = (await within(settings.crawl.light_job_minutes, patrol_site(
                url, settings, store, _day(as_of), site_config=site_config, max_pages=ctx.patrol_pages))).run_id
            await asyncio.to_thread(ctx.on_run, run_id)
            return run_id
        return await _on_host(ctx, context, url, lambda: _scheduled(ctx, job_key, work))

    @app.task(name="recheck", queue="scan", retry=RETRY, pass_context=True)
    async def recheck(context: procrastinate.JobContext, site_id: int, request_id: int,
                      as_of: str | None = None) -> int | None:
        url, site_config = ctx.site(site_id)

        async def work(request: dict[str, Any], progress: JobProgress) -> int:
            return await within(settings.crawl.light_job_minutes, run_recheck_job(
                store, settings, request, url, site_config, _day(as_of), progress.run_started))
        await asyncio.to_thread(_waiting, store, request_id)
        return await _on_host(ctx, context, url, lambda: _requested(ctx, request_id, work))

    @app.task(name="rescore", queue="report", retry=RETRY)
    async def rescore(request_id: int) -> int | None:
        async def work(request: dict[str, Any], progress: JobProgress) -> int:
            progress.write({"stage": "scoring"})
            return await run_rescore(store, request)
        return await _requested(ctx, request_id, work)

    @app.task(name="bulletin", queue="report", retry=RETRY)
    async def bulletin(moment: str, job_key: str | None = None) -> int | None:
        async def work() -> int | None:
            out = ctx.config.schedule.bulletin_dir if ctx.config is not None else None
            if not out:
                raise JobError("通报需要服务配置中的 schedule.bulletin_dir（govwatch worker --config）")
            paths = await asyncio.to_thread(write_period_bulletin, store, ctx.watched_site_ids(), out,
                                            datetime.fromisoformat(moment))
            log.info("bulletin: %s", ", ".join(str(p) for p in paths) or "no complete full runs yet")
            return None
        return await _scheduled(ctx, job_key, work)

    @app.task(name="drain_outbox", queue="notify", retry=RETRY)
    async def drain_outbox() -> int:
        stats = await ctx.sender().drain_once()
        return int(stats.claimed)

    return app
