"""Dashboard pages: 找错/留言 ``/inbox`` — 我为政府网站找错 reports and 留言 of the user's sites
tracked from 收到 to 办结 with their working-day deadlines (docs/rectification.md §3, docs/web.md
"Pages: 整改工单 and 找错/留言").

Who may do what, decided here server-side for every POST:

- a manager (their org subtree) and an admin enter a report by hand (登记), 转办 (forward), 答复
  (answer) and 办结 (close); a report naming no registered site is an admin's alone;
- an operator sees their own sites' reports and 答复s them;
- a viewer reads.

Deadlines and times are shown in Beijing time; a report past a deadline it has not met
(``overdue_steps``) is listed first and marked 超期. Legal transitions are
:mod:`govwatch.scoring.public_reports`'s business: its
:class:`~govwatch.scoring.public_reports.PublicReportError` is shown on the page (400).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse

from govwatch.core.clock import SHANGHAI
from govwatch.scoring import public_reports as reports
from govwatch.store.db import Store
from govwatch.web import scope as scoped
from govwatch.web.pages.common import paged, store_of
from govwatch.web.pages.tickets import beijing_time, parse_site, site_names
from govwatch.web.scope import NOT_FOUND, PageScope, Scope
from govwatch.web.templating import render

__all__ = ["router", "DONE_TEXTS"]

router = APIRouter(include_in_schema=False)

DONE_TEXTS = {"added": "已登记。", "forwarded": "已转办。", "answered": "答复已保存。", "closed": "已办结。"}
ACTION_LABELS = {"add": "登记", "import": "导入", "forward": "转办", "answer": "答复", "close": "办结"}


def _row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A report as ``list_reports`` gives it (labels, ``site_label``, ``overdue_steps``) with its
    times in Beijing time and the steps overdue in Chinese (``late``)."""
    return {**row, "late": [reports.STEP_LABELS.get(s, s) for s in row["overdue_steps"]],
            "received": beijing_time(row.get("received_at")), "forward_by": beijing_time(row.get("forward_deadline")),
            "answer_by": beijing_time(row.get("answer_deadline")), "forwarded": beijing_time(row.get("forwarded_at")),
            "answered": beijing_time(row.get("answered_at")), "closed": beijing_time(row.get("closed_at"))}


def _visible(scope: Scope, row: Mapping[str, Any]) -> bool:
    """A report of a site in the scope (one naming no registered site: admins only)."""
    site_id = row.get("site_id")
    return scope.sees_all if site_id is None else scope.can_see(int(site_id))


def _may_manage(scope: Scope, row: Mapping[str, Any]) -> bool:
    site_id = row.get("site_id")
    return scope.user.role == "admin" if site_id is None else scope.can_write(int(site_id))


def _may_answer(scope: Scope, row: Mapping[str, Any]) -> bool:
    site_id = row.get("site_id")
    return _may_manage(scope, row) or (site_id is not None and scope.user.role == "operator"
                                       and scope.can_see(int(site_id)))


def _report(store: Store, scope: Scope, report_id: int) -> dict[str, Any]:
    """The report with its audit trail, of a site in the scope; 404 otherwise."""
    try:
        found = reports.report_detail(store, report_id)
    except reports.PublicReportError:
        raise HTTPException(404, NOT_FOUND) from None
    if not found or not _visible(scope, found["row"]):
        raise HTTPException(404, NOT_FOUND)
    return found


def _now() -> datetime:
    return datetime.now(SHANGHAI)


@router.get("/inbox")
def inbox_page(request: Request, scope: PageScope, channel: str = "", state: str = "", site: str = "",
               overdue: str = "", page: int = 1, done: str = "") -> Response:
    """找错/留言: the scope's reports (filtered), overdue ones first, and the entry form."""
    return _list_page(request, scope, channel=channel, state=state, site=site, overdue=overdue == "1", page=page,
                      done=DONE_TEXTS.get(done))


