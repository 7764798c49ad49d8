"""The REST API, ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``).

Callers authenticate with ``Authorization: Bearer TOKEN`` (``govwatch token create USER``) or a
dashboard session (whose unsafe requests then carry the CSRF token). Everything is read through
:mod:`govwatch.web.scope`: a site, run or job outside the caller's scope is 404, like one that does
not exist. Findings are the inspection document's finding objects (``schemas/inspection.schema.json``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from govwatch.store.db import Store
from govwatch.web import scope as scoped
from govwatch.web.scope import ApiScope

__all__ = ["router", "site_json", "job_json"]

router = APIRouter(prefix="/api/v1", tags=["govwatch"])

JOB_FIELDS = ("id", "kind", "site_id", "state", "run_id", "progress", "args", "created_at", "started_at",
              "finished_at", "error")


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
