"""``govwatch sites …`` and ``govwatch filing …``: the site registry and temporary filings (thin:
parse, call the registry, print).

Exit codes as everywhere: 0 the command completed, 2 bad input (a file with bad
rows, an unknown org or site, a bad date), 1 a runtime failure.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from govwatch.commands.common import (
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    add_store_flags,
    cli_actor,
    cli_settings,
    console,
    open_store,
    plain,
    write_json,
)

IMPORT_EPILOG = """\
The first sheet of an .xlsx workbook, or a .csv file (UTF-8 with or without BOM, or GB18030), with a
header row naming the columns (Chinese or the English keys):

  网站名称 name*, 首页网址 url*, 主办单位 sponsor, 网站标识码 site_code, ICP备案号 icp,
  公安机关备案号 police_record, 网站类型 role (本级门户|部门|下属单位), 级别 level (省级|市级|县级|乡镇),
  所属机构代码 org_code, 所属机构名称 org_name, 上级机构代码 parent_code, 负责单位 responsible_unit,
  联系方式 contact, 运行状态 status (正常|例外|关停, default 正常), 办事服务 has_services (是|否, default 是)

Every row is checked first; any bad row rejects the whole file (nothing is imported) and every problem
is listed as "第N行「列」：…" with N the row number a spreadsheet shows (header = row 1).
Re-importing updates sites by 首页网址. See docs/registry.md.

