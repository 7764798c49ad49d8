"""``govwatch warnings``: early warnings, the columns closest to their update deadline, site by
site (thin: read the store's newest runs, print)."""

from __future__ import annotations

import argparse
from typing import Any

from govwatch.commands.common import EXIT_OK, UsageError, add_store_flags, cli_settings, console, open_store, write_json


def cmd_warnings(args: argparse.Namespace) -> int:
    from govwatch.core.clock import parse_as_of
    from govwatch.scoring.deadlines import upcoming_deadlines

    try:
        as_of = parse_as_of(args.as_of)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.days < 0:
        raise UsageError(f"--days 不能为负数，收到 {args.days}")
    store = open_store(cli_settings(args))
    site = None
    if args.site:
        from govwatch.core.urls import normalize_url

        site = normalize_url(args.site)
        if site is None:
            raise UsageError(f"--site 不是可用的 http(s) 网址：{args.site!r}")
    deadlines = upcoming_deadlines(store, as_of, args.days, site)
    if args.json:
        write_json({"as_of": as_of.isoformat(), "days": args.days,
                    "warnings": [d.as_json() for d in deadlines]}, args.json)
    if args.json == "-":
        return EXIT_OK
    if not deadlines:
        console.print(f"自 {as_of.isoformat()} 起 {args.days} 天内没有栏目到达更新期限，也没有已超期的栏目")
        return EXIT_OK
    _print_tables(deadlines)
    return EXIT_OK


def _print_tables(deadlines: list[Any]) -> None:
    """One table per site, in the order given (grouped by site)."""
    from rich.table import Table

    current = None
    for d in deadlines:
        if d.site_url != current:
            current = d.site_url
            table = Table(title=f"{d.site_name or d.site_url}（运行 {d.run_id}，截至 {d.run_as_of}）",
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


def add_warnings_command(sub: Any) -> None:
    """Register ``warnings`` on the CLI's subparsers."""
    p = sub.add_parser("warnings", help="early warnings: columns closest to their update deadline, site by site")
    p.add_argument("--days", type=int, default=7, help="list deadlines within N days, and overdue ones (default 7)")
    p.add_argument("--as-of", help="count days from this date (default: today, Asia/Shanghai)")
    p.add_argument("--site", help="only this site (its homepage URL)")
    p.add_argument("--json", help="write the warnings as JSON here ('-' for stdout)")
    add_store_flags(p)
    p.set_defaults(func=cmd_warnings)
