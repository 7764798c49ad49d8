"""End-to-end: attachments served by download scripts are recognised, read, and judged.

A small real site on 127.0.0.1 whose homepage links to files behind script URLs, as government
sites serve them: ``downfile.jsp?filename=名单.xlsx`` (the name percent-encoded in UTF-8 and in
GBK), ``download.do?id=…`` (Content-Disposition with RFC 5987 ``filename*=UTF-8''…`` and with a
raw GBK ``filename=``, the one sign of a GBK csv), extension-less URLs whose bytes are a PDF or a DOCX (served as
``application/octet-stream`` and as a lying ``text/html``), and extension-less ``attach/<docid>/<n>`` URLs
whose only sign is their type (CSV text as ``text/csv`` and as ``application/vnd.ms-excel``). Each file holds a
planted resident ID or mobile number: the inspection reports ``privacy_leak`` on each attachment URL. A ``.html``
page with a ``?file=`` parameter and a ``text/plain`` page stay pages, and a missing download is a broken
attachment (FJ).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote

import pytest

from govwatch.crawl.fetcher import make_session
from govwatch.extract.downloads import response_download
from govwatch.pipeline import inspect_site
from govwatch.store.db import Store
from govwatch.store.stored_run import StoreRunData
from tests.checks.attachment_files import build_attachment
from tests.conftest import AS_OF, sim_settings

ID_CARD = "320102199003071239"
MOBILE = "13812345678"
OCTET = "application/octet-stream"

XLSX = build_attachment({"url": "a.xlsx", "rows": [["姓名", "身份证号", "电话"], ["王某", ID_CARD, MOBILE]]})
DOCX = build_attachment({"url": "a.docx", "paragraphs": [f"联系人：李某 电话 {MOBILE}"]})
PDF = build_attachment({"url": "a.pdf", "lines": [f"No. 1  ID {ID_CARD}  Tel {MOBILE}"]})
CSV_GBK = build_attachment({"url": "a.csv", "encoding": "gbk", "rows": [["姓名", "手机"], ["赵某", MOBILE]]})
CSV_UTF8 = build_attachment({"url": "a.csv", "rows": [["姓名", "手机"], ["钱某", MOBILE]]})

# path with query -> (status, headers, body); a header value given as bytes goes out raw (GBK).
ROUTES: dict[str, tuple[int, dict[str, str | bytes], bytes]] = {
    f"/downfile.jsp?filename={quote('名单.xlsx')}": (200, {"Content-Type": OCTET}, XLSX),
    f"/downfile.jsp?fileName={quote('公示.docx'.encode('gbk'))}": (200, {"Content-Type": OCTET}, DOCX),
    "/download.do?id=7": (200, {"Content-Type": OCTET, "Content-Disposition":
                                f"attachment; filename*=UTF-8''{quote('困难群众名单.pdf')}"}, PDF),
    "/download.do?id=8": (200, {"Content-Type": OCTET, "Content-Disposition":
                                b'attachment; filename="' + "补贴名单.xlsx".encode("gbk") + b'"'}, XLSX),
    "/download.do?id=11": (200, {"Content-Type": OCTET, "Content-Disposition":
                                 b"attachment;filename=" + "联系表.csv".encode("gbk")}, CSV_GBK),
    "/getfile?id=9": (200, {"Content-Type": OCTET}, PDF),
    "/getfile?id=10": (200, {"Content-Type": "text/html"}, DOCX),
    "/attach/12/1": (200, {"Content-Type": "text/csv"}, CSV_UTF8),
    "/attach/12/2": (200, {"Content-Type": "application/vnd.ms-excel"}, CSV_GBK),
    "/downfile.jsp?filename=missing.xlsx": (404, {"Content-Type": "text/html"}, b"<html>not found</html>"),
}
FILES = [path for path, (status, _h, _b) in ROUTES.items() if status == 200]
PAGE = "<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head><body>{body}</body></html>"
HOME = PAGE.format(title="某县人民政府", body="<ul>" + "".join(
    f"<li><a href='{path}'>附件{i}</a></li>" for i, path in enumerate(ROUTES, 1))
    + "<li><a href='/view.html?file=notes'>说明</a></li><li><a href='/attach/notes'>备注</a></li></ul>")
VIEW = PAGE.format(title="说明", body="<p>工作说明。</p><a href='/index.html'>首页</a>")


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 - the http.server interface
        if self.path in ROUTES:
            status, headers, body = ROUTES[self.path]
        elif self.path in ("/", "/index.html"):
            status, headers, body = 200, {"Content-Type": "text/html; charset=utf-8"}, HOME.encode()
        elif self.path == "/view.html?file=notes":
            status, headers, body = 200, {"Content-Type": "text/html; charset=utf-8"}, VIEW.encode()
        elif self.path == "/attach/notes":
            status, headers, body = 200, {"Content-Type": "text/plain; charset=utf-8"}, "工作说明，无附件。".encode()
        else:
            status, headers, body = 404, {"Content-Type": "text/html"}, b"<html>not found</html>"
        self.send_response(status)
        for name, value in headers.items():
            # http.server encodes header lines as latin-1: bytes pass through unchanged.
            self.send_header(name, value.decode("latin-1") if isinstance(value, bytes) else value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def inspected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any], StoreRunData]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        store = Store(f"sqlite:///{tmp_path_factory.mktemp('downloads') / 'run.db'}")
        inspection = inspect_site(f"{base}/index.html", sim_settings(store.url), store, as_of=AS_OF)
        yield base, inspection.document, StoreRunData(store, inspection.run_id)
    finally:
        server.shutdown()
        server.server_close()


def _findings(doc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [f for f in doc["findings"] if f["kind"] == kind]


def test_each_download_is_an_attachment_and_its_personal_data_is_found(
        inspected: tuple[str, dict[str, Any], StoreRunData]) -> None:
    base, doc, data = inspected
    for path in FILES:
        row = data.fetches[base + path]
        assert (row["role"], row["kind"]) == ("resource", "attachment"), (path, row)
        assert data.body(base + path), f"{path}: the attachment's body is kept for the privacy check"
    leaks = {f["url"]: f for f in _findings(doc, "privacy_leak")}
    assert set(leaks) == {base + path for path in FILES}
    for url, finding in leaks.items():
        counts = finding["evidence"]["counts"]
        assert counts.get("mobile") == 1, (url, counts)
        assert finding["evidence"]["where"] == "attachment"
    assert leaks[base + FILES[0]]["evidence"]["file"] == "名单.xlsx"
    assert leaks[base + FILES[1]]["evidence"]["file"] == "公示.docx"
    assert not _findings(doc, "attachment_unreadable")


def test_a_page_with_a_file_parameter_stays_a_page(inspected: tuple[str, dict[str, Any], StoreRunData]) -> None:
    base, _doc, data = inspected
    row = data.fetches[base + "/view.html?file=notes"]
    assert (row["role"], row["kind"]) == ("page", "page")
    assert data.page(base + "/view.html?file=notes") is not None


def test_a_plain_text_page_without_a_file_name_stays_a_page(inspected: tuple[str, dict[str, Any], StoreRunData]) -> None:
    base, _doc, data = inspected
    row = data.fetches[base + "/attach/notes"]
    assert (row["role"], row["kind"]) == ("page", "page")


def test_a_missing_download_is_a_broken_attachment(inspected: tuple[str, dict[str, Any], StoreRunData]) -> None:
    base, doc, _data = inspected
    broken = _findings(doc, "broken_link")
    assert [f["target"] for f in broken] == [base + "/downfile.jsp?filename=missing.xlsx"]
    assert broken[0]["evidence"]["resource"] == "attachment"
    assert broken[0]["id"].startswith("FJ"), broken[0]


def test_the_transport_keeps_the_disposition_and_decodes_raw_gbk_names(
        inspected: tuple[str, dict[str, Any], StoreRunData]) -> None:
    base = inspected[0]

    async def fetch(path: str) -> tuple[dict[str, str], bytes]:
        async with make_session(user_agent="govwatch-test/1", concurrency=2) as session:
            reply = await session.request("GET", base + path, timeout=5.0, connect_timeout=2.0, max_bytes=1 << 20)
            return reply.headers, reply.body

    names = {}
    for path in ("/download.do?id=7", "/download.do?id=8", "/download.do?id=11"):
        headers, body = asyncio.run(fetch(path))
        download = response_download(base + path, headers, body)
        assert download is not None and download.reason == "disposition"
        names[path] = download.filename
    assert names == {"/download.do?id=7": "困难群众名单.pdf", "/download.do?id=8": "补贴名单.xlsx",
                     "/download.do?id=11": "联系表.csv"}
