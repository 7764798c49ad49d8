"""Dashboard pages: 整改工单 ``/tickets`` — the rectification tickets of the user's sites with
filters (state, org, site, overdue) and counts per state, one ticket's page (the finding, its
evidence, deadline, audit trail and attachments) and the actions of the loop (docs/rectification.md
§1, docs/web.md "Pages: 整改工单 and 找错/留言").

Who may do what is decided here, server-side, for every POST (the forms only mirror it):

- an operator sees the tickets of their own sites (``user_sites``) and 反馈 (replies, with files);
- a manager (their org subtree) and an admin 生成工单 (issue from a run), 下发整改通知 (notify),
  申请复查 (request verification), 豁免 and 销号;
- a viewer reads.

A ticket, attachment or notice of a site outside the scope is 404 (like one that does not exist); an
action the role may not take is 403. What a state allows is :mod:`govwatch.scoring.tickets`'s
business: its :class:`~govwatch.scoring.tickets.TicketError` is shown on the page (400).
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import UploadFile

from govwatch.core.catalogue import catalogue
from govwatch.core.clock import SHANGHAI
from govwatch.report.evidence_labels import evidence_rows
from govwatch.report.notice import write_notice
from govwatch.report.view import plain_text
from govwatch.scoring import tickets
from govwatch.store import ticket_rows, web_rows
from govwatch.store.db import Store
from govwatch.web import scope as scoped
from govwatch.web.pages.common import org_filter, org_options, paged, store_of, today_here
from govwatch.web.report_download import require_site_run
from govwatch.web.scope import NOT_FOUND, PageScope, Scope
from govwatch.web.templating import render

__all__ = ["router", "beijing_time", "MAX_FILE_BYTES", "MAX_FILES", "EXEMPT_CATEGORIES", "DONE_TEXTS"]

router = APIRouter(include_in_schema=False)

MAX_FILE_BYTES = tickets.MAX_ATTACHMENT_BYTES
MAX_FILES = tickets.MAX_ATTACHMENTS
EXEMPT_CATEGORIES = tickets.EXEMPT_CATEGORIES
# The states whose forms a ticket's page shows (mirroring docs/rectification.md's table; the
# transition itself is checked by scoring/tickets, whose TicketError the page shows).
REPLY_STATES = ("notified", "returned")
VERIFY_STATES = ("notified", "replied", "returned")
EXEMPT_STATES = ("pending", "notified", "replied", "returned")
DEFAULT_DEADLINE_DAYS = 15  # the notice form's suggested deadline (the manager may change it)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

DONE_TEXTS = {  # ?done= after an action: a fixed text per key (never text from the query)
    "issued": "已生成{n}张整改工单（已有未结工单的问题不重复生成）。",
    "notified": "已下发整改通知，{n}张工单进入“已通知”。",
    "replied": "反馈已提交。",
    "verifying": "已申请复查：复查任务已排队，完成后自动销号或退回。",
    "exempted": "已豁免：该问题今后的检查均不再计入。",
    "closed": "已销号。",
}
ACTION_LABELS = {"issue": "生成工单", "notify": "下发整改通知", "reply": "反馈", "verify": "申请复查",
                 "verify_result": "复查结果", "exempt": "豁免", "close": "销号", "edit": "修改",
                 "unreadable": "复查未能读取"}


# -- helpers shared with the 找错/留言 pages --------------------------------------------------------------

def beijing_time(stamp: str | None) -> str:
    """A stored time (ISO 8601, UTC when it names no zone) as Beijing time to the minute; a bare
    date stays as it is; "" for none."""
    if not stamp:
        return ""
    if len(stamp) == 10:
        return stamp
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def site_names(store: Store, scope: Scope) -> dict[int, dict[str, Any]]:
    """The scope's sites by id (name, url, org, newest complete full run)."""
    return {int(s["id"]): s for s in scoped.visible_sites(store, scope)}


def parse_site(text: str) -> int | None:
    """A ``site`` query or form value: None when empty, 400 when not a number."""
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise HTTPException(400, "网站参数应为网站编号")
    return int(text)


