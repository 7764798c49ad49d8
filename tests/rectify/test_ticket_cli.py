"""``govwatch ticket``: the whole life of tickets through the real command line on a copy of a real
inspection's store; the re-check run in the command (``verify --now``) against the running simulator;
the 整改通知 and 复查报告 files (LibreOffice for the PDF); bad input exits 2 with a Chinese message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from govwatch.commands.main import main
from tests.conftest import CRAWL_TIMEOUT, SIM_ALLOW_PRIVATE
from tests.rectify.ticket_support import REPAIRED_TYPO, TicketSite, ticket_site  # noqa: F401 - the fixture


@pytest.fixture()
def db(ticket_site: TicketSite, tmp_path: Path) -> str:  # noqa: F811 - the fixture by name
    ticket_site.copy(tmp_path).close()
    return str(tmp_path / "tickets.db")


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> Any:
    capsys.readouterr()
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def _fails(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err, err


def test_ticket_life_through_the_cli(ticket_site: TicketSite, db: str, tmp_path: Path,  # noqa: F811
                                     capsys: pytest.CaptureFixture[str]) -> None:
    site = ticket_site.site_url
    assert main(["ticket", "issue", str(ticket_site.found_run), "--db", db]) == 0
    assert "个待下发工单" in capsys.readouterr().err
    assert main(["ticket", "issue", str(ticket_site.found_run), "--db", db]) == 0
    assert "没有需要新建工单的问题" in capsys.readouterr().err
    rows = _json(capsys, ["ticket", "list", "--site", site, "--json", "--db", db])
    assert rows and {r["state"] for r in rows} == {"pending"} and {r["site_url"] for r in rows} == {site}
    typo = next(r for r in rows if r["kind"] == "typo" and r["target"] == REPAIRED_TYPO)
    link = next(r for r in rows if r["kind"] == "broken_link" and r["target"] == ticket_site.repaired_target)

    # notify without IDs: every pending ticket of the site (a deadline already past: they become overdue).
    assert main(["ticket", "notify", "--site", site, "--deadline", "2026-11-30", "--doc-number", "〔2026〕12号",
                 "--issuer", "市政府办公室", "--db", db]) == 0
    assert f"{len(rows)} 个工单" in capsys.readouterr().err
    notified = _json(capsys, ["ticket", "list", "--state", "notified", "--json", "--db", db])
    assert len(notified) == len(rows) and {r["deadline"] for r in notified} == {"2026-11-30"}

    shot = tmp_path / "截图.png"
    shot.write_bytes(b"\x89PNG\r\n")
    assert main(["ticket", "reply", str(typo["id"]), "--text", "已改正错别字", "--attach", str(shot), "--db", db]) == 0
    detail = _json(capsys, ["ticket", "show", str(typo["id"]), "--json", "--db", db])
    assert (detail["state"], detail["feedback"]) == ("replied", "已改正错别字")
    assert [(a["filename"], a["content_type"], a["size"]) for a in detail["attachments"]] == [("截图.png", "image/png", 6)]
    assert [e["action"] for e in detail["events"]] == ["issue", "notify", "reply"]
    assert {e["actor"] for e in detail["events"]} == {detail["events"][0]["actor"]}
    assert detail["events"][0]["actor"].startswith("cli")

    assert main(["ticket", "verify", str(typo["id"]), "--db", db]) == 0
    assert "已申请复查" in capsys.readouterr().err
    assert _json(capsys, ["ticket", "show", str(typo["id"]), "--json", "--db", db])["verify_job_id"]

    assert main(["ticket", "exempt", str(link["id"]), "--reason", "外部链接已停用", "--category", "临时报备",
                 "--db", db]) == 0
    other = next(r for r in rows if r["id"] not in (typo["id"], link["id"]))
    assert main(["ticket", "close", str(other["id"]), "--reason", "已人工核实", "--db", db]) == 0
    states = {r["id"]: r["state"] for r in _json(capsys, ["ticket", "list", "--json", "--db", db])}
    assert (states[typo["id"]], states[link["id"]], states[other["id"]]) == ("verifying", "exempted", "closed")
    overdue = _json(capsys, ["ticket", "list", "--overdue", "--json", "--db", db])
    assert {r["id"] for r in overdue} == {r["id"] for r in rows} - {typo["id"], link["id"], other["id"]}
    assert all(r["overdue"] and r["state"] == "notified" for r in overdue)

    capsys.readouterr()
    assert main(["ticket", "show", str(typo["id"]), "--db", db]) == 0
    shown = capsys.readouterr().out
    assert "复查中" in shown and "截图.png" in shown and "〔2026〕12号" in shown
    assert "单位反馈  已通知 → 已反馈" in shown and "申请复查  已反馈 → 复查中" in shown  # the trail, in Chinese


def test_bad_input_exits_2_in_chinese(ticket_site: TicketSite, db: str, tmp_path: Path,  # noqa: F811
                                      capsys: pytest.CaptureFixture[str]) -> None:
    site = ticket_site.site_url
    _fails(capsys, ["ticket", "show", "9999", "--db", db], "没有编号为 9999 的工单")
    _fails(capsys, ["ticket", "issue", "9999", "--db", db], "没有编号为 9999 的检查运行")
    _fails(capsys, ["ticket", "notify", "--site", site, "--deadline", "12/10", "--doc-number", "1", "--db", db],
           "--deadline 应为日期")
    _fails(capsys, ["ticket", "notify", "--site", site, "--deadline", "2026-12-10", "--doc-number", "1", "--db", db],
           "没有待下发的工单")
    _fails(capsys, ["ticket", "list", "--site", "http://127.0.0.1:9/", "--db", db], "库中没有首页为")
    _fails(capsys, ["ticket", "notice", "--site", site, "--out", str(tmp_path), "--db", db], "还没有下发过整改通知")
    _fails(capsys, ["ticket", "recheck-report", "--site", site, "--out", str(tmp_path), "--db", db],
           "还没有完成复查的工单")
    assert main(["ticket", "issue", str(ticket_site.found_run), "--db", db]) == 0
    first = _json(capsys, ["ticket", "list", "--json", "--db", db])[0]["id"]
    _fails(capsys, ["ticket", "reply", str(first), "--text", "已整改", "--db", db], "当前状态为「待下发」，不能反馈整改情况")
    _fails(capsys, ["ticket", "reply", str(first), "--text", "x", "--attach", str(tmp_path / "无此文件.png"), "--db", db],
           "无法读取附件")
    _fails(capsys, ["ticket", "close", str(first), "--reason", " ", "--db", db], "销号理由不能为空")
    assert _json(capsys, ["ticket", "show", str(first), "--json", "--db", db])["state"] == "pending"


def _config(folder: Path) -> str:
    crawl = {"concurrency": 16, "per_host_concurrency": 8, "per_host_rate": 0, "timeout": CRAWL_TIMEOUT,
             "connect_timeout": 1.0, "backoff": 0.1, "network": "offline", "seed_retry_seconds": 1.0,
             "allow_private": list(SIM_ALLOW_PRIVATE)}
    path = folder / "settings.yaml"
    path.write_text(yaml.safe_dump({"crawl": crawl, "render": {"enabled": False}}), encoding="utf-8")
    return str(path)


def test_verify_now_and_the_documents(ticket_site: TicketSite, db: str, tmp_path: Path,  # noqa: F811
                                      capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("govwatch.service.recheck")
    site = ticket_site.site_url
    assert main(["ticket", "issue", str(ticket_site.found_run), "--db", db]) == 0
    rows = _json(capsys, ["ticket", "list", "--json", "--db", db])
    fixed = next(r for r in rows if r["kind"] == "broken_link" and r["target"] == ticket_site.repaired_target)
    still = next(r for r in rows if r["kind"] == "broken_link" and r["url"] == site
                 and r["target"] != ticket_site.repaired_target and r["evidence"]["classification"] == "confirmed")
    ids = [str(fixed["id"]), str(still["id"])]
    assert main(["ticket", "notify", *ids, "--site", site, "--deadline", "2026-12-10", "--doc-number", "〔2026〕12号",
                 "--issuer", "市政府办公室", "--db", db]) == 0
    ticket_site.sim.repair(ticket_site.repaired_target)
    try:
        capsys.readouterr()
        assert main(["ticket", "verify", *ids, "--now", "--db", db, "--config", _config(tmp_path)]) == 0
    finally:
        ticket_site.sim.unrepair()
    err = capsys.readouterr().err
    assert f"工单 {fixed['id']} 已销号" in err and f"工单 {still['id']} 退回" in err, err
    detail = _json(capsys, ["ticket", "show", ids[0], "--json", "--db", db])
    run_id = detail["verify_run_id"]
    assert detail["state"] == "closed" and run_id and run_id != ticket_site.found_run

    out = tmp_path / "文书"
    capsys.readouterr()
    assert main(["ticket", "notice", "--site", site, "--out", str(out), "--db", db]) == 0
    assert main(["ticket", "recheck-report", "--site", site, "--out", str(out), "--no-pdf", "--db", db]) == 0
    written = sorted(p.name for p in out.iterdir())
    name = next(p.stem.removeprefix("整改通知-") for p in out.glob("整改通知-*.docx"))
    assert written == sorted([f"整改通知-{name}.docx", f"整改通知-{name}.pdf", f"复查报告-{name}.docx"])
    assert (out / f"整改通知-{name}.pdf").read_bytes().startswith(b"%PDF")
    from docx import Document

    notice_text = "\n".join(p.text for p in Document(str(out / f"整改通知-{name}.docx")).paragraphs)
    assert "〔2026〕12号" in notice_text or "12号" in notice_text
    report = Document(str(out / f"复查报告-{name}.docx"))
    cells = " ".join(c.text for t in report.tables for row in t.rows for c in row.cells)
    body = "\n".join(p.text for p in report.paragraphs) + cells
    assert fixed["problem_id"] in body and still["problem_id"] in body
