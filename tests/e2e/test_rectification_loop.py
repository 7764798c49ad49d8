"""The rectification loop end to end on the simulator (docs/rectification.md): inspect a site, issue
tickets, notify them with a deadline, the simulator repairs two planted defects (a broken link and a
wording error) and not a third, the unit replies (text and an attachment), a manager asks for
verification (a queued ``recheck`` job), the service's job runner (the scheduler) runs the re-check,
and the repaired tickets are closed while the unrepaired one is returned with new evidence. An
exempted finding survives two later full scans: still found, exempted, never ticketed again.
Everything is asserted against the simulator's manifest."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from govwatch.commands.main import main
from govwatch.core.catalogue import problem_id
from govwatch.core.serviceconfig import parse_service_config
from govwatch.pipeline import inspect_site
from govwatch.scoring.tickets import (
    exempt_ticket,
    issue_tickets,
    notify_tickets,
    reply_ticket,
    request_verification,
)
from govwatch.service.scheduler import Scheduler
from govwatch.sim import SimOptions, SimServer
from govwatch.store.db import Store
from govwatch.store.run_results import check_findings
from govwatch.store.ticket_rows import attachment_rows, audit_trail, ticket_rows
from govwatch.store.web_rows import job_request, score_sheet_of
from tests.conftest import AS_OF, SLOW_SECONDS, sim_settings

SITE = "trs"
LIMIT = 120.0  # seconds the scheduler may take to run the re-check job (a hang fails the test)


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    """A simulator of its own (repairs change what it serves)."""
    options = SimOptions(seed=7, as_of=AS_OF, site_pages=50, slow_seconds=SLOW_SECONDS, slow_ok_seconds=0.2)
    with SimServer(options).running() as server:
        yield server


def truth(sim: SimServer) -> dict[str, Any]:
    return sim.manifest["sites"][SITE]


def one(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    found = [r for r in rows if all(r.get(k) == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def run_job(store: Store, job_id: int) -> dict[str, Any]:
    """Run the service's scheduler (no watched sites, alerts off) until the job request is finished."""
    config = parse_service_config({"use_registry": False}, "service.yaml", environ={})
    scheduler = Scheduler(store, config, sim_settings(store.url), alerts=False)

    def finished() -> bool:
        row = job_request(store, job_id)
        return row is not None and row["state"] in ("done", "failed")

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LIMIT

        async def watch() -> None:
            while not finished() and loop.time() < deadline:
                await asyncio.sleep(0.2)
            stop.set()
        watcher = asyncio.create_task(watch())
        await scheduler.run(stop, poll=0.2)
        await watcher
    asyncio.run(go())
    row = job_request(store, job_id)
    assert row is not None
    return row


