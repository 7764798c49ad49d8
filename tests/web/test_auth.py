"""Passwords, logins, throttling and sessions of the web app (docs/web.md "Security")."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from govwatch.core.settings import Settings
from govwatch.store import tables as t
from govwatch.web.app import create_app
from govwatch.web.auth import hash_password, token_hash, verify_password
from tests.web.conftest import PASSWORD, Portfolio, log_in, login_csrf


def _post_login(client: TestClient, name: str, password: str) -> Any:
    return client.post("/login", data={"name": name, "password": password, "csrf_token": login_csrf(client)},
                       follow_redirects=False)


def _session_cookie_flags(response: Any) -> list[str]:
    """The attributes of the response's gw_session cookie, lower-cased."""
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("gw_session="))
    return [part.strip().lower() for part in cookie.split(";")]


def test_argon2_hash_verifies_the_password_only() -> None:
    hashed = hash_password("s3cret-words")
    assert hashed.startswith("$argon2id$") and "s3cret-words" not in hashed
    assert verify_password(hashed, "s3cret-words")
    assert not verify_password(hashed, "s3cret-word")
    assert not verify_password("not a hash", "s3cret-words")  # a malformed hash matches nothing, never raises
    assert hash_password("s3cret-words") != hashed  # salted


def test_login_sets_an_httponly_lax_session_cookie_whose_token_is_stored_only_hashed(
        client: TestClient, portfolio: Portfolio) -> None:
    response = _post_login(client, "admin", PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/"
    flags = _session_cookie_flags(response)
    assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
    assert "secure" not in flags  # plain http on 127.0.0.1 (see the https test)
    token = client.cookies["gw_session"]
    assert len(token) >= 40
    with portfolio.store.engine.connect() as conn:
        rows = conn.execute(select(t.web_sessions.c.token_hash, t.web_sessions.c.expires_at)).all()
    assert [r.token_hash for r in rows] == [token_hash(token)] and token not in rows[0].token_hash
    assert client.get("/api/v1/sites").status_code == 200


def test_the_cookie_is_secure_over_https_and_when_the_setting_says_so(app: FastAPI, portfolio: Portfolio) -> None:
    with TestClient(app, base_url="https://testserver") as https:
        response = _post_login(https, "admin", PASSWORD)
        assert "secure" in _session_cookie_flags(response)
    settings = Settings()
    settings.web.secure_cookies = True
    with TestClient(create_app(portfolio.store, settings)) as plain_http:  # behind a TLS proxy
        form = plain_http.get("/login")
        assert "secure" in [p.strip().lower() for p in form.headers["set-cookie"].split(";")]
        token = form.cookies["gw_csrf"]  # the client would not send a Secure cookie over http: a proxy's browser does
        response = plain_http.post("/login", data={"name": "admin", "password": PASSWORD, "csrf_token": token},
                                   headers={"Cookie": f"gw_csrf={token}"}, follow_redirects=False)
        assert "secure" in _session_cookie_flags(response)


def test_a_wrong_password_or_unknown_user_is_refused_without_a_session(client: TestClient) -> None:
    for name, password in (("admin", "wrong-password"), ("nobody", PASSWORD)):
        response = _post_login(client, name, password)
        assert response.status_code == 401
        assert "用户名或密码错误" in response.text
        assert "gw_session" not in client.cookies
    assert client.get("/api/v1/sites").status_code == 401


def test_failed_logins_are_throttled_per_user_and_client(client: TestClient, portfolio: Portfolio) -> None:
    for _ in range(5):  # web.login_max_failures
        assert _post_login(client, "admin", "wrong-password").status_code == 401
    refused = _post_login(client, "admin", PASSWORD)  # even the right password, now
    assert refused.status_code == 429
    assert "登录失败次数过多" in refused.text and "15分钟" in refused.text
    assert "gw_session" not in client.cookies
    with portfolio.store.engine.connect() as conn:
        counted = conn.execute(select(t.login_attempts.c.key, func.count()).group_by(t.login_attempts.c.key)).all()
    assert [(key.split("|")[0], n) for key, n in counted] == [("admin", 5)]
    assert _post_login(client, "city", PASSWORD).status_code == 303  # another user is not held back


def test_a_successful_login_forgets_earlier_failures(client: TestClient, portfolio: Portfolio) -> None:
    for _ in range(4):
        _post_login(client, "admin", "wrong-password")
    assert _post_login(client, "admin", PASSWORD).status_code == 303
    with portfolio.store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.login_attempts)).scalar() == 0


def test_the_throttle_follows_the_settings(portfolio: Portfolio) -> None:
    settings = Settings()
    settings.web.login_max_failures = 2
    with TestClient(create_app(portfolio.store, settings)) as client:
        assert [_post_login(client, "ops", "nope-nope").status_code for _ in range(3)] == [401, 401, 429]


def test_an_expired_session_or_a_disabled_user_is_signed_out(client: TestClient, portfolio: Portfolio) -> None:
    log_in(client, "admin")
    assert client.get("/api/v1/sites").status_code == 200
    with portfolio.store.engine.begin() as conn:
        conn.execute(update(t.web_sessions).values(expires_at="2000-01-01T00:00:00+00:00"))
    assert client.get("/api/v1/sites").status_code == 401
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    log_in(client, "city")
    with portfolio.store.engine.begin() as conn:
        conn.execute(update(t.users).where(t.users.c.name == "city").values(disabled=True))
    assert client.get("/api/v1/sites").status_code == 401
    assert _post_login(client, "city", PASSWORD).status_code == 401


def test_logout_ends_the_session(client: TestClient, portfolio: Portfolio) -> None:
    csrf = log_in(client, "admin")
    token = client.cookies["gw_session"]
    response = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    with portfolio.store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.web_sessions)).scalar() == 0
    client.cookies.set("gw_session", token)  # a copied cookie is worthless after logout
    assert client.get("/api/v1/sites").status_code == 401


def test_pages_redirect_to_login_and_back_but_never_off_site(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2F"
    for target, expected in (("/api/v1/orgs", "/api/v1/orgs"), ("//evil.example/x", "/"),
                             ("https://evil.example/", "/"), ("/\\evil.example", "/")):
        response = client.post("/login", data={"name": "admin", "password": PASSWORD, "next": target,
                                               "csrf_token": login_csrf(client)}, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == expected, target


def test_the_login_page_is_chinese_and_escapes_what_it_echoes(client: TestClient) -> None:
    response = client.post("/login", data={"name": "<img src=x onerror=alert(1)>", "password": "x",
                                           "csrf_token": login_csrf(client)})
    assert response.status_code == 401
    assert "登录" in response.text and 'lang="zh-CN"' in response.text
    assert "<img src=x" not in response.text and "&lt;img src=x onerror=alert(1)&gt;" in response.text