exit codes: 0 imported (or, with --dry-run, valid), 2 bad file or rows (nothing imported), 1 runtime failure.
"""

FILING_EPILOG = """\
A filing (临时报备) says that a site's findings of the given kinds (all kinds without --kinds) are not
held against it from --from to --to, both days inclusive (YYYY-MM-DD). The site must be in the store
(registered with `govwatch sites import`, or inspected once).
"""


def _out() -> Any:
    """A console on stdout for listings (wide when not a terminal, so Chinese names do not wrap)."""
    from rich.console import Console
    return Console(highlight=False, width=None if sys.stdout.isatty() else 200)


# -- govwatch sites import / export / list --------------------------------------------------


def cmd_sites_import(args: argparse.Namespace) -> int:
    """Validate a registry file and import it in one transaction."""
    from govwatch.registry.errors import RegistryError
    from govwatch.registry.importer import import_file

    store = open_store(cli_settings(args))
    try:
        result = import_file(store, args.file, dry_run=args.dry_run)
    except RegistryError as exc:
        raise UsageError(str(exc)) from None
    finally:
        store.close()
    for warning in result.warnings:
        plain(console, f"提示：{warning}")
    if result.problems:
        rows = len({p.row for p in result.problems})
        plain(console, f"{args.file}：{rows} 行共有 {len(result.problems)} 处问题，未导入任何记录")
        for problem in result.problems:
            plain(console, f"  {problem}")
        return EXIT_USAGE
    verb = "将" if args.dry_run else ""
    parts = [f"{verb}新建网站 {result.created} 个", f"{verb}更新 {result.updated} 个"
             + (f"（其中新登记 {result.adopted} 个）" if result.adopted else ""), f"未变 {result.unchanged} 个",
             f"机构{verb}新建 {result.orgs_created} 个、{verb}更新 {result.orgs_updated} 个"]
    line = f"{args.file}：{result.rows} 行均有效；" + "，".join(parts)
    if result.kept:
        line += f"；文件中没有的 {result.kept} 个已登记网站保持不变"
    plain(console, line + ("（试运行：未写入任何内容）" if args.dry_run else ""))
    return EXIT_OK


def cmd_sites_export(args: argparse.Namespace) -> int:
    """Write the registered sites (of --org and below) as a registry file."""
    from govwatch.registry.errors import RegistryError
    from govwatch.registry.sites import export_file

    store = open_store(cli_settings(args))
    try:
        path, count = export_file(store, args.file, args.org)
    except RegistryError as exc:
        raise UsageError(str(exc)) from None
    finally:
        store.close()
    plain(console, f"已将 {count} 个已登记网站写入 {path}")
    return EXIT_OK


def cmd_sites_list(args: argparse.Namespace) -> int:
    """A table of the registered sites (of --org and below) with their org path."""
    from rich.table import Table

    from govwatch.registry.errors import RegistryError
    from govwatch.registry.fields import LEVEL_LABELS, ROLE_LABELS
    from govwatch.registry.orgs import PATH_SEPARATOR, org_by_code, org_path
    from govwatch.registry.sites import registered_sites

    store = open_store(cli_settings(args))
    try:
        sites = registered_sites(store, args.org)
        # below --org, paths start at that org (宁川市 › 宁川市发展和改革委员会)
        skip = len(org_path(store, org_by_code(store, args.org).id)) - 1 if args.org else 0
    except RegistryError as exc:
        raise UsageError(str(exc)) from None
    finally:
        store.close()
    if args.json:
        write_json({"org": args.org, "sites": [s.as_dict() for s in sites]}, args.json)
        if args.json == "-":
            return EXIT_OK
    if not sites:
        plain(console, (f"机构 {args.org} 及其下级" if args.org else "") + "没有已登记的网站"
               + "（用 govwatch sites import FILE 登记）")
        return EXIT_OK
    table = Table(title_justify="left", title=f"{'机构 ' + args.org + ' 及其下级的' if args.org else ''}已登记网站")
    for heading in ("机构", "网站名称", "首页网址", "类型", "级别", "网站标识码", "状态", "办事服务"):
        table.add_column(heading, overflow="fold")
    for s in sites:
        path = list(s.org_path)[skip:]
        status = s.status if s.status == "正常" else f"[yellow]{s.status}[/]"
        table.add_row(PATH_SEPARATOR.join(path) or "-", s.name or "-", s.url, ROLE_LABELS.get(s.role, s.role),
                      LEVEL_LABELS.get(s.level or "", s.level or "-"), s.site_code or "-", status,
                      "是" if s.has_services else "否")
    out = _out()
    out.print(table)
    normal = sum(1 for s in sites if s.status == "正常")
    plain(out, f"已登记网站 {len(sites)} 个：正常 {normal} 个，例外/关停 {len(sites) - normal} 个（不检查）")
    return EXIT_OK


# -- govwatch filing add / list / edit / withdraw / history ------------------------------------------------------------


def cmd_filing_add(args: argparse.Namespace) -> int:
    """Store a 临时报备 for one site."""
    from govwatch.registry.errors import RegistryError
    from govwatch.registry.filings import add_filing, parse_day, parse_kinds

    try:
        starts, ends = parse_day(args.starts, "开始日期（--from）"), parse_day(args.ends, "结束日期（--to）")
        kinds = parse_kinds(args.kinds)
    except RegistryError as exc:
        raise UsageError(str(exc)) from None
    store = open_store(cli_settings(args))
    try:
        filing = add_filing(store, args.site_url, starts, ends, args.reason, kinds, actor=cli_actor())
    except RegistryError as exc:
        raise UsageError(str(exc)) from None
    finally:
        store.close()
    what = "、".join(filing["kinds"]) if filing["kinds"] else "全部问题类型"
    plain(console, f"临时报备 {filing['id']} 已登记：{args.site_url} {filing['starts']} 至 {filing['ends']}（{what}），"
                    f"事由：{filing['reason']}")
    return EXIT_OK


def cmd_filing_list(args: argparse.Namespace) -> int:
    """A table of the filings (of one site with --site)."""
    from rich.table import Table

    from govwatch.registry.errors import RegistryError
    from govwatch.registry.filings import list_filings

    store = open_store(cli_settings(args))
    try:
        filings = list_filings(store, args.site)
    except RegistryError as exc:
        raise UsageError(str(exc)) from None
    finally:
        store.close()
    if args.json:
        write_json({"site": args.site, "filings": filings}, args.json)
        if args.json == "-":
            return EXIT_OK
    if not filings:
        plain(console, (f"{args.site} " if args.site else "") + "没有临时报备")
        return EXIT_OK
    table = Table()
    for heading in ("id", "网站", "开始", "结束", "问题类型", "事由", "报备时间"):
        table.add_column(heading, overflow="fold")
    for f in filings:
        table.add_row(str(f["id"]), f["site_name"] or f["site_url"], f["starts"], f["ends"],
                      ", ".join(f["kinds"]) if f["kinds"] else "全部", f["reason"], f["created_at"])
    _out().print(table)
    return EXIT_OK


def _filing_call(args: argparse.Namespace, fn: Any, *a: Any, **kw: Any) -> Any:
    """``fn(store, *a, **kw)`` on the store the flags name; bad input is a usage error."""
    from govwatch.registry.errors import RegistryError

    store = open_store(cli_settings(args))
    try:
        return fn(store, *a, **kw)
    except RegistryError as exc:
        raise UsageError(str(exc)) from None
    finally:
        store.close()


def _window(f: dict[str, Any]) -> str:
    kinds = ", ".join(f["kinds"]) if f["kinds"] else "全部问题类型"
    return f"{f['starts']} 至 {f['ends']}（{kinds}）：{f['reason']}"


def cmd_filing_edit(args: argparse.Namespace) -> int:
    """Change a filing's window, 事由 or kinds, with the reason for the change."""
    from govwatch.registry.errors import RegistryError
    from govwatch.registry.filings import edit_filing, parse_kinds

    try:
        kinds = parse_kinds(args.kinds)
    except RegistryError as exc:
        raise UsageError(str(exc)) from None
    filing = _filing_call(args, edit_filing, args.filing, starts=args.starts, ends=args.ends, reason=args.reason,
                          kinds=kinds, all_kinds=args.all_kinds, actor=cli_actor(), note=args.note)
    plain(console, f"临时报备 {filing['id']} 已修改：{_window(filing)}")
    return EXIT_OK


