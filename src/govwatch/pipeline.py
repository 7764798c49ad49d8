"""inspect_site(): crawl → extract → checks → store → inspection document.

The one path used by the CLI, the demo, tests and (later) the web app and the
workers. The crawl runs in a process of its own (:mod:`govwatch.crawl.process`),
the checks and reports here once it ended. A crawl that is interrupted leaves
its run ``interrupted`` (Ctrl-C, SIGTERM, or kill -9 of the inspecting process:
the crawl process then stops itself) or ``running`` (every process killed); a
run stopped after its crawl stays ``crawled``. ``resume=True`` continues the
newest such run of the site: an unfinished crawl goes on without refetching
what was committed, a crawled run gets the measurements it lacks and its
checks, and nothing is fetched again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import gc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from govwatch.analysis.columns import ColumnResult, columns_of, homepage_updates_of
from govwatch.analysis.content.text_scan import scan_body
from govwatch.analysis.stored import analyses_to_store
from govwatch.checks import FactPending, run_checks
from govwatch.core import aio
from govwatch.core.heap import trim_heap
from govwatch.core.settings import CrawlSettings, Settings, settings_to_dict
from govwatch.core.siteconfig import SiteConfig
from govwatch.core.urls import Scope, normalize_url
from govwatch.crawl.coverage import FACT_NAME as COVERAGE_FACT
from govwatch.crawl.coverage import crawl_coverage
from govwatch.crawl.crawler import CrawlProgress, CrawlStats
from govwatch.crawl.process import (
    MEASURING_PROCESS,
    RunProcess,
    RunProcessError,
    crawl_run,
    measure_work,
    runs_in_child,
)
from govwatch.crawl.render import limit_driver_memory
from govwatch.crawl.sitefacts import MEASURED_FACTS
from govwatch.report.inspection import assemble_inspection, run_sections
from govwatch.rules import RuleSet, load_ruleset
from govwatch.scoring.runs import score_checked
from govwatch.store.db import Store
from govwatch.store.run_listing import FULL_KINDS, resumable_run_of, set_run_kind
from govwatch.store.run_results import replace_check_results
from govwatch.store.stored_run import StoreRunData


class InspectionError(RuntimeError):
    """The inspection could not start (bad URL, store problem); message says why."""


@dataclass(slots=True)
class Inspection:
    """The outcome of one inspection."""

    run_id: int
    document: dict[str, Any]  # the inspection JSON (schema_version 1)
    stats: CrawlStats | None
    resumed: bool


def site_scope(url: str, settings: Settings) -> tuple[str, Scope]:
    """The normalised homepage URL and the crawl scope of the site."""
    norm = normalize_url(url)
    if norm is None:
        raise InspectionError(f"not a usable http(s) URL: {url!r}")
    c = settings.crawl
    scope = Scope.for_site(norm, extra_hosts=tuple(c.extra_hosts), excluded_prefixes=tuple(c.excluded_prefixes))
    return norm, scope


def run_settings(settings: Settings, rules: RuleSet, site_config: SiteConfig) -> dict[str, Any]:
    """What a run stores about how it was made: settings, the rule table's data, the site config
    (so a stored run can be checked again offline with the same rules)."""
    return {**settings_to_dict(settings), "rules": rules.data, "site_config": dataclasses.asdict(site_config)}


async def inspect_site_async(url: str, settings: Settings, store: Store, *, as_of: date, resume: bool = False,
                             progress: Callable[[CrawlProgress], None] | None = None,
                             rules: RuleSet | None = None, site_config: SiteConfig | None = None,
                             kind: str = "inspect", seeds: list[str] | None = None,
                             run_started: Callable[[int], None] | None = None,
                             checks_in_thread: bool = False) -> Inspection:
    """Crawl and check one site; returns the stored run and its inspection document.

    ``kind`` is the run's kind (``inspect`` by hand, ``scan`` / ``patrol`` by the service); ``seeds``
    are where the crawl starts (default: the homepage; the patrol gives its key columns too). A
    patrol is never resumed and never complete (see :func:`record_coverage`). ``run_started`` is
    called with the run's id as soon as it exists (a web job request shows it while the crawl runs).
    ``checks_in_thread`` runs the checks (synchronous, seconds on a large site) in a worker thread,
    so a long-running process (``govwatch serve``: probes, the dashboard) keeps its event loop free;
    the CLI keeps them on the loop, where a second Ctrl-C can stop them."""
    rules = rules or load_ruleset()
    site_config = site_config or SiteConfig()
    homepage, scope = site_scope(url, settings)
    site_id = store.site_id(homepage, scope.prefix)
    run_id = resumable_run_of(store, site_id, FULL_KINDS) if resume and kind in FULL_KINDS else None
    if run_id is not None and store.run(run_id)["status"] == "crawled":
        document = await measure_and_check(store, run_id, settings, checks_in_thread=checks_in_thread)
        return Inspection(run_id=run_id, document=document, stats=None, resumed=True)
    resuming = run_id is not None
    if run_id is not None:
        store.set_run_status(run_id, "running")
    else:
        run_id = store.create_run(site_id, as_of.isoformat(), run_settings(settings, rules, site_config))
        if kind != "inspect":
            set_run_kind(store, run_id, kind)
    if run_started is not None:
        run_started(run_id)
    try:
        stats = await crawl_run(store, run_id, settings, scope, [homepage, *(seeds or [])], resume=resuming,
                                text_scan=page_text_scan(store, run_id), progress=progress)
    except RunProcessError as exc:  # the run stays ``running``: resumable
        raise InspectionError(str(exc)) from None
    store.release()
    release_memory()  # a crawl in this process (crawl.process): its rows and buffers
    store.set_run_status(run_id, "crawled", stats={
        "pages": stats.pages, "resources": stats.resources, "errors": stats.errors, "skipped": stats.skipped,
        "page_limit_hit": stats.page_limit_hit, "depth_limit_hit": stats.depth_limit_hit,
        "crawl_seconds": stats.seconds, "rendered": stats.rendered,
        "render_failed": len(stats.render_errors),
        "render_errors": [{"url": u, "error": e} for u, e in stats.render_errors[:20]],
        "extract_problems": [{"url": u, "problem": p} for u, p in stats.extract_problems],
        "extract_problem_count": stats.extract_problem_count,
        "trapped": [{"url": u, "error": "trap", "detail": why} for u, why in stats.trapped],
        "trapped_count": stats.trapped_count})
    document = await measure_and_check(store, run_id, settings, checks_in_thread=checks_in_thread)
    return Inspection(run_id=run_id, document=document, stats=stats, resumed=resuming)


async def measure_and_check(store: Store, run_id: int, settings: Settings, *,
                            checks_in_thread: bool = False) -> dict[str, Any]:
    """The steps after a crawl: the site measurements (HTTPS/TLS, IPv6, cloaking, accessibility →
    run facts) the run has not stored yet, and :func:`check_and_report`. The measurements run in a
    process of their own (:class:`SiteMeasurements`: chromium's accessibility pass takes seconds of
    waiting) while the checks run here; a check that reads a measured fact runs after they ended.
    Where a run's work cannot leave this process (:func:`~govwatch.crawl.process.runs_in_child`),
    the measurements are taken first, then the checks. A run stopped after its crawl is finished by
    this alone (``inspect --resume``): its pages are never fetched again."""
    limit_driver_memory()  # the accessibility probe's browser driver (the measuring process inherits it)
    store.refresh_statistics()  # PostgreSQL: the crawl's rows, before the checks' joins are planned
    wanted = unmeasured(settings, store.run_facts(run_id))
    measurements = None
    if not wanted.security.enabled:  # nothing (more) to measure
        data = StoreRunData(store, run_id)
    elif runs_in_child(store, settings):
        measurements = SiteMeasurements(store, run_id, wanted)
        data = MeasuredRunData(store, run_id, measurements)
    else:
        await measure_work(store, lambda _message: None, run_id, wanted)
        data = StoreRunData(store, run_id)
    try:
        if checks_in_thread:
            document = await asyncio.to_thread(check_and_report, store, run_id, data)
        else:
            document = check_and_report(store, run_id, data)
    finally:
        if measurements is not None:
            measurements.stop()
    del data
    release_memory()  # the run's rows and analyses, before the reports are written from the document
    return document


class SiteMeasurements:
    """The site measurements of a crawled run (:func:`~govwatch.crawl.process.measure_work`) in a
    process of their own, started at once: the checks run meanwhile.

    :meth:`wait` blocks until they are stored (and raises what stopped them); :meth:`stop` stops them
    if they still run (the inspection ended another way: Ctrl-C, an error) and waits for the process."""

    def __init__(self, store: Store, run_id: int, settings: Settings) -> None:
        self._child = RunProcess(MEASURING_PROCESS, store, measure_work, run_id, settings)
        self._outcome: tuple[str, Any] | None = None

    @property
    def ended(self) -> bool:
        return self._outcome is not None or self._child.done()

    def wait(self) -> None:
        """Block until the measurements are stored; raise :class:`InspectionError` if they were
        stopped or failed (the run then stays ``crawled``: nothing of the checks is stored)."""
        if self._outcome is None:
            self._outcome = self._child.message()
            self._child.close()
        kind, value = self._outcome
        if kind != "result":
            raise InspectionError(f"the site measurements stopped: {value or 'interrupted'}")

    def stop(self) -> None:
        """Stop the measurements if they still run, and wait for their process to end."""
        if self._outcome is None:
            self._child.stop()
        self._child.close()


class MeasuredRunData(StoreRunData):
    """A crawled run whose site measurements may still be running: reading one of their facts
    before they ended raises :class:`~govwatch.checks.FactPending` (``run_checks`` runs that check
    after the others); once they ended, the facts are read again."""

    def __init__(self, store: Store, run_id: int, measurements: SiteMeasurements) -> None:
        super().__init__(store, run_id)
        self._measurements: SiteMeasurements | None = measurements

    def run_fact(self, name: str) -> dict[str, Any] | None:
        if self._measurements is not None and name in MEASURED_FACTS:
            if not self._measurements.ended:
                raise FactPending(name)
            self.measurements_ended()
        return super().run_fact(name)

    def measurements_ended(self) -> None:
        """Wait for the measurements and forget the facts read before they were stored."""
        if self._measurements is not None:
            self._measurements.wait()
            self._measurements, self._facts = None, None


def page_text_scan(store: Store, run_id: int) -> Callable[[bytes, str], str]:
    """The content scanners' pass over a page body, run by the crawl's extraction workers
    (``pages.text_hits``, read back by ``analysis.content.text_scan.text_hits_of``): bound to the
    run's own inspection date, which a resumed run keeps (personal-data rules depend on it)."""
    return functools.partial(scan_body, as_of=date.fromisoformat(store.run(run_id)["as_of"][:10]))


