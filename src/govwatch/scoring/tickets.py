"""Rectification tickets (整改工单): one per active finding, from 待下发 to 已销号 (docs/rectification.md §1).

The state machine lives here; every row and audit event is written by
:mod:`govwatch.store.ticket_rows`, each change with its audit event in one transaction. The document
models (:func:`notice_model`, :func:`recheck_model`) are plain JSON-able dicts for the renderers in
``report/``; their ``evidence`` is the finding's raw evidence dict (the renderer labels it in Chinese
with ``report/evidence_labels.py``, which sits above this layer).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime
from pathlib import PurePath
from typing import Any

from govwatch.checks import REGISTRY, CheckRun, load_builtin_checks, looked_for
from govwatch.core import clock
from govwatch.core.catalogue import REVIEWER_CODE, catalogue, problem_id
from govwatch.core.urls import normalize_url
from govwatch.scoring.review import ReviewError, mark_fixed, reviewer_finding_id
from govwatch.scoring.runs import WITHHELD, stored_findings
from govwatch.store.db import Store, StoreError
from govwatch.store.registry_rows import site_id_of
from govwatch.store.run_results import check_findings, check_records, newest_completed_runs
from govwatch.store.ticket_rows import (
    MissingTickets,
    TicketChange,
    attachment_row,
    attachment_rows,
    audit_trail,
    change_tickets,
    fetch_answers,
    insert_tickets,
    notice_row,
    notice_rows,
    ticket_events,
    ticket_rows,
)
from govwatch.store.web_rows import score_sheet_of

__all__ = ["TICKET_STATES", "STATE_LABELS", "ACTION_LABELS", "OPEN_STATES", "OVERDUE_STATES", "EXEMPT_CATEGORIES", "MAX_ATTACHMENTS",
           "MAX_ATTACHMENT_BYTES", "UNREAD_NOTE", "TicketError", "issue_tickets", "notify_tickets", "reply_ticket",
           "request_verification", "apply_verification", "exempt_ticket", "close_ticket", "list_tickets",
           "ticket_detail", "ticket_attachment", "overdue_tickets", "notice_model", "recheck_model", "ticket_figures",
           "site_for_url", "latest_notice_id", "latest_recheck_run", "beijing_time"]

TICKET_STATES = ("pending", "notified", "replied", "verifying", "closed", "returned", "exempted")
STATE_LABELS = {"pending": "待下发", "notified": "已通知", "replied": "已反馈", "verifying": "复查中",
                "closed": "已销号", "returned": "退回", "exempted": "已豁免"}
ACTION_LABELS = {"issue": "生成工单", "notify": "下发整改通知", "reply": "单位反馈", "verify": "申请复查",
                 "verify_result": "复查结果", "exempt": "豁免", "close": "手工销号"}  # audit_events.action of tickets
OPEN_STATES = tuple(s for s in TICKET_STATES if s not in ("closed", "exempted"))
OVERDUE_STATES = ("notified", "returned")  # the unit owes an answer: past the deadline it is overdue
EXEMPT_CATEGORIES = ("误报", "临时报备")
MAX_ATTACHMENTS = 20  # files a reply
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # per file
UNREAD_NOTE = "复查未能读取"

# What each action needs the ticket's state to be (docs/rectification.md, the state table).
_ACTIONS = {
    "notify": ("下发整改通知", ("pending",)),
    "reply": ("反馈整改情况", ("notified", "returned")),
    "verify": ("申请复查", ("notified", "replied", "returned")),
    "exempt": ("豁免", ("pending", "notified", "replied", "returned")),
    "close": ("销号", OPEN_STATES),
}


class TicketError(ValueError):
    """A ticket operation that cannot be done (unknown ticket, illegal transition, bad input); the
    message says why, in Chinese."""


# -- helpers ---------------------------------------------------------------------------------


def _state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)


def _require_state(row: dict[str, Any], action: str) -> None:
    what, allowed = _ACTIONS[action]
    if row["state"] not in allowed:
        raise TicketError(f"工单 {row['id']}（{row['problem_id']}）当前状态为「{_state_label(row['state'])}」，不能{what}；"
                          f"只有「{'」「'.join(_state_label(s) for s in allowed)}」状态的工单可以{what}")


def _ids(ticket_ids: Sequence[int]) -> list[int]:
    ids = list(dict.fromkeys(int(i) for i in ticket_ids))
    if not ids:
        raise TicketError("未指定工单")
    return ids


def _one_site(store: Store, ids: Sequence[int]) -> int:
    rows = ticket_rows(store, ids)
    missing = sorted(set(ids) - {r["id"] for r in rows})
    if missing:
        raise TicketError(_missing_text(missing))
    sites = {r["site_id"] for r in rows}
    if len(sites) != 1:
        names = "、".join(sorted({r["site_name"] or r["site_url"] for r in rows}))
        raise TicketError(f"这些工单属于不同网站（{names}），一次只能处理一个网站的工单")
    return sites.pop()


def _missing_text(ids: Sequence[int]) -> str:
    return f"没有编号为 {'、'.join(str(i) for i in ids)} 的工单"


def _change(store: Store, ids: Sequence[int], decide: Any, *, actor: str, **extra: Any) -> dict[str, Any]:
    try:
        return change_tickets(store, ids, decide, actor=actor, **extra)
    except MissingTickets as exc:
        raise TicketError(_missing_text(exc.ids)) from None


def _reason(text: str | None, what: str) -> str:
    value = (text or "").strip()
    if not value:
        raise TicketError(f"{what}不能为空")
    return value


def _local_day(at: str | None) -> date | None:
    """The Asia/Shanghai day of a stored UTC time (None for None)."""
    if not at:
        return None
    moment = datetime.fromisoformat(at)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(clock.SHANGHAI).date()


def beijing_time(at: str | None) -> str:
    """A stored UTC time as Beijing time, ``YYYY-MM-DD HH:MM`` (empty for None)."""
    if not at:
        return ""
    moment = datetime.fromisoformat(at)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _is_overdue(row: dict[str, Any], day: date) -> bool:
    return row["state"] in OVERDUE_STATES and bool(row["deadline"]) and day > date.fromisoformat(row["deadline"])


def site_for_url(store: Store, url: str) -> int:
    """The id of the site whose homepage is ``url``; :class:`TicketError` when none is stored."""
    norm = normalize_url(url.strip()) if url and url.strip() else None
    if norm is None:
        raise TicketError(f"网站地址无效：{url!r}（应为 http:// 或 https:// 开头的首页地址）")
    site_id = site_id_of(store, norm)
    if site_id is None:
        raise TicketError(f"库中没有首页为 {norm} 的网站")
    return site_id


# -- issuing --------------------------------------------------------------------------------


def _active(trace: dict[str, Any] | None, indicator_kinds: dict[str, str]) -> bool:
    """A finding the office asks to fix: scored (or triggering a veto), not exempted, not under a
    filing, not withheld, and not a bonus entry."""
    if trace is None or trace["status"] in ("exempt", "suppressed", "withheld"):
        return False
    if trace.get("vetoes"):
        return True
    if trace["status"] != "scored":
        return False
    kind = indicator_kinds.get(trace.get("indicator") or "", "deduction")
    return kind == "deduction" or float(trace.get("points") or 0) < 0


def issue_tickets(store: Store, run_id: int, *, actor: str, kinds: Collection[str] | None = None) -> list[int]:
    """A ``pending`` ticket for every active finding of the run (of ``kinds`` when given) whose
    fingerprint has no open ticket of the site; returns the new tickets' ids (issuing twice makes
    nothing new). Active is what the run's stored score sheet scored: not exempted, not under a
    临时报备, not withheld from an incomplete run; reviewer findings get ``origin = reviewer``."""
    try:
        run = store.run(run_id)
    except StoreError:
        raise TicketError(f"没有编号为 {run_id} 的检查运行") from None
    sheet = score_sheet_of(store, run_id)
    if run["status"] != "completed" or sheet is None:
        raise TicketError(f"检查运行 {run_id} 尚未完成评分，不能据此生成整改工单")
    traces: dict[str, dict[str, Any]] = sheet.get("findings") or {}
    indicator_kinds = {i["id"]: i.get("kind", "deduction") for i in sheet.get("indicators") or []}
    wanted = set(kinds) if kinds is not None else None
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for f in stored_findings(store, run_id):
        pid = problem_id(f)
        if f.fingerprint in seen or (wanted is not None and f.kind not in wanted):
            continue
        if not _active(traces.get(pid), indicator_kinds):
            continue
        seen.add(f.fingerprint)
        rows.append({"fingerprint": f.fingerprint, "problem_id": pid, "kind": f.kind, "indicator": f.indicator,
                     "url": f.url, "source": f.source, "target": f.target, "message": f.message,
                     "evidence": f.evidence, "origin": "reviewer" if f.code == REVIEWER_CODE else "check",
                     "found_run_id": run_id})
    return insert_tickets(store, run["site_id"], rows, actor=actor)


# -- transitions ----------------------------------------------------------------------------


def notify_tickets(store: Store, ticket_ids: Sequence[int], *, doc_number: str, deadline: date, issuer: str | None,
                   actor: str) -> int:
    """Send a 整改通知 (文号 ``doc_number``, answer by ``deadline``) for ``pending`` tickets of one
    site: one ``rectify_notices`` row, the tickets ``notified`` with its deadline; returns the notice's id."""
    ids = _ids(ticket_ids)
    number = _reason(doc_number, "文号")
    if not isinstance(deadline, date):
        raise TicketError("整改期限应为日期（YYYY-MM-DD）")
    if isinstance(deadline, datetime):
        deadline = deadline.date()
    site_id = _one_site(store, ids)
    due = deadline.isoformat()

    def decide(row: dict[str, Any]) -> TicketChange:
        _require_state(row, "notify")
        return TicketChange({"state": "notified", "deadline": due}, "notify", None,
                            {"doc_number": number, "deadline": due})

    notice = {"site_id": site_id, "doc_number": number, "deadline": due, "issuer": (issuer or "").strip() or None}
    notice_id: int = _change(store, ids, decide, actor=actor, notice=notice)["notice_id"]
    return notice_id


