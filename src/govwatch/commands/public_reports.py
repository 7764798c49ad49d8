"""``govwatch inbox …``: 我为政府网站找错 reports and 留言 — import the national platform's export,
enter, list, forward, answer, close, and the figures per site (docs/rectification.md §3; thin:
parse, call :mod:`govwatch.scoring.public_reports`, print).

Exit codes as everywhere: 0 the command completed, 2 bad input (a file with bad rows — nothing
imported —, an unknown report, an illegal step, a bad date), 1 a runtime failure.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from govwatch.commands.common import (
    EXIT_OK,
    UsageError,
    add_store_flags,
    cli_actor,
    cli_settings,
    console,
    open_store,
    plain,
    write_json,
)

if TYPE_CHECKING:
    from govwatch.rules.loader import RuleSet
    from govwatch.store.db import Store

IMPORT_EPILOG = """\
导入全国政府网站找错平台（或留言系统）导出的 .xlsx（第一个工作表）或 .csv 文件。按表头名称识别列：

  编号*（工单编号）、提交时间*（留言时间）、标题*（问题标题；或 问题描述）、问题描述（内容）、
  问题类型（留言类型：咨询/投诉/建议/其他，决定答复期限）、网站名称、网站标识码、网址、
  提交人（姓名）、渠道（找错/留言；没有此列时用 --channel 指定）

先检查每一行；任何一行有问题则整个文件不导入，并逐条列出“文件 第N行「列」：问题”。
已导入的记录（同一渠道、同一编号）再次导入时跳过。网站依次按 网站标识码、网址、已登记的网站名称 匹配；
匹配不到的记录照样导入，标为“未匹配网站”。