def test_the_rectification_loop(sim: SimServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = Store(f"sqlite:///{tmp_path / 'loop.db'}")
    settings = sim_settings(store.url)
    url = sim.site_url(SITE)
    first = inspect_site(url, settings, store, as_of=AS_OF).run_id
    issued = ticket_rows(store, issue_tickets(store, first, actor="cli:manager"))
    assert issue_tickets(store, first, actor="cli:manager") == []  # idempotent

    # The manifest's planted defects, and their tickets.
    site = truth(sim)
    link = next(b for b in site["broken_links"] if b["fault"] == "404" and b["resource"] == "page"
                and b["scope"] == "other")
    wording = [p for p in site["planted"] if p["kind"] == "wording_error"]
    typo = next(p for p in site["planted"] if p["kind"] == "typo")
    exempted_link = next(b for b in site["broken_links"] if b["fault"] == "410")
    link_ticket = one(issued, kind="broken_link", target=link["target"])
    assert link_ticket["url"] == link["source"]
    wording_ticket = next(t for t in issued if t["kind"] == "wording_error"
                          and t["evidence"].get("found") == wording[0]["match"]["found"])
    typo_ticket = next(t for t in issued if t["kind"] == "typo" and t["evidence"].get("found") == typo["match"]["found"])
    exempt_me = one(issued, kind="broken_link", target=exempted_link["target"])
    loop = [link_ticket["id"], wording_ticket["id"], typo_ticket["id"]]

    # 整改通知 with a deadline; the exemption (误报) of a fourth finding.
    deadline = AS_OF + timedelta(days=10)
    notify_tickets(store, [*loop, exempt_me["id"]], doc_number="〔2026〕7号", deadline=deadline,
                   issuer="县政务公开办", actor="cli:manager")
    exempt_ticket(store, exempt_me["id"], "该链接指向已撤销的专题，已报备", category="误报", actor="cli:manager")

    # The unit repairs two defects (not the typo) and replies with text and an attachment.
    repaired = [sim.repair(link["target"]), sim.repair(wording[0]["url"], found=wording[0]["match"]["found"])]
    assert [r["kind"] for r in sim.manifest["repaired"]] == ["broken_link", "wording_error"]
    for ticket_id in loop:
        reply_ticket(store, ticket_id, "已按通知要求整改，请复查。", [("整改截图.png", "image/png", b"\x89PNG fix")],
                     actor="cli:unit")
        assert [a["filename"] for a in attachment_rows(store, ticket_id)] == ["整改截图.png"]

    # Verification: the tickets and the queued job in one change.
    job_id = request_verification(store, loop, actor="cli:manager")
    job = job_request(store, job_id)
    assert job is not None and job["kind"] == "recheck" and job["state"] == "queued"
    assert job["args"] == {"tickets": loop} and job["site_id"] == link_ticket["site_id"]
    assert {(t["state"], t["verify_job_id"]) for t in ticket_rows(store, loop)} == {("verifying", job_id)}

    # The service's job runner runs the re-check.
    done = run_job(store, job_id)
    assert done["state"] == "done", done["error"]
    recheck = store.run(int(done["run_id"]))
    assert recheck["kind"] == "recheck" and recheck["status"] == "completed" and recheck["complete"] is False
    assert recheck["stats"]["pages"] < site["page_count"] // 2  # the affected pages, not the site

    after = {t["id"]: t for t in ticket_rows(store, loop)}
    repaired_urls = {r["url"] for r in repaired}
    assert link["target"] in repaired_urls and wording[0]["url"] in repaired_urls
    assert after[link_ticket["id"]]["state"] == "closed"
    assert after[wording_ticket["id"]]["state"] == "closed"
    assert after[typo_ticket["id"]]["state"] == "returned"  # the manifest: typo["url"] was never repaired
    assert typo["url"] not in repaired_urls
    assert all(after[i]["verify_run_id"] == recheck["id"] for i in loop)
    returned = audit_trail(store, "ticket", typo_ticket["id"])[-1]
    assert returned["to_state"] == "returned" and returned["actor"] == "service"
    assert returned["data"]["evidence"]["found"] == typo["match"]["found"]
    # The other wording errors of the article were not repaired: the re-check still finds them.
    still = {f.evidence.get("found") for f in check_findings(store, recheck["id"]) if f.kind == "wording_error"}
    assert still == {p["match"]["found"] for p in wording[1:]}

    # govwatch runs shows the re-check as 复查, never a verdict.
    assert main(["runs", "--db", store.url, "--kind", "recheck"]) == 0
    out = capsys.readouterr().out
    assert "recheck" in out and "复查" in out

    # The exemption survives two later full scans: the finding is still found, exempted, not re-ticketed.
    for _ in range(2):
        later = inspect_site(url, settings, store, as_of=AS_OF).run_id
        findings = {f.fingerprint: f for f in check_findings(store, later)}
        assert exempt_me["fingerprint"] in findings
        sheet = score_sheet_of(store, later)
        assert sheet is not None
        assert sheet["findings"][problem_id(findings[exempt_me["fingerprint"]])]["status"] == "exempt"
        assert link_ticket["fingerprint"] not in findings  # repaired: gone from the full scan too
        new = ticket_rows(store, issue_tickets(store, later, actor="cli:manager"))
        assert exempt_me["fingerprint"] not in {t["fingerprint"] for t in new}
        assert typo_ticket["fingerprint"] not in {t["fingerprint"] for t in new}  # still open: not twice
    assert ticket_rows(store, [exempt_me["id"]])[0]["state"] == "exempted"
    assert deadline > date(2026, 11, 22)
    store.close()
