"""Rectification tickets (scoring/tickets.py): issuing from a real inspection of a simulated site,
every transition (legal and illegal), the same-transaction re-check job, attachments, the audit
trail, verification against real re-check runs, overdue, figures and the document models."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from govwatch.core.catalogue import catalogue
from govwatch.registry import add_filing
from govwatch.scoring import tickets as tk
from govwatch.scoring.review import exempt
from govwatch.scoring.runs import score_stored_run
from govwatch.store.db import Store
from govwatch.store.reviewer_rows import review_rows
from govwatch.store.web_rows import active_job_request, job_request, score_sheet_of
from tests.rectify.ticket_support import REPAIRED_TYPO, TicketSite, ticket_site  # noqa: F401 - the fixture

ACTOR = "cli:tester"
DEADLINE = date(2026, 12, 10)


@pytest.fixture()
def store(ticket_site: TicketSite, tmp_path: Path) -> Iterator[Store]:  # noqa: F811 - the fixture by name
    s = ticket_site.copy(tmp_path)
    yield s
    s.close()


def _issued(store: Store, site: TicketSite) -> dict[str, dict]:
    """Issue the found run's tickets; problem_id -> ticket row."""
    tk.issue_tickets(store, site.found_run, actor=ACTOR)
    return {r["problem_id"]: r for r in tk.list_tickets(store)}


def _by(rows: dict[str, dict], kind: str, **match: object) -> dict:
    return next(r for r in rows.values() if r["kind"] == kind and all(r[k] == v for k, v in match.items()))


# -- issuing -------------------------------------------------------------------------------------


def test_issue_tickets_every_scored_finding_once(ticket_site: TicketSite, store: Store) -> None:  # noqa: F811
    made = tk.issue_tickets(store, ticket_site.found_run, actor=ACTOR)
    sheet = score_sheet_of(store, ticket_site.found_run)
    assert sheet is not None
    rows = tk.list_tickets(store)
    assert [r["id"] for r in rows] == made and made
    # Every ticket is a finding the score sheet scored, pending, of the check origin.
    for row in rows:
        trace = sheet["findings"][row["problem_id"]]
        assert trace["status"] == "scored" or trace["vetoes"], row["problem_id"]
        assert (row["state"], row["state_label"], row["origin"], row["found_run_id"]) == \
               ("pending", "待下发", "check", ticket_site.found_run)
    # The simulator's planted broken links on the homepage (confirmed 404/410 and soft 404) are all ticketed.
    planted = {b["target"] for b in ticket_site.truth["broken_links"]
               if b["scope"] == "homepage" and b["expect"] in ("confirmed", "soft404")}
    ticketed = {r["target"] for r in rows if r["kind"] == "broken_link" and r["url"] == ticket_site.site_url}
    assert planted and planted == ticketed
    # Both planted typos are there, each once.
    typos = sorted(r["target"] for r in rows if r["kind"] == "typo")
    assert typos == sorted(p["match"]["found"] for p in ticket_site.truth["planted"] if p["kind"] == "typo")
    # Issuing again makes nothing new; one fingerprint, one open ticket.
    assert tk.issue_tickets(store, ticket_site.found_run, actor=ACTOR) == []
    assert tk.issue_tickets(store, ticket_site.fixed_run, actor=ACTOR) == []
    assert len({r["fingerprint"] for r in tk.list_tickets(store)}) == len(made)