def unmeasured(settings: Settings, stored: dict[str, Any]) -> Settings:
    """``settings`` with only the site measurements whose facts (``transport``, ``ipv6``,
    ``cloaking``, ``site_search``, ``accessibility``) are not in ``stored`` (the run's facts) left on:
    a resumed run keeps what it measured before it was stopped."""
    sec = settings.security
    tls, ipv6, cloaking = (sec.tls and "transport" not in stored, sec.ipv6 and "ipv6" not in stored,
                           sec.cloaking and "cloaking" not in stored)
    search, accessibility = sec.search and "site_search" not in stored, sec.accessibility and "accessibility" not in stored
    security = dataclasses.replace(sec, enabled=sec.enabled and (tls or ipv6 or cloaking or search or accessibility),
                                   tls=tls, ipv6=ipv6, cloaking=cloaking, search=search, accessibility=accessibility)
    return dataclasses.replace(settings, security=security)


def release_memory() -> None:
    """Hand freed memory back to the system: the crawl's before the checks run, the checks' before
    the reports are written (glibc keeps freed heap otherwise, and the next step's peak would sit on
    top of it)."""
    gc.collect()
    trim_heap()


def inspect_site(url: str, settings: Settings, store: Store, *, as_of: date, resume: bool = False,
                 progress: Callable[[CrawlProgress], None] | None = None,
                 rules: RuleSet | None = None, site_config: SiteConfig | None = None,
                 kind: str = "inspect", seeds: list[str] | None = None) -> Inspection:
    """Synchronous wrapper of :func:`inspect_site_async`."""
    return aio.run(inspect_site_async(url, settings, store, as_of=as_of, resume=resume, progress=progress,
                                      rules=rules, site_config=site_config, kind=kind, seeds=seeds))


