"""The web application: :func:`create_app` composes the API, the pages, static files, the login
and logout routes, security headers, CSRF checking and the Chinese error pages.

``govwatch serve`` runs it with uvicorn in the service's event loop (docs/web.md); tests drive it
with ``fastapi.testclient.TestClient``.
"""

from __future__ import annotations

import importlib.util
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Form, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from govwatch import __version__
from govwatch.core.settings import Settings
from govwatch.store.db import Store
from govwatch.web import api
from govwatch.web.auth import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    LoginRequired,
    LoginThrottled,
    cookie_is_secure,
    csrf_guard,
    end_session,
    login,
    request_session,
    set_session_cookie,
    start_session,
)
from govwatch.web.templating import make_templates, render

__all__ = ["create_app", "CONTENT_SECURITY_POLICY", "SECURITY_HEADERS", "STATIC_DIR"]

STATIC_DIR = Path(__file__).parent / "static"

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                           "frame-ancestors 'self'")
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "SAMEORIGIN",
}

ERROR_TEXTS = {  # status -> (heading, message) of the Chinese error pages
    400: ("请求有误", "请求的内容不完整或格式不对。"),
    401: ("需要登录", "请先登录。"),
    403: ("无权操作", "您没有权限执行此操作。"),
    404: ("页面不存在", "您要找的内容不存在，或者您无权查看。"),
    405: ("不支持的操作", "此地址不支持这种请求方式。"),
    429: ("请求过于频繁", "登录失败次数过多，请稍后再试。"),
}


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every response (a header a route set itself, such as a
    snapshot's stricter sandbox policy, is kept), and ``Cache-Control: no-store`` to all but static
    files: pages and API answers hold data only their user may see."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = dict(SECURITY_HEADERS)
                if not static:
                    extra["cache-control"] = "no-store"
                headers += [(k.encode(), v.encode()) for k, v in extra.items() if k.encode() not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _local_path(target: str | None) -> str:
    """Where to go after login: a path on this site only (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_form(request: Request, *, name: str = "", error: str | None = None, next_path: str = "/",
                status_code: int = 200) -> Response:
    """The login page with a fresh double-submit CSRF token (cookie and hidden field)."""
    token = secrets.token_urlsafe(32)
    settings: Settings = request.app.state.settings
    response = render(request, "login.html.j2", {"login_csrf": token, "name": name, "error": error,
                                                  "next": _local_path(next_path)}, status_code=status_code)
    response.set_cookie(CSRF_COOKIE, token, path="/login", httponly=True, samesite="strict",
                        secure=cookie_is_secure(request, settings.web))
    return response


def _error_page(request: Request, status: int, detail: Any) -> Response:
    heading, message = ERROR_TEXTS.get(status, ("出错了", "处理请求时出现问题。"))
    if status in (403, 429) and isinstance(detail, str) and detail:
        message = detail  # our own Chinese reasons (CSRF, read-only role, throttled)
    return render(request, "error.html.j2", {"status": status, "heading": heading, "message": message},
                  status_code=status)


async def _http_error(request: Request, exc: Exception) -> Response:
    """API paths answer JSON (FastAPI's own shape); pages a Chinese error page."""
    assert isinstance(exc, StarletteHTTPException)
    if request.url.path.startswith("/api/"):
        return await http_exception_handler(request, exc)
    response = _error_page(request, exc.status_code, exc.detail)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def _login_required(request: Request, exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def _mount_static(app: FastAPI) -> None:
    """``/static/vendor`` (npm assets) first, then the dashboard's own ``/static``."""
    # HOOK: the vendor assets (htmx, echarts from node_modules) are mapped by web/assets.py, written
    # beside this module; its ``mount_vendor(app)`` mounts them at /static/vendor when present.
    if importlib.util.find_spec("govwatch.web.assets") is not None:
        assets = importlib.import_module("govwatch.web.assets")
        mount = getattr(assets, "mount_vendor", None)
        if callable(mount):
            mount(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")


def _include_pages(app: FastAPI) -> None:
    """The dashboard's pages (``govwatch.web.pages``), and the rectification loop's 整改工单 and 找错/留言."""
    from govwatch.web.pages import inbox, router, tickets

    app.include_router(router)
    app.include_router(tickets.router)
    app.include_router(inbox.router)


def _add_login_routes(app: FastAPI) -> None:
    @app.get("/login", include_in_schema=False)
    def login_page(request: Request, next: str = "/") -> Response:  # noqa: A002 - the query parameter's name
        if request_session(request) is not None:
            return RedirectResponse(_local_path(next), status_code=303)
        return _login_form(request, next_path=next)

    @app.post("/login", include_in_schema=False)
    def login_submit(request: Request, name: str = Form(""), password: str = Form(""),
                     next: str = Form("/")) -> Response:  # noqa: A002
        store: Store = request.app.state.store
        settings: Settings = request.app.state.settings
        try:
            user = login(store, settings.web, name, password, _client(request))
        except LoginThrottled:
            minutes = f"{settings.web.login_window_minutes:g}"
            return _login_form(request, name=name, next_path=next, status_code=429,
                               error=f"登录失败次数过多，请{minutes}分钟后再试。")
        if user is None:
            return _login_form(request, name=name, next_path=next, status_code=401, error="用户名或密码错误。")
        old = request.cookies.get(SESSION_COOKIE)
        if old:
            end_session(store, old)  # a new token at every login: no session fixation
        response = RedirectResponse(_local_path(next), status_code=303)
        set_session_cookie(response, request, settings.web, start_session(store, user, settings.web))
        response.delete_cookie(CSRF_COOKIE, path="/login")
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request) -> Response:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            end_session(request.app.state.store, token)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


def create_app(store: Store, settings: Settings) -> FastAPI:
    """The dashboard and REST API over ``store``: OpenAPI at ``/api/v1/openapi.json`` (the API's
    routes only; no docs UI: it would load scripts from a CDN), every route behind the CSRF check."""
    app = FastAPI(title="govwatch API", version=__version__, openapi_url="/api/v1/openapi.json",
                  docs_url=None, redoc_url=None, dependencies=[Depends(csrf_guard)])
    app.state.store = store
    app.state.settings = settings
    app.state.templates = make_templates()
    app.add_middleware(SecurityHeaders)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(LoginRequired, _login_required)
    app.include_router(api.router)
    _add_login_routes(app)
    _include_pages(app)
    _mount_static(app)
    return app
