"""``govwatch sites import``: validate a whole registry file, then write it in one transaction.

Every row is checked before anything is written; one bad cell anywhere rejects
the whole file, and every problem is reported with its row number and column.
Orgs are declared by the rows' 所属机构代码 / 所属机构名称 / 上级机构代码 (in any
order: a parent may come after its children); a parent code must be declared in
the file or exist in the store, and the hierarchy must not loop. Re-importing
updates sites by homepage URL (a site first created by ``govwatch inspect``
becomes registered); registered sites missing from the file are left as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govwatch.core.identifiers import Checked, check_icp, check_police_record, check_site_code, check_url
from govwatch.core.urls import Scope
from govwatch.registry.errors import RowProblem
from govwatch.registry.fields import (
    LEVEL_LABELS,
    ROLE_LABELS,
    STATUSES,
    parse_bool,
    parse_level,
    parse_role,
    parse_status,
)
from govwatch.registry.sheet import Sheet, read_sheet
from govwatch.store.db import Store
from govwatch.store.registry_rows import RegistryImport, registry_import

__all__ = ["ImportResult", "SiteRow", "import_file", "import_sheet", "SITE_FIELDS"]

# Registry columns of ``sites`` written by an import (besides url, scope_prefix, registered, org_id).
SITE_FIELDS = ("name", "site_code", "icp", "police_record", "sponsor", "responsible_unit", "contact",
               "role", "level", "status", "has_services")
_MAX_CODE = 64  # orgs.code is String(64)


@dataclass(slots=True)
class SiteRow:
    """One valid row: the values to store."""

    row: int
    url: str
    values: dict[str, Any]  # SITE_FIELDS
    org_code: str | None


@dataclass(slots=True)
class _OrgDecl:
    """What the rows say about one org (each fact with the row that first said it)."""

    code: str
    rows: list[int] = field(default_factory=list)
    name: tuple[str, int] | None = None
    parent: tuple[str, int] | None = None
    level: tuple[str, int] | None = None


@dataclass(slots=True)
class ImportResult:
    """What an import found and did. Nothing was written unless :attr:`imported`."""

    path: Path | None
    rows: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    dry_run: bool = False
    created: int = 0  # new sites
    updated: int = 0  # existing sites whose registry data changed
    unchanged: int = 0  # existing sites already registered exactly so
    adopted: int = 0  # of created+updated: sites that existed unregistered (inspected by URL) and are now registered
    orgs_created: int = 0
    orgs_updated: int = 0
    kept: int = 0  # registered sites not in the file (left as they are)

    @property
    def imported(self) -> bool:
        return not self.problems and not self.dry_run


class _Validator:
    """Checks every row of a sheet against itself and the store's orgs."""

    def __init__(self, sheet: Sheet, store_orgs: dict[str, tuple[int, str | None]]) -> None:
        self.sheet = sheet
        self.store_orgs = store_orgs  # code -> (id, parent code)
        self.problems: list[RowProblem] = []
        self.warnings: list[RowProblem] = []
        self.sites: list[SiteRow] = []
        self.orgs: dict[str, _OrgDecl] = {}
        self.urls: dict[str, int] = {}  # homepage -> first row

    def problem(self, row: int, key: str | None, message: str) -> None:
        self.problems.append(RowProblem(row, self.sheet.header(key) if key else None, message))

    def warn(self, row: int, key: str | None, message: str) -> None:
        self.warnings.append(RowProblem(row, self.sheet.header(key) if key else None, message))

    def run(self) -> None:
        for header in self.sheet.ignored:
            self.warn(self.sheet.header_row, None, f"「{header}」不是网站名单的列，已忽略")
        codes: dict[str, int] = {}
        for number, cells in self.sheet.rows:
            site = self.row(number, cells)
            if site is None:
                continue
            code = site.values["site_code"]
            if code and code in codes:
                self.warn(number, "site_code", f"{code} 与第{codes[code]}行的网站标识码相同")
            elif code:
                codes[code] = number
        self.check_orgs()
        self.problems.sort(key=lambda p: p.row)  # stable: a row's problems in column order
        self.warnings.sort(key=lambda p: p.row)

    def _checked(self, number: int, key: str, text: str, checker: Callable[[str], Checked]) -> str | None:
        if not text:
            return None
        value, problem, warning = checker(text)
        if problem:
            self.problem(number, key, problem)
        if warning:
            self.warn(number, key, warning)
        return value

    def _choice(self, number: int, key: str, text: str, parse: Callable[[str], Any], allowed: str,
                default: Any) -> Any:
        if not text:
            return default
        value = parse(text)
        if value is None:
            self.problem(number, key, f"无法识别的{self.sheet.header(key)}「{text}」（可填：{allowed}）")
        return value

    def row(self, number: int, cells: dict[str, str]) -> SiteRow | None:
        """Check one row; the parsed row (``None`` when its URL is unusable)."""
        get = cells.get
        name = get("name", "")
        if not name:
            self.problem(number, "name", "网站名称为空")
        url = None
        if not get("url"):
            self.problem(number, "url", "首页网址为空")
        else:
            url = self._checked(number, "url", get("url", ""), check_url)
            if url is not None and url in self.urls:
                self.problem(number, "url", f"{url} 已是第{self.urls[url]}行的首页网址")
            elif url is not None:
                self.urls[url] = number
        values: dict[str, Any] = {
            "name": name or None,
            "site_code": self._checked(number, "site_code", get("site_code", ""), check_site_code),
            "icp": self._checked(number, "icp", get("icp", ""), check_icp),
            "police_record": self._checked(number, "police_record", get("police_record", ""), check_police_record),
            "sponsor": get("sponsor") or None,
            "responsible_unit": get("responsible_unit") or None,
            "contact": get("contact") or None,
            "role": self._choice(number, "role", get("role", ""), parse_role,
                                 "、".join(ROLE_LABELS.values()), "portal"),
            "level": self._choice(number, "level", get("level", ""), parse_level,
                                  "、".join(LEVEL_LABELS.values()), None),
            "status": self._choice(number, "status", get("status", ""), parse_status, "、".join(STATUSES), "正常"),
            "has_services": self._choice(number, "has_services", get("has_services", ""), parse_bool, "是、否", True),
        }
        org_code = self.org_facts(number, cells, values["level"])
        if url is None:
            return None
        site = SiteRow(number, url, values, org_code)
        self.sites.append(site)
        return site

    def org_facts(self, number: int, cells: dict[str, str], level: str | None) -> str | None:
        """Record what the row says about its org; the org code (``None`` when the row has none)."""
        code, name, parent = cells.get("org_code", ""), cells.get("org_name", ""), cells.get("parent_code", "")
        if not code:
            if name or parent:
                self.problem(number, "org_code", "所属机构代码为空，但填写了"
                             + ("所属机构名称" if name else "上级机构代码") + "：每个机构都须有机构代码")
            return None
        bad = False
        for key, given in (("org_code", code), ("parent_code", parent)):
            if len(given) > _MAX_CODE or any(ch.isspace() for ch in given):
                self.problem(number, key, f"「{given}」不是有效的机构代码（不能含空格，最多{_MAX_CODE}个字符）")
                bad = True
        if parent and parent == code:
            self.problem(number, "parent_code", f"机构 {code} 不能以自己为上级机构")
            bad = True
        decl = self.orgs.setdefault(code, _OrgDecl(code))
        decl.rows.append(number)
        for attr, key, value, label in (("name", "org_name", name, "所属机构名称"),
                                        ("parent", "parent_code", None if bad else parent, "上级机构代码"),
                                        ("level", "level", level, "级别")):
            if not value:
                continue
            known = getattr(decl, attr)
            if known is None:
                setattr(decl, attr, (value, number))
            elif known[0] != value:
                shown = LEVEL_LABELS.get(known[0], known[0]) if attr == "level" else known[0]
                self.problem(number, key, f"机构 {code} 在第{known[1]}行的{label}为「{shown}」，"
                             "同一机构的各行须一致")
        return code

    def check_orgs(self) -> None:
        """Parents known, new orgs named, no cycle."""
        parents: dict[str, str | None] = {code: p for code, (_, p) in self.store_orgs.items()}
        for code, decl in self.orgs.items():
            if decl.parent is not None:
                parents[code] = decl.parent[0]
            if decl.name is None and code not in self.store_orgs:
                self.problem(decl.rows[0], "org_name", f"机构 {code} 尚未登记：须填写所属机构名称")
        for decl in self.orgs.values():
            if decl.parent is None:
                continue
            parent, row = decl.parent
            if parent not in self.orgs and parent not in self.store_orgs:
                self.problem(row, "parent_code", f"上级机构代码「{parent}」无法识别：文件中没有以它为所属机构代码的行，"
                             "库中也没有该机构")
        reported: set[str] = set()
        for start in self.orgs:
            chain: list[str] = []
            current: str | None = start
            while current is not None and current not in chain:
                chain.append(current)
                current = parents.get(current)
            if current is None or current in reported:
                continue
            loop = chain[chain.index(current):]
            reported.update(loop)
            text = " → ".join([*loop, loop[0]])
            for code in loop:
                member = self.orgs.get(code)
                if member is not None and member.parent is not None:
                    self.problem(member.parent[1], "parent_code", f"机构的上下级关系将形成循环：{text}")


