"""The dashboard in a real chromium: ``govwatch serve`` over a registry of two simulated sites,
inspected with the CLI first, driven the way an office would use it — sign in, read 总览, drill
down 组织 → org → site → finding (the snapshot's highlight), filter 预警 (htmx), run 立即检查 until
its job is done, download the Word report. No console error or page error is allowed (a CSP
violation is one), axe-core finds no serious or critical violation, and the pages are screenshot
(full page, 1280 wide): into docs/screenshots/ for the README when ``GOVWATCH_SCREENSHOTS=1``, else
into the test's temporary folder (so a test run leaves the checkout as it was)."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govwatch.sim.registry_sheet import write_registry_csv
from tests.conftest import AS_OF
from tests.web.browser_support import WAIT_MS, Problems, axe_violations, chromium, dashboard, inspected_store, sign_in

DOC_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
JOB_LIMIT_MS = 300_000  # generous bound for a whole inspection of a 50-page site on a loaded machine


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Two simulated sites (a city portal, a county portal under it), registered, inspected, served."""
    from govwatch.sim import SimOptions, SimServer, SiteSpec

    folder = tmp_path_factory.mktemp("browser")
    options = SimOptions(seed=7, as_of=AS_OF, site_pages=50, hostile=False,
                         sites=(SiteSpec("trs", "trs", "host", "city"), SiteSpec("jcms", "jcms", "host", "county")))
    with SimServer(options).running() as sim:
        registry = write_registry_csv(options, sim.manifest, folder / "registry.csv")
        documents = inspected_store(folder, registry)
        with dashboard(folder) as base:
            yield {"base": base, "documents": documents, "manifest": sim.manifest}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the pages are shot: docs/screenshots/ only when asked (``GOVWATCH_SCREENSHOTS=1``)."""
    return DOC_SCREENSHOTS if os.environ.get("GOVWATCH_SCREENSHOTS") == "1" else tmp_path_factory.mktemp("shots")


def shoot(page: Any, folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    assert (folder / f"{name}.png").stat().st_size > 10_000  # a rendered page, not a blank one


def accessible(page: Any, base: str) -> None:
    violations = axe_violations(page, base)
    assert not violations, (page.url, violations)


def test_overview_shows_the_verdict_counts_of_the_inspections(served: dict[str, Any], browser: Any, screenshots: Path) -> None:
    base, problems = served["base"], Problems()
    page = sign_in(browser, base, problems)
    expected = Counter(doc.get("verdict") or "未评定" for doc in served["documents"].values())
    assert sum(expected.values()) == 2
    assert page.inner_text("#count-total .value") == "2"
    for verdict in ("合格", "不合格", "未评定"):
        assert page.inner_text(f'.card[data-verdict="{verdict}"] .value') == str(expected[verdict]), verdict
    page.wait_for_selector("#verdict-chart canvas, #verdict-chart svg")  # echarts drew the chart (script-src 'self')
    shoot(page, screenshots, "overview")
    accessible(page, base)
    problems.assert_none()


def test_drill_down_to_a_finding_with_its_highlight_and_the_word_report(served: dict[str, Any], browser: Any, screenshots: Path) -> None:
    base, problems = served["base"], Problems()
    page = sign_in(browser, base, problems)
    county = served["manifest"]["sites"]["jcms"]
    org_name = county["sponsor"].removesuffix("办公室")  # the registry sheet's org of a county portal

    page.click('nav.main-nav a:text-is("组织")')
    page.wait_for_url(f"{base}/orgs")
    shoot(page, screenshots, "orgs")
    accessible(page, base)
    page.click(f'#org-table a:text-is("{org_name}")')
    page.wait_for_url(f"{base}/orgs/**")
    assert org_name in page.inner_text("h1")

    page.click(f'main a:text-is("{county["name"]}")')
    page.wait_for_url(f"{base}/sites/*")
    assert county["name"] in page.inner_text("h1")
    shoot(page, screenshots, "site")
    accessible(page, base)

    report = page.locator('a[href$="report.docx"]').first
    with page.expect_download() as download:
        report.click()
    path = download.value.path()
    assert path is not None and Path(path).read_bytes()[:2] == b"PK"  # a zip: the .docx
    assert download.value.suggested_filename.endswith(".docx")

    site_url = page.url
    linked = page.locator("#findings tbody tr", has_text="链接文字：").first  # a finding about a link
    linked.locator('a:text-is("查看")').click()
    page.wait_for_url(f"{base}/findings/*")
    assert page.inner_text("h1").startswith("问题 ")
    hit = page.frame_locator("iframe").locator("mark.gw-hit").first
    hit.wait_for(state="attached")
    assert hit.inner_text().strip()
    page.locator("iframe").scroll_into_view_if_needed()  # chromium paints an offscreen cross-origin frame only in view
    hit.scroll_into_view_if_needed()  # the frame scrolls to the highlight: it is in the screenshot
    shoot(page, screenshots, "finding")
    accessible(page, base)

    page.goto(site_url)
    page.click('button:text-is("立即检查")')
    page.wait_for_selector("#job .job")
    page.wait_for_selector("#job .job-done, #job .job-failed", timeout=JOB_LIMIT_MS)
    assert page.locator("#job .job-done").count() == 1, page.inner_text("#job")
    assert "检查完成" in page.inner_text("#job")
    problems.assert_none()


def test_warnings_filter_by_kind_swaps_the_table(served: dict[str, Any], browser: Any, screenshots: Path) -> None:
    base, problems = served["base"], Problems()
    page = sign_in(browser, base, problems)
    page.click('nav.main-nav a:text-is("预警")')
    page.wait_for_url(f"{base}/warnings")
    assert page.locator("#column-warnings").count() == 1 and page.locator("#availability-warnings").count() == 1
    shoot(page, screenshots, "warnings")
    accessible(page, base)

    page.select_option("#kind", "availability")  # htmx: the results are swapped, the URL pushed
    page.wait_for_url(f"{base}/warnings?*kind=availability*")
    page.locator("#column-warnings").wait_for(state="detached", timeout=WAIT_MS)
    assert page.locator("#availability-warnings").count() == 1

    page.select_option("#kind", "overdue")
    page.wait_for_url(f"{base}/warnings?*kind=overdue*")
    page.locator("#availability-warnings").wait_for(state="detached", timeout=WAIT_MS)
    days = [int(v) for v in page.locator("#column-warnings tbody tr[data-days-left]").evaluate_all(
        "rows => rows.map(r => r.dataset.daysLeft)")]
    assert all(d < 0 for d in days), days  # only overdue columns are left
    problems.assert_none()


def test_alerts_and_admin_pages(served: dict[str, Any], browser: Any, screenshots: Path) -> None:
    base, problems = served["base"], Problems()
    page = sign_in(browser, base, problems)
    page.click('nav.main-nav a:text-is("告警")')
    page.wait_for_url(f"{base}/alerts")
    assert page.inner_text("h1").startswith("告警")
    shoot(page, screenshots, "alerts")
    accessible(page, base)

    page.click('nav.main-nav a:text-is("管理")')
    page.wait_for_url(f"{base}/admin**")
    if "/admin/sites" not in page.url:
        page.goto(f"{base}/admin/sites")
    for doc in served["documents"].values():
        assert doc["site"]["url"] in page.content() or doc["site"]["name"] in page.inner_text("main")
    shoot(page, screenshots, "admin")
    accessible(page, base)
    problems.assert_none()
