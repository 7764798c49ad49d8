"""``govwatch ticket …``: rectification tickets (整改工单) — issue them from a run, send a 整改通知,
record a unit's reply, verify by re-checking, exempt, close by hand, and write the 整改通知 and
复查报告 documents (docs/rectification.md §1–2; thin: parse, call :mod:`govwatch.scoring.tickets`,
print).

Exit codes as everywhere: 0 the command completed, 2 bad input (an unknown ticket or site, an
illegal step, a bad date, an unreadable attachment), 1 a runtime failure.
"""

from __future__ import annotations

import argparse
import mimetypes
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
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
    from govwatch.store.db import Store

EPILOG = """\
工单流程：待下发 →（notify 下发整改通知）已通知 →（reply 单位反馈）已反馈 →（verify 申请复查）复查中 →
复查未再发现问题则已销号，仍发现则退回；页面未能读取时回到复查前的状态。复查中以外的未结束工单
可以 exempt（误报 或 临时报备，全站豁免该问题）；任何未结束的工单可由管理人员 close 手工销号（须写明理由）。

示例：
  govwatch ticket issue 12
  govwatch ticket list --site https://www.example.gov.cn/ --state notified
  govwatch ticket notify --site https://www.example.gov.cn/ --deadline 2026-12-31 --doc-number 〔2026〕12号
  govwatch ticket reply 5 --text 已修复链接 --attach 截图.png
  govwatch ticket verify 5 6 --now
  govwatch ticket notice --site https://www.example.gov.cn/ --out 文书/

退出码：0 完成，2 输入有误（工单或网站不存在、当前状态不允许该操作、日期或附件有误），1 运行错误。
"""


@contextmanager
def _store(args: argparse.Namespace) -> Iterator[Store]:
    """The store of the flags; a :class:`TicketError` inside becomes a usage error (exit 2)."""
    from govwatch.scoring.tickets import TicketError

    store = open_store(cli_settings(args))
    try:
        yield store
    except TicketError as exc:
        raise UsageError(str(exc)) from None
    finally:
        store.close()


def _day(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{flag} 应为日期，如 2026-12-31，而不是「{text}」") from None


def _out() -> Any:
    """A console on stdout for listings (wide when not a terminal, so Chinese names do not wrap)."""
    from rich.console import Console
    return Console(highlight=False, width=None if sys.stdout.isatty() else 200)


def _row_line(row: dict[str, Any]) -> str:
    overdue = "（已逾期）" if row["overdue"] else ""
    deadline = f"期限{row['deadline']}" if row["deadline"] else ""
    return (f"{row['id']}\t{row['problem_id']}\t{row['state_label']}{overdue}\t{deadline}\t"
            f"{row['site_name'] or row['site_url']}\t{row['message']}")


# -- commands --------------------------------------------------------------------------------


def cmd_issue(args: argparse.Namespace) -> int:
    from govwatch.scoring.tickets import issue_tickets

    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()] if args.kinds else None
    with _store(args) as store:
        made = issue_tickets(store, args.run_id, actor=cli_actor(), kinds=kinds)
    if made:
        plain(console, f"已生成 {len(made)} 个待下发工单：{'、'.join(str(i) for i in made)}")
    else:
        plain(console, f"检查运行 {args.run_id} 没有需要新建工单的问题（均已有未结束的工单，或已豁免、报备）")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from govwatch.scoring.tickets import list_tickets, site_for_url

    with _store(args) as store:
        site_ids = [site_for_url(store, url) for url in args.site] if args.site else None
        rows = list_tickets(store, site_ids=site_ids, states=args.state or None)
    if args.overdue:
        rows = [r for r in rows if r["overdue"]]
    if args.json:
        write_json(rows, None)
        return EXIT_OK
    out = _out()
    for row in rows:
        plain(out, _row_line(row))
    if not rows:
        plain(console, "没有符合条件的工单")
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from govwatch.scoring.tickets import ACTION_LABELS, STATE_LABELS, beijing_time, ticket_detail

    with _store(args) as store:
        detail = ticket_detail(store, args.ticket_id)
    if args.json:
        write_json(detail, None)
        return EXIT_OK
    out = _out()
    plain(out, f"工单 {detail['id']}  {detail['problem_id']}  {detail['state_label']}"
               f"{'（已逾期）' if detail['overdue'] else ''}")
    for label, value in (("网站", f"{detail['site_name'] or ''} {detail['site_url']}".strip()),
                         ("问题", detail["message"]), ("指标", detail["indicator"]), ("页面", detail["url"]),
                         ("来源页面", detail["source"]), ("目标", detail["target"]),
                         ("整改期限", detail["deadline"]), ("单位反馈", detail["feedback"])):
        if value:
            plain(out, f"  {label}：{value}")
    if detail["notice"]:
        plain(out, f"  整改通知：{detail['notice']['doc_number']}（{beijing_time(detail['notice']['issued_at'])[:10]}）")
    for a in detail["attachments"]:
        plain(out, f"  附件 {a['id']}：{a['filename']}（{a['content_type']}，{a['size']} 字节）")
    plain(out, "  处理记录（北京时间）：")
    for e in detail["events"]:
        move = (f"{STATE_LABELS.get(e['from_state'] or '', '—')} → {STATE_LABELS.get(e['to_state'] or '', '—')}"
                if e["to_state"] else "")
        action = ACTION_LABELS.get(e["action"], e["action"])
        plain(out, f"    {beijing_time(e['at'])}  {e['actor'] or ''}  {action}  {move}{'  ' + e['note'] if e['note'] else ''}")
    return EXIT_OK


