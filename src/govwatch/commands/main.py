"""The ``govwatch`` command line (thin: parse arguments, call the pipeline, print).

Exit codes: 0 the command completed (whatever the verdict); 1 a runtime
failure; 2 a usage or configuration error; 130 interrupted (resumable).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from govwatch import __version__
from govwatch.core.settings import ConfigError, Settings, load_settings

console = Console(stderr=True, highlight=False)


class UsageError(Exception):
    """Bad arguments or configuration (exit 2)."""


def _crawl_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """Flags that override crawl settings (only those given)."""
    crawl: dict[str, Any] = {}
    for flag, key in (("max_pages", "max_pages"), ("timeout", "timeout"), ("concurrency", "concurrency"),
                      ("per_host_concurrency", "per_host_concurrency"), ("rate", "per_host_rate"),
                      ("max_depth", "max_depth")):
        value = getattr(args, flag, None)
        if value is not None:
            crawl[key] = value
    if getattr(args, "offline", False):
        crawl["network"] = "offline"
    if getattr(args, "robots", False):
        crawl["respect_robots"] = True
    return crawl


def _settings(args: argparse.Namespace, **extra_crawl: Any) -> Settings:
    overrides: dict[str, dict[str, Any]] = {"crawl": {**extra_crawl, **_crawl_overrides(args)}}
    if getattr(args, "db", None):
        overrides["store"] = {"url": args.db}
    try:
        return load_settings(getattr(args, "config", None), overrides)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def open_store(args: argparse.Namespace) -> Any:
    """The store named by --db / --config (a store that cannot be opened is a usage error)."""
    from govwatch.store.db import Store, StoreError
    try:
        return Store(_settings(args).store.url)
    except StoreError as exc:
        raise UsageError(str(exc)) from None


def _write_json(data: Any, target: str | None) -> None:
    from govwatch.core.jsonfile import json_bytes

    text = json_bytes(data)
    if target in (None, "-"):
        sys.stdout.write(text.decode("utf-8"))
    else:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(target).write_bytes(text)


# -- commands ---------------------------------------------------------------------


def cmd_inspect(args: argparse.Namespace) -> int:
    from govwatch.commands.progress import crawl_progress
    from govwatch.core.clock import parse_as_of
    from govwatch.pipeline import InspectionError, inspect_site

    try:
        as_of = parse_as_of(args.as_of)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    targets = _inspect_targets(args)
    rules, site_config = _rules_and_site_config(args)
    settings = _settings(args)
    store = open_store(args)
    many = len(targets) > 1 or args.url is None
    for url, label in targets:
        try:
            with crawl_progress(console, url) as progress:
                inspection = inspect_site(url, settings, store, as_of=as_of, resume=args.resume, progress=progress,
                                          rules=rules, site_config=site_config)
        except InspectionError as exc:
            if not many:
                raise UsageError(str(exc)) from None
            console.print(f"[red]{label}: {exc}[/]")
            continue
        doc = inspection.document
        if args.json:
            _write_json(doc, _per_site(args.json, label) if many and args.json != "-" else args.json)
        if args.out:
            from govwatch.commands.scoring import _write_outputs
            _write_outputs(doc, Path(_per_site(args.out, label) if many else args.out), args)
        _print_summary(doc, inspection.run_id, inspection.resumed)
    return 0


def _inspect_targets(args: argparse.Namespace) -> list[tuple[str, str]]:
    """(URL, label) of the sites to inspect: URL, or the registry's sites (--all / --org CODE)."""
    chosen = [flag for flag, on in (("URL", args.url), ("--all", args.all), ("--org", args.org)) if on]
    if len(chosen) != 1:
        raise UsageError("give exactly one of URL, --all or --org CODE")
    if args.url:
        return [(args.url, args.url)]
    from govwatch.registry import RegistryError, selection
    try:
        chosen_sites = selection(open_store(args), args.org)
    except RegistryError as exc:
        raise UsageError(str(exc)) from None
    for site in chosen_sites.skipped:
        console.print(f"skipped {site.name or site.url} ({site.url}): status {site.status}")
    if not chosen_sites.sites:
        raise UsageError("no registered sites to inspect (govwatch sites import FILE first)")
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
    console.print(
        f"run {run_id}{' (resumed)' if resumed else ''}: {doc['site']['name'] or doc['site']['url']} — "
        f"{doc['pages']['crawled']} pages ({doc['pages']['failed']} failed), {doc['links']['checked']} links checked, "
        f"{len(broken)} broken ({home} on the homepage), {len(doc['links'].get('unverifiable', []))} unverifiable, "
        f"{len(doc['findings'])} findings")
    if doc.get("scoring"):
        from govwatch.commands.scoring import verdict_text
        console.print(f"  {doc['scoring']['ruleset']['name']}: {verdict_text(doc['scoring'])}")