def import_file(store: Store, path: str | Path, *, dry_run: bool = False) -> ImportResult:
    """Read and import a registry file (:class:`~govwatch.registry.errors.SheetError` if unreadable)."""
    return import_sheet(store, read_sheet(path), dry_run=dry_run)


def import_sheet(store: Store, sheet: Sheet, *, dry_run: bool = False) -> ImportResult:
    """Validate every row; when all are valid (and not ``dry_run``) write them in one transaction."""
    result = ImportResult(sheet.path, rows=len(sheet.rows), dry_run=dry_run)
    with registry_import(store) as tx:
        store_orgs = _store_orgs(tx)
        check = _Validator(sheet, {code: (oid, parent) for code, (oid, parent, _n, _l) in store_orgs.items()})
        check.run()
        result.problems, result.warnings = check.problems, check.warnings
        if not result.problems:
            _write(tx, check, store_orgs, result)  # with dry_run: to count what would change
        if result.imported:
            tx.commit()
    return result


def _store_orgs(tx: RegistryImport) -> dict[str, tuple[int, str | None, str, str]]:
    """code -> (id, parent code, name, level) of every org in the store."""
    orgs = tx.orgs()
    return {o.code: (o.id, orgs[o.parent_id].code if o.parent_id in orgs else None, o.name, o.level)
            for o in orgs.values()}


