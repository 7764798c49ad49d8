"""Security headers on every response (pages, API, errors, redirects, static files), and the
Chinese error pages."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import Portfolio, log_in

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'")


def _assert_secure(response: object, path: str) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["content-security-policy"] == CSP, path
    assert headers["x-content-type-options"] == "nosniff", path
    assert headers["referrer-policy"] == "same-origin", path


@pytest.mark.parametrize("method,path", [
    ("GET", "/login"), ("GET", "/"), ("GET", "/api/v1/sites"), ("GET", "/api/v1/openapi.json"),
    ("GET", "/no/such/page"), ("GET", "/static/no-such-file.css"), ("POST", "/logout"), ("POST", "/login"),
    ("GET", "/api/v1/sites/abc"),
])
def test_every_response_carries_the_security_headers(client: TestClient, method: str, path: str) -> None:
    _assert_secure(client.request(method, path, follow_redirects=False), path)


def test_signed_in_pages_and_api_answers_are_not_cached(client: TestClient, portfolio: Portfolio) -> None:
    log_in(client, "admin")
    for path in ("/", "/api/v1/sites", f"/api/v1/sites/{portfolio.site_a}/findings"):
        response = client.get(path)
        assert response.status_code == 200
        _assert_secure(response, path)
        assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path,status,text", [
    ("/no/such/page", 404, "页面不存在"),
])
def test_error_pages_are_chinese_html(client: TestClient, path: str, status: int, text: str) -> None:
    response = client.get(path)
    assert response.status_code == status and response.headers["content-type"].startswith("text/html")
    assert text in response.text and 'lang="zh-CN"' in response.text


def test_api_errors_stay_json(client: TestClient) -> None:
    response = client.get("/api/v1/sites/12345")
    assert response.status_code == 401 and response.json() == {"detail": "需要登录或访问令牌"}
