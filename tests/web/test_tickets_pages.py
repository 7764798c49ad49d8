"""The 整改工单 pages (web/pages/tickets.py) through HTTP: the whole ticket flow (生成工单 → 下发整改通知
with its Word file → 反馈 with files → 申请复查 → 销号, 豁免), the attachments' round trip, scoping
and role rules per user of the hand-checked province (tests/web/conftest.py), CSRF, escaping, and
issuing from a real inspection of a simulated site.

The portfolio's runs get a score sheet that scores each of their findings (hand-built: the
conftest's sheet traces none), so issuing has active findings: site A (青山县) one, site B (东江市) two.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from govwatch.core.catalogue import problem_id
from govwatch.core.clock import today
from govwatch.core.model import Finding
from govwatch.core.settings import Settings
from govwatch.scoring import tickets
from govwatch.store import web_rows
from govwatch.store.db import Store
from govwatch.store.run_results import save_score_sheet
from govwatch.web.app import create_app
from tests.web.conftest import SITE_A, Portfolio, _inspected, log_in, password_hash, session_csrf

TICKET_ROW = re.compile(r'<tr data-ticket="(\d+)" data-state="(\w+)"')
NOTICE_LINK = re.compile(r'href="/tickets/notices/(\d+)/notice\.docx"')
ATTACHMENT_LINK = re.compile(r'href="(/tickets/\d+/attachments/\d+)"')
DOC_NUMBER = "宁网整〔2026〕3号"
ISSUER = "宁川市政务服务管理办公室"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HOSTILE_HTML = b"<html><body><script>alert('gw')</script>hello</body></html>"


def _score_all(store: Store, run_id: int, findings: list[Finding]) -> None:
    """A score sheet scoring every finding of the run (one point each)."""
    save_score_sheet(store, run_id, {
        "ruleset": {"id": "test-table"}, "verdict": "不合格", "score": 90.0,
        "findings": {problem_id(f): {"status": "scored", "indicator": f.indicator, "points": -1.0} for f in findings}})


@pytest.fixture()
def scored(portfolio: Portfolio) -> Portfolio:
    _score_all(portfolio.store, portfolio.run_a, portfolio.findings_a)
    _score_all(portfolio.store, portfolio.run_b, portfolio.findings_b)
    return portfolio


@pytest.fixture()
def as_user(scored: Portfolio, signed_in: Callable[[str], TestClient]) -> Callable[[str], TestClient]:
    """A client signed in as admin, city (manager of 宁川市), county (viewer of 青山县) or ops (operator of A)."""
    return signed_in


def _post(client: TestClient, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    return client.post(path, data={**(data or {}), "csrf_token": session_csrf(client)}, follow_redirects=False,
                       **kwargs)


def _rows(html: str) -> dict[int, str]:
    return {int(i): state for i, state in TICKET_ROW.findall(html)}


def _issue(client: TestClient, site_id: int) -> int:
    """生成工单 from the site's newest complete run; returns how many the page says were made."""
    response = _post(client, "/tickets/issue", {"site": site_id})
    assert response.status_code == 303, response.text
    found = re.search(r"done=issued&n=(\d+)", response.headers["location"])
    assert found, response.headers["location"]
    return int(found.group(1))


def _issued(store: Store, site_id: int) -> list[int]:
    return [r["id"] for r in tickets.list_tickets(store, site_ids=[site_id])]


def _notify(store: Store, site_id: int, deadline_days: int = 10) -> list[int]:
    ids = _issued(store, site_id) or tickets.issue_tickets(store, _newest_run(store, site_id), actor="test")
    tickets.notify_tickets(store, ids, doc_number=DOC_NUMBER, deadline=today() + timedelta(days=deadline_days),
                           issuer=ISSUER, actor="test")
    return ids


def _newest_run(store: Store, site_id: int) -> int:
    run_id = web_rows.newest_full_run_of(store, site_id)
    assert run_id is not None
    return run_id


def _state(store: Store, ticket_id: int) -> str:
    return str(tickets.ticket_detail(store, ticket_id)["state"])


