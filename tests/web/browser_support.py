"""Shared parts of the browser tests: ``govwatch serve`` over a registered, inspected store in a
subprocess on 127.0.0.1, and a real chromium (``/usr/bin/chromium``, never downloaded) signed in
as an admin, with every console error and page error recorded."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from govwatch.commands.main import main
from tests.conftest import AS_OF
from tests.service.conftest import write_settings
from tests.service.test_serve_web import up
from tests.service.test_service_cli import free_port, serve
from tests.service.test_service_e2e import stop

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "browser-pass-1"
ADMIN = "管理员"
CONFIG = "use_registry: true\nschedule: {probe_interval: 1h, patrol: 'off', full_scan: 'off'}\n"
WAIT_MS = 60_000  # generous bound for each wait in the browser on a loaded machine
VIEWPORT = {"width": 1280, "height": 900}


def govwatch(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The ``govwatch`` CLI in a subprocess (bounded)."""
    return subprocess.run([sys.executable, "-m", "govwatch", *args], input=stdin, capture_output=True, text=True,
                          timeout=600)


def inspected_store(folder: Path, registry: Path) -> dict[str, dict[str, Any]]:
    """Import ``registry`` into ``folder/g.db``, add the admin, inspect every site with the CLI (as of
    ``AS_OF``); returns each site's inspection document (``inspection.json``) by homepage URL."""
    db = folder / "g.db"
    assert main(["sites", "import", str(registry), "--db", str(db)]) == 0
    added = govwatch("user", "add", ADMIN, "--role", "admin", "--db", str(db), stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    out = folder / "reports"
    inspected = govwatch("inspect", "--all", "--db", str(db), "--config", str(write_settings(folder)),
                         "--as-of", AS_OF.isoformat(), "--allow-private", "127.0.0.0/8", "--out", str(out),
                         "--formats", "json")
    assert inspected.returncode in (0, 1), inspected.stderr  # 1: a site failed the inspection (not a crash)
    documents = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*/inspection.json"))]
    assert documents, (inspected.stdout, inspected.stderr)
    return {doc["site"]["url"]: doc for doc in documents}


@contextmanager
def dashboard(folder: Path) -> Iterator[str]:
    """``govwatch serve`` (alerts off) over ``folder/g.db`` on a free port; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = serve(folder, CONFIG, "--port", str(port))
    try:
        up(base, proc)
        yield base
        stop(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@dataclass
class Problems:
    """Console errors and uncaught page errors seen in a browser context (none are allowed)."""

    console: list[str] = field(default_factory=list)
    page: list[str] = field(default_factory=list)

    def watch(self, page: Any) -> None:
        page.on("console", lambda msg: self.console.append(f"{page.url}: {msg.text}") if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.page.append(f"{page.url}: {exc}"))

    def assert_none(self) -> None:
        assert not self.console and not self.page, (self.console, self.page)


@contextmanager
def chromium() -> Iterator[Any]:
    """The system's chromium through Playwright (headless); skipped when either is missing."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} is not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def sign_in(browser: Any, base: str, problems: Problems) -> Any:
    """A new page (1280 wide, downloads accepted) signed in as the admin, watched by ``problems``."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, locale="zh-CN")
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    problems.watch(page)
    page.goto(f"{base}/login")
    page.fill("#name", ADMIN)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def axe_violations(page: Any, base: str) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page (axe served at /static/vendor in test installs)."""
    page.add_script_tag(url=f"{base}/static/vendor/axe.min.js")
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.html)}))")
    return found
