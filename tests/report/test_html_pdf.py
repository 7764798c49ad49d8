"""HTML and PDF reports: the same facts in the 检查报告 layout; the PDF read back as text with pypdf."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from govwatch.report.html import render_html
from govwatch.report.pdf import write_pdf
from govwatch.report.report_error import ReportError
from govwatch.report.view import build_view

CHROMIUM = "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK),
                                    reason=f"no Debian chromium at {CHROMIUM} (apt-get install chromium)")


def section(html: str, start: str, end: str) -> str:
    return html[html.index(start):html.index(end)]


def test_html_report_layout_and_facts(docs: dict[str, Any]) -> None:
    doc = docs["甲市人民政府"]
    html = render_html(doc)
    for heading in ("政府网站检查报告", "一、总体情况", "二、单项否决", "三、指标得分", "四、栏目更新", "五、链接可用性",
                    "六、问题明细", "七、整改清单"):
        assert heading in html
    assert '<span class="verdict pass">合格</span>' in html and "<b>93.5</b>" in html and "1234000001" in html
    vetoes = section(html, "二、单项否决", "三、指标得分")
    assert vetoes.count(">否</td>") == 2 and ">是</td>" not in vetoes
    for f in doc["findings"]:
        assert f["id"] in section(html, "六、问题明细", "七、整改清单")
    rect = section(html, "七、整改清单", "附：检查项运行情况")
    expected = [r.problem.id for r in build_view(doc).rectification]
    assert sorted(expected, key=rect.index) == expected  # listed in the view's order
    assert "@page { size: A4" in html and "break-after: page" in html


def test_html_veto_and_pending_wording(docs: dict[str, Any]) -> None:
    vetoed = render_html(docs["乙区人民政府"])
    assert ">是</td>" in section(vetoed, "二、单项否决", "三、指标得分") and "不计分（单项否决）" in vetoed
    pending = render_html(docs["戊区政务服务网"])
    assert '<span class="verdict pending">待定（1项指标未评估）</span>' in pending
    assert "≤96（未完成评估）" in pending and ">未评估</td>" in pending
    assert 'verdict pass' not in pending


def pdf_text(path: Path) -> tuple[int, str, str]:
    from pypdf import PdfReader
    reader = PdfReader(str(path))
    pages = [p.extract_text() for p in reader.pages]
    return len(pages), pages[0], "\n".join(pages)


@needs_chromium
def test_pdf_is_a4_with_chinese_text(docs: dict[str, Any], out: Path) -> None:
    doc = docs["甲市人民政府"]
    path = write_pdf(doc, out, executable=CHROMIUM)
    assert path == out / "report.pdf" and path.read_bytes().startswith(b"%PDF")
    from pypdf import PdfReader
    box = PdfReader(str(path)).pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)
    pages, first, text = pdf_text(path)
    assert pages >= 3  # the cover is a page of its own
    for fact in ("政府网站检查报告", "甲市人民政府", "http://a.gov.cn/", "1234000001", "2026-11-30", "报告测试评分表",
                 "合格", "93.5"):
        assert fact in first, fact
    assert "一、总体情况" not in first
    flat = re.sub(r"\s+", "", text)
    for heading in ("单项否决", "指标得分", "问题明细", "整改清单", "链接可用性"):
        assert heading in flat
    for f in doc["findings"]:
        assert f["id"] in flat, f["id"]
    # Copied text reads as the ideographs printed, not the radicals Noto shares glyphs with (⽹ ⺠ ⻚).
    assert not re.search("[\u2e80-\u2fdf]", text)
    assert "第1页/共" in flat


@needs_chromium
def test_pdf_of_a_pending_site_says_pending(docs: dict[str, Any], out: Path) -> None:
    _, first, _ = pdf_text(write_pdf(docs["戊区政务服务网"], out, executable=None))
    flat = re.sub(r"\s+", "", first)
    assert "待定（1项指标未评估）" in flat and "≤96（未完成评估）" in flat


def test_missing_browser_is_a_report_error(docs: dict[str, Any], out: Path) -> None:
    with pytest.raises(ReportError, match="chromium"):
        write_pdf(docs["甲市人民政府"], out, executable=str(out / "no-such-chromium"))
    assert not (out / "report.pdf").exists()


@needs_chromium
async def test_pdf_from_inside_an_event_loop(docs: dict[str, Any], out: Path) -> None:
    assert write_pdf(docs["丙县人民政府"], out, executable=CHROMIUM).stat().st_size > 1000


def test_radicals_map_to_the_ideographs_printed() -> None:
    from govwatch.report.pdftext import ideograph
    assert "".join(chr(ideograph(ord(c))) for c in "⽹站⾸⻚⼈⺠政府⻔户⼾") == "网站首页人民政府门户户"
    assert ideograph(ord("A")) == ord("A")
