"""Chinese names of the common evidence fields of findings, and their values as a reader sees them.

The finding catalogue lists which evidence fields each kind may carry but does not describe them;
this is the one table of their Chinese names, for the dashboard's 问题 page and any report that lists
evidence. A field not named here is shown by its key, as stored; booleans read 是/否 and values are
written as the report's view model writes them (:func:`govwatch.report.view.evidence_text`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from govwatch.report.view import evidence_text

__all__ = ["EVIDENCE_LABELS", "EVIDENCE_VALUE_LABELS", "evidence_label", "evidence_rows"]

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
}

# Stored codes among evidence values, by field: shown in Chinese where they are known.
EVIDENCE_VALUE_LABELS: dict[str, dict[str, str]] = {
    "classification": {"confirmed": "确认失效", "suspected": "疑似失效"},
    "resource": {"external": "外部链接", "attachment": "附件", "internal": "站内链接", "page": "页面"},
    "scope": {"homepage": "首页", "site": "全站"},
}


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
