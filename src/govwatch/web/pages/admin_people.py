"""Dashboard pages: 管理 — 组织, 临时报备, 用户 and 通知渠道 (docs/web.md "Pages: 管理").

Included by :mod:`govwatch.web.pages.admin`. Every write goes through the module that owns the
rule: orgs through :func:`govwatch.registry.orgs.add_org`, filings through
:func:`govwatch.registry.filings.add_filing`, users through :mod:`govwatch.web.accounts` (argon2).
A manager works inside their org subtree: orgs below theirs, filings of their sites, users of
their subtree with the roles viewer, operator or manager (never admin).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from govwatch.core.serviceconfig import mask_url
from govwatch.registry.errors import RegistryError
from govwatch.registry.fields import LEVEL_LABELS
from govwatch.registry.filings import add_filing, list_filings, parse_kinds, site_by_url
from govwatch.registry.orgs import add_org
from govwatch.store import web_rows
from govwatch.store.db import Store
from govwatch.web.accounts import NAME_PATTERN, AccountError, account_rows, add_account, set_account_disabled
from govwatch.web.auth import ROLES, check_password_rules
from govwatch.web.pages.admin_common import AdminOnlyScope, AdminScope
from govwatch.web.pages.common import org_options, paged, store_of
from govwatch.web.scope import NOT_FOUND, Scope
from govwatch.web.templating import render

router = APIRouter(include_in_schema=False)

ORG_LEVELS = {**LEVEL_LABELS, "other": "其他"}
MANAGER_GRANTS = ("manager", "viewer", "operator")  # the roles a manager may give (never admin)
NOTICES = {"org": "机构已添加。", "filing": "临时报备已添加。", "user": "用户已创建。", "disabled": "用户已停用。",
           "enabled": "用户已启用。"}


# -- 组织 ----------------------------------------------------------------------------------------------

def _orgs_page(request: Request, scope: Scope, *, values: dict[str, str] | None = None, error: str | None = None,
               done: str = "", status_code: int = 200) -> Response:
    return render(request, "admin_orgs.html.j2", {
        "orgs": org_options(store_of(request), scope), "levels": ORG_LEVELS, "values": values or {},
        "error": error, "notice": NOTICES.get(done), "may_add_top": scope.org_ids is None}, status_code=status_code)


@router.get("/admin/orgs")
def orgs_page(request: Request, scope: AdminScope, done: str = "") -> Response:
    return _orgs_page(request, scope, done=done)


@router.post("/admin/orgs")
def add_org_submit(request: Request, scope: AdminScope, parent_code: str = Form(""), code: str = Form(""),
                   name: str = Form(""), level: str = Form("other")) -> Response:
    """A new org below one the user sees (admins may also add one at the top)."""
    values = {"parent_code": parent_code, "code": code, "name": name, "level": level}
    store = store_of(request)
    if parent_code and parent_code not in {o["code"] for o in org_options(store, scope)}:
        raise HTTPException(404, NOT_FOUND)
    if not parent_code and scope.org_ids is not None:
        return _orgs_page(request, scope, values=values, error="请选择上级机构（您管辖范围内的机构）", status_code=400)
    try:
        add_org(store, code, name, level, parent_code or None)
    except RegistryError as exc:
        return _orgs_page(request, scope, values=values, error=str(exc), status_code=400)
    return RedirectResponse("/admin/orgs?done=org", status_code=303)


# -- 临时报备 -----------------------------------------------------------------------------------------

def _filings_page(request: Request, scope: Scope, *, page: int = 1, values: dict[str, str] | None = None,
                  error: str | None = None, done: str = "", status_code: int = 200) -> Response:
    filings = [f for f in reversed(list_filings(store_of(request))) if scope.can_see(int(f["site_id"]))]
    shown, page, pages = paged(filings, page)
    return render(request, "admin_filings.html.j2", {
        "filings": shown, "total": len(filings), "page": page, "pages": pages, "values": values or {},
        "error": error, "notice": NOTICES.get(done)}, status_code=status_code)


@router.get("/admin/filings")
def filings_page(request: Request, scope: AdminScope, page: int = 1, done: str = "") -> Response:
    return _filings_page(request, scope, page=page, done=done)


@router.post("/admin/filings")
def add_filing_submit(request: Request, scope: AdminScope, site_url: str = Form(""), starts: str = Form(""),
                      ends: str = Form(""), reason: str = Form(""), kinds: str = Form("")) -> Response:
    """A filing for a site the user may change; a site outside the scope reads as one not in the store."""
    values = {"site_url": site_url, "starts": starts, "ends": ends, "reason": reason, "kinds": kinds}
    store = store_of(request)
    try:
        site_id, url = site_by_url(store, site_url)
        if not scope.can_see(site_id):
            raise RegistryError(f"系统中没有首页为 {url} 的网站")  # outside the scope: as if absent
        scope.require_write(site_id)
        add_filing(store, url, starts, ends, reason, parse_kinds(kinds))
    except RegistryError as exc:
        return _filings_page(request, scope, values=values, error=str(exc), status_code=400)
    return RedirectResponse("/admin/filings?done=filing", status_code=303)


# -- 用户 ----------------------------------------------------------------------------------------------

def _visible_users(store: Store, scope: Scope) -> list[dict[str, Any]]:
    """Every user for an admin; for a manager the users of their subtree: managers and viewers of
    an org in it, operators all of whose sites are in it (never an admin)."""
    rows = account_rows(store)
    if scope.org_ids is None or scope.site_ids is None:
        return rows
    shown = []
    for row in rows:
        if row["role"] in ("manager", "viewer"):
            inside = row["org_id"] is not None and row["org_id"] in scope.org_ids
        elif row["role"] == "operator":
            sites = web_rows.user_site_ids(store, int(row["id"]))
            inside = bool(sites) and sites <= scope.site_ids
        else:
            inside = False
        if inside:
            shown.append(row)
    return shown


def _grantable(scope: Scope) -> tuple[str, ...]:
    return ROLES if scope.user.role == "admin" else MANAGER_GRANTS


def _users_page(request: Request, scope: Scope, *, values: dict[str, str] | None = None, error: str | None = None,
                done: str = "", status_code: int = 200) -> Response:
    store = store_of(request)
    return render(request, "admin_users.html.j2", {
        "users": _visible_users(store, scope), "orgs": org_options(store, scope), "roles": _grantable(scope),
        "values": values or {}, "error": error, "notice": NOTICES.get(done)}, status_code=status_code)


@router.get("/admin/users")
def users_page(request: Request, scope: AdminScope, done: str = "") -> Response:
    return _users_page(request, scope, done=done)


def _account_problem(store: Store, scope: Scope, name: str, role: str, org_code: str, urls: list[str],
                     password: str, password2: str) -> str | None:
    """Why the form's account cannot be created (Chinese), or None."""
    if not NAME_PATTERN.fullmatch(name):
        return "用户名应为1至64个字母、数字、汉字或 _ . @ -"
    if web_rows.user_by_name(store, name) is not None:
        return f"用户名 {name} 已被使用"
    if role in ("manager", "viewer") and not org_code:
        return "管理人员和查看人员需要选择所属机构（其本级及下级机构）"
    if org_code and org_code not in {o["code"] for o in org_options(store, scope)}:
        return "请选择您管辖范围内的机构"
    if role == "operator" and not urls:
        return "网站运维人员需要填写至少一个负责网站的首页网址"
    for url in urls:
        try:
            site_id, _ = site_by_url(store, url)
        except RegistryError:
            site_id = None
        if site_id is None or not scope.can_see(site_id):
            return f"系统中没有首页为 {url} 的网站，或不在您的管辖范围内"
    if password != password2:
        return "两次输入的密码不一致"
    return check_password_rules(password)