退出码：0 已导入，2 文件或数据有问题（未导入任何记录），1 运行错误。
"""


@contextmanager
def _store(args: argparse.Namespace) -> Iterator[Store]:
    """The store of the flags; a :class:`PublicReportError` inside becomes a usage error (exit 2)."""
    from govwatch.scoring.public_reports import PublicReportError

    store = open_store(cli_settings(args))
    try:
        yield store
    except PublicReportError as exc:
        raise UsageError(str(exc)) from None
    finally:
        store.close()


def _rules(name: str | None) -> RuleSet | None:
    """The rule table of --rules (None: the seed defaults)."""
    if not name:
        return None
    from govwatch.rules.loader import RulesError, load_ruleset

    try:
        return load_ruleset(name)
    except RulesError as exc:
        raise UsageError(str(exc)) from None


def _moment(text: str | None, flag: str) -> datetime | None:
    """A time flag (2026-10-08 10:00; Beijing time) or None when not given."""
    if text is None:
        return None
    from govwatch.registry.public_report_sheet import parse_received

    moment = parse_received(text)
    if moment is None:
        raise UsageError(f"{flag} 应为日期时间（北京时间），如 2026-10-08 10:00，而不是「{text}」")
    return moment


def _day(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{flag} 应为日期，如 2026-10-01，而不是「{text}」") from None


def _shown(stamp: str | None) -> str:
    """A stored Beijing time as 2026-10-08 10:00 (— when absent)."""
    return stamp[:16].replace("T", " ") if stamp else "—"


def _out() -> Any:
    """A console on stdout for listings (wide when not a terminal, so Chinese names do not wrap)."""
    from rich.console import Console
    return Console(highlight=False, width=None if sys.stdout.isatty() else 200)


def _overdue_text(row: dict[str, Any]) -> str:
    from govwatch.scoring.public_reports import STEP_LABELS

    return "、".join(f"{STEP_LABELS[s]}逾期" for s in row["overdue_steps"]) or ""


# -- commands --------------------------------------------------------------------------------


def cmd_import(args: argparse.Namespace) -> int:
    """Import an export file, all or nothing."""
    from govwatch.scoring.public_reports import import_reports

    rules = _rules(args.rules)
    with _store(args) as store:
        result = import_reports(store, args.file, channel=args.channel, rules=rules, actor=cli_actor())
    line = f"{args.file}：{result['rows']}行有效，新导入{result['added']}条，已存在跳过{result['skipped']}条"
    if result["unmatched"]:
        line += f"；其中{result['unmatched']}条未匹配到已登记的网站（列为“未匹配网站”）"
    plain(console, line)
    return EXIT_OK


def cmd_add(args: argparse.Namespace) -> int:
    """Enter one report by hand."""
    from govwatch.scoring.public_reports import CHANNEL_LABELS, add_report, report_detail, site_id_for_url

    received = _moment(args.received, "--received")
    assert received is not None  # a required flag
    rules = _rules(args.rules)
    with _store(args) as store:
        site_id = site_id_for_url(store, args.site) if args.site else None
        report_id = add_report(store, channel=args.channel, title=args.title, received_at=received, site_id=site_id,
                               site_name=args.site_name, content=args.content, reporter=args.reporter,
                               category=args.category, external_id=args.external_id, rules=rules,
                               actor=cli_actor())
        row = report_detail(store, report_id)["row"]
    plain(console, f"已登记{CHANNEL_LABELS[row['channel']]} {report_id}（编号 {row['external_id']}，"
                   f"{row['site_label']}）：转办期限 {_shown(row['forward_deadline'])}，"
                   f"答复期限 {_shown(row['answer_deadline'])}" + ("（含日历未覆盖的年份，按周一至周五估算）"
                                                                   if row["deadline_estimated"] else ""))
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    """A table (or JSON) of the reports."""
    from rich.table import Table

    from govwatch.scoring.public_reports import as_beijing, list_reports, site_id_for_url

    states = [s.strip() for part in args.state or () for s in part.replace("，", ",").split(",") if s.strip()] or None
    with _store(args) as store:
        site_ids = [site_id_for_url(store, args.site)] if args.site else None
        rows = list_reports(store, site_ids=site_ids, states=states,
                            overdue_on=as_beijing(None) if args.overdue else None)
    if args.json:
        write_json({"reports": rows}, args.json)
        if args.json == "-":
            return EXIT_OK
    if not rows:
        plain(console, "没有符合条件的找错/留言记录")
        return EXIT_OK
    table = Table()
    for heading in ("ID", "渠道", "编号", "网站", "类别", "标题", "提交时间", "转办期限", "答复期限", "状态", "逾期"):
        table.add_column(heading, overflow="fold")
    for r in rows:
        table.add_row(str(r["id"]), r["channel_label"], r["external_id"], r["site_label"], r["category"] or "—",
                      r["title"], _shown(r["received_at"]), _shown(r["forward_deadline"]),
                      _shown(r["answer_deadline"]) + ("（估）" if r["deadline_estimated"] else ""), r["state_label"],
                      _overdue_text(r))
    _out().print(table)
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    """One report and its trail."""
    from govwatch.scoring.public_reports import ACTION_LABELS, STATE_LABELS, as_beijing, report_detail

    with _store(args) as store:
        detail = report_detail(store, args.id)
    if args.json:
        write_json(detail, args.json)
        if args.json == "-":
            return EXIT_OK
    r = detail["row"]
    on_time = {True: "（按时）", False: "（超期）", None: ""}
    lines = [f"{r['channel_label']} {r['id']}（编号 {r['external_id']}）：{r['title']}",
             f"  网站：{r['site_label']}" + (f"  {r['site_url']}" if r.get("site_url") else ""),
             f"  类别：{r['category'] or '—'}    提交人：{r['reporter'] or '—'}",
             f"  提交时间：{_shown(r['received_at'])}",
             f"  转办期限：{_shown(r['forward_deadline'])}    转办时间：{_shown(r['forwarded_at'])}"
             f"{on_time[r['forward_on_time']]}",
             f"  答复期限：{_shown(r['answer_deadline'])}    答复时间：{_shown(r['answered_at'])}"
             f"{on_time[r['answer_on_time']]}",
             f"  状态：{r['state_label']}" + (f"（{_overdue_text(r)}）" if r["overdue_steps"] else "")]
    if r["deadline_estimated"]:
        lines.append("  注：期限跨越工作日历未覆盖的年份，按周一至周五估算")
    if r["content"]:
        lines.append(f"  问题描述：{r['content']}")
    if r["answer"]:
        lines.append(f"  答复：{r['answer']}")
    lines.append("  办理记录：")
    for e in detail["events"]:
        move = (f"{STATE_LABELS.get(e['from_state'] or '', '—')} → {STATE_LABELS.get(e['to_state'] or '', '')}"
                if e["to_state"] else "")
        at = as_beijing(datetime.fromisoformat(e["at"])).isoformat()
        lines.append(f"    {_shown(at)}  {e['actor'] or '—'}  {ACTION_LABELS.get(e['action'], e['action'])}  {move}"
                     + (f"  {e['note']}" if e["note"] else ""))
    plain(_out(), "\n".join(lines))
    return EXIT_OK


def _step(args: argparse.Namespace, do: Callable[[Store], None], done: str) -> int:
    with _store(args) as store:
        do(store)
    plain(console, f"记录 {args.id} {done}")
    return EXIT_OK


def cmd_forward(args: argparse.Namespace) -> int:
    from govwatch.scoring.public_reports import forward_report

    at = _moment(args.at, "--at")
    return _step(args, lambda s: forward_report(s, args.id, actor=cli_actor(), at=at), "已转办")


def cmd_answer(args: argparse.Namespace) -> int:
    from govwatch.scoring.public_reports import answer_report

    at = _moment(args.at, "--at")
    return _step(args, lambda s: answer_report(s, args.id, args.text, actor=cli_actor(), at=at), "已答复")


def cmd_close(args: argparse.Namespace) -> int:
    from govwatch.scoring.public_reports import close_report

    at = _moment(args.at, "--at")
    return _step(args, lambda s: close_report(s, args.id, actor=cli_actor(), note=args.note, at=at), "已办结")


FIGURE_HEADINGS = (("received", "收到"), ("forwarded_on_time", "按时转办"), ("forwarded_late", "超期转办"),
                   ("answered_on_time", "按时答复"), ("answered_late", "超期答复"), ("overdue_open", "逾期未办"),
                   ("closed", "已办结"))


def cmd_figures(args: argparse.Namespace) -> int:
    """Per site: received, forwarded and answered on time or late, overdue, closed in a period."""
    from rich.table import Table

    from govwatch.registry.errors import RegistryError
    from govwatch.registry.sites import registered_sites
    from govwatch.scoring.public_reports import public_report_figures

    start, end = _day(args.starts, "--from"), _day(args.ends, "--to")
    with _store(args) as store:
        try:
            sites = registered_sites(store, args.org)
        except RegistryError as exc:
            raise UsageError(str(exc)) from None
        figures = public_report_figures(store, [s.id for s in sites], start, end)
    if args.json:
        write_json({"from": start.isoformat(), "to": end.isoformat(), "org": args.org, "sites": figures}, args.json)
        if args.json == "-":
            return EXIT_OK
    table = Table(title=f"找错/留言办理情况 {start} 至 {end}")
    table.add_column("网站", overflow="fold")
    for _, heading in FIGURE_HEADINGS:
        table.add_column(heading, justify="right")
    names = {s.url: s.name or s.url for s in sites}
    for url, counts in figures.items():
        table.add_row(names.get(url, url), *(str(counts[key]) for key, _ in FIGURE_HEADINGS))
    _out().print(table)
    return EXIT_OK


# -- parser -------------------------------------------------------------------------------------


def _report_id(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"记录ID应为整数，而不是「{text}」") from None


def add_inbox_commands(sub: Any) -> None:
    """Register ``inbox`` (import, add, list, show, forward, answer, close, figures)."""
    raw = argparse.RawDescriptionHelpFormatter
    inbox = sub.add_parser("inbox", help="找错/留言: import, enter, track and count public reports",
                           description="我为政府网站找错 reports and 留言: deadlines in working days (seed 001/002).")
    isub = inbox.add_subparsers(dest="inbox_command", required=True, metavar="COMMAND")
    channels = ("zhaocuo", "message", "找错", "留言")
    rules_help = "rule table (name or .yaml) whose public_reports section sets the limits (default: 1/3, 1/5 days)"

    p = isub.add_parser("import", help="import the platform's export (.xlsx/.csv), all or nothing",
                        description="Import 找错/留言 from an export file.", epilog=IMPORT_EPILOG, formatter_class=raw)
    p.add_argument("file", help="export file: .xlsx (first sheet) or .csv")
    p.add_argument("--channel", choices=channels, help="channel of rows without a 渠道 cell")
    p.add_argument("--rules", help=rules_help)
    add_store_flags(p)
    p.set_defaults(func=cmd_import)

    p = isub.add_parser("add", help="enter one report by hand", description="Enter one 找错 report or 留言.")
    p.add_argument("--channel", required=True, choices=channels)
    p.add_argument("--title", required=True, help="标题")
    p.add_argument("--received", required=True, metavar="TIME", help="提交时间, Beijing time, e.g. '2026-09-30 16:20'")
    p.add_argument("--site", metavar="URL", help="the registered site's homepage URL")
    p.add_argument("--site-name", help="网站名称 (matched to a registered site by exact name when --site is absent)")
    p.add_argument("--category", help="留言类型: 咨询|投诉|建议|其他 (decides the answer deadline)")
    p.add_argument("--content", help="问题描述")
    p.add_argument("--reporter", help="提交人")
    p.add_argument("--id", dest="external_id", help="the platform's 编号 (default: one is given, GW-000001)")
    p.add_argument("--rules", help=rules_help)
    add_store_flags(p)
    p.set_defaults(func=cmd_add)

    p = isub.add_parser("list", help="list reports", description="List 找错/留言, oldest received first.")
    p.add_argument("--site", metavar="URL", help="only this site (its homepage URL)")
    p.add_argument("--state", action="append", help="only these states: received, forwarded, answered, closed "
                                                    "(comma-separated or repeated)")
    p.add_argument("--overdue", action="store_true", help="only reports with a deadline passed unmet now")
    p.add_argument("--json", nargs="?", const="-", metavar="FILE", help="write JSON (to stdout without FILE)")
    add_store_flags(p)
    p.set_defaults(func=cmd_list)

    p = isub.add_parser("show", help="show one report and its trail", description="Show one report.")
    p.add_argument("id", type=_report_id, help="the report's ID (govwatch inbox list)")
    p.add_argument("--json", nargs="?", const="-", metavar="FILE", help="write JSON (to stdout without FILE)")
    add_store_flags(p)
    p.set_defaults(func=cmd_show)

    for name, func, text in (("forward", cmd_forward, "record the forward to the site's sponsor (转办)"),
                             ("answer", cmd_answer, "record the answer to the citizen (答复)"),
                             ("close", cmd_close, "close a report (办结)")):
        p = isub.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        p.add_argument("id", type=_report_id, help="the report's ID")
        if name == "answer":
            p.add_argument("--text", required=True, help="答复内容")
        if name == "close":
            p.add_argument("--note", help="why (required when the report was not answered)")
        p.add_argument("--at", metavar="TIME", help="when it happened, Beijing time (default: now)")
        add_store_flags(p)
        p.set_defaults(func=func)

    p = isub.add_parser("figures", help="per-site figures of a period",
                        description="Reports received from --from to --to (inclusive) per registered site: "
                                    "forwarded/answered on time or late, overdue, closed.")
    p.add_argument("--from", dest="starts", required=True, metavar="DATE", help="first day YYYY-MM-DD")
    p.add_argument("--to", dest="ends", required=True, metavar="DATE", help="last day YYYY-MM-DD (inclusive)")
    p.add_argument("--org", help="only the sites of this org code and the orgs below it")
    p.add_argument("--json", nargs="?", const="-", metavar="FILE", help="write JSON (to stdout without FILE)")
    add_store_flags(p)
    p.set_defaults(func=cmd_figures)
