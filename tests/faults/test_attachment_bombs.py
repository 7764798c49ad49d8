"""Fault family: hostile attachments (issue 17 item 13) and "Excel" files that are text (issue 16).

Generated bombs are fed to the attachment reader (analysis/content/attachments.py) and served by a
real site on 127.0.0.1: ZIP bombs in .xlsx/.docx (a part past the size cap, more entries than the cap,
bzip2 entries, a nested bomb), XML entity expansion (billion laughs) in OOXML parts, malformed PDFs,
a parse that never ends and one that asks for gigabytes (the bounded parsing process). Each is
bounded -- the calling process's memory stays near the file's size (tracemalloc), a generous
completion bound holds -- and is reported as ``attachment_unreadable``, never a hang or a crash.
A file named .xls whose bytes are CSV or an HTML table is read by what it is.
"""

from __future__ import annotations

import io
import threading
import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from govwatch.analysis.content.attachments import Unreadable, attachment_format, attachment_segments
from govwatch.analysis.content.bounded import ParseLimitExceeded, call_bounded
from govwatch.analysis.content.ooxml import MAX_ENTRIES, MAX_PART_BYTES
from govwatch.pipeline import inspect_site
from govwatch.store.db import Store
from tests.checks.attachment_files import build_attachment
from tests.conftest import AS_OF, sim_settings
from tests.e2e.local_http import serving

MOBILE = "13812345678"
COMPLETION_BOUND_S = 90  # generous: no single bomb may come near it
PARENT_PEAK_BYTES = 64 * 1024 * 1024  # the reader's own process: far below what a bomb asks for
GOOD_XLSX = build_attachment({"url": "a.xlsx", "rows": [["姓名", "电话"], ["王某", MOBILE]]})
GOOD_DOCX = build_attachment({"url": "a.docx", "paragraphs": [f"联系电话 {MOBILE}"]})
LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY a0 "lol">'
          + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)) + "]>")


