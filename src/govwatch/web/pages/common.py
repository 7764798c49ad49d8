"""What the dashboard pages share: the store, paging (:data:`PER_PAGE` a page), the org choices of a
scope (for filters and forms), the org filter limited to the scope's subtree, and the Beijing date
the countdowns count from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, TypeVar

from fastapi import Request

from govwatch.core.clock import today
from govwatch.registry.orgs import tree_order
from govwatch.store.db import Store
from govwatch.store.registry_rows import Org, all_orgs
from govwatch.web.scope import Scope, within_org

__all__ = ["PER_PAGE", "store_of", "org_filter", "org_options", "paged", "today_here"]

PER_PAGE = 50
T = TypeVar("T")


def store_of(request: Request) -> Store:
    """The app's store."""
    store: Store = request.app.state.store
    return store


def today_here() -> date:
    """Today in Beijing time: the day countdowns and the week's availability end with."""
    return today()


def org_filter(store: Store, scope: Scope, code: str) -> tuple[Org | None, Scope]:
    """``(None, scope)`` without a code; else the org and the scope narrowed to its subtree (404 for
    an org outside the scope, as :func:`~govwatch.web.scope.within_org` answers)."""
    code = code.strip()
    if not code:
        return None, scope
    return within_org(store, scope, code)


def org_options(store: Store, scope: Scope) -> list[dict[str, Any]]:
    """The orgs the scope sees (the ones a user may filter by, or file sites and new orgs under), in
    tree order: id, code, name, level, and depth below the top org shown (for indenting a select)."""
    orgs = all_orgs(store)
    shown = {i: o for i, o in orgs.items() if scope.org_ids is None or i in scope.org_ids}
    order = tree_order(orgs)
    out = []
    for org in sorted(shown.values(), key=lambda o: order.get(o.id, len(order))):
        depth, parent = 0, org.parent_id
        seen: set[int] = set()
        while parent is not None and parent in shown and parent not in seen:
            seen.add(parent)
            depth += 1
            parent = shown[parent].parent_id
        out.append({"id": org.id, "code": org.code, "name": org.name, "level": org.level, "depth": depth})
    return out


def paged(items: Sequence[T], page: int) -> tuple[Sequence[T], int, int]:
    """The ``page``-th (from 1) slice of :data:`PER_PAGE` items, the page brought into range, and the
    number of pages."""
    pages = max(1, -(-len(items) // PER_PAGE))
    page = min(max(page, 1), pages)
    return items[(page - 1) * PER_PAGE: page * PER_PAGE], page, pages
