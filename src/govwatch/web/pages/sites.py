"""Dashboard pages: 站点 ``/sites/{id}`` — one site's score sheet (every point traced to its
findings, from the report's view model), findings by indicator with evidence, columns with their
windows and days left, availability, runs and score trend, the diff of two runs, report downloads
and 立即检查 (a job request the service runs; the page polls ``/jobs/{id}``) (docs/web.md).

Everything is read through :mod:`govwatch.web.scope`: a site, run or job outside the user's scope is
404, like one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request, Response
from fastapi.responses import RedirectResponse

from govwatch.core.catalogue import catalogue, problem_id
from govwatch.core.clock import today
from govwatch.core.model import Finding
from govwatch.report.outputs import FORMATS
from govwatch.report.view import Problem, build_view, plain_text
from govwatch.rules import available_rulesets
from govwatch.scoring.diff import match_findings
from govwatch.scoring.runs import stored_findings
from govwatch.store import dashboard_rows, site_page_rows
from govwatch.store.db import Store
from govwatch.web import scope as scoped
from govwatch.web.documents import finding_of_row, sheet_document
from govwatch.web.labels import RUN_KIND_LABELS
from govwatch.web.pages.common import paged, store_of
from govwatch.web.report_download import report_response, require_site_run
from govwatch.web.scope import PageScope
from govwatch.web.templating import render

router = APIRouter(include_in_schema=False)

AVAILABILITY_DAYS = 30
JOB_STATES = {"queued": "排队中", "running": "检查中", "done": "已完成", "failed": "失败"}
REPORT_NAMES = {"html": "网页版", "json": "JSON数据", "docx": "Word报告", "xlsx": "Excel自查表", "pdf": "PDF报告"}


@dataclass(slots=True)
class FindingRow:
    """A stored finding on the site page: its row id (the 问题 page), indicator, and the view's problem."""

    id: int
    indicator: str
    kind_label: str
    severity: str
    message: str
    url: str
    problem: Problem | None


def _finding_rows(store: Store, run_id: int, scope: scoped.Scope, problems: dict[str, Problem]) -> list[FindingRow]:
    groups = dashboard_rows.findings_by_indicator(store, run_id, scope.site_ids) or []
    labels = catalogue()
    return [FindingRow(id=int(f["id"]), indicator=g.indicator, kind_label=labels.label(f["kind"]),
                       severity=f["severity"], message=plain_text(f["message"]), url=f["url"],
                       problem=problems.get(problem_id(finding_of_row(f))))
            for g in groups for f in g.findings]


def _columns(store: Store, run_id: int, as_of: str, now: date) -> list[dict[str, Any]]:
    """The run's columns with their days left today (the run's less the days since its as_of)."""
    since = (now - date.fromisoformat(as_of[:10])).days
    return [{**c, "days_left_today": c["days_left"] - since if c["days_left"] is not None else None}
            for c in site_page_rows.run_columns(store, run_id)]


def _availability_chart(store: Store, site_id: int, now: date) -> tuple[dict[str, Any], list[Any]]:
    days = dashboard_rows.availability_days(store, [site_id], today=now, days=AVAILABILITY_DAYS).get(site_id, [])
    option = {"xAxis": {"type": "category", "data": [d.day[5:] for d in days]},
              "yAxis": {"type": "value", "min": 0, "max": 100, "name": "可访问率（%）"},
              "series": [{"type": "line", "name": "可访问率", "data": [round(d.ratio * 100, 1) for d in days]}]}
    return option, days


def _timing_chart(probes: list[dict[str, Any]]) -> dict[str, Any]:
    def ms(value: Any) -> float | None:
        return round(float(value), 1) if value is not None else None
    return {"legend": {"data": ["首字节", "总耗时"]},
            "xAxis": {"type": "category", "data": [str(p["at"])[5:16].replace("T", " ") for p in probes]},
            "yAxis": {"type": "value", "name": "毫秒"},
            "series": [{"type": "line", "name": "首字节", "data": [ms(p["first_byte_ms"]) for p in probes]},
                       {"type": "line", "name": "总耗时", "data": [ms(p["total_ms"]) for p in probes]}]}


def _trend_chart(runs: list[dict[str, Any]]) -> dict[str, Any]:
    scored = [r for r in reversed(runs) if r["score"] is not None]
    return {"xAxis": {"type": "category", "data": [f"#{r['id']} {str(r['as_of'])[:10]}" for r in scored]},
            "yAxis": {"type": "value", "name": "得分"},
            "series": [{"type": "line", "name": "得分", "data": [r["score"] for r in scored]}]}


