"""Who is asking: passwords, logins with throttling, sessions, CSRF tokens and API tokens.

- Passwords are argon2id hashes (argon2-cffi); a hash made with older parameters is still verified.
- A login is refused (429) once ``web.login_max_failures`` attempts for the same user name from the
  same client failed within ``web.login_window_minutes``; failures are rows of ``login_attempts``.
- A session is a random token (``secrets.token_urlsafe``) in the ``gw_session`` cookie (HttpOnly,
  SameSite=Lax, Secure over https or with ``web.secure_cookies``); the store keeps only its sha256,
  its expiry and the session's CSRF token.
- CSRF: every POST/PUT/PATCH/DELETE carries the session's token (form field ``csrf_token`` or header
  ``X-CSRF-Token``), checked by :func:`csrf_guard` for the whole app; before login the login form's
  token is a double-submit cookie (``gw_csrf``). Requests with ``Authorization: Bearer`` are
  authenticated by that token alone (never by a cookie), so they need no CSRF token.
- API tokens (``govwatch token create USER``) are shown once; the store keeps only their sha256.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from fastapi import HTTPException, Request

from govwatch.core.settings import Settings, WebSettings
from govwatch.store import web_rows
from govwatch.store.db import Store

__all__ = ["ROLES", "User", "Session", "LoginRequired", "LoginThrottled", "SESSION_COOKIE", "CSRF_COOKIE",
           "CSRF_FIELD", "CSRF_HEADER", "MIN_PASSWORD_LENGTH", "hash_password", "verify_password", "token_hash",
           "check_password_rules", "login", "start_session", "end_session", "request_session", "page_user",
           "api_user", "csrf_guard", "create_api_token", "set_session_cookie", "cookie_is_secure"]

ROLES = ("admin", "manager", "viewer", "operator")
SESSION_COOKIE = "gw_session"
CSRF_COOKIE = "gw_csrf"  # the login form's double-submit token (there is no session yet)
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
MIN_PASSWORD_LENGTH = 8
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_hasher = PasswordHasher()
# Verified against when the user does not exist, so a wrong name costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True, slots=True)
class User:
    """A signed-in account (never its password hash)."""

    id: int
    name: str
    role: str
    org_id: int | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> User:
        return cls(int(row["id"]), row["name"], row["role"], row["org_id"])


@dataclass(frozen=True, slots=True)
class Session:
    """A browser's session: its user and the CSRF token its forms carry."""

    user: User
    csrf_token: str


class LoginRequired(Exception):
    """A page needs a signed-in user (the app redirects to the login page)."""


class LoginThrottled(Exception):
    """Too many failed logins for this user name from this client (HTTP 429)."""


# -- passwords and tokens ----------------------------------------------------------------------

def hash_password(password: str) -> str:
    """The argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (a malformed hash matches nothing)."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_password_rules(password: str) -> str | None:
    """Why ``password`` is refused (Chinese), or None when it is acceptable."""
    if not password.strip():
        return "密码不能为空"
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少需要{MIN_PASSWORD_LENGTH}个字符"
    return None


def token_hash(token: str) -> str:
    """What the store keeps of a session or API token: its sha256, hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _now() -> datetime:
    return datetime.now(UTC)


# -- login and sessions ----------------------------------------------------------------------------

def _throttle_key(name: str, client: str) -> str:
    return f"{name.strip().lower()[:200]}|{client[:90]}"


def login(store: Store, web: WebSettings, name: str, password: str, client: str) -> User | None:
    """The user when ``name`` and ``password`` match an enabled account, else None (a failure is
    counted); :class:`LoginThrottled` when this name and client have failed too often lately."""
    key = _throttle_key(name, client)
    now = _now()
    since = _iso(now - timedelta(minutes=web.login_window_minutes))
    if web_rows.login_failures(store, key, since) >= web.login_max_failures:
        raise LoginThrottled(key)
    found = web_rows.user_by_name(store, name.strip())
    ok = verify_password(found[1] if found else _DUMMY_HASH, password)
    if found is None or not ok or found[0]["disabled"]:
        web_rows.record_login_failure(store, key, _iso(now), forget_before=_iso(now - timedelta(days=1)))
        return None
    web_rows.clear_login_failures(store, key)
    return User.of(found[0])


def start_session(store: Store, user: User, web: WebSettings) -> str:
    """A new session for ``user``; returns the cookie's token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    expires = _iso(_now() + timedelta(hours=web.session_hours))
    web_rows.purge_sessions(store, _iso(_now()))
    web_rows.add_session(store, token_hash(token), user.id, secrets.token_urlsafe(32), expires)
    return token


def end_session(store: Store, token: str) -> None:
    web_rows.delete_session(store, token_hash(token))


def cookie_is_secure(request: Request, web: WebSettings) -> bool:
    """Whether cookies get ``Secure``: over https, or always with ``web.secure_cookies``."""
    return web.secure_cookies or request.url.scheme == "https"


def set_session_cookie(response: Any, request: Request, web: WebSettings, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=int(web.session_hours * 3600), path="/", httponly=True,
                        samesite="lax", secure=cookie_is_secure(request, web))


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def request_session(request: Request) -> Session | None:
    """The session of the request's ``gw_session`` cookie (looked up once per request), or None."""
    if hasattr(request.state, "session"):
        found: Session | None = request.state.session
        return found
    session = None
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        row = web_rows.session_user(_store(request), token_hash(token), _iso(_now()))
        if row is not None:
            session = Session(User.of(row[0]), row[1])
    request.state.session = session
    return session


def page_user(request: Request) -> User:
    """The signed-in user of a page request; :class:`LoginRequired` without one."""
    session = request_session(request)
    if session is None:
        raise LoginRequired()
    return session.user


def _bearer(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header; "" for another or a malformed one; None without."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def api_user(request: Request) -> User:
    """The caller of an API request: by its bearer token when it sends one (only then), else by its
    session cookie; 401 otherwise."""
    token = _bearer(request)
    if token is not None:
        row = web_rows.token_user(_store(request), token_hash(token)) if token else None
        if row is None:
            raise HTTPException(401, "无效的访问令牌", headers={"WWW-Authenticate": "Bearer"})
        return User.of(row)
    session = request_session(request)
    if session is None:
        raise HTTPException(401, "需要登录或访问令牌", headers={"WWW-Authenticate": "Bearer"})
    return session.user


async def csrf_guard(request: Request) -> None:
    """The app-wide CSRF check (a dependency of every route): an unsafe request must carry the
    session's token (or, without a session, the login form's cookie token) as the ``csrf_token``
    form field or the ``X-CSRF-Token`` header; 403 otherwise. Bearer-token requests are exempt:
    a browser never adds that header on its own, and they are authenticated by it alone."""
    if request.method not in UNSAFE_METHODS or _bearer(request) is not None:
        return
    session = request_session(request)
    expected = session.csrf_token if session else request.cookies.get(CSRF_COOKIE)
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)  # parsed once: the route reads the cached form
        given = value if isinstance(value, str) else None
    if not expected or not given or not hmac.compare_digest(expected.encode(), given.encode()):
        raise HTTPException(403, "请求缺少有效的安全令牌（CSRF），请刷新页面后重试")


# -- API tokens ------------------------------------------------------------------------------------------

def create_api_token(store: Store, user_id: int) -> str:
    """A new API token for the user, returned once (only its hash is stored)."""
    token = "gw_" + secrets.token_urlsafe(32)
    web_rows.add_api_token(store, user_id, token_hash(token))
    return token
