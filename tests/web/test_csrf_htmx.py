"""htmx requests carry the CSRF token as a header: base.html.j2 renders the session's token in
``<meta name="csrf-token">`` and loads /static/csrf.js (no inline script: CSP), which copies it into
``X-CSRF-Token`` on every htmx request. The token the page shows is the one the server accepts."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from govwatch.store import web_rows
from tests.web.conftest import Portfolio, log_in

META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
HTMX = {"HX-Request": "true"}


def _page_token(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200
    assert '<script src="/static/csrf.js" defer></script>' in page.text
    assert page.text.index("/static/vendor/htmx.min.js") < page.text.index("/static/csrf.js")
    found = META.search(page.text)
    assert found, "the page renders no csrf-token meta tag"
    return found.group(1)


def test_the_pages_meta_token_is_the_sessions_and_the_script_sends_it(client: TestClient,
                                                                      portfolio: Portfolio) -> None:
    assert client.get("/login").status_code == 200 and not META.search(client.get("/login").text)
    session_token = log_in(client, "admin")
    assert _page_token(client, "/") == session_token
    assert _page_token(client, f"/sites/{portfolio.site_a}") == session_token
    script = client.get("/static/csrf.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "htmx:configRequest" in script.text and "X-CSRF-Token" in script.text
    assert 'meta[name="csrf-token"]' in script.text


def test_an_htmx_post_with_only_the_header_passes_and_without_it_is_refused(client: TestClient,
                                                                             portfolio: Portfolio) -> None:
    log_in(client, "admin")
    token = _page_token(client, f"/sites/{portfolio.site_a}")
    url = f"/sites/{portfolio.site_a}/inspect"
    refused = client.post(url, headers=HTMX)
    assert refused.status_code == 403
    assert client.post(url, headers={**HTMX, "X-CSRF-Token": "forged"}).status_code == 403
    assert web_rows.active_job_request(portfolio.store, "inspect", portfolio.site_a) is None  # nothing queued
    accepted = client.post(url, headers={**HTMX, "X-CSRF-Token": token})
    assert accepted.status_code == 202
    assert "排队中" in accepted.text  # the job fragment of the queued inspection
    assert web_rows.active_job_request(portfolio.store, "inspect", portfolio.site_a) is not None
