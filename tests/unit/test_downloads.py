"""Attachments recognised beyond the URL's extension: filename parameters, Content-Disposition,
content sniffing (govwatch.extract.downloads), and the link kind and reader that follow from them."""

from __future__ import annotations

import io
import zipfile
from urllib.parse import quote

import pytest

from govwatch.analysis.content.attachments import Unsupported, attachment_format, attachment_segments
from govwatch.extract.downloads import (
    content_type_format,
    disposition_filename,
    is_download_disposition,
    response_download,
    sniff_format,
    url_filename,
)
from govwatch.extract.links import kind_by_extension
from tests.checks.attachment_files import build_attachment

GBK_NAME = quote("名单.xlsx".encode("gbk"))  # %C3%FB%B5%A5.xlsx
UTF8_NAME = quote("名单.xlsx")
OCTET = "application/octet-stream"


@pytest.mark.parametrize(("url", "name"), [
    (f"http://x.gov.cn/downfile.jsp?filename={UTF8_NAME}", "名单.xlsx"),
    (f"http://x.gov.cn/downfile.jsp?fileName={GBK_NAME}", "名单.xlsx"),
    ("http://x.gov.cn/down.do?id=3&file=/upload/2026/a.docx", "a.docx"),
    ("http://x.gov.cn/dl.php?fn=report.PDF", "report.PDF"),
    ("http://x.gov.cn/servlet/Download?path=upload%2F2026%2F%E5%85%AC%E7%A4%BA.pdf", "公示.pdf"),
    ("http://x.gov.cn/attach?name=a.wps", "a.wps"),
    ("http://x.gov.cn/attach?attachName=b.rar", "b.rar"),
    ("http://x.gov.cn/get?real_file_name=c.xls", "c.xls"),
])
def test_a_filename_parameter_names_the_file(url: str, name: str) -> None:
    assert url_filename(url) == name
    assert kind_by_extension(url) == "attachment"


@pytest.mark.parametrize("url", [
    "http://x.gov.cn/view.html?file=notes",            # a page with a file parameter that is no document
    "http://x.gov.cn/viewer.html?file=/upload/a.pdf",  # a static viewer page: its argument is not the page
    "http://x.gov.cn/list.jsp?path=/news/&page=2",
    "http://x.gov.cn/download.do?id=7",                # no name in the URL: only the response can tell
    "http://x.gov.cn/search.jsp?q=a.pdf",              # not a file-name parameter
    "http://x.gov.cn/show.jsp?name=index.jsp",
])
def test_urls_without_a_document_name_stay_pages(url: str) -> None:
    assert url_filename(url) is None
    assert kind_by_extension(url) == "page"


def test_static_extensions_still_decide() -> None:
    assert kind_by_extension("http://x.gov.cn/a/b.pdf") == "attachment"
    assert kind_by_extension("http://x.gov.cn/a/b.png?file=c.pdf") == "image"
    assert kind_by_extension("http://x.gov.cn/a/") == "page"


@pytest.mark.parametrize(("header", "name", "download"), [
    ("attachment; filename*=UTF-8''%E5%90%8D%E5%8D%95.xlsx", "名单.xlsx", True),
    ("attachment; filename=\"fallback.xlsx\"; filename*=utf-8''%E5%90%8D%E5%8D%95.xlsx", "名单.xlsx", True),
    ("attachment; filename*=GBK''%C3%FB%B5%A5.xlsx", "名单.xlsx", True),
    ("attachment; filename=\"名单.docx\"", "名单.docx", True),       # raw bytes, decoded by the transport
    (f"attachment;filename={GBK_NAME}", "名单.xlsx", True),          # percent-encoded GBK
    (f"attachment; filename={UTF8_NAME}", "名单.xlsx", True),
    ("inline; filename=\"a.pdf\"", "a.pdf", True),                  # inline, but a document by its name
    ("inline; filename=\"a.jpg\"", "a.jpg", False),
    ("attachment", None, True),
    ("inline", None, False),
    ("", None, False),
])
def test_content_disposition(header: str, name: str | None, download: bool) -> None:
    assert disposition_filename(header) == name
    assert is_download_disposition(header) is download