def _replaced(package: bytes, name: str, data: bytes, *, compression: int = zipfile.ZIP_DEFLATED,
              extra: dict[str, bytes] | None = None) -> bytes:
    """``package`` with part ``name`` replaced by ``data`` (and ``extra`` parts added)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info.filename, source.read(info))
        target.writestr(name, data, compress_type=compression)
        for extra_name, extra_data in (extra or {}).items():
            target.writestr(extra_name, extra_data)
    return out.getvalue()


def _huge_sheet() -> bytes:
    pad = b" " * (MAX_PART_BYTES + 1024)
    return _replaced(GOOD_XLSX, "xl/worksheets/sheet1.xml", b"<worksheet>" + pad + b"</worksheet>")


def _many_entries() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(GOOD_XLSX)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
        for i in range(MAX_ENTRIES + 1):
            target.writestr(f"xl/media/e{i}.bin", b"")
    return out.getvalue()


def _laughs_docx() -> bytes:
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    doc = f'{LAUGHS}<w:document xmlns:w="{ns}"><w:body><w:p><w:r><w:t>&a9;</w:t></w:r></w:p></w:body></w:document>'
    return _replaced(GOOD_DOCX, "word/document.xml", doc.encode())


def _laughs_xlsx() -> bytes:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    strings = f'{LAUGHS}<sst xmlns="{ns}"><si><t>&a9;</t></si></sst>'
    return _replaced(GOOD_XLSX, "xl/sharedStrings.xml", strings.encode())


def _bzip2_sheet() -> bytes:
    return _replaced(GOOD_XLSX, "xl/worksheets/sheet1.xml", b"<worksheet>" + b" " * 1_000_000 + b"</worksheet>",
                     compression=zipfile.ZIP_BZIP2)


def _nested_bomb_docx() -> bytes:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("zeros.bin", b"\0" * (32 * 1024 * 1024))
    return _replaced(GOOD_DOCX, "word/embeddings/oleObject1.bin", inner.getvalue())


def _pdf_page_cycle() -> bytes:
    """A PDF whose page tree holds itself (a parser that walks it naively never ends)."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
               "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
               "<< /Length 30 /Filter /FlateDecode >>\nstream\nnot deflate data at all......\nendstream"]
    out = io.BytesIO(b"%PDF-1.4\n")
    out.seek(0, 2)
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n{obj}\nendobj\n".encode())
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    out.write("".join(f"{o:010d} 00000 n \n" for o in offsets).encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _pdf_truncated() -> bytes:
    good = build_attachment({"url": "a.pdf", "lines": [f"Tel {MOBILE}"]})
    return good[: len(good) // 2]


BOMBS: dict[str, tuple[str, bytes]] = {  # name -> (file name, bytes)
    "huge sheet": ("名单.xlsx", _huge_sheet()),
    "many entries": ("名单.xlsx", _many_entries()),
    "bzip2 entry": ("名单.xlsx", _bzip2_sheet()),
    "billion laughs docx": ("公示.docx", _laughs_docx()),
    "billion laughs xlsx": ("名单.xlsx", _laughs_xlsx()),
    "pdf page cycle": ("公告.pdf", _pdf_page_cycle()),
    "pdf truncated": ("公告.pdf", _pdf_truncated()),
    "xls garbage": ("名单.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 4096),
}


def _read_bounded(name: str, body: bytes) -> tuple[list[tuple[str, str]] | None, str | None, int]:
    """Read ``body`` as attachment ``name``: (segments or None, why unreadable, parent's peak bytes)."""
    tracemalloc.start()
    try:
        segments, why = attachment_segments(f"http://127.0.0.1/files/{name}", body), None
    except Unreadable as exc:
        segments, why = None, str(exc)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return segments, why, peak


@pytest.mark.parametrize("bomb", ["huge sheet", "many entries", "bzip2 entry", "billion laughs docx",
                                  "billion laughs xlsx", "xls garbage"])
def test_bombs_are_unreadable_within_bounds(bomb: str) -> None:
    name, body = BOMBS[bomb]
    started = time.monotonic()
    segments, why, peak = _read_bounded(name, body)
    assert time.monotonic() - started < COMPLETION_BOUND_S
    assert segments is None and why, f"{bomb}: read as {segments!r:.200}"
    assert peak < len(body) + PARENT_PEAK_BYTES, f"{bomb}: the reader's process peaked at {peak} bytes"


@pytest.mark.parametrize("bomb", ["pdf page cycle", "pdf truncated"])
def test_malformed_pdfs_end_within_bounds(bomb: str) -> None:
    name, body = BOMBS[bomb]
    started = time.monotonic()
    segments, why, peak = _read_bounded(name, body)
    assert time.monotonic() - started < COMPLETION_BOUND_S
    assert segments is not None or why  # read as far as it goes, or named unreadable: never a hang
    assert peak < len(body) + PARENT_PEAK_BYTES


def test_a_nested_bomb_is_never_opened() -> None:
    segments, why, peak = _read_bounded("公示.docx", _nested_bomb_docx())
    assert why is None and segments is not None
    assert any(MOBILE in text for _kind, text in segments)
    assert peak < PARENT_PEAK_BYTES


def _spin(_body: bytes) -> list[tuple[str, str]]:
    """A parse that never ends (what a malformed file can do to a parser)."""
    while True:
        pass


def _hog(_body: bytes) -> list[tuple[str, str]]:
    """A parse that asks for far more memory than the bound."""
    return [("text", str(len(bytearray(4 * 1024 * 1024 * 1024))))]


def test_a_parse_that_never_ends_is_stopped_and_the_next_parse_works() -> None:
    started = time.monotonic()
    with pytest.raises(ParseLimitExceeded, match="时限"):
        call_bounded(_spin, b"", time_limit=2.0)
    assert time.monotonic() - started < COMPLETION_BOUND_S
    segments = attachment_segments("http://127.0.0.1/files/a.xlsx", GOOD_XLSX)  # a fresh worker
    assert ("table cell", MOBILE) in segments


def test_a_parse_past_the_memory_bound_is_stopped() -> None:
    with pytest.raises(ParseLimitExceeded, match="内存"):
        call_bounded(_hog, b"", memory_limit=1024 * 1024 * 1024)


CSV_AS_XLS = f"姓名,电话\n王某,{MOBILE}\n".encode("gbk")
HTML_AS_XLS = (f"<html><head><meta charset='utf-8'></head><body><table><tr><th>姓名</th><th>电话</th></tr>"
               f"<tr><td>王某</td><td>{MOBILE}</td></tr></table></body></html>").encode()


@pytest.mark.parametrize(("body", "fmt"), [(CSV_AS_XLS, "csv"), (HTML_AS_XLS, "html")])
def test_an_xls_that_is_text_is_read_by_what_it_is(body: bytes, fmt: str) -> None:
    url = "http://127.0.0.1/files/名单.xls"
    assert attachment_format(url, "application/vnd.ms-excel", body) == fmt
    assert attachment_format("http://127.0.0.1/export.do?id=3", "application/vnd.ms-excel", body) == fmt
    assert ("table cell", MOBILE) in attachment_segments(url, body)


SERVED = {f"/files/{i}/{name}": body for i, (name, body) in enumerate(BOMBS.values())}
SERVED["/files/x/csv名单.xls"] = CSV_AS_XLS
SERVED["/files/x/html名单.xls"] = HTML_AS_XLS


class _Site(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - the http.server interface
        from urllib.parse import unquote
        path = unquote(self.path)
        if path in SERVED:
            body, ctype = SERVED[path], "application/octet-stream"
        else:
            links = "".join(f"<li><a href='{p}'>附件{i}</a></li>" for i, p in enumerate(SERVED))
            body = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>某县人民政府</title></head>"
                    f"<body><ul>{links}</ul></body></html>").encode()
            ctype = "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def served_document(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    with serving(_Site) as base:
        store = Store(f"sqlite:///{tmp_path_factory.mktemp('bombs') / 'run.db'}")
        holder: dict[str, Any] = {}
        thread = threading.Thread(target=lambda: holder.update(
            doc=inspect_site(f"{base}/", sim_settings(store.url), store, as_of=AS_OF).document), daemon=True)
        thread.start()
        thread.join(COMPLETION_BOUND_S * 2)
        assert not thread.is_alive(), "the inspection of a site full of bombs did not finish"
        yield base, holder["doc"]


def test_served_bombs_are_reported_unreadable_and_the_run_completes(served_document: tuple[str, dict[str, Any]]) -> None:
    base, doc = served_document
    unreadable = {f["url"] for f in doc["findings"] if f["kind"] == "attachment_unreadable"}
    from urllib.parse import quote
    expected = {base + quote(path) for path, body in SERVED.items()
                if any(body is BOMBS[b][1] for b in ("huge sheet", "many entries", "bzip2 entry",
                                                     "billion laughs docx", "billion laughs xlsx", "xls garbage"))}
    assert expected <= unreadable, sorted(expected - unreadable)
    leaks = {f["url"] for f in doc["findings"] if f["kind"] == "privacy_leak"}
    assert {base + quote("/files/x/csv名单.xls"), base + quote("/files/x/html名单.xls")} <= leaks


def test_a_malformed_pdf_prints_nothing(tmp_path: Any) -> None:
    """pypdf warns of a bad header or a missing EOF marker through ``logging``; with no handler set
    (the CLI sets none), Python prints each warning on stderr: one line per bad file under the
    command's own output. The file's trouble is the finding's reason, not a line on the terminal."""
    import subprocess
    import sys

    bodies = {"truncated.pdf": _pdf_truncated(), "random.pdf": bytes(range(256)) * 8}
    for name, body in bodies.items():
        (tmp_path / name).write_bytes(body)
    script = ("import sys, pathlib\n"
              "from govwatch.analysis.content.attachments import Unreadable, attachment_segments\n"
              "for path in sorted(pathlib.Path(sys.argv[1]).iterdir()):\n"
              "    try:\n"
              "        attachment_segments('http://127.0.0.1/files/' + path.name, path.read_bytes())\n"
              "        print(path.name, 'read')\n"
              "    except Unreadable as exc:\n"
              "        print(path.name, 'unreadable', exc)\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "random.pdf unreadable pdf 附件无法读取" in done.stdout
    assert done.stderr == ""
