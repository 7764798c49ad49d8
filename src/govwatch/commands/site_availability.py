"""``govwatch probe`` and ``govwatch monitor``: availability (首页可用性) of sites, key columns and
business systems (thin: parse, call ``crawl.availability``, store the visits, print).

Both commands share the CLI's conventions: exit 0 when the command completed
(whatever the result), 2 for usage or configuration errors, 1 for a runtime
failure, 130 when Ctrl-C stopped it (results so far are kept); a SIGTERM stops
``probe`` like Ctrl-C (exit 143) and ends ``monitor``, a service, normally (exit 0).
"""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING, Any

from govwatch.commands.common import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    UsageError,
    add_config_flag,
    add_db_flag,
    cli_settings,
    console,
    interrupted_exit,
    open_store,
    plain,
    write_json,
)
from govwatch.core.settings import ConfigError, Settings

if TYPE_CHECKING:
    from govwatch.crawl.availability.monitor import Monitor, MonitorOptions
    from govwatch.store.db import Store
    from govwatch.store.probes import Target

PROBE_EPILOG = """\
A visit is one GET over a fresh connection (DNS, connect, TLS and first byte are timed). It fails
when the page is not open within --timeout seconds (default 15, the national rule) or answers with
an HTTP status >= 400. Every visit counts by its own result (the national rule counts every
visit that does not open). A failed visit is probed again at once (probe.confirm; --no-confirm
turns it off): the re-probe is evidence, kept in `confirmed_by`, of whether the failure was
sustained (the re-probe failed too) or transient (it opened); it never turns a failed visit into
an open one. Visits are stored in the database under the site whose homepage is URL (or --site).

--json FILE writes the Probe JSON: {url, count, failed, failure_ratio, failed_sustained,
failed_transient, failed_unconfirmed, timeout_s, probes: [{at, ok, status, error, dns_ms,
connect_ms, tls_ms, first_byte_ms, total_ms, bytes, confirmed_by}]}
(schema: govwatch/schemas/probe.schema.json). '-' writes it to stdout.

exit codes: 0 completed (whatever the result), 2 usage or configuration error, 1 runtime failure,
130 interrupted by Ctrl-C, 143 by SIGTERM (the visits so far are stored and written).
"""

MONITOR_EPILOG = """\
Sites are the URLs given, or the registry's (--all; --org CODE for one organisation and those
below it: status 正常 only, with the key columns and systems of the site config each site's newest
run used). Each site gets probe.visits_per_day visits a day (default 20, the rule's minimum), spaced evenly
with +/- probe.jitter, sites staggered; so do the key columns (key: true) and business systems
(systems) of the site's --site-config. --site-config files pair with the URLs in order: the first
file belongs to the first URL. --interval SECONDS overrides the cadence (tests, demos). Every visit
is stored as it comes and printed as one line.

Runs until Ctrl-C (exit 130), SIGTERM (exit 0) or --duration SECONDS (exit 0). A store that fails
stops it with exit 1; bad arguments or configuration exit 2.
"""


def _positive(value: float | None, flag: str, *, allow_zero: bool = False) -> None:
    if value is None:
        return
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise UsageError(f"{flag} 须{'不小于 0' if allow_zero else '大于 0'}，收到 {value:g}")


def _probe_settings(args: argparse.Namespace, **probe: Any) -> Settings:
    """Settings with the probe flags (--timeout, --no-confirm and ``probe``) applied."""
    overrides: dict[str, Any] = {k: v for k, v in probe.items() if v is not None}
    if getattr(args, "timeout", None) is not None:
        _positive(args.timeout, "--timeout")
        overrides["timeout"] = args.timeout
    if getattr(args, "no_confirm", False):
        overrides["confirm"] = False
    return cli_settings(args, {"probe": overrides})


def _site_config(path: str | None) -> Any:
    from govwatch.core.siteconfig import load_site_config

    try:
        return load_site_config(path)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


# -- govwatch probe -------------------------------------------------------------------


