"""CSRF: every unsafe request of a browser session carries the session's token (form field or
htmx header) or is refused with 403; API calls with a bearer token need none and never fall back
to the cookie."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from govwatch.store import tables as t
from tests.web.conftest import PASSWORD, Portfolio, bearer, log_in, login_csrf


def _sessions(portfolio: Portfolio) -> int:
    with portfolio.store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.web_sessions)).scalar() or 0)


def test_a_form_post_without_the_token_is_refused_and_with_it_accepted(client: TestClient,
                                                                          portfolio: Portfolio) -> None:
    csrf = log_in(client, "admin")
    for data in ({}, {"csrf_token": ""}, {"csrf_token": csrf[:-1] + ("A" if csrf[-1] != "A" else "B")}):
        refused = client.post("/logout", data=data, follow_redirects=False)
        assert refused.status_code == 403
        assert "CSRF" in refused.text and "安全令牌" in refused.text  # the Chinese error page
        assert _sessions(portfolio) == 1  # nothing happened
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert _sessions(portfolio) == 0


def test_the_login_form_needs_its_own_token(client: TestClient, portfolio: Portfolio) -> None:
    no_token = client.post("/login", data={"name": "admin", "password": PASSWORD}, follow_redirects=False)
    assert no_token.status_code == 403 and "gw_session" not in client.cookies
    token = login_csrf(client)
    client.cookies.delete("gw_csrf")  # a cross-site form has the field but not the cookie
    forged = client.post("/login", data={"name": "admin", "password": PASSWORD, "csrf_token": token},
                         follow_redirects=False)
    assert forged.status_code == 403 and _sessions(portfolio) == 0


def test_htmx_sends_the_token_as_a_header(client: TestClient, portfolio: Portfolio) -> None:
    csrf = log_in(client, "admin")
    url = f"/api/v1/sites/{portfolio.site_a}/inspect"
    assert client.post(url).status_code == 403
    assert client.post(url, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.post(url, headers={"X-CSRF-Token": csrf}).status_code == 202


def test_another_sessions_token_does_not_count(client: TestClient, portfolio: Portfolio) -> None:
    with TestClient(client.app) as other:
        others = log_in(other, "admin")
    log_in(client, "admin")
    assert client.post("/logout", data={"csrf_token": others}, follow_redirects=False).status_code == 403


def test_bearer_requests_need_no_csrf_token_and_never_use_the_cookie(client: TestClient,
                                                                      portfolio: Portfolio) -> None:
    url = f"/api/v1/sites/{portfolio.site_a}/inspect"
    assert client.post(url, headers=bearer(portfolio.store, "city")).status_code == 202
    log_in(client, "admin")  # a valid session cookie beside a wrong token: the token decides
    assert client.post(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/api/v1/sites", headers={"Authorization": "Basic YWRtaW46eA=="}).status_code == 401