def _check_attachments(attachments: Sequence[tuple[str, str, bytes]]) -> list[tuple[str, str, bytes]]:
    if len(attachments) > MAX_ATTACHMENTS:
        raise TicketError(f"附件过多：{len(attachments)} 个，每次反馈最多 {MAX_ATTACHMENTS} 个")
    checked = []
    for filename, content_type, body in attachments:
        name = PurePath(str(filename).replace("\\", "/")).name.strip()
        if not name:
            raise TicketError("附件缺少文件名")
        if not isinstance(body, bytes):
            raise TicketError(f"附件「{name}」的内容无效")
        if len(body) > MAX_ATTACHMENT_BYTES:
            raise TicketError(f"附件「{name}」大小为 {len(body) / 1048576:.1f} MB，"
                              f"超过每个文件 {MAX_ATTACHMENT_BYTES // 1048576} MB 的上限")
        checked.append((name, (content_type or "").strip() or "application/octet-stream", body))
    return checked


def reply_ticket(store: Store, ticket_id: int, text: str, attachments: Sequence[tuple[str, str, bytes]] = (), *,
                 actor: str) -> None:
    """The unit's answer to a ``notified`` or ``returned`` ticket: ``text`` and attachments
    ``(filename, content type, body)`` (at most :data:`MAX_ATTACHMENTS`, each at most
    :data:`MAX_ATTACHMENT_BYTES`); the ticket becomes ``replied``."""
    answer = _reason(text, "反馈内容")
    files = _check_attachments(attachments)

    def decide(row: dict[str, Any]) -> TicketChange:
        _require_state(row, "reply")
        return TicketChange({"state": "replied", "feedback": answer}, "reply", answer,
                            {"attachments": [name for name, _, _ in files]} if files else None)

    _change(store, [int(ticket_id)], decide, actor=actor, attachments=files)


