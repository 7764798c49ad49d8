"""The 站点 and 问题 pages (web/pages/sites.py, findings.py) against a store holding real
inspections of two simulated sites (the manifest's names, the document's verdict and finding
kinds), and against the hand-built portfolio (tests/web/conftest.py) for scoping, jobs and the diff.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from govwatch.core.catalogue import catalogue
from govwatch.core.model import Finding
from govwatch.core.settings import Settings
from govwatch.store import web_rows
from govwatch.store.db import Store
from govwatch.store.run_listing import set_run_kind
from govwatch.store.run_results import check_findings, replace_check_results, save_score_sheet
from govwatch.web.app import create_app
from govwatch.web.snapshot import SNAPSHOT_CSP
from tests.web.conftest import SITE_A, Portfolio, finding, log_in, password_hash

SIM_A, SIM_B = "trs", "jcms"
FINDING_LINK = re.compile(r'href="/findings/(\d+)"')


@pytest.fixture()
def sim_store(inspected_sites: Any, tmp_path: Path) -> Iterator[tuple[Store, dict[str, Any]]]:
    """A private store with the trs and jcms sites inspected; users admin and ops (operator of trs)."""
    inspected = {key: inspected_sites[key] for key in (SIM_A, SIM_B)}
    store = inspected_sites.copy_store(tmp_path)
    sites = {key: store.run(site.run_id)["site_id"] for key, site in inspected.items()}
    web_rows.add_user(store, "admin", "admin", password_hash())
    web_rows.add_user(store, "ops", "operator", password_hash(), site_ids=[sites[SIM_A]])
    yield store, {"inspected": inspected, "sites": sites, "manifest": inspected_sites.sim.manifest}
    store.close()


def _client(store: Store, name: str) -> TestClient:
    client = TestClient(create_app(store, Settings()))
    log_in(client, name)
    return client


def _all_pages(client: TestClient, site_id: int) -> str:
    """The site page's text over every page of its findings."""
    first = client.get(f"/sites/{site_id}")
    assert first.status_code == 200, first.text
    found = re.search(r"第1页，共(\d+)页", first.text)
    pages = int(found.group(1)) if found else 1
    return first.text + "".join(client.get(f"/sites/{site_id}?page={n}").text for n in range(2, pages + 1))


def test_site_page_shows_the_inspected_site(sim_store: tuple[Store, dict[str, Any]]) -> None:
    store, ctx = sim_store
    document = ctx["inspected"][SIM_A].document
    with _client(store, "admin") as client:
        text = _all_pages(client, ctx["sites"][SIM_A])
    assert ctx["manifest"]["sites"][SIM_A]["name"] in text
    verdict = document["verdict"] or "未评定"
    assert f'badge-{ {"合格": "pass", "不合格": "fail"}.get(verdict, "unrated")}">{verdict}' in text
    kinds = {f["kind"] for f in document["findings"]}
    assert kinds, "the simulated site plants problems"
    for kind in kinds:
        assert catalogue().label(kind) in text, kind
    # every finding of the run has its 问题 link, once over the pages
    assert len(set(FINDING_LINK.findall(text))) == len(document["findings"])
    assert "立即检查</button>" in text  # the admin may start an inspection


def test_operator_of_a_gets_404_for_everything_of_b(sim_store: tuple[Store, dict[str, Any]]) -> None:
    store, ctx = sim_store
    site_a, site_b = ctx["sites"][SIM_A], ctx["sites"][SIM_B]
    run_a, run_b = ctx["inspected"][SIM_A].run_id, ctx["inspected"][SIM_B].run_id
    finding_b = max(int(i) for i in FINDING_LINK.findall(_client(store, "admin").get(f"/sites/{site_b}").text))
    with _client(store, "ops") as ops:
        own = ops.get(f"/sites/{site_a}")
        assert own.status_code == 200 and "立即检查</button>" not in own.text
        finding_a = int(FINDING_LINK.findall(own.text)[0])
        assert ops.get(f"/findings/{finding_a}").status_code == 200
        for path in (f"/sites/{site_b}", f"/findings/{finding_b}", f"/findings/{finding_b}/snapshot",
                     f"/sites/{site_b}/runs/{run_b}/report.json", f"/sites/{site_b}/runs/{run_b}/report.docx",
                     f"/sites/{site_a}/runs/{run_b}/report.json",  # B's run under A's address
                     f"/sites/{site_a}?diff={run_a},{run_b}", "/findings/999999", "/sites/999999"):
            assert ops.get(path).status_code == 404, path


