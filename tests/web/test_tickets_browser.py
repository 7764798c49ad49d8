"""整改工单 and 找错/留言 in a real chromium: ``govwatch serve`` over a registry of one simulated site,
inspected with the CLI first. An admin issues the run's tickets, sends the 整改通知 (and downloads its
Word file), the site's operator answers one with a file chosen in the browser's file input, the
admin sees the answer and its attachment; then the admin enters a 留言 and an overdue 找错. No console or page error (a
CSP violation is one), axe-core without serious or critical violations on every new page; the pages
are shot into docs/screenshots/ (tickets.png, inbox.png) only with ``GOVWATCH_SCREENSHOTS=1``."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govwatch.sim.registry_sheet import write_registry_csv
from tests.conftest import AS_OF
from tests.web.browser_support import (
    VIEWPORT,
    WAIT_MS,
    Problems,
    axe_violations,
    chromium,
    dashboard,
    govwatch,
    inspected_store,
    sign_in,
)

DOC_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
OPERATOR, OPERATOR_PASSWORD = "运维小王", "operator-pass-1"
REPLY_FILE = b"%PDF-1.4\n% a reply's scanned letter\n"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One simulated city portal, registered, inspected and served; an operator of it."""
    from govwatch.sim import SimOptions, SimServer, SiteSpec

    folder = tmp_path_factory.mktemp("tickets-browser")
    options = SimOptions(seed=7, as_of=AS_OF, site_pages=50, hostile=False,
                         sites=(SiteSpec("trs", "trs", "host", "city"),))
    with SimServer(options).running() as sim:
        registry = write_registry_csv(options, sim.manifest, folder / "registry.csv")
        documents = inspected_store(folder, registry)
        (url,) = documents
        added = govwatch("user", "add", OPERATOR, "--role", "operator", "--site", url, "--db", str(folder / "g.db"),
                         stdin=OPERATOR_PASSWORD + "\n")
        assert added.returncode == 0, added.stderr
        with dashboard(folder) as base:
            yield {"base": base, "document": documents[url], "name": sim.manifest["sites"]["trs"]["name"]}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return DOC_SCREENSHOTS if os.environ.get("GOVWATCH_SCREENSHOTS") == "1" else tmp_path_factory.mktemp("shots")


def shoot(page: Any, folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    assert (folder / f"{name}.png").stat().st_size > 10_000  # a rendered page, not a blank one


def accessible(page: Any, base: str) -> None:
    violations = axe_violations(page, base)
    assert not violations, (page.url, violations)


def operator_page(browser: Any, base: str, problems: Problems) -> Any:
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, locale="zh-CN")
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    problems.watch(page)
    page.goto(f"{base}/login")
    page.fill("#name", OPERATOR)
    page.fill("#password", OPERATOR_PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def test_the_ticket_flow_in_the_browser(served: dict[str, Any], browser: Any, screenshots: Path,
                                        tmp_path: Path) -> None:
    base, problems = served["base"], Problems()
    page = sign_in(browser, base, problems)
    page.click('nav.main-nav a:text-is("整改工单")')
    page.wait_for_url(f"{base}/tickets")
    accessible(page, base)
    page.select_option("#site", label=served["name"])
    page.click('form.filter button[type=submit]')
    page.wait_for_url(f"{base}/tickets?*site=*")
    page.click('button:text-is("生成工单")')
    page.wait_for_url(f"{base}/tickets?*done=issued*")
    made = int(re.search(r"已生成(\d+)张", page.inner_text("main")).group(1))  # type: ignore[union-attr]
    assert made > 0
    assert page.locator("#ticket-table tbody tr[data-ticket]").count() == min(made, 50)

    page.fill("#doc_number", "宁网整〔2026〕7号")
    page.fill("#issuer", "宁川市政务服务管理办公室")
    page.click('button:text-is("下发整改通知")')
    page.wait_for_url(f"{base}/tickets?*done=notified*")
    assert f"{made}张工单进入" in page.inner_text("main")
    with page.expect_download() as download:
        page.click('a:text-is("下载整改通知（Word）")')
    path = download.value.path()
    assert path is not None and Path(path).read_bytes()[:2] == b"PK"
    assert download.value.suggested_filename.endswith(".docx")
    shoot(page, screenshots, "tickets")
    accessible(page, base)
    first = page.locator("#ticket-table tbody tr[data-ticket]").first.get_attribute("data-ticket")

    ops = operator_page(browser, base, problems)
    ops.goto(f"{base}/tickets/{first}")
    assert ops.inner_text("h1").startswith(f"整改工单 #{first}")
    ops.fill("#reply-text", "已按通知整改，附整改说明。")
    letter = tmp_path / "整改说明.pdf"
    letter.write_bytes(REPLY_FILE)
    ops.set_input_files("#reply-files", str(letter))
    ops.click('button:text-is("提交反馈")')
    ops.wait_for_url(f"{base}/tickets/{first}?done=replied")
    assert "已反馈" in ops.inner_text("main")
    accessible(ops, base)

    page.goto(f"{base}/tickets/{first}")
    assert "已按通知整改" in page.inner_text("main") and "整改说明.pdf" in page.inner_text("#attachments")
    with page.expect_download() as attachment:
        page.locator("#attachments a").first.click()
    saved = attachment.value.path()
    assert saved is not None and Path(saved).read_bytes() == REPLY_FILE
    assert attachment.value.suggested_filename == "整改说明.pdf"
    shoot(page, tmp_path, "ticket")  # the ticket's own page, rendered (kept with the test's files)
    accessible(page, base)
    problems.assert_none()


def test_inbox_entry_in_the_browser(served: dict[str, Any], browser: Any, screenshots: Path) -> None:
    base, problems = served["base"], Problems()
    page = sign_in(browser, base, problems)
    page.click('nav.main-nav a:text-is("找错/留言")')
    page.wait_for_url(f"{base}/inbox")
    page.select_option("#add-channel", "message")
    page.select_option("#add-category", "投诉")
    page.select_option("#add-site", label=served["name"])
    page.fill("#add-title", "政务公开栏目长期未更新")
    page.fill("#add-content", "该栏目最近一条信息是半年前发布的。")
    page.fill("#add-reporter", "网民乙")
    page.click('button:text-is("登记")')
    page.wait_for_url(f"{base}/inbox/*?done=added")
    assert "待转办" in page.inner_text("main") and "投诉" in page.inner_text("main")
    accessible(page, base)
    page.click('button:text-is("转办至网站主办单位")')
    page.wait_for_url(f"{base}/inbox/*?done=forwarded")
    page.goto(f"{base}/inbox")
    page.select_option("#add-site", label=served["name"])
    page.fill("#add-received", "2026-11-30 10:00")  # a Monday: 转办 due 12-01, 答复 12-03, both long past
    page.fill("#add-title", "首页“领导信息”链接打不开")
    page.click('button:text-is("登记")')
    page.wait_for_url(f"{base}/inbox/*?done=added")
    assert "2026-12-01 23:59" in page.inner_text("main") and "转办超期" in page.inner_text("main")
    page.goto(f"{base}/inbox")
    rows = page.locator("#report-table tbody tr[data-report]")
    assert rows.count() == 2
    assert rows.first.get_attribute("class") == "row-overdue" and "首页“领导信息”" in rows.first.inner_text()
    shoot(page, screenshots, "inbox")
    accessible(page, base)
    problems.assert_none()