def _list_page(request: Request, scope: Scope, *, channel: str = "", state: str = "", site: str = "",
               overdue: bool = False, page: int = 1, done: str | None = None, error: str | None = None,
               values: Mapping[str, str] | None = None, status_code: int = 200) -> Response:
    store = store_of(request)
    site_id = parse_site(site)
    if site_id is not None:
        scope.require_site(site_id)
    channel = channel if channel in reports.CHANNELS else ""
    state = state if state in reports.STATES else ""
    wanted = None if scope.sees_all and site_id is None else ([site_id] if site_id is not None else sorted(scope.site_ids or ()))
    every = [_row(r) for r in reports.list_reports(store, site_ids=wanted) if _visible(scope, r)]
    counts = Counter(str(r["state"]) for r in every)
    rows = [r for r in every if (not channel or r["channel"] == channel) and (not state or r["state"] == state)
            and (not overdue or r["late"])]
    rows.sort(key=lambda r: (not r["late"], r["state"] == "closed", str(r.get("answer_deadline") or ""), -int(r["id"])))
    shown, page, pages = paged(rows, page)
    sites = site_names(store, scope)
    writable = sorted(({"id": i, "name": s.get("name") or s.get("url")} for i, s in sites.items() if scope.can_write(i)),
                      key=lambda s: str(s["name"]))
    query = {k: v for k, v in {"channel": channel, "state": state, "site": site_id or "",
                               "overdue": "1" if overdue else ""}.items() if v}
    return render(request, "inbox.html.j2", {
        "active_nav": "inbox", "rows": shown, "total": len(rows), "page": page, "pages": pages, "query": query,
        "counts": [(s, reports.STATE_LABELS[s], counts.get(s, 0)) for s in reports.STATES],
        "overdue_count": sum(1 for r in every if r["late"]), "channels": reports.CHANNEL_LABELS,
        "channel": channel, "states": reports.STATE_LABELS, "state": state, "overdue": overdue,
        "site_id": site_id, "site_choices": sorted(({"id": i, "name": s.get("name") or s.get("url")}
                                                    for i, s in sites.items()), key=lambda s: str(s["name"])),
        "may_add": scope.user.role in scoped.WRITERS, "writable_sites": writable,
        "categories": reports.CATEGORIES, "now": _now().strftime("%Y-%m-%d %H:%M"), "values": values or {},
        "done": done, "error": error}, status_code=status_code)


@router.get("/inbox/{report_id}")
def report_page(report_id: int, request: Request, scope: PageScope, done: str = "") -> Response:
    """One report: what was reported, its deadlines, the answer, the trail and the role's actions."""
    return _report_page(request, scope, report_id, done=DONE_TEXTS.get(done))


def _report_page(request: Request, scope: Scope, report_id: int, *, done: str | None = None,
                 error: str | None = None, status_code: int = 200) -> Response:
    found = _report(store_of(request), scope, report_id)
    row = found["row"]
    events = [{**e, "at_text": beijing_time(e.get("at")), "action_label": ACTION_LABELS.get(e["action"], e["action"]),
               "from_label": reports.STATE_LABELS.get(e.get("from_state") or "", e.get("from_state") or ""),
               "to_label": reports.STATE_LABELS.get(e.get("to_state") or "", e.get("to_state") or "")}
              for e in found.get("events", [])]
    state = str(row["state"])
    return render(request, "inbox_detail.html.j2", {
        "active_nav": "inbox", "report": _row(row), "events": events, "done": done, "error": error,
        "can_forward": _may_manage(scope, row) and state == "received",
        "can_answer": _may_answer(scope, row) and state in ("received", "forwarded"),
        "can_close": _may_manage(scope, row) and state != "closed"}, status_code=status_code)


def _after(report_id: int, done: str) -> Response:
    return RedirectResponse(f"/inbox/{report_id}?done={done}", status_code=303)