def test_reports_download_in_every_cheap_format(sim_store: tuple[Store, dict[str, Any]]) -> None:
    store, ctx = sim_store
    site, inspected = ctx["sites"][SIM_A], ctx["inspected"][SIM_A]
    base = f"/sites/{site}/runs/{inspected.run_id}/report"
    with _client(store, "admin") as client:
        docx = client.get(base + ".docx")
        xlsx = client.get(base + ".xlsx")
        as_json = client.get(base + ".json")
        html = client.get(base + ".html")
        assert client.get(base + ".exe").status_code == 404
    assert docx.headers["content-type"] == ("application/vnd.openxmlformats-officedocument."
                                            "wordprocessingml.document")
    assert docx.content[:4] == b"PK\x03\x04" and "word/document.xml" in zipfile.ZipFile(io.BytesIO(docx.content)).namelist()
    assert xlsx.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert xlsx.content[:4] == b"PK\x03\x04" and "xl/workbook.xml" in zipfile.ZipFile(io.BytesIO(xlsx.content)).namelist()
    assert "attachment" in docx.headers["content-disposition"]
    assert as_json.headers["content-type"] == "application/json"
    rebuilt, original = json.loads(as_json.content), inspected.document
    # built from the stored rows, no check run again: the same findings and verdict as the inspection wrote
    assert sorted(f["id"] for f in rebuilt["findings"]) == sorted(f["id"] for f in original["findings"])
    assert (rebuilt["verdict"], rebuilt["score"]) == (original["verdict"], original["score"])
    assert len(rebuilt["columns"]) == len(original["columns"])
    assert html.headers["content-type"].startswith("text/html")
    assert ctx["manifest"]["sites"][SIM_A]["name"] in html.text


def test_finding_page_frames_its_snapshot(sim_store: tuple[Store, dict[str, Any]]) -> None:
    store, ctx = sim_store
    run_id = ctx["inspected"][SIM_A].run_id
    broken = next(f for f in ctx["inspected"][SIM_A].document["findings"]
                  if f["kind"] == "broken_link" and f["evidence"].get("scope") == "homepage")
    with _client(store, "admin") as client:
        ids = [int(i) for i in FINDING_LINK.findall(_all_pages(client, ctx["sites"][SIM_A]))]
        stored = {f.fingerprint: i for i, f in zip(sorted(ids), check_findings(store, run_id), strict=True)}
        finding_id = stored[broken["fingerprint"]]
        page = client.get(f"/findings/{finding_id}")
        snap = client.get(f"/findings/{finding_id}/snapshot")
    assert page.status_code == 200
    assert broken["id"] in page.text and catalogue().label("broken_link") in page.text
    assert f'<iframe sandbox src="/findings/{finding_id}/snapshot"' in page.text
    assert snap.status_code == 200
    assert snap.headers["content-security-policy"] == SNAPSHOT_CSP
    assert snap.headers["x-content-type-options"] == "nosniff"
    marked = re.search(r'<mark class="gw-hit"><a [^>]*href="([^"]+)"', snap.text)
    assert marked and marked.group(1) == broken["target"]
    assert "<script" not in snap.text.lower()
    evidence = page.text.split('id="evidence"')[1].split("</table>")[0]
    confirmed = "是" if broken["evidence"]["confirmed"] else "否"
    assert f"<tr><td>已确认</td><td>{confirmed}</td></tr>" in evidence  # Chinese names, booleans 是/否
    assert f"<tr><td>尝试次数</td><td>{broken['evidence']['attempts']}</td></tr>" in evidence
    assert "<td>soft_404</td>" not in evidence and "<td>true</td>" not in evidence and "<td>false</td>" not in evidence


# -- the hand-built portfolio: jobs, the read-only roles, the diff ------------------------------