def _write(tx: RegistryImport, check: _Validator, store_orgs: dict[str, tuple[int, str | None, str, str]],
           result: ImportResult) -> None:
    ids: dict[str, int] = {}
    for code, decl in check.orgs.items():
        if code in store_orgs:
            ids[code] = store_orgs[code][0]
            continue
        assert decl.name is not None  # checked: a new org has a name
        ids[code] = tx.add_org(code, decl.name[0], decl.level[0] if decl.level else "other")
        result.orgs_created += 1
    for code, decl in check.orgs.items():  # parents once every org has an id: file order does not matter
        values: dict[str, Any] = {}
        if decl.parent is not None:
            values["parent_id"] = ids.get(decl.parent[0]) or store_orgs[decl.parent[0]][0]
        if code in store_orgs:
            _oid, parent_code, name, level = store_orgs[code]
            if decl.parent is not None and decl.parent[0] == parent_code:
                del values["parent_id"]
            if decl.name is not None and decl.name[0] != name:
                values["name"] = decl.name[0]
            if decl.level is not None and decl.level[0] != level:
                values["level"] = decl.level[0]
            result.orgs_updated += 1 if values else 0
        if values:
            tx.update_org(ids[code], values)

    urls = [s.url for s in check.sites]
    existing = tx.sites_by_url(urls, SITE_FIELDS)
    for site in check.sites:
        values = {**site.values, "org_id": ids[site.org_code] if site.org_code else None, "registered": True}
        old = existing.get(site.url)
        if old is None:
            tx.add_site(site.url, Scope.for_site(site.url).prefix, values)
            result.created += 1
            continue
        if all(_same(old[k], v) for k, v in values.items()):
            result.unchanged += 1
            continue
        tx.update_site(old["id"], values)
        result.updated += 1
        result.adopted += 0 if old["registered"] else 1
    in_file = set(urls)
    result.kept = sum(1 for url in tx.registered_urls() if url not in in_file)


def _same(old: Any, new: Any) -> bool:
    if isinstance(new, bool):
        return bool(old) == new
    return bool(old == new)