def cmd_probe(args: argparse.Namespace) -> int:
    """N visits of one URL, spaced --interval seconds; stored, summarised, written as Probe JSON."""
    import asyncio  # here, not at the top: the CLI module is imported by every spawned crawl worker

    from govwatch.core import aio
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
        raise UsageError(f"--count 须不小于 1，收到 {args.count}")
    _positive(args.interval, "--interval", allow_zero=True)
    settings = _probe_settings(args)
    p = settings.probe
    config = _site_config(args.site_config)
    try:
        url = normal_url(args.url)
        site = normal_url(args.site) if args.site else url
    except TargetError as exc:
        raise UsageError(str(exc)) from None
    store = None if args.no_store else open_store(settings)
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
                plain(console, visit_line(i + 1, result))

    stopped: KeyboardInterrupt | None = None
    try:
        aio.run(series())  # SIGTERM stops it like Ctrl-C
    except KeyboardInterrupt as exc:
        stopped = exc
    finally:
        if store is not None:
            store.close()
    doc = probe_document(url, visits, timeout_s=p.timeout, confirm=p.confirm, requested=args.count,
                         interval_s=args.interval, interrupted=stopped is not None,
                         target={"site_id": target.site_id if store is not None else None,
                                 "site_url": target.site_url, "kind": target.kind, "name": target.name})
    if args.json:
        write_json(doc, args.json)
    plain(console, f"{url}: {summary_line(visits)}"
          + (f"（已中断：完成 {args.count} 次访问中的 {len(visits)} 次）" if stopped is not None else ""))
    return interrupted_exit(stopped) if stopped is not None else EXIT_OK


# -- govwatch monitor -------------------------------------------------------------------


def cmd_monitor(args: argparse.Namespace) -> int:
    """Probe sites, key columns and business systems on a schedule until stopped."""
    import asyncio
    import signal
    configs = _monitor_site_configs(args)
    settings = _probe_settings(args, visits_per_day=args.visits_per_day)
    store = open_store(settings)
    try:
        if args.all or args.org:
            targets, sites = _registry_targets(store, args.org)
        else:
            targets, sites = _monitor_targets(store, args.urls, configs), len(args.urls)
        options = _monitor_options(args, settings)
        plain(console, f"正在监测 {sites} 个网站的 {len(targets)} 个目标：每个目标每 {options.interval:g} 秒访问一次"
                       f"（±{options.jitter:.0%}），超时 {options.timeout:g} 秒；结果存入 {settings.store.url}。"
                       "按 Ctrl-C 停止。")
        received: list[int] = []
        try:
            monitor = asyncio.run(_run_monitor(targets, options, store, duration=args.duration, quiet=args.quiet,
                                                 received=received))
        except KeyboardInterrupt:
            plain(console, "已中断：已完成的访问均已保存")
            return EXIT_INTERRUPTED
        return _print_monitor_summary(monitor, interrupted=signal.SIGINT in received)
    finally:
        store.close()


def _monitor_site_configs(args: argparse.Namespace) -> list[Any]:
    """Check the monitor's arguments; the --site-config files, in the order of the URLs they belong to."""
    if (args.all or args.org) and (args.urls or args.site_config):
        raise UsageError("--all 和 --org 从网站名单读取网站：不能再同时给出网址或 --site-config")
    if args.all and args.org:
        raise UsageError("--all（全部已登记网站）和 --org CODE（一个机构的网站）只能给出其一")
    if not args.urls and not (args.all or args.org):
        raise UsageError("请至少给出一个要监测的网站首页网址，或用 --all / --org CODE 监测网站名单中的网站")
    configs = [_site_config(path) for path in args.site_config or []]
    if len(configs) > len(args.urls):
        raise UsageError(f"给出了 {len(configs)} 个 --site-config 文件，但只有 {len(args.urls)} 个网址："
                         "每个 --site-config 对应相同位置的网址")
    _positive(args.interval, "--interval")
    _positive(args.duration, "--duration")
    if args.concurrency < 1:
        raise UsageError(f"--concurrency 须不小于 1，收到 {args.concurrency}")
    return configs


def _monitor_targets(store: Store, urls: list[str], configs: list[Any]) -> list[Target]:
    """Every site's homepage, key columns and systems (stored as probe targets), each once."""
    from govwatch.store.probes import TargetError, site_targets

    targets: list[Target] = []
    seen: set[tuple[int, str]] = set()
    for i, url in enumerate(urls):
        try:
            found = site_targets(store, url, configs[i] if i < len(configs) else None)
        except TargetError as exc:
            raise UsageError(str(exc)) from None
        for target in found:
            if (target.site_id, target.url) not in seen:
                seen.add((target.site_id, target.url))
                targets.append(target)
    return targets


def _registry_targets(store: Store, org: str | None) -> tuple[list[Target], int]:
    """The registered sites' targets (status 正常; of org ``org`` and below when given), each with the
    key columns and systems of the site config its newest run used; and how many sites."""
    from govwatch.core.serviceconfig import ServiceConfig
    from govwatch.registry import RegistryError
    from govwatch.service.targets import all_targets, service_sites

    try:
        sites = service_sites(store, ServiceConfig(), org_code=org)
    except RegistryError as exc:
        raise UsageError(str(exc)) from None
    if not sites:
        raise UsageError(f"{'机构 ' + org + ' 及其下级' if org else ''}没有可监测的已登记网站"
                         "（先用 govwatch sites import FILE 登记）")
    return all_targets(sites), len(sites)


