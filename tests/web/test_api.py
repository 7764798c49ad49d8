"""The REST API under /api/v1 and scoping: every object fetched by id is checked against the
caller's scope (404 outside it, exactly as for an id that does not exist)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from govwatch.core.catalogue import problem_id
from govwatch.core.clock import SHANGHAI, today
from govwatch.core.settings import Settings
from govwatch.rules import available_rulesets
from govwatch.store import probes, web_rows
from govwatch.store.run_results import replace_check_results, save_score_sheet
from govwatch.web.app import create_app
from tests.web.conftest import CITY_ORGS, CITY_SITES, SITE_A, SITE_B, Portfolio, bearer, password_hash

SCHEMA = json.loads((Path(__file__).parents[2] / "src/govwatch/schemas/inspection.schema.json").read_text("utf-8"))
NOT_THERE = 99999


def _urls(response: object) -> set[str]:
    body = response.json()  # type: ignore[attr-defined]
    assert body["count"] == len(body["sites"])
    return {s["url"] for s in body["sites"]}


def test_the_admin_sees_every_site_with_its_newest_verdict(signed_in: Callable[[str], TestClient],
                                                          portfolio: Portfolio) -> None:
    sites = {s["url"]: s for s in signed_in("admin").get("/api/v1/sites").json()["sites"]}
    assert len(sites) == 10 and CITY_SITES < set(sites)
    assert sites[SITE_A]["latest"] == {"run_id": portfolio.run_a, "as_of": "2026-12-01", "verdict": "合格",
                                       "score": 92.5, "ruleset": "test-table"}
    assert sites[SITE_A]["org"]["code"] == "450121" and sites[SITE_A]["name"] == "青山县人民政府"
    assert sites["http://www.nx.gov.cn/"]["latest"] is None  # never inspected


def test_a_manager_sees_their_org_subtree_only(signed_in: Callable[[str], TestClient], portfolio: Portfolio) -> None:
    city = signed_in("city")
    assert _urls(city.get("/api/v1/sites")) == CITY_SITES
    assert {o["code"] for o in city.get("/api/v1/orgs").json()["orgs"]} == CITY_ORGS
    assert city.get(f"/api/v1/sites/{portfolio.site_a}").json()["url"] == SITE_A
    assert city.get(f"/api/v1/sites/{portfolio.site_b}").status_code == 404
    assert {r["site_id"] for r in city.get("/api/v1/runs").json()["runs"]} == {portfolio.site_a}


def test_a_viewer_reads_their_subtree_but_cannot_start_an_inspection(signed_in: Callable[[str], TestClient],
                                                                     portfolio: Portfolio) -> None:
    county = signed_in("county")
    assert _urls(county.get("/api/v1/sites")) == {SITE_A, "http://jyj.qs.gov.cn/", "http://www.qs.gov.cn/smz/"}
    headers = bearer(portfolio.store, "county")
    refused = county.post(f"/api/v1/sites/{portfolio.site_a}/inspect", headers=headers)
    assert refused.status_code == 403 and refused.json()["detail"] == "当前角色只能查看，不能执行此操作"
    assert county.post(f"/api/v1/sites/{portfolio.site_b}/inspect", headers=headers).status_code == 404
    assert web_rows.active_job_request(portfolio.store, "inspect", portfolio.site_a) is None


@pytest.mark.parametrize("path", ["/api/v1/sites/{id}", "/api/v1/sites/{id}/findings", "/api/v1/runs?site_id={id}",
                                  "/api/v1/sites/{id}/columns", "/api/v1/sites/{id}/probes",
                                  "/api/v1/sites/{id}/scores"])
def test_an_operator_of_site_a_gets_404_for_site_b_and_for_guessed_ids(
        path: str, signed_in: Callable[[str], TestClient], portfolio: Portfolio) -> None:
    ops = signed_in("ops")
    assert ops.get(path.format(id=portfolio.site_a)).status_code == 200
    outside = ops.get(path.format(id=portfolio.site_b))
    missing = ops.get(path.format(id=NOT_THERE))
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()  # an id outside the scope looks exactly like one that does not exist


def test_an_operator_lists_only_their_site_its_runs_and_its_org(signed_in: Callable[[str], TestClient],
                                                                portfolio: Portfolio) -> None:
    ops = signed_in("ops")
    assert _urls(ops.get("/api/v1/sites")) == {SITE_A}
    assert [r["id"] for r in ops.get("/api/v1/runs").json()["runs"]] == [portfolio.run_a]
    assert [o["code"] for o in ops.get("/api/v1/orgs").json()["orgs"]] == ["450121"]
    assert ops.post(f"/api/v1/sites/{portfolio.site_a}/inspect",
                    headers=bearer(portfolio.store, "ops")).status_code == 403  # reads only (for now)


def test_jobs_of_sites_outside_the_scope_are_404(signed_in: Callable[[str], TestClient], portfolio: Portfolio) -> None:
    job_a = web_rows.add_job_request(portfolio.store, "inspect", portfolio.site_a, {}, None)
    job_b = web_rows.add_job_request(portfolio.store, "inspect", portfolio.site_b, {}, None)
    ops = signed_in("ops")
    assert ops.get(f"/api/v1/jobs/{job_a}").json()["site_id"] == portfolio.site_a
    assert ops.get(f"/api/v1/jobs/{job_b}").status_code == 404
    assert ops.get(f"/api/v1/jobs/{NOT_THERE}").status_code == 404
    assert signed_in("admin").get(f"/api/v1/jobs/{job_b}").json()["site_id"] == portfolio.site_b


def test_findings_are_the_inspection_schemas_finding_objects(client: TestClient, portfolio: Portfolio) -> None:
    body = client.get(f"/api/v1/sites/{portfolio.site_b}/findings", headers=bearer(portfolio.store, "admin")).json()
    assert body["run_id"] == portfolio.run_b and body["count"] == 2
    jsonschema.validate(body["findings"], SCHEMA["properties"]["findings"])
    assert [f["id"] for f in body["findings"]] == [problem_id(f) for f in portfolio.findings_b]
    assert [f["message"] for f in body["findings"]] == ["东江市的坏链", "东江市的第二个坏链"]
    uninspected = client.get("/api/v1/sites/1/findings", headers=bearer(portfolio.store, "admin")).json()
    assert uninspected == {"site_id": 1, "run_id": None, "count": 0, "findings": []}


def test_inspect_queues_one_job_that_the_scheduler_claims_and_finishes(client: TestClient,
                                                                       portfolio: Portfolio) -> None:
    headers = bearer(portfolio.store, "city")
    url = f"/api/v1/sites/{portfolio.site_a}/inspect"
    first = client.post(url, headers=headers)
    assert first.status_code == 202
    job = first.json()
    assert job["state"] == "queued" and job["site_id"] == portfolio.site_a and job["kind"] == "inspect"
    again = client.post(url, headers=headers)
    assert again.status_code == 200 and again.json()["id"] == job["id"]  # one job per site at a time
    claimed = web_rows.claim_job_request(portfolio.store)
    assert claimed is not None and claimed["id"] == job["id"] and claimed["state"] == "running"
    assert web_rows.claim_job_request(portfolio.store) is None  # never claimed twice
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=headers).json()["state"] == "running"
    web_rows.set_job_progress(portfolio.store, job["id"], {"pages": 12}, run_id=portfolio.run_a)
    web_rows.finish_job_request(portfolio.store, job["id"], ok=True)
    done = client.get(f"/api/v1/jobs/{job['id']}", headers=headers).json()
    assert (done["state"], done["run_id"], done["progress"], done["error"]) == ("done", portfolio.run_a,
                                                                               {"pages": 12}, None)
    assert done["finished_at"] and done["started_at"]
    assert client.post(url, headers=headers).json()["id"] != job["id"]  # a finished job makes room for a new one


def test_the_api_needs_a_valid_token_or_session(client: TestClient, portfolio: Portfolio) -> None:
    assert client.get("/api/v1/sites").status_code == 401
    wrong = client.get("/api/v1/sites", headers={"Authorization": "Bearer gw_not-a-token"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    good = client.get("/api/v1/sites", headers=bearer(portfolio.store, "ops"))
    assert good.status_code == 200 and _urls(good) == {SITE_A}


def test_openapi_describes_the_api_and_no_docs_ui_is_served(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/sites", "/api/v1/sites/{site_id}", "/api/v1/sites/{site_id}/findings", "/api/v1/orgs",
            "/api/v1/runs", "/api/v1/sites/{site_id}/inspect", "/api/v1/jobs/{job_id}", "/api/v1/sites/{site_id}/columns",
            "/api/v1/warnings", "/api/v1/sites/{site_id}/probes", "/api/v1/sites/{site_id}/scores",
            "/api/v1/sites/{site_id}/runs/{run_id}/report.{fmt}", "/api/v1/sites/{site_id}/rescore"} <= set(spec["paths"])
    assert all(path.startswith("/api/v1/") for path in spec["paths"])  # pages are not part of it
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404


# -- columns, warnings, probes, scores, reports, rescore ----------------------------------------------

def _column(run_id: int, name: str, url: str, days_left: int | None, *, is_key: bool = False) -> dict[str, object]:
    return {"run_id": run_id, "name": name, "url": url, "type": "dynamic", "type_reason": "keyword:动态",
            "discovered_by": "nav", "read_via": "static", "parent": None, "last_update": "2026-11-20", "items": 8,
            "undated": 1, "blank": False, "stale": False, "window_days": 14, "days_left": days_left,
            "is_key": is_key, "details": {}}


def _with_columns(portfolio: Portfolio, run_id: int, findings: list[object], columns: list[dict[str, object]]) -> None:
    """Store hand-written columns with the run's findings (what the pipeline's check step writes)."""
    check = SimpleNamespace(name="link_availability", status="ok", findings=len(findings), elapsed_ms=1.0, error=None,
                            rule_reads=frozenset())
    replace_check_results(portfolio.store, run_id, findings, [check], columns)


def test_columns_are_the_inspection_schemas_column_objects_of_the_newest_full_run(
        client: TestClient, portfolio: Portfolio) -> None:
    _with_columns(portfolio, portfolio.run_a, portfolio.findings_a, [
        _column(portfolio.run_a, "工作动态", SITE_A + "gzdt/", 5),
        _column(portfolio.run_a, "通知公告", SITE_A + "tzgg/", None, is_key=True)])
    body = client.get(f"/api/v1/sites/{portfolio.site_a}/columns", headers=bearer(portfolio.store, "ops")).json()
    assert (body["run_id"], body["as_of"], body["count"]) == (portfolio.run_a, "2026-12-01", 2)
    jsonschema.validate(body["columns"], SCHEMA["properties"]["columns"])
    assert [(c["name"], c["key"], c["days_left"]) for c in body["columns"]] == [("通知公告", True, None),
                                                                                 ("工作动态", False, 5)]
    assert body["columns"][1]["url"] == SITE_A + "gzdt/" and body["columns"][1]["items"] == 8
    uninspected = client.get("/api/v1/sites/1/columns", headers=bearer(portfolio.store, "admin")).json()
    assert uninspected["run_id"] is None and uninspected["columns"] == []


def test_warnings_list_the_columns_at_risk_in_the_scope_with_days_left_today(
        signed_in: Callable[[str], TestClient], portfolio: Portfolio) -> None:
    since = (today() - date(2026, 12, 1)).days  # days_left is stored as of the run's as_of
    _with_columns(portfolio, portfolio.run_a, portfolio.findings_a, [
        _column(portfolio.run_a, "工作动态", SITE_A + "gzdt/", since + 3),
        _column(portfolio.run_a, "政策文件", SITE_A + "zcwj/", since + 400)])
    _with_columns(portfolio, portfolio.run_b, portfolio.findings_b, [
        _column(portfolio.run_b, "东江动态", SITE_B + "dt/", since - 2)])
    admin = signed_in("admin").get("/api/v1/warnings").json()
    assert [(c["site_url"], c["column"], c["days_left"]) for c in admin["columns"]] == [
        (SITE_B, "东江动态", -2), (SITE_A, "工作动态", 3)]  # fewest days left first; 政策文件 is far off
    assert admin["columns"][1]["expires"] == (today() + timedelta(days=3)).isoformat()
    assert admin["within_days"] == 30 and admin["count"] == 2
    city = signed_in("city")
    assert [c["column"] for c in city.get("/api/v1/warnings").json()["columns"]] == ["工作动态"]  # not 东江市's
    assert [c["column"] for c in city.get("/api/v1/warnings?org=450121").json()["columns"]] == ["工作动态"]
    assert city.get("/api/v1/warnings?org=450122").json()["columns"] == []  # 白河县: no site at risk
    assert city.get("/api/v1/warnings?org=450200").status_code == 404  # 东江市 is outside the scope
    assert [c["column"] for c in city.get("/api/v1/warnings?within_days=500").json()["columns"]] == [
        "工作动态", "政策文件"]
    assert signed_in("admin").get("/api/v1/warnings?within_days=2").json()["count"] == 1


def test_probes_are_the_visits_per_day_and_the_newest_probes(client: TestClient, portfolio: Portfolio) -> None:
    yesterday = datetime.combine(today() - timedelta(days=1), time(10, 0), SHANGHAI)
    rows = [{"site_id": portfolio.site_a, "url": SITE_A, "at": (yesterday + timedelta(hours=i)).isoformat(),
             "ok": i != 1, "status": 200 if i != 1 else None, "error": None if i != 1 else "timeout",
             "total_ms": 100.0 + i, "timeout_s": 10.0} for i in range(3)]
    rows.append({"site_id": portfolio.site_b, "url": SITE_B, "at": yesterday.isoformat(), "ok": True, "status": 200, "error": None, "total_ms": 90.0,
                 "timeout_s": 10.0})
    probes.save_rows(portfolio.store, rows)
    body = client.get(f"/api/v1/sites/{portfolio.site_a}/probes?days=3", headers=bearer(portfolio.store, "ops")).json()
    # days with visits only; 东江市's visit is not this site's
    assert body["days"] == [{"day": yesterday.date().isoformat(), "visits": 3, "failed": 1}]
    assert [(p["ok"], p["error"], p["total_ms"]) for p in body["probes"]] == [
        (True, None, 100.0), (False, "timeout", 101.0), (True, None, 102.0)]  # oldest first


def _sheet(verdict: str, score: float) -> dict[str, object]:
    """A hand-written score sheet with its indicator and veto tables: one triggered veto, one not."""
    return {"ruleset": {"id": "census-2015"}, "verdict": verdict, "score": score, "findings": {},
            "indicators": [{"id": "links", "name": "链接可用性", "kind": "deduction", "points": 2.0, "findings": []}],
            "vetoes": [{"id": "availability", "name": "站点无法访问", "reason": "首页不可访问比例超过阈值",
                        "findings": ["abc"], "triggered": True},
                       {"id": "blank", "name": "空白栏目", "reason": "", "findings": [], "triggered": False}]}


def test_scores_list_each_scored_runs_sheet_with_ruleset_verdict_and_vetoes(
        client: TestClient, portfolio: Portfolio) -> None:
    save_score_sheet(portfolio.store, portfolio.run_a, _sheet("单项否决", 0.0))
    body = client.get(f"/api/v1/sites/{portfolio.site_a}/scores", headers=bearer(portfolio.store, "ops")).json()
    assert body["count"] == 1  # one run; its newest sheet
    assert body["scores"][0] == {"run_id": portfolio.run_a, "kind": "inspect", "as_of": "2026-12-01",
                                 "ruleset": "census-2015", "verdict": "单项否决", "score": 0.0,
                                 "vetoes": [{"indicator": "站点无法访问", "id": "availability",
                                             "reason": "首页不可访问比例超过阈值", "findings": ["abc"]}]}
    assert client.get("/api/v1/sites/1/scores", headers=bearer(portfolio.store, "admin")).json()["scores"] == []


def test_reports_download_for_runs_of_the_site_only(inspected_sites: Any, tmp_path: Path) -> None:
    """Over two inspected simulated sites: the report is the stored run's document, and only for
    the site's own runs in the scope."""
    trs, jcms = inspected_sites["trs"], inspected_sites["jcms"]
    store = inspected_sites.copy_store(tmp_path)
    site_a, site_b = store.run(trs.run_id)["site_id"], store.run(jcms.run_id)["site_id"]
    web_rows.add_user(store, "ops", "operator", password_hash(), site_ids=[site_a])
    headers = bearer(store, "ops")
    base = f"/api/v1/sites/{site_a}/runs"
    with TestClient(create_app(store, Settings())) as client:
        doc = client.get(f"{base}/{trs.run_id}/report.json", headers=headers)
        workbook = client.get(f"{base}/{trs.run_id}/report.xlsx", headers=headers)
        html = client.get(f"{base}/{trs.run_id}/report.html", headers=headers)
        refused = [client.get(path, headers=headers).status_code for path in (
            f"{base}/{jcms.run_id}/report.json",  # B's run under A's address
            f"{base}/{NOT_THERE}/report.json",  # a guessed run id
            f"{base}/{trs.run_id}/report.exe",
            f"/api/v1/sites/{site_b}/runs/{jcms.run_id}/report.json")]  # B is outside the scope
    store.close()
    assert doc.status_code == 200 and doc.headers["content-disposition"].startswith("attachment;")
    rebuilt = doc.json()
    assert sorted(f["id"] for f in rebuilt["findings"]) == sorted(f["id"] for f in trs.document["findings"])
    assert (rebuilt["verdict"], rebuilt["score"]) == (trs.document["verdict"], trs.document["score"])
    assert workbook.status_code == 200 and "xl/workbook.xml" in zipfile.ZipFile(io.BytesIO(workbook.content)).namelist()
    assert html.status_code == 200 and inspected_sites.sim.manifest["sites"]["trs"]["name"] in html.text
    assert refused == [404, 404, 404, 404]


