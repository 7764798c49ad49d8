"""``govwatch probe`` and ``govwatch monitor`` (thin: parse, call the probe package, print).

Registered by :func:`add_probe_commands` from ``govwatch.commands.main.build_parser``.
Both commands share the CLI's conventions: exit 0 when the command completed
(whatever the result), 2 for usage or configuration errors, 1 for a runtime
failure, 130 when Ctrl-C stopped it (results so far are kept).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import signal
from typing import Any

from govwatch.core.settings import ConfigError, Settings, load_settings

PROBE_EPILOG = """\
A visit is one GET over a fresh connection (DNS, connect, TLS and first byte are timed). It fails
when the page is not open within --timeout seconds (default 15, the national rule) or answers with
an HTTP status >= 400. A failed visit is probed again at once and counts as failed only if that
re-probe fails too (probe.confirm; --no-confirm turns it off); the re-probe is kept in
`confirmed_by`. Visits are stored in the database under the site whose homepage is URL (or --site).

--json FILE writes the Probe JSON: {url, count, failed, failure_ratio, timeout_s, probes: [{at, ok,
status, error, dns_ms, connect_ms, tls_ms, first_byte_ms, total_ms, bytes, confirmed_by}]}
(schema: govwatch/schemas/probe.schema.json). '-' writes it to stdout.