def check_and_report(store: Store, run_id: int, data: StoreRunData | None = None) -> dict[str, Any]:
    """Measure how much of the site the crawl read, run every check on a stored run, store
    findings (and whether the run is complete), and build its inspection document. With ``data``
    a :class:`MeasuredRunData` whose measurements still run, the checks that read their facts run
    last, after they ended."""
    data = StoreRunData(store, run_id) if data is None else data
    coverage = record_coverage(store, data)
    wait = data.measurements_ended if isinstance(data, MeasuredRunData) else None
    findings, check_runs = run_checks(data, wait_for_facts=wait)
    if wait is not None:
        wait()  # nothing is stored before the measurements are
    sections, columns, analyses = run_sections(data), column_rows(data), analyses_to_store(data)
    data.release_rows()  # all that is reported of the run's rows is made: the score and findings need none
    store.release_caches()  # the page caches the checks' reads filled
    trim_heap()
    scored = score_checked(store, data, findings, check_runs)
    replace_check_results(store, run_id, findings, scored.check_runs, columns, analyses)
    store.release_caches()  # the page caches the writes filled (store/db.py)
    trim_heap()  # the stored rows' buffers, before the document is made (−23 MB at 100,000 pages)
    store.set_run_completeness(run_id, coverage["complete"], coverage["reasons"])
    document = assemble_inspection(sections, scored.findings, scored.check_runs, run=store.run(run_id),
                                   sheet=scored.sheet)
    run = store.run(run_id)
    if run["kind"] in LIGHT_PASS_REASONS:  # 巡查, 复查: no 合格/不合格 of the site from a light pass
        document.update(verdict=None, score=None)
    site = document["site"]
    if not store.site(run["site_id"])["registered"]:  # the registry's 网站名称/标识码 are the office's, not the page's
        store.update_site(run["site_id"], name=site["name"], site_code=site["site_code"])
    store.set_run_status(run_id, "completed", finished=True, stats={**(run["stats"] or {}), "findings": len(findings)})
    return document


