"""``govwatch spotcheck draw|list|show|run|table``: 抽查 — a reproducible draw of registered sites,
their inspections and the results table (docs/rectification.md §4; thin: parse, call, print)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from govwatch.commands.common import (
    EXIT_OK,
    UsageError,
    add_crawl_flags,
    add_store_flags,
    cli_actor,
    cli_settings,
    console,
    crawl_progress,
    crawl_settings,
    open_store,
    plain,
    verdict_text,
    write_json,
)


def parse_ratios(text: str) -> dict[str, float]:
    """``province=1,city=0.3`` → {"province": 1.0, "city": 0.3}; a malformed pair is a usage error."""
    from govwatch.registry.fields import LEVEL_LABELS

    by_label = {label: key for key, label in LEVEL_LABELS.items()}
    ratios: dict[str, float] = {}
    for pair in filter(None, (p.strip() for p in text.replace("，", ",").split(","))):
        level, sep, value = pair.partition("=")
        level = by_label.get(level.strip(), level.strip())
        try:
            ratio = float(value.strip().removesuffix("%")) / (100 if value.strip().endswith("%") else 1)
        except ValueError:
            raise UsageError(f"--ratio 的「{pair}」格式不对，应为 级别=比例，例如 city=0.3 或 市级=30%") from None
        if not sep or not level:
            raise UsageError(f"--ratio 的「{pair}」格式不对，应为 级别=比例，例如 city=0.3 或 市级=30%")
        if level in ratios:
            raise UsageError(f"--ratio 重复给出了级别「{level}」")
        ratios[level] = ratio
    return ratios


def _spot_id(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"抽查编号应为整数：{text}") from None


def _store(args: argparse.Namespace) -> Any:
    return open_store(cli_settings(args))


def cmd_draw(args: argparse.Namespace) -> int:
    """Draw and store a spot check; print what was drawn per level."""
    from govwatch.scoring.spot_checks import SpotCheckError, draw_spot_check, draw_summary, level_label, spot_check

    ratios = parse_ratios(args.ratio)
    store = _store(args)
    try:
        spot_id = draw_spot_check(store, org_code=args.org, ratios=ratios, minimum=args.min, seed=args.seed,
                                  period=args.period, name=args.name or f"{args.period}抽查", actor=cli_actor())
    except SpotCheckError as exc:
        raise UsageError(str(exc)) from None
    spot = spot_check(store, spot_id)
    plain(console, f"抽查 {spot_id}：{spot['name']}（{spot['period']}，种子 {spot['seed']}）")
    for level in draw_summary(spot):
        plain(console, f"  {level['level']}：{level['population']} 个网站，抽查比例 {float(level['ratio']) * 100:g}%，"
                       f"抽中 {level['drawn']} 个")
    for level in spot["spec"]["below_floor"]:
        console.print(f"[yellow]提示：{level_label(level)}的抽查比例低于 30%（种子文件001：抽查比例不得低于30%）[/]")
    if not spot["sites"]:
        console.print("[yellow]提示：没有抽中任何网站（所选级别下没有运行状态为“正常”的已登记网站）[/]")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    """Every stored draw, newest first."""
    from govwatch.store.spot_check_rows import spot_check_rows

    rows = spot_check_rows(_store(args))
    if not rows:
        plain(console, "尚无抽查（govwatch spotcheck draw 抽取）")
    for row in rows:
        plain(console, f"{row['id']}  {row['period']}  {row['name']}  种子 {row['seed']}  "
                       f"抽中 {row['drawn']}，已检查 {row['inspected']}  {row['created_at']}")
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    """One draw: its levels, drawn sites and their results, and whether it re-derives."""
    from govwatch.scoring.spot_checks import SpotCheckError, draw_summary, spot_check, spot_check_results

    store = _store(args)
    try:
        spot = spot_check(store, _spot_id(args.id))
        results = spot_check_results(store, spot["id"])
    except SpotCheckError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        write_json({"spot_check": spot, "results": results}, args.json)
        if args.json == "-":
            return EXIT_OK
    plain(console, f"抽查 {spot['id']}：{spot['name']}（{spot['period']}，种子 {spot['seed']}，"
                   f"范围 {spot['spec'].get('org_code') or '全部'}）")
    for level in draw_summary(spot):
        plain(console, f"  {level['level']}：{level['population']} 个网站，抽中 {level['drawn']} 个")
    plain(console, "  复核：按保存的名单和种子重新抽取，" + ("与保存的样本一致" if spot["redraw_matches"]
                                                   else "与保存的样本不一致"))
    for n, row in enumerate(results, 1):
        score = f"{row['score']:g}分" if row["score"] is not None else "—"
        plain(console, f"{n:>3}. {row['site_name']}（{row['level']}，{row['url']}）{row['verdict']} {score}"
                       + (f"  运行 {row['run_id']}" if row["run_id"] is not None else "")
                       + (f"\n     {row['problems']}" if row["problems"] else ""))
    return EXIT_OK if spot["redraw_matches"] else 1


def cmd_run(args: argparse.Namespace) -> int:
    """Inspect every drawn site not yet inspected, one after the other, and record each run."""
    from govwatch.core.clock import parse_as_of
    from govwatch.pipeline import InspectionError, inspect_site
    from govwatch.rules import RulesError, load_ruleset
    from govwatch.scoring.spot_checks import SpotCheckError, record_run, spot_check

    try:
        as_of = parse_as_of(args.as_of)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        rules = load_ruleset(args.rules)
    except RulesError as exc:
        raise UsageError(str(exc)) from None
    settings = crawl_settings(args)
    store = open_store(settings)
    try:
        spot = spot_check(store, _spot_id(args.id))
    except SpotCheckError as exc:
        raise UsageError(str(exc)) from None
    todo = [s for s in spot["sites"] if s["run_id"] is None]
    if not todo:
        plain(console, f"抽查 {spot['id']} 的 {len(spot['sites'])} 个网站都已检查")
        return EXIT_OK
    failed = 0
    for n, site in enumerate(todo, 1):
        label = site["name"] or site["url"]
        try:
            with crawl_progress(console, site["url"]) as progress:
                inspection = inspect_site(site["url"], settings, store, as_of=as_of, progress=progress, rules=rules)
        except InspectionError as exc:
            failed += 1
            console.print(f"[red]{label}（{site['url']}）检查失败：{exc}[/]")
            continue
        record_run(store, spot["id"], site["site_id"], inspection.run_id, actor=cli_actor())
        sheet = inspection.document.get("scoring")
        plain(console, f"[{n}/{len(todo)}] {label}：运行 {inspection.run_id}"
                       + (f"，{verdict_text(sheet)}" if sheet else ""))
    if failed:
        console.print(f"[yellow]{failed} 个网站检查失败，再次运行 govwatch spotcheck run {spot['id']} 可重试[/]")
    return EXIT_OK if not failed else 1


def cmd_table(args: argparse.Namespace) -> int:
    """Write 抽查结果.xlsx for a draw."""
    from govwatch.report.spot_check_table import write_spot_check_table
    from govwatch.scoring.spot_checks import SpotCheckError, spot_check, spot_check_results

    store = _store(args)
    try:
        spot = spot_check(store, _spot_id(args.id))
        results = spot_check_results(store, spot["id"])
    except SpotCheckError as exc:
        raise UsageError(str(exc)) from None
    title = args.title or f"{spot['period']}政府网站抽查结果"
    path = write_spot_check_table(results, Path(args.out), title=title, period=spot["period"], draw=spot)
    plain(console, f"抽查结果：{path}")
    return EXIT_OK


def add_spot_check_commands(sub: Any) -> None:
    """Register ``spotcheck`` (draw, list, show, run, table) on the CLI's subparsers."""
    p = sub.add_parser("spotcheck", help="抽查: draw registered sites at random (reproducibly), inspect them, "
                                         "write 抽查结果.xlsx")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")

    draw = actions.add_parser("draw", help="draw a reproducible sample of an org's registered sites (status 正常)")
    draw.add_argument("--org", help="org code: its sites and those of the orgs below it (default: all)")
    draw.add_argument("--ratio", required=True,
                      help="ratio per level, e.g. province=1,city=0.3,county=0.3 (or 市级=30%%); levels not "
                           "named are not drawn; below 0.3 is allowed with a warning (seed 001)")
    draw.add_argument("--min", type=int, default=1, help="at least this many sites per level (default 1)")
    draw.add_argument("--seed", type=int, required=True, help="random seed: the same seed and population give "
                                                              "the same sample")
    draw.add_argument("--period", required=True, help="the period checked, e.g. 2026Q4 or 2026年第四季度")
    draw.add_argument("--name", help="the draw's name (default: <period>抽查)")
    add_store_flags(draw)
    draw.set_defaults(func=cmd_draw)

    listing = actions.add_parser("list", help="the stored draws, newest first")
    add_store_flags(listing)
    listing.set_defaults(func=cmd_list)

    show = actions.add_parser("show", help="a draw, its sites and results; re-derives the sample from the stored "
                                           "population and seed (exit 1 when it does not match)")
    show.add_argument("id", help="the draw's number")
    show.add_argument("--json", help="write the draw and its results as JSON here ('-' for stdout)")
    add_store_flags(show)
    show.set_defaults(func=cmd_show)

    run = actions.add_parser("run", help="inspect every drawn site not yet inspected (one after the other)")
    run.add_argument("id", help="the draw's number")
    run.add_argument("--as-of", help="inspection time point YYYY-MM-DD (default: today, Asia/Shanghai)")
    run.add_argument("--rules", help="rule table: a shipped name or a YAML file (default national-2019)")
    add_crawl_flags(run)
    run.set_defaults(func=cmd_run)

    table = actions.add_parser("table", help="write 抽查结果.xlsx (序号, 单位, 网站名称, 网站标识码, 级别, 得分, "
                                             "结论, 主要问题; and 抽查说明)")
    table.add_argument("id", help="the draw's number")
    table.add_argument("--out", required=True, help="folder to write 抽查结果.xlsx into")
    table.add_argument("--title", help="the table's title (default: <period>政府网站抽查结果)")
    add_store_flags(table)
    table.set_defaults(func=cmd_table)