exit codes: 0 completed (whatever the result), 2 usage or configuration error, 1 runtime failure,
130 interrupted by Ctrl-C (the visits so far are stored and written).
"""

MONITOR_EPILOG = """\
Each site gets probe.visits_per_day visits a day (default 20, the rule's minimum), spaced evenly
with +/- probe.jitter, sites staggered; so do the key columns (key: true) and business systems
(systems) of the site's --site-config. --site-config files pair with the URLs in order: the first
file belongs to the first URL. --interval SECONDS overrides the cadence (tests, demos). Every visit
is stored as it comes and printed as one line.

Runs until Ctrl-C (exit 130), SIGTERM (exit 0) or --duration SECONDS (exit 0). A store that fails
stops it with exit 1; bad arguments or configuration exit 2.
"""


def _usage_error(message: str) -> Exception:
    from govwatch.commands.main import UsageError
    return UsageError(message)


def _positive(value: float | None, flag: str, *, allow_zero: bool = False) -> None:
    if value is None:
        return
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise _usage_error(f"{flag} must be {'at least 0' if allow_zero else 'greater than 0'}, got {value:g}")


def _load(args: argparse.Namespace, **probe: Any) -> Settings:
    overrides: dict[str, dict[str, Any]] = {"probe": {k: v for k, v in probe.items() if v is not None}}
    if getattr(args, "timeout", None) is not None:
        _positive(args.timeout, "--timeout")
        overrides["probe"]["timeout"] = args.timeout
    if getattr(args, "no_confirm", False):
        overrides["probe"]["confirm"] = False
    if getattr(args, "db", None):
        overrides["store"] = {"url": args.db}
    try:
        return load_settings(getattr(args, "config", None), overrides)
    except ConfigError as exc:
        raise _usage_error(str(exc)) from None


def _open_store(settings: Settings) -> Any:
    from govwatch.store.db import Store, StoreError
    try:
        return Store(settings.store.url)
    except StoreError as exc:
        raise _usage_error(str(exc)) from None


def _site_config(path: str | None) -> Any:
    from govwatch.core.siteconfig import load_site_config
    try:
        return load_site_config(path)
    except ConfigError as exc:
        raise _usage_error(str(exc)) from None


# -- govwatch probe -------------------------------------------------------------------


def cmd_probe(args: argparse.Namespace) -> int:
    """N visits of one URL, spaced --interval seconds; stored, summarised, written as Probe JSON."""
    from govwatch.commands.main import _write_json, console
    from govwatch.crawl.availability.document import probe_document, summary_line, visit_line
    from govwatch.crawl.availability.visit import Visit, visit, visit_row
    from govwatch.store.probes import (
        Target,
        TargetError,
        classify_target,
        normal_url,
        resolve_target,
        save_rows,
    )

    if args.count < 1:
        raise _usage_error(f"--count must be at least 1, got {args.count}")
    _positive(args.interval, "--interval", allow_zero=True)
    settings = _load(args)
    p = settings.probe
    config = _site_config(args.site_config)
    try:
        url = normal_url(args.url)
        site = normal_url(args.site) if args.site else url
    except TargetError as exc:
        raise _usage_error(str(exc)) from None
    store = None if args.no_store else _open_store(settings)
    if store is not None:
        target = resolve_target(store, url, site=site, site_config=config)
    else:
        kind, name = classify_target(url, site, config)
        target = Target(0, site, url, kind, name)
    visits: list[Visit] = []

    async def series() -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        for i in range(args.count):
            delay = start + i * args.interval - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            result = await visit(url, timeout=p.timeout, max_bytes=p.max_bytes, user_agent=p.user_agent,
                                 confirm=p.confirm)
            visits.append(result)
            if store is not None:
                await asyncio.to_thread(save_rows, store, [visit_row(target, result, p.timeout)])
            if not args.quiet:
                console.print(visit_line(i + 1, result), markup=False, highlight=False, soft_wrap=True)

    interrupted = False
    try:
        asyncio.run(series())
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if store is not None:
            store.close()
    doc = probe_document(url, visits, timeout_s=p.timeout, confirm=p.confirm, requested=args.count,
                         interval_s=args.interval, interrupted=interrupted,
                         target={"site_id": target.site_id if store is not None else None,
                                 "site_url": target.site_url, "kind": target.kind, "name": target.name})
    if args.json:
        _write_json(doc, args.json)
    console.print(f"{url}: {summary_line(visits)}"
                  + (f" — interrupted after {len(visits)} of {args.count} visits" if interrupted else ""),
                  markup=False, highlight=False, soft_wrap=True)
    return 130 if interrupted else 0


# -- govwatch monitor -------------------------------------------------------------------


def cmd_monitor(args: argparse.Namespace) -> int:
    """Probe sites, key columns and business systems on a schedule until stopped."""
    from govwatch.commands.main import console
    from govwatch.crawl.availability.document import visit_line
    from govwatch.crawl.availability.monitor import Monitor, MonitorOptions
    from govwatch.crawl.availability.visit import Visit, visit_row
    from govwatch.store.probes import Target, TargetError, save_rows, site_targets

    if not args.urls:
        raise _usage_error("give at least one site homepage URL to monitor")
    configs = [_site_config(path) for path in args.site_config or []]
    if len(configs) > len(args.urls):
        raise _usage_error(f"{len(configs)} --site-config files for {len(args.urls)} URLs: each --site-config "
                           "belongs to the URL in the same position")
    _positive(args.interval, "--interval")
    _positive(args.duration, "--duration")
    if args.concurrency < 1:
        raise _usage_error(f"--concurrency must be at least 1, got {args.concurrency}")
    settings = _load(args, visits_per_day=args.visits_per_day)
    p = settings.probe
    store = _open_store(settings)
    try:
        targets: list[Target] = []
        seen: set[tuple[int, str]] = set()
        for i, url in enumerate(args.urls):
            try:
                found = site_targets(store, url, configs[i] if i < len(configs) else None)
            except TargetError as exc:
                raise _usage_error(str(exc)) from None
            for target in found:
                if (target.site_id, target.url) not in seen:
                    seen.add((target.site_id, target.url))
                    targets.append(target)
        interval = args.interval or 86400 / p.visits_per_day
        options = MonitorOptions(interval=interval, timeout=p.timeout, max_bytes=p.max_bytes,
                                 user_agent=p.user_agent, confirm=p.confirm, jitter=p.jitter,
                                 concurrency=args.concurrency)
        console.print(f"monitoring {len(targets)} targets of {len(args.urls)} sites: one visit every {interval:g} s "
                      f"each (+/-{p.jitter:.0%}), timeout {p.timeout:g} s; stored in {settings.store.url}. "
                      "Ctrl-C to stop.", markup=False, highlight=False)

        def sink(batch: list[tuple[Target, Visit]]) -> None:
            save_rows(store, [visit_row(t, v, p.timeout) for t, v in batch])

        def on_visit(target: Target, n: int, result: Visit) -> None:
            if not args.quiet:
                print(visit_line(n, result, f"{target.url} ({target.kind})"), flush=True)

        received: list[int] = []

        async def run() -> Monitor:
            monitor = Monitor(targets, options, sink=sink, on_visit=on_visit)
            loop = asyncio.get_running_loop()
            installed = []
            for sig in (signal.SIGINT, signal.SIGTERM):
                try:
                    loop.add_signal_handler(sig, lambda s=sig: (received.append(s), monitor.stop()))
                    installed.append(sig)
                except (NotImplementedError, RuntimeError, ValueError):
                    pass
            try:
                await monitor.run(args.duration)
            finally:
                for sig in installed:
                    loop.remove_signal_handler(sig)
            return monitor

        try:
            monitor = asyncio.run(run())
        except KeyboardInterrupt:
            console.print("interrupted: the visits so far are stored", markup=False)
            return 130
        for stats in monitor.stats.values():
            t = stats.target
            ratio = f"{stats.failed / stats.visits:.1%}" if stats.visits else "-"
            console.print(f"{t.url} ({t.label}): {stats.visits} visits, {stats.failed} failed ({ratio}), "
                          f"{stats.blips} blips", markup=False, highlight=False)
        console.print(f"{monitor.stored} visits stored", markup=False)
        if monitor.error:
            console.print(f"failed: {monitor.error}", markup=False)
            return 1
        return 130 if signal.SIGINT in received else 0
    finally:
        store.close()


# -- parser -------------------------------------------------------------------------------


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--timeout", type=float, help="seconds within which the page must open (default 15)")
    p.add_argument("--no-confirm", action="store_true", help="do not re-probe a failed visit (probe.confirm=false)")
    p.add_argument("--db", help="store URL or SQLite file (default: govwatch.db)")
    p.add_argument("--config", help="YAML settings file (sections: crawl, store, probe, render)")
    p.add_argument("--quiet", action="store_true", help="no line per visit, only the summary")


def add_probe_commands(sub: Any) -> None:
    """Register ``probe`` and ``monitor`` on the CLI's subparsers."""
    raw = argparse.RawDescriptionHelpFormatter
    p = sub.add_parser("probe", help="visit a URL N times and time each visit (availability, 首页可用性)",
                       description="Visit URL --count times, --interval seconds apart, and time each visit.",
                       epilog=PROBE_EPILOG, formatter_class=raw)
    p.add_argument("url", help="the page to visit (a site homepage unless --site says otherwise)")
    p.add_argument("--count", type=int, default=1, help="visits (default 1)")
    p.add_argument("--interval", type=float, default=0.0, help="seconds from one visit's start to the next (default 0)")
    p.add_argument("--json", help="write the Probe JSON here ('-' for stdout)")
    p.add_argument("--site", help="homepage of the site URL belongs to (URL is then stored as a column or system)")
    p.add_argument("--site-config", help="the site's config (a URL listed in its systems is stored as a system)")
    p.add_argument("--no-store", action="store_true", help="do not store the visits")
    _common(p)
    p.set_defaults(func=cmd_probe)

    m = sub.add_parser("monitor", help="probe sites, key columns and business systems on a schedule until stopped",
                       description="Probe every site's homepage, key columns and business systems on a schedule, "
                                   "in the foreground, storing every visit.",
                       epilog=MONITOR_EPILOG, formatter_class=raw)
    m.add_argument("urls", nargs="*", metavar="URL", help="site homepage URLs")
    m.add_argument("--site-config", action="append", metavar="FILE",
                   help="site config of the URL in the same position (repeatable): key columns and systems")
    m.add_argument("--visits-per-day", type=int, help="visits per target per day (default 20)")
    m.add_argument("--interval", type=float, help="seconds between visits of one target (overrides --visits-per-day)")
    m.add_argument("--duration", type=float, help="stop after this many seconds (default: run until stopped)")
    m.add_argument("--concurrency", type=int, default=32, help="visits in flight overall (default 32)")
    _common(m)
    m.set_defaults(func=cmd_monitor)