def cmd_filing_withdraw(args: argparse.Namespace) -> int:
    """Withdraw a filing (its content stays in the audit trail)."""
    from govwatch.registry.filings import withdraw_filing

    filing = _filing_call(args, withdraw_filing, args.filing, reason=args.reason, actor=cli_actor())
    plain(console, f"临时报备 {filing['id']}（{_window(filing)}）已撤销，不再豁免任何问题；"
                   f"原内容见 govwatch filing history {filing['id']}")
    return EXIT_OK


def cmd_filing_history(args: argparse.Namespace) -> int:
    """The audit trail of a filing."""
    from govwatch.registry.filings import filing_history

    events = _filing_call(args, filing_history, args.filing)
    if args.json:
        write_json({"filing_id": args.filing, "events": events}, args.json)
        return EXIT_OK
    actions = {"add": "报备", "edit": "修改", "withdraw": "撤销"}
    for e in events:
        change = f"（{e['data']['before']} → {e['data']['after']}）" if e["action"] == "edit" and e["data"] else ""
        plain(console, f"{e['at']} {e['actor'] or '-'} {actions.get(e['action'], e['action'])}"
                       f"{'：' + e['note'] if e['note'] else ''}{change}")
    return EXIT_OK


# -- parser -------------------------------------------------------------------------------