PATROL_REASON = {"code": "crawl.patrol",
                 "message": "日巡查只读取首页、重点栏目和新信息，不是全站检查，不作合格与否的结论"}
RECHECK_REASON = {"code": "crawl.recheck",
                  "message": "复查只读取整改问题所在的页面，不是全站检查，不作合格与否的结论"}
LIGHT_PASS_REASONS = {"patrol": PATROL_REASON, "recheck": RECHECK_REASON}  # run kinds that never judge the site


def record_coverage(store: Store, data: StoreRunData) -> dict[str, Any]:
    """Measure how much of the site the crawl read (:mod:`govwatch.crawl.coverage`, with the run's
    own ``crawl.min_read_share``) and store it as the run fact ``crawl``, before any check reads it."""
    stored = (store.run(data.run_id)["settings"] or {}).get("crawl") or {}
    share = float(stored.get("min_read_share", CrawlSettings().min_read_share))
    coverage = crawl_coverage(data.fetches, data.site_url, data.homepage_urls, share, data.fetch_rows("page"))
    light_pass = LIGHT_PASS_REASONS.get(str(store.run(data.run_id).get("kind")))
    if light_pass is not None:  # a light pass: never a verdict of the whole site
        coverage = {**coverage, "complete": False, "reasons": [light_pass, *coverage["reasons"]]}
    store.put_run_fact(data.run_id, COVERAGE_FACT, coverage)
    return coverage


def column_rows(data: StoreRunData) -> list[dict[str, Any]]:
    """The run's ``columns`` rows: the homepage, then every column (stored with the findings, check
    records and the whole-run analyses for later re-scores, analysis/stored.py, in one transaction)."""
    return [homepage_row(data.run_id, data)] + [column_row(data.run_id, col, data.as_of) for col in columns_of(data)]


def column_row(run_id: int, col: ColumnResult, as_of: date) -> dict[str, Any]:
    """A ``columns`` table row (what ``govwatch warnings`` reads)."""
    return {
        "run_id": run_id, "name": col.name, "url": col.url, "type": col.type, "type_reason": col.type_reason,
        "discovered_by": col.discovered_by, "read_via": col.read_via, "parent": col.parent,
        "last_update": col.last_update.isoformat() if col.last_update else None, "items": col.items,
        "undated": col.undated, "blank": col.blank, "stale": col.stale, "window_days": col.window_days(as_of),
        "days_left": col.days_left, "is_key": col.key,
        "details": {"expires": col.expires.isoformat() if col.expires else None,
                    "window": col.window.label() if col.window else None,
                    "future_items": [{"url": it.url, "date": it.date.isoformat() if it.date else None}
                                     for it in col.future], "notes": col.notes},
    }


def homepage_row(run_id: int, data: StoreRunData) -> dict[str, Any]:
    """The homepage as a ``columns`` row of type ``homepage`` (its window is the rule table's)."""
    home = homepage_updates_of(data)
    window = data.rules.homepage_window
    return {
        "run_id": run_id, "name": "首页", "url": data.site_url, "type": "homepage", "type_reason": "homepage",
        "discovered_by": "nav", "read_via": "static", "parent": None,
        "last_update": home.newest.isoformat() if home.newest else None, "items": home.items_in_window,
        "undated": 0, "blank": home.basis == "none", "stale": home.items_in_window == 0,
        "window_days": home.window_days, "days_left": home.days_left, "is_key": True,
        "details": {"expires": home.expires.isoformat() if home.expires else None, "window": window.label(),
                    "basis": home.basis, "future_items": [], "notes": []},
    }
