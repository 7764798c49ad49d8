"""Chinese names of the common evidence fields of findings, and their values as a reader sees them.

The finding catalogue lists which evidence fields each kind may carry but does not describe them;
this is the one table of their Chinese names, for the dashboard's 问题 page and any report that lists
evidence. On the dashboard (:func:`evidence_rows`) a field not named here is shown by its key, as
stored; booleans read 是/否 and values are written as the report's view model writes them
(:func:`govwatch.report.view.evidence_text`). A document (:func:`report_evidence_rows`) shows only
the named fields, with codes and raw error texts in Chinese: the rest is a technician's, kept in
``inspection.json``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from govwatch.analysis.columns.classify import COLUMN_TYPE_LABELS
from govwatch.analysis.content.lexicon import load_yaml
from govwatch.analysis.content.personal import TYPE_LABELS as PERSONAL_DATA_LABELS
from govwatch.checks.content import CATEGORY_LABELS as WORDING_CATEGORY_LABELS
from govwatch.checks.identity import ITEM_LABELS as FOOTER_ITEM_LABELS
from govwatch.report.view import evidence_text, plain_text

__all__ = ["EVIDENCE_LABELS", "EVIDENCE_VALUE_LABELS", "REPORT_SHOWN_ELSEWHERE", "evidence_label", "evidence_rows",
           "report_evidence_rows"]

EVIDENCE_LABELS = {
    "attempts": "尝试次数",
    "classification": "判定",
    "confirmed": "已确认",
    "error": "错误类型",
    "error_detail": "错误详情",
    "expected": "应为",
    "observed": "实际",
    "link_text": "链接文字",
    "method": "请求方法",
    "resource": "资源类型",
    "scope": "范围",
    "soft_404": "软404（正常状态码的错误页）",
    "source_count": "含此链接的页面数",
    "sources": "含此链接的页面",
    "status": "状态",
    "title": "标题",
    "column": "栏目",
    "columns": "栏目",
    "type": "栏目类型",
    "items": "条目数",
    "undated": "未注明日期的条目数",
    "last_update": "最近更新",
    "days_overdue": "超期天数",
    "window": "更新周期",
    "window_days": "时间窗口（天）",
    "visits": "访问次数",
    "failed": "失败次数",
    "failure_ratio": "失败比例",
    "threshold": "阈值",
    "reason": "原因",
    "pages": "页面",
    "page_count": "页面数",
    "count": "数量",
    "examples": "示例",
    "excerpt": "摘录",
    "context": "上下文",
    "date": "日期",
    "as_of": "检查日期",
    "host": "主机",
    "missing": "缺少",
    "found": "发现",
    "category": "类别",
    "label": "类别",
    "term": "关键词",
    "where": "位置",
    "contexts": "所在位置",
    "counts": "数量",
    "total": "合计",
    "value": "示例",
    "file": "文件",
    "text": "链接文字",
    "href": "链接地址",
    "signal": "异常类型",
    "tag": "标签",
    "hidden": "隐藏方式",
    "pages_with_host": "涉及页面数",
    "user_agent": "爬虫身份",
    "normal_title": "普通访问时的标题",
    "spider_status": "爬虫访问状态码",
    "normal_status": "普通访问状态码",
    "similarity": "页面相似度",
    "spider_only_text": "仅爬虫可见的文字",
    "reasons": "原因",
    "item": "标识项",
    "problem": "问题类型",
    "site_code": "网站标识码",
    "site_code_source": "标识码来源",
    "sampled": "抽查页面数",
    "homepage": "首页",
    "page_type": "页面类型",
    "activities_in_year": "近一年开展次数",
    "cutoff": "统计起始日期",
    "start": "开始日期",
    "end": "结束日期",
    "within": "结果公开期限",
    "result_date": "结果公开日期",
    "pages_checked": "检查页面数",
    "https_url": "HTTPS地址",
    "http_url": "HTTP地址",
    "http_status": "HTTP状态码",
    "days_ahead": "超前天数",
    "fetched_on": "抓取日期",
    # accessibility (checks/accessibility.py)
    "requirement": "无障碍要求",
    "rules": "检测规则",
    "clause": "依据条款",
    "impact": "影响程度",
    "selectors": "问题元素位置",
    "elements": "问题元素",
    "words": "入口文字",
    "script_markers": "无障碍工具脚本",
    # site search (checks/site_search.py)
    "forms": "首页表单",
    "search_url": "搜索地址",
    "field": "搜索字段",
    "engine": "搜索系统",
    "missed": "未检索到的标题",
    "queries": "检索词",
    "asked": "检索次数",
    "query": "检索词",
    "intended": "原意检索词",
    "expected_url": "应检索到的页面",
    "suggestion": "搜索纠错提示",
    # counterfeit sites (checks/counterfeit.py)
    "url": "网址",
    "verdict": "判定",
    "confidence": "可信度",
    "lookalike": "仿冒域名特征",
    "identifiers": "相同标识",
    "source": "发现方式",
    "state": "处理状态",
    "first_seen_at": "首次发现",
    "last_seen_at": "最近发现",
    "suspect_id": "线索编号",
}

# Stored codes among evidence values, by field: shown in Chinese where they are known.
EVIDENCE_VALUE_LABELS: dict[str, dict[str, str]] = {
    "impact": {"critical": "严重", "serious": "较重", "moderate": "中等", "minor": "轻微"},
    "verdict": {"counterfeit": "假冒", "suspect": "疑似假冒", "genuine": "真实网站"},
    "source": {"check": "核查", "candidate": "仿冒域名探测"},
    "state": {"open": "待处理", "reported": "已通报", "closed": "已关闭"},
    "classification": {"confirmed": "确认失效", "suspected": "疑似失效"},
    "resource": {"external": "外部链接", "attachment": "附件", "internal": "站内链接", "page": "页面"},
    "scope": {"homepage": "首页", "site": "全站", "other": "其他页面"},
    "category": {**{c: str(spec["label"]) for c, spec in load_yaml("banned.yaml")["categories"].items()},
                 **WORDING_CATEGORY_LABELS},
    "where": {"text": "正文", "link": "链接文字", "title": "标题", "attachment": "附件", "page": "页面",
              "table cell": "表格"},
    "contexts": {"text": "正文", "table cell": "表格", "link": "链接文字", "title": "标题"},
    "counts": dict(PERSONAL_DATA_LABELS),
    "tag": {"script": "脚本", "iframe": "内嵌框架", "frame": "框架", "embed": "嵌入对象", "object": "嵌入对象",
            "link": "外部样式表"},
    "item": dict(FOOTER_ITEM_LABELS),
    "problem": {"missing": "缺失", "invalid": "格式错误", "mismatch": "与登记信息不一致", "legacy": "旧格式",
                "case": "大小写不规范", "future": "晚于检查日期"},
    "site_code_source": {"registry": "网站名录", "config": "站点配置", "homepage": "首页", "page": "页面"},
    "page_type": {"list": "栏目页", "article": "文章页", "home": "首页", "homepage": "首页"},
    "type": dict(COLUMN_TYPE_LABELS),
}

# Named fields a document does not list among a problem's evidence: shown in their own lines (link text,
# excerpt, column, observed/expected), too long (the pages holding a link), or a technician's (the raw
# error text, the request method).
REPORT_SHOWN_ELSEWHERE = frozenset({"examples", "failed_probes", "notes", "sources", "excerpt", "link_text", "column",
                                    "pages", "error_detail", "method", "attempts", "observed", "expected",
                                    # technical locators (CSS selectors, HTML, rule ids, endpoints): the dashboard's
                                    "rules", "selectors", "elements", "forms", "search_url", "field", "engine",
                                    "script_markers", "suspect_id", "lookalike"})
_CODE = re.compile(r"[a-z][a-z0-9_]*")


def evidence_label(key: str) -> str:
    """The Chinese name of an evidence field; the key itself when it has none."""
    return EVIDENCE_LABELS.get(key, key)


def _value_text(key: str, value: Any) -> str:
    if isinstance(value, str):
        return EVIDENCE_VALUE_LABELS.get(key, {}).get(value, value)
    return evidence_text(value)


def evidence_rows(evidence: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """(Chinese name, value text) of every evidence field, in key order; empty values read ``—``."""
    return [(evidence_label(key), _value_text(key, value) or "—") for key, value in sorted((evidence or {}).items())]


def _report_value(key: str, value: Any) -> str:
    """A value in a document's words; empty for a code without a Chinese name or a value without words."""
    if value is None or isinstance(value, bool):
        return evidence_text(value)
    if isinstance(value, str):
        text = EVIDENCE_VALUE_LABELS.get(key, {}).get(value) or plain_text(value)
        return "" if _CODE.fullmatch(text) else text
    if isinstance(value, (list, tuple)):
        return "、".join(filter(None, (_report_value(key, v) for v in value if not isinstance(v, dict))))
    if isinstance(value, dict):
        names = EVIDENCE_VALUE_LABELS.get(key, {})
        if not value or any(k not in names for k in value):
            return ""
        return "、".join(f"{names[k]}{evidence_text(v)}" for k, v in value.items())
    return evidence_text(value)


def report_evidence_rows(evidence: Mapping[str, Any] | None, *, skip: frozenset[str] = frozenset()
                         ) -> list[tuple[str, str]]:
    """(Chinese name, value text) of the named evidence fields a document shows, in the check's order:
    fields without a Chinese name, those in ``skip``, empty values and codes without a Chinese name are
    left out, as are repeats (``category`` and ``label`` both saying 赌博)."""
    rows: list[tuple[str, str]] = []
    for key, value in (evidence or {}).items():
        if key in skip or key not in EVIDENCE_LABELS:
            continue
        row = (EVIDENCE_LABELS[key], _report_value(key, value))
        if row[1] and row not in rows:
            rows.append(row)
    return rows