def _zip(names: list[str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n in names:
            z.writestr(n, b"<x/>")
    return buf.getvalue()


def test_sniffing_by_bytes() -> None:
    xlsx = build_attachment({"url": "a.xlsx", "rows": [["a"]]})
    docx = build_attachment({"url": "a.docx", "paragraphs": ["a"]})
    pdf = build_attachment({"url": "a.pdf", "lines": ["a"]})
    assert sniff_format(xlsx) == "xlsx" and sniff_format(docx) == "docx" and sniff_format(pdf) == "pdf"
    assert sniff_format(docx[:2000]) == "docx", "a body cut short still shows its part names"
    assert sniff_format(_zip(["[Content_Types].xml", "ppt/presentation.xml"])) == "pptx"
    assert sniff_format(_zip(["a.txt"])) == "zip"
    assert sniff_format(_zip(["OFD.xml", "Doc_0/Document.xml"])) == "ofd"
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500
    assert sniff_format(ole + "Workbook".encode("utf-16-le")) == "xls"
    assert sniff_format(ole + "WordDocument".encode("utf-16-le")) == "doc"
    assert sniff_format(ole) == "ole"
    assert sniff_format(b"Rar!\x1a\x07\x01\x00") == "rar"
    assert sniff_format(b"7z\xbc\xaf\x27\x1c\x00\x04") == "7z"
    for page in (b"<!DOCTYPE html><html><body>%PDF-1.4</body></html>", b'{"data": []}', b"\x89PNG\r\n", b""):
        assert sniff_format(page) is None


def test_response_download() -> None:
    pdf = build_attachment({"url": "a.pdf", "lines": ["a"]})
    html = b"<html><body>hi</body></html>"
    sniffed = response_download("http://x/getfile?id=9", {"content-type": "text/html"}, pdf)
    assert sniffed is not None and sniffed.detected == "pdf" and sniffed.reason == "sniffed"
    said = response_download("http://x/download.do?id=7",
                             {"content-disposition": "attachment; filename*=UTF-8''a%20b.csv"}, b"x,y\n")
    assert said is not None and said.filename == "a b.csv" and said.detected is None and said.reason == "disposition"
    assert response_download("http://x/view.html?file=notes", {"content-type": "text/html"}, html) is None


CSV = "姓名,手机\r\n赵某,18612345678\r\n".encode()


@pytest.mark.parametrize(("content_type", "fmt"), [
    ("text/csv", "csv"), ("application/csv; charset=gbk", "csv"), ("application/vnd.ms-excel", "xls"),
    ("Application/MSWord", "doc"), ("application/pdf", "pdf"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    ("text/html; charset=utf-8", None), ("text/plain", None), ("application/octet-stream", None),
    ("application/json", None), ("image/png", None), ("", None),
])
def test_content_type_format(content_type: str, fmt: str | None) -> None:
    assert content_type_format(content_type) == fmt


@pytest.mark.parametrize("content_type", ["text/csv", "application/csv", "application/vnd.ms-excel",
                                          "application/msword", "application/pdf"])
def test_a_document_content_type_makes_an_extension_less_url_a_file(content_type: str) -> None:
    download = response_download("http://x/attach/7/1", {"content-type": content_type}, CSV)
    assert download is not None and download.reason == "content-type" and download.filename == ""
    assert download.detected is None


def test_plain_text_is_a_file_only_with_a_disposition_or_a_file_name() -> None:
    text = {"content-type": "text/plain; charset=utf-8"}
    assert response_download("http://x/attach/7/1", text, CSV) is None
    assert response_download("http://x/robots.txt", text, b"User-agent: *\n") is None
    assert response_download("http://x/attach/7/1", {"content-type": "text/html"}, b"<html>a,b</html>") is None
    assert response_download("http://x/attach/7/1", {"content-type": OCTET}, CSV) is None, "octet-stream: the bytes decide"
    named = response_download(f"http://x/downfile.jsp?filename={quote('名单.csv')}", text, CSV)
    assert named is not None and (named.filename, named.reason) == ("名单.csv", "named")
    said = response_download("http://x/attach/7/1", {**text, "content-disposition": "attachment"}, CSV)
    assert said is not None and said.reason == "disposition"
    pdf = build_attachment({"url": "a.pdf", "lines": ["a"]})
    sniffed = response_download("http://x/attach/7/2", {"content-type": OCTET}, pdf)
    assert sniffed is not None and (sniffed.reason, sniffed.detected) == ("sniffed", "pdf")


def test_csv_text_is_read_as_csv_whatever_spreadsheet_type_it_is_sent_as() -> None:
    assert attachment_format("http://x/attach/7/1", "text/csv", CSV) == "csv"
    assert attachment_format("http://x/attach/7/1", "application/csv", CSV) == "csv"
    assert attachment_format("http://x/attach/7/1", "application/vnd.ms-excel", CSV) == "csv"
    assert ("table cell", "18612345678") in attachment_segments("http://x/attach/7/1", CSV, "application/vnd.ms-excel")
    assert attachment_format("http://x/attach/7/1", "text/plain", CSV) == "txt"
    xls_html = b"<html><table><tr><td>a</td></tr></table></html>"
    assert attachment_format("http://x/attach/7/1", "application/vnd.ms-excel", xls_html) == "html", \
        "markup sent as Excel is no csv: an HTML table, read as one"
    assert attachment_segments("http://x/attach/7/1", xls_html, "application/vnd.ms-excel") == [("table cell", "a")]
    with pytest.raises(Unsupported, match="doc"):
        attachment_segments("http://x/attach/7/3", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "application/msword")


def test_the_reader_follows_the_bytes_not_the_url() -> None:
    docx = build_attachment({"url": "a.docx", "paragraphs": ["电话 13812345678"]})
    assert attachment_format("http://x/download.do?id=7", "application/octet-stream", docx) == "docx"
    assert attachment_format("http://x/a.xls", "", docx) == "docx", "a misnamed file is read as what it is"
    assert ("text", "电话 13812345678") in attachment_segments("http://x/download.do?id=7", docx)
    assert attachment_format(f"http://x/downfile.jsp?filename={UTF8_NAME}", "", b"\x00") == "xlsx"
    assert attachment_format("http://x/download.do?id=8", "", b"a,b", filename="名单.csv") == "csv"
    csv_gbk = "姓名,手机\r\n赵某,18612345678\r\n".encode("gbk")
    assert attachment_format("http://x/download.do?id=8", "application/octet-stream", csv_gbk) == "txt"
    assert attachment_format("http://x/download.do?id=8", "", b"\x00\x01binary\xff") is None
    # A bare ZIP defers to the name (a broken xlsx is then unreadable, not skipped); unknown stays unsupported.
    assert attachment_format("http://x/a.xlsx", "", _zip(["a.txt"])) == "xlsx"
    with pytest.raises(Unsupported, match="doc"):
        attachment_segments("http://x/download.do?id=9",
                            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le"))
