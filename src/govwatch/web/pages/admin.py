"""Dashboard pages: 管理 (docs/web.md "Pages: 管理") — 站点 here; 组织, 临时报备, 用户 and 通知渠道 in
:mod:`govwatch.web.pages.admin_people`.

Sites are written only through the registry's importer (:func:`govwatch.registry.import_sheet`):
a site added or edited in the form is a one-row registry sheet, so the form and a file obey the
same field validation; an uploaded file is checked in full (dry run) and shown before it is
imported. Export is the registry's own rows (:func:`govwatch.registry.export_rows`).
"""

from __future__ import annotations

import re
import secrets
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from govwatch.registry import RegistryError, SheetError, export_rows, import_sheet, read_sheet, registered_sites
from govwatch.registry.errors import RowProblem
from govwatch.registry.fields import LEVEL_LABELS, ROLE_LABELS, STATUSES
from govwatch.registry.sheet import Sheet, write_sheet
from govwatch.registry.sites import RegisteredSite, site_profile
from govwatch.store.db import Store
from govwatch.web.pages import admin_people
from govwatch.web.pages.admin_common import AdminScope, out_of_scope_problems
from govwatch.web.pages.common import org_options, paged, store_of
from govwatch.web.registry_text import problem_row, sheet_error
from govwatch.web.scope import Scope
from govwatch.web.templating import render

router = APIRouter(include_in_schema=False)
router.include_router(admin_people.router)

FORM_FIELDS = ("name", "sponsor", "site_code", "icp", "police_record", "role", "level", "org_code",
               "responsible_unit", "contact", "status", "has_services")
UPLOAD_SUFFIXES = (".xlsx", ".xlsm", ".csv")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
UPLOAD_KEEP_SECONDS = 3600  # an upload not confirmed within an hour is removed
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
NOTICES = {"added": "网站已登记。", "saved": "网站信息已保存。"}


def _upload_dir() -> Path:
    folder = Path(tempfile.gettempdir()) / "govwatch-web-imports"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _choices() -> dict[str, Any]:
    return {"roles": list(ROLE_LABELS.values()), "levels": list(LEVEL_LABELS.values()), "statuses": list(STATUSES)}


@router.get("/admin")
def admin_home(scope: AdminScope) -> Response:
    return RedirectResponse("/admin/sites", status_code=303)


# -- 站点: list, add, edit --------------------------------------------------------------------------

def _visible_registered(store: Store, scope: Scope) -> list[RegisteredSite]:
    """The registered sites the scope sees, in the registry's order (one query)."""
    return [s for s in registered_sites(store) if scope.can_see(s.id)]


@router.get("/admin/sites")
def sites_page(request: Request, scope: AdminScope, page: int = 1, q: str = "", done: str = "") -> Response:
    sites = _visible_registered(store_of(request), scope)
    wanted = q.strip().lower()
    if wanted:
        sites = [s for s in sites if wanted in (s.name or "").lower() or wanted in s.url.lower()
                 or wanted in (s.site_code or "") or wanted in (s.org_name or "").lower()]
    shown, page, pages = paged(sites, page)
    return render(request, "admin_sites.html.j2", {
        "sites": shown, "total": len(sites), "page": page, "pages": pages, "q": q,
        "query": {"q": q} if q else {}, "notice": NOTICES.get(done), "role_labels": ROLE_LABELS})


def _form_cells(form: dict[str, str], url: str) -> dict[str, str]:
    """A registry row (column key -> text) of the site form."""
    cells = {key: form.get(key, "").strip() for key in FORM_FIELDS}
    cells["url"] = url.strip()
    return cells


def _one_row_sheet(cells: dict[str, str]) -> Sheet:
    return Sheet(Path("网页表单"), {}, rows=[(1, cells)])


def _site_form(request: Request, scope: Scope, *, values: dict[str, str], site_id: int | None,
               problems: list[RowProblem] | None = None, status_code: int = 200) -> Response:
    return render(request, "admin_site_form.html.j2", {
        "values": values, "site_id": site_id, "orgs": org_options(store_of(request), scope),
        "problems": [problem_row(p) for p in problems or []], **_choices()}, status_code=status_code)


def _save_site(request: Request, scope: Scope, cells: dict[str, str], site_id: int | None) -> Response:
    """Validate the form's row as the importer does (and within the scope); write it or show why not."""
    store = store_of(request)
    sheet = _one_row_sheet(cells)
    problems = out_of_scope_problems(store, scope, sheet)
    org_codes = {o["code"] for o in org_options(store, scope)}
    if cells["org_code"] and cells["org_code"] not in org_codes:  # a forged choice: outside the scope
        raise HTTPException(404, "未找到该机构，或无权操作")
    if not problems:
        trial = import_sheet(store, sheet, dry_run=True)
        problems = trial.problems
        if not problems and site_id is None and trial.created == 0 and trial.adopted == 0:
            problems = [RowProblem(1, "首页网址", "该首页网址的网站已登记，请在列表中编辑它")]
    if not problems:
        result = import_sheet(store, sheet)
        problems = result.problems
    if problems:
        return _site_form(request, scope, values=cells, site_id=site_id, problems=problems, status_code=400)
    return RedirectResponse(f"/admin/sites?done={'saved' if site_id else 'added'}", status_code=303)


@router.get("/admin/sites/new")
def new_site_page(request: Request, scope: AdminScope) -> Response:
    return _site_form(request, scope, values={"status": "正常", "has_services": "是", "role": "本级门户"},
                      site_id=None)