def test_issue_leaves_out_exempted_filed_and_withheld_findings(ticket_site: TicketSite, store: Store) -> None:  # noqa: F811
    run = ticket_site.found_run
    sheet = score_sheet_of(store, run)
    assert sheet is not None
    stale = next(pid for pid, tr in sheet["findings"].items() if pid.startswith("LM-") and tr["status"] == "scored")
    fingerprint = next(f.fingerprint for f in tk.stored_findings(store, run) if tk.problem_id(f) == stale)
    exempt(store, run, ticket_site.site_id, fingerprint, "栏目已撤并", site_wide=True)
    add_filing(store, ticket_site.site_url, date(2026, 11, 1), date(2026, 12, 31), "改版", kinds=["typo"])
    score_stored_run(store, run)
    tk.issue_tickets(store, run, actor=ACTOR)
    rows = tk.list_tickets(store)
    assert stale not in {r["problem_id"] for r in rows}
    assert not [r for r in rows if r["kind"] == "typo"]
    assert [r for r in rows if r["kind"] == "broken_link"]  # the rest still ticketed
    # A run that could not read the site withholds what the crawl-reading checks found: no tickets of them.
    incomplete = score_sheet_of(store, ticket_site.withheld_run)
    assert incomplete is not None and store.run(ticket_site.withheld_run)["complete"] is False
    withheld = {pid for pid, tr in incomplete["findings"].items() if tr["status"] == "withheld"}
    assert any(pid.startswith("LJ-") for pid in withheld)  # the homepage's failing links, found and withheld
    scored = {pid for pid, tr in incomplete["findings"].items() if tr["status"] == "scored" or tr["vetoes"]}
    new = tk.issue_tickets(store, ticket_site.withheld_run, actor=ACTOR)
    assert {r["problem_id"] for r in tk.list_tickets(store) if r["id"] in new} == scored


def test_issue_kinds_and_errors(ticket_site: TicketSite, store: Store) -> None:  # noqa: F811
    made = tk.issue_tickets(store, ticket_site.found_run, actor=ACTOR, kinds=["typo"])
    assert len(made) == 2 and {r["kind"] for r in tk.list_tickets(store)} == {"typo"}
    with pytest.raises(tk.TicketError, match="没有编号为 999 的检查运行"):
        tk.issue_tickets(store, 999, actor=ACTOR)


def test_reviewer_findings_are_ticketed_with_their_origin(ticket_site: TicketSite, store: Store) -> None:  # noqa: F811
    from govwatch.scoring.review import add_finding
    from govwatch.store.stored_run import StoreRunData

    run = ticket_site.found_run
    rules = StoreRunData(store, run).rules
    indicator = next(i["id"] for i in rules.data["indicators"] if i.get("kind", "deduction") == "deduction")
    add_finding(store, run, rules, indicator=indicator, kind="reviewer_finding", url=ticket_site.site_url,
                message="模拟咨询3个工作日未答复", points=1)
    score_stored_run(store, run)
    tk.issue_tickets(store, run, actor=ACTOR)
    reviewer = [r for r in tk.list_tickets(store) if r["origin"] == "reviewer"]
    assert len(reviewer) == 1 and reviewer[0]["problem_id"].startswith("RG-")
    assert reviewer[0]["message"] == "模拟咨询3个工作日未答复"
    assert len(review_rows(store, run, ticket_site.site_id).findings) == 1


# -- transitions ---------------------------------------------------------------------------------


def test_full_cycle_and_audit_trail(ticket_site: TicketSite, store: Store) -> None:  # noqa: F811
    rows = _issued(store, ticket_site)
    ticket = _by(rows, "broken_link", target=ticket_site.repaired_target)
    notice = tk.notify_tickets(store, [ticket["id"]], doc_number="〔2026〕12号", deadline=DEADLINE,
                               issuer="市政府办公室", actor=ACTOR)
    tk.reply_ticket(store, ticket["id"], "已删除失效链接", [("截图.png", "image/png", b"\x89PNG fake")], actor="operator1")
    job = tk.request_verification(store, [ticket["id"]], actor=ACTOR)
    states = tk.apply_verification(store, ticket_site.fixed_run, [ticket["id"]], actor="service")
    assert states == {ticket["id"]: "closed"}
    detail = tk.ticket_detail(store, ticket["id"])
    assert (detail["state"], detail["notice_id"], detail["deadline"], detail["verify_job_id"],
            detail["verify_run_id"], detail["feedback"]) == \
           ("closed", notice, DEADLINE.isoformat(), job, ticket_site.fixed_run, "已删除失效链接")
    assert detail["closed_at"]
    trail = [(e["action"], e["from_state"], e["to_state"], e["actor"]) for e in detail["events"]]
    assert trail == [("issue", None, "pending", ACTOR), ("notify", "pending", "notified", ACTOR),
                     ("reply", "notified", "replied", "operator1"), ("verify", "replied", "verifying", ACTOR),
                     ("verify_result", "verifying", "closed", "service")]
    assert detail["events"][1]["data"] == {"doc_number": "〔2026〕12号", "deadline": "2026-12-10"}
    assert detail["events"][2]["note"] == "已删除失效链接"
    assert detail["events"][-1]["data"] == {"run_id": ticket_site.fixed_run, "outcome": "closed"}
    assert detail["notice"]["doc_number"] == "〔2026〕12号" and detail["notice"]["issuer"] == "市政府办公室"
    # A closed ticket takes no further step.
    for step in (lambda: tk.reply_ticket(store, ticket["id"], "再次反馈", actor=ACTOR),
                 lambda: tk.request_verification(store, [ticket["id"]], actor=ACTOR),
                 lambda: tk.exempt_ticket(store, ticket["id"], "误报", category="误报", actor=ACTOR),
                 lambda: tk.close_ticket(store, ticket["id"], "重复", actor=ACTOR)):
        with pytest.raises(tk.TicketError, match="当前状态为「已销号」"):
            step()
    assert len(tk.ticket_detail(store, ticket["id"])["events"]) == 5