def test_manager_issues_and_notifies_and_downloads_the_notice(scored: Portfolio,
                                                              as_user: Callable[[str], TestClient]) -> None:
    store, city = scored.store, as_user("city")
    page = city.get(f"/tickets?site={scored.site_a}")
    assert page.status_code == 200 and "生成工单</button>" in page.text and _rows(page.text) == {}

    assert _issue(city, scored.site_a) == 1  # site A's one scored finding
    assert _issue(city, scored.site_a) == 0  # issuing again makes nothing new
    listed = city.get(f"/tickets?site={scored.site_a}&done=issued&n=1")
    assert "已生成1张整改工单" in listed.text
    (ticket_id,) = _rows(listed.text)
    assert _rows(listed.text) == {ticket_id: "pending"}
    assert f'id="pick-{ticket_id}"' in listed.text  # the notice form offers the pending ticket

    deadline = (today() + timedelta(days=10)).isoformat()
    sent = _post(city, "/tickets/notify", {"site": scored.site_a, "ticket": ticket_id, "doc_number": DOC_NUMBER,
                                           "deadline": deadline, "issuer": ISSUER})
    assert sent.status_code == 303, sent.text
    after = city.get(sent.headers["location"])
    assert "已下发整改通知，1张工单进入“已通知”" in after.text
    (notice_id,) = {int(n) for n in NOTICE_LINK.findall(after.text)}
    assert _rows(after.text) == {ticket_id: "notified"}
    stored = tickets.ticket_detail(store, ticket_id)
    assert (stored["deadline"], stored["notice_id"]) == (deadline, notice_id)
    assert (stored["notice"]["doc_number"], stored["notice"]["issuer"]) == (DOC_NUMBER, ISSUER)

    word = city.get(f"/tickets/notices/{notice_id}/notice.docx")
    assert word.status_code == 200
    assert word.headers["content-type"] == DOCX
    assert word.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''" in word.headers["content-disposition"]
    body = zipfile.ZipFile(io.BytesIO(word.content)).read("word/document.xml").decode("utf-8")
    text = re.sub(r"<[^>]+>", "", body)
    assert DOC_NUMBER in text and "青山县" in text  # the notice names its 文号 and the unit

    detail = city.get(f"/tickets/{ticket_id}")
    assert "已通知" in detail.text and deadline in detail.text
    assert f"/tickets/notices/{notice_id}/notice.docx" in detail.text and DOC_NUMBER in detail.text
    assert "下发整改通知" in detail.text  # the audit trail's notify event
    assert 'id="verify-form"' in detail.text and 'id="reply-form"' not in detail.text  # a manager does not reply


def test_operator_replies_with_files_and_the_files_come_back_as_downloads(
        scored: Portfolio, as_user: Callable[[str], TestClient]) -> None:
    store = scored.store
    (ticket_id,) = _notify(store, scored.site_a)
    _notify(store, scored.site_b)
    ops = as_user("ops")
    listed = ops.get("/tickets")
    assert _rows(listed.text) == {ticket_id: "notified"}  # only the operator's own site
    page = ops.get(f"/tickets/{ticket_id}")
    assert 'enctype="multipart/form-data"' in page.text and "每个文件不超过10 MB，最多20个" in page.text
    assert 'id="verify-form"' not in page.text and 'id="close-form"' not in page.text

    files = [("files", ("整改说明.html", HOSTILE_HTML, "text/html")), ("files", ("截图.png", PNG, "image/png"))]
    replied = _post(ops, f"/tickets/{ticket_id}/reply", {"text": "已修复首页链接。\n请复查。"}, files=files)
    assert replied.status_code == 303, replied.text
    assert _state(store, ticket_id) == "replied"
    detail = ops.get(replied.headers["location"])
    assert "反馈已提交" in detail.text and "整改说明.html" in detail.text and "截图.png" in detail.text
    links = ATTACHMENT_LINK.findall(detail.text)
    assert len(links) == 2
    fetched = [ops.get(link) for link in links]
    downloads = {r.headers["content-type"].split(";")[0]: r for r in fetched}
    html, png = downloads["text/html"], downloads["image/png"]
    assert html.content == HOSTILE_HTML and png.content == PNG  # bytes come back unchanged
    for response in (html, png):
        assert response.headers["content-disposition"].startswith("attachment;")
        assert response.headers["content-security-policy"].startswith("sandbox")
        assert response.headers["x-content-type-options"] == "nosniff"
    assert "filename*=UTF-8''%E6%95%B4%E6%94%B9%E8%AF%B4%E6%98%8E.html" in html.headers["content-disposition"]
    trail = detail.text[detail.text.index('id="trail"'):]
    assert 'data-action="reply"' in trail and "已修复首页链接。\n请复查。" in trail


