"""Dashboard page 预警 (``/warnings``): what breaks soonest across the user's sites, with countdowns
(docs/web.md "Pages").

- columns (and homepages) of each site's newest complete full run whose update window ends within
  :data:`WITHIN_DAYS` days or has ended, days left counted to today, smallest first
  (:func:`~govwatch.store.dashboard_rows.sites_at_risk`);
- homepages whose failed share over the rule table's availability window reached the warning share
  (``alerting.veto_risk_share``'s default, 3%) on the way to the veto (``max_failure_ratio``, 5%),
  worst first (:func:`~govwatch.store.dashboard_rows.availability_days`).

Filters ``?org=CODE`` (the org's subtree within the scope) and ``?kind=`` (:data:`KINDS`); an htmx
request (the filter form changing) gets only the results, which the form swaps in.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from fastapi import APIRouter, Request, Response

from govwatch.core.serviceconfig import AlertPolicy
from govwatch.report.view import column_type_name
from govwatch.rules.loader import load_ruleset
from govwatch.store import dashboard_rows
from govwatch.store.dashboard_rows import AtRisk
from govwatch.store.db import Store
from govwatch.web.pages.common import org_filter, org_options, paged, store_of, today_here
from govwatch.web.scope import PageScope
from govwatch.web.templating import render

__all__ = ["router", "KINDS", "WITHIN_DAYS", "AvailabilityRisk", "availability_risks"]

router = APIRouter(include_in_schema=False)

WITHIN_DAYS = 30  # columns whose window ends within this many days are listed
KINDS = {"": "全部", "due": "即将到期的栏目", "overdue": "已超期的栏目", "availability": "首页可用率接近否决线"}


@dataclass(frozen=True, slots=True)
class AvailabilityRisk:
    """A site's homepage visits over the availability window and how near its failures are to the veto."""

    site_id: int
    name: str | None
    url: str
    visits: int
    failed: int
    share: float  # failed / visits (0..1)
    reached: bool  # at or past the veto's share


def availability_risks(store: Store, site_ids: Collection[int] | None, *, window_days: int, warn_share: float,
                       veto_share: float) -> list[AvailabilityRisk]:
    """Sites whose failed homepage visits over the last ``window_days`` days reach ``warn_share``,
    largest share first. Two queries: the week's probes and the sites' names."""
    days = dashboard_rows.availability_days(store, site_ids, today=today_here(), days=window_days)
    risky = {}
    for site_id, rows in days.items():
        visits, failed = sum(r.visits for r in rows), sum(r.failed for r in rows)
        if visits and failed / visits >= warn_share:
            risky[site_id] = (visits, failed)
    if not risky:
        return []
    names = {s.site_id: s for s in dashboard_rows.overview(store, sorted(risky)).sites}
    out = [AvailabilityRisk(i, names[i].name, names[i].url, v, f, f / v, f / v >= veto_share)
           for i, (v, f) in risky.items() if i in names]
    return sorted(out, key=lambda r: (-r.share, r.site_id))


def _columns(rows: list[AtRisk], kind: str) -> list[AtRisk]:
    if kind == "due":
        return [r for r in rows if r.days_left >= 0]
    if kind == "overdue":
        return [r for r in rows if r.days_left < 0]
    return rows


@router.get("/warnings")
def warnings_page(request: Request, scope: PageScope, org: str = "", kind: str = "", page: int = 1) -> Response:
    """预警 of the user's sites (one org's subtree with ``?org=``, one kind with ``?kind=``)."""
    store = store_of(request)
    kind = kind if kind in KINDS else ""
    chosen, narrowed = org_filter(store, scope, org)
    columns: list[AtRisk] = []
    if kind != "availability":
        columns = _columns(dashboard_rows.sites_at_risk(store, narrowed.site_ids, today=today_here(),
                                                        within_days=WITHIN_DAYS, limit=None), kind)
    rules = load_ruleset().availability
    window_days, veto_share = int(rules["window_days"]), float(rules["max_failure_ratio"])
    warn_share = AlertPolicy().veto_risk_share
    risks = (availability_risks(store, narrowed.site_ids, window_days=window_days, warn_share=warn_share,
                                veto_share=veto_share) if kind in ("", "availability") else [])
    shown, page, pages = paged(columns, page)
    query = {k: v for k, v in (("org", chosen.code if chosen else ""), ("kind", kind)) if v}
    context = {"active_nav": "warnings", "org": chosen, "orgs": org_options(store, scope), "kind": kind,
               "kinds": KINDS, "columns": shown, "column_count": len(columns), "page": page, "pages": pages,
               "query": query, "risks": risks, "window_days": window_days, "veto_share": veto_share,
               "warn_share": warn_share, "within_days": WITHIN_DAYS, "today": today_here().isoformat(),
               "type_name": column_type_name}
    partial = request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"
    return render(request, "warnings_results.html.j2" if partial else "warnings.html.j2", context)