@router.post("/admin/users")
def add_user_submit(request: Request, scope: AdminScope, name: str = Form(""), role: str = Form(""),
                    org_code: str = Form(""), site_urls: str = Form(""), password: str = Form(""),
                    password2: str = Form("")) -> Response:
    """Create an account with the password the admin typed (stored as its argon2 hash)."""
    if role not in _grantable(scope):
        raise HTTPException(403, "您不能创建该角色的用户" if role in ROLES else "未知的角色")
    name = name.strip()
    org = org_code.strip() if role in ("manager", "viewer") else ""
    urls = [u.strip() for u in site_urls.splitlines() if u.strip()] if role == "operator" else []
    values = {"name": name, "role": role, "org_code": org_code, "site_urls": site_urls}
    store = store_of(request)
    problem = _account_problem(store, scope, name, role, org, urls, password, password2)
    if problem is None:
        try:
            add_account(store, name, role, password, org_code=org or None, site_urls=urls)
        except AccountError as exc:
            problem = str(exc)
    if problem is not None:
        return _users_page(request, scope, values=values, error=problem, status_code=400)
    return RedirectResponse("/admin/users?done=user", status_code=303)


@router.post("/admin/users/{user_id}/disable")
def disable_user(request: Request, scope: AdminScope, user_id: int, action: str = Form("disable")) -> Response:
    """Disable (``action=disable``) or enable again a user the admin or manager sees; not oneself."""
    store = store_of(request)
    if user_id not in {int(u["id"]) for u in _visible_users(store, scope)}:
        raise HTTPException(404, NOT_FOUND)
    if user_id == scope.user.id:
        return _users_page(request, scope, error="不能停用自己的账号", status_code=400)
    try:
        set_account_disabled(store, user_id, action != "enable")
    except AccountError:
        raise HTTPException(404, NOT_FOUND) from None
    return RedirectResponse(f"/admin/users?done={'enabled' if action == 'enable' else 'disabled'}", status_code=303)


# -- 通知渠道 ------------------------------------------------------------------------------------------

def channel_rows(config: Any) -> list[dict[str, Any]] | None:
    """The channels of a service config, secrets masked (URL path and query, signing secrets,
    passwords, SMS header values; phone numbers only counted); None without a config."""
    channels = getattr(config, "channels", None) if config is not None else None
    if channels is None:
        return None
    rows = []
    for c in channels:
        smtp = c.smtp
        rows.append({
            "name": c.name, "type": c.type, "url": mask_url(c.url), "secret": c.secret is not None,
            "mobiles": len(c.mobiles), "at_all": c.at_all, "rate": c.rate_per_minute, "timeout": c.timeout,
            "smtp": None if smtp is None else {
                "host": smtp.host, "port": smtp.port, "security": smtp.security, "sender": smtp.sender,
                "to": len(smtp.to), "username": smtp.username is not None, "password": smtp.password is not None},
            "sms_headers": [name for name, _ in c.sms.headers] if c.sms is not None else []})
    return rows


@router.get("/admin/channels")
def channels_page(request: Request, scope: AdminOnlyScope) -> Response:
    """The service config's channels, read only (``app.state.service_config`` when ``serve`` set it)."""
    return render(request, "admin_channels.html.j2",
                  {"channels": channel_rows(getattr(request.app.state, "service_config", None))})
