"""Dashboard page 总览 (``/``): the portfolio at a glance (docs/web.md "Pages").

Sites by verdict (合格 / 不合格 / 未评定) with a chart, the triggered vetoes and how many sites each,
the sites at risk (columns whose update window ends within a week, smallest days left first), the
homepage availability of the last 7 days (per day, and the worst sites) and the newest runs.
``?org=CODE`` narrows everything to that org's subtree within the user's scope. Each widget is one
query of :mod:`govwatch.store.dashboard_rows` over the scope's sites.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response

from govwatch.store import dashboard_rows
from govwatch.store.dashboard_rows import DayAvailability, SiteStanding
from govwatch.web.labels import RUN_KIND_LABELS
from govwatch.web.pages.common import org_filter, org_options, store_of, today_here
from govwatch.web.scope import PageScope
from govwatch.web.templating import render

__all__ = ["router", "RUN_STATUS_LABELS", "VERDICT_COLOURS"]

router = APIRouter(include_in_schema=False)

AT_RISK_DAYS = 7  # a column whose window ends within a week is at risk
LIST_LENGTH = 10  # rows of each list on the page
WEEK = 7
RUN_STATUS_LABELS = {"running": "进行中", "crawled": "读取完成，待检查", "completed": "已完成", "interrupted": "已中断"}
VERDICT_COLOURS = {"合格": "#2e7d32", "不合格": "#c62828", "未评定": "#757575"}


def _verdict_chart(counts: dict[str, int]) -> dict[str, Any]:
    return {"tooltip": {"trigger": "item"}, "legend": {"orient": "vertical", "left": 0, "top": "middle"},
            "series": [{"type": "pie", "radius": ["40%", "70%"], "name": "站点",
                        "data": [{"name": v, "value": n, "itemStyle": {"color": VERDICT_COLOURS[v]}}
                                 for v, n in counts.items()]}]}


def _week(days: dict[int, list[DayAvailability]]) -> list[dict[str, Any]]:
    """Every day of the week: visits, failed and the share that opened the homepage (None: no probe)."""
    totals: dict[str, list[int]] = {}
    for rows in days.values():
        for row in rows:
            total = totals.setdefault(row.day, [0, 0])
            total[0] += row.visits
            total[1] += row.failed
    start = today_here() - timedelta(days=WEEK - 1)
    out = []
    for n in range(WEEK):
        day = (start + timedelta(days=n)).isoformat()
        visits, failed = totals.get(day, [0, 0])
        out.append({"day": day, "visits": visits, "failed": failed,
                    "ratio": round(100 * (visits - failed) / visits, 2) if visits else None})
    return out


def _availability_chart(week: list[dict[str, Any]]) -> dict[str, Any]:
    return {"grid": {"left": 48, "right": 16, "top": 24, "bottom": 32},
            "xAxis": {"type": "category", "data": [d["day"][5:] for d in week]},
            "yAxis": {"type": "value", "min": 0, "max": 100, "name": "可用率（%）"},
            "series": [{"type": "bar", "name": "首页可用率", "data": [d["ratio"] for d in week],
                        "itemStyle": {"color": "#1565c0"}}]}


def _worst_sites(days: dict[int, list[DayAvailability]], sites: dict[int, SiteStanding]) -> list[dict[str, Any]]:
    """The sites with failed homepage visits this week, lowest availability first."""
    worst: list[dict[str, Any]] = []
    for site_id, rows in days.items():
        visits = sum(r.visits for r in rows)
        failed = sum(r.failed for r in rows)
        if not failed or site_id not in sites:
            continue
        site = sites[site_id]
        worst.append({"site_id": site_id, "name": site.name, "url": site.url, "visits": visits, "failed": failed,
                      "ratio": 100 * (visits - failed) / visits})
    worst.sort(key=lambda w: (float(w["ratio"]), -int(w["failed"]), int(w["site_id"])))
    return worst[:LIST_LENGTH]


@router.get("/")
def overview_page(request: Request, scope: PageScope, org: str = "") -> Response:
    """总览 of the sites the user sees (of one org's subtree with ``?org=``)."""
    store = store_of(request)
    chosen, narrowed = org_filter(store, scope, org)
    today = today_here()
    portfolio = dashboard_rows.overview(store, narrowed.site_ids)
    days = dashboard_rows.availability_days(store, narrowed.site_ids, today=today, days=WEEK)
    week = _week(days)
    context = {
        "active_nav": "overview",
        "org": chosen,
        "orgs": org_options(store, scope),
        "total": len(portfolio.sites),
        "counts": portfolio.counts,
        "verdict_chart": _verdict_chart(portfolio.counts),
        "vetoes": portfolio.vetoes,
        "at_risk": dashboard_rows.sites_at_risk(store, narrowed.site_ids, today=today, within_days=AT_RISK_DAYS,
                                                limit=LIST_LENGTH),
        "at_risk_days": AT_RISK_DAYS,
        "week": week,
        "availability_chart": _availability_chart(week),
        "worst": _worst_sites(days, {s.site_id: s for s in portfolio.sites}),
        "runs": dashboard_rows.newest_runs(store, narrowed.site_ids, limit=LIST_LENGTH),
        "run_kinds": RUN_KIND_LABELS,
        "run_statuses": RUN_STATUS_LABELS,
        "today": today.isoformat(),
    }
    return render(request, "overview.html.j2", context)