@pytest.mark.parametrize(("state_path", "step", "allowed"), [
    ((), "reply", False), ((), "verify", False), ((), "notify", True), ((), "exempt", True), ((), "close", True),
    (("notify",), "notify", False), (("notify",), "reply", True), (("notify",), "verify", True),
    (("notify",), "exempt", True),
    (("notify", "reply"), "reply", False), (("notify", "reply"), "verify", True), (("notify", "reply"), "exempt", True),
    (("notify", "verify"), "reply", False), (("notify", "verify"), "exempt", False), (("notify", "verify"), "verify", False),
    (("notify", "verify"), "notify", False), (("notify", "verify"), "close", True),
])
def test_transitions(ticket_site: TicketSite, store: Store, state_path: tuple[str, ...], step: str,  # noqa: F811
                     allowed: bool) -> None:
    ticket = _by(_issued(store, ticket_site), "typo", target=REPAIRED_TYPO)["id"]
    actions = {
        "notify": lambda: tk.notify_tickets(store, [ticket], doc_number="〔2026〕1号", deadline=DEADLINE, issuer=None,
                                            actor=ACTOR),
        "reply": lambda: tk.reply_ticket(store, ticket, "已改正", actor=ACTOR),
        "verify": lambda: tk.request_verification(store, [ticket], actor=ACTOR),
        "exempt": lambda: tk.exempt_ticket(store, ticket, "引文原文", category="误报", actor=ACTOR),
        "close": lambda: tk.close_ticket(store, ticket, "已人工核实", actor=ACTOR),
    }
    for earlier in state_path:
        actions[earlier]()
    before = tk.ticket_detail(store, ticket)
    expected = {"notify": "notified", "reply": "replied", "verify": "verifying", "exempt": "exempted", "close": "closed"}
    if allowed:
        actions[step]()
        assert tk.ticket_detail(store, ticket)["state"] == expected[step]
    else:
        with pytest.raises(tk.TicketError, match=f"当前状态为「{before['state_label']}」"):
            actions[step]()
        after = tk.ticket_detail(store, ticket)
        assert (after["state"], len(after["events"])) == (before["state"], len(before["events"]))


def test_bad_input_is_a_chinese_error(ticket_site: TicketSite, store: Store) -> None:  # noqa: F811
    ticket = _by(_issued(store, ticket_site), "typo", target=REPAIRED_TYPO)["id"]
    cases = [
        (lambda: tk.reply_ticket(store, 99999, "x", actor=ACTOR), "没有编号为 99999 的工单"),
        (lambda: tk.notify_tickets(store, [], doc_number="1", deadline=DEADLINE, issuer=None, actor=ACTOR), "未指定工单"),
        (lambda: tk.notify_tickets(store, [ticket], doc_number=" ", deadline=DEADLINE, issuer=None, actor=ACTOR),
         "文号不能为空"),
        (lambda: tk.notify_tickets(store, [ticket, 99999], doc_number="1", deadline=DEADLINE, issuer=None,
                                   actor=ACTOR), "没有编号为 99999 的工单"),
        (lambda: tk.close_ticket(store, ticket, "  ", actor=ACTOR), "销号理由不能为空"),
        (lambda: tk.exempt_ticket(store, ticket, "理由", category="其他", actor=ACTOR), "豁免类别应为 误报或临时报备"),
        (lambda: tk.exempt_ticket(store, ticket, "", category="误报", actor=ACTOR), "豁免理由不能为空"),
        (lambda: tk.list_tickets(store, states=["open"]), "未知的工单状态"),
        (lambda: tk.site_for_url(store, "not a url"), "网站地址无效"),
        (lambda: tk.site_for_url(store, "http://127.0.0.1:1/"), "库中没有首页为"),
        (lambda: tk.ticket_attachment(store, 12345), "没有编号为 12345 的附件"),
        (lambda: tk.notice_model(store, 777), "没有编号为 777 的整改通知"),
    ]
    for call, message in cases:
        with pytest.raises(tk.TicketError, match=message):
            call()
    assert tk.ticket_detail(store, ticket)["state"] == "pending"