def test_manager_verifies_closes_and_exempts(scored: Portfolio, as_user: Callable[[str], TestClient]) -> None:
    store = scored.store
    (ticket_id,) = _notify(store, scored.site_a)
    tickets.reply_ticket(store, ticket_id, "已修复", actor="ops")
    city = as_user("city")
    verified = _post(city, f"/tickets/{ticket_id}/verify")
    assert verified.status_code == 303 and "done=verifying" in verified.headers["location"]
    row = tickets.ticket_detail(store, ticket_id)
    assert row["state"] == "verifying"
    job = web_rows.job_request(store, int(row["verify_job_id"]))
    assert job is not None and job["kind"] == "recheck" and job["site_id"] == scored.site_a
    assert job["args"] == {"tickets": [ticket_id]} and job["state"] == "queued"
    assert "复查中" in city.get(f"/tickets/{ticket_id}").text

    closed = _post(city, f"/tickets/{ticket_id}/close", {"reason": "人工核实已整改"})
    assert closed.status_code == 303 and _state(store, ticket_id) == "closed"
    page = city.get(closed.headers["location"])
    assert "已销号" in page.text and "人工核实已整改" in page.text and 'id="close-form"' not in page.text

    admin = as_user("admin")
    b_first = _notify(store, scored.site_b)[0]
    assert _post(admin, f"/tickets/{b_first}/exempt", {"category": "误报", "reason": "链接实为内网"}).status_code == 303
    assert _state(store, b_first) == "exempted"
    assert "链接实为内网" in admin.get(f"/tickets/{b_first}").text


def test_an_operator_sees_and_touches_only_their_own_sites_tickets(
        scored: Portfolio, as_user: Callable[[str], TestClient]) -> None:
    store = scored.store
    (own,) = _notify(store, scored.site_a)
    other = _notify(store, scored.site_b)[0]
    tickets.reply_ticket(store, other, "东江市的反馈", [("b.txt", "text/plain", b"secret of B")], actor="admin")
    other_attachment = tickets.ticket_detail(store, other)["attachments"][0]["id"]
    other_notice = tickets.ticket_detail(store, other)["notice_id"]
    ops = as_user("ops")
    for path in (f"/tickets/{other}", f"/tickets/{other}/attachments/{other_attachment}",
                 f"/tickets/{own}/attachments/{other_attachment}",  # B's file under A's ticket
                 f"/tickets/notices/{other_notice}/notice.docx", f"/tickets?site={scored.site_b}", "/tickets/999999"):
        assert ops.get(path).status_code == 404, path
    assert _post(ops, f"/tickets/{other}/reply", {"text": "x"}).status_code == 404
    assert _post(ops, "/tickets/issue", {"site": scored.site_b}).status_code == 404
    for action, data in (("verify", {}), ("close", {"reason": "x"}), ("exempt", {"category": "误报", "reason": "x"})):
        refused = _post(ops, f"/tickets/{own}/{action}", data)
        assert refused.status_code == 403 and "只有管理人员和系统管理员" in refused.text, action
    assert _post(ops, "/tickets/issue", {"site": scored.site_a}).status_code == 403
    assert _state(store, own) == "notified" and _state(store, other) == "replied"