def _diff(store: Store, site_id: int, text: str | None) -> dict[str, Any] | None:
    """``?diff=RUN_A,RUN_B``: new, fixed and still open findings of the later run against the earlier."""
    if not text:
        return None
    try:
        run_a, run_b = (int(x) for x in text.split(",", 1))
    except ValueError:
        return {"error": "对比参数应为两个检查编号，如 diff=12,15"}
    for run_id in (run_a, run_b):
        require_site_run(store, site_id, run_id)
    labels = catalogue()
    new, fixed, still_open = match_findings(stored_findings(store, run_a), stored_findings(store, run_b))

    def rows(found: list[Finding]) -> list[dict[str, Any]]:
        return [{"id": problem_id(f), "kind_label": labels.label(f.kind), "indicator": f.indicator,
                 "message": plain_text(f.message), "url": f.url} for f in found]
    return {"run_a": run_a, "run_b": run_b, "new": rows(new), "fixed": rows(fixed), "open": rows(still_open)}


@router.get("/sites/{site_id}")
def site_page(site_id: int, request: Request, scope: PageScope, page: int = 1, diff: str | None = None,
              job: int | None = None) -> Response:
    store = store_of(request)
    site = scoped.site_summary(store, scope, site_id)
    shown_job = scoped.job(store, scope, job) if job is not None else None
    now = today()
    run_id = site["run_id"]
    view = findings = columns = None
    all_rows: list[FindingRow] = []
    pages = 1
    if run_id is not None:
        view = build_view(sheet_document(store, run_id, site))
        all_rows = _finding_rows(store, run_id, scope, {p.id: p for p in view.problems})
        findings, page, pages = paged(all_rows, page)
        columns = _columns(store, run_id, site["as_of"], now)
    runs = scoped.visible_runs(store, scope, site_id, limit=100)
    availability, days = _availability_chart(store, site_id, now)
    probes = site_page_rows.recent_probes(store, site_id, limit=200)
    return render(request, "site.html.j2", {
        "site": site, "view": view, "run_id": run_id, "findings": findings, "finding_count": len(all_rows),
        "page": page, "pages": pages, "columns": columns, "runs": runs, "run_kinds": RUN_KIND_LABELS,
        "availability": availability, "availability_days": days, "timings": _timing_chart(probes),
        "probe_count": len(probes), "trend": _trend_chart(runs), "diff": _diff(store, site_id, diff),
        "diff_text": diff or "", "formats": [(f, REPORT_NAMES[f]) for f in FORMATS],
        "can_inspect": scope.can_write(site_id), "rulesets": available_rulesets(), "job": shown_job, "job_states": JOB_STATES, "active_nav": "orgs", "today": now.isoformat(),
    })


@router.get("/sites/{site_id}/runs/{run_id}/report.{fmt}")
def site_report(site_id: int, run_id: int, fmt: str, request: Request, scope: PageScope) -> Response:
    """A report of a stored run in one format, written on request by the report writers."""
    store = store_of(request)
    scoped.site_summary(store, scope, site_id)
    return report_response(store, request.app.state.settings, site_id, run_id, fmt)


def _job_fragment(request: Request, job: dict[str, Any], status_code: int = 200) -> Response:
    return render(request, "site_job.html.j2", {"job": job, "states": JOB_STATES}, status_code=status_code)


@router.post("/sites/{site_id}/inspect")
def site_inspect(site_id: int, request: Request, scope: PageScope) -> Response:
    """立即检查: queue an inspection (or show the one already queued or running); 403 for a reader."""
    job, created = scoped.request_job(store_of(request), scope, site_id, "inspect")
    if request.headers.get("HX-Request"):
        return _job_fragment(request, job, 202 if created else 200)
    return RedirectResponse(f"/sites/{site_id}?job={job['id']}", status_code=303)


@router.post("/sites/{site_id}/rescore")
def site_rescore(site_id: int, request: Request, scope: PageScope, rules: str = Form("")) -> Response:
    """重新评分: queue a ``rescore`` of the site's newest complete run with a shipped rule table (no
    page is fetched again); 403 for a reader, 400 for a table that is not shipped."""
    store = store_of(request)
    scoped.site_summary(store, scope, site_id)
    scope.require_write(site_id)
    if rules not in available_rulesets():
        raise HTTPException(400, f"没有名为“{rules}”的评分规则表")
    job, created = scoped.request_job(store, scope, site_id, "rescore", {"rules": rules})
    if request.headers.get("HX-Request"):
        return _job_fragment(request, job, 202 if created else 200)
    return RedirectResponse(f"/sites/{site_id}?job={job['id']}", status_code=303)


@router.get("/jobs/{job_id}")
def job_status(job_id: int, request: Request, scope: PageScope) -> Response:
    """A job's state (the htmx fragment the site page polls while it is queued or running)."""
    return _job_fragment(request, scoped.job(store_of(request), scope, job_id))
