"""The one place where what a user may see and change is decided, and the scoped reads.

A :class:`Scope` is made from the signed-in user:

- admin: every site and org, and may change everything;
- manager: the sites of their org and every org below it (the registry's subtree), and may change them;
- viewer: the same sites, read only;
- operator: only their own sites (``user_sites``); they read, and reply to their tickets and 找错/留言
  (the rules of those replies are in ``pages/tickets.py`` and ``pages/inbox.py``).

Every function here that pages and the API read data through takes the Scope and applies it in the
query; an object fetched by id outside it is answered 404, exactly like one that does not exist, so
guessing ids reveals nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from govwatch.core.catalogue import problem_id
from govwatch.registry.orgs import subtree
from govwatch.report.inspection import finding_json
from govwatch.store import web_rows
from govwatch.store.db import Store
from govwatch.store.registry_rows import Org, all_orgs, org_with_code
from govwatch.store.run_results import check_findings
from govwatch.web.auth import User, api_user, page_user

__all__ = ["Scope", "scope_of", "page_scope", "api_scope", "PageScope", "ApiScope", "NOT_FOUND", "visible_sites", "site_summary",
           "site_findings", "visible_runs", "visible_orgs", "within_org", "job", "request_job"]

NOT_FOUND = "未找到，或无权查看"
WRITERS = ("admin", "manager")


@dataclass(frozen=True, slots=True)
class Scope:
    """What a user may see: ``site_ids`` and ``org_ids`` (None = all)."""

    user: User
    site_ids: frozenset[int] | None
    org_ids: frozenset[int] | None

    @property
    def sees_all(self) -> bool:
        return self.site_ids is None

    def can_see(self, site_id: int) -> bool:
        return self.site_ids is None or site_id in self.site_ids

    def require_site(self, site_id: int) -> None:
        """404 unless the site is in the scope (the same answer as for a site that does not exist)."""
        if not self.can_see(site_id):
            raise HTTPException(404, NOT_FOUND)

    def can_write(self, site_id: int) -> bool:
        """Whether the user may change the site or start work on it (admin; a manager in their subtree)."""
        return self.user.role in WRITERS and self.can_see(site_id)

    def require_write(self, site_id: int) -> None:
        """404 outside the scope, 403 inside it for a role that only reads."""
        self.require_site(site_id)
        if not self.can_write(site_id):
            raise HTTPException(403, "当前角色只能查看，不能执行此操作")


def scope_of(store: Store, user: User) -> Scope:
    """The scope of ``user``'s role (an unknown role, or a manager or viewer without an org, sees nothing)."""
    if user.role == "admin":
        return Scope(user, None, None)
    if user.role in ("manager", "viewer"):
        if user.org_id is None:
            return Scope(user, frozenset(), frozenset())
        orgs = frozenset(subtree(all_orgs(store), user.org_id))
        return Scope(user, frozenset(web_rows.site_ids_of_orgs(store, orgs)), orgs)
    if user.role == "operator":
        sites = frozenset(web_rows.user_site_ids(store, user.id))
        return Scope(user, sites, frozenset(web_rows.org_ids_of_sites(store, sites)))
    return Scope(user, frozenset(), frozenset())


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def page_scope(request: Request, user: Annotated[User, Depends(page_user)]) -> Scope:
    """The scope of a page request's signed-in user (a dependency; the login page without one)."""
    return scope_of(_store(request), user)


def api_scope(request: Request, user: Annotated[User, Depends(api_user)]) -> Scope:
    """The scope of an API caller (a dependency; 401 without a valid token or session)."""
    return scope_of(_store(request), user)


PageScope = Annotated[Scope, Depends(page_scope)]  # a page route's parameter: ``scope: PageScope``
ApiScope = Annotated[Scope, Depends(api_scope)]  # an API route's parameter: ``scope: ApiScope``


# -- the scoped reads ---------------------------------------------------------------------------------