def cmd_extract(args: argparse.Namespace) -> int:
    from govwatch.extract import extract_page, facts_to_json

    source = args.file_or_url
    if source.startswith(("http://", "https://")):
        from govwatch.crawl.single import fetch_one
        result = fetch_one(source, _settings(args))
        if not result.ok:
            console.print(f"[red]cannot fetch {source}: {result.error or result.status} {result.error_detail}[/]")
            return 1
        body, url, ctype = result.body, args.url or result.final_url, result.content_type
    else:
        path = Path(source)
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror}") from None
        url, ctype = args.url or path.resolve().as_uri().replace("file://", "http://localhost"), ""
    facts = extract_page(body, url, content_type=ctype, site_root=args.site_root)
    _write_json(facts_to_json(facts), args.json)
    if args.json and args.json != "-":
        console.print(f"{facts.page_type}: {facts.title!r}, {len(facts.links)} links, "
                      f"{sum(len(b.items) for b in facts.lists)} list items → {args.json}")
    return 0


def cmd_warnings(args: argparse.Namespace) -> int:
    from rich.table import Table

    from govwatch.core.clock import parse_as_of
    from govwatch.scoring.deadlines import upcoming_deadlines
    from govwatch.store.db import Store, StoreError

    try:
        as_of = parse_as_of(args.as_of)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.days < 0:
        raise UsageError("--days must not be negative")
    settings = _settings(args)
    try:
        store = Store(settings.store.url)
    except StoreError as exc:
        raise UsageError(str(exc)) from None
    site = None
    if args.site:
        from govwatch.core.urls import normalize_url
        site = normalize_url(args.site)
        if site is None:
            raise UsageError(f"not a usable http(s) URL: {args.site!r}")
    deadlines = upcoming_deadlines(store, as_of, args.days, site)
    if args.json:
        _write_json({"as_of": as_of.isoformat(), "days": args.days,
                     "warnings": [d.as_json() for d in deadlines]}, args.json)
    if args.json == "-":
        return 0
    if not deadlines:
        console.print(f"no column reaches its update deadline within {args.days} days of {as_of.isoformat()}")
        return 0
    current = None
    for d in deadlines:
        if d.site_url != current:
            current = d.site_url
            table = Table(title=f"{d.site_name or d.site_url}  (run {d.run_id}, as of {d.run_as_of})",
                          title_justify="left")
            for heading in ("栏目", "类型", "最近更新", "期限", "最后期限", "剩余天数"):
                table.add_column(heading)
            rows = [x for x in deadlines if x.site_url == current]
            for x in rows:
                left = f"[red]已超期{-x.days_left}天[/]" if x.days_left < 0 else (
                    f"[yellow]{x.days_left}[/]" + ("（今天是最后一天）" if x.days_left == 0 else "")
                    if x.days_left <= 3 else str(x.days_left))
                table.add_row(x.column, x.type, x.last_update or "-", x.window or "-", x.expires, left)
            console.print(table)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from govwatch.commands.demo import run_demo
    return run_demo(args, console)


def cmd_sim_serve(args: argparse.Namespace) -> int:
    from datetime import date

    from govwatch.sim import SimOptions, serve
    options = SimOptions(seed=args.seed, site_pages=args.pages,
                         as_of=date.fromisoformat(args.as_of) if args.as_of else None)
    serve(options, port=args.port, manifest_path=args.manifest)
    return 0


def cmd_sim_export(args: argparse.Namespace) -> int:
    from datetime import date

    from govwatch.sim import SimOptions, export_static
    options = SimOptions(seed=args.seed, site_pages=args.pages,
                         as_of=date.fromisoformat(args.as_of) if args.as_of else None)
    summary = export_static(options, args.site, Path(args.dir), args.origin)
    console.print(summary)
    return 0


# -- parser -----------------------------------------------------------------------


def add_store_flags(p: argparse.ArgumentParser) -> None:
    """--config and --db: the settings file and the store, shared by every command that opens one."""
    p.add_argument("--config", help="YAML settings file")
    p.add_argument("--db", help="store URL or SQLite file (default: govwatch.db)")