def request_verification(store: Store, ticket_ids: Sequence[int], *, actor: str,
                         requested_by: int | None = None) -> int:
    """Ask for a re-check of tickets of one site: a queued ``recheck`` job (``args = {"tickets": [...]}``)
    and the tickets' move to ``verifying`` with its id, in one transaction; returns the job's id.
    ``requested_by``: the web user's id, when a user asked."""
    ids = _ids(ticket_ids)
    site_id = _one_site(store, ids)

    def decide(row: dict[str, Any]) -> TicketChange:
        _require_state(row, "verify")
        return TicketChange({"state": "verifying"}, "verify")

    job = {"kind": "recheck", "site_id": site_id, "args": {"tickets": ids}, "requested_by": requested_by}
    job_id: int = _change(store, ids, decide, actor=actor, job=job)["job_id"]
    return job_id


def _state_before_verifying(store: Store, ticket_id: int) -> str:
    """The state a ticket was in when it was sent to verification (``notified`` when unknown)."""
    for event in reversed(audit_trail(store, "ticket", ticket_id)):
        if event["to_state"] == "verifying" and event["from_state"] not in (None, "verifying"):
            return str(event["from_state"])
    return "notified"


def _page_read(answer: tuple[int | None, str | None] | None) -> bool:
    """Whether a fetch gave a definite reading of the page: an HTTP answer below 400 with no error."""
    if answer is None:
        return False
    status, error = answer
    return error is None and status is not None and 200 <= status < 400