def done_text(done: str, n: int = 0) -> str | None:
    """The flash message of a finished action (None for an unknown key)."""
    text = DONE_TEXTS.get(done)
    return text.format(n=n) if text else None


# -- reading ------------------------------------------------------------------------------------------

def _ticket_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A listed ticket (``list_tickets``' row: ``state_label``, ``overdue``) with what the page shows (its
    message in Chinese also when the run was stored before the checks wrote Chinese)."""
    return {**row, "message": plain_text(str(row.get("message") or "")),
            "site_text": row.get("site_name") or row.get("site_url") or "",
            "kind_label": catalogue().label(row["kind"]), "updated": beijing_time(row.get("updated_at"))}


def _detail(store: Store, scope: Scope, ticket_id: int) -> dict[str, Any]:
    """The ticket (its row with ``events``, ``attachments`` and ``notice``) of a site in the scope;
    404 otherwise."""
    try:
        found = tickets.ticket_detail(store, ticket_id)
    except tickets.TicketError:
        raise HTTPException(404, NOT_FOUND) from None
    if not scope.can_see(int(found["site_id"])):
        raise HTTPException(404, NOT_FOUND)
    return found


def _can_reply(scope: Scope, site_id: int) -> bool:
    return scope.user.role == "operator" and scope.can_see(site_id)


def _require_reply(scope: Scope, site_id: int) -> None:
    scope.require_site(site_id)
    if not _can_reply(scope, site_id):
        raise HTTPException(403, "只有该网站的运维人员可以提交整改反馈")


def _require_manage(scope: Scope, site_id: int) -> None:
    scope.require_site(site_id)
    if not scope.can_write(site_id):
        raise HTTPException(403, "只有管理人员和系统管理员可以处理整改工单")


@router.get("/tickets")
def tickets_page(request: Request, scope: PageScope, state: str = "", site: str = "", org: str = "",
                 overdue: str = "", page: int = 1, done: str = "", n: int = 0, notice: int | None = None) -> Response:
    """整改工单: the scope's tickets (filtered), counts per state, and the managers' forms."""
    return _list_page(request, scope, state=state, site=site, org=org, overdue=overdue == "1", page=page,
                      done=done_text(done, n), notice_id=notice)


def _list_page(request: Request, scope: Scope, *, state: str = "", site: str = "", org: str = "",
               overdue: bool = False, page: int = 1, done: str | None = None, notice_id: int | None = None,
               error: str | None = None, status_code: int = 200) -> Response:
    store = store_of(request)
    selected_org, narrowed = org_filter(store, scope, org)
    site_id = parse_site(site)
    if site_id is not None:
        narrowed.require_site(site_id)
    today = today_here()
    sites = site_names(store, scope)
    state = state if state in tickets.TICKET_STATES else ""
    wanted = narrowed.site_ids if site_id is None else frozenset({site_id})
    every = tickets.list_tickets(store, site_ids=None if wanted is None else sorted(wanted), overdue_on=today)
    counts = Counter(str(r["state"]) for r in every)
    rows = [r for r in every if (not state or r["state"] == state) and (not overdue or r["overdue"])]
    rows.sort(key=lambda r: (not r["overdue"], r["state"] not in tickets.OPEN_STATES,
                             str(r.get("deadline") or "9999"), -int(r["id"])))
    shown, page, pages = paged(rows, page)
    can_manage = site_id is not None and scope.can_write(site_id)
    query = {k: v for k, v in {"state": state, "site": site_id or "", "org": selected_org.code if selected_org else "",
                               "overdue": "1" if overdue else ""}.items() if v}
    orgs = org_options(store, scope)
    own_org = next((o["name"] for o in orgs if o["id"] == scope.user.org_id), "")
    return render(request, "tickets.html.j2", {
        "active_nav": "tickets", "rows": [_ticket_row(r) for r in shown], "total": len(rows),
        "counts": [(s, tickets.STATE_LABELS[s], counts.get(s, 0)) for s in tickets.TICKET_STATES],
        "overdue_count": sum(1 for r in every if r["overdue"]), "state": state, "states": tickets.STATE_LABELS, "overdue": overdue,
        "orgs": orgs, "selected_org": selected_org, "site_id": site_id,
        "site": sites.get(site_id) if site_id is not None else None,
        "site_choices": sorted(({"id": i, "name": s.get("name") or s.get("url")} for i, s in sites.items()
                                if narrowed.can_see(i)), key=lambda s: str(s["name"])),
        "page": page, "pages": pages, "query": query, "can_manage": can_manage,
        "pending": [_ticket_row(r) for r in every if r["state"] == "pending"] if can_manage else [],
        "today": today.isoformat(), "default_deadline": (today + timedelta(days=DEFAULT_DEADLINE_DAYS)).isoformat(),
        "default_issuer": own_org, "done": done, "notice_id": notice_id, "error": error,
        "may_issue": scope.user.role in scoped.WRITERS}, status_code=status_code)


def _ticket_page(request: Request, scope: Scope, ticket_id: int, *, done: str | None = None,
                 error: str | None = None, status_code: int = 200) -> Response:
    store = store_of(request)
    row = _detail(store, scope, ticket_id)
    site_id = int(row["site_id"])
    site = scoped.site_summary(store, scope, site_id)
    events = [{**e, "at_text": beijing_time(e.get("at")), "action_label": ACTION_LABELS.get(e["action"], e["action"]),
               "from_label": tickets.STATE_LABELS.get(e.get("from_state") or "", e.get("from_state") or ""),
               "to_label": tickets.STATE_LABELS.get(e.get("to_state") or "", e.get("to_state") or ""),
               "result_message": plain_text(str((e.get("data") or {}).get("message") or ""))}
              for e in row["events"]]
    attachments = [{**a, "at_text": beijing_time(a.get("created_at"))} for a in row["attachments"]]
    state = str(row["state"])
    manage = scope.can_write(site_id)
    return render(request, "tickets_detail.html.j2", {
        "active_nav": "tickets", "ticket": _ticket_row(row), "site": site,
        "evidence": [(name, plain_text(value)) for name, value in evidence_rows(row["evidence"])]
        if isinstance(row.get("evidence"), dict) else [],  # an old run's English reasons in Chinese
        "events": events, "attachments": attachments, "done": done, "error": error,
        "can_reply": _can_reply(scope, site_id) and state in REPLY_STATES,
        "can_verify": manage and state in VERIFY_STATES, "can_exempt": manage and state in EXEMPT_STATES,
        "can_close": manage and state in tickets.OPEN_STATES, "exempt_categories": EXEMPT_CATEGORIES,
        "max_file_mb": MAX_FILE_BYTES // (1024 * 1024), "max_files": MAX_FILES}, status_code=status_code)


@router.get("/tickets/{ticket_id}")
def ticket_page(ticket_id: int, request: Request, scope: PageScope, done: str = "") -> Response:
    """One ticket: the finding, evidence, deadline, trail, attachments and the role's forms."""
    return _ticket_page(request, scope, ticket_id, done=done_text(done))


