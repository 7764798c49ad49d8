"""The inspection report as Word (``report.docx``), laid out like an office's 检查报告.

Title, cover table (site, URL, 网站标识码, 检查日期, rule table, verdict, score),
一、总体情况 (conclusion, score breakdown, monitoring figures), 二、单项否决 (是/否/未评估),
三、指标得分, 四、问题明细 (IDs and evidence), 五、整改清单 (with an empty 整改情况
column for the office to fill in). Chinese text is set in 宋体 (body) and 黑体
(headings) through ``w:eastAsia``; everything comes from :func:`govwatch.report.view.build_view`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docx import Document

from govwatch.report.view import INCOMPLETE_HEADLINE, INCOMPLETE_NOTE, Problem, ReportView, build_view
from govwatch.report.wordprint import paragraph, setup_document, table, title


def _evidence(p: Problem) -> str:
    parts = [p.message]
    if p.url:
        parts.append(f"页面：{p.url}")
    if p.target:
        parts.append(f"目标：{p.target}")
    if p.column:
        parts.append(f"栏目：{p.column}")
    if p.link_text:
        parts.append(f"链接文字：{p.link_text}")
    elif p.excerpt:
        parts.append(f"摘录：{p.excerpt}")
    if p.observed or p.expected:
        parts.append(f"实际：{p.observed}；应为：{p.expected}")
    return "\n".join(parts)


def _status(p: Problem) -> str:
    text = p.status_text
    if p.status in ("exempt", "suppressed") and p.note:
        text = p.note
    if p.vetoes:
        text += "；触发单项否决：" + "、".join(p.vetoes)
    if p.origin == "reviewer":
        text += "（人工检查）"
    return text


def build_docx(view: ReportView) -> Any:
    """The report as a python-docx ``Document`` (not yet saved)."""
    doc = Document()
    setup_document(doc)
    c = view.cover
    if c.incomplete:  # first, above the title: the site could not be read
        paragraph(doc, INCOMPLETE_HEADLINE, bold=True)
        for reason in c.incomplete:
            paragraph(doc, reason)
        paragraph(doc, INCOMPLETE_NOTE)
    title(doc, "政府网站检查报告")
    title(doc, c.site_name, size=16, space_after=12)
    table(doc, None, [("网站名称", c.site_name), ("首页网址", c.url), ("网站标识码", c.site_code),
                      ("检查日期", f"{c.as_of}（监测时间点）"), ("评分规则表", c.ruleset_name),
                      ("检查结论", c.verdict_text), ("得分", c.score_text)],
          widths=(4, 12), size=10.5, label_column=True)

    doc.add_heading("一、总体情况", level=1)
    paragraph(doc, f"检查结论：{c.verdict_text}；得分：{c.score_text}。", bold=True)
    if not view.scored:
        paragraph(doc, "未评分：尚未应用评分规则表，以下为已检查指标的问题清单。")
    for reason in c.reasons:
        paragraph(doc, reason)
    if view.score_lines:
        table(doc, ("项目", "分值"), [*view.score_lines, ("最终得分", c.score_text)], widths=(8, 8), center=(1,))
    doc.add_heading("监测概况", level=2)
    pairs = view.overview
    rows = [(pairs[i][0], pairs[i][1], *(pairs[i + 1] if i + 1 < len(pairs) else ("", "")))
            for i in range(0, len(pairs), 2)]
    table(doc, None, rows, widths=(5, 3, 5, 3), label_column=True)

    doc.add_heading("二、单项否决", level=1)
    if view.vetoes:
        table(doc, ("序号", "否决项", "是否触发", "情况说明", "相关问题"),
              [(n, v.name, v.result, v.reason, "、".join(v.findings)) for n, v in enumerate(view.vetoes, 1)],
              widths=(1.2, 3.8, 1.8, 5.2, 5), center=(0, 2))
    else:
        paragraph(doc, "未应用评分规则表，单项否决未评估。")

    doc.add_heading("三、指标得分", level=1)
    if view.indicators:
        table(doc, ("分组", "指标", "分值", "扣分/得分", "评估状态", "问题数", "说明"),
              [(i.group, i.name, i.max_text, i.points_text, i.status_text, i.findings, i.note)
               for i in view.indicators], widths=(2.4, 3.4, 1.6, 1.8, 2, 1.4, 4.4), center=(2, 3, 4, 5))
    else:
        paragraph(doc, "未应用评分规则表。")

    doc.add_heading(f"四、问题明细（{len(view.problems)}项）", level=1)
    if view.problems:
        table(doc, ("问题编号", "指标", "问题描述及证据", "扣分", "计分情况"),
              [(p.id, p.indicator, _evidence(p), p.points_text, _status(p)) for p in view.problems],
              widths=(2.8, 2.4, 7.4, 1.3, 3.1), center=(3,), size=8.5)
    else:
        paragraph(doc, "未发现问题。")

    doc.add_heading(f"五、整改清单（{len(view.rectification)}项）", level=1)
    if view.rectification:
        paragraph(doc, "按优先级排列：触发单项否决的问题在前，其余按扣分从高到低、先问题后提示。" + "".join(view.notes))
        table(doc, ("序号", "问题编号", "优先级", "问题", "位置", "扣分", "整改要求", "整改情况"),
              [(r.no, r.problem.id, r.priority, f"{r.problem.indicator}：{r.problem.message}",
                r.problem.target or r.problem.url, r.problem.points_text, r.problem.action, "")
               for r in view.rectification],
              widths=(1, 2.6, 1.5, 3.6, 3, 1.1, 2.6, 1.6), center=(0, 2, 5), size=8.5)
    else:
        paragraph(doc, "无需整改的问题。")
    return doc


def write_docx(document: dict[str, Any], out_dir: Path) -> Path:
    """Write ``report.docx`` into ``out_dir`` and return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "report.docx"
    build_docx(build_view(document)).save(str(path))
    return path