def _judged_kinds(store: Store, run_id: int) -> frozenset[str]:
    """Finding kinds the run's checks looked for on the pages it read: the checks that ran, and
    those only withheld from scoring because the run is not a read of the whole site (a re-check
    never is): their findings are stored all the same."""
    load_builtin_checks()
    records = check_records(store, run_id, list(REGISTRY))
    return looked_for(CheckRun(r["check_name"], "ok" if (r["error"] or "").startswith(WITHHELD) else r["status"],
                               r["findings"], r["elapsed_ms"], r["error"]) for r in records)


def apply_verification(store: Store, run_id: int, ticket_ids: Sequence[int], *, actor: str) -> dict[int, str]:
    """Decide the ``verifying`` tickets by the re-check run ``run_id``: the page read and the
    fingerprint gone → ``closed``; the fingerprint still found → ``returned`` (the new finding's
    evidence in the audit event); the page not read (or its check not run) → back to the state
    before verifying with the note 复查未能读取, never closed. Findings a reviewer entered cannot be
    judged by checks: they go back the same way, to be closed by hand. Tickets not ``verifying``
    are left as they are. Returns each ticket's state after."""
    ids = _ids(ticket_ids)
    try:
        run = store.run(run_id)
    except StoreError:
        raise TicketError(f"没有编号为 {run_id} 的复查运行") from None
    found = {f.fingerprint: f for f in check_findings(store, run_id)}
    judged = _judged_kinds(store, run_id)
    rows = ticket_rows(store, ids)
    answers = fetch_answers(store, run_id, {r["url"] for r in rows})
    before = {r["id"]: _state_before_verifying(store, r["id"]) for r in rows if r["state"] == "verifying"}
    now = datetime.now(UTC).isoformat(timespec="seconds")

    def decide(row: dict[str, Any]) -> TicketChange | None:
        if row["state"] != "verifying":
            return None
        if row["site_id"] != run["site_id"]:
            raise TicketError(f"工单 {row['id']} 与复查运行 {run_id} 不属于同一网站")
        base = {"verify_run_id": run_id}
        data: dict[str, Any] = {"run_id": run_id}
        new = found.get(row["fingerprint"])
        if row["origin"] == "check" and new is not None:
            return TicketChange({**base, "state": "returned"}, "verify_result", "复查仍发现该问题，退回整改",
                                {**data, "outcome": "returned", "message": new.message, "evidence": new.evidence})
        answer = answers.get(row["url"])
        if row["origin"] != "check":
            reason = "人工检查发现的问题不能由自动复查判定，请人工核实后销号"
        elif not _page_read(answer):
            status, error = answer if answer else (None, None)
            reason = (f"页面 {row['url']} 未能读取（{error or ('HTTP ' + str(status) if status else '未抓取')}）")
        elif row["kind"] not in judged:
            reason = "复查未能完成该项检查"
        else:
            return TicketChange({**base, "state": "closed", "closed_at": now}, "verify_result", "复查未再发现该问题，销号",
                                {**data, "outcome": "closed"})
        return TicketChange({**base, "state": before.get(row["id"], "notified")}, "verify_result",
                            f"{UNREAD_NOTE}：{reason}", {**data, "outcome": "unverified", "reason": reason})

    _change(store, ids, decide, actor=actor)
    return {r["id"]: r["state"] for r in ticket_rows(store, ids)}


