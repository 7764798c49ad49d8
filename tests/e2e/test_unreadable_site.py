"""End-to-end: a site that cannot be read is never a pass (issue 16, class 1).

Real HTTP servers on 127.0.0.1: (a) a closed port, (b) a server answering 503 to everything,
(c) a WAF challenge page (403, and 200 with a JavaScript cookie challenge) for every path, (d) a
homepage whose links all fail. Each inspection completes (exit 0 through the CLI), but the run is
incomplete in the store and the JSON, a ``site_unreadable`` finding names why (首页无法打开 with the
error class and status), the indicators fed by crawl-reading checks are not assessed, the verdict
is null and the report's first page says so. A healthy site stays complete.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import docx
import lxml.html
import pytest
from openpyxl import load_workbook

from govwatch.checks.coverage import READS_NO_CRAWL
from govwatch.commands.main import main
from govwatch.core.settings import ConfigError, load_settings
from govwatch.crawl.challenge import challenge_marker
from govwatch.pipeline import Inspection, inspect_site
from govwatch.report.bulletin import overall_text, unit_row
from govwatch.report.docx import write_docx
from govwatch.report.html import render_html
from govwatch.report.xlsx import write_selfcheck
from govwatch.store.db import Store
from tests.conftest import AS_OF, CRAWL_TIMEOUT, sim_settings
from tests.e2e.local_http import serving

Response = tuple[int, str, bytes]  # status, content type, body

SAFEDOG_403 = ("<html><head><title>网站防火墙</title></head><body><h1>您的请求带有不合法参数，已被网站管理员设置拦截！</h1>"
               "<p>可能原因：您提交的内容包含危险的攻击请求</p><p>网站安全狗 safedog.cn</p></body></html>")
JIASULE_200 = ("<html><body><script>document.cookie=('_')+('_j')+('sl_clearance')+('=1701234567.123|0|abc');"
               "location.href=location.pathname+location.search</script>"
               "<script>var __jsl_clearance='';</script></body></html>")


def _page(title: str, body: str) -> bytes:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><h1>{title}</h1>{body}<p>主办单位：某县人民政府办公室 联系电话：0311-1234567</p></body></html>"
            ).encode()


HOME_LINKS = "".join(f"<li><a href='/news/a{i}.html'>工作动态{i}</a><span>2026-11-2{i}</span></li>"
                     for i in range(1, 5))


@contextmanager
def serve(respond: Callable[[str], Response]) -> Iterator[str]:
    """A server on 127.0.0.1 answering every GET/HEAD with ``respond(path)``; yields its homepage URL."""
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

        def _answer(self, body_too: bool) -> None:
            status, ctype, body = respond(self.path)
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body_too:
                self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 - the http.server interface
            self._answer(True)

        def do_HEAD(self) -> None:  # noqa: N802 - the http.server interface
            self._answer(False)

    with serving(Handler) as base:
        yield f"{base}/"


def closed_port_url() -> str:
    """A URL on 127.0.0.1 whose port nothing listens on (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def healthy(path: str) -> Response:
    if path in ("/", "/index.html"):
        return 200, "text/html; charset=utf-8", _page("某县人民政府", f"<ul>{HOME_LINKS}</ul>")
    return 200, "text/html; charset=utf-8", _page("工作动态", "<p>发布时间：2026-11-21</p><p>正文。</p>")


def always(status: int, body: str, ctype: str = "text/html; charset=utf-8") -> Callable[[str], Response]:
    return lambda _path: (status, ctype, body.encode())


def links_fail(path: str) -> Response:
    if path == "/":
        return healthy(path)
    return 500, "text/html; charset=utf-8", b"<html><body>Internal Server Error</body></html>"


def inspect(url: str, tmp_path: Path) -> tuple[Inspection, Store]:
    store = Store(f"sqlite:///{tmp_path / 'g.db'}")
    settings = sim_settings(store.url, retries=1, timeout_retries=0)
    return inspect_site(url, settings, store, as_of=AS_OF), store


def cover_text(document: dict[str, Any]) -> str:
    """The text of the report's first page (the cover section of the HTML report)."""
    tree = lxml.html.fromstring(render_html(document))
    return " ".join(tree.xpath("//section[@class='cover']")[0].text_content().split())


def assert_incomplete(inspection: Inspection, store: Store, code: str) -> dict[str, Any]:
    """The assertions every unreadable site shares; returns the site_unreadable finding."""
    doc = inspection.document
    run = store.run(inspection.run_id)
    assert run["status"] == "completed"  # the command completed
    assert run["complete"] is False
    assert [r["code"] for r in run["incomplete_reasons"]] == [code]
    assert doc["complete"] is False
    assert [r["code"] for r in doc["incomplete_reasons"]] == [code]
    found = [f for f in doc["findings"] if f["kind"] == "site_unreadable"]
    assert [f["code"] for f in found] == [code]
    # Nothing decided 不合格 here, so no verdict and no score (never full marks for what was not read).
    assert doc["verdict"] is None and doc["score"] is None
    sheet = doc["scoring"]
    assert not sheet["complete"]
    statuses = {c["name"]: c["status"] for c in doc["checks"]}
    withheld = [name for name, status in statuses.items() if name not in READS_NO_CRAWL]
    assert withheld and all(statuses[name] in ("not_assessed", "error") for name in withheld), statuses
    assert not any(statuses[name] == "ok" for name in withheld)
    by_id = {i["id"]: i for i in sheet["indicators"]}
    assessed = [i for i in by_id.values() if i["kind"] == "deduction" and i["status"] == "assessed"]
    assert not assessed, [i["name"] for i in assessed]  # every deduction indicator reads the crawl
    assert all(v["status"] in ("not_assessed", "partial") for v in sheet["vetoes"])
    text = cover_text(doc)
    assert text.startswith("本次检查不完整：网站未能完整读取"), text[:80]
    assert "待定（网站未能完整读取" in text
    return found[0]


def test_refused_connection_is_an_unreadable_homepage(tmp_path: Path) -> None:
    inspection, store = inspect(closed_port_url(), tmp_path)
    finding = assert_incomplete(inspection, store, "crawl.homepage_failed")
    assert finding["evidence"]["homepage_error"] == "connect"
    assert finding["message"].endswith("首页无法打开：无法建立连接（连接被拒绝或不可达）")  # the class in Chinese
    assert "connect" not in finding["message"]  # the class code is data: the evidence keeps it
    assert "首页无法打开：无法建立连接" in cover_text(inspection.document)


def test_a_server_answering_503_to_everything(tmp_path: Path) -> None:
    with serve(always(503, "<html><body>Service Unavailable</body></html>")) as url:
        inspection, store = inspect(url, tmp_path)
    finding = assert_incomplete(inspection, store, "crawl.homepage_failed")
    assert finding["evidence"]["homepage_status"] == 503
    assert "首页无法打开：服务器返回错误状态 HTTP 503" in cover_text(inspection.document)


@pytest.mark.parametrize("status,body", [(403, SAFEDOG_403), (200, JIASULE_200)], ids=["safedog-403", "jiasule-200"])
def test_a_waf_challenge_instead_of_the_homepage(tmp_path: Path, status: int, body: str) -> None:
    with serve(always(status, body)) as url:
        inspection, store = inspect(url, tmp_path)
    finding = assert_incomplete(inspection, store, "crawl.homepage_failed")
    assert finding["evidence"]["homepage_blocked"] is True
    assert finding["evidence"]["homepage_status"] == status
    assert f"HTTP {status}" in finding["message"] and "防火墙" in finding["message"]
    assert inspection.document["coverage"]["pages_blocked"] == 1
    # The challenge page is not judged as the site's homepage (no facts stored for it).
    assert inspection.document["site"]["name"] is None


def test_a_homepage_whose_links_all_fail(tmp_path: Path) -> None:
    with serve(links_fail) as url:
        inspection, store = inspect(url, tmp_path)
    finding = assert_incomplete(inspection, store, "crawl.low_read_share")
    assert finding["evidence"]["pages_found"] == 5 and finding["evidence"]["pages_read"] == 1
    assert "只读取了发现的5个页面中的1个（20%）" in cover_text(inspection.document)
    # What the read homepage lacks (办事服务, 咨询 channels) is no evidence on a site mostly unread: such
    # findings, and the broken links, stay listed but score nothing and trigger no veto.
    trace = inspection.document["scoring"]["findings"]
    listed = {f["kind"]: trace[f["id"]]["status"] for f in inspection.document["findings"]}
    assert listed["no_service_channel"] == listed["broken_link"] == "withheld"
    assert not inspection.document["vetoes"] and inspection.document["scoring"]["deducted"] == 0


def test_the_word_report_workbook_and_bulletin_say_so(tmp_path: Path) -> None:
    with serve(always(503, "<html><body>Service Unavailable</body></html>")) as url:
        inspection, _ = inspect(url, tmp_path)
    first = [p.text for p in docx.Document(str(write_docx(inspection.document, tmp_path / "out"))).paragraphs[:2]]
    assert first == ["本次检查不完整：网站未能完整读取", "首页无法打开：服务器返回错误状态 HTTP 503"]
    sheet = load_workbook(write_selfcheck(inspection.document, tmp_path / "out")).worksheets[0]
    rows = [tuple(c for c in row if c) for row in sheet.iter_rows(values_only=True)]
    assert ("检查完整性", "本次检查不完整：网站未能完整读取") in rows
    row = unit_row(inspection.document)
    assert row.verdict == "待定" and row.score is None
    assert any("未能完整读取" in paragraph for paragraph in overall_text([row], "2026年第四季度"))


def test_a_healthy_site_stays_complete(tmp_path: Path) -> None:
    with serve(healthy) as url:
        inspection, store = inspect(url, tmp_path)
    doc = inspection.document
    assert store.run(inspection.run_id)["complete"] is True
    assert doc["complete"] is True and doc["incomplete_reasons"] == []
    assert doc["coverage"]["pages_found"] == doc["coverage"]["pages_read"] == 5
    assert not [f for f in doc["findings"] if f["kind"] == "site_unreadable"]
    assert {c["name"]: c["status"] for c in doc["checks"]}["column_freshness"] == "ok"
    assert "不完整" not in cover_text(doc)


def test_the_cli_completes_with_exit_0_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVWATCH_CRAWL__SEED_RETRY_SECONDS", "1")  # the refused homepage is retried for 1 s, not 30
    out = tmp_path / "out"
    code = main(["inspect", closed_port_url(), "--as-of", AS_OF.isoformat(), "--db", str(tmp_path / "g.db"),
                 "--out", str(out), "--json", str(tmp_path / "doc.json"), "--offline", "--rate", "0",
                 "--timeout", str(CRAWL_TIMEOUT)])
    assert code == 0
    doc = json.loads((tmp_path / "doc.json").read_text(encoding="utf-8"))
    assert doc["complete"] is False and doc["verdict"] is None
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "首页无法打开" in html


def test_min_read_share_is_a_validated_setting() -> None:
    assert load_settings(environ={}).crawl.min_read_share == 0.5
    assert load_settings(overrides={"crawl": {"min_read_share": 0.8}}, environ={}).crawl.min_read_share == 0.8
    with pytest.raises(ConfigError, match="min_read_share"):
        load_settings(overrides={"crawl": {"min_read_share": 1.5}}, environ={})


@pytest.mark.parametrize("status,body,vendor", [
    (403, SAFEDOG_403, "安全狗"), (503, "<p>您的访问被阻断</p>", "通用拦截页"), (200, JIASULE_200, "知道创宇加速乐"),
    (429, "<p>访问频率过高，请稍后再试</p>", "通用拦截页"), (403, "<p>云锁 yunsuo_session_verify</p>", "云锁"),
])
def test_challenge_pages_are_recognised(status: int, body: str, vendor: str) -> None:
    marker = challenge_marker(status, body.encode())
    assert marker is not None and marker.vendor == vendor


@pytest.mark.parametrize("status,body", [
    (200, "<noscript>请开启JavaScript以获得更好的浏览体验</noscript><p>正文</p>"),  # weak marker in a real page
    (404, "<p>页面不存在，请输入验证码后重试</p>"),  # the site's own 404: a broken link, not a WAF
    (200, "<p>网站安全狗" + "正文" * 40000 + "__jsl_clearance</p>"),  # too large to be a challenge
])
def test_real_pages_are_not_challenges(status: int, body: str) -> None:
    assert challenge_marker(status, body.encode()) is None