@router.post("/inbox")
def report_add(request: Request, scope: PageScope, channel: str = Form(""), title: str = Form(""),
               received_at: str = Form(""), site: str = Form(""), category: str = Form(""),
               content: str = Form(""), reporter: str = Form(""), external_id: str = Form("")) -> Response:
    """登记 a report by hand (admin; a manager for a site of their subtree)."""
    if scope.user.role not in scoped.WRITERS:
        raise HTTPException(403, "只有管理人员和系统管理员可以登记找错和留言")
    store = store_of(request)
    values = {"channel": channel, "title": title, "received_at": received_at, "site": site, "category": category,
              "content": content, "reporter": reporter, "external_id": external_id}
    site_id = parse_site(site)
    if site_id is not None:
        scope.require_write(site_id)
    problems = []
    if channel not in reports.CHANNELS:
        problems.append("请选择来源（找错或留言）")
    if not title.strip():
        problems.append("请填写标题")
    if site_id is None:
        problems.append("请选择网站")
    if channel == "message" and category not in reports.CATEGORIES:
        problems.append("请选择留言类别")
    try:
        received = datetime.fromisoformat(received_at.strip()).replace(tzinfo=SHANGHAI) if received_at.strip() else None
    except ValueError:
        received = None
    if received is None:
        problems.append("请填写收到时间")
    elif received > _now():
        problems.append("收到时间不能晚于现在")
    if problems:
        return _list_page(request, scope, error="；".join(problems) + "。", values=values, status_code=400)
    assert received is not None
    try:
        report_id = reports.add_report(
            store, channel=channel, title=title.strip(), received_at=received,
            site_id=site_id, content=content.strip() or None, reporter=reporter.strip() or None,
            category=category if channel == "message" else None, external_id=external_id.strip() or None,
            actor=scope.user.name)
    except reports.PublicReportError as exc:
        return _list_page(request, scope, error=str(exc), values=values, status_code=400)
    return _after(report_id, "added")


@router.post("/inbox/{report_id}/forward")
def report_forward(report_id: int, request: Request, scope: PageScope) -> Response:
    """转办 to the unit."""
    store = store_of(request)
    if not _may_manage(scope, _report(store, scope, report_id)["row"]):
        raise HTTPException(403, "只有管理人员和系统管理员可以转办")
    try:
        reports.forward_report(store, report_id, actor=scope.user.name)
    except reports.PublicReportError as exc:
        return _report_page(request, scope, report_id, error=str(exc), status_code=400)
    return _after(report_id, "forwarded")


@router.post("/inbox/{report_id}/answer")
def report_answer(report_id: int, request: Request, scope: PageScope, answer: str = Form("")) -> Response:
    """答复 (the site's operator, a manager or an admin)."""
    store = store_of(request)
    if not _may_answer(scope, _report(store, scope, report_id)["row"]):
        raise HTTPException(403, "只有该网站的运维人员、管理人员和系统管理员可以答复")
    if not answer.strip():
        return _report_page(request, scope, report_id, error="请填写答复内容。", status_code=400)
    try:
        reports.answer_report(store, report_id, answer.strip(), actor=scope.user.name)
    except reports.PublicReportError as exc:
        return _report_page(request, scope, report_id, error=str(exc), status_code=400)
    return _after(report_id, "answered")


@router.post("/inbox/{report_id}/close")
def report_close(report_id: int, request: Request, scope: PageScope, note: str = Form("")) -> Response:
    """办结."""
    store = store_of(request)
    if not _may_manage(scope, _report(store, scope, report_id)["row"]):
        raise HTTPException(403, "只有管理人员和系统管理员可以办结")
    try:
        reports.close_report(store, report_id, actor=scope.user.name, note=note.strip() or None)
    except reports.PublicReportError as exc:
        return _report_page(request, scope, report_id, error=str(exc), status_code=400)
    return _after(report_id, "closed")