def test_verification_job_is_enqueued_in_the_same_transaction(ticket_site: TicketSite, store: Store) -> None:  # noqa: F811
    rows = _issued(store, ticket_site)
    a = _by(rows, "typo", target=REPAIRED_TYPO)["id"]
    b = next(r["id"] for r in rows.values() if r["kind"] == "broken_link")
    tk.notify_tickets(store, [a], doc_number="〔2026〕1号", deadline=DEADLINE, issuer=None, actor=ACTOR)
    # b is still pending: the whole request fails, no job is queued and a stays notified.
    with pytest.raises(tk.TicketError, match=f"工单 {b}"):
        tk.request_verification(store, [a, b], actor=ACTOR)
    assert active_job_request(store, "recheck", ticket_site.site_id) is None
    assert tk.ticket_detail(store, a)["state"] == "notified"
    tk.notify_tickets(store, [b], doc_number="〔2026〕2号", deadline=DEADLINE, issuer=None, actor=ACTOR)
    job_id = tk.request_verification(store, [a, b], actor=ACTOR)
    job = job_request(store, job_id)
    assert job is not None
    assert (job["kind"], job["site_id"], job["args"], job["state"]) == \
           ("recheck", ticket_site.site_id, {"tickets": [a, b]}, "queued")
    assert {tk.ticket_detail(store, i)["verify_job_id"] for i in (a, b)} == {job_id}


