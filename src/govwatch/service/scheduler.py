"""The scheduler of ``govwatch serve``: probes, daily patrols, full scans and bulletins, on their clocks.

- **Probes**: one :class:`~govwatch.crawl.availability.monitor.Monitor` over every target, each at its
  site's ``probe_interval`` (with ``probe_jitter`` and ``probe_timeout``); every visit is stored as
  ``govwatch monitor`` stores it and fed to the alert observer. Filings and maintenance never stop a
  probe: measurement goes on, only alerts are suppressed (the observer's business).
- **Patrol** (``patrol`` clock time, Beijing time) and **full scan** (``full_scan`` cycle): jobs per
  site, one at a time per site and at most ``max_crawls`` at once; after each the observer's
  ``on_run``. A scan stopped by the service's stop is left ``interrupted`` and resumed next time.
- **Bulletin** (the service ``schedule.bulletin`` cycle, when ``bulletin_dir`` is set).
- **Store growth** daily at 03:00 Beijing time, in both modes: probe rows past ``store.probe_retention_days``
  rolled up, page bodies pruned to ``store.keep_full_runs`` (:mod:`govwatch.store.growth_rows`).
- **Job requests** of the web (``job_requests``: inspect now, re-score, the re-check of tickets): claimed on the loop's poll
  (every second) while fewer than ``max_crawls`` are in hand, run by :mod:`govwatch.service.jobs`
  under the same per-site lock and crawl limit; after an inspection the observer's ``on_run``.
- The observer's ``tick`` every ``tick_seconds``; the rectification loop's alerts (overdue tickets,
  找错/留言 deadlines: :func:`~govwatch.alerts.rectification.rectification_pass`) at the first tick and
  then hourly.

**With a PostgreSQL store** (docs/deploy.md §2) nothing is crawled here: a due scan, patrol or
bulletin is deferred as a job of the store's queue (:mod:`govwatch.store.job_queue`; lock
``site:<id>``, a queueing lock so a site has at most one waiting job of a kind) and run by
``govwatch worker``s; the web's job requests are deferred when they are made, so the loop claims
none. With ``defer_outbox`` (for a caller that runs no :class:`~govwatch.alerts.sender.Sender`)
a ``drain_outbox`` job every :data:`OUTBOX_EVERY` seconds, lock ``outbox``. No probe monitor runs
here either: :meth:`Scheduler.load` makes ``probe_schedule`` hold the watched sites' targets
(:func:`~govwatch.service.prober.sync_service_targets`) and the probe workers visit them (and feed
their visits to the alert observer). The alert ticks (reminders, escalations, the rectification
pass) stay here.

**Watched sites are read again** every ``refresh_seconds`` (:data:`REFRESH_SECONDS`; with
``reload_config``, e.g. :func:`config_file_reloader`, the service config file too when it changed):
a site added to the registry or the config gets its jobs planned (and, with a queue, its probe
targets), a removed one loses its jobs, without a restart. (SQLite: the in-process probe monitor
keeps the targets it started with until the next start.)

Every job's times are rows of ``schedule_state``; ``next_due_at`` is written only when a job finished,
so a restart runs what fell due while the service was down exactly once (one run however many
periods were missed) and never runs again what completed.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from govwatch.alerts.observer import AlertObserver
from govwatch.alerts.rectification import PASS_EVERY, rectification_pass
from govwatch.core.serviceconfig import ServiceConfig
from govwatch.core.settings import Settings
from govwatch.core.siteconfig import SiteConfig
from govwatch.core.windows import parse_at
from govwatch.crawl.availability.monitor import Monitor, MonitorOptions, TargetSchedule
from govwatch.crawl.availability.visit import Visit, visit_row
from govwatch.pipeline import inspect_site_async
from govwatch.service import cycles
from govwatch.service.bulletins import write_period_bulletin
from govwatch.service.jobs import (
    JOB_KINDS,
    STOPPED,
    JobError,
    JobProgress,
    fail_abandoned,
    run_inspect,
    run_rescore,
    site_url_of,
)
from govwatch.service.patrol import PATROL_MAX_PAGES, patrol_site
from govwatch.service.prober import sync_service_targets
from govwatch.service.recheck import run_recheck_job
from govwatch.service.targets import ServiceSite, all_targets, service_sites
from govwatch.store.db import Store
from govwatch.store.growth_rows import prune_bodies, roll_up_probes
from govwatch.store.job_queue import defer, prune_finished_jobs, site_lock, uses_job_queue
from govwatch.store.probes import Target, save_rows
from govwatch.store.run_listing import abandon_runs, newest_full_runs
from govwatch.store.schedule_rows import job_states, save_job_state, save_job_states
from govwatch.store.web_rows import claim_job_request, finish_job_request

__all__ = ["Scheduler", "Job", "RETRY_AFTER", "REFRESH_SECONDS", "config_file_reloader"]

log = logging.getLogger("govwatch.service")

PRUNE_KEY = "prune"  # the daily store growth pass (docs/deploy.md §3): its schedule_state row
PRUNE_AT = time(3, 0)  # Beijing time, when the crawls of the day have not begun
OUTBOX_EVERY = 5.0  # PostgreSQL with defer_outbox: seconds between two deferred delivery passes
OUTBOX_LOCK = "outbox"  # drain_outbox jobs run one at a time (two senders would deliver a row twice)
RETRY_AFTER = 3600.0  # a job that failed is tried again after this long (or at its next due time, if sooner)
REFRESH_SECONDS = 60.0  # the watched sites (registry, config) are read again this often
PATROL_ABANDONED = "巡查被中断（服务停止）；巡查不续跑，下次巡查重新读取"


def config_file_reloader(path: str | os.PathLike[str], first: ServiceConfig) -> Callable[[], ServiceConfig]:
    """A ``reload_config`` for :class:`Scheduler`: the service config file read again when its
    modification time changed (else the config last read; a file that no longer reads keeps it,
    with a logged error)."""
    from govwatch.core.serviceconfig import load_service_config
    from govwatch.core.settings import ConfigError

    last: dict[str, Any] = {"mtime": _mtime(path), "config": first}

    def reload() -> ServiceConfig:
        mtime = _mtime(path)
        if mtime is not None and mtime != last["mtime"]:
            last["mtime"] = mtime
            try:
                last["config"] = load_service_config(str(path))
                log.info("service config %s read again", path)
            except ConfigError as exc:
                log.error("service config %s changed but does not read (the last one is kept): %s", path, exc)
        config: ServiceConfig = last["config"]
        return config
    return reload


def _mtime(path: str | os.PathLike[str]) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


@dataclass(slots=True)
class Job:
    """One scheduled job of a site (or of the service: the bulletin)."""

    key: str  # schedule_state.job_key
    kind: str  # patrol | scan | bulletin
    site: ServiceSite | None
    due: datetime


class Scheduler:
    """Runs the service's jobs until ``stop`` is set (see the module docstring)."""

    def __init__(self, store: Store, config: ServiceConfig, settings: Settings, *, alerts: bool = True,
                 max_crawls: int = 2, tick_seconds: float = 30.0, clock: Callable[[], datetime] = cycles.now,
                 patrol_pages: int = PATROL_MAX_PAGES, defer_outbox: bool = False,
                 refresh_seconds: float | None = REFRESH_SECONDS,
                 reload_config: Callable[[], ServiceConfig] | None = None) -> None:
        self.store = store
        self.config = config
        self.settings = settings
        self.alerts = alerts
        self.max_crawls = max_crawls
        self.tick_seconds = tick_seconds
        self.clock = clock
        self.patrol_pages = patrol_pages
        self.sites: list[ServiceSite] = []
        self.jobs: dict[str, Job] = {}
        self.monitor: Monitor | None = None  # the in-process probes (SQLite only)
        self.loaded = False
        self.observer: AlertObserver | None = None
        self.finished: list[tuple[str, int | None]] = []  # (job key, run id) in the order jobs finished
        self._running: dict[str, asyncio.Task[None]] = {}
        self._requests: dict[int, asyncio.Task[None]] = {}  # job request id -> its task
        self._site_locks: dict[str, asyncio.Lock] = {}
        self._crawls = asyncio.Semaphore(max_crawls)
        self._alert_calls: asyncio.Queue[Callable[[], Any] | None] = asyncio.Queue()
        self.deferring = uses_job_queue(store)  # PostgreSQL: jobs go to the workers' queue
        # PostgreSQL, when the caller runs no Sender of its own: alert delivery is a notify job too
        self.defer_outbox = defer_outbox and self.deferring and alerts
        self._outbox_deferred_at: datetime | None = None
        self.prune_due = cycles.next_clock_due(PRUNE_AT, clock())  # the stored plan replaces it at load
        self.refresh_seconds = refresh_seconds  # None: the sites read at load are kept
        self.reload_config = reload_config
        self._refreshed_at: datetime | None = None

    # -- setup ------------------------------------------------------------------------------

    def load(self) -> None:
        """Read the sites and targets, the stored job states, and plan every job (no I/O beyond the store)."""
        self.sites = service_sites(self.store, self.config)
        if not self.deferring:  # with a queue, unfinished patrols and requests are the workers' (retried jobs)
            abandoned = abandon_runs(self.store, "patrol", PATROL_ABANDONED)
            if abandoned:
                log.info("patrol runs left unfinished by the last stop, marked failed: %s", abandoned)
            failed_jobs = fail_abandoned(self.store)
            if failed_jobs:
                log.info("job requests left running by a process that ended, marked failed: %s", failed_jobs)
        states = job_states(self.store)
        now = self.clock()
        self._plan_sites(self.sites, states, now)
        s = self.config.schedule
        if s.bulletin is not None and s.bulletin_dir:
            self.jobs["bulletin"] = Job("bulletin", "bulletin", None,
                                        self._stored_due(states, "bulletin") or cycles.next_cycle_due(s.bulletin, now))
        if self.alerts:
            self.observer = AlertObserver(self.store, self.config)
        if self.deferring:  # the probe workers visit the targets (docs/deploy.md §2 "Probes")
            synced = sync_service_targets(self.store, self.sites)
            log.info("probe_schedule: %d targets added, %d updated, %d removed", synced["added"],
                     synced["updated"], synced["removed"])
        else:
            self.monitor = self._make_monitor(states, now)
        self.loaded = True
        self.prune_due = self._stored_due(states, PRUNE_KEY) or cycles.next_clock_due(PRUNE_AT, now)

    def _plan_sites(self, sites: list[ServiceSite], states: dict[str, dict[str, Any]], now: datetime) -> None:
        """Plan the patrol and full-scan jobs of ``sites`` (a stored next time continues its plan)."""
        newest = newest_full_runs(self.store)
        for site in sites:
            schedule = site.schedule
            if schedule.patrol is not None:
                key = f"patrol:{site.url}"
                due = self._stored_due(states, key) or cycles.first_clock_due(schedule.patrol, now)
                self.jobs[key] = Job(key, "patrol", site, due)
            if schedule.full_scan is not None:
                key = f"scan:{site.url}"
                stored = self._stored_due(states, key)
                if stored is None:  # never scheduled: the newest complete full run counts as the last scan
                    run_id = newest.get(site.site_id)
                    last = parse_at(self.store.run(run_id)["started_at"]) if run_id is not None else None
                    stored = cycles.next_cycle_due(schedule.full_scan, last) if last is not None else now
                self.jobs[key] = Job(key, "scan", site, stored)

    def refresh(self) -> dict[str, list[str]]:
        """Read the watched sites again (the registry, and the config when ``reload_config`` gives a
        new one): a site added gets its jobs planned, a site removed loses its jobs that are not
        running; with a queue, ``probe_schedule`` follows. The URLs added and removed."""
        if self.reload_config is not None:
            self.config = self.reload_config()
        sites = service_sites(self.store, self.config)
        before = {site.url for site in self.sites}
        now_urls = {site.url for site in sites}
        added = [site for site in sites if site.url not in before]
        removed = sorted(before - now_urls)
        kept = {site.url: site for site in sites}
        for job in list(self.jobs.values()):
            if job.site is None:
                continue
            if job.site.url in kept:
                job.site = kept[job.site.url]  # its schedule and site config as now configured
            elif job.key not in self._running:
                del self.jobs[job.key]
        self.sites = sites
        if added:
            self._plan_sites(added, job_states(self.store), self.clock())
        if self.deferring and (added or removed):
            sync_service_targets(self.store, self.sites)
        if added or removed:
            log.info("watched sites changed: %d added %s, %d removed %s", len(added), [s.url for s in added],
                     len(removed), removed)
        return {"added": [site.url for site in added], "removed": removed}

    async def _refresh_if_due(self) -> None:
        if self.refresh_seconds is None:
            return
        now = self.clock()
        if self._refreshed_at is not None and (now - self._refreshed_at).total_seconds() < self.refresh_seconds:
            return
        self._refreshed_at = now
        try:
            await asyncio.to_thread(self.refresh)
        except Exception as exc:  # noqa: BLE001 - a bad edit of the config or registry keeps the sites known so far
            log.error("could not read the watched sites again (kept the last ones): %s: %s", type(exc).__name__, exc)

    @staticmethod
    def _stored_due(states: dict[str, dict[str, Any]], key: str) -> datetime | None:
        row = states.get(key)
        return parse_at(row["next_due_at"]) if row and row.get("next_due_at") else None

    def _make_monitor(self, states: dict[str, dict[str, Any]], now: datetime) -> Monitor:
        """One monitor over every target, each with its site's cadence; a target whose next visit was
        planned before a stop continues that plan."""
        p = self.settings.probe
        schedules: dict[str, TargetSchedule] = {}
        for site in self.sites:
            s = site.schedule
            for target in site.targets:
                due = self._stored_due(states, f"probe:{target.url}")
                wait = (due - now).total_seconds() if due is not None else None
                first = wait if wait is not None and 0 <= wait <= s.probe_interval else None
                schedules.setdefault(target.url, TargetSchedule(s.probe_interval, s.probe_jitter, s.probe_timeout,
                                                                first))
        options = MonitorOptions(interval=self.config.schedule.probe_interval, timeout=self.config.schedule.probe_timeout,
                                 max_bytes=p.max_bytes, user_agent=p.user_agent, confirm=p.confirm,
                                 jitter=self.config.schedule.probe_jitter, schedules=schedules)
        return Monitor(all_targets(self.sites), options, sink=self._store_visits, on_visit=self._visited)

    # -- probes -------------------------------------------------------------------------------

    def _store_visits(self, batch: list[tuple[Target, Visit]]) -> None:
        """The monitor's sink (a worker thread): the probe rows, then each target's next planned visit."""
        assert self.monitor is not None
        options = self.monitor.options
        save_rows(self.store, [visit_row(t, v, options.schedule_of(t.url).timeout) for t, v in batch])
        states: dict[str, dict[str, Any]] = {}
        for target, result in batch:
            at = parse_at(result.at)
            next_due = at + timedelta(seconds=options.schedule_of(target.url).interval)
            states[f"probe:{target.url}"] = {"job_kind": "probe", "target": target.url, "last_started_at": result.at,
                                             "last_finished_at": result.at, "next_due_at": next_due.isoformat()}
        save_job_states(self.store, states)

    def _visited(self, target: Target, _n: int, result: Visit) -> None:
        if self.observer is not None:
            self._alert_calls.put_nowait(functools.partial(self.observer.on_visit, target, result,
                                                           parse_at(result.at)))

    async def _alert_worker(self) -> None:
        """Calls into the alert observer, one at a time, in order, off the event loop."""
        while (call := await self._alert_calls.get()) is not None:
            try:
                await asyncio.to_thread(call)
            except Exception:  # noqa: BLE001 - an alert failure never stops measurement
                log.exception("the alert observer failed")

    async def _ticker(self) -> None:
        passed_at: datetime | None = None
        while True:
            await asyncio.sleep(self.tick_seconds)
            if self.observer is not None:
                now = self.clock()
                self._alert_calls.put_nowait(functools.partial(self.observer.tick, now))
                if passed_at is None or (now - passed_at).total_seconds() >= PASS_EVERY:
                    passed_at = now  # the rectification loop's alerts: overdue tickets, 找错/留言 deadlines
                    self._alert_calls.put_nowait(functools.partial(rectification_pass, self.observer, now))

    # -- jobs ---------------------------------------------------------------------------------

    def _job_work(self, job: Job) -> Callable[[], Awaitable[int | None]]:
        """What the job does; returns the run it made (None for a bulletin)."""
        site = job.site
        as_of = self.clock().date()
        if job.kind == "bulletin":
            async def bulletin() -> int | None:
                out = self.config.schedule.bulletin_dir or "."
                paths = await asyncio.to_thread(write_period_bulletin, self.store, [s.site_id for s in self.sites],
                                                out, self.clock())
                log.info("bulletin: %s", ", ".join(str(p) for p in paths) or "no complete full runs yet")
                return None
            return bulletin
        assert site is not None
        if job.kind == "patrol":
            async def patrol() -> int | None:
                return (await patrol_site(site.url, self.settings, self.store, as_of,
                                          site_config=site.site_config, max_pages=self.patrol_pages)).run_id
            return patrol

        async def scan() -> int | None:
            return (await inspect_site_async(site.url, self.settings, self.store, as_of=as_of, resume=True,
                                             site_config=site.site_config, kind="scan",
                                             checks_in_thread=True)).run_id
        return scan

    def _next_due(self, job: Job, started: datetime) -> datetime:
        if job.kind == "patrol":
            assert job.site is not None and job.site.schedule.patrol is not None
            return cycles.next_clock_due(job.site.schedule.patrol, started)
        if job.kind == "scan":
            assert job.site is not None and job.site.schedule.full_scan is not None
            return cycles.next_cycle_due(job.site.schedule.full_scan, started)
        assert self.config.schedule.bulletin is not None
        return cycles.next_cycle_due(self.config.schedule.bulletin, started)

    async def _run_job(self, job: Job) -> None:
        lock = self._site_locks.setdefault(job.site.url if job.site else job.key, asyncio.Lock())
        async with lock, self._crawls:
            started = self.clock()
            save_job_state(self.store, job.key, job_kind=job.kind, target=job.site.url if job.site else None,
                           last_started_at=started.isoformat())
            log.info("%s started", job.key)
            run_id: int | None = None
            error: str | None = None
            try:
                run_id = await self._job_work(job)()
            except asyncio.CancelledError:
                log.info("%s stopped before it finished: it runs (a scan resumes) at the next start", job.key)
                raise
            except Exception as exc:  # noqa: BLE001 - one job's failure is recorded, the service goes on
                error = f"{type(exc).__name__}: {exc}"
                log.error("%s failed: %s", job.key, error)
            finished = self.clock()
            due = self._next_due(job, started)
            if error is not None:
                due = min(due, finished + timedelta(seconds=RETRY_AFTER))
            job.due = due
            save_job_state(self.store, job.key, last_finished_at=finished.isoformat(), next_due_at=due.isoformat(),
                           last_run_id=run_id, last_error=error)
            self.finished.append((job.key, run_id))
            log.info("%s finished (run %s); next due %s", job.key, run_id, due.isoformat(timespec="seconds"))
        if run_id is not None and self.observer is not None and job.kind in ("patrol", "scan"):
            self._alert_calls.put_nowait(functools.partial(self.observer.on_run, run_id))

    def _start_due(self) -> None:
        now = self.clock()
        for job in self.jobs.values():
            if job.due <= now and job.key not in self._running:
                task = asyncio.create_task(self._run_job(job), name=job.key)
                self._running[job.key] = task
                task.add_done_callback(self._forget_task)

    def _defer_due(self) -> None:
        """PostgreSQL: defer every due job to the workers' queue and plan its next time (a job of
        the same kind still waiting for the site is not deferred twice: its queueing lock)."""
        now = self.clock()
        for job in self.jobs.values():
            if job.due > now:
                continue
            task, args, lock, queueing_lock = self._queue_job(job, now)
            queue = "report" if job.kind == "bulletin" else job.kind
            job_id = defer(self.store, task, args, queue=queue, lock=lock, queueing_lock=queueing_lock)
            job.due = self._next_due(job, now)
            save_job_state(self.store, job.key, job_kind=job.kind, target=job.site.url if job.site else None,
                           last_started_at=now.isoformat(), next_due_at=job.due.isoformat())
            self.finished.append((job.key, None))
            log.info("%s deferred (%s); next due %s", job.key,
                     f"job {job_id}" if job_id is not None else "one is already waiting",
                     job.due.isoformat(timespec="seconds"))
        if self.defer_outbox and (self._outbox_deferred_at is None
                                  or (now - self._outbox_deferred_at).total_seconds() >= OUTBOX_EVERY):
            self._outbox_deferred_at = now  # one pass waiting at most, one running at most: the outbox's locks
            defer(self.store, "drain_outbox", {}, queue="notify", lock=OUTBOX_LOCK, queueing_lock=OUTBOX_LOCK)

    def _queue_job(self, job: Job, now: datetime) -> tuple[str, dict[str, Any], str | None, str]:
        """The task, arguments, lock and queueing lock of a scheduled job (tasks: service/tasks.py)."""
        if job.kind == "bulletin":
            return "bulletin", {"moment": now.isoformat(), "job_key": job.key}, None, "bulletin"
        assert job.site is not None
        site_id = job.site.site_id
        args: dict[str, Any] = {"site_id": site_id, "as_of": now.date().isoformat(), "job_key": job.key}
        task = "patrol_site" if job.kind == "patrol" else "scan_site"
        return task, args, site_lock(site_id), f"{job.kind}:{site_id}"

    def _prune_if_due(self) -> None:
        """Start the daily store growth pass when due (in both modes: it is the service's, not a worker's)."""
        if self.prune_due <= self.clock() and PRUNE_KEY not in self._running:
            task = asyncio.create_task(self._prune(), name=PRUNE_KEY)
            self._running[PRUNE_KEY] = task
            task.add_done_callback(self._forget_task)

    async def _prune(self) -> None:
        """Roll old probe rows up, prune page bodies and delete old finished job rows by ``store`` of
        the service config, off the loop."""
        started = self.clock()
        policy = self.config.store
        error: str | None = None
        try:
            rolled = await asyncio.to_thread(roll_up_probes, self.store, keep_days=policy.probe_retention_days,
                                             today=cycles.local(started).date())
            pruned = await asyncio.to_thread(prune_bodies, self.store, keep_full_runs=policy.keep_full_runs)
            jobs = await asyncio.to_thread(prune_finished_jobs, self.store, keep_days=policy.job_retention_days)
            log.info("store prune: %d probe rows rolled up, %d bodies deleted (%d bytes), %d finished jobs deleted",
                     rolled.rows, pruned.blobs_deleted, pruned.bytes_freed, jobs)
        except Exception as exc:  # noqa: BLE001 - a failed prune is recorded and tried again tomorrow
            error = f"{type(exc).__name__}: {exc}"
            log.error("store prune failed: %s", error)
        self.prune_due = cycles.next_clock_due(PRUNE_AT, started)
        save_job_state(self.store, PRUNE_KEY, job_kind="prune", last_started_at=started.isoformat(),
                       last_finished_at=self.clock().isoformat(), next_due_at=self.prune_due.isoformat(),
                       last_error=error)

    def _forget_task(self, task: asyncio.Task[None]) -> None:
        self._running.pop(task.get_name(), None)

    # -- job requests of the web -------------------------------------------------------------

    def _claim_requests(self) -> None:
        """Take queued job requests while fewer than ``max_crawls`` are in hand (the rest wait queued)."""
        while len(self._requests) < self.max_crawls:
            request = claim_job_request(self.store, JOB_KINDS)
            if request is None:
                return
            job_id = int(request["id"])
            log.info("job request %s (%s of site %s) claimed", job_id, request["kind"], request["site_id"])
            task = asyncio.create_task(self._run_request(request), name=f"request:{job_id}")
            self._requests[job_id] = task
            task.add_done_callback(self._forget_request)

    def _forget_request(self, task: asyncio.Task[None]) -> None:
        self._requests.pop(int(task.get_name().removeprefix("request:")), None)

    async def _request_work(self, request: dict[str, Any], progress: JobProgress) -> int:
        """Run one claimed request under its site's lock and the crawl limit; returns its run's id."""
        site_id = int(request["site_id"])
        site = next((s for s in self.sites if s.site_id == site_id), None)
        url = site.url if site is not None else site_url_of(self.store, site_id)
        progress.write({"stage": "waiting"})
        async with self._site_locks.setdefault(url, asyncio.Lock()), self._crawls:
            if request["kind"] == "rescore":
                progress.write({"stage": "scoring"})
                return await run_rescore(self.store, request)
            if request["kind"] == "recheck":
                return await run_recheck_job(self.store, self.settings, request, url,
                                             site.site_config if site is not None else SiteConfig(),
                                             self.clock().date(), progress.run_started)
            return await run_inspect(self.store, self.settings, request, url,
                                     site.site_config if site is not None else SiteConfig(), self.clock().date(),
                                     progress)

    async def _run_request(self, request: dict[str, Any]) -> None:
        """One job request from claim to ``done`` or ``failed`` (never raises but for a stop)."""
        job_id = int(request["id"])
        progress = JobProgress(self.store, job_id)
        run_id: int | None = None
        error: str | None = None
        try:
            run_id = await self._request_work(request, progress)
        except asyncio.CancelledError:
            finish_job_request(self.store, job_id, ok=False, run_id=progress.run_id, error=STOPPED)
            log.info("job request %s stopped before it finished: failed", job_id)
            raise
        except JobError as exc:
            error = str(exc)
        except Exception as exc:  # noqa: BLE001 - a request's failure is recorded, the service goes on
            error = f"任务失败：{type(exc).__name__}: {exc}"
            log.exception("job request %s failed", job_id)
        finish_job_request(self.store, job_id, ok=error is None, run_id=run_id or progress.run_id, error=error)
        self.finished.append((f"request:{job_id}", run_id))
        log.info("job request %s %s (run %s)%s", job_id, "done" if error is None else "failed",
                 run_id or progress.run_id, f": {error}" if error else "")
        if error is None and run_id is not None and request["kind"] == "inspect" and self.observer is not None:
            self._alert_calls.put_nowait(functools.partial(self.observer.on_run, run_id))

    # -- the loop -----------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event, *, poll: float = 1.0) -> None:
        """Run every job until ``stop`` is set; then stop the probes and cancel jobs in flight."""
        if not self.loaded:
            await asyncio.to_thread(self.load)
        monitor = self.monitor
        targets = sum(len(site.targets) for site in self.sites)
        log.info("watching %d sites, %d probe targets (%s), %d scheduled jobs", len(self.sites), targets,
                 "in this process" if monitor is not None else "by probe workers", len(self.jobs))
        probes = asyncio.create_task(monitor.run() if monitor is not None else asyncio.sleep(0), name="probes")
        helpers = [probes, asyncio.create_task(self._alert_worker(), name="alerts"),
                   asyncio.create_task(self._ticker(), name="tick")]
        try:
            self._refreshed_at = self.clock()  # just loaded
            while not stop.is_set():
                await self._refresh_if_due()
                self._prune_if_due()
                if self.deferring:
                    self._defer_due()
                else:
                    self._start_due()
                    self._claim_requests()
                try:
                    await asyncio.wait_for(stop.wait(), poll)
                except TimeoutError:
                    pass
                if monitor is not None and monitor.error:
                    raise RuntimeError(monitor.error)
        finally:
            if monitor is not None:
                monitor.stop()
            jobs = [*self._running.values(), *self._requests.values()]
            for task in jobs:
                task.cancel()
            await asyncio.gather(*jobs, return_exceptions=True)
            await asyncio.gather(helpers[0], return_exceptions=True)
            helpers[2].cancel()
            self._alert_calls.put_nowait(None)  # the calls queued so far are made, then the worker ends
            await asyncio.gather(*helpers[1:], return_exceptions=True)
