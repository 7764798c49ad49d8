"""The REST API, ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``).

Callers authenticate with ``Authorization: Bearer TOKEN`` (``govwatch token create USER``) or a
dashboard session (whose unsafe requests then carry the CSRF token). Everything is read through
:mod:`govwatch.web.scope`: a site, run or job outside the caller's scope is 404, like one that does
not exist. Findings and columns are the inspection document's finding and column objects
(``schemas/inspection.schema.json``); reports are written by the same code as the site page's downloads
(:mod:`govwatch.web.report_download`); a rescore is a job request the service runs, like an inspection.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel

from govwatch.core.clock import today
from govwatch.report.inspection import verdict_json
from govwatch.rules import available_rulesets
from govwatch.store import dashboard_rows, site_page_rows, web_rows
from govwatch.store.db import Store
from govwatch.web import scope as scoped
from govwatch.web.report_download import report_response
from govwatch.web.scope import ApiScope

__all__ = ["router", "site_json", "job_json", "column_json", "RescoreRequest"]

router = APIRouter(prefix="/api/v1", tags=["govwatch"])

JOB_FIELDS = ("id", "kind", "site_id", "state", "run_id", "progress", "args", "created_at", "started_at",
              "finished_at", "error")
WARNING_DAYS = 30  # the 预警 page's default: columns whose window ends within this many days
SCORED_RUNS = 100  # the newest runs whose score sheets /scores lists


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def site_json(row: dict[str, Any]) -> dict[str, Any]:
    """A site as the API shows it: identity, org, and the verdict of its newest complete full run."""
    org = {"id": row["org_id"], "code": row["org_code"], "name": row["org_name"]} if row["org_id"] else None
    return {"id": row["id"], "url": row["url"], "name": row["name"], "site_code": row["site_code"],
            "status": row["status"], "org": org,
            "latest": {"run_id": row["run_id"], "as_of": row["as_of"], "verdict": row["verdict"],
                       "score": row["score"], "ruleset": row["ruleset"]} if row["run_id"] else None}


def column_json(row: dict[str, Any]) -> dict[str, Any]:
    """A stored ``columns`` row (:func:`site_page_rows.run_columns`) as the inspection document's
    column object (``key`` for ``is_key``; the days left are the run's, as of its as_of)."""
    names = ("name", "url", "type", "type_reason", "discovered_by", "read_via", "parent", "last_update", "items",
             "undated", "stale", "blank", "window_days", "days_left")
    return {**{name: row[name] for name in names}, "key": bool(row["is_key"])}


def job_json(row: dict[str, Any]) -> dict[str, Any]:
    """A job request as the API shows it (not who asked for it)."""
    return {name: row[name] for name in JOB_FIELDS}


@router.get("/sites", summary="The sites the caller may see")
def list_sites(request: Request, scope: ApiScope) -> dict[str, Any]:
    sites = [site_json(r) for r in scoped.visible_sites(_store(request), scope)]
    return {"count": len(sites), "sites": sites}


@router.get("/sites/{site_id}", summary="One site")
def get_site(site_id: int, request: Request, scope: ApiScope) -> dict[str, Any]:
    return site_json(scoped.site_summary(_store(request), scope, site_id))


@router.get("/sites/{site_id}/findings", summary="The findings of the site's newest complete full run")
def get_site_findings(site_id: int, request: Request, scope: ApiScope) -> dict[str, Any]:
    run_id, findings = scoped.site_findings(_store(request), scope, site_id)
    return {"site_id": site_id, "run_id": run_id, "count": len(findings), "findings": findings}


@router.post("/sites/{site_id}/inspect", status_code=202, summary="Queue an inspection of the site")
def inspect_site(site_id: int, request: Request, response: Response,
                 scope: ApiScope) -> dict[str, Any]:
    """Writes a job request the service's scheduler runs; while one is queued or running for the
    site, that one is returned (200) instead of a second."""
    job, created = scoped.request_job(_store(request), scope, site_id, "inspect")
    if not created:
        response.status_code = 200
    return job_json(job)


@router.get("/jobs/{job_id}", summary="A job request and how far it got")
def get_job(job_id: int, request: Request, scope: ApiScope) -> dict[str, Any]:
    return job_json(scoped.job(_store(request), scope, job_id))


@router.get("/orgs", summary="The orgs the caller may see")
def list_orgs(request: Request, scope: ApiScope) -> dict[str, Any]:
    orgs = scoped.visible_orgs(_store(request), scope)
    return {"count": len(orgs), "orgs": orgs}


@router.get("/runs", summary="The newest runs the caller may see (of one site with site_id)")
def list_runs(request: Request, scope: ApiScope, site_id: int | None = None, limit: int = 200) -> dict[str, Any]:
    runs = scoped.visible_runs(_store(request), scope, site_id, limit=max(1, min(limit, 1000)))
    return {"count": len(runs), "runs": runs}


@router.get("/sites/{site_id}/columns", summary="The columns of the site's newest complete full run")
def get_site_columns(site_id: int, request: Request, scope: ApiScope) -> dict[str, Any]:
    """The stored columns (the homepage first, as a column of type ``homepage``) with their update
    windows and days left as of the run."""
    site = scoped.site_summary(_store(request), scope, site_id)
    run_id = site["run_id"]
    columns = [column_json(c) for c in site_page_rows.run_columns(_store(request), run_id)] if run_id else []
    return {"site_id": site_id, "run_id": run_id, "as_of": site["as_of"], "count": len(columns), "columns": columns}


@router.get("/warnings", summary="Columns whose update window ends soon (预警), across the caller's sites")
def list_warnings(request: Request, scope: ApiScope, org: str = "",
                  within_days: int = Query(WARNING_DAYS, ge=0, le=3650)) -> dict[str, Any]:
    """Columns of each site's newest complete full run whose window ends within ``within_days`` of
    today (or has ended), fewest days left first; ``?org=CODE``: that org's subtree in the scope."""
    store = _store(request)
    narrowed = scoped.within_org(store, scope, org)[1] if org else scope
    now = today()
    rows = dashboard_rows.sites_at_risk(store, narrowed.site_ids, today=now, within_days=within_days, limit=None)
    return {"today": now.isoformat(), "within_days": within_days, "count": len(rows),
            "columns": [asdict(r) for r in rows]}


@router.get("/sites/{site_id}/probes", summary="The site's homepage visits per day and its newest probes")
def get_site_probes(site_id: int, request: Request, scope: ApiScope,
                    days: int = Query(7, ge=1, le=366), limit: int = Query(200, ge=1, le=1000)) -> dict[str, Any]:
    """Visits and failed visits of each of the last ``days`` days (Beijing time) that had any, and the newest
    ``limit`` probes, oldest first, with their timings in milliseconds."""
    store = _store(request)
    scoped.site_summary(store, scope, site_id)
    per_day = dashboard_rows.availability_days(store, [site_id], today=today(), days=days).get(site_id, [])
    probes = site_page_rows.recent_probes(store, site_id, limit=limit)
    return {"site_id": site_id, "days": [{"day": d.day, "visits": d.visits, "failed": d.failed} for d in per_day],
            "count": len(probes), "probes": probes}


@router.get("/sites/{site_id}/scores", summary="The score sheets of the site's runs")
def get_site_scores(site_id: int, request: Request, scope: ApiScope) -> dict[str, Any]:
    """The newest score sheet of each of the site's newest scored runs (at most :data:`SCORED_RUNS`),
    newest run first: ruleset, verdict, score and the vetoes that triggered."""
    store = _store(request)
    runs = [r for r in scoped.visible_runs(store, scope, site_id, limit=SCORED_RUNS) if r["verdict"] is not None]
    sheets = []
    for run in runs:
        sheet = web_rows.score_sheet_of(store, run["id"]) or {}
        try:
            vetoes = verdict_json(sheet)["vetoes"]
        except (KeyError, TypeError):  # a sheet without its veto table (older, or by hand) lists none
            vetoes = []
        sheets.append({"run_id": run["id"], "kind": run["kind"], "as_of": run["as_of"],
                       "ruleset": (sheet.get("ruleset") or {}).get("id"), "verdict": sheet.get("verdict"),
                       "score": sheet.get("score"), "vetoes": vetoes})
    return {"site_id": site_id, "count": len(sheets), "scores": sheets}


@router.get("/sites/{site_id}/runs/{run_id}/report.{fmt}", summary="A report of one of the site's runs",
            response_class=Response, responses={200: {"description": "json, html, docx, xlsx (or pdf with a browser)"}})
def get_run_report(site_id: int, run_id: int, fmt: str, request: Request, scope: ApiScope) -> Response:
    """The stored run's report written on request (404 for a run of another site or an unknown format)."""
    store = _store(request)
    scoped.site_summary(store, scope, site_id)
    return report_response(store, request.app.state.settings, site_id, run_id, fmt)


class RescoreRequest(BaseModel):
    """``rules``: a shipped rule table's name (none: the table the run was inspected with)."""

    rules: str | None = None


@router.post("/sites/{site_id}/rescore", status_code=202, summary="Queue a rescore of the site's newest full run")
def rescore_site(site_id: int, body: RescoreRequest, request: Request, response: Response,
                 scope: ApiScope) -> dict[str, Any]:
    """Writes a ``rescore`` job request (the newest complete full run checked again and scored with
    ``rules``; nothing fetched); while one is queued or running for the site, that one is returned (200)."""
    store = _store(request)
    scoped.site_summary(store, scope, site_id)
    scope.require_write(site_id)
    if body.rules is not None and body.rules not in available_rulesets():
        raise HTTPException(422, f"未知的评分规则表：{body.rules}（可选：{'、'.join(available_rulesets())}）")
    args = {"rules": body.rules} if body.rules is not None else {}
    job, created = scoped.request_job(store, scope, site_id, "rescore", args)
    if not created:
        response.status_code = 200
    return job_json(job)