def add_registry_commands(sub: Any) -> None:
    """Register ``sites`` (import, export, list) and ``filing`` (add, list, edit, withdraw, history) on the
    CLI's subparsers."""
    raw = argparse.RawDescriptionHelpFormatter
    sites = sub.add_parser("sites", help="the site registry: import, export and list registered sites",
                           description="The site registry (网站基本信息): sites, their orgs, their identifiers.")
    ssub = sites.add_subparsers(dest="sites_command", required=True, metavar="COMMAND")
    p = ssub.add_parser("import", help="validate a registry file (.xlsx/.csv) and import it (all or nothing)",
                        description="Validate every row of a registry file, then import it in one transaction.",
                        epilog=IMPORT_EPILOG, formatter_class=raw)
    p.add_argument("file", help="registry file: .xlsx (first sheet) or .csv")
    p.add_argument("--dry-run", action="store_true", help="only validate and count what would change")
    add_store_flags(p)
    p.set_defaults(func=cmd_sites_import)
    p = ssub.add_parser("export", help="write the registered sites as a registry file (.xlsx/.csv)",
                        description="Write the registered sites with the import's columns (export → import "
                                    "changes nothing).")
    p.add_argument("file", help="output file: .xlsx or .csv")
    p.add_argument("--org", help="only the sites of this org code and the orgs below it")
    add_store_flags(p)
    p.set_defaults(func=cmd_sites_export)
    p = ssub.add_parser("list", help="list the registered sites with their org path",
                        description="List the registered sites (every status) with their org path.")
    p.add_argument("--org", help="only the sites of this org code and the orgs below it")
    p.add_argument("--json", help="write the sites as JSON here ('-' for stdout)")
    add_store_flags(p)
    p.set_defaults(func=cmd_sites_list)

    filing = sub.add_parser("filing", help="临时报备: windows in which a site's findings are not held against it")
    fsub = filing.add_subparsers(dest="filing_command", required=True, metavar="COMMAND")
    p = fsub.add_parser("add", help="file a site for a window of days", epilog=FILING_EPILOG, formatter_class=raw,
                        description="File a site (临时报备) from --from to --to inclusive.")
    p.add_argument("site_url", metavar="SITE_URL", help="the site's homepage URL")
    p.add_argument("--from", dest="starts", required=True, metavar="DATE", help="first day YYYY-MM-DD")
    p.add_argument("--to", dest="ends", required=True, metavar="DATE", help="last day YYYY-MM-DD (inclusive)")
    p.add_argument("--reason", required=True, help="报备事由, e.g. 网站改版")
    p.add_argument("--kinds", help="finding kinds covered, comma-separated (default: all), e.g. stale_column")
    add_store_flags(p)
    p.set_defaults(func=cmd_filing_add)
    p = fsub.add_parser("list", help="list filings", description="List the filings, earliest window first.")
    p.add_argument("--site", help="only this site (its homepage URL)")
    p.add_argument("--json", help="write the filings as JSON here ('-' for stdout)")
    add_store_flags(p)
    p.set_defaults(func=cmd_filing_list)
    p = fsub.add_parser("edit", help="修改临时报备的起止日期、事由或问题类型（留有审计记录）",
                        description="修改一条临时报备；未给出的项不变。")
    p.add_argument("filing", type=int, metavar="ID", help="报备编号（filing list 所列）")
    p.add_argument("--from", dest="starts", metavar="DATE", help="新的开始日期 YYYY-MM-DD")
    p.add_argument("--to", dest="ends", metavar="DATE", help="新的结束日期 YYYY-MM-DD（含当天）")
    p.add_argument("--reason", help="新的报备事由")
    p.add_argument("--kinds", help="新的问题类型，逗号分隔，如 stale_column,broken_link")
    p.add_argument("--all-kinds", action="store_true", help="改为涵盖全部问题类型")
    p.add_argument("--note", required=True, help="修改原因")
    add_store_flags(p)
    p.set_defaults(func=cmd_filing_edit)
    p = fsub.add_parser("withdraw", help="撤销临时报备：不再豁免任何问题，原内容保留在审计记录中",
                        description="撤销一条临时报备（删除该报备，其完整内容写入审计记录）。")
    p.add_argument("filing", type=int, metavar="ID", help="报备编号（filing list 所列）")
    p.add_argument("--reason", required=True, help="撤销原因")
    add_store_flags(p)
    p.set_defaults(func=cmd_filing_withdraw)
    p = fsub.add_parser("history", help="临时报备的审计记录：报备、修改、撤销",
                        description="一条临时报备的审计记录（撤销后仍可查看）。")
    p.add_argument("filing", type=int, metavar="ID", help="报备编号")
    p.add_argument("--json", help="write the events as JSON here ('-' for stdout)")
    add_store_flags(p)
    p.set_defaults(func=cmd_filing_history)
