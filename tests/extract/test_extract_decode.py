"""Charset handling: header, BOM, meta, GB family as GB18030, sniffing, bad bytes."""

from __future__ import annotations

import codecs
from pathlib import Path

from govwatch.extract import decode_html, extract_page

RARE = "县长王镕与副县长李喆、张堃、刘珺"  # not in GB2312, all in GBK/GB18030


def load(name: str) -> bytes:
    return (Path(__file__).parent / "fixtures" / name).read_bytes()


def test_gb2312_declared_in_meta_decodes_as_gb18030():
    body = load("legacy_list.html")
    text, encoding, warnings = decode_html(body)
    assert encoding == "gb18030"
    assert "王镕" in text and "李喆" in text
    assert warnings == []


def test_header_charset_wins_over_meta_and_gbk_aliases():
    body = f"<html><head><meta charset='utf-8'></head><body>{RARE}</body></html>".encode("gbk")
    for label in ("gb2312", "GBK", "x-gbk", "gb_2312-80", "GB2312"):
        text, encoding, warnings = decode_html(body, f"text/html; charset={label}")
        assert encoding == "gb18030" and RARE in text and warnings == []


def test_bom_is_used():
    text, encoding, _ = decode_html(codecs.BOM_UTF8 + "<p>中文</p>".encode())
    assert (text, encoding) == ("<p>中文</p>", "utf-8")
    text, encoding, _ = decode_html(codecs.BOM_UTF16_LE + "<p>中文</p>".encode("utf-16-le"))
    assert (text, encoding) == ("<p>中文</p>", "utf-16-le")


def test_declared_gb2312_but_utf8_bytes_is_sniffed_as_utf8():
    body = f'<meta http-equiv="Content-Type" content="text/html; charset=gb2312"><p>{RARE}</p>'.encode()
    text, encoding, warnings = decode_html(body)
    assert encoding == "utf-8" and RARE in text
    assert warnings and "UTF-8" in warnings[0]


def test_undeclared_sniffs_utf8_then_gb18030():
    assert decode_html("<p>政务公开</p>".encode())[1] == "utf-8"
    text, encoding, _ = decode_html("<p>政务公开</p>".encode("gb18030"))
    assert (text, encoding) == ("<p>政务公开</p>", "gb18030")


def test_declared_utf8_that_is_gbk_falls_back_with_warning():
    text, encoding, warnings = decode_html(f"<p>{RARE}</p>".encode("gbk"), "text/html; charset=utf-8")
    assert encoding == "gb18030" and RARE in text and warnings


def test_undecodable_bytes_are_replaced_with_a_warning():
    body = "<p>正常文字</p>".encode() + b"\xff\xfe\xfa\x80\x81" + "<p>后文</p>".encode()
    text, encoding, warnings = decode_html(body, "text/html; charset=utf-8")
    assert "正常文字" in text and "\ufffd" in text and encoding == "utf-8"
    assert any("replaced" in w for w in warnings)


def test_unknown_charset_and_empty_body():
    text, encoding, warnings = decode_html(b"<p>abc</p>", "text/html; charset=x-klingon")
    assert text == "<p>abc</p>" and any("unknown charset" in w for w in warnings)
    assert decode_html(b"") == ("", "utf-8", [])


def test_extract_page_reports_the_sniff_warning():
    body = f'<meta charset="gb2312"><title>t</title><p>{RARE}</p></html>'.encode()
    facts = extract_page(body, "http://x.gov.cn/")
    assert any("UTF-8" in w for w in facts.warnings)
    assert RARE in facts.text_excerpt


def test_page_facts_report_the_encoding():
    assert extract_page(load("legacy_list.html"), "http://www.legacy.gov.cn/").encoding == "gb18030"
    assert extract_page(load("trs_list.html"), "http://www.example.gov.cn/").encoding == "utf-8"
    assert extract_page("<p>已解码</p>", "http://x.gov.cn/").encoding == ""
