"""PDF of the inspection report: the HTML report printed by the system's headless Chromium.

The browser is Debian's (``render.executable``: /usr/bin/chromium-headless-shell when installed,
else /usr/bin/chromium) driven by Playwright; govwatch never downloads one. The page is loaded
from a string and every network request it would make is refused, so nothing
leaves the machine. Fonts come from the system (fonts-noto-cjk), so Chinese
text is embedded as text, not as pictures (and :mod:`govwatch.report.pdftext`
makes it copy as the ideographs printed). A missing or broken browser raises
:class:`ReportError` with what to install.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
from pathlib import Path
from typing import Any

from govwatch.core.settings import RenderSettings
from govwatch.crawl.render import CHROMIUM_FLAGS
from govwatch.report.html import render_html
from govwatch.report.pdftext import fix_tounicode
from govwatch.report.report_error import ReportError

FOOTER = ('<div style="width:100%;font-size:8px;color:#666;text-align:center;'
          'font-family:\'Noto Sans CJK SC\',sans-serif">{site} · 检查报告 · 第 <span class="pageNumber"></span> 页'
          ' / 共 <span class="totalPages"></span> 页</div>')
LAUNCH_TIMEOUT_S = 30


def _executable(executable: str | None) -> str:
    path = executable or RenderSettings().executable
    if not os.access(path, os.X_OK):
        raise ReportError(f"无法生成PDF报告：{path} 处没有可用的浏览器（请安装Debian的chromium-headless-shell或chromium软件包："
                          "apt-get install chromium-headless-shell fonts-noto-cjk；或将 render.executable 设为Chromium程序的路径）")
    return path


def _print(html: str, target: Path, executable: str, site: str) -> None:
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a dependency
        raise ReportError(f"无法生成PDF报告：未安装Playwright（{exc}）；请执行 pip install playwright"
                          "（无需下载浏览器）") from None
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS,
                                         timeout=LAUNCH_TIMEOUT_S * 1000)
            try:
                context = browser.new_context(service_workers="block")
                context.route("**/*", lambda route: route.abort())  # self-contained: nothing to fetch
                page = context.new_page()
                page.set_content(html, wait_until="load")
                page.emulate_media(media="print")
                page.pdf(path=str(target), format="A4", print_background=True, display_header_footer=True,
                         header_template="<div></div>", footer_template=FOOTER.format(site=_escape(site)),
                         margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"})
            finally:
                browser.close()
    except PlaywrightError as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ReportError(f"无法用 {executable} 生成PDF报告：{first}（请确认已安装Debian的chromium-headless-shell或chromium软件包且能正常运行："
                          "apt-get install chromium-headless-shell fonts-noto-cjk）") from None


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_pdf(document: dict[str, Any], out_dir: Path, *, executable: str | None = None) -> Path:
    """Write ``report.pdf`` (A4) into ``out_dir`` and return its path.

    ``executable`` is the Chromium binary (default: ``render.executable``'s default,
    ``core.settings.default_browser()``). Raises :class:`ReportError` when no usable browser is there.
    """
    browser = _executable(executable)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "report.pdf"
    html = render_html(document)
    site = (document.get("site") or {}).get("name") or (document.get("site") or {}).get("url") or ""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        _print(html, target, browser, site)
    else:  # Playwright's sync API refuses to run inside an event loop: print from a worker thread
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(_print, html, target, browser, site).result()
    fix_tounicode(target)  # copied text reads 网站, not the radical ⽹站 (see pdftext)
    return target