def exempt_ticket(store: Store, ticket_id: int, reason: str, *, category: str, actor: str) -> None:
    """Exempt a ticket's finding (``category`` 误报 or 临时报备, with a reason): a site-wide exemption
    of its fingerprint, so every later run leaves it out, and the ticket ``exempted``."""
    why = _reason(reason, "豁免理由")
    if category not in EXEMPT_CATEGORIES:
        raise TicketError(f"豁免类别应为 {'或'.join(EXEMPT_CATEGORIES)}，而不是「{category}」")
    rows = ticket_rows(store, [int(ticket_id)])
    if not rows:
        raise TicketError(_missing_text([int(ticket_id)]))
    row = rows[0]
    _require_state(row, "exempt")

    def decide(current: dict[str, Any]) -> TicketChange:
        _require_state(current, "exempt")
        return TicketChange({"state": "exempted"}, "exempt", why, {"category": category})

    exemption = {"site_id": row["site_id"], "run_id": None, "fingerprint": row["fingerprint"],
                 "reason": f"{category}：{why}", "reviewer": actor}
    _change(store, [row["id"]], decide, actor=actor, exemptions=[exemption])


def _fix_reviewer_finding(store: Store, row: dict[str, Any], why: str, actor: str) -> dict[str, Any] | None:
    """Mark the lasting reviewer finding of a reviewer-origin ticket fixed as of the ticket's re-check
    run (else the site's newest completed run), so later runs neither score nor ticket it again;
    :class:`TicketError` when no run after the one it was entered at exists. Returns what the audit
    event of the close records (None: no stored reviewer finding)."""
    finding_id = reviewer_finding_id(store, row["site_id"], row["fingerprint"])
    if finding_id is None:
        return None
    run_id = row["verify_run_id"] or newest_completed_runs(store).get(row["site_id"])
    if run_id is None or run_id <= row["found_run_id"]:
        raise TicketError(f"工单 {row['id']} 是人工检查发现的问题，销号须以录入之后的一次检查为准："
                          "请先申请复查（govwatch ticket verify）或重新检查该网站")
    try:
        mark_fixed(store, finding_id, run_id, actor=actor, reason=why)
    except ReviewError as exc:
        raise TicketError(str(exc)) from None
    return {"reviewer_finding": finding_id, "fixed_as_of_run": run_id}


def close_ticket(store: Store, ticket_id: int, reason: str, *, actor: str) -> None:
    """Close (销号) an open ticket by hand; a reason is required. A reviewer-origin ticket's lasting
    reviewer finding is marked fixed with it (:func:`_fix_reviewer_finding`)."""
    why = _reason(reason, "销号理由")
    now = datetime.now(UTC).isoformat(timespec="seconds")
    rows = ticket_rows(store, [int(ticket_id)])
    if not rows:
        raise TicketError(_missing_text([int(ticket_id)]))
    _require_state(rows[0], "close")
    fixed = _fix_reviewer_finding(store, rows[0], why, actor) if rows[0]["origin"] == "reviewer" else None

    def decide(row: dict[str, Any]) -> TicketChange:
        _require_state(row, "close")
        return TicketChange({"state": "closed", "closed_at": now}, "close", why, fixed)

    _change(store, [int(ticket_id)], decide, actor=actor)


# -- reading ----------------------------------------------------------------------------------


def _listed(row: dict[str, Any], day: date) -> dict[str, Any]:
    return {**row, "state_label": _state_label(row["state"]), "overdue": _is_overdue(row, day)}


