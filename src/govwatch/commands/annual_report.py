"""``govwatch annual --year --org --out``: the annual report figures (年度报表.xlsx) from the stored
runs and the 找错/留言 register (docs/rectification.md §6; thin: parse, call, print)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from govwatch.commands.common import EXIT_OK, UsageError, add_store_flags, cli_settings, console, open_store, plain


def cmd_annual(args: argparse.Namespace) -> int:
    """Compute the year's figures and write 年度报表.xlsx (and the figures as JSON when asked)."""
    from govwatch.commands.common import write_json
    from govwatch.report.annual import write_annual
    from govwatch.scoring.annual import AnnualError, annual_figures

    store = open_store(cli_settings(args))
    try:
        figures = annual_figures(store, args.year, args.org)
    except AnnualError as exc:
        raise UsageError(str(exc)) from None
    if not figures["sites"]:
        raise UsageError("没有可统计的网站（先用 govwatch sites import 导入网站名单，并用 govwatch inspect 检查）")
    path = write_annual(figures, Path(args.out))
    if args.json:
        write_json(figures, args.json)
    without_run = [e["site"]["name"] for e in figures["sites"] if e["source_run"] is None]
    plain(console, f"年度报表：{path}（{len(figures['sites'])} 个网站）")
    if without_run:
        console.print(f"[yellow]提示：{len(without_run)} 个网站没有完整的全站检查记录，信息发布等数据需人工填报："
                      f"{'、'.join(without_run[:10])}{' 等' if len(without_run) > 10 else ''}[/]")
    return EXIT_OK


def add_annual_command(sub: Any) -> None:
    """Register ``annual`` on the CLI's subparsers."""
    p = sub.add_parser("annual", help="年度报表: the year's figures per site and per org (年度报表.xlsx)")
    p.add_argument("--year", type=int, required=True, help="the year, e.g. 2026")
    p.add_argument("--org", help="org code: its sites and those of the orgs below it (default: all)")
    p.add_argument("--out", required=True, help="folder to write 年度报表.xlsx into")
    p.add_argument("--json", help="also write the figures as JSON here ('-' for stdout)")
    add_store_flags(p)
    p.set_defaults(func=cmd_annual)
