"""No English in any document the inspection writes (HTML, Word, Excel, PDF).

The simulated demo portfolio (``govwatch demo``, every site of it) is inspected once; every inspection
document is read back as a reader sees it (HTML text, Word paragraphs and cells, Excel sheet names and
cells, PDF text) and no English word (three letters or more) may remain outside the allow-list below.
Libcurl error texts, ``soft 404``, check ids, evidence keys and status codes all used to show.
Checks now write their messages in Chinese; a run stored before that (English messages, raw reasons)
is rendered too and must read in Chinese as well (:func:`govwatch.report.view.plain_text`).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from lxml import html as lxml_html
from pypdf import PdfReader

from govwatch.commands.main import main
from govwatch.core.jsonfile import json_bytes
from govwatch.crawl.coverage import crawl_coverage
from govwatch.report.docx import write_docx
from govwatch.report.html import write_html
from govwatch.report.view import build_view, error_text
from govwatch.report.xlsx import write_selfcheck

SITES = ("trs", "jcms", "legacy", "fgw", "jyj")  # the whole demo portfolio
HAS_CHROMIUM = shutil.which("chromium") is not None or Path("/usr/bin/chromium").exists()

WORD = re.compile(r"[A-Za-z]{3,}")
# What may stay in Latin letters, each with its reason.
ALLOWED = [
    re.compile(r"https?://[!-~]+"),  # URLs: the addresses an office must find and fix
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail addresses (footers, contact details)
    re.compile(r"[A-Z]{2}-[0-9A-F]{10}"),  # problem IDs (LJ-…, WT-…): the key a ticket refers to
    # file names of attachments and documents, as the site names them
    re.compile(r"[\w\-.]+\.(?:pdf|docx?|xlsx?|csv|wps|et|zip|rar|7z|txt|jpe?g|png|gif|html?|shtml|jsp|php|aspx?)",
               re.IGNORECASE),
    # acronyms an office writes in Latin letters: protocols and versions, file formats, the ICP filing,
    # the firewall kind (WAF) and the Domain Name System
    re.compile(r"HTTPS?|IPv[46]|TLS|SSL|DNS|ICP|WAF|PDF|DOCX|XLSX|XML|CSV"),
    # the page-tag names of the national specification (政府网站发展指引), quoted as the site writes
    # them (``pubdate``, ``Sitename``): the office edits exactly these names in its pages
    re.compile(r"(?i)SiteName|SiteDomain|SiteIDCode|ColumnName|ColumnDescription|ColumnKeywords|ColumnType"
               r"|ArticleTitle|PubDate|ContentSource|Keywords|Author|Description"),
    re.compile(r"Baiduspider"),  # the search-engine crawler a cloaked page answers differently: its own name
    re.compile(r"govwatch"),  # the tool's name beside its version, as the documents' colophon
]


def foreign_words(text: str, known_urls: list[str]) -> list[str]:
    """English words of ``text`` outside the allow-list, each with a little context."""
    for url in known_urls:  # first the document's own URLs (a PDF may wrap them anywhere)
        text = text.replace(url, " ")
    for pattern in ALLOWED:
        text = pattern.sub(" ", text)
    return [text[max(0, m.start() - 30):m.end() + 30].replace("\n", "⏎") for m in WORD.finditer(text)]


def html_text(path: Path) -> str:
    tree = lxml_html.fromstring(path.read_text(encoding="utf-8"))
    for hidden in tree.xpath("//style|//script"):
        hidden.drop_tree()
    return "\n".join(t.strip() for t in tree.itertext() if t.strip())


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.footer.paragraphs] + [p.text for p in section.header.paragraphs]
    return "\n".join(parts)


def xlsx_text(path: Path) -> str:
    book = openpyxl.load_workbook(str(path))
    parts = list(book.sheetnames)
    parts += [str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    return "\n".join(parts)


def pdf_text(path: Path) -> str:
    # Chromium breaks long URLs and IDs anywhere: compare without whitespace
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(str(path)).pages))


def document_urls(document: Any) -> list[str]:
    """Every URL string in the inspection document, longest first, without whitespace."""
    found: set[str] = set()

    def walk(value: Any) -> Iterator[str]:
        if isinstance(value, str):
            yield from re.findall(r"https?://[!-~]+", value)
        elif isinstance(value, dict):
            for v in value.values():
                yield from walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                yield from walk(v)

    found.update(walk(json.loads(json_bytes(document))))  # its lazy lists read as lists
    return sorted(found, key=len, reverse=True)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("english") / "demo"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["demo", "--out", str(out), "--pages", "60", "--sites", ",".join(SITES),
                     "--as-of", "2026-11-22"]) == 0
    return out


READERS = {"report.html": html_text, "report.docx": docx_text, "自查表.xlsx": xlsx_text}


@pytest.mark.parametrize("name", [*READERS, "report.pdf"])
def test_demo_documents_have_no_english(demo: Path, name: str) -> None:
    if name == "report.pdf" and not HAS_CHROMIUM:
        pytest.skip("the PDF report needs Debian's chromium")
    reader = READERS.get(name, pdf_text)
    problems: list[str] = []
    for site in SITES:
        document = json.loads((demo / site / "inspection.json").read_text(encoding="utf-8"))
        assert document["findings"], site  # the demo sites do have problems to describe
        problems += [f"{site}/{name}: {w}" for w in foreign_words(reader(demo / site / name), document_urls(document))]
    assert not problems, f"{len(problems)} English words, e.g.:\n" + "\n".join(problems[:40])


def test_the_demo_has_the_raw_texts_this_test_is_about(demo: Path) -> None:
    """The documents' raw data do hold libcurl texts, a soft 404 and check ids (so the test above tests
    something), while the messages the checks wrote are Chinese at the source."""
    raw = "".join((demo / site / "inspection.json").read_text(encoding="utf-8") for site in SITES)
    for needle in ("libcurl error", '"soft_404": true', "links.broken", "Connection reset by peer", "timed out after"):
        assert needle in raw, needle
    messages = [f["message"] for site in SITES
                for f in json.loads((demo / site / "inspection.json").read_text(encoding="utf-8"))["findings"]]
    assert any("软404" in m for m in messages)
    assert not [m for m in messages if re.search(r"[A-Za-z]{2,} [a-z]{2,} [a-z]{2,}", m)]


# -- a run stored before the checks wrote Chinese: its English messages still read in Chinese ------------

OLD_MESSAGES = [  # messages and reasons as checks and the crawl stored them before (English, raw codes)
    "首页网页“专题”无法访问（soft 404: the page answers 200 but says it does not exist）",
    "页面图片“横幅”无法访问（reset: Recv failure: Connection reset by peer (libcurl error 56)）",
    "首页网页“政务公开”无法访问（HTTP 302 redirect without a Location header）",
    "页面含有隐藏的外部链接「博彩」（display_none）",
]
OLD_CHECK_ERRORS = {"transport.ipv6": "IPv6无法判断：the site is addressed by an IPv4 address",
                    "availability.probes": "首页在90天监测窗口内没有可用性探测记录（govwatch probe / monitor）"}
OLD_REASON = {"code": "crawl.low_read_share", "url": "http://www.a.gov.cn/",
              "message": "只读取了发现的5个页面中的1个（20%），低于要求的50%（crawl.min_read_share），其余页面无法打开"}


def old_run(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with the English of a run stored before the checks wrote Chinese at the source."""
    old = json.loads(json_bytes(document))  # plain lists: its findings are made as they are read
    for finding, message in zip(old["findings"], OLD_MESSAGES, strict=False):
        finding["message"] = message
    old["checks"] = [c for c in old["checks"] if c["name"] not in OLD_CHECK_ERRORS] + [
        {"name": name, "status": "not_assessed", "findings": 0, "error": error} for name, error in OLD_CHECK_ERRORS.items()]
    old["complete"], old["incomplete_reasons"], old["coverage"] = False, [OLD_REASON], None
    return old


