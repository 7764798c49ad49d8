"""Accessibility probe (信息无障碍 / 适老化): axe-core in Debian chromium on a sample of pages.

The homepage and the ``per_type`` list pages, articles and other pages nearest it (by depth, then
URL; at most ``max_pages`` in all: :func:`sample_pages`) are loaded in the system's chromium
(Playwright with ``render.executable``: by default Debian's chromium-headless-shell when installed,
else the full chromium; no browser is ever downloaded) with their style sheets, so contrast is
measured as people see it. axe-core (``node_modules/axe-core/axe.min.js``, an npm dependency that
``scripts/bootstrap`` installs) runs only the rules that ``govwatch/data/accessibility.yaml`` maps
to a national requirement. What is stored per page: each violated rule with its impact, the number
of elements and the first :data:`MAX_NODES` of them (CSS selector, HTML truncated). The homepage's
rendered DOM is also searched for the entry of the 无障碍 / 适老化 service
(:func:`govwatch.crawl.sitefacts.accessibility_map.find_entry`).

A browser or axe-core that is missing stores ``{"unavailable": reason}``: the check then says it
could not judge. ``checks/accessibility.py`` judges the fact; nothing here decides a finding.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from govwatch.core.settings import RenderSettings
from govwatch.crawl.render import CHROMIUM_FLAGS
from govwatch.crawl.sitefacts.accessibility_map import find_entry, requirements
from govwatch.rundata import RunData

PAGE_TYPES = ("list", "article", "other")
MAX_NODES = 5  # elements kept per violated rule
MAX_HTML_CHARS = 200  # of each element's HTML
AXE_TIMEOUTS = 2  # axe-core gets this many render.timeout periods per page
ASSETS_ENV = "GOVWATCH_ASSETS_DIR"  # the dashboard's variable (web/assets.py): node_modules or the folder holding it
AXE_PATH = Path("axe-core") / "axe.min.js"
_SKIPPED_RESOURCES = frozenset({"image", "media", "font"})  # style sheets load: contrast needs them


def axe_script(search: list[Path] | None = None) -> Path | None:
    """axe-core's ``axe.min.js``: under ``GOVWATCH_ASSETS_DIR`` when set (``node_modules`` or its folder),
    else in the ``node_modules`` beside the source tree (an editable install) or in the working directory."""
    if search is None:
        given = os.environ.get(ASSETS_ENV)
        here = Path(__file__).resolve()
        search = [Path(given)] if given else [*here.parents[3:6], Path.cwd()]
    for folder in search:
        for root in (folder, folder / "node_modules"):
            if (root / AXE_PATH).is_file():
                return root / AXE_PATH
    return None


def sample_pages(data: RunData, per_type: int, max_pages: int) -> list[tuple[str, str]]:
    """(url, page type) to test: the homepage, then the ``per_type`` HTML pages of each type read
    without error that are nearest the homepage (by depth, then URL); at most ``max_pages``. Not
    crawl order: concurrent fetches finish in any order, and a resumed or repeated inspection of an
    unchanged site must test the same pages (and so report the same findings)."""
    chosen: list[tuple[str, str]] = []
    if data.homepage() is not None:
        chosen.append((data.site_url, "home"))
    candidates: list[tuple[int, str, str]] = []  # (depth, url, page type)
    for url, facts in data.pages():
        kind = facts.get("page_type")
        if kind in PAGE_TYPES and url not in data.homepage_urls:
            candidates.append((int(facts.get("depth") or 0), url, kind))
    counts = dict.fromkeys(PAGE_TYPES, 0)
    for _depth, url, kind in sorted(candidates):
        if len(chosen) >= max_pages:
            break
        if counts[kind] < per_type and _read_ok(data, url):  # looked up for the pages taken only: a
            counts[kind] += 1  # few fetch rows read one by one, not every row of the run
            chosen.append((url, kind))
    return chosen


def _read_ok(data: RunData, url: str) -> bool:
    row = data.fetches.get(url) or {}
    return not row.get("error") and 200 <= (row.get("status") or 0) < 300 and "html" in (row.get("content_type") or "html")


def _violation(raw: dict[str, Any]) -> dict[str, Any]:
    nodes = raw.get("nodes") or []
    return {"rule": raw["id"], "impact": raw.get("impact"), "count": len(nodes),
            "nodes": [{"target": " ".join(str(t) for t in node.get("target") or []),
                       "html": str(node.get("html") or "")[:MAX_HTML_CHARS]} for node in nodes[:MAX_NODES]]}


# axe-core is evaluated in the page's main world rather than added as a <script> element: the element's
# 650 KB of text stayed in the DOM, and the homepage's renderer peaked ~14 MB higher (bench/accessibility_pass.py).
_AXE_LOAD = "(source) => { (0, eval)(source); }"
# The rendered DOM as ``page.content()`` serialises it, read in the main world: ``content()`` runs in
# Playwright's utility world, whose injected script cost the renderer another ~3 MB.
_DOM_HTML = """() => (document.doctype ? new XMLSerializer().serializeToString(document.doctype) : '')
  + (document.documentElement ? document.documentElement.outerHTML : '')"""
_AXE_RUN = """async (rules) => {
  const result = await axe.run(document, {runOnly: {type: 'rule', values: rules}, resultTypes: ['violations']});
  return {version: axe.version, violations: result.violations};
}"""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


async def probe_accessibility(data: RunData, render: RenderSettings, *, user_agent: str, per_type: int,
                              max_pages: int, allowed: Callable[[str], bool],
                              axe_file: Path | None = None) -> dict[str, Any]:
    """Run axe-core on the sample in chromium and look for the homepage entry; the run fact ``accessibility``."""
    pages = sample_pages(data, per_type, max_pages)
    axe_file = axe_file or axe_script()
    if axe_file is None:
        return {"unavailable": "未安装 axe-core（在 govwatch 目录运行 scripts/bootstrap 或 npm ci）"}
    if not os.access(render.executable, os.X_OK):
        return {"unavailable": f"未找到浏览器 {render.executable}（请安装 Debian 的 chromium-headless-shell 或 chromium "
                               "软件包，或设置 render.executable）"}
    if not pages:
        return {"unavailable": "没有可供无障碍检测的页面（首页未能读取）"}
    source = axe_file.read_text(encoding="utf-8")
    from playwright.async_api import async_playwright

    async def route(request_route: Any) -> None:
        request = request_route.request
        if request.resource_type in _SKIPPED_RESOURCES or not allowed(request.url):
            await request_route.abort()
        else:
            await request_route.continue_()

    measured: list[dict[str, Any]] = []
    entry: dict[str, str] | None = None
    version = ""
    async with async_playwright() as playwright:
        try:
            browser = await playwright.chromium.launch(executable_path=render.executable, headless=True,
                                                       args=CHROMIUM_FLAGS, timeout=render.timeout * 1000)
        except Exception as exc:  # noqa: BLE001 - a browser that cannot start: the check is not assessed
            return {"unavailable": f"浏览器 {render.executable} 无法启动：{_first_line(exc)}"}
        try:
            context = await browser.new_context(user_agent=user_agent, bypass_csp=True, service_workers="block",
                                                viewport={"width": 1280, "height": 900}, locale="zh-CN")
            await context.route("**/*", route)
            for url, page_type in pages:
                page = await context.new_page()
                row: dict[str, Any] = {"url": url, "page_type": page_type}
                try:
                    await page.goto(url, wait_until="load", timeout=render.timeout * 1000)
                    await page.evaluate(_AXE_LOAD, source)
                    result = await asyncio.wait_for(page.evaluate(_AXE_RUN, sorted(requirements())),
                                                    render.timeout * AXE_TIMEOUTS)
                    version = result["version"]
                    row["violations"] = [_violation(v) for v in result["violations"]]
                    if page_type == "home":
                        entry = find_entry(await page.evaluate(_DOM_HTML))
                        row["entry"] = entry
                except Exception as exc:  # noqa: BLE001 - one page that fails is recorded, the others go on
                    row["error"] = _first_line(exc)
                finally:
                    await page.close()
                measured.append(row)
        finally:
            await browser.close()
    home = next((p for p in measured if p["page_type"] == "home"), None)
    return {"axe_version": version, "rules": sorted(requirements()), "sample": len(measured), "pages": measured,
            "homepage_checked": home is not None and "error" not in home, "entry": entry}