def test_inspect_now_queues_a_job_and_polls_it(portfolio: Portfolio, signed_in: Callable[[str], TestClient]) -> None:
    admin = signed_in("admin")
    page = admin.get(f"/sites/{portfolio.site_a}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    assert admin.post(f"/sites/{portfolio.site_a}/inspect", headers={"HX-Request": "true"}).status_code == 403
    queued = admin.post(f"/sites/{portfolio.site_a}/inspect", data={"csrf_token": token.group(1)},
                        headers={"HX-Request": "true"})
    assert queued.status_code == 202 and "排队中" in queued.text
    job_id = int(re.search(r'hx-get="/jobs/(\d+)"', queued.text).group(1))  # type: ignore[union-attr]
    web_rows.claim_job_request(portfolio.store)
    web_rows.set_job_progress(portfolio.store, job_id, {"stage": "inspecting", "pages": 17, "queued": 4},
                              run_id=portfolio.run_a)
    running = admin.get(f"/jobs/{job_id}")
    assert "检查中" in running.text and "已读取页面 17" in running.text and 'hx-trigger="every 2s"' in running.text
    web_rows.finish_job_request(portfolio.store, job_id, ok=True, run_id=portfolio.run_a)
    done = admin.get(f"/jobs/{job_id}")
    assert "已完成" in done.text and f"检查编号 {portfolio.run_a}" in done.text and "hx-get" not in done.text
    ops = signed_in("ops")
    assert ops.get(f"/jobs/{job_id}").status_code == 200  # a job of the operator's own site
    assert signed_in("county").get(f"/sites/{portfolio.site_b}").status_code == 404


def test_readers_get_no_button_and_403(portfolio: Portfolio, signed_in: Callable[[str], TestClient]) -> None:
    for name in ("county", "ops"):  # viewer and operator: they see site A, read only
        client = signed_in(name)
        page = client.get(f"/sites/{portfolio.site_a}")
        assert page.status_code == 200 and "立即检查</button>" not in page.text
        assert "重新评分</button>" not in page.text and f'action="/sites/{portfolio.site_a}/rescore"' not in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        refused = client.post(f"/sites/{portfolio.site_a}/inspect", data={"csrf_token": token.group(1)})
        assert refused.status_code == 403
        rescore = client.post(f"/sites/{portfolio.site_a}/rescore",
                              data={"csrf_token": token.group(1), "rules": "national-2019"})
        assert rescore.status_code == 403
    assert web_rows.active_job_request(portfolio.store, "inspect", portfolio.site_a) is None
    assert web_rows.active_job_request(portfolio.store, "rescore", portfolio.site_a) is None


def test_rescore_queues_a_job_with_the_chosen_table(portfolio: Portfolio,
                                                    signed_in: Callable[[str], TestClient]) -> None:
    admin = signed_in("admin")
    page = admin.get(f"/sites/{portfolio.site_a}").text
    assert "重新评分</button>" in page
    form = page.split(f'action="/sites/{portfolio.site_a}/rescore"')[1].split("</form>")[0]
    offered = re.findall(r'<option value="([^"]+)">', form)
    assert {"national-2019", "census-2015", "suqian-2022", "zhongkai-2018"} <= set(offered)  # the shipped tables
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    url = f"/sites/{portfolio.site_a}/rescore"
    unknown = admin.post(url, data={"csrf_token": token.group(1), "rules": "../../etc/passwd.yaml"},
                         headers={"HX-Request": "true"})
    assert unknown.status_code == 400
    assert web_rows.active_job_request(portfolio.store, "rescore", portfolio.site_a) is None
    queued = admin.post(url, data={"csrf_token": token.group(1), "rules": "census-2015"}, headers={"HX-Request": "true"})
    assert queued.status_code == 202 and "排队中" in queued.text
    job = web_rows.active_job_request(portfolio.store, "rescore", portfolio.site_a)
    assert job is not None and job["args"] == {"rules": "census-2015"} and f'hx-get="/jobs/{job["id"]}"' in queued.text
    again = admin.post(url, data={"csrf_token": token.group(1), "rules": "census-2015"}, headers={"HX-Request": "true"})
    assert again.status_code == 200 and f'hx-get="/jobs/{job["id"]}"' in again.text  # the same job, not a second
    assert web_rows.active_job_request(portfolio.store, "inspect", portfolio.site_a) is None
    ops = signed_in("ops")  # operator of site A: site B is outside the scope
    ops_token = re.search(r'name="csrf_token" value="([^"]+)"', ops.get(f"/sites/{portfolio.site_a}").text)
    assert ops_token
    outside = ops.post(f"/sites/{portfolio.site_b}/rescore", data={"csrf_token": ops_token.group(1), "rules": "census-2015"})
    assert outside.status_code == 404


def test_diff_of_two_runs(portfolio: Portfolio, signed_in: Callable[[str], TestClient]) -> None:
    store = portfolio.store
    kept = portfolio.findings_a[0]
    new = finding(SITE_A + "b/", "第二次检查新发现的坏链")
    later = store.create_run(portfolio.site_a, "2026-12-08", {})
    set_run_kind(store, later, "manual")
    replace_check_results(store, later, [kept, new], [], [])
    store.set_run_completeness(later, True, [])
    store.set_run_status(later, "completed", finished=True)
    save_score_sheet(store, later, {"ruleset": {"id": "test-table"}, "verdict": "合格", "score": 90.0, "findings": {}})
    earlier_only = Finding(kind="broken_link", code="links.broken", indicator="链接可用性", url=SITE_A + "x/",
                           message="第一次才有的坏链", evidence={"status": 404}, source=SITE_A, target=SITE_A + "old.html")
    replace_check_results(store, portfolio.run_a, [kept, earlier_only], [], [])
    text = signed_in("admin").get(f"/sites/{portfolio.site_a}?diff={portfolio.run_a},{later}").text
    assert f"检查 {portfolio.run_a} → {later}：新增 1，已整改 1，仍存在 1" in text
    sections = {key: text.split(f'id="diff-{key}"')[1].split("</table>")[0] for key in ("new", "fixed", "open")}
    assert "第二次检查新发现的坏链" in sections["new"]
    assert "第一次才有的坏链" in sections["fixed"]
    assert "首页链接无法访问 &lt;script&gt;" in sections["open"]  # crawled text escaped
    assert "对比参数应为两个检查编号" in signed_in("admin").get(f"/sites/{portfolio.site_a}?diff=abc").text
