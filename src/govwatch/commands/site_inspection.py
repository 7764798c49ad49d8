"""``govwatch inspect``: crawl and check one site, or every registered site (thin: parse, call the
pipeline, print)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from govwatch.commands.common import (
    EXIT_OK,
    UsageError,
    add_crawl_flags,
    add_report_flags,
    console,
    crawl_progress,
    crawl_settings,
    interrupted_exit,
    open_store,
    plain,
    verdict_text,
    write_json,
    write_report_files,
)


def cmd_inspect(args: argparse.Namespace) -> int:
    """Inspect the sites and print each run's summary. A Ctrl-C or SIGTERM that comes while a
    run's checks compute cannot stop them: the run completes, its output is written and the exit
    status is 0 (with a note); with more sites to inspect, the command stops there (130/143)."""
    from govwatch.core import aio
    from govwatch.core.clock import parse_as_of
    from govwatch.pipeline import InspectionError, inspect_site

    try:
        as_of = parse_as_of(args.as_of)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    chosen = [flag for flag, on in (("URL", args.url), ("--all", args.all), ("--org", args.org)) if on]
    if len(chosen) != 1:
        raise UsageError("网址、--all、--org CODE 三者须给出且只能给出其一")
    store = None if args.url else open_store(crawl_settings(args))  # the registry names the sites
    targets = [(args.url, args.url)] if args.url else _registered_targets(store, args.org)
    rules, site_config = _rules_and_site_config(args)
    settings = crawl_settings(args)
    store = store or open_store(settings)
    many = len(targets) > 1 or args.url is None
    for done, (url, label) in enumerate(targets, start=1):
        try:
            with crawl_progress(console, url) as progress:
                inspection = inspect_site(url, settings, store, as_of=as_of, resume=args.resume, progress=progress,
                                          rules=rules, site_config=site_config)
        except InspectionError as exc:
            if not many:
                raise UsageError(str(exc)) from None
            plain(console, f"{label}：{exc}")
            continue
        late = aio.late_interrupt()  # a signal during the checks: they finished, the run is complete
        doc = inspection.document
        try:
            json_written = None
            if args.json:
                json_written = write_json(doc, _per_site(args.json, label) if many and args.json != "-" else args.json)
            if args.out:
                write_report_files(doc, Path(_per_site(args.out, label) if many else args.out), args.formats,
                                   settings, json_written=json_written)
        except KeyboardInterrupt as exc:
            plain(console, f"写报告时收到 {_signal_name(exc)}：运行 {inspection.run_id} 已完成（无需续检）；"
                           f"可用 govwatch score {inspection.run_id} --json/--out 重新写出报告")
            return interrupted_exit(exc)
        _print_summary(doc, inspection.run_id, inspection.resumed)
        if late is not None:
            plain(console, f"检查进行中收到 {_signal_name(late)}，检查已做完：运行 {inspection.run_id} 已完成（无需续检）")
            if done < len(targets):
                plain(console, f"已停止：其余 {len(targets) - done} 个网站未检查")
                return interrupted_exit(late)
    return EXIT_OK


def _signal_name(exc: KeyboardInterrupt) -> str:
    """How the user stopped the command: 'SIGTERM' (``aio.Terminated``) or 'Ctrl-C'."""
    from govwatch.core.aio import Terminated

    return "SIGTERM" if isinstance(exc, Terminated) else "Ctrl-C"


def _registered_targets(store: Any, org: str | None) -> list[tuple[str, str]]:
    """(URL, label) of the registry's sites to inspect: all of them, or those of --org CODE."""
    from govwatch.registry import RegistryError, selection

    try:
        chosen_sites = selection(store, org)
    except RegistryError as exc:
        raise UsageError(str(exc)) from None
    for site in chosen_sites.skipped:
        plain(console, f"跳过 {site.name or site.url}（{site.url}）：运行状态为{site.status}")
    if not chosen_sites.sites:
        raise UsageError("没有可检查的已登记网站（先用 govwatch sites import FILE 登记）")
    return [(site.url, _slug(site.site_code or site.url)) for site in chosen_sites.sites]


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text.split("://")[-1]).strip("_")[:80]


def _per_site(path: str, label: str) -> str:
    """A per-site file or folder when one command inspects many sites: DIR/<label>[/name]."""
    target = Path(path)
    return str(target.parent / label / target.name) if target.suffix else str(target / label)


def _rules_and_site_config(args: argparse.Namespace) -> tuple[Any, Any]:
    """The rule table (--rules) and site config (--site-config); problems are usage errors."""
    from govwatch.core.settings import ConfigError
    from govwatch.core.siteconfig import load_site_config
    from govwatch.rules import RulesError, load_ruleset

    try:
        return load_ruleset(args.rules), load_site_config(args.site_config)
    except (RulesError, ConfigError) as exc:
        raise UsageError(str(exc)) from None


def _print_summary(doc: dict[str, Any], run_id: int, resumed: bool) -> None:
    broken = doc["links"]["broken"]
    home = sum(1 for b in broken if b["scope"] == "homepage")
    plain(console,
          f"运行 {run_id}{'（续检）' if resumed else ''}：{doc['site']['name'] or doc['site']['url']} — "
          f"页面 {doc['pages']['crawled']} 个（失败 {doc['pages']['failed']} 个），检查链接 {doc['links']['checked']} 个，"
          f"失效 {len(broken)} 个（首页 {home} 个），无法核实 {len(doc['links'].get('unverifiable', []))} 个，"
          f"问题 {len(doc['findings'])} 个")
    if doc.get("scoring"):
        plain(console, f"  {doc['scoring']['ruleset']['name']}：{verdict_text(doc['scoring'])}")


def add_inspect_command(sub: Any) -> None:
    """Register ``inspect`` on the CLI's subparsers."""
    p = sub.add_parser("inspect", help="crawl a site, check it, write the inspection JSON and HTML report")
    p.add_argument("url", nargs="?", help="the site's homepage URL (a host, or a path prefix on a shared host)")
    p.add_argument("--all", action="store_true", help="inspect every registered site (status 正常)")
    p.add_argument("--org", help="inspect the registered sites of this organisation code and those below it")
    p.add_argument("--as-of", help="inspection time point YYYY-MM-DD (default: today, Asia/Shanghai)")
    p.add_argument("--rules", help="rule table: a shipped name (national-2019, census-2015) or a YAML file "
                                   "(default national-2019)")
    p.add_argument("--site-config", help="site config YAML: column overrides, key columns, business systems")
    p.add_argument("--json", help="write the inspection JSON here ('-' for stdout)")
    p.add_argument("--out", help="write the reports (--formats, default report.html and inspection.json) into this "
                                 "folder; with --all/--org one subfolder per site")
    p.add_argument("--resume", action="store_true",
                   help="finish the site's newest unfinished run: a crawl stopped by Ctrl-C, SIGTERM or a kill goes on "
                        "without refetching what was stored; a run stopped after its crawl is checked, nothing fetched")
    add_report_flags(p)
    add_crawl_flags(p)
    p.set_defaults(func=cmd_inspect)