def list_tickets(store: Store, *, site_ids: Collection[int] | None = None, states: Collection[str] | None = None,
                 overdue_on: date | None = None) -> list[dict[str, Any]]:
    """Tickets, oldest first (of ``site_ids``, in ``states``), each row with ``site_url``,
    ``site_name``, ``state_label`` and ``overdue`` (as of ``overdue_on``, default today in
    Asia/Shanghai)."""
    if states is not None:
        unknown = [s for s in states if s not in TICKET_STATES]
        if unknown:
            raise TicketError(f"未知的工单状态：{'、'.join(unknown)}；可选：{'、'.join(TICKET_STATES)}")
    day = overdue_on or clock.today()
    return [_listed(r, day) for r in ticket_rows(store, site_ids=site_ids, states=states)]


def ticket_detail(store: Store, ticket_id: int) -> dict[str, Any]:
    """One ticket: its row (as :func:`list_tickets` gives it), ``events`` (its audit trail, oldest
    first), ``attachments`` (metadata) and ``notice`` (the 整改通知 row, or None)."""
    rows = ticket_rows(store, [int(ticket_id)])
    if not rows:
        raise TicketError(_missing_text([int(ticket_id)]))
    row = _listed(rows[0], clock.today())
    return {**row, "events": audit_trail(store, "ticket", row["id"]), "attachments": attachment_rows(store, row["id"]),
            "notice": notice_row(store, row["notice_id"]) if row["notice_id"] else None}


def ticket_attachment(store: Store, attachment_id: int) -> tuple[str, str, bytes]:
    """An attachment's file name, content type and body."""
    row = attachment_row(store, int(attachment_id))
    body = store.body(row["blob_hash"]) if row else None
    if row is None or body is None:
        raise TicketError(f"没有编号为 {attachment_id} 的附件")
    return row["filename"], row["content_type"], body


def overdue_tickets(store: Store, today: date) -> list[dict[str, Any]]:
    """Tickets ``notified`` or ``returned`` whose deadline is before ``today``, oldest first."""
    return [r for r in list_tickets(store, states=OVERDUE_STATES, overdue_on=today) if r["overdue"]]


# -- document models ----------------------------------------------------------------------


def _unit(store: Store, site_id: int) -> dict[str, Any]:
    site = store.site(site_id)
    return {"name": site["name"] or site["url"], "site_code": site["site_code"], "url": site["url"],
            "responsible_unit": site["responsible_unit"]}


def _doc_ticket(row: dict[str, Any]) -> dict[str, Any]:
    evidence = row["evidence"] or {}
    where = row["source"] or evidence.get("column") or ""
    return {"id": row["id"], "problem_id": row["problem_id"], "label": catalogue().label(row["kind"]),
            "indicator": row["indicator"], "url": row["url"], "where": where, "message": row["message"],
            "evidence": evidence, "deadline": row["deadline"], "state": row["state"],
            "state_label": _state_label(row["state"])}


def notice_model(store: Store, notice_id: int) -> dict[str, Any]:
    """The 整改通知 document model of a notice (docs/rectification.md "Document models"); ``evidence``
    is each finding's raw evidence dict (the renderer labels it)."""
    notice = notice_row(store, int(notice_id))
    if notice is None:
        raise TicketError(f"没有编号为 {notice_id} 的整改通知")
    unit = _unit(store, notice["site_id"])
    issued = _local_day(notice["issued_at"])
    return {"kind": "notice", "notice_id": notice["id"], "doc_number": notice["doc_number"],
            "date": issued.isoformat() if issued else None, "issuer": notice["issuer"], "unit": unit,
            "deadline": notice["deadline"], "title": f"关于{unit['name']}网站问题整改的通知",
            "tickets": [_doc_ticket(r) for r in ticket_rows(store, notice_id=notice["id"])], "reply_form": True}


def latest_notice_id(store: Store, site_id: int) -> int:
    """The id of the site's newest 整改通知; :class:`TicketError` when it has none."""
    notices = notice_rows(store, site_id)
    if not notices:
        raise TicketError("该网站还没有下发过整改通知（先用 govwatch ticket notify 下发）")
    return int(notices[-1]["id"])


def latest_recheck_run(store: Store, site_id: int) -> int:
    """The newest run that verified tickets of the site; :class:`TicketError` when none did."""
    runs = [r["verify_run_id"] for r in ticket_rows(store, site_ids=[site_id]) if r["verify_run_id"]]
    if not runs:
        raise TicketError("该网站还没有完成复查的工单（先用 govwatch ticket verify 申请复查）")
    return int(max(runs))


