"""Dashboard pages: 问题 ``/findings/{id}`` — one stored finding with its evidence and how it
scored, and its located snapshot ``/findings/{id}/snapshot``: the stored HTML of the finding's page,
made inert and with the offending link or phrase marked (:mod:`govwatch.web.snapshot`), served with
a sandbox content security policy into an ``<iframe sandbox>`` (docs/web.md).

A finding of a site outside the user's scope is 404, like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response

from govwatch.core.catalogue import catalogue, problem_id
from govwatch.report.evidence_labels import evidence_rows
from govwatch.report.view import build_view, plain_text
from govwatch.store import site_page_rows, web_rows
from govwatch.store.db import Store
from govwatch.web import scope as scoped
from govwatch.web.documents import finding_of_row
from govwatch.web.pages.common import store_of
from govwatch.web.scope import NOT_FOUND, PageScope
from govwatch.web.snapshot import SNAPSHOT_HEADERS, decode_body, snapshot_html
from govwatch.web.templating import render

router = APIRouter(include_in_schema=False)


def _finding(store: Store, scope: scoped.Scope, finding_id: int) -> dict[str, Any]:
    """The stored finding of a site in the scope; 404 otherwise."""
    row = site_page_rows.finding_row(store, finding_id)
    if row is None or not scope.can_see(int(row["site_id"])):
        raise HTTPException(404, NOT_FOUND)
    return row


@router.get("/findings/{finding_id}")
def finding_page(finding_id: int, request: Request, scope: PageScope) -> Response:
    store = store_of(request)
    row = _finding(store, scope, finding_id)
    site = scoped.site_summary(store, scope, int(row["site_id"]))
    finding = finding_of_row(row)
    sheet = web_rows.score_sheet_of(store, int(row["run_id"]))
    pid = problem_id(finding)
    document = {"scoring": sheet, "site": {"url": site["url"], "name": site["name"]},
                "findings": [{"id": pid, "kind": row["kind"], "code": row["code"], "indicator": row["indicator"],
                              "severity": row["severity"], "url": row["url"], "source": row["source"],
                              "target": row["target"], "message": row["message"], "evidence": row["evidence"]}]}
    problem = next(iter(build_view(document).problems))
    has_page = site_page_rows.page_body(store, int(row["run_id"]), row["url"]) is not None
    evidence = ([(name, plain_text(value)) for name, value in evidence_rows(row["evidence"])]  # old runs' English
                if isinstance(row["evidence"], dict) else [])
    return render(request, "finding.html.j2", {
        "finding": row, "problem": problem, "kind_label": catalogue().label(row["kind"]), "site": site,
        "evidence": evidence, "has_page": has_page, "active_nav": "orgs"})


@router.get("/findings/{finding_id}/snapshot")
def finding_snapshot(finding_id: int, request: Request, scope: PageScope) -> Response:
    """The finding's page as stored, cleaned and marked, under its own sandbox policy."""
    store = store_of(request)
    row = _finding(store, scope, finding_id)
    stored = site_page_rows.page_body(store, int(row["run_id"]), row["url"])
    if stored is None:
        raise HTTPException(404, "该问题所在页面没有存储的内容")
    body, content_type = stored
    html, _marks = snapshot_html(decode_body(body, content_type), row["url"], row)
    return Response(html, media_type="text/html; charset=utf-8", headers=SNAPSHOT_HEADERS)