def visible_sites(store: Store, scope: Scope) -> list[dict[str, Any]]:
    """The sites the scope sees with their newest verdict (:func:`web_rows.site_summaries`)."""
    return web_rows.site_summaries(store, scope.site_ids)


def site_summary(store: Store, scope: Scope, site_id: int) -> dict[str, Any]:
    """One site of the scope; 404 outside it or when there is none."""
    scope.require_site(site_id)
    rows = web_rows.site_summaries(store, scope.site_ids, site_id=site_id)
    if not rows:
        raise HTTPException(404, NOT_FOUND)
    return rows[0]


def site_findings(store: Store, scope: Scope, site_id: int) -> tuple[int | None, list[dict[str, Any]]]:
    """The findings of the site's newest complete full run, as the inspection document's finding
    objects (with how each scored, from the run's newest score sheet): (run id, findings); (None, [])
    when the site has no such run; 404 outside the scope."""
    site_summary(store, scope, site_id)
    run_id = web_rows.newest_full_run_of(store, site_id)
    if run_id is None:
        return None, []
    sheet = web_rows.score_sheet_of(store, run_id)
    trace = sheet.get("findings", {}) if sheet else {}
    return run_id, [finding_json(f, trace.get(problem_id(f))) for f in check_findings(store, run_id)]


def visible_runs(store: Store, scope: Scope, site_id: int | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """The newest runs the scope sees (of one site when given: 404 outside the scope)."""
    if site_id is not None:
        site_summary(store, scope, site_id)
    return web_rows.scoped_runs(store, scope.site_ids, site_id=site_id, limit=limit)


def visible_orgs(store: Store, scope: Scope) -> list[dict[str, Any]]:
    """The orgs the scope sees: id, code, name, level, parent_code (None at the top or when the
    parent is outside the scope), by code."""
    orgs = all_orgs(store)
    shown = [o for o in orgs.values() if scope.org_ids is None or o.id in scope.org_ids]
    out = []
    for org in sorted(shown, key=lambda o: o.code):
        parent = orgs.get(org.parent_id) if org.parent_id is not None else None
        visible_parent = parent is not None and (scope.org_ids is None or parent.id in scope.org_ids)
        out.append({"id": org.id, "code": org.code, "name": org.name, "level": org.level,
                    "parent_code": parent.code if parent is not None and visible_parent else None})
    return out


def within_org(store: Store, scope: Scope, code: str) -> tuple[Org, Scope]:
    """The org with ``code`` and the scope narrowed to it and every org below it (a page's org
    filter or drill-down); 404 for an unknown org or one outside the scope."""
    org = org_with_code(store, code)
    if org is None or (scope.org_ids is not None and org.id not in scope.org_ids):
        raise HTTPException(404, NOT_FOUND)
    orgs = frozenset(subtree(all_orgs(store), org.id))
    sites = frozenset(web_rows.site_ids_of_orgs(store, orgs))
    return org, Scope(scope.user, sites if scope.site_ids is None else sites & scope.site_ids,
                      orgs if scope.org_ids is None else orgs & scope.org_ids)


def job(store: Store, scope: Scope, job_id: int) -> dict[str, Any]:
    """A job request of a site in the scope; 404 otherwise."""
    found = web_rows.job_request(store, job_id, site_ids=scope.site_ids)
    if found is None:
        raise HTTPException(404, NOT_FOUND)
    return found


def request_job(store: Store, scope: Scope, site_id: int, kind: str = "inspect",
                args: dict[str, Any] | None = None) -> tuple[dict[str, Any], bool]:
    """Queue work on a site the user may change (404 outside the scope, 403 for a reader): the job
    and True, or the same kind's job already queued or running for the site and False."""
    site_summary(store, scope, site_id)
    scope.require_write(site_id)
    active = web_rows.active_job_request(store, kind, site_id)
    if active is not None:
        return active, False
    job_id = web_rows.add_job_request(store, kind, site_id, args or {}, scope.user.id)
    return job(store, scope, job_id), True