def _outcome_event(store: Store, ticket_id: int, run_id: int) -> dict[str, Any] | None:
    events = [e for e in audit_trail(store, "ticket", ticket_id)
              if e["action"] == "verify_result" and (e["data"] or {}).get("run_id") == run_id]
    return events[-1] if events else None


def recheck_model(store: Store, site_id: int, run_id: int) -> dict[str, Any]:
    """The 复查报告 document model of a site's re-check run: the tickets it closed (``fixed``), found
    still there (``remaining``, with ``new_evidence``), could not judge (``unverified``, with
    ``reason``), and the site's exempted tickets (``exempted``, with ``reason``)."""
    try:
        run = store.run(int(run_id))
    except StoreError:
        raise TicketError(f"没有编号为 {run_id} 的复查运行") from None
    if run["site_id"] != site_id:
        raise TicketError(f"复查运行 {run_id} 不是该网站的运行")
    model: dict[str, Any] = {"kind": "recheck", "date": (_local_day(run["finished_at"] or run["started_at"])
                                                         or clock.today()).isoformat(),
                             "issuer": None, "unit": _unit(store, site_id), "run_id": run["id"],
                             "run_at": run["started_at"], "fixed": [], "remaining": [], "unverified": [],
                             "exempted": []}
    notices = [notice_row(store, r["notice_id"]) for r in ticket_rows(store, site_ids=[site_id]) if r["notice_id"]]
    issuers = [n["issuer"] for n in notices if n and n["issuer"]]
    model["issuer"] = issuers[-1] if issuers else None
    for row in ticket_rows(store, site_ids=[site_id]):
        item = _doc_ticket(row)
        if row["state"] == "exempted":
            events = [e for e in audit_trail(store, "ticket", row["id"]) if e["action"] == "exempt"]
            model["exempted"].append({**item, "reason": events[-1]["note"] if events else None,
                                      "category": (events[-1]["data"] or {}).get("category") if events else None})
            continue
        event = _outcome_event(store, row["id"], run["id"])
        if event is None:
            continue
        outcome = (event["data"] or {}).get("outcome")
        if outcome == "closed":
            model["fixed"].append(item)
        elif outcome == "returned":
            model["remaining"].append({**item, "new_message": event["data"].get("message"),
                                       "new_evidence": event["data"].get("evidence") or {}})
        else:
            model["unverified"].append({**item, "reason": event["data"].get("reason")})
    return model


def ticket_figures(store: Store, site_ids: Collection[int], start: date, end: date) -> dict[str, dict[str, Any]]:
    """Per site (by homepage URL) for the bulletin, days in Asia/Shanghai: ``issued`` (tickets
    notified in [start, end]), ``closed`` (closed in it), ``returned`` (sent back in it at least
    once), ``overdue`` and ``overdue_list`` (problem IDs of tickets overdue on ``end``, by their
    states now)."""
    ids = list(site_ids)
    out: dict[str, dict[str, Any]] = {}
    by_id = {}
    for site_id in ids:
        url = store.site(site_id)["url"]
        by_id[site_id] = url
        out[url] = {"issued": 0, "closed": 0, "overdue": 0, "returned": 0, "overdue_list": []}
    counted: dict[str, set[int]] = {"issued": set(), "closed": set(), "returned": set()}
    for event in ticket_events(store, ids, ("notify", "verify_result", "close")):
        day = _local_day(event["at"])
        if day is None or not start <= day <= end:
            continue
        key = ("issued" if event["action"] == "notify" else
               "closed" if event["to_state"] == "closed" else "returned" if event["to_state"] == "returned" else None)
        if key and event["ticket_id"] not in counted[key]:
            counted[key].add(event["ticket_id"])
            out[by_id[event["site_id"]]][key] += 1
    for row in ticket_rows(store, site_ids=ids, states=OVERDUE_STATES):
        if _is_overdue(row, end):
            figures = out[by_id[row["site_id"]]]
            figures["overdue"] += 1
            figures["overdue_list"].append(row["problem_id"])
    return out
