"""复查报告: what the office's re-check of one unit's tickets found (docs/rectification.md §2).

Rendered from the re-check model (``scoring/tickets.recheck_model``; JSON-able, never the store)::

    {"kind": "recheck", "date": "YYYY-MM-DD", "issuer", "doc_number" (optional), "title" (optional),
     "unit": {"name", "site_code", "url", "responsible_unit"}, "run_id", "run_at",
     "fixed": [ticket…], "remaining": [ticket… with "new_evidence"], "unverified": [ticket…],
     "exempted": [ticket… with "reason"]}

Layout (:mod:`govwatch.report.gongwen`): title, 主送 unit, what was re-checked and the counts, then
一、已整改（销号）的问题, 二、仍未整改的问题（退回） with the re-check's new evidence, 三、未能复查的问题,
四、已豁免的问题 with the reason — each part only when it has problems — and the next steps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from govwatch.report.gongwen import WUHAO, Gongwen, cn_date, safe_filename
from govwatch.report.notice import by_class, finish, parse_day, site_phrase, ticket_lines, unit_of
from govwatch.report.view import plain_text

PARTS = ("fixed", "remaining", "unverified", "exempted")
DEFAULT_ISSUER = "政府网站主管单位"  # the model's issuer is the notices' one; a site never notified has none


def _run_at(model: Mapping[str, Any]) -> str:
    value = model.get("run_at")
    return cn_date(parse_day(value, "复查时间（run_at）")) if value else "近期"


def _short(t: Mapping[str, Any]) -> str:
    return f"{t.get('label') or t.get('indicator') or ''}：{plain_text(str(t.get('message') or ''))}".lstrip("：")


def build_recheck_report(model: Mapping[str, Any], *, template: Path | None = None) -> tuple[Gongwen, dict[str, str]]:
    """The report as a :class:`Gongwen` and its placeholder values."""
    unit = unit_of(model)
    issuer = str(model.get("issuer") or "").strip() or DEFAULT_ISSUER
    day = parse_day(model.get("date"), "成文日期（date）")
    parts: dict[str, list[Mapping[str, Any]]] = {key: list(model.get(key) or []) for key in PARTS}
    total = sum(len(v) for v in parts.values())
    title = str(model.get("title") or f"关于{unit['name']}问题整改情况的复查报告")
    doc_number = str(model.get("doc_number") or "")

    doc = Gongwen(template=template)
    if not template and model.get("red_header") and doc_number:
        doc.red_header(issuer, doc_number)
    doc.title(title)
    if doc_number and (template or not model.get("red_header")):
        doc.doc_number(doc_number)
    doc.addressee(unit.get("responsible_unit") or unit["name"])
    run = f"（复查批次：第{model['run_id']}号检查）" if model.get("run_id") is not None else ""
    counts = (f"已整改{len(parts['fixed'])}个、仍未整改{len(parts['remaining'])}个、"
              f"未能复查{len(parts['unverified'])}个、已豁免{len(parts['exempted'])}个")
    doc.para(f"根据整改通知要求和你单位反馈的整改情况，{issuer}于{_run_at(model)}对你单位主办的{site_phrase(unit)}"
             f"进行了复查{run}。本次复查涉及问题{total}个，其中{counts}。现将复查情况报告如下：")

    if parts["fixed"]:
        doc.heading(1, f"已整改（销号）的问题（{len(parts['fixed'])}个）")
        doc.para("复查时以下问题已不再出现，予以销号：")
        _list_table(doc, parts["fixed"])
    if parts["remaining"]:
        doc.heading(1, f"仍未整改的问题（{len(parts['remaining'])}个）")
        doc.para("复查时以下问题仍然存在，予以退回，请继续整改：")
        for label, group in by_class(parts["remaining"]):
            doc.heading(2, f"{label}（{len(group)}个）")
            for t in group:
                evidence_key = "new_evidence" if t.get("new_evidence") else "evidence"
                first, *rest = ticket_lines(t, evidence_key=evidence_key, message_key="new_message")
                doc.heading(3, "", body=first)
                for line in rest:
                    doc.para(line.replace("证据：", "复查证据：", 1) if line.startswith("证据：") else line)
    if parts["unverified"]:
        doc.heading(1, f"未能复查的问题（{len(parts['unverified'])}个）")
        doc.para("复查时以下问题所在页面未能读取，问题保持原状态，不予销号，待下次复查：")
        doc.table(("序号", "问题编号", "问题", "原因"),
                  [(i, t.get("problem_id") or "—", _short(t), plain_text(str(t.get("reason") or "")) or "页面未能读取")
                   for i, t in enumerate(parts["unverified"], 1)], size=WUHAO, center=(0,))
    if parts["exempted"]:
        doc.heading(1, f"已豁免的问题（{len(parts['exempted'])}个）")
        doc.para("以下问题经核实属于误报或已临时报备，不再要求整改：")
        doc.table(("序号", "问题编号", "问题", "豁免理由"),
                  [(i, t.get("problem_id") or "—", _short(t), t.get("reason") or "—")
                   for i, t in enumerate(parts["exempted"], 1)], size=WUHAO, center=(0,))
    doc.heading(1, "下一步要求")
    if parts["remaining"] or parts["unverified"]:
        doc.para("请你单位对仍未整改的问题抓紧整改，整改完成后重新填写整改情况反馈表报送；"
                 f"{issuer}将再次复查，逾期未整改或整改不到位的，将在季度通报中予以通报批评。")
    else:
        doc.para("本次复查涉及的问题均已整改到位或按规定豁免。请你单位继续加强日常巡查，防止问题反弹。")
    doc.signature(issuer, day)
    return doc, {"{{文号}}": doc_number, "{{日期}}": cn_date(day), "{{标题}}": title}


def _list_table(doc: Gongwen, tickets: Sequence[Mapping[str, Any]]) -> None:
    doc.table(("序号", "问题编号", "问题", "页面"),
              [(i, t.get("problem_id") or "—", _short(t), t.get("url") or "—") for i, t in enumerate(tickets, 1)],
              size=WUHAO, center=(0,))


def write_recheck_report(model: Mapping[str, Any], out_dir: Path, *, template: Path | None = None,
                         pdf: bool = True) -> list[Path]:
    """Write ``复查报告-<单位>.docx`` (and its ``.pdf`` when ``pdf``) into ``out_dir``; returns the paths."""
    doc, values = build_recheck_report(model, template=template)
    path = Path(out_dir) / f"复查报告-{safe_filename(unit_of(model)['name'])}.docx"
    return finish(doc, path, values=values, pdf=pdf)
