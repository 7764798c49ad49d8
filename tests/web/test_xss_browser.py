"""Crawled text is attacker-controlled: a hand-written site whose title, headings, link texts,
message board and footer carry ``<script>``, ``onerror=`` and ``javascript:`` payloads (raw, and
as text the extractor reads back as markup), inspected with the CLI and served by ``govwatch
serve``; every dashboard page that shows it is opened in chromium. Every payload would set
``window.__xss`` or open a dialog: neither happens, no console or page error is seen, no payload
element exists in the dashboard's DOM, and the payload text is shown as text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.local_http import serve_folder
from tests.registry.registry_helpers import _row, write_csv
from tests.web.browser_support import Problems, chromium, dashboard, inspected_store, sign_in

IMG = '<img src=x onerror="window.__xss=1">'
SCRIPT = "<script>window.__xss=1;alert(1)</script>"
JS_URL = "javascript:window.__xss=1"
SHOWN = 'onerror="window.__xss=1"'  # what the office sees, printed as text
ESCAPED_IMG = IMG.replace("<", "&lt;").replace(">", "&gt;")
ESCAPED_SCRIPT = SCRIPT.replace("<", "&lt;").replace(">", "&gt;")
SITE_NAME = f"青山县人民政府{IMG}"


def _page(title: str, body: str) -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>{SCRIPT}</head>"
            f"<body onload=\"window.__xss=1\">{body}<div class='footer'>主办单位：青山县人民政府办公室"
            f"{ESCAPED_IMG}{IMG} 网站标识码：4501210001 <a href=\"{JS_URL}\">联系我们{ESCAPED_SCRIPT}</a></div>"
            "</body></html>")


def hostile_site(root: Path) -> Path:
    """The site's files: a homepage, a dated news column (old items: it is overdue), a message
    board and an article, each with payloads in the title, link texts and footer; broken links
    whose texts are payloads (they become findings quoting them)."""
    items = "".join(f'<li><a href="/news/{n}.html">{ESCAPED_IMG}通知{n}</a><span>2025-0{n}-01</span></li>'
                    for n in range(1, 6))
    (root / "news").mkdir(parents=True)
    (root / "index.html").write_text(_page(
        f"青山县人民政府{ESCAPED_SCRIPT}",
        f"<h1>青山县人民政府{ESCAPED_IMG}</h1>"
        f"<h2>通知公告{ESCAPED_IMG}</h2><ul>{items}</ul><a href=\"/news/index.html\">更多</a>"
        f"<a href=\"/gone-1.html\">{ESCAPED_IMG}政策文件下载</a> <a href=\"/gone-2.html\">{ESCAPED_SCRIPT}办事指南</a>"
        f"<a href=\"{JS_URL}\">{ESCAPED_IMG}在线服务</a> <a href=\"/board.html\">留言板</a>"
        f"<p>网上赌场{ESCAPED_IMG}</p>"), encoding="utf-8")
    (root / "news" / "index.html").write_text(_page(
        f"通知公告{ESCAPED_IMG}", f"<h1>通知公告{ESCAPED_IMG}</h1><ul>{items}</ul>"), encoding="utf-8")
    for n in range(1, 6):
        (root / "news" / f"{n}.html").write_text(_page(
            f"通知{n}{ESCAPED_SCRIPT}", f"<h1>通知{n}{ESCAPED_IMG}</h1><p>发布时间：2025-0{n}-01</p>"
            f"<p>国务院总理李墙{ESCAPED_IMG}讲话。</p>"), encoding="utf-8")
    (root / "board.html").write_text(_page(
        f"留言板{ESCAPED_SCRIPT}",
        "<h1>留言板</h1>" + "".join(f"<div class='msg'><h3>留言{n}：{ESCAPED_IMG}</h3><p>{ESCAPED_SCRIPT}"
                                     f"<a href=\"{JS_URL}\">回复{ESCAPED_IMG}</a></p><span>2025-0{n}-02</span></div>"
                                     for n in range(1, 4))), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("xss")
    with serve_folder(hostile_site(folder / "site")) as site:
        url = f"{site}/"
        registry = write_csv(folder / "r.csv", [_row(SITE_NAME, url, "4501210001", "本级门户", "县级", "450121",
                                                      f"青山县{IMG}", "")])
        documents = inspected_store(folder, registry)
        with dashboard(folder) as base:
            yield {"base": base, "document": documents[url]}


def assert_inert(page: Any, dialogs: list[str], where: str) -> None:
    """No payload ran on this page, and no payload element is in the dashboard's own DOM."""
    assert not dialogs, (where, dialogs)
    assert page.evaluate("() => window.__xss") is None, where
    assert page.locator('img[src="x"], main script:not([type="application/json"])').count() == 0, where
    assert page.locator('a[href^="javascript:"]').count() == 0, where


def test_hostile_crawled_text_is_shown_escaped_on_every_page(served: dict[str, Any]) -> None:
    base, document, problems = served["base"], served["document"], Problems()
    messages = [f["message"] for f in document["findings"]]
    assert any("onerror" in m for m in messages), messages  # findings quote the payloads
    with chromium() as browser:
        page = sign_in(browser, base, problems)
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

        shown: dict[str, str] = {}
        for where in ("/", "/orgs", "/warnings", "/alerts", "/admin/sites"):
            page.goto(f"{base}{where}")
            assert_inert(page, dialogs, where)
            shown[where] = page.inner_text("main")
        assert SHOWN in shown["/"] and SHOWN in shown["/admin/sites"]  # the site's name, printed as text
        assert SHOWN in shown["/orgs"]  # the org's name

        page.goto(f"{base}/")
        page.locator("main").get_by_role("link", name=SITE_NAME, exact=True).first.click()
        page.wait_for_url(f"{base}/sites/*")
        assert_inert(page, dialogs, page.url)
        assert SITE_NAME in page.inner_text("h1")
        site_text = page.inner_text("main")
        quoted = [m for m in messages if "onerror" in m]
        assert any(m in site_text for m in quoted), quoted  # a finding quoting a payload, verbatim

        links = page.locator('#findings a:text-is("查看")')
        finding_urls = [base + str(links.nth(i).get_attribute("href")) for i in range(links.count())]
        assert finding_urls
        for url in finding_urls:
            page.goto(url)
            assert_inert(page, dialogs, url)
            frame = page.frame_locator("iframe")
            if page.locator("iframe").count():
                page.locator("iframe").scroll_into_view_if_needed()
                body = frame.locator("body")
                body.wait_for(state="attached")
                assert frame.locator("script, img[src='x'], [onerror], [onload], a[href^='javascript:']").count() == 0
                assert SHOWN in body.inner_text()  # the escaped payload is the page's text
        snapshot = page.request.get(finding_urls[0] + "/snapshot")
        assert snapshot.ok and "<script" not in snapshot.text().lower()
        assert page.evaluate("() => window.__xss") is None and not dialogs
    problems.assert_none()
