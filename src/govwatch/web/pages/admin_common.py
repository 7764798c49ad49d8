"""What the 管理 pages share: who may open them and the scope rules of registry rows (paging and
the org choices are :mod:`govwatch.web.pages.common`'s).

- 管理 is for admins and managers (viewers and operators: 403); users and channels for admins,
  and users also for managers within their subtree (see :mod:`govwatch.web.pages.admin_people`).
- A manager's registry rows (a site added or edited in the form, every row of an imported file)
  must stay inside their org subtree: :func:`out_of_scope_problems` says, per row, what would
  leave it, in the registry's own :class:`~govwatch.registry.errors.RowProblem` form so the pages
  show them together with the importer's problems.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException

from govwatch.core.identifiers import check_url
from govwatch.registry.errors import RowProblem
from govwatch.registry.sheet import Sheet
from govwatch.store.db import Store
from govwatch.store.registry_rows import all_orgs, site_id_of
from govwatch.web.scope import WRITERS, PageScope, Scope

__all__ = ["AdminScope", "AdminOnlyScope", "out_of_scope_problems"]

def _admin_scope(scope: PageScope) -> Scope:
    """The scope of an admin or manager; 403 for the roles that only read."""
    if scope.user.role not in WRITERS:
        raise HTTPException(403, "管理功能只对系统管理员和管理人员开放")
    return scope


def _admin_only_scope(scope: PageScope) -> Scope:
    if scope.user.role != "admin":
        raise HTTPException(403, "此功能只对系统管理员开放")
    return scope


AdminScope = Annotated[Scope, Depends(_admin_scope)]  # admin or manager
AdminOnlyScope = Annotated[Scope, Depends(_admin_only_scope)]


def out_of_scope_problems(store: Store, scope: Scope, sheet: Sheet) -> list[RowProblem]:
    """Why rows of ``sheet`` would reach outside a manager's subtree (none for an admin): a row
    without an org, an org outside the subtree, a new org without a parent in it, a parent
    outside it (unless it is the org's present parent), a homepage of a site outside it."""
    if scope.org_ids is None:
        return []
    orgs = all_orgs(store)
    by_code = {o.code: o for o in orgs.values()}
    allowed = {o.code for o in orgs.values() if o.id in scope.org_ids}
    new_codes = {cells.get("org_code", "") for _, cells in sheet.rows} - set(by_code) - {""}
    problems: list[RowProblem] = []
    for number, cells in sheet.rows:
        code, parent = cells.get("org_code", ""), cells.get("parent_code", "")
        if not code:
            problems.append(RowProblem(number, sheet.header("org_code"), "管理人员登记的网站必须填写本人管辖范围内的所属机构代码"))
        elif code in by_code and code not in allowed:
            problems.append(RowProblem(number, sheet.header("org_code"), f"机构 {code} 不在您的管辖范围内"))
        elif code in new_codes and not parent:
            problems.append(RowProblem(number, sheet.header("parent_code"),
                                       f"新机构 {code} 须填写上级机构代码（您管辖范围内的机构）"))
        if parent and parent not in allowed and parent not in new_codes:
            existing = by_code.get(code)
            present = orgs[existing.parent_id].code if existing and existing.parent_id in orgs else None
            if parent != present:
                problems.append(RowProblem(number, sheet.header("parent_code"), f"上级机构 {parent} 不在您的管辖范围内"))
        url = check_url(cells.get("url", ""))[0] if cells.get("url") else None
        site_id = site_id_of(store, url) if url else None
        if site_id is not None and not scope.can_see(site_id):
            problems.append(RowProblem(number, sheet.header("url"), f"{url} 不在您的管辖范围内，不能登记或修改"))
    return problems
