"""The REST API under /api/v1 and scoping: every object fetched by id is checked against the
caller's scope (404 outside it, exactly as for an id that does not exist)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from fastapi.testclient import TestClient

from govwatch.core.catalogue import problem_id
from govwatch.store import web_rows
from tests.web.conftest import CITY_ORGS, CITY_SITES, SITE_A, Portfolio, bearer

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


@pytest.mark.parametrize("path", ["/api/v1/sites/{id}", "/api/v1/sites/{id}/findings", "/api/v1/runs?site_id={id}"])
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
            "/api/v1/runs", "/api/v1/sites/{site_id}/inspect", "/api/v1/jobs/{job_id}"} <= set(spec["paths"])
    assert all(path.startswith("/api/v1/") for path in spec["paths"])  # pages are not part of it
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404