def test_attachments_round_trip_and_limits(ticket_site: TicketSite, store: Store) -> None:  # noqa: F811
    ticket = _by(_issued(store, ticket_site), "typo", target=REPAIRED_TYPO)["id"]
    tk.notify_tickets(store, [ticket], doc_number="〔2026〕1号", deadline=DEADLINE, issuer=None, actor=ACTOR)
    big = bytes(range(256)) * (tk.MAX_ATTACHMENT_BYTES // 256)  # exactly the limit: accepted
    with pytest.raises(tk.TicketError, match="超过每个文件 10 MB 的上限"):
        tk.reply_ticket(store, ticket, "整改完成", [("大文件.bin", "", big + b"x")], actor=ACTOR)
    with pytest.raises(tk.TicketError, match="每次反馈最多 20 个"):
        tk.reply_ticket(store, ticket, "整改完成", [(f"{i}.txt", "text/plain", b"x") for i in range(21)], actor=ACTOR)
    assert tk.ticket_detail(store, ticket)["state"] == "notified"
    files = [("整改说明.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04doc"),
             ("C:\\Users\\a\\截图.png", "image/png", b"\x89PNG"), ("大文件.bin", "", big), ("副本.png", "image/png", b"\x89PNG")]
    tk.reply_ticket(store, ticket, "整改完成", files, actor="operator1")
    detail = tk.ticket_detail(store, ticket)
    meta = detail["attachments"]
    assert [(a["filename"], a["content_type"], a["size"]) for a in meta] == [
        ("整改说明.docx", files[0][1], 7), ("截图.png", "image/png", 4),
        ("大文件.bin", "application/octet-stream", len(big)), ("副本.png", "image/png", 4)]
    reply_event = detail["events"][-1]
    assert {a["event_id"] for a in meta} == {reply_event["id"]}
    assert reply_event["data"] == {"attachments": ["整改说明.docx", "截图.png", "大文件.bin", "副本.png"]}
    assert meta[1]["blob_hash"] == meta[3]["blob_hash"]  # one body, stored once
    for a, (_, _, body) in zip(meta, files, strict=True):
        name, ctype, got = tk.ticket_attachment(store, a["id"])
        assert (name, got) == (a["filename"], body)


# -- verification ---------------------------------------------------------------------------------


def test_verification_closes_fixed_returns_remaining(ticket_site: TicketSite, store: Store) -> None:  # noqa: F811
    rows = _issued(store, ticket_site)
    fixed_link = _by(rows, "broken_link", target=ticket_site.repaired_target)
    still_link = next(r for r in rows.values() if r["kind"] == "broken_link" and r["url"] == ticket_site.site_url
                      and r["target"] != ticket_site.repaired_target)
    fixed_typo = _by(rows, "typo", target=REPAIRED_TYPO)
    still_typo = next(r for r in rows.values() if r["kind"] == "typo" and r["target"] != REPAIRED_TYPO)
    ids = [fixed_link["id"], still_link["id"], fixed_typo["id"], still_typo["id"]]
    tk.notify_tickets(store, ids, doc_number="〔2026〕3号", deadline=DEADLINE, issuer=None, actor=ACTOR)
    tk.reply_ticket(store, still_typo["id"], "已改正", actor=ACTOR)
    tk.request_verification(store, ids, actor=ACTOR)
    states = tk.apply_verification(store, ticket_site.fixed_run, ids, actor="service")
    assert states == {fixed_link["id"]: "closed", still_link["id"]: "returned", fixed_typo["id"]: "closed",
                      still_typo["id"]: "returned"}
    returned = tk.ticket_detail(store, still_link["id"])["events"][-1]
    assert returned["data"]["outcome"] == "returned" and returned["data"]["run_id"] == ticket_site.fixed_run
    assert returned["data"]["evidence"]["classification"] in ("confirmed", "soft404")  # the new finding's evidence
    # A returned ticket can be answered and verified again.
    tk.reply_ticket(store, still_link["id"], "再次整改", actor=ACTOR)
    assert tk.ticket_detail(store, still_link["id"])["state"] == "replied"


def test_verification_never_closes_on_an_unread_page(ticket_site: TicketSite, store: Store) -> None:  # noqa: F811
    rows = _issued(store, ticket_site)
    deep = _by(rows, "typo", target=REPAIRED_TYPO)  # its article is not read by the homepage-only run
    other = next(r for r in rows.values() if r["kind"] == "typo" and r["target"] != REPAIRED_TYPO)
    tk.notify_tickets(store, [deep["id"], other["id"]], doc_number="〔2026〕4号", deadline=DEADLINE, issuer=None,
                      actor=ACTOR)
    tk.reply_ticket(store, other["id"], "已改正", actor=ACTOR)
    tk.request_verification(store, [deep["id"], other["id"]], actor=ACTOR)
    states = tk.apply_verification(store, ticket_site.partial_run, [deep["id"], other["id"]], actor="service")
    assert states == {deep["id"]: "notified", other["id"]: "replied"}  # back where each was before verifying
    event = tk.ticket_detail(store, deep["id"])["events"][-1]
    assert event["note"].startswith(tk.UNREAD_NOTE) and deep["url"] in event["note"]
    assert (event["from_state"], event["to_state"], event["data"]["outcome"]) == ("verifying", "notified", "unverified")


def test_verification_leaves_reviewer_findings_and_other_tickets(ticket_site: TicketSite, store: Store) -> None:  # noqa: F811
    from govwatch.scoring.review import add_finding
    from govwatch.store.stored_run import StoreRunData

    run = ticket_site.found_run
    rules = StoreRunData(store, run).rules
    indicator = next(i["id"] for i in rules.data["indicators"] if i.get("kind", "deduction") == "deduction")
    add_finding(store, run, rules, indicator=indicator, kind="reviewer_finding", url=ticket_site.site_url,
                message="首页信息与实际不符", points=1)
    score_stored_run(store, run)
    rows = _issued(store, ticket_site)
    reviewer = next(r for r in rows.values() if r["origin"] == "reviewer")
    pending = _by(rows, "typo", target=REPAIRED_TYPO)
    tk.notify_tickets(store, [reviewer["id"]], doc_number="〔2026〕5号", deadline=DEADLINE, issuer=None, actor=ACTOR)
    tk.request_verification(store, [reviewer["id"]], actor=ACTOR)
    states = tk.apply_verification(store, ticket_site.fixed_run, [reviewer["id"], pending["id"]], actor="service")
    assert states == {reviewer["id"]: "notified", pending["id"]: "pending"}
    assert "人工" in tk.ticket_detail(store, reviewer["id"])["events"][-1]["note"]
    assert len(tk.ticket_detail(store, pending["id"])["events"]) == 1  # untouched: only its issue event
    # Closed by hand after the re-check: the lasting reviewer finding is fixed as of the re-check run,
    # so a later run neither scores nor tickets it again.
    tk.close_ticket(store, reviewer["id"], "经人工核实已整改", actor="manager1")
    (entered,) = [r for r in review_rows(store, run, ticket_site.site_id).findings]
    assert (entered["status"], entered["ended_run_id"]) == ("fixed", ticket_site.fixed_run)
    assert tk.ticket_detail(store, reviewer["id"])["events"][-1]["data"] == \
           {"reviewer_finding": entered["id"], "fixed_as_of_run": ticket_site.fixed_run}
    score_stored_run(store, ticket_site.fixed_run)
    tk.issue_tickets(store, ticket_site.fixed_run, actor=ACTOR)
    assert [r["id"] for r in tk.list_tickets(store) if r["origin"] == "reviewer"] == [reviewer["id"]]


def test_reviewer_ticket_needs_a_later_run_to_close(ticket_site: TicketSite, store: Store) -> None:  # noqa: F811
    from govwatch.scoring.review import add_finding
    from govwatch.store.stored_run import StoreRunData

    run = ticket_site.partial_run  # the site's newest run: none comes after it
    rules = StoreRunData(store, run).rules
    indicator = next(i["id"] for i in rules.data["indicators"] if i.get("kind", "deduction") == "deduction")
    add_finding(store, run, rules, indicator=indicator, kind="reviewer_finding", url=ticket_site.site_url,
                message="首页信息与实际不符", points=1)
    score_stored_run(store, run)
    tk.issue_tickets(store, run, actor=ACTOR)
    reviewer = next(r for r in tk.list_tickets(store) if r["origin"] == "reviewer")
    with pytest.raises(tk.TicketError, match="销号须以录入之后的一次检查为准"):
        tk.close_ticket(store, reviewer["id"], "已整改", actor=ACTOR)
    assert tk.ticket_detail(store, reviewer["id"])["state"] == "pending"
    assert review_rows(store, run, ticket_site.site_id).findings[0]["status"] == "active"


# -- exemption, close --------------------------------------------------------------------------------


def test_exemption_is_site_wide_and_survives_rescoring(ticket_site: TicketSite, store: Store) -> None:  # noqa: F811
    rows = _issued(store, ticket_site)
    ticket = _by(rows, "typo", target=REPAIRED_TYPO)
    tk.exempt_ticket(store, ticket["id"], "引用文件原文", category="误报", actor=ACTOR)
    detail = tk.ticket_detail(store, ticket["id"])
    assert detail["state"] == "exempted"
    assert (detail["events"][-1]["note"], detail["events"][-1]["data"]) == ("引用文件原文", {"category": "误报"})
    exemptions = review_rows(store, ticket_site.fixed_run, ticket_site.site_id).exemptions  # another run: site-wide
    assert (ticket["fingerprint"], "误报：引用文件原文") in exemptions
    sheet = score_stored_run(store, ticket_site.found_run).sheet
    assert sheet["findings"][ticket["problem_id"]]["status"] == "exempt"
    assert tk.issue_tickets(store, ticket_site.found_run, actor=ACTOR) == []  # exempted: never issued again


def test_close_by_hand_then_reissue(ticket_site: TicketSite, store: Store) -> None:  # noqa: F811
    rows = _issued(store, ticket_site)
    ticket = _by(rows, "typo", target=REPAIRED_TYPO)
    tk.close_ticket(store, ticket["id"], "经人工核实已整改", actor="manager1")
    detail = tk.ticket_detail(store, ticket["id"])
    assert (detail["state"], detail["events"][-1]["note"], detail["events"][-1]["actor"]) == \
           ("closed", "经人工核实已整改", "manager1")
    # Still found by the run: a closed ticket is no open ticket, so issuing makes a new one.
    again = tk.issue_tickets(store, ticket_site.found_run, actor=ACTOR)
    assert [r["fingerprint"] for r in tk.list_tickets(store) if r["id"] in again] == [ticket["fingerprint"]]


# -- overdue, figures, models --------------------------------------------------------------------------


def test_overdue(ticket_site: TicketSite, store: Store) -> None:  # noqa: F811
    rows = _issued(store, ticket_site)
    a = _by(rows, "typo", target=REPAIRED_TYPO)["id"]
    b = next(r["id"] for r in rows.values() if r["kind"] == "typo" and r["id"] != a)
    tk.notify_tickets(store, [a, b], doc_number="〔2026〕6号", deadline=DEADLINE, issuer=None, actor=ACTOR)
    tk.reply_ticket(store, b, "已改正", actor=ACTOR)
    assert tk.overdue_tickets(store, DEADLINE) == []  # the deadline day itself is not overdue
    late = tk.overdue_tickets(store, date(2026, 12, 11))
    assert [r["id"] for r in late] == [a] and late[0]["overdue"]
    listed = {r["id"]: r["overdue"] for r in tk.list_tickets(store, overdue_on=date(2026, 12, 11))}
    assert listed[a] and not listed[b]


def test_figures(ticket_site: TicketSite, store: Store) -> None:  # noqa: F811
    rows = _issued(store, ticket_site)
    typo_a = _by(rows, "typo", target=REPAIRED_TYPO)
    typo_b = next(r for r in rows.values() if r["kind"] == "typo" and r["id"] != typo_a["id"])
    link = next(r for r in rows.values() if r["kind"] == "broken_link" and r["url"] == ticket_site.site_url
                and r["target"] != ticket_site.repaired_target)
    ids = [typo_a["id"], typo_b["id"], link["id"]]
    tk.notify_tickets(store, ids, doc_number="〔2026〕7号", deadline=date(2026, 1, 1), issuer=None, actor=ACTOR)
    tk.request_verification(store, [typo_a["id"], link["id"]], actor=ACTOR)
    tk.apply_verification(store, ticket_site.fixed_run, [typo_a["id"], link["id"]], actor="service")
    today = tk.clock.today()
    figures = tk.ticket_figures(store, [ticket_site.site_id], date(today.year, 1, 1), today)
    mine = figures[ticket_site.site_url]
    assert (list(figures), mine["issued"], mine["closed"], mine["returned"], mine["overdue"]) == \
           ([ticket_site.site_url], 3, 1, 1, 2)
    assert sorted(mine["overdue_list"]) == sorted([typo_b["problem_id"], link["problem_id"]])  # notified, returned
    # Another period: nothing happened then, and by its end nothing was due yet.
    empty = tk.ticket_figures(store, [ticket_site.site_id], date(2025, 1, 1), date(2025, 3, 31))
    assert empty[ticket_site.site_url] == {"issued": 0, "closed": 0, "returned": 0, "overdue": 0, "overdue_list": []}


def test_notice_model(ticket_site: TicketSite, store: Store) -> None:  # noqa: F811
    rows = _issued(store, ticket_site)
    link = _by(rows, "broken_link", target=ticket_site.repaired_target)
    column = next(r for r in rows.values() if r["kind"] == "stale_column")
    notice = tk.notify_tickets(store, [link["id"], column["id"]], doc_number="〔2026〕8号", deadline=DEADLINE,
                               issuer="市政府办公室", actor=ACTOR)
    model = tk.notice_model(store, notice)
    assert {k: model[k] for k in ("kind", "notice_id", "doc_number", "issuer", "deadline", "reply_form")} == \
           {"kind": "notice", "notice_id": notice, "doc_number": "〔2026〕8号", "issuer": "市政府办公室",
            "deadline": "2026-12-10", "reply_form": True}
    assert model["date"] == tk.clock.today().isoformat()
    assert model["unit"]["url"] == ticket_site.site_url and model["unit"]["name"] == ticket_site.truth["name"]
    assert model["unit"]["site_code"] == ticket_site.truth["site_code"]  # as the site's footer states it
    assert ticket_site.truth["name"] in model["title"]
    by_id = {t["problem_id"]: t for t in model["tickets"]}
    assert set(by_id) == {link["problem_id"], column["problem_id"]}
    first = by_id[link["problem_id"]]
    assert (first["label"], first["url"], first["deadline"]) == \
           (catalogue().label("broken_link"), ticket_site.site_url, "2026-12-10")
    assert first["label"] != "broken_link" and first["message"] == link["message"]
    assert first["evidence"]["classification"] == "confirmed"  # the raw evidence: the renderer labels it
    assert by_id[column["problem_id"]]["where"] == column["evidence"]["column"]


def test_recheck_model(ticket_site: TicketSite, store: Store) -> None:  # noqa: F811
    rows = _issued(store, ticket_site)
    fixed = _by(rows, "broken_link", target=ticket_site.repaired_target)
    still = _by(rows, "typo", target=next(r["target"] for r in rows.values()
                                          if r["kind"] == "typo" and r["target"] != REPAIRED_TYPO))
    unread = _by(rows, "typo", target=REPAIRED_TYPO)
    waived = next(r for r in rows.values() if r["kind"] == "stale_column")
    tk.notify_tickets(store, [fixed["id"], still["id"]], doc_number="〔2026〕9号", deadline=DEADLINE,
                      issuer="市政府办公室", actor=ACTOR)
    tk.request_verification(store, [fixed["id"], still["id"]], actor=ACTOR)
    tk.apply_verification(store, ticket_site.fixed_run, [fixed["id"], still["id"]], actor="service")
    tk.exempt_ticket(store, waived["id"], "栏目已撤并", category="临时报备", actor=ACTOR)
    model = tk.recheck_model(store, ticket_site.site_id, ticket_site.fixed_run)
    assert (model["kind"], model["run_id"], model["issuer"], model["unit"]["url"]) == \
           ("recheck", ticket_site.fixed_run, "市政府办公室", ticket_site.site_url)
    assert [t["problem_id"] for t in model["fixed"]] == [fixed["problem_id"]]
    assert [t["problem_id"] for t in model["remaining"]] == [still["problem_id"]]
    new = model["remaining"][0]["new_evidence"]  # as the re-check found it: the other typo beside it was corrected
    assert new["found"] == still["evidence"]["found"] and REPAIRED_TYPO in still["evidence"]["context"]
    assert REPAIRED_TYPO not in new["context"] and "工作" in new["context"]
    assert model["unverified"] == []
    assert [(t["problem_id"], t["reason"]) for t in model["exempted"]] == [(waived["problem_id"], "栏目已撤并")]
    assert unread["problem_id"] not in {t["problem_id"] for group in ("fixed", "remaining", "unverified")
                                        for t in model[group]}
    with pytest.raises(tk.TicketError, match="不是该网站的运行"):
        tk.recheck_model(store, ticket_site.site_id + 1, ticket_site.fixed_run)


def test_one_notice_and_one_recheck_job_per_site(ticket_site: TicketSite, store: Store) -> None:  # noqa: F811
    from govwatch.scoring.review import add_finding
    from govwatch.store.stored_run import StoreRunData

    other_run = ticket_site.withheld_run  # the second site
    rules = StoreRunData(store, other_run).rules
    indicator = next(i["id"] for i in rules.data["indicators"] if i.get("kind", "deduction") == "deduction")
    add_finding(store, other_run, rules, indicator=indicator, kind="reviewer_finding",
                url=ticket_site.sim.site_url("shut"), message="网站长期无法访问", points=1)
    score_stored_run(store, other_run)
    (theirs,) = tk.issue_tickets(store, other_run, actor=ACTOR)
    mine = _by(_issued(store, ticket_site), "typo", target=REPAIRED_TYPO)["id"]
    with pytest.raises(tk.TicketError, match="属于不同网站"):
        tk.notify_tickets(store, [mine, theirs], doc_number="〔2026〕10号", deadline=DEADLINE, issuer=None, actor=ACTOR)
    for ticket in (mine, theirs):
        tk.notify_tickets(store, [ticket], doc_number="〔2026〕10号", deadline=DEADLINE, issuer=None, actor=ACTOR)
    with pytest.raises(tk.TicketError, match="属于不同网站"):
        tk.request_verification(store, [mine, theirs], actor=ACTOR)
    assert {tk.ticket_detail(store, i)["state"] for i in (mine, theirs)} == {"notified"}
    assert len({tk.ticket_detail(store, i)["notice_id"] for i in (mine, theirs)}) == 2