@router.get("/tickets/{ticket_id}/attachments/{attachment_id}")
def ticket_attachment(ticket_id: int, attachment_id: int, request: Request, scope: PageScope) -> Response:
    """An attachment of a ticket in the scope, always as a download under its stored content type
    (``Content-Disposition: attachment``, sandboxed: an uploaded HTML file never runs here)."""
    store = store_of(request)
    found = _detail(store, scope, ticket_id)
    if attachment_id not in {int(a["id"]) for a in found["attachments"]}:
        raise HTTPException(404, NOT_FOUND)
    filename, content_type, body = tickets.ticket_attachment(store, attachment_id)
    ascii_name = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in filename) or "attachment"
    return Response(body, media_type=content_type or "application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}",
        "Content-Security-Policy": "sandbox; default-src 'none'", "X-Content-Type-Options": "nosniff"})


# -- actions ------------------------------------------------------------------------------------------

def _after(ticket_id: int, done: str) -> Response:
    return RedirectResponse(f"/tickets/{ticket_id}?done={done}", status_code=303)


def _failed(request: Request, scope: Scope, ticket_id: int, exc: Exception) -> Response:
    return _ticket_page(request, scope, ticket_id, error=str(exc), status_code=400)


async def _uploads(request: Request) -> list[tuple[str, str, bytes]]:
    """The reply's files (``files`` fields, empty ones skipped), each read up to the limit; 400 past
    :data:`MAX_FILE_BYTES` a file or :data:`MAX_FILES` files."""
    form = await request.form()
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    if len(files) > MAX_FILES:
        raise ValueError(f"附件最多{MAX_FILES}个，本次选择了{len(files)}个")
    out = []
    for upload in files:
        data = await upload.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise ValueError(f"附件“{upload.filename}”超过{MAX_FILE_BYTES // (1024 * 1024)} MB")
        out.append((str(upload.filename), upload.content_type or "application/octet-stream", data))
    return out


