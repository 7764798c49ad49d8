"""The extraction worker's text scan reads the visible text from extraction's own tree
(``extract_page(read_tree=keep_text(...))``) instead of parsing the page again: that text must be
the one ``page_text_from_body`` builds by itself, page by page, over every page and file of the
simulator's sites, the real-page corpus and the bodies where the two parses could differ."""

from __future__ import annotations

from pathlib import Path

import pytest

from govwatch.extract import extract_page
from govwatch.extract.page import DEFAULT_MAX_BYTES
from govwatch.extract.text import PageText, keep_text, page_text_from_body
from govwatch.sim import SimOptions, default_sites
from govwatch.sim.portfolio import site_origins
from govwatch.sim.site import SiteGenerator

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "real-pages" / "pages"
ORIGIN = "http://127.0.0.1:8000"
DEAD = "http://127.0.0.1:9/"


def _both(body: bytes, content_type: str) -> tuple[PageText, PageText, bool]:
    """(the text parsed by itself, the text the scan reads after extraction, whether extraction's
    tree gave it)."""
    alone = page_text_from_body(body, content_type)
    reader = keep_text(body, content_type)
    called: list[bool] = []

    def counted(tree: object) -> None:
        called.append(True)
        reader(tree)  # type: ignore[arg-type]

    extract_page(body, "http://example.gov.cn/a/b.html", content_type=content_type, read_tree=counted)
    return alone, page_text_from_body(body, content_type), bool(called)


def _sim_bodies(site_id: str) -> list[tuple[str, bytes, str]]:
    options = SimOptions(seed=7, site_pages=150)
    spec = options.spec(site_id)
    gen = SiteGenerator(options, spec, options.portfolio.index(spec), site_origins(options, spec, ORIGIN, DEAD, DEAD))
    paths = [path for path, _kind in gen.iter_pages()] + list(gen.iter_files()) \
        + [path for _col, path in gen.iter_endpoints()]
    answers = [(path, gen.respond("GET", path)) for path in paths]
    return [(path, a.body, a.content_type) for path, a in answers if a.status == 200]


@pytest.mark.parametrize("site_id", [s.id for s in default_sites()])
def test_the_simulators_pages_read_the_same_text_from_extractions_tree(site_id: str) -> None:
    reused = html = 0
    for path, body, content_type in _sim_bodies(site_id):
        alone, scanned, from_tree = _both(body, content_type)
        assert scanned == alone, path
        html += content_type.startswith("text/html")
        reused += from_tree
    assert html > 100
    assert reused >= 0.95 * html  # the text does come from extraction's tree


@pytest.mark.skipif(not CORPUS.is_dir(), reason="real-page corpus ../shared/corpus/real-pages not present")
def test_real_pages_read_the_same_text_from_extractions_tree() -> None:
    files = sorted(CORPUS.glob("*.html"))
    reused = 0
    for page in files:
        body = page.read_bytes()
        for content_type in ("text/html", "text/html; charset=utf-8", ""):
            alone, scanned, from_tree = _both(body, content_type)
            assert scanned == alone, page.name
            reused += from_tree
    assert len(files) >= 40 and reused >= 0.9 * 3 * len(files)


PAGE = ("<html><head><title>通知 公告</title><style>p{}</style><script>var a='<p>x</p>';</script></head>"
        "<body><noscript><p>请开启脚本<script>b()</script></p></noscript><template><p>模板</p></template>"
        "<p>国务院总理李墙<b>强调</b></p><table><tr><td>姓名</td><th>电话13812345678</th></tr></table>"
        "<a href='/x'> 链接 </a></body></html>")


@pytest.mark.parametrize("body, content_type, from_tree", [
    (PAGE.encode(), "text/html", True),
    (b"\xef\xbb\xbf" + PAGE.encode(), "text/html", True),  # a byte-order mark
    (b"\xef\xbb\xbf" + PAGE.encode().replace("李".encode(), b"\xff"), "text/html", True),  # both parse U+FFFD
    (PAGE.encode("gb18030"), "text/html; charset=gbk", True),
    (PAGE.encode("utf-16"), "text/html", True),
    (PAGE.replace("李墙", "李\x00墙").encode(), "text/html", False),  # NUL: parsed as U+FFFD by extraction
    (PAGE.encode().replace("李".encode(), b"\xff"), "text/html; charset=utf-8", True),  # not UTF-8: read as GB
    (PAGE.replace("李墙", "李\ufffd墙").encode(), "text/html", False),  # a real U+FFFD: not told apart
    (("<html><body><p>" + "国务院" * (DEFAULT_MAX_BYTES // 9 + 10) + "</p></body></html>").encode(), "text/html", True),
    (b'{"list": [{"title": "\xe6\x96\x87"}]}', "application/json", False),  # JSON: no tree
    (b"<?xml version='1.0'?><datastore><recordset><record><![CDATA[<a href='/a'>x</a>]]></record></recordset>"
     b"</datastore>", "text/xml", False),  # a data store: no tree
    (b"   ", "text/html", False),
])
def test_bodies_where_the_parses_could_differ(body: bytes, content_type: str, from_tree: bool) -> None:
    alone, scanned, reused = _both(body, content_type)
    assert scanned == alone
    assert reused == from_tree


def test_the_kept_text_is_of_that_body_object_only() -> None:
    body = PAGE.encode()
    keep = keep_text(body, "text/html")
    extract_page(body, "http://example.gov.cn/", content_type="text/html", read_tree=keep)
    other = PAGE.replace("李墙", "李强").encode()
    assert "李强" in page_text_from_body(other, "text/html").text  # another body: parsed, not the kept text
    assert "李墙" in page_text_from_body(body, "text/plain").text  # another type: parsed again
    assert page_text_from_body(body, "text/html") == page_text_from_body(bytes(bytearray(body)), "text/html")


def test_nested_tables_are_cells_and_leave_the_rest() -> None:
    body = ("<html><body><p>前</p><table><tr><td>外<table><tr><td>内</td></tr></table></td></tr></table>"
            "<p>后</p></body></html>").encode()
    alone, scanned, reused = _both(body, "text/html")
    assert reused and scanned == alone
    assert alone == PageText("", "前外内后", [("table cell", "外\n内"), ("table cell", "内"), ("text", "前\n后")], [])