def cmd_notify(args: argparse.Namespace) -> int:
    from govwatch.scoring.tickets import list_tickets, notify_tickets, site_for_url

    deadline = _day(args.deadline, "--deadline")
    with _store(args) as store:
        site_id = site_for_url(store, args.site)
        ids = args.ids or [r["id"] for r in list_tickets(store, site_ids=[site_id], states=["pending"])]
        if not ids:
            raise UsageError("该网站没有待下发的工单（先用 govwatch ticket issue RUN_ID 生成）")
        mine = {r["id"] for r in list_tickets(store, site_ids=[site_id])}
        strangers = [i for i in ids if i not in mine]
        if strangers:
            raise UsageError(f"工单 {'、'.join(str(i) for i in strangers)} 不属于网站 {args.site}")
        notice_id = notify_tickets(store, ids, doc_number=args.doc_number, deadline=deadline, issuer=args.issuer,
                                   actor=cli_actor())
    plain(console, f"已下发整改通知 {notice_id}（{args.doc_number}），{len(ids)} 个工单，整改期限 {deadline.isoformat()}；"
                   f"生成文书：govwatch ticket notice --site {args.site} --out 目录")
    return EXIT_OK


def _attachment(path_text: str) -> tuple[str, str, bytes]:
    path = Path(path_text)
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"无法读取附件 {path_text}：{exc.strerror or exc}") from None
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return path.name, content_type, body


def cmd_reply(args: argparse.Namespace) -> int:
    from govwatch.scoring.tickets import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, reply_ticket

    paths = args.attach or []
    if len(paths) > MAX_ATTACHMENTS:
        raise UsageError(f"附件过多：{len(paths)} 个，每次反馈最多 {MAX_ATTACHMENTS} 个")
    for p in paths:
        size = Path(p).stat().st_size if Path(p).is_file() else 0
        if size > MAX_ATTACHMENT_BYTES:
            raise UsageError(f"附件「{Path(p).name}」超过每个文件 {MAX_ATTACHMENT_BYTES // 1048576} MB 的上限")
    files = [_attachment(p) for p in paths]
    with _store(args) as store:
        reply_ticket(store, args.ticket_id, args.text, files, actor=cli_actor())
    plain(console, f"工单 {args.ticket_id} 已记录反馈" + (f"（附件 {len(files)} 个）" if files else ""))
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from govwatch.scoring.tickets import STATE_LABELS, list_tickets, request_verification

    with _store(args) as store:
        job_id = request_verification(store, args.ids, actor=cli_actor())
        if not args.now:
            plain(console, f"已申请复查（任务 {job_id}），工单进入复查中；监测服务（govwatch serve）将执行复查，"
                           "或加 --now 立即在本命令中复查")
            return EXIT_OK
        from govwatch.service.jobs import JobError
        from govwatch.service.recheck import run_recheck_now
        from govwatch.store.web_rows import finish_job_request

        settings = cli_settings(args)
        try:
            run_id = run_recheck_now(store, settings, args.ids)
        except JobError as exc:
            raise UsageError(str(exc)) from None
        finish_job_request(store, job_id, ok=True, run_id=run_id)
        states = {r["id"]: r["state"] for r in list_tickets(store) if r["id"] in set(args.ids)}
    plain(console, f"复查完成（运行 {run_id}）：" + "；".join(f"工单 {i} {STATE_LABELS[s]}" for i, s in states.items()))
    return EXIT_OK


