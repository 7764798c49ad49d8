"""Dashboard page 告警 (``/alerts``): the outbox (every notification the service queued, sent, held
or gave up on) of the user's sites with a state filter, and the down alerts with 确认
(acknowledge): someone took the outage in hand, so it is not escalated (docs/service.md "Alert
state machine", docs/web.md "Pages").

Acknowledging is :meth:`govwatch.alerts.observer.AlertObserver.acknowledge`, the service's own
semantics. Admins and managers may acknowledge the down alerts of the sites they see, an operator
those of their own sites; a viewer only reads (403); a site outside the scope is 404.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse

from govwatch.alerts.observer import AlertObserver
from govwatch.core.clock import SHANGHAI
from govwatch.core.serviceconfig import ServiceConfig
from govwatch.store import dashboard_rows, service_rows
from govwatch.store.db import Store
from govwatch.store.registry_rows import site_id_of
from govwatch.web.pages.common import paged, store_of
from govwatch.web.scope import NOT_FOUND, PageScope, Scope
from govwatch.web.templating import render

__all__ = ["router", "OUTBOX_STATE_LABELS", "ACKNOWLEDGERS", "LISTED"]

router = APIRouter(include_in_schema=False)

LISTED = 1000  # the newest outbox rows listed (50 a page)
ACKNOWLEDGERS = ("admin", "manager", "operator")
OUTBOX_STATE_LABELS = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败",
                       "held": "暂缓（免打扰或汇总）", "merged": "已并入汇总", "suppressed": "不发送（报备或维护）"}
SEVERITY_LABELS = {"critical": "严重", "warning": "警告", "info": "提示"}
TARGET_KIND_LABELS = {"site": "首页", "column": "栏目", "system": "业务系统"}


def _local(stamp: str | None) -> str:
    """A stored UTC time as Beijing time to the minute ("" for none)."""
    moment = service_rows.parse_stamp(stamp) if stamp else None
    if moment is None:
        return ""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _down_alerts(store: Store, scope: Scope) -> list[dict[str, Any]]:
    """The down alert states of the scope's sites (every one for an admin), longest down first."""
    sites = {s.url: s for s in dashboard_rows.overview(store, scope.site_ids).sites}
    out = []
    for row in service_rows.load_alert_states(store, states=["down"]):
        site = sites.get(str(row.get("site_url")))
        if site is None and not scope.sees_all:
            continue
        key = str(row.get("target_key", ""))
        kind = str(row.get("target_kind", ""))
        out.append({"key": key, "kind": TARGET_KIND_LABELS.get(kind, kind), "target": key.partition(":")[2],
                    "site_id": site.site_id if site else None, "site_name": site.name if site else None,
                    "site_url": row.get("site_url"), "since": _local(row.get("since")),
                    "fail_streak": row.get("fail_streak"), "last_error": row.get("last_error"),
                    "acked_at": _local(row.get("acked_at")), "acked_by": row.get("acked_by"),
                    "escalated_at": _local(row.get("escalated_at")), "since_raw": str(row.get("since", ""))})
    return sorted(out, key=lambda a: (a["since_raw"], a["key"]))


@router.get("/alerts")
def alerts_page(request: Request, scope: PageScope, state: str = "", page: int = 1, done: str = "") -> Response:
    """The outbox of the user's sites (of one ``state``) and the down alerts."""
    store = store_of(request)
    state = state if state in OUTBOX_STATE_LABELS else ""
    rows = service_rows.list_outbox(store, state=state or None, limit=LISTED, site_ids=scope.site_ids)
    shown, page, pages = paged(rows, page)
    outbox = [{"id": r.id, "created_at": _local(r.created_at), "kind": r.event_kind,
               "severity": SEVERITY_LABELS.get(r.severity, r.severity), "title": r.payload.get("title", ""),
               "site_id": r.site_id, "site_url": r.site_url or r.target_url, "recipient": r.recipient,
               "channel": r.channel, "state": OUTBOX_STATE_LABELS.get(r.state, r.state), "state_key": r.state,
               "attempts": r.attempts, "sent_at": _local(r.sent_at), "last_error": r.last_error} for r in shown]
    return render(request, "alerts.html.j2", {
        "active_nav": "alerts", "states": OUTBOX_STATE_LABELS, "state": state, "outbox": outbox,
        "listed": len(rows), "limit": LISTED, "page": page, "pages": pages, "query": {"state": state} if state else {},
        "down": _down_alerts(store, scope), "may_ack": scope.user.role in ACKNOWLEDGERS,
        "done": done == "ack"})


@router.post("/alerts/acknowledge")
def acknowledge_alert(request: Request, scope: PageScope, target_key: str = Form("")) -> Response:
    """确认 a down alert: 404 unless it is a down alert of a site in the scope, 403 for a viewer."""
    store = store_of(request)
    row = service_rows.load_alert_state(store, target_key) if target_key else None
    if row is None or row.get("state") != "down":
        raise HTTPException(404, NOT_FOUND)
    site_id = site_id_of(store, str(row.get("site_url")))
    if site_id is None and not scope.sees_all:
        raise HTTPException(404, NOT_FOUND)
    if site_id is not None:
        scope.require_site(site_id)
    if scope.user.role not in ACKNOWLEDGERS:
        raise HTTPException(403, "当前角色只能查看，不能确认告警")
    AlertObserver(store, ServiceConfig()).acknowledge(target_key, datetime.now(UTC), by=scope.user.name)
    return RedirectResponse("/alerts?done=ack", status_code=303)
