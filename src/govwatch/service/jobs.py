"""Job requests from the web dashboard and API (``job_requests``), run by the service's scheduler.

The web never runs a crawl: it writes a ``queued`` row; the scheduler claims it
(:func:`~govwatch.store.web_rows.claim_job_request`) and runs it here, under the same per-site
lock and global crawl limit as its scans (:class:`~govwatch.service.scheduler.Scheduler`).

- ``inspect``: a full inspection of the site (:func:`~govwatch.pipeline.inspect_site_async`, run
  kind ``manual``, a fresh run: never a resumed one), with ``args.rules`` (a shipped rule table's
  name) or the default table. The job shows the run's id as soon as the run exists, and the crawl's
  counters at most every :data:`PROGRESS_EVERY` seconds (``progress``: ``stage`` ``waiting`` for its
  site's lock and a crawl slot, then ``inspecting`` with ``pages``, ``resources``, ``errors`` and
  ``queued`` so far; the checks after the crawl keep its last counts).
- ``rescore``: the stored run ``args.run_id`` (default: the site's newest complete full run) checked
  again and scored with ``args.rules`` (default: the table it was inspected with); nothing fetched.
- ``recheck``: the verification re-check of the tickets ``args.tickets`` (:mod:`govwatch.service.recheck`,
  run kind ``recheck``): their pages read again, then the tickets closed or returned.

A job ends ``done`` with its run id, or ``failed`` with a message: a bad argument, a failed crawl
or a stop never raise to the scheduler. A job that was running when the service stopped is failed
at once with :data:`STOPPED`; one left ``running`` by a process that died is failed at the next
start with :data:`ABANDONED` (:func:`fail_abandoned`). Neither is resumed: a job request is one
person's request at one time, and it is asked again from the dashboard (the run the job left
interrupted is resumed by the site's next full scan, or ``govwatch inspect URL --resume``).
"""

from __future__ import annotations

import asyncio
import time
from datetime import date
from typing import Any

from govwatch.core.settings import Settings
from govwatch.core.siteconfig import SiteConfig
from govwatch.crawl.crawler import CrawlProgress
from govwatch.pipeline import inspect_site_async
from govwatch.rules import RuleSet, available_rulesets, load_ruleset
from govwatch.scoring.runs import score_stored_run
from govwatch.store.db import Store, StoreError
from govwatch.store.probes import TargetError, normal_url
from govwatch.store.web_rows import fail_running_job_requests, newest_full_run_of, set_job_progress

__all__ = ["JOB_KINDS", "JobError", "JobProgress", "STOPPED", "ABANDONED", "PROGRESS_EVERY", "fail_abandoned",
           "site_url_of", "run_inspect", "run_rescore"]

JOB_KINDS = ("inspect", "rescore", "recheck")
PROGRESS_EVERY = 1.0  # seconds between two progress rows of a running inspection
STOPPED = "服务停止，任务被中断；请重新发起（已读取的页面保留在中断的检查记录中）"
ABANDONED = "服务进程意外退出，任务未完成；请重新发起"


class JobError(Exception):
    """A job request that cannot run as asked (its message is the job's error, in Chinese)."""


def fail_abandoned(store: Store) -> list[int]:
    """Fail the jobs a dead service process left ``running`` (see the module docstring)."""
    return fail_running_job_requests(store, ABANDONED)


def site_url_of(store: Store, site_id: int) -> str:
    """The homepage of a stored site (normal form), for a site the service does not watch."""
    try:
        return normal_url(str(store.site(site_id)["url"]))
    except (StoreError, TargetError):
        raise JobError(f"网站 {site_id} 不存在或网址无效") from None


def _rules(args: dict[str, Any]) -> RuleSet | None:
    """The rule table a job asks for by name (``args.rules``), None when it names none. Only the
    shipped tables: a request from the web never names a file on the server."""
    name = args.get("rules")
    if name is None:
        return None
    if not isinstance(name, str) or name not in available_rulesets():
        raise JobError(f"未知的评分规则表：{name}（可选：{'、'.join(available_rulesets())}）")
    return load_ruleset(name)


class JobProgress:
    """Writes a running inspection's run id and crawl counters to its job row (the crawler calls
    it every quarter second; a row is written when the counters changed, at most every
    :data:`PROGRESS_EVERY` seconds, and always for the crawl's last call)."""

    def __init__(self, store: Store, job_id: int) -> None:
        self.store = store
        self.job_id = job_id
        self.run_id: int | None = None
        self._written_at = 0.0
        self._last: dict[str, Any] | None = None

    def write(self, progress: dict[str, Any]) -> None:
        set_job_progress(self.store, self.job_id, progress, run_id=self.run_id)
        self._last = progress
        self._written_at = time.monotonic()

    def run_started(self, run_id: int) -> None:
        self.run_id = run_id
        self.write({"stage": "inspecting", "pages": 0, "resources": 0, "errors": 0, "queued": 0})

    def __call__(self, crawl: CrawlProgress) -> None:
        progress = {"stage": "inspecting", "pages": crawl.pages, "resources": crawl.resources, "errors": crawl.errors,
                    "queued": crawl.queued}
        final = crawl.queued == 0 and crawl.pages > 0
        if progress != self._last and (final or time.monotonic() - self._written_at >= PROGRESS_EVERY):
            self.write(progress)


async def run_inspect(store: Store, settings: Settings, job: dict[str, Any], url: str, site_config: SiteConfig,
                      as_of: date, progress: JobProgress) -> int:
    """Inspect the job's site now (run kind ``manual``); returns the run's id."""
    rules = _rules(job.get("args") or {})
    inspection = await inspect_site_async(url, settings, store, as_of=as_of, progress=progress, rules=rules,
                                          site_config=site_config, kind="manual", run_started=progress.run_started,
                                          checks_in_thread=True)
    return inspection.run_id


def _rescored_run(store: Store, job: dict[str, Any]) -> tuple[int, RuleSet | None]:
    args = job.get("args") or {}
    rules = _rules(args)
    run_id = args.get("run_id")
    if run_id is None:
        run_id = newest_full_run_of(store, int(job["site_id"]))
        if run_id is None:
            raise JobError("该网站还没有完整的检查记录，无法重新评分")
    if not isinstance(run_id, int):
        raise JobError(f"检查记录编号无效：{run_id}")
    try:
        run = store.run(run_id)
    except StoreError:
        raise JobError(f"检查记录 {run_id} 不存在") from None
    if run["site_id"] != job["site_id"]:
        raise JobError(f"检查记录 {run_id} 不属于该网站")
    if run["status"] != "completed":
        raise JobError(f"检查记录 {run_id} 未完成（{run['status']}），无法评分")
    return run_id, rules


async def run_rescore(store: Store, job: dict[str, Any]) -> int:
    """Check the job's stored run again and score it (off the event loop); returns the run's id."""
    run_id, rules = _rescored_run(store, job)
    await asyncio.to_thread(score_stored_run, store, run_id, rules)
    return run_id
