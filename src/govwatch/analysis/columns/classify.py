"""Column types from names and ColumnType meta tags, by a keyword table kept as data."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import resources

import yaml

from govwatch.analysis.interaction.messages import is_message_list

# Column types in Chinese, for messages and reports (the DESIGN's column type vocabulary).
COLUMN_TYPE_LABELS = {
    "dynamic": "动态/要闻", "notice": "通知公告", "policy": "政策文件", "interpretation": "政策解读",
    "personnel": "人事", "plan": "规划计划", "consult": "政务咨询", "survey": "调查征集",
    "interview": "在线访谈", "service": "办事服务", "data": "数据发布", "other": "其他",
    "homepage": "首页",
}


@cache
def keyword_table() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(type, keywords) in priority order, from ``govwatch/data/column_types.yaml``."""
    text = resources.files("govwatch.data").joinpath("column_types.yaml").read_text("utf-8")
    return tuple((entry["type"], tuple(entry["keywords"])) for entry in yaml.safe_load(text))


def type_by_keyword(text: str) -> tuple[str, str] | None:
    """(type, keyword) of the first table entry with a keyword in ``text``."""
    for column_type, keywords in keyword_table():
        for keyword in keywords:
            if keyword in text:
                return column_type, keyword
    return None


def classify(name: str, column_type_meta: str | None = None, *,
             page: Callable[[], tuple[str, str] | None] | None = None) -> tuple[str, str]:
    """(type, reason): by the column name, else by its ColumnType meta, else by its page, else ``other``.

    ``reason`` says why: ``keyword:动态`` (the name holds the keyword), ``meta:工作动态``
    (the ColumnType meta tag), ``message_list`` (``page`` gives the column page's ``(html, url)``
    and the page lists messages itself — a 政民互动 channel showing rows with 留言时间 and 办理状态
    is the site's message board), or ``default``.
    """
    hit = type_by_keyword(name)
    if hit is not None:
        return hit[0], f"keyword:{hit[1]}"
    if column_type_meta:
        hit = type_by_keyword(column_type_meta)
        if hit is not None:
            return hit[0], f"meta:{column_type_meta}"
    shown = page() if page is not None else None
    if shown is not None and is_message_list(*shown):
        return "consult", "message_list"
    return "other", "default"
