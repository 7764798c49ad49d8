"""整改通知: the office's notice to one unit, listing its problems to fix by a deadline (docs/rectification.md §2).

Rendered from the notice model (``scoring/tickets.notice_model``; JSON-able, never the store)::

    {"kind": "notice", "doc_number", "date": "YYYY-MM-DD", "issuer", "title" (optional),
     "unit": {"name", "site_code", "url", "responsible_unit"}, "deadline": "YYYY-MM-DD",
     "tickets": [{"problem_id", "label", "indicator", "url", "where", "message",
                  "evidence": [[label, value], …], "deadline"}],
     "reply_form": true, "contact": {"name", "phone", "email"} (optional), "red_header": true (optional)}

Layout (:mod:`govwatch.report.gongwen`): 红头 with the 文号, title, 主送 unit, why (the basis of the
inspection), 一、存在的问题 grouped by problem class (（一）链接无法打开（3个）, then each problem with its
ID, page and evidence), 二、整改要求 with the deadline, 三、联系方式, the 附件 line, issuer and date, and
on a new page the 整改情况反馈表 (序号, 问题编号, 问题, 整改情况, 完成时间) for the unit's reply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from govwatch.report.evidence_labels import report_evidence_rows
from govwatch.report.gongwen import WUHAO, Gongwen, cn_date, safe_filename
from govwatch.report.office_pdf import docx_to_pdf
from govwatch.report.report_error import ReportError
from govwatch.report.view import plain_text

BASIS = ("《国务院办公厅关于印发政府网站发展指引的通知》（国办发〔2017〕47号）和《国务院办公厅秘书局关于印发"
         "政府网站与政务新媒体检查指标、监管工作年度考核指标的通知》（国办秘函〔2019〕19号）")
REPLY_FORM = "整改情况反馈表"
# Evidence fields a notice leaves out: long lists and raw details (the page and message say it).
NOT_IN_NOTICE = frozenset({"sources", "examples", "failed_probes", "notes", "pages", "error_detail", "method",
                           "confirmed"})  # confirmed repeats 判定


def parse_day(value: Any, what: str) -> date:
    """A model's date (``YYYY-MM-DD`` or a date) or a ReportError naming the field."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ReportError(f"文书数据中的{what}不是有效日期：{value!r}（应为 YYYY-MM-DD）") from None


def unit_of(model: Mapping[str, Any]) -> dict[str, str]:
    """The model's unit with every field a string (missing ones empty); its name is required."""
    unit = {key: str(value or "") for key, value in (model.get("unit") or {}).items()}
    if not unit.get("name"):
        raise ReportError("文书数据缺少单位名称（unit.name）")
    return unit


def site_phrase(unit: Mapping[str, str]) -> str:
    """“甲市人民政府网站”（网站标识码：…，网址：…）."""
    facts = [f"网站标识码：{unit['site_code']}" if unit.get("site_code") else "",
             f"网址：{unit['url']}" if unit.get("url") else ""]
    inner = "，".join(f for f in facts if f)
    return f"“{unit['name']}”" + (f"（{inner}）" if inner else "")


def evidence_pairs(ticket: Mapping[str, Any], key: str = "evidence") -> list[tuple[str, str]]:
    """A ticket's evidence as (Chinese label, value): the model's pairs, or a raw evidence dict's named fields
    in Chinese (``report_evidence_rows``: fields without a Chinese name and raw codes are left out)."""
    raw = ticket.get(key)
    if isinstance(raw, Mapping):
        return report_evidence_rows(raw, skip=NOT_IN_NOTICE)
    return [(str(pair[0]), str(pair[1])) for pair in raw or [] if len(pair) == 2 and str(pair[1]) not in ("", "None")]


def ticket_lines(ticket: Mapping[str, Any], *, evidence_key: str = "evidence",
                 message_key: str = "message") -> list[str]:
    """One problem as the lines of a document: 问题编号 and what; 页面 and 位置; 证据 (Chinese but URLs and IDs).

    The page goes on its own line: a URL cannot break, and after a sentence it would leave half a line empty.
    """
    message = plain_text(str(ticket.get(message_key) or ticket.get("message") or "")).rstrip("。")
    lines = [f"问题编号{ticket.get('problem_id') or '—'}：{message}。"]
    where = [f"页面：{ticket['url']}" if ticket.get("url") else ""]
    if ticket.get("where") and ticket.get("where") != ticket.get("url"):
        where.append(f"位置：{ticket['where']}")
    if any(where):
        lines.append("；".join(w for w in where if w) + "。")
    evidence = "；".join(f"{label}：{value}" for label, value in evidence_pairs(ticket, evidence_key))
    if evidence:
        lines.append(f"证据：{evidence}。")
    return lines


