"""Registered sites: selection by org subtree, profiles for the engine, export rows.

``select_sites`` is what a batch inspection iterates over: the registered sites
of an org and of every org below it, status 正常 only; ``skipped_sites`` (or
``selection``) names the 例外 / 关停 ones so the caller can say why they were not
inspected.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from govwatch.registry.errors import RegistryError
from govwatch.registry.fields import LEVEL_LABELS, ROLE_LABELS
from govwatch.registry.orgs import Org, org_by_code, path_of, subtree, tree_order
from govwatch.registry.sheet import file_kind, write_sheet
from govwatch.store.db import Store
from govwatch.store.registry_rows import registered_site_rows, site_row_with_orgs

__all__ = ["RegisteredSite", "Selection", "selection", "select_sites", "skipped_sites", "registered_sites",
           "site_profile", "export_rows", "export_file", "ROLE_ORDER"]

ROLE_ORDER = {"portal": 0, "department": 1, "subordinate": 2}


@dataclass(frozen=True, slots=True)
class RegisteredSite:
    """A site as the registry knows it (a row of ``sites`` with its org)."""

    id: int
    url: str
    name: str | None
    site_code: str | None
    scope_prefix: str
    role: str  # portal | department | subordinate
    level: str | None  # province | city | county | township
    status: str  # 正常 | 例外 | 关停
    has_services: bool
    registered: bool
    org_id: int | None
    org_code: str | None
    org_name: str | None
    org_path: tuple[str, ...]  # names from the top org down to the site's org
    parent_org_code: str | None
    sponsor: str | None
    icp: str | None
    police_record: str | None
    responsible_unit: str | None
    contact: str | None

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (``org_path`` as a list)."""
        data = asdict(self)
        data["org_path"] = list(self.org_path)
        return data


@dataclass(slots=True)
class Selection:
    """The registered sites of an org subtree (or of the whole registry), split by status."""

    org: Org | None
    sites: list[RegisteredSite] = field(default_factory=list)  # 正常: to inspect
    skipped: list[RegisteredSite] = field(default_factory=list)  # 例外 / 关停: not inspected


def _site(row: dict[str, Any], orgs: dict[int, Org]) -> RegisteredSite:
    org_id = row["org_id"]
    org = orgs.get(org_id) if org_id is not None else None
    parent = orgs.get(org.parent_id) if org is not None and org.parent_id is not None else None
    return RegisteredSite(
        id=int(row["id"]), url=row["url"], name=row["name"], site_code=row["site_code"],
        scope_prefix=row["scope_prefix"], role=row["role"], level=row["level"], status=row["status"],
        has_services=bool(row["has_services"]), registered=bool(row["registered"]), org_id=org_id,
        org_code=org.code if org else None, org_name=org.name if org else None,
        org_path=tuple(o.name for o in path_of(orgs, org_id)), parent_org_code=parent.code if parent else None,
        sponsor=row["sponsor"], icp=row["icp"], police_record=row["police_record"],
        responsible_unit=row["responsible_unit"], contact=row["contact"])


def registered_sites(store: Store, org_code: str | None = None) -> list[RegisteredSite]:
    """Every registered site (any status) of org ``org_code`` and the orgs below it; all when ``None``.

    Ordered as the hierarchy reads: an org's sites (portal, departments, subordinate units) before
    those of the orgs below it. :class:`RegistryError` for an unknown org code.
    """
    root = org_by_code(store, org_code) if org_code is not None else None
    orgs, rows = registered_site_rows(store)
    wanted = subtree(orgs, root.id) if root is not None else None
    order = tree_order(orgs)
    sites = [_site(r, orgs) for r in rows if wanted is None or r["org_id"] in wanted]
    sites.sort(key=lambda s: (order.get(s.org_id, len(order)) if s.org_id is not None else len(order) + 1,
                              ROLE_ORDER.get(s.role, 9), s.name or "", s.url))
    return sites


def selection(store: Store, org_code: str | None = None) -> Selection:
    """The sites to inspect (status 正常) and the ones skipped (例外 / 关停) under ``org_code``."""
    root = org_by_code(store, org_code) if org_code is not None else None
    result = Selection(root)
    for site in registered_sites(store, org_code):
        (result.sites if site.status == "正常" else result.skipped).append(site)
    return result


def select_sites(store: Store, org_code: str | None = None) -> list[RegisteredSite]:
    """Registered sites of org ``org_code`` and every org below it (all orgs when ``None``), status 正常 only.

    The 例外 / 关停 sites left out are :func:`skipped_sites` (or both at once: :func:`selection`).
    """
    return selection(store, org_code).sites


def skipped_sites(store: Store, org_code: str | None = None) -> list[RegisteredSite]:
    """The registered sites :func:`select_sites` leaves out because their status is 例外 or 关停."""
    return selection(store, org_code).skipped


def site_profile(store: Store, site_id: int) -> dict[str, Any]:
    """What the engine needs to know of a site: role, level, has_services, org, identifiers.

    Works for every site in the store: one only ever inspected by URL has ``registered: False``
    and the table defaults (role ``portal``, has_services ``True``, status 正常, no org).
    Keys: those of :class:`RegisteredSite` plus ``site_id`` (= ``id``).
    """
    row, orgs = site_row_with_orgs(store, site_id)
    if row is None:
        raise RegistryError(f"库中没有编号为 {site_id} 的网站")
    profile = _site(row, orgs).as_dict()
    profile["site_id"] = profile["id"]
    return profile


def export_rows(sites: list[RegisteredSite]) -> list[dict[str, str]]:
    """Registry file rows (column key -> text) of ``sites``: what ``sites import`` reads back unchanged."""
    return [{
        "name": s.name or "", "url": s.url, "sponsor": s.sponsor or "", "site_code": s.site_code or "",
        "icp": s.icp or "", "police_record": s.police_record or "", "role": ROLE_LABELS.get(s.role, s.role),
        "level": LEVEL_LABELS.get(s.level, s.level) if s.level else "", "org_code": s.org_code or "",
        "org_name": s.org_name or "", "parent_code": s.parent_org_code or "",
        "responsible_unit": s.responsible_unit or "", "contact": s.contact or "", "status": s.status,
        "has_services": "是" if s.has_services else "否",
    } for s in sites]


def export_file(store: Store, path: str | Path, org_code: str | None = None) -> tuple[Path, int]:
    """Write the registered sites under ``org_code`` (all when ``None``) to an .xlsx/.csv registry file.

    Returns the path and the number of sites written. The file has the import's columns, so
    ``sites import`` of it changes nothing.
    """
    path = Path(path)
    file_kind(path)  # a wrong file type fails before the store is read
    sites = registered_sites(store, org_code)
    return write_sheet(path, export_rows(sites)), len(sites)