def test_roles_viewer_reads_and_a_manager_stays_in_the_subtree(
        scored: Portfolio, as_user: Callable[[str], TestClient]) -> None:
    store = scored.store
    (own,) = _notify(store, scored.site_a)
    other = _notify(store, scored.site_b)[0]
    county = as_user("county")
    page = county.get(f"/tickets/{own}")
    assert page.status_code == 200 and "<form method=\"post\" action=\"/tickets/" not in page.text
    assert _rows(county.get("/tickets").text) == {own: "notified"}
    for action, data in (("verify", {}), ("reply", {"text": "x"}), ("close", {"reason": "x"})):
        assert _post(county, f"/tickets/{own}/{action}", data).status_code == 403, action
    assert _post(county, "/tickets/issue", {"site": scored.site_a}).status_code == 403
    assert county.get(f"/tickets/{other}").status_code == 404

    city = as_user("city")
    assert city.get(f"/tickets/{other}").status_code == 404  # 东江市 is outside 宁川市
    assert _post(city, f"/tickets/{other}/verify").status_code == 404
    assert _post(city, "/tickets/notify", {"site": scored.site_b, "ticket": other, "doc_number": "x",
                                           "deadline": today().isoformat(), "issuer": "x"}).status_code == 404
    refused = _post(city, f"/tickets/{own}/reply", {"text": "x"})
    assert refused.status_code == 403 and "运维人员" in refused.text
    assert _rows(as_user("admin").get("/tickets").text).keys() == {own, *_issued(store, scored.site_b)}
    assert _state(store, own) == "notified" and _state(store, other) == "notified"


def test_posts_without_the_csrf_token_are_refused(scored: Portfolio, as_user: Callable[[str], TestClient]) -> None:
    store = scored.store
    (ticket_id,) = _notify(store, scored.site_a)
    city, ops = as_user("city"), as_user("ops")
    refused = city.post(f"/tickets/{ticket_id}/close", data={"reason": "x"}, follow_redirects=False)
    assert refused.status_code == 403 and "CSRF" in refused.text
    wrong = city.post("/tickets/issue", data={"site": scored.site_a, "csrf_token": "not-the-token"})
    assert wrong.status_code == 403
    upload = ops.post(f"/tickets/{ticket_id}/reply", data={"text": "x"},
                      files=[("files", ("a.txt", b"a", "text/plain"))], follow_redirects=False)
    assert upload.status_code == 403
    assert _state(store, ticket_id) == "notified"


def test_crawled_text_is_escaped(scored: Portfolio, as_user: Callable[[str], TestClient]) -> None:
    (ticket_id,) = _notify(scored.store, scored.site_a)  # its message holds <script>alert(1)</script>
    admin = as_user("admin")
    for path in ("/tickets", f"/tickets/{ticket_id}"):
        text = admin.get(path).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, path
        assert "<script>alert(1)" not in text, path


def test_bad_input_is_answered_in_chinese_and_changes_nothing(
        scored: Portfolio, as_user: Callable[[str], TestClient]) -> None:
    store = scored.store
    (pending,) = tickets.issue_tickets(store, scored.run_a, actor="test")
    ops, city = as_user("ops"), as_user("city")
    early = _post(ops, f"/tickets/{pending}/reply", {"text": "已整改"})
    assert early.status_code == 400 and "不能反馈整改情况" in early.text  # a pending ticket is not notified yet
    bad = _post(city, "/tickets/notify", {"site": scored.site_a, "ticket": pending, "doc_number": "",
                                          "deadline": "明天", "issuer": ISSUER})
    assert bad.status_code == 400 and "请填写文号" in bad.text and "请填写整改期限" in bad.text
    past = _post(city, "/tickets/notify", {"site": scored.site_a, "ticket": pending, "doc_number": DOC_NUMBER,
                                           "deadline": (today() - timedelta(days=1)).isoformat(), "issuer": ISSUER})
    assert past.status_code == 400 and "整改期限不能早于今天" in past.text
    unknown = _post(city, f"/tickets/{pending}/exempt", {"category": "不想改", "reason": "x"})
    assert unknown.status_code == 400 and "请选择豁免类别" in unknown.text
    assert _state(store, pending) == "pending"

    _notify(store, scored.site_a)
    too_big = b"0" * (tickets.MAX_ATTACHMENT_BYTES + 1)
    large = _post(ops, f"/tickets/{pending}/reply", {"text": "见附件"}, files=[("files", ("big.bin", too_big, "application/octet-stream"))])
    assert large.status_code == 400 and "附件“big.bin”超过10 MB" in large.text
    assert _state(store, pending) == "notified" and tickets.ticket_detail(store, pending)["attachments"] == []