def _monitor_options(args: argparse.Namespace, settings: Settings) -> MonitorOptions:
    """The schedule: --interval, or one visit per target every 86400 / probe.visits_per_day seconds."""
    from govwatch.crawl.availability.monitor import MonitorOptions

    p = settings.probe
    return MonitorOptions(interval=args.interval or 86400 / p.visits_per_day, timeout=p.timeout,
                          max_bytes=p.max_bytes, user_agent=p.user_agent, confirm=p.confirm, jitter=p.jitter,
                          concurrency=args.concurrency)


async def _run_monitor(targets: list[Target], options: MonitorOptions, store: Store, *, duration: float | None,
                       quiet: bool, received: list[int]) -> Monitor:
    """Run the monitor, storing every visit, until ``duration`` seconds have passed or SIGINT/SIGTERM
    stops it (the signal is appended to ``received``)."""
    import asyncio
    import signal

    from govwatch.crawl.availability.document import visit_line
    from govwatch.crawl.availability.monitor import Monitor
    from govwatch.crawl.availability.visit import Visit, visit_row
    from govwatch.store.probes import save_rows

    def sink(batch: list[tuple[Target, Visit]]) -> None:
        save_rows(store, [visit_row(t, v, options.timeout) for t, v in batch])

    def on_visit(target: Target, n: int, result: Visit) -> None:
        if not quiet:
            print(visit_line(n, result, f"{target.url} ({target.kind})"), flush=True)

    monitor = Monitor(targets, options, sink=sink, on_visit=on_visit)

    def stop(sig: int) -> None:
        received.append(sig)
        monitor.stop()

    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop, sig)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass
    try:
        await monitor.run(duration)
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
    return monitor


def _print_monitor_summary(monitor: Monitor, *, interrupted: bool) -> int:
    """Visits and failures per target; exit 1 when storing failed, 130 after Ctrl-C, else 0."""
    for stats in monitor.stats.values():
        t = stats.target
        ratio = f"{stats.failed / stats.visits:.1%}" if stats.visits else "-"
        plain(console, f"{t.url}（{t.label}）：访问 {stats.visits} 次，失败 {stats.failed} 次（{ratio}），"
                       f"其中持续性 {stats.sustained} 次、偶发 {stats.transient} 次")
    plain(console, f"已保存访问记录 {monitor.stored} 条")
    if monitor.error:
        plain(console, f"运行失败：{monitor.error}")
        return EXIT_FAILURE
    return EXIT_INTERRUPTED if interrupted else EXIT_OK


# -- parser -------------------------------------------------------------------------------


def _probe_flags(p: argparse.ArgumentParser) -> None:
    """The flags probe and monitor share: timeout, confirmation, store, settings, quiet."""
    p.add_argument("--timeout", type=float, help="seconds within which the page must open (default 15)")
    p.add_argument("--no-confirm", action="store_true",
                   help="do not re-probe a failed visit (probe.confirm=false; the visit fails either way)")
    add_db_flag(p)
    add_config_flag(p, "YAML settings file (sections: crawl, store, probe, render)")
    p.add_argument("--quiet", action="store_true", help="no line per visit, only the summary")


def add_availability_commands(sub: Any) -> None:
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
    _probe_flags(p)
    p.set_defaults(func=cmd_probe)

    m = sub.add_parser("monitor", help="probe sites, key columns and business systems on a schedule until stopped",
                       description="Probe every site's homepage, key columns and business systems on a schedule, "
                                   "in the foreground, storing every visit.",
                       epilog=MONITOR_EPILOG, formatter_class=raw)
    m.add_argument("urls", nargs="*", metavar="URL", help="site homepage URLs")
    m.add_argument("--all", action="store_true", help="every registered site (status 正常) of the registry")
    m.add_argument("--org", metavar="CODE", help="the registered sites of this organisation and those below it")
    m.add_argument("--site-config", action="append", metavar="FILE",
                   help="site config of the URL in the same position (repeatable): key columns and systems")
    m.add_argument("--visits-per-day", type=int, help="visits per target per day (default 20)")
    m.add_argument("--interval", type=float, help="seconds between visits of one target (overrides --visits-per-day)")
    m.add_argument("--duration", type=float, help="stop after this many seconds (default: run until stopped)")
    m.add_argument("--concurrency", type=int, default=32, help="visits in flight overall (default 32)")
    _probe_flags(m)
    m.set_defaults(func=cmd_monitor)
