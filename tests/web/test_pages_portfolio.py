"""The portfolio pages 总览, 组织, 预警 and 告警 against the hand-checked province of tests/web/conftest.py
(two inspected sites: 青山县 合格 92.5, 东江市 不合格 55.0; the other eight never inspected) and a real
inspection of a simulated site (its columns' countdowns and its verdict from the inspection document),
through create_app with users of every role; scoping as web/scope.py decides it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from govwatch.alerts.state import AlertState
from govwatch.core.clock import today
from govwatch.core.settings import Settings
from govwatch.pipeline import inspect_site
from govwatch.store import service_rows, web_rows
from govwatch.store.db import Store
from govwatch.store.probes import save_rows
from govwatch.store.service_rows import OutboxRow
from govwatch.web.app import create_app
from tests.conftest import AS_OF, sim_settings
from tests.web.conftest import SITE_A, SITE_B, Portfolio, log_in, password_hash

ROW = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S)
TAG = re.compile(r"<[^>]+>")


def table(html: str, table_id: str) -> list[list[str]]:
    """The body rows of the table ``table_id`` as lists of cell texts."""
    found = re.search(rf'<table class="data" id="{table_id}">(.*?)</table>', html, re.S)
    assert found, f"no table {table_id}"
    body = found.group(1).split("<tbody>", 1)[1]
    rows = []
    for row in ROW.findall(body):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        rows.append([re.sub(r"\s+", " ", TAG.sub("", c)).strip() for c in cells])
    return rows


def card(html: str, verdict: str) -> int:
    found = re.search(rf'data-verdict="{verdict}"><div class="value">(\d+)</div>', html)
    assert found, verdict
    return int(found.group(1))


def total(html: str) -> int:
    found = re.search(r'id="count-total"><div class="value">(\d+)</div>', html)
    assert found
    return int(found.group(1))


def _probes(site_id: int, visits: int, failed: int) -> list[dict[str, Any]]:
    day = today().isoformat()
    return [{"site_id": site_id, "target_kind": "homepage", "url": "http://x.example/",
             "at": f"{day}T{h // 60:02d}:{h % 60:02d}:00+08:00", "ok": h >= failed, "status": 200 if h >= failed else None,
             "error": None if h >= failed else "timeout", "timeout_s": 15.0} for h in range(visits)]


# -- 总览 ------------------------------------------------------------------------------------------------

def test_overview_counts_sites_by_verdict_within_each_scope(signed_in: Callable[[str], TestClient]) -> None:
    page = signed_in("admin").get("/")
    assert page.status_code == 200
    assert (total(page.text), card(page.text, "合格"), card(page.text, "不合格"), card(page.text, "未评定")) == (10, 1, 1, 8)
    assert 'data-chart' in page.text and '"合格"' in page.text
    runs = table(page.text, "runs-table")
    assert [r[0] for r in runs] == ["东江市人民政府", "青山县人民政府"]  # newest first
    assert runs[0][4] == "不合格" and runs[0][5] == "55" and runs[1][5] == "92.5"

    city = signed_in("city").get("/").text  # 宁川市's seven sites: only 青山县 inspected
    assert (total(city), card(city, "合格"), card(city, "不合格"), card(city, "未评定")) == (7, 1, 0, 6)
    assert "东江市" not in city

    ops = signed_in("ops").get("/").text
    assert (total(ops), card(ops, "合格")) == (1, 1)
    assert [r[0] for r in table(ops, "runs-table")] == ["青山县人民政府"]


def test_overview_org_filter_stays_inside_the_scope(signed_in: Callable[[str], TestClient]) -> None:
    admin = signed_in("admin")
    county = admin.get("/", params={"org": "450121"}).text  # 青山县, 教育局, 石门镇
    assert (total(county), card(county, "合格"), card(county, "未评定")) == (3, 1, 2)
    east = admin.get("/", params={"org": "450200"}).text
    assert (total(east), card(east, "不合格")) == (1, 1)
    city = signed_in("city")
    assert city.get("/", params={"org": "450200"}).status_code == 404  # outside 宁川市
    assert city.get("/", params={"org": "nope"}).status_code == 404
    assert signed_in("ops").get("/", params={"org": "450100"}).status_code == 404  # not the operator's org


def test_overview_availability_of_the_week_and_worst_sites(portfolio: Portfolio,
                                                           signed_in: Callable[[str], TestClient]) -> None:
    save_rows(portfolio.store, _probes(portfolio.site_b, 10, 2) + _probes(portfolio.site_a, 4, 0))
    page = signed_in("admin").get("/").text
    week = table(page, "week-table")
    assert len(week) == 7 and week[-1] == [today().isoformat(), "14", "2", "85.71%"]
    assert all(row[1:] == ["0", "0", "无监测"] for row in week[:-1])
    assert table(page, "worst-table") == [["东江市人民政府", "10", "2", "80.00%"]]  # 青山县 never failed
    city = signed_in("city").get("/").text
    assert table(city, "week-table")[-1] == [today().isoformat(), "4", "0", "100.00%"]
    assert table(city, "worst-table") == [["近7天没有首页访问失败"]]


# -- 组织 ------------------------------------------------------------------------------------------------

def test_org_tree_counts_each_subtree(signed_in: Callable[[str], TestClient]) -> None:
    rows = {r[0].strip("　 "): r[1:] for r in table(signed_in("admin").get("/orgs").text, "org-table")}
    assert rows["宁川省"][1:] == ["10", "1", "1", "8", "73.8"]  # (92.5 + 55) / 2 = 73.75
    assert rows["宁川市"][1:] == ["7", "1", "0", "6", "92.5"]
    assert rows["东江市"][1:] == ["1", "0", "1", "0", "55"]
    assert rows["白河县"][1:] == ["1", "0", "0", "1", "—"]
    city = {r[0].strip("　 ") for r in table(signed_in("city").get("/orgs").text, "org-table")}
    assert "宁川市" in city and "青山县" in city and "宁川省" not in city and "东江市" not in city


def test_org_page_drills_down_to_its_sites_and_is_404_outside_the_scope(
        portfolio: Portfolio, signed_in: Callable[[str], TestClient]) -> None:
    admin = signed_in("admin")
    page = admin.get("/orgs/450121")
    assert page.status_code == 200
    sites = table(page.text, "site-table")
    assert sorted(r[0] for r in sites) == ["石门镇人民政府", "青山县人民政府", "青山县教育局"]
    assert f'href="/sites/{portfolio.site_a}"' in page.text
    assert {r[0].strip("　 ") for r in table(page.text, "child-table")} == {"青山县教育局", "石门镇"}
    ops = signed_in("ops")
    assert ops.get("/orgs/450121").status_code == 200
    assert [r[0] for r in table(ops.get("/orgs/450121").text, "site-table")] == ["青山县人民政府"]
    assert ops.get("/orgs/450100").status_code == 404
    assert signed_in("county").get("/orgs/450200").status_code == 404
    assert admin.get("/orgs/000000").status_code == 404


# -- 预警 ------------------------------------------------------------------------------------------------

def test_warnings_availability_near_the_veto(portfolio: Portfolio, signed_in: Callable[[str], TestClient]) -> None:
    save_rows(portfolio.store, _probes(portfolio.site_b, 100, 4) + _probes(portfolio.site_a, 100, 3))
    rows = table(signed_in("admin").get("/warnings", params={"kind": "availability"}).text, "availability-warnings")
    assert rows == [["东江市人民政府", "100", "4", "4.00%", "接近否决线"],  # 3% warns, 5% is the veto
                    ["青山县人民政府", "100", "3", "3.00%", "接近否决线"]]
    save_rows(portfolio.store, _probes(portfolio.site_b, 20, 20))
    rows = table(signed_in("city").get("/warnings").text, "availability-warnings")
    assert rows == [["青山县人民政府", "100", "3", "3.00%", "接近否决线"]]
    admin = table(signed_in("admin").get("/warnings").text, "availability-warnings")
    assert admin[0][0] == "东江市人民政府" and admin[0][-1] == "已达否决线"


# -- the simulated site, really inspected ----------------------------------------------------------------

@pytest.fixture(scope="module")
def inspected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, dict[str, Any], int]]:
    """One simulated site inspected as of AS_OF into its own store, with an admin."""
    from govwatch.sim import SimOptions, SimServer

    store = Store(f"sqlite:///{tmp_path_factory.mktemp('portfolio') / 'sim.db'}")
    with SimServer(SimOptions(seed=7, as_of=AS_OF, site_pages=50)).running() as sim:
        site = next(k for k, v in sim.manifest["sites"].items() if v.get("columns"))
        inspection = inspect_site(sim.site_url(site), sim_settings(store.url), store, as_of=AS_OF)
    web_rows.add_user(store, "admin", "admin", password_hash())
    yield store, inspection.document, inspection.run_id
    store.close()


@pytest.fixture()
def sim_admin(inspected: tuple[Store, dict[str, Any], int]) -> Iterator[TestClient]:
    with TestClient(create_app(inspected[0], Settings())) as client:
        log_in(client, "admin")
        yield client


def test_warnings_count_down_the_inspected_columns(inspected: tuple[Store, dict[str, Any], int],
                                                   sim_admin: TestClient) -> None:
    _, document, _ = inspected
    since = (today() - date.fromisoformat(document["as_of"][:10])).days
    expected = sorted((c["days_left"] - since, c["name"]) for c in document["columns"]
                      if c.get("days_left") is not None and c["days_left"] - since <= 30)
    assert expected, "the simulated site has columns past or near their windows"
    page = sim_admin.get("/warnings", params={"kind": "", "page": 1})
    rows = table(page.text, "column-warnings")
    days = [int(d) for d in re.findall(r'data-days-left="(-?\d+)"', page.text)]
    shown = sorted(zip(days, [r[1].replace("（重点栏目）", "").strip() for r in rows], strict=True))
    assert [s for s in shown if s[1] in {n for _, n in expected}] == expected
    assert days == sorted(days)  # smallest days left first
    overdue = sim_admin.get("/warnings", params={"kind": "overdue"}, headers={"HX-Request": "true"})
    assert "<html" not in overdue.text  # the htmx filter gets the results only
    over_days = [int(d) for d in re.findall(r'data-days-left="(-?\d+)"', overdue.text)]
    assert over_days == [d for d in days if d < 0] and "availability-warnings" not in overdue.text


def test_overview_shows_the_inspected_verdict_and_vetoes(inspected: tuple[Store, dict[str, Any], int],
                                                         sim_admin: TestClient) -> None:
    store, document, run_id = inspected
    sheet = web_rows.score_sheet_of(store, run_id)
    assert sheet is not None
    page = sim_admin.get("/").text
    verdict = sheet.get("verdict") or "未评定"
    assert card(page, verdict) == 1 and total(page) == 1
    triggered = sorted(v["name"] for v in sheet.get("vetoes", []) if v.get("triggered"))
    assert sorted(r[0] for r in table(page, "veto-table") if len(r) == 2) == triggered
    assert [r[1] for r in table(page, "runs-table")] == ["命令行检查"]


# -- 告警 ------------------------------------------------------------------------------------------------

def _alerts(portfolio: Portfolio) -> tuple[str, str]:
    """A down homepage alert for each site and one outbox row each; their target keys."""
    at = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    keys = []
    for site_id, url in ((portfolio.site_a, SITE_A), (portfolio.site_b, SITE_B)):
        state = AlertState.initial("site", url, url, at)
        down = AlertState(state.target_key, "site", url, "down", at, fail_streak=3, last_error="连接超时")
        row = OutboxRow("site_down", "critical", "值班员", "dingtalk", f"site_down:{url}",
                        {"title": f"【预警】<script>alert(1)</script>{url}无法访问"}, site_id=site_id, target_url=url)
        service_rows.record_transition(portfolio.store, down.to_row(), [row], site_id=site_id, at=at)
        keys.append(down.target_key)
    return keys[0], keys[1]


def test_alerts_list_the_outbox_and_down_alerts_of_the_scope(portfolio: Portfolio,
                                                             signed_in: Callable[[str], TestClient]) -> None:
    _alerts(portfolio)
    admin = signed_in("admin").get("/alerts").text
    assert {r[3] for r in table(admin, "outbox-table")} == {SITE_A, SITE_B}
    assert "<script>alert(1)</script>" not in admin and "&lt;script&gt;alert(1)&lt;/script&gt;" in admin
    assert [r[0] for r in table(admin, "down-table")] == ["东江市人民政府", "青山县人民政府"]  # same start: by target
    ops = signed_in("ops").get("/alerts").text
    assert [r[3] for r in table(ops, "outbox-table")] == [SITE_A]
    assert [r[0] for r in table(ops, "down-table")] == ["青山县人民政府"]
    sent = signed_in("admin").get("/alerts", params={"state": "sent"}).text
    assert table(sent, "outbox-table") == [["没有通知记录"]]
    viewer = signed_in("county").get("/alerts").text
    assert "东江市" not in viewer and 'action="/alerts/acknowledge"' not in viewer  # reads only


def test_acknowledge_a_down_alert(portfolio: Portfolio, app: Any) -> None:
    key_a, key_b = _alerts(portfolio)
    with TestClient(app) as viewer:
        csrf = log_in(viewer, "county")
        assert viewer.post("/alerts/acknowledge", data={"target_key": key_a, "csrf_token": csrf}).status_code == 403
    with TestClient(app) as ops:
        csrf = log_in(ops, "ops")
        assert ops.post("/alerts/acknowledge", data={"target_key": key_a}).status_code == 403  # no CSRF token
        assert ops.post("/alerts/acknowledge", data={"target_key": key_b, "csrf_token": csrf}).status_code == 404
        assert ops.post("/alerts/acknowledge", data={"target_key": "site:http://guess/", "csrf_token": csrf}
                        ).status_code == 404
        done = ops.post("/alerts/acknowledge", data={"target_key": key_a, "csrf_token": csrf}, follow_redirects=False)
        assert done.status_code == 303
        page = ops.get(done.headers["location"]).text
        assert "已确认（ops" in page
    state_a = service_rows.load_alert_state(portfolio.store, key_a)
    state_b = service_rows.load_alert_state(portfolio.store, key_b)
    assert state_a is not None and state_a["acked_by"] == "ops" and state_a["acked_at"]
    assert state_b is not None and state_b["acked_at"] is None


def test_pages_need_a_login(client: TestClient, tmp_path: Path) -> None:
    for path in ("/", "/orgs", "/orgs/450100", "/warnings", "/alerts"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
