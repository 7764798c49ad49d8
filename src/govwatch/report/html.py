"""HTML report of one inspection document (self-contained: no external assets).

The layout is an office's 检查报告: cover, 总体情况 with verdict and score, 单项否决,
指标得分, 栏目更新, 链接可用性, 问题明细 and 整改清单 (from :mod:`govwatch.report.view`),
with a print stylesheet (A4, page breaks) that :mod:`govwatch.report.pdf` prints.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from govwatch.analysis.columns.classify import COLUMN_TYPE_LABELS
from govwatch.report.evidence_labels import REPORT_SHOWN_ELSEWHERE, report_evidence_rows
from govwatch.report.view import (
    INCOMPLETE_HEADLINE,
    INCOMPLETE_NOTE,
    build_view,
    column_reason_text,
    error_text,
    soft_404_text,
    status_text,
)

_env = Environment(loader=PackageLoader("govwatch.report", "templates"),
                   autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)

_SCOPE = {"homepage": "首页", "other": "其他页面"}
_VIA = {"static": "静态页面", "script-pagination": "脚本分页", "xml-records": "XML数据", "endpoint": "数据接口",
        "rendered": "浏览器渲染", "unread": "未能读取"}
_RESOURCE = {"page": "网页", "image": "图片", "attachment": "附件", "external": "外部链接", "script": "脚本", "style": "样式表"}


def render_template(name: str, **context: Any) -> str:
    """Render one of the report templates."""
    return _env.get_template(name).render(**context)


def render_html(document: dict[str, Any]) -> str:
    """The report as one HTML string."""
    return "".join(_html_chunks(document))


def _html_chunks(document: dict[str, Any]) -> Iterator[str]:
    """The report's HTML in the pieces the template yields (a 20,000-page site's report is 12 MB:
    written piece by piece, it is never one string, nor its UTF-8 bytes besides)."""
    view = build_view(document)
    columns = document.get("columns") or []
    summary = {"broken_homepage": view.broken.homepage, "broken_other": view.broken.other,
               "confirmed": view.broken.confirmed, "stale_columns": sum(1 for c in columns if c.get("stale")),
               "blank_columns": sum(1 for c in columns if c.get("blank")), "problems": view.counts.found}
    return _env.get_template("inspection.html.j2").generate(
        doc=document, view=view, summary=summary,
        scope_names=_SCOPE, resource_names=_RESOURCE,
        type_names=COLUMN_TYPE_LABELS, via_names=_VIA, error_text=error_text, status_text=status_text,
        soft_404=soft_404_text(), column_reason=column_reason_text,
        evidence_rows=lambda evidence: report_evidence_rows(evidence, skip=REPORT_SHOWN_ELSEWHERE),
        incomplete_headline=INCOMPLETE_HEADLINE, incomplete_note=INCOMPLETE_NOTE)


def write_html(document: dict[str, Any], out_dir: Path) -> Path:
    """Write ``report.html`` into ``out_dir`` and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "report.html"
    with path.open("w", encoding="utf-8") as out:
        out.writelines(_html_chunks(document))
    return path