@router.post("/tickets/{ticket_id}/reply")
async def ticket_reply(ticket_id: int, request: Request, scope: PageScope) -> Response:
    """反馈: the site's operator answers with text and files (multipart)."""
    store = store_of(request)
    row = _detail(store, scope, ticket_id)
    _require_reply(scope, int(row["site_id"]))
    form = await request.form()
    text = str(form.get("text") or "").strip()
    try:
        if not text:
            raise ValueError("请填写整改情况说明")
        attachments = await _uploads(request)
        tickets.reply_ticket(store, ticket_id, text, attachments, actor=scope.user.name)
    except (ValueError, tickets.TicketError) as exc:
        return _failed(request, scope, ticket_id, exc)
    return _after(ticket_id, "replied")


@router.post("/tickets/{ticket_id}/verify")
def ticket_verify(ticket_id: int, request: Request, scope: PageScope) -> Response:
    """申请复查: a re-check job of the site, the ticket to 复查中."""
    store = store_of(request)
    _require_manage(scope, int(_detail(store, scope, ticket_id)["site_id"]))
    try:
        tickets.request_verification(store, [ticket_id], actor=scope.user.name, requested_by=scope.user.id)
    except tickets.TicketError as exc:
        return _failed(request, scope, ticket_id, exc)
    return _after(ticket_id, "verifying")


@router.post("/tickets/{ticket_id}/exempt")
def ticket_exempt(ticket_id: int, request: Request, scope: PageScope, category: str = Form(""),
                  reason: str = Form("")) -> Response:
    """豁免 (误报 or 临时报备, with a reason): a site-wide exemption of the finding."""
    store = store_of(request)
    _require_manage(scope, int(_detail(store, scope, ticket_id)["site_id"]))
    try:
        if category not in EXEMPT_CATEGORIES:
            raise ValueError("请选择豁免类别：误报或临时报备")
        if not reason.strip():
            raise ValueError("请填写豁免理由")
        tickets.exempt_ticket(store, ticket_id, reason.strip(), category=category, actor=scope.user.name)
    except (ValueError, tickets.TicketError) as exc:
        return _failed(request, scope, ticket_id, exc)
    return _after(ticket_id, "exempted")


@router.post("/tickets/{ticket_id}/close")
def ticket_close(ticket_id: int, request: Request, scope: PageScope, reason: str = Form("")) -> Response:
    """销号 by hand, with a reason."""
    store = store_of(request)
    _require_manage(scope, int(_detail(store, scope, ticket_id)["site_id"]))
    try:
        if not reason.strip():
            raise ValueError("请填写销号理由")
        tickets.close_ticket(store, ticket_id, reason.strip(), actor=scope.user.name)
    except (ValueError, tickets.TicketError) as exc:
        return _failed(request, scope, ticket_id, exc)
    return _after(ticket_id, "closed")


def _back_to_list(site_id: int, **params: Any) -> Response:
    return RedirectResponse("/tickets?" + urlencode({"site": site_id, **params}), status_code=303)