def test_a_run_stored_before_reads_in_chinese(docs: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    document = old_run(docs["甲市人民政府"])
    raw = json_bytes(document).decode("utf-8")
    for needle in ("soft 404", "Connection reset by peer", "redirect without", "display_none", "addressed by an IPv4",
                   "govwatch probe", "crawl.min_read_share"):
        assert needle in raw, needle  # the stored run does hold the English this test is about
    view = build_view(document)
    messages = {p.message for p in view.problems}
    assert "首页网页“专题”无法访问（软404，页面返回200但内容为“页面不存在”）" in messages
    assert "页面图片“横幅”无法访问（连接被重置）" in messages
    assert "页面含有隐藏的外部链接「博彩」（样式设为不显示）" in messages
    assert view.cover.incomplete == ["只读取了发现的5个页面中的1个（20%），低于要求的50%，其余页面无法打开"]
    urls = document_urls(document)
    for path, reader in ((write_html(document, tmp_path), html_text), (write_docx(document, tmp_path), docx_text),
                         (write_selfcheck(document, tmp_path), xlsx_text)):
        assert not foreign_words(reader(path), urls), path.name


# -- a site that could not be read: the reasons on the cover ---------------------------------------------


def unreadable(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` as if its homepage had refused the connection (the real coverage fact's reasons)."""
    home = document["site"]["url"]
    fact = crawl_coverage({home: {"role": "page", "status": None, "error": "connect",
                                  "error_detail": "Failed to connect to a.gov.cn port 80 after 0 ms: "
                                                  "Connection refused (libcurl error 7)"}}, home, [], 0.5)
    unread = copy.deepcopy(document)
    unread["complete"], unread["incomplete_reasons"], unread["coverage"] = False, fact["reasons"], fact
    return unread


def test_unreadable_site_cover_reads_in_chinese(docs: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    document = unreadable(docs["甲市人民政府"])
    assert document["incomplete_reasons"][0]["message"] == "首页无法打开：无法建立连接（连接被拒绝或不可达）"  # no code
    assert build_view(document).cover.incomplete == ["首页无法打开：无法建立连接（连接被拒绝）"]  # said from the coverage fact
    without_fact = {**document, "coverage": None}  # from the message alone: the class's name
    assert build_view(without_fact).cover.incomplete == ["首页无法打开：无法建立连接（连接被拒绝或不可达）"]
    urls = document_urls(document)
    for path, reader in ((write_html(document, tmp_path), html_text), (write_docx(document, tmp_path), docx_text),
                         (write_selfcheck(document, tmp_path), xlsx_text)):
        text = reader(path)
        assert "连接被拒绝" in text
        assert not foreign_words(text, urls), path.name


# -- the error wording, hand-checked -------------------------------------------------------------------


@pytest.mark.parametrize(("error", "detail", "expected"), [
    ("reset", "Recv failure: Connection reset by peer (libcurl error 56)", "连接被重置"),
    ("timeout", "no complete answer within the time limit: Operation timed out after 15001 milliseconds "
                "with 0 bytes received (libcurl error 28)", "访问超时（15秒）"),
    ("connect_timeout", "Connection timed out after 2001 milliseconds (libcurl error 28)", "连接超时（2秒）"),
    ("connect", "Failed to connect to a.gov.cn port 443 after 0 ms: Connection refused (libcurl error 7)",
     "无法建立连接（连接被拒绝）"),
    ("connect", "Failed to connect to 127.0.0.1:54365 after 2 ms: Could not connect to server (libcurl error 7)",
     "无法建立连接（连接被拒绝或不可达）"),
    ("connect", "Connect call failed ('127.0.0.1', 443)", "无法建立连接（连接被拒绝或不可达）"),
    ("dns", "Could not resolve host: x.gov.cn (libcurl error 6)", "域名解析失败"),
    ("http", "Empty reply from server (libcurl error 52)", "HTTP协议错误（服务器返回空响应）"),
    ("tls", "SSL certificate problem: certificate has expired (libcurl error 60)", "TLS/SSL握手失败（TLS证书验证失败）"),
    ("tls", "OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to x:443 (libcurl error 35)", "TLS/SSL握手失败"),
    ("strange_new_class", "Something English", "其他错误"),
])
def test_error_text_is_chinese(error: str, detail: str, expected: str) -> None:
    assert error_text(error, detail) == expected