def _add_crawl_flags(p: argparse.ArgumentParser) -> None:
    add_store_flags(p)
    p.add_argument("--max-pages", type=int, help="stop crawling pages after N (default 50000)")
    p.add_argument("--max-depth", type=int, help="deepest link level followed (default 12)")
    p.add_argument("--timeout", type=float, help="seconds per request (default 15)")
    p.add_argument("--concurrency", type=int, help="requests in flight overall (default 32)")
    p.add_argument("--per-host-concurrency", type=int, help="requests in flight per host (default 6)")
    p.add_argument("--rate", type=float, help="requests per second per host, 0 = unlimited (default 30)")
    p.add_argument("--offline", action="store_true",
                   help="never fetch links to non-loopback hosts; report them as unverifiable")
    p.add_argument("--robots", action="store_true", help="obey robots.txt (off by default)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govwatch", description="Inspect and monitor Chinese government websites.")
    parser.add_argument("--version", action="version", version=f"govwatch {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

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
    p.add_argument("--resume", action="store_true", help="continue the site's interrupted run")
    from govwatch.commands.scoring import add_report_flags
    add_report_flags(p)
    _add_crawl_flags(p)
    p.set_defaults(func=cmd_inspect)

    p = sub.add_parser("extract", help="show what govwatch understands of one page")
    p.add_argument("file_or_url")
    p.add_argument("--url", help="the page's URL, to resolve relative links of a file")
    p.add_argument("--site-root", help="the site's homepage URL (helps tell the homepage apart)")
    p.add_argument("--json", help="write the extract JSON here (default: stdout)")
    _add_crawl_flags(p)
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("warnings", help="early warnings: columns closest to their update deadline, site by site")
    p.add_argument("--days", type=int, default=7, help="list deadlines within N days, and overdue ones (default 7)")
    p.add_argument("--as-of", help="count days from this date (default: today, Asia/Shanghai)")
    p.add_argument("--site", help="only this site (its homepage URL)")
    p.add_argument("--json", help="write the warnings as JSON here ('-' for stdout)")
    add_store_flags(p)
    p.set_defaults(func=cmd_warnings)

    p = sub.add_parser("demo", help="serve the bundled simulated sites on 127.0.0.1 and inspect them")
    p.add_argument("--out", default="govwatch-out/demo", help="folder for reports (default govwatch-out/demo)")
    p.add_argument("--pages", type=int, default=300, help="pages per simulated site (default 300)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--as-of", help="inspection time point (default: today)")
    p.add_argument("--sites", help="comma-separated simulated site ids (default: all demo sites)")
    p.set_defaults(func=cmd_demo)

    sim = sub.add_parser("sim", help="the simulated government websites").add_subparsers(dest="sim_command", required=True)
    p = sim.add_parser("serve", help="serve the simulated portfolio until Ctrl-C")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--pages", type=int, default=300, help="pages per site")
    p.add_argument("--port", type=int, default=8080, help="first port (default 8080)")
    p.add_argument("--as-of", help="date the content is generated around")
    p.add_argument("--manifest", help="write the ground-truth manifest here")
    p.set_defaults(func=cmd_sim_serve)
    p = sim.add_parser("export", help="write one simulated site as static files (for nginx benchmarks)")
    p.add_argument("--site", default="trs")
    p.add_argument("--dir", required=True)
    p.add_argument("--origin", default="http://127.0.0.1:8088", help="origin the files will be served from")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--pages", type=int, default=20000)
    p.add_argument("--as-of")
    p.set_defaults(func=cmd_sim_export)
    from govwatch.commands.probe import add_probe_commands  # probe, monitor
    add_probe_commands(sub)
    from govwatch.commands.scoring import add_scoring_commands  # score, rules, finding, diff, bulletin
    add_scoring_commands(sub)
    from govwatch.commands.sites import add_registry_commands
    add_registry_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except UsageError as exc:
        console.print(f"[red]error:[/] {exc}")
        return 2
    except KeyboardInterrupt:
        console.print("[yellow]interrupted: results so far are stored; run again with --resume to continue[/]")
        return 130
    except Exception as exc:  # noqa: BLE001 - last resort: a readable message, not a traceback
        console.print(f"[red]failed:[/] {type(exc).__name__}: {exc}")
        if "GOVWATCH_DEBUG" in os.environ:
            raise
        return 1
