"""A small province (tests/registry) in a temp store, users of every role, two inspected sites with
findings, and the web app over them, driven with ``fastapi.testclient.TestClient``.

Hand-checked scope (tests/registry/registry_helpers.PROVINCE): 宁川市 (450100) holds 宁川市, its
发改委 and 价格认证中心, 青山县 (450121) with 教育局 and 石门镇, and 白河县; 东江市 (450200) is outside it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from govwatch.core.model import Finding
from govwatch.core.settings import Settings
from govwatch.registry import import_file
from govwatch.store import web_rows
from govwatch.store.db import Store, now_iso
from govwatch.store.registry_rows import org_with_code, site_id_of
from govwatch.store.run_listing import set_run_kind
from govwatch.store.run_results import replace_check_results, save_score_sheet
from govwatch.web.app import create_app
from govwatch.web.auth import hash_password, token_hash
from tests.registry.registry_helpers import PROVINCE, write_csv

PASSWORD = "correct-horse-9"
SITE_A = "http://www.qs.gov.cn/"  # 青山县: the operator's site, inside 宁川市 and 青山县
SITE_B = "http://www.dj.gov.cn/"  # 东江市: outside every scope but the admin's
CITY_SITES = {"http://www.nc.gov.cn/", "http://www.nc.gov.cn/fgw/", "http://jgrz.nc.gov.cn/", "http://www.qs.gov.cn/",
              "http://jyj.qs.gov.cn/", "http://www.qs.gov.cn/smz/", "http://www.bh.gov.cn/"}
CITY_ORGS = {"450100", "450100-fgw", "450121", "450121-jyj", "450121101", "450122"}
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]*)"')


@dataclass
class Portfolio:
    store: Store
    site_a: int
    site_b: int
    run_a: int
    run_b: int
    findings_a: list[Finding]
    findings_b: list[Finding]


def _inspected(store: Store, url: str, findings: list[Finding], verdict: str, score: float) -> int:
    """A completed, complete manual run of the site with these findings and a score sheet."""
    site_id = site_id_of(store, url)
    assert site_id is not None
    run_id = store.create_run(site_id, "2026-12-01", {})
    set_run_kind(store, run_id, "inspect")
    check = SimpleNamespace(name="link_availability", status="ok", findings=len(findings), elapsed_ms=1.0, error=None,
                            rule_reads=frozenset())
    column = {"run_id": run_id, "name": "首页", "url": url, "type": "homepage", "type_reason": "config",
              "discovered_by": "config", "read_via": "static", "items": 0, "undated": 0, "blank": False,
              "details": {}}
    replace_check_results(store, run_id, findings, [check], [column])
    store.set_run_completeness(run_id, True, [])
    store.set_run_status(run_id, "completed", finished=True)
    save_score_sheet(store, run_id, {"ruleset": {"id": "test-table"}, "verdict": verdict, "score": score,
                                     "findings": {}})
    return run_id


def finding(url: str, message: str) -> Finding:
    return Finding(kind="broken_link", code="links.broken", indicator="链接可用性", url=url, message=message,
                   evidence={"status": 404}, source=url, target=url + "gone.html")


@functools.cache
def password_hash() -> str:
    return hash_password(PASSWORD)


@pytest.fixture()
def portfolio(store: Store, tmp_path: Path) -> Portfolio:
    assert import_file(store, write_csv(tmp_path / "province.csv", PROVINCE)).imported
    findings_a = [finding(SITE_A, "首页链接无法访问 <script>alert(1)</script>")]
    findings_b = [finding(SITE_B, "东江市的坏链"), finding(SITE_B + "a/", "东江市的第二个坏链")]
    run_a = _inspected(store, SITE_A, findings_a, "合格", 92.5)
    run_b = _inspected(store, SITE_B, findings_b, "不合格", 55.0)
    site_a, site_b = site_id_of(store, SITE_A), site_id_of(store, SITE_B)
    city, county = org_with_code(store, "450100"), org_with_code(store, "450121")
    assert site_a is not None and site_b is not None and city is not None and county is not None
    hashed = password_hash()  # one argon2 hash for every user: hashing costs ~0.1 s by design
    web_rows.add_user(store, "admin", "admin", hashed)
    web_rows.add_user(store, "city", "manager", hashed, org_id=city.id)
    web_rows.add_user(store, "county", "viewer", hashed, org_id=county.id)
    web_rows.add_user(store, "ops", "operator", hashed, site_ids=[site_a])
    return Portfolio(store, site_a, site_b, run_a, run_b, findings_a, findings_b)


@pytest.fixture()
def settings() -> Settings:
    return Settings()


@pytest.fixture()
def app(portfolio: Portfolio, settings: Settings) -> FastAPI:
    return create_app(portfolio.store, settings)


@pytest.fixture()
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def login_csrf(client: TestClient) -> str:
    """The login form's CSRF token (its cookie is set on the client as a browser would)."""
    page = client.get("/login")
    assert page.status_code == 200
    found = CSRF_INPUT.search(page.text)
    assert found and found.group(1)
    return found.group(1)


def session_csrf(client: TestClient) -> str:
    """The CSRF token of the client's session, as the store holds it (pages put it in every form)."""
    store: Store = client.app.state.store  # type: ignore[attr-defined]
    found = web_rows.session_user(store, token_hash(client.cookies["gw_session"]), now_iso())
    assert found is not None
    return found[1]


def log_in(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Sign ``client`` in as ``name``; returns the session's CSRF token."""
    response = client.post("/login", data={"name": name, "password": password, "csrf_token": login_csrf(client)},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return session_csrf(client)


@pytest.fixture()
def signed_in(app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    """A function giving a new client signed in as the named user."""
    clients: list[TestClient] = []

    def make(name: str) -> TestClient:
        c = TestClient(app)
        clients.append(c)
        log_in(c, name)
        return c

    yield make
    for c in clients:
        c.close()


def bearer(store: Store, name: str) -> dict[str, str]:
    """An Authorization header with a new API token of ``name``."""
    from govwatch.web.accounts import issue_api_token

    return {"Authorization": f"Bearer {issue_api_token(store, name)}"}


