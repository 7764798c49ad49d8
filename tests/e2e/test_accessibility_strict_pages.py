"""The accessibility probe on a homepage that forbids scripts it did not serve, and whose 无障碍 entry
exists only in the rendered DOM.

axe-core is evaluated in the page's main world (not added as a ``<script>`` element) and the homepage's
DOM is read there too; this test pins what that must keep: a Content-Security-Policy without
``'unsafe-eval'`` or inline scripts does not stop axe-core, axe-core's
findings are the page's (one image without ``alt``, one link without a name), and the entry a script
adds when the page has loaded is found. Truth is the hand-written page below.
"""

from __future__ import annotations

import asyncio
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from govwatch.core.settings import RenderSettings
from govwatch.crawl.sitefacts.accessibility import probe_accessibility
from tests.checks.casefiles import build_run
from tests.e2e.local_http import serving
from tests.e2e.test_accessibility_sim import CHROMIUM, _require_browser

STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'"
HOME = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>示例市人民政府</title>
<script src="/late.js"></script></head>
<body><h1>示例市人民政府</h1><img src="/logo.png"><a href="/news/"></a><p>政务动态</p></body></html>"""
LATE_JS = """window.addEventListener('load', () => {
  const a = document.createElement('a'); a.href = '/wza/'; a.textContent = '无障碍浏览'; document.body.appendChild(a);
});"""
FILES = {"/": ("text/html; charset=utf-8", HOME), "/late.js": ("text/javascript", LATE_JS)}


class _StrictHandler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - the http.server interface
        content_type, text = FILES.get(self.path, ("text/plain", "not found"))
        body = text.encode("utf-8")
        self.send_response(200 if self.path in FILES else 404)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Security-Policy", STRICT_CSP)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def fact() -> dict[str, Any]:
    _require_browser()
    with serving(_StrictHandler) as base:
        data = build_run({"check": "accessibility.axe", "as_of": "2026-11-22"}, {"site": base + "/", "pages": [{"url": ""}]})
        return asyncio.run(probe_accessibility(data, RenderSettings(executable=CHROMIUM), user_agent="govwatch-test",
                                               per_type=0, max_pages=1, allowed=lambda _url: True))


def test_axe_core_runs_under_a_strict_content_security_policy(fact: dict[str, Any]) -> None:
    assert fact["homepage_checked"] and fact["axe_version"], fact
    (home,) = fact["pages"]
    found = {v["rule"]: v["count"] for v in home["violations"]}
    assert found == {"image-alt": 1, "link-name": 1}, home


def test_the_entry_added_after_load_is_found_in_the_rendered_dom(fact: dict[str, Any]) -> None:
    assert fact["entry"] == {"how": "text", "word": "无障碍", "text": "无障碍浏览"}