def test_rescore_queues_one_rescore_job_for_writers_only(client: TestClient, portfolio: Portfolio) -> None:
    url = f"/api/v1/sites/{portfolio.site_a}/rescore"
    rules = available_rulesets()[0]
    county = client.post(url, json={"rules": rules}, headers=bearer(portfolio.store, "county"))
    assert county.status_code == 403 and county.json()["detail"] == "当前角色只能查看，不能执行此操作"
    city = bearer(portfolio.store, "city")
    assert client.post(f"/api/v1/sites/{portfolio.site_b}/rescore", json={}, headers=city).status_code == 404
    unknown = client.post(url, json={"rules": "../../etc/passwd"}, headers=city)
    assert unknown.status_code == 422 and "未知的评分规则表" in unknown.json()["detail"]
    assert web_rows.active_job_request(portfolio.store, "rescore", portfolio.site_a) is None
    first = client.post(url, json={"rules": rules}, headers=city)
    assert first.status_code == 202
    job = first.json()
    assert (job["kind"], job["site_id"], job["state"], job["args"]) == ("rescore", portfolio.site_a, "queued",
                                                                        {"rules": rules})
    again = client.post(url, json={"rules": rules}, headers=city)
    assert again.status_code == 200 and again.json()["id"] == job["id"]
    assert web_rows.active_job_request(portfolio.store, "inspect", portfolio.site_a) is None  # a rescore only