def by_class(tickets: Sequence[Mapping[str, Any]]) -> list[tuple[str, list[Mapping[str, Any]]]]:
    """Tickets grouped by their problem class (``label``), classes in order of first appearance."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for t in tickets:
        groups.setdefault(str(t.get("label") or t.get("indicator") or "其他问题"), []).append(t)
    return list(groups.items())


def finish(doc: Gongwen, path: Path, *, values: Mapping[str, str], pdf: bool) -> list[Path]:
    """Save the .docx (placeholders replaced) and, when asked, its PDF next to it."""
    written = [doc.save(path, values=values)]
    if pdf:
        written.append(docx_to_pdf(path, path.parent))
    return written


def build_notice(model: Mapping[str, Any], *, template: Path | None = None) -> tuple[Gongwen, dict[str, str]]:
    """The notice as a :class:`Gongwen` and its placeholder values."""
    unit = unit_of(model)
    issuer = str(model.get("issuer") or "").strip()
    if not issuer:
        raise ReportError("文书数据缺少发文单位（issuer）")
    day = parse_day(model.get("date"), "成文日期（date）")
    deadline = parse_day(model.get("deadline"), "整改期限（deadline）")
    doc_number = str(model.get("doc_number") or "")
    tickets: list[Mapping[str, Any]] = list(model.get("tickets") or [])
    title = str(model.get("title") or f"关于{unit['name']}存在问题限期整改的通知")

    doc = Gongwen(template=template)
    if not template and model.get("red_header", True):
        doc.red_header(issuer, doc_number)
    doc.title(title)
    if doc_number and (template or not model.get("red_header", True)):
        doc.doc_number(doc_number)
    doc.addressee(unit.get("responsible_unit") or unit["name"])
    doc.para(f"根据{BASIS}和政府网站常态化监管有关要求，{issuer}对你单位主办的{site_phrase(unit)}"
             f"进行了检查，发现{len(tickets)}个问题。现将有关情况通知如下，请限期整改。")

    doc.heading(1, "存在的问题")
    if not tickets:
        doc.para("本次检查未发现需要整改的问题。")
    for label, group in by_class(tickets):
        doc.heading(2, f"{label}（{len(group)}个）")
        for t in group:
            own = t.get("deadline")
            suffix = f"整改期限：{cn_date(parse_day(own, '问题的整改期限'))}。" if own and str(own)[:10] != str(
                model.get("deadline"))[:10] else ""
            first, *rest = ticket_lines(t)
            doc.heading(3, "", body=first + suffix)
            for line in rest:
                doc.para(line)

    doc.heading(1, "整改要求")
    reply = f"逐项填写《{REPLY_FORM}》（见附件），" if model.get("reply_form", True) else ""
    doc.para(f"请你单位于{cn_date(deadline)}前完成上述问题的整改，{reply}经单位负责人审核后报送{issuer}。",
             lead="（一）限期整改。")
    doc.para("对照政府网站检查指标全面自查，对同类问题一并整改，建立健全日常巡查和信息发布审核机制，防止问题反弹。",
             lead="（二）举一反三。")
    doc.para(f"{issuer}将对整改情况进行复查，整改到位的予以销号；逾期未整改或整改不到位的，"
             "将在季度通报中予以通报批评，并纳入年度考核。", lead="（三）复查销号。")
    doc.heading(1, "联系方式")
    contact = {k: str(v) for k, v in (model.get("contact") or {}).items() if v}
    if contact:
        doc.para("；".join(f"{label}：{contact[key]}" for key, label in
                          (("name", "联系人"), ("phone", "联系电话"), ("email", "电子邮箱")) if key in contact) + "。")
    else:
        doc.para(f"整改过程中如有疑问，请与{issuer}联系。")
    if model.get("reply_form", True):
        doc.attachment_line([REPLY_FORM])
    doc.signature(issuer, day)
    if model.get("reply_form", True):
        reply_form(doc, unit, tickets)
    values = {"{{文号}}": doc_number, "{{日期}}": cn_date(day), "{{标题}}": title}
    return doc, values


def reply_form(doc: Gongwen, unit: Mapping[str, str], tickets: Sequence[Mapping[str, Any]]) -> None:
    """附件: the 整改情况反馈表 the unit fills in (one row per problem, 整改情况 and 完成时间 empty)."""
    doc.attachment("附件", REPLY_FORM)
    doc.para(f"填报单位（盖章）：{unit.get('responsible_unit') or unit['name']}", indent=False)
    rows = [(i, t.get("problem_id") or "—", f"{t.get('label') or ''}：{plain_text(str(t.get('message') or ''))}", "", "")
            for i, t in enumerate(tickets, 1)]
    doc.table(("序号", "问题编号", "问题", "整改情况", "完成时间"), rows, widths=(1.3, 3.5, 5.0, 3.8, 2.0),
              center=(0,), size=WUHAO)
    doc.note("单位负责人：                    填报人：                    联系电话：", size=14)
    doc.note("填表说明：整改情况请写明采取的措施和整改后的页面地址；无法整改的请说明原因。", size=12)


def write_notice(model: Mapping[str, Any], out_dir: Path, *, template: Path | None = None,
                 pdf: bool = True) -> list[Path]:
    """Write ``整改通知-<单位>.docx`` (and its ``.pdf`` when ``pdf``) into ``out_dir``; returns the paths."""
    doc, values = build_notice(model, template=template)
    path = Path(out_dir) / f"整改通知-{safe_filename(unit_of(model)['name'])}.docx"
    return finish(doc, path, values=values, pdf=pdf)
