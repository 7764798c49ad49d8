"""Dashboard pages 组织: ``/orgs`` the org tree (province → city → county → department) with each
node's site count, counts by verdict and average score (its whole subtree, the user's sites only),
and ``/orgs/{code}`` one node: where it sits, its child orgs and the sites of its subtree (a table
linking ``/sites/{id}``, 50 a page). An org outside the user's scope is 404 (docs/web.md "Pages").
Two queries a page: :func:`~govwatch.store.dashboard_rows.org_tree` and, for a node,
:func:`~govwatch.store.dashboard_rows.overview` of its sites.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response

from govwatch.registry.orgs import path_of
from govwatch.store import dashboard_rows
from govwatch.store.dashboard_rows import OrgNode, OrgTree
from govwatch.store.registry_rows import all_orgs
from govwatch.web.pages.common import paged, store_of
from govwatch.web.scope import PageScope, Scope, within_org
from govwatch.web.templating import render

__all__ = ["router", "TreeRow", "tree_rows"]

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class TreeRow:
    """A node of the tree as a table row: the node and its depth below the top shown."""

    node: OrgNode
    depth: int


def _shown(tree: OrgTree, scope: Scope) -> dict[int, OrgNode]:
    """The tree's nodes the user may open (a manager's tree stops at their org, not its parents)."""
    return {i: n for i, n in tree.nodes.items() if scope.org_ids is None or i in scope.org_ids}


def tree_rows(tree: OrgTree, scope: Scope, top: int | None = None) -> list[TreeRow]:
    """The nodes the scope sees, depth first (children by code); below ``top`` only when given."""
    nodes = _shown(tree, scope)
    if top is not None:
        starts = list(nodes[top].children) if top in nodes else []
    else:
        starts = [i for i in sorted(nodes, key=lambda i: nodes[i].code) if nodes[i].parent_id not in nodes]
    rows: list[TreeRow] = []
    stack = [(i, 0) for i in reversed(starts)]
    seen: set[int] = set()
    while stack:
        node_id, depth = stack.pop()
        if node_id not in nodes or node_id in seen:
            continue
        seen.add(node_id)
        rows.append(TreeRow(nodes[node_id], depth))
        stack.extend((c, depth + 1) for c in reversed(nodes[node_id].children) if c in nodes)
    return rows


@router.get("/orgs")
def orgs_page(request: Request, scope: PageScope) -> Response:
    """The org tree of the user's scope."""
    store = store_of(request)
    tree = dashboard_rows.org_tree(store, scope.site_ids)
    return render(request, "orgs.html.j2", {"active_nav": "orgs", "rows": tree_rows(tree, scope),
                                            "unassigned": tree.unassigned if scope.sees_all else 0})


@router.get("/orgs/{code}")
def org_page(request: Request, code: str, scope: PageScope, page: int = 1) -> Response:
    """One org of the scope: its place, its child orgs and its subtree's sites; 404 outside the scope."""
    store = store_of(request)
    org, narrowed = within_org(store, scope, code)
    tree = dashboard_rows.org_tree(store, scope.site_ids)
    node = tree.nodes.get(org.id) or OrgNode(org.id, org.code, org.name, org.level, org.parent_id)
    orgs = all_orgs(store)
    path = [o for o in path_of(orgs, org.parent_id) if scope.org_ids is None or o.id in scope.org_ids]
    sites = dashboard_rows.overview(store, narrowed.site_ids).sites
    shown, page, pages = paged(sites, page)
    org_names: dict[int | None, Any] = {o.id: o.name for o in orgs.values()}
    return render(request, "org.html.j2", {
        "active_nav": "orgs", "node": node, "path": path, "children": tree_rows(tree, scope, top=org.id),
        "sites": shown, "site_count": len(sites), "page": page, "pages": pages, "org_names": org_names})