@router.post("/admin/sites/new")
async def add_site(request: Request, scope: AdminScope) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    cells = _form_cells(form, form.get("url", ""))
    return await run_in_threadpool(_save_site, request, scope, cells, None)


def _editable(store: Store, scope: Scope, site_id: int) -> dict[str, Any]:
    """The registry profile of a site the user may change: 404 outside the scope, 403 for a reader."""
    scope.require_write(site_id)
    try:
        return site_profile(store, site_id)
    except RegistryError:
        raise HTTPException(404, "未找到，或无权查看") from None


@router.get("/admin/sites/{site_id}/edit")
def edit_site_page(request: Request, scope: AdminScope, site_id: int) -> Response:
    profile = _editable(store_of(request), scope, site_id)
    fields: dict[str, Any] = {k: tuple(v) if k == "org_path" else v for k, v in profile.items() if k != "site_id"}
    return _site_form(request, scope, values=export_rows([RegisteredSite(**fields)])[0], site_id=site_id)


@router.post("/admin/sites/{site_id}/edit")
async def edit_site(request: Request, scope: AdminScope, site_id: int) -> Response:
    profile = _editable(store_of(request), scope, site_id)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    return await run_in_threadpool(_save_site, request, scope, _form_cells(form, profile["url"]), site_id)


# -- 站点: import (dry run, then confirm) and export -----------------------------------------------

def _prune_uploads(folder: Path) -> None:
    cutoff = time.time() - UPLOAD_KEEP_SECONDS
    for old in folder.glob("*-*.*"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            continue


def _upload_path(scope: Scope, token: str) -> Path | None:
    """The pending upload ``token`` of this user, or None (a token of another user is not found)."""
    if not _TOKEN.fullmatch(token):
        return None
    for suffix in UPLOAD_SUFFIXES:
        path = _upload_dir() / f"{scope.user.id}-{token}{suffix}"
        if path.is_file():
            return path
    return None


def _checked_import(store: Store, scope: Scope, path: Path, shown_name: str, *, dry_run: bool) -> dict[str, Any]:
    """Read and check (or import) an uploaded file: the template's context."""
    try:
        sheet = read_sheet(path)
    except SheetError as exc:
        return {"error": sheet_error(str(exc), str(path), shown_name)}
    problems = out_of_scope_problems(store, scope, sheet)
    result = import_sheet(store, sheet, dry_run=dry_run or bool(problems))
    problems = sorted([*problems, *result.problems], key=lambda p: p.row)
    preview = [{"row": number, **{k: cells.get(k, "") for k in ("name", "url", "org_code", "org_name")}}
               for number, cells in sheet.rows[:50]]
    return {"result": result, "problems": [problem_row(p) for p in problems],
            "warnings": [problem_row(w) for w in result.warnings], "preview": preview,
            "imported": not problems and result.imported}


@router.get("/admin/sites/import")
def import_page(request: Request, scope: AdminScope) -> Response:
    return render(request, "admin_import.html.j2", {"stage": "upload"})


@router.post("/admin/sites/import")
def import_upload(request: Request, scope: AdminScope, file: Annotated[UploadFile | None, File()] = None) -> Response:
    """Keep the uploaded file for the confirmation and show what importing it would do."""
    name = (file.filename or "") if file is not None else ""
    suffix = Path(name).suffix.lower()
    if file is None or not name:
        return render(request, "admin_import.html.j2", {"stage": "upload", "error": "请选择要导入的文件"}, 400)
    if suffix not in UPLOAD_SUFFIXES:
        return render(request, "admin_import.html.j2",
                      {"stage": "upload", "error": "只能导入 .xlsx 工作簿或 .csv 文件"}, 400)
    data = file.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return render(request, "admin_import.html.j2",
                      {"stage": "upload", "error": f"文件过大（最多 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB）"}, 400)
    folder = _upload_dir()
    _prune_uploads(folder)
    token = secrets.token_urlsafe(24)
    path = folder / f"{scope.user.id}-{token}{suffix}"
    path.write_bytes(data)
    context = _checked_import(store_of(request), scope, path, name, dry_run=True)
    if context.get("error") or context["problems"]:
        path.unlink(missing_ok=True)
    return render(request, "admin_import.html.j2", {"stage": "preview", "token": token, "filename": name, **context})


@router.post("/admin/sites/import/confirm")
def import_confirm(request: Request, scope: AdminScope, token: str = Form(""), filename: str = Form("")) -> Response:
    path = _upload_path(scope, token)
    if path is None:
        return render(request, "admin_import.html.j2",
                      {"stage": "upload", "error": "待导入的文件已失效，请重新上传"}, 400)
    try:
        context = _checked_import(store_of(request), scope, path, filename or path.name, dry_run=False)
    finally:
        path.unlink(missing_ok=True)
    return render(request, "admin_import.html.j2", {"stage": "done", "filename": filename, **context},
                  200 if context.get("imported") else 400)


@router.get("/admin/sites/export")
def export_sites(request: Request, scope: AdminScope) -> Response:
    """The registered sites the user sees as an .xlsx registry file (what the import reads back)."""
    rows = export_rows(_visible_registered(store_of(request), scope))
    with tempfile.TemporaryDirectory() as folder:
        data = write_sheet(Path(folder) / "sites.xlsx", rows).read_bytes()
    name = quote("网站登记表.xlsx")
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=sites.xlsx; filename*=UTF-8''{name}"})
