"""The org hierarchy (province → city → county → township): lookups, paths, subtrees.

Orgs are few (a province has a few thousand at most), so the hierarchy is read
whole and walked in memory. Every walk stops at a repeated org, so even a store
whose hierarchy was edited by hand into a cycle cannot hang a caller.
"""

from __future__ import annotations

from govwatch.registry.errors import RegistryError
from govwatch.registry.fields import LEVEL_LABELS
from govwatch.store.db import Store
from govwatch.store.registry_rows import Org, all_orgs, org_with_code, registry_import

__all__ = ["Org", "org_by_code", "org_path", "path_of", "subtree", "tree_order", "add_org", "ORG_CODE_MAX",
           "PATH_SEPARATOR"]

PATH_SEPARATOR = " › "
ORG_CODE_MAX = 64  # orgs.code is String(64)


def org_by_code(store: Store, code: str) -> Org:
    """The org with ``code``; :class:`RegistryError` when there is none."""
    org = org_with_code(store, code.strip())
    if org is None:
        raise RegistryError(f"库中没有机构代码为 {code!r} 的机构（机构来自 govwatch sites import）")
    return org


def path_of(orgs: dict[int, Org], org_id: int | None) -> list[Org]:
    """The orgs from the top of the hierarchy down to ``org_id`` (empty for ``None``)."""
    chain: list[Org] = []
    seen: set[int] = set()
    current = org_id
    while current is not None and current in orgs and current not in seen:
        seen.add(current)
        chain.append(orgs[current])
        current = orgs[current].parent_id
    return chain[::-1]


def org_path(store: Store, org_id: int | None) -> list[str]:
    """Names from the top org down to ``org_id``, e.g. ``['宁川省', '宁川市', '宁川市发展和改革委员会']``."""
    return [o.name for o in path_of(all_orgs(store), org_id)]


def subtree(orgs: dict[int, Org], org_id: int) -> set[int]:
    """``org_id`` and every org below it."""
    children: dict[int | None, list[int]] = {}
    for org in orgs.values():
        children.setdefault(org.parent_id, []).append(org.id)
    found: set[int] = set()
    stack = [org_id]
    while stack:
        current = stack.pop()
        if current in found:
            continue
        found.add(current)
        stack.extend(children.get(current, ()))
    return found


def tree_order(orgs: dict[int, Org]) -> dict[int, int]:
    """A position for each org: parents before children, siblings by code (for stable listings)."""
    children: dict[int | None, list[Org]] = {}
    for org in orgs.values():
        parent = org.parent_id if org.parent_id in orgs else None
        children.setdefault(parent, []).append(org)
    order: dict[int, int] = {}

    def visit(parent: int | None) -> None:
        stack = sorted(children.get(parent, ()), key=lambda o: o.code, reverse=True)
        while stack:
            org = stack.pop()
            if org.id in order:
                continue
            order[org.id] = len(order)
            stack.extend(sorted(children.get(org.id, ()), key=lambda o: o.code, reverse=True))

    visit(None)
    for org in sorted(orgs.values(), key=lambda o: o.code):  # orgs in a cycle have no top: put them last
        if org.id not in order:
            order[org.id] = len(order)
    return order


def add_org(store: Store, code: str, name: str, level: str, parent_code: str | None = None) -> Org:
    """Create one org below ``parent_code`` (at the top when ``None``); the new org.

    The code follows the import's rule (no spaces, at most :data:`ORG_CODE_MAX` characters) and
    must be new; ``level`` is one of :data:`~govwatch.registry.fields.LEVEL_LABELS`' keys or
    ``other``. :class:`RegistryError` otherwise, or for an unknown parent.
    """
    code, name = code.strip(), name.strip()
    if not code or len(code) > ORG_CODE_MAX or any(ch.isspace() for ch in code):
        raise RegistryError(f"{code!r} 不是有效的机构代码（不能含空格，最多{ORG_CODE_MAX}个字符）")
    if not name:
        raise RegistryError(f"机构 {code} 须有名称")
    if level not in LEVEL_LABELS and level != "other":
        raise RegistryError(f"无法识别的机构级别 {level!r}（可填：{', '.join([*LEVEL_LABELS, 'other'])}）")
    with registry_import(store) as tx:
        orgs = {o.code: o for o in tx.orgs().values()}
        if code in orgs:
            raise RegistryError(f"机构代码 {code} 已存在")
        parent = orgs.get(parent_code.strip()) if parent_code else None
        if parent_code and parent is None:
            raise RegistryError(f"库中没有机构代码为 {parent_code!r} 的机构")
        org_id = tx.add_org(code, name, level)
        if parent is not None:
            tx.update_org(org_id, {"parent_id": parent.id})
        tx.commit()
    return Org(org_id, code, name, parent.id if parent is not None else None, level)
