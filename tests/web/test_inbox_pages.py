"""The 找错/留言 pages (web/pages/inbox.py) through HTTP, over the hand-checked province of
tests/web/conftest.py: entering a report, its working-day deadlines shown in Beijing time, overdue
ones first and marked, 转办 → 答复 → 办结, who may do what (manager/admin in scope, the site's
operator answers, the viewer reads), scoping of reports of other sites and of unregistered ones,
CSRF, escaping and bad input.

Hand-checked deadlines: a 找错 received Monday 2026-11-30 10:00 (Beijing) is due for 转办 in one
working day (Tuesday 2026-12-01, end of day) and for 答复 in three (Thursday 2026-12-03); there is no
holiday in between.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from govwatch.core.clock import SHANGHAI
from govwatch.scoring import public_reports as reports
from tests.web.conftest import Portfolio, session_csrf

REPORT_ROW = re.compile(r'<tr data-report="(\d+)" data-state="(\w+)"( class="row-overdue")?>')


@pytest.fixture()
def as_user(portfolio: Portfolio, signed_in: Callable[[str], TestClient]) -> Callable[[str], TestClient]:
    """A client signed in as admin, city (manager of 宁川市), county (viewer of 青山县) or ops (operator of A)."""
    return signed_in


def _post(client: TestClient, path: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(path, data={**(data or {}), "csrf_token": session_csrf(client)}, follow_redirects=False)


def _rows(html: str) -> dict[int, tuple[str, bool]]:
    return {int(i): (state, bool(late)) for i, state, late in REPORT_ROW.findall(html)}


def _add(client: TestClient, site_id: int, **fields: str) -> Any:
    data = {"channel": "zhaocuo", "title": "首页通知链接打不开", "received_at": "2026-11-30T10:00", "site": str(site_id),
            "content": "点击后显示404", "reporter": "网民甲", **fields}
    return _post(client, "/inbox", data)


def _id_of(response: Any) -> int:
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/inbox/(\d+)\?done=\w+", response.headers["location"])
    assert found, response.headers["location"]
    return int(found.group(1))


@pytest.fixture()
def now_text() -> str:
    """Now in Beijing time as the form's datetime-local field holds it."""
    return datetime.now(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def _state(portfolio: Portfolio, report_id: int) -> str:
    return str(reports.report_detail(portfolio.store, report_id)["row"]["state"])


def test_manager_enters_a_report_and_sees_its_deadlines_in_beijing_time(
        portfolio: Portfolio, as_user: Callable[[str], TestClient], now_text: str) -> None:
    city = as_user("city")
    form = city.get("/inbox")
    assert form.status_code == 200 and 'id="add-form"' in form.text
    report_id = _id_of(_add(city, portfolio.site_a))
    page = city.get(f"/inbox/{report_id}?done=added")
    assert "已登记" in page.text and "待转办" in page.text and "网民甲" in page.text
    assert "2026-11-30 10:00" in page.text  # received, Beijing time
    assert "2026-12-01 23:59" in page.text and "2026-12-03 23:59" in page.text  # 1 and 3 working days
    assert "转办超期" in page.text and "答复超期" in page.text  # both have passed
    stored = reports.report_detail(portfolio.store, report_id)["row"]
    assert stored["site_id"] == portfolio.site_a and stored["received_at"].startswith("2026-11-30T10:00:00+08:00")

    fresh = _id_of(_add(city, portfolio.site_a, channel="message", category="咨询", title="办事指南在哪里",
                        received_at=now_text))
    listed = city.get("/inbox").text
    rows = _rows(listed)
    assert list(rows)[0] == report_id and rows[report_id] == ("received", True)  # the overdue one first, marked
    assert rows[fresh] == ("received", False)
    assert _rows(city.get("/inbox?overdue=1").text).keys() == {report_id}
    assert _rows(city.get("/inbox?channel=message").text).keys() == {fresh}


def test_forward_answer_close_and_the_operator_answers_their_own(
        portfolio: Portfolio, as_user: Callable[[str], TestClient], now_text: str) -> None:
    city, ops = as_user("city"), as_user("ops")
    first = _id_of(_add(city, portfolio.site_a, received_at=now_text))
    assert _post(city, f"/inbox/{first}/forward").status_code == 303 and _state(portfolio, first) == "forwarded"
    page = ops.get(f"/inbox/{first}")
    assert 'id="answer-form"' in page.text and 'id="forward-form"' not in page.text and 'id="close-form"' not in page.text
    answered = _post(ops, f"/inbox/{first}/answer", {"answer": "已修复该链接，感谢指正。"})
    assert answered.status_code == 303 and _state(portfolio, first) == "answered"
    assert _post(ops, f"/inbox/{first}/close").status_code == 403  # an operator does not close
    closed = _post(city, f"/inbox/{first}/close", {"note": "已核实"})
    assert closed.status_code == 303 and _state(portfolio, first) == "closed"
    detail = city.get(closed.headers["location"]).text
    assert "已办结" in detail and "已修复该链接，感谢指正。" in detail
    trail = detail[detail.index('id="trail"'):]
    assert [a for a in re.findall(r'data-action="(\w+)"', trail)] == ["add", "forward", "answer", "close"]
    assert "ops" in trail and "city" in trail  # who did what

    second = _id_of(_add(city, portfolio.site_a, received_at=now_text))
    assert _post(ops, f"/inbox/{second}/forward").status_code == 403
    again = _post(city, f"/inbox/{second}/close")  # not answered: closing needs a reason
    assert again.status_code == 400 and "办结须说明理由" in again.text and _state(portfolio, second) == "received"


def test_scoping_and_roles(portfolio: Portfolio, as_user: Callable[[str], TestClient], now_text: str) -> None:
    admin, city, county, ops = (as_user(n) for n in ("admin", "city", "county", "ops"))
    own = _id_of(_add(city, portfolio.site_a, received_at=now_text))
    other = _id_of(_add(admin, portfolio.site_b, received_at=now_text))
    unmatched = reports.add_report(portfolio.store, channel="zhaocuo", title="某未登记网站的问题",
                                   received_at=now_text.replace("T", " "), site_name="不存在的网站", actor="test")
    assert _rows(admin.get("/inbox").text).keys() == {own, other, unmatched}
    assert _rows(city.get("/inbox").text).keys() == {own}
    assert _rows(county.get("/inbox").text).keys() == {own}
    assert _rows(ops.get("/inbox").text).keys() == {own}
    for client in (city, county, ops):
        for report_id in (other, unmatched):
            assert client.get(f"/inbox/{report_id}").status_code == 404
            assert _post(client, f"/inbox/{report_id}/answer", {"answer": "x"}).status_code == 404
    assert _add(city, portfolio.site_b, received_at=now_text).status_code == 404  # a site outside the subtree
    assert _add(ops, portfolio.site_a, received_at=now_text).status_code == 403
    assert _add(county, portfolio.site_a, received_at=now_text).status_code == 403
    viewer_page = county.get(f"/inbox/{own}").text
    assert 'id="add-form"' not in county.get("/inbox").text and 'id="answer-form"' not in viewer_page
    for action, data in (("forward", {}), ("answer", {"answer": "x"}), ("close", {"note": "x"})):
        assert _post(county, f"/inbox/{own}/{action}", data).status_code == 403, action
    assert _state(portfolio, own) == "received"
    assert _post(admin, f"/inbox/{unmatched}/forward").status_code == 303  # an admin handles unmatched ones


def test_csrf_escaping_and_bad_input(portfolio: Portfolio, as_user: Callable[[str], TestClient], now_text: str) -> None:
    city = as_user("city")
    refused = city.post("/inbox", data={"channel": "zhaocuo", "title": "x", "received_at": now_text,
                                        "site": str(portfolio.site_a)}, follow_redirects=False)
    assert refused.status_code == 403 and reports.list_reports(portfolio.store) == []

    hostile = _id_of(_add(city, portfolio.site_a, title="<img src=x onerror=alert(1)>", received_at=now_text))
    for path in ("/inbox", f"/inbox/{hostile}"):
        text = city.get(path).text
        assert "&lt;img src=x onerror=alert(1)&gt;" in text and "<img src=x" not in text, path

    missing = _add(city, portfolio.site_a, title=" ", received_at="")
    assert missing.status_code == 400 and "请填写标题" in missing.text and "请填写收到时间" in missing.text
    no_kind = _add(city, portfolio.site_a, channel="message", title="问个问题", received_at=now_text)
    assert no_kind.status_code == 400 and "请选择留言类别" in no_kind.text
    assert 'value="问个问题"' in no_kind.text  # what was typed is kept
    future = _add(city, portfolio.site_a, received_at="2999-01-01T00:00")
    assert future.status_code == 400 and "收到时间不能晚于现在" in future.text
    assert len(reports.list_reports(portfolio.store)) == 1
    empty = _post(city, f"/inbox/{hostile}/answer", {"answer": "  "})
    assert empty.status_code == 400 and "请填写答复内容" in empty.text