def cmd_exempt(args: argparse.Namespace) -> int:
    from govwatch.scoring.tickets import exempt_ticket

    with _store(args) as store:
        exempt_ticket(store, args.ticket_id, args.reason, category=args.category, actor=cli_actor())
    plain(console, f"工单 {args.ticket_id} 已豁免（{args.category}）：该问题在本网站以后的检查中均不再计入")
    return EXIT_OK


def cmd_close(args: argparse.Namespace) -> int:
    from govwatch.scoring.tickets import close_ticket

    with _store(args) as store:
        close_ticket(store, args.ticket_id, args.reason, actor=cli_actor())
    plain(console, f"工单 {args.ticket_id} 已销号")
    return EXIT_OK


def _write_document(kind: str, model: dict[str, Any], args: argparse.Namespace) -> list[Path]:
    """The 整改通知 or 复查报告 files; without LibreOffice only the .docx (and how to install it)."""
    from govwatch.report.office_pdf import INSTALL_HINT, soffice_path
    from govwatch.report.report_error import ReportError

    if kind == "notice":
        from govwatch.report.notice import write_notice as write
    else:
        from govwatch.report.recheck_report import write_recheck_report as write
    template = Path(args.template) if args.template else None
    if template is not None and not template.is_file():
        raise UsageError(f"--template 文件不存在：{args.template}")
    pdf = not args.no_pdf and soffice_path() is not None
    if not args.no_pdf and not pdf:
        plain(console, f"未找到 LibreOffice，只生成 Word 文件；需要 PDF 请安装：{INSTALL_HINT}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        return write(model, out, template=template, pdf=pdf)
    except ReportError as exc:
        raise UsageError(str(exc)) from None


def cmd_notice(args: argparse.Namespace) -> int:
    from govwatch.scoring.tickets import latest_notice_id, notice_model, site_for_url

    with _store(args) as store:
        site_id = site_for_url(store, args.site)
        notice_id = args.notice or latest_notice_id(store, site_id)
        model = notice_model(store, notice_id)
        if model["unit"]["url"] != store.site(site_id)["url"]:
            raise UsageError(f"整改通知 {notice_id} 不是网站 {args.site} 的通知")
    for path in _write_document("notice", model, args):
        plain(console, f"已生成 {path}")
    return EXIT_OK


def cmd_recheck_report(args: argparse.Namespace) -> int:
    from govwatch.scoring.tickets import latest_recheck_run, recheck_model, site_for_url

    with _store(args) as store:
        site_id = site_for_url(store, args.site)
        run_id = args.run or latest_recheck_run(store, site_id)
        model = recheck_model(store, site_id, run_id)
    for path in _write_document("recheck", model, args):
        plain(console, f"已生成 {path}")
    return EXIT_OK


# -- the parser ------------------------------------------------------------------------------


def _document_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--site", required=True, metavar="URL", help="网站首页地址")
    p.add_argument("--out", required=True, metavar="DIR", help="文书输出目录")
    p.add_argument("--template", metavar="FILE.docx", help="单位自己的红头模板（保留其页眉、样式和页边距）")
    p.add_argument("--no-pdf", action="store_true", help="只生成 Word 文件，不转换 PDF")
    add_store_flags(p)


def add_ticket_commands(sub: Any) -> None:
    """Register ``ticket`` (issue, list, show, notify, reply, verify, exempt, close, notice,
    recheck-report) on the CLI's subparsers."""
    from govwatch.scoring.tickets import EXEMPT_CATEGORIES, TICKET_STATES

    fmt = argparse.RawDescriptionHelpFormatter
    ticket = sub.add_parser("ticket", help="整改工单：生成、下发、反馈、复查、豁免、销号、文书",
                            description="整改工单（docs/rectification.md）：每个问题一个工单，从待下发到已销号。",
                            epilog=EPILOG, formatter_class=fmt)
    tsub = ticket.add_subparsers(dest="ticket_command", required=True, metavar="COMMAND")

    p = tsub.add_parser("issue", help="为一次检查中需要整改的问题生成待下发工单",
                        description="为检查运行 RUN_ID 中计分的问题（未豁免、未报备、非未评估）生成待下发工单；"
                                    "已有未结束工单的问题不重复生成。")
    p.add_argument("run_id", type=int, metavar="RUN_ID", help="检查运行编号（govwatch runs 可查）")
    p.add_argument("--kinds", metavar="KIND,…", help="只为这些问题类型生成（如 broken_link,stale_column）")
    add_store_flags(p)
    p.set_defaults(func=cmd_issue)

    p = tsub.add_parser("list", help="列出工单", description="列出工单：编号、问题编号、状态、期限、网站、问题。")
    p.add_argument("--site", action="append", metavar="URL", help="只列这个网站的工单（可重复）")
    p.add_argument("--state", action="append", choices=TICKET_STATES, help="只列这个状态的工单（可重复）")
    p.add_argument("--overdue", action="store_true", help="只列已逾期的工单（已通知或退回且超过期限）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    add_store_flags(p)
    p.set_defaults(func=cmd_list)

    p = tsub.add_parser("show", help="查看一个工单及其处理记录", description="查看工单详情、附件和全部处理记录。")
    p.add_argument("ticket_id", type=int, metavar="ID", help="工单编号")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    add_store_flags(p)
    p.set_defaults(func=cmd_show)

    p = tsub.add_parser("notify", help="下发整改通知（待下发 → 已通知）",
                        description="为一个网站的工单下发整改通知：记录文号和整改期限，工单进入已通知。"
                                    "不指定工单编号时下发该网站全部待下发工单。")
    p.add_argument("ids", nargs="*", type=int, metavar="ID", help="工单编号（默认：该网站全部待下发工单）")
    p.add_argument("--site", required=True, metavar="URL", help="网站首页地址")
    p.add_argument("--deadline", required=True, metavar="YYYY-MM-DD", help="整改期限")
    p.add_argument("--doc-number", required=True, metavar="文号", help="通知文号，如 〔2026〕12号")
    p.add_argument("--issuer", metavar="单位", help="发文单位")
    add_store_flags(p)
    p.set_defaults(func=cmd_notify)

    p = tsub.add_parser("reply", help="记录单位的整改反馈（已通知/退回 → 已反馈）",
                        description="记录单位的整改反馈和附件（每个文件不超过 10 MB，最多 20 个）。")
    p.add_argument("ticket_id", type=int, metavar="ID", help="工单编号")
    p.add_argument("--text", required=True, help="反馈内容")
    p.add_argument("--attach", action="append", metavar="FILE", help="附件（可重复）")
    add_store_flags(p)
    p.set_defaults(func=cmd_reply)

    p = tsub.add_parser("verify", help="申请复查（→ 复查中）；--now 立即复查",
                        description="为一个网站的工单申请复查：排入复查任务，工单进入复查中。--now 在本命令中立即复查"
                                    "（只读取问题所在页面），复查后工单销号、退回或回到原状态。")
    p.add_argument("ids", nargs="+", type=int, metavar="ID", help="工单编号（同一网站）")
    p.add_argument("--now", action="store_true", help="立即在本命令中复查")
    add_store_flags(p)
    p.set_defaults(func=cmd_verify)

    p = tsub.add_parser("exempt", help="豁免工单（误报或临时报备），全站豁免该问题",
                        description="豁免工单：该问题在本网站以后的检查中均不再计分，工单进入已豁免。")
    p.add_argument("ticket_id", type=int, metavar="ID", help="工单编号")
    p.add_argument("--reason", required=True, help="豁免理由")
    p.add_argument("--category", default=EXEMPT_CATEGORIES[0], choices=EXEMPT_CATEGORIES, help="豁免类别（默认 误报）")
    add_store_flags(p)
    p.set_defaults(func=cmd_exempt)

    p = tsub.add_parser("close", help="手工销号（须写明理由）", description="管理人员手工销号一个未结束的工单，须写明理由。")
    p.add_argument("ticket_id", type=int, metavar="ID", help="工单编号")
    p.add_argument("--reason", required=True, help="销号理由")
    add_store_flags(p)
    p.set_defaults(func=cmd_close)

    p = tsub.add_parser("notice", help="生成整改通知（.docx 和 .pdf）",
                        description="生成网站最近一次（或 --notice 指定的）整改通知：整改通知-<单位>.docx 和 .pdf。")
    p.add_argument("--notice", type=int, metavar="ID", help="整改通知编号（默认：该网站最近一次）")
    _document_flags(p)
    p.set_defaults(func=cmd_notice)

    p = tsub.add_parser("recheck-report", help="生成复查报告（.docx 和 .pdf）",
                        description="生成网站最近一次（或 --run 指定的）复查的复查报告：复查报告-<单位>.docx 和 .pdf。")
    p.add_argument("--run", type=int, metavar="RUN_ID", help="复查运行编号（默认：该网站最近一次复查）")
    _document_flags(p)
    p.set_defaults(func=cmd_recheck_report)