def _list_error(request: Request, scope: Scope, site_id: int | None, message: str) -> Response:
    """The list (of the site) again with what went wrong (400)."""
    return _list_page(request, scope, site="" if site_id is None else str(site_id), error=message, status_code=400)


@router.post("/tickets/issue")
def tickets_issue(request: Request, scope: PageScope, site: str = Form(""), run: str = Form("")) -> Response:
    """生成工单 from a run of a site (the site's newest complete full run when none is named)."""
    store = store_of(request)
    site_id = parse_site(site)
    if site_id is None:
        return _list_error(request, scope, None, "请选择网站")
    _require_manage(scope, site_id)
    if run.strip():
        if not run.strip().isdigit():
            return _list_error(request, scope, site_id, "检查编号应为数字")
        run_id: int | None = int(run)
        require_site_run(store, site_id, int(run))
    else:
        run_id = web_rows.newest_full_run_of(store, site_id)
    if run_id is None:
        return _list_error(request, scope, site_id, "该网站还没有完整的检查结果，无法生成工单")
    try:
        issued = tickets.issue_tickets(store, run_id, actor=scope.user.name)
    except tickets.TicketError as exc:
        return _list_error(request, scope, site_id, str(exc))
    return _back_to_list(site_id, done="issued", n=len(issued))


@router.post("/tickets/notify")
async def tickets_notify(request: Request, scope: PageScope) -> Response:
    """下发整改通知: the chosen pending tickets of one site, a 文号 and a deadline; then the list
    with a link to the notice's Word file."""
    store = store_of(request)
    form = await request.form()
    site_id = parse_site(str(form.get("site") or ""))
    if site_id is None:
        return _list_error(request, scope, None, "请选择网站")
    _require_manage(scope, site_id)
    chosen = [str(v) for v in form.getlist("ticket") if isinstance(v, str)]
    doc_number = str(form.get("doc_number") or "").strip()
    deadline = str(form.get("deadline") or "").strip()
    issuer = str(form.get("issuer") or "").strip()
    problems = []
    if not chosen or not all(v.isdigit() for v in chosen):
        problems.append("请至少选择一张待下发的工单")
    if not doc_number:
        problems.append("请填写文号")
    try:
        due: date | None = date.fromisoformat(deadline)
    except ValueError:
        due = None
        problems.append("请填写整改期限（年-月-日）")
    if due is not None and due < today_here():
        problems.append("整改期限不能早于今天")
    if not issuer:
        problems.append("请填写发文单位")
    if problems:
        return _list_error(request, scope, site_id, "；".join(problems) + "。")
    assert due is not None
    ids = [int(v) for v in chosen]
    for ticket_id in ids:  # every ticket must be one of this site's, in the scope
        if int(_detail(store, scope, ticket_id)["site_id"]) != site_id:
            raise HTTPException(404, NOT_FOUND)
    try:
        notice_id = tickets.notify_tickets(store, ids, doc_number=doc_number, deadline=due, issuer=issuer,
                                           actor=scope.user.name)
    except tickets.TicketError as exc:
        return _list_error(request, scope, site_id, str(exc))
    return _back_to_list(site_id, done="notified", n=len(ids), notice=notice_id)


@router.get("/tickets/notices/{notice_id}/notice.docx")
def notice_docx(notice_id: int, request: Request, scope: PageScope) -> Response:
    """The 整改通知 as a Word file, written on request into a temporary folder (404 outside the scope)."""
    store = store_of(request)
    notice = ticket_rows.notice_row(store, notice_id)
    if notice is None:
        raise HTTPException(404, NOT_FOUND)
    scope.require_site(int(notice["site_id"]))
    model = tickets.notice_model(store, notice_id)
    with tempfile.TemporaryDirectory(prefix="govwatch-notice-") as folder:
        written = write_notice(model, Path(folder), pdf=False)
        docx = next(p for p in written if p.suffix == ".docx")
        body, name = docx.read_bytes(), docx.name
    return Response(body, media_type=DOCX_TYPE, headers={
        "Content-Disposition": f"attachment; filename=\"notice-{notice_id}.docx\"; filename*=UTF-8''{quote(name)}"})
