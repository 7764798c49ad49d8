"""``govwatch demo`` on a small portfolio: every report file read back as text and checked against
the inspection documents and the simulator's manifest; the dashboard login it prints opens the
dashboard over the demo's store."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
import shutil
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from govwatch.commands import demo as demo_command
from govwatch.commands.main import main
from govwatch.core.serviceconfig import load_service_config
from govwatch.core.settings import Settings
from govwatch.store.db import Store
from govwatch.web.app import create_app

SITES = ("trs", "jyj")  # a city portal and a department without 办事服务 (scored ×4/3)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "out"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["demo", "--out", str(out), "--pages", "60", "--sites", ",".join(SITES),
                     "--as-of", "2026-11-22"]) == 0
    (out / "stdout.txt").write_text(printed.getvalue(), encoding="utf-8")
    return out


def _doc(demo: Path, site: str) -> dict[str, Any]:
    return json.loads((demo / site / "inspection.json").read_text(encoding="utf-8"))


def _docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_registry_profile_reaches_the_score(demo: Path) -> None:
    manifest = json.loads((demo / "manifest.json").read_text(encoding="utf-8"))
    for site in SITES:
        doc = _doc(demo, site)
        assert doc["site"]["name"] == manifest["sites"][site]["name"]
        profile = doc["scoring"]["site_profile"]
        assert profile["role"] == ("portal" if site == "trs" else "department")
        assert profile["has_services"] is (site != "jyj")
    assert _doc(demo, "jyj")["scoring"]["skipped_groups"] == ["办事服务"]


def test_word_report_names_site_verdict_and_every_problem(demo: Path) -> None:
    for site in SITES:
        doc = _doc(demo, site)
        text = _docx_text(demo / site / "report.docx")
        assert doc["site"]["name"] in text and doc["site"]["site_code"] in text
        assert (doc["verdict"] or "待定") in text
        missing = [f["id"] for f in doc["findings"] if f["id"] not in text]
        assert not missing, f"{site}: problem IDs missing from report.docx: {missing}"


@pytest.mark.skipif(shutil.which("chromium") is None and not Path("/usr/bin/chromium").exists(),
                    reason="the PDF report needs Debian's chromium (scripts/bootstrap installs it)")
def test_pdf_report_is_text_with_site_verdict_and_problem_ids(demo: Path) -> None:
    for site in SITES:
        doc = _doc(demo, site)
        reader = PdfReader(str(demo / site / "report.pdf"))
        text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
        assert doc["site"]["name"] in text and (doc["verdict"] or "待定") in text
        missing = [f["id"] for f in doc["findings"] if f["id"] not in text]
        assert not missing, f"{site}: problem IDs missing from report.pdf: {missing}"


def test_selfcheck_workbook_has_a_sheet_per_indicator_with_its_findings(demo: Path) -> None:
    doc = _doc(demo, "trs")
    book = openpyxl.load_workbook(demo / "trs" / "自查表.xlsx", read_only=True)
    indicators = doc["scoring"]["indicators"]
    assert len(book.sheetnames) >= len(indicators) + 1
    cells = {str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None}
    for ind in indicators:
        for f in ind["findings"]:
            assert f["id"] in cells


def test_a_rectification_notice_per_site_names_its_problems(demo: Path) -> None:
    """The loop's first step on the demo portfolio: one 整改通知 (.docx and its PDF) per site, sent to
    the unit, naming every scored problem of the site's run by its problem ID."""
    for site in SITES:
        doc = _doc(demo, site)
        name = doc["site"]["name"]
        notices = list((demo / "整改通知").glob(f"*{name}*.docx"))
        assert len(notices) == 1, f"{site}: {notices}"
        text = _docx_text(notices[0])
        assert f"关于{name}网站问题整改的通知" in text and "整改情况反馈表" in text
        scored = {f["id"] for f in doc["findings"] if (f.get("scoring") or {}).get("status") == "scored"}
        assert scored and all(problem in text for problem in scored)
        assert PdfReader(str(notices[0].with_suffix(".pdf"))).pages


def test_bulletin_score_table_and_notice(demo: Path) -> None:
    docs = {site: _doc(demo, site) for site in SITES}
    book = openpyxl.load_workbook(demo / "bulletin" / "得分表.xlsx", read_only=True)
    rows = [row for row in book.worksheets[0].iter_rows(values_only=True)]
    header = next(r for r in rows if r and r[:2] == ("序号", "单位"))
    total_col = header.index("扣分合计")
    verdict_col = header.index("检查结论")
    by_name = {r[1]: r for r in rows if r and r[1] in {d["site"]["name"] for d in docs.values()}}
    assert len(by_name) == len(SITES)
    for doc in docs.values():
        row = by_name[doc["site"]["name"]]
        assert row[total_col] == pytest.approx(doc["scoring"]["deducted"])
        assert row[verdict_col] == (doc["verdict"] or "待定")
    notice = _docx_text(demo / "bulletin" / "通报.docx")
    assert f"共检查政府网站{len(SITES)}个" in notice
    assert all(d["site"]["name"] in notice for d in docs.values())
    index = (demo / "index.html").read_text(encoding="utf-8")
    assert (demo / "bulletin" / "通报.pdf").stat().st_size > 0  # LibreOffice's PDF of the 通报
    assert "得分表.xlsx" in index and all(f"{s}/report.pdf" in index for s in SITES)


LOGIN = re.compile(r"然后打开 (\S+) 并以 (\S+) 登录，密码 (\S+) ")
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]*)"')


def test_demo_ends_with_the_dashboard_command_url_and_a_login_that_works(demo: Path) -> None:
    printed = (demo / "stdout.txt").read_text(encoding="utf-8")
    serve = next(line for line in printed.splitlines() if line.startswith("网页看板启动命令："))
    command = shlex.split(serve.removeprefix("网页看板启动命令："))
    db = demo / "govwatch.db"
    assert Path(command[0]).name == "govwatch" and command[1] == "serve" and "--no-alerts" in command
    assert Path(command[command.index("--db") + 1]) == db.resolve()
    config = load_service_config(command[command.index("--config") + 1])  # what serve reads: it parses
    assert not config.channels and not config.sites and not config.use_registry  # the sim is gone: watch nothing
    found = LOGIN.search(printed)
    assert found, printed
    url, user, password = found.groups()
    assert url == "http://127.0.0.1:8000/" and user == "demo"
    assert len(password) >= 12 and password not in Path(demo_command.__file__).read_text(encoding="utf-8")

    manifest = json.loads((demo / "manifest.json").read_text(encoding="utf-8"))
    store = Store(f"sqlite:///{db}")
    try:
        with TestClient(create_app(store, Settings())) as browser:
            def login_token() -> str:
                field = CSRF_INPUT.search(browser.get("/login").text)
                assert field
                return field.group(1)

            wrong = browser.post("/login", data={"name": user, "password": password + "x",
                                                 "csrf_token": login_token()}, follow_redirects=False)
            assert wrong.status_code != 303 and "gw_session" not in browser.cookies
            signed_in = browser.post("/login", data={"name": user, "password": password, "csrf_token": login_token()},
                                     follow_redirects=True)
            assert signed_in.status_code == 200 and signed_in.url.path == "/"
            sites = browser.get("/api/v1/sites").json()["sites"]
            assert {s["name"] for s in sites} >= {manifest["sites"][s]["name"] for s in SITES}  # admin: every site
            assert "管理" in signed_in.text  # the admin's navigation
    finally:
        store.close()