def test_overdue_tickets_are_filtered_and_marked(scored: Portfolio, as_user: Callable[[str], TestClient]) -> None:
    store = scored.store
    (late,) = _notify(store, scored.site_a, deadline_days=-3)  # the deadline passed three days ago
    on_time = _notify(store, scored.site_b, deadline_days=5)
    admin = as_user("admin")
    everything = admin.get("/tickets").text
    assert list(_rows(everything))[0] == late  # overdue first
    assert f'<tr data-ticket="{late}" data-state="notified" class="row-overdue">' in everything
    assert re.search(r'data-state="overdue"><span class="label">已超期</span><span class="value">1<', everything)
    only = admin.get("/tickets?overdue=1").text
    assert _rows(only) == {late: "notified"}
    assert not set(on_time) & set(_rows(only))


@pytest.fixture()
def sim_store(inspected_sites: Any, tmp_path: Path) -> Iterator[tuple[Store, int, dict[str, Any]]]:
    """A private store with the simulated trs site inspected, and an admin."""
    inspected = inspected_sites["trs"]
    store = inspected_sites.copy_store(tmp_path)
    web_rows.add_user(store, "admin", "admin", password_hash())
    yield store, int(store.run(inspected.run_id)["site_id"]), inspected.document
    store.close()


def test_tickets_from_a_real_inspection(sim_store: tuple[Store, int, dict[str, Any]]) -> None:
    store, site_id, document = sim_store
    traces = {f["id"]: f.get("scoring") or {} for f in document["findings"]}
    counted = {pid for pid, t in traces.items() if t.get("status") == "scored" or t.get("vetoes")}
    vetoing = {pid for pid, t in traces.items() if t.get("vetoes") and t.get("status") not in ("exempt", "suppressed")}
    assert counted and vetoing, "the simulated site plants scored and vetoing problems"
    with TestClient(create_app(store, Settings())) as admin:
        log_in(admin, "admin")
        made = _issue(admin, site_id)
        assert made > 0
        rows = tickets.list_tickets(store, site_ids=[site_id])
        ticketed = {r["problem_id"] for r in rows}
        assert len(rows) == made and ticketed <= counted  # only what the sheet counted
        assert vetoing <= ticketed  # every finding that triggers a veto gets its ticket
        listed = admin.get(f"/tickets?site={site_id}")
        assert f"整改工单（共{made}张）" in listed.text
        shown = _rows(listed.text)
        assert set(shown.values()) == {"pending"} and len(shown) == min(made, 50)
        assert set(shown) <= {r["id"] for r in rows}
        first = rows[0]
        detail = admin.get(f"/tickets/{first['id']}")
        assert detail.status_code == 200 and first["problem_id"] in detail.text


OLD_SOFT_404 = "首页网页“2019专题”无法访问（soft 404: the page answers 200 but says it does not exist）"


def test_a_soft_404_ticket_of_a_run_stored_before_reads_in_chinese(
        portfolio: Portfolio, as_user: Callable[[str], TestClient]) -> None:
    """A finding stored with the English the link check wrote before (its message and observed value) is
    shown in Chinese on the ticket list and the ticket page (report.view.plain_text), never as stored."""
    soft = Finding(kind="broken_link", code="link.soft404", indicator="链接可用性", url=SITE_A,
                   target=SITE_A + "zt/2019/index.html", message=OLD_SOFT_404,
                   evidence={"status": 200, "soft_404": True, "classification": "confirmed",
                             "observed": "soft 404: the page answers 200 but says it does not exist"})
    run_id = _inspected(portfolio.store, SITE_A, [soft], "不合格", 80.0)
    _score_all(portfolio.store, run_id, [soft])
    (ticket_id,) = tickets.issue_tickets(portfolio.store, run_id, actor="test")
    assert tickets.ticket_detail(portfolio.store, ticket_id)["message"] == OLD_SOFT_404  # stored as it was
    admin = as_user("admin")
    for path in (f"/tickets?site={portfolio.site_a}", f"/tickets/{ticket_id}"):
        page = admin.get(path)
        assert page.status_code == 200, path
        assert "首页网页“2019专题”无法访问（软404，页面返回200但内容为“页面不存在”）" in page.text, path
        assert "soft 404" not in page.text and "says it does not exist" not in page.text, path
