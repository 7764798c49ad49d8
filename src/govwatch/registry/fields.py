"""The registry file's columns and the vocabularies of their values.

One place that says which header names a column may carry (Chinese, the English
key, a few common variants), how a cell's text maps to the stored value, and how
a stored value is written back — so that export → import round-trips exactly.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

__all__ = [
    "BY_KEY", "COLUMNS", "Column", "ROLE_LABELS", "LEVEL_LABELS", "STATUSES", "REQUIRED",
    "header_key", "parse_role", "parse_level", "parse_status", "parse_bool", "clean_text",
]


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the registry file."""

    key: str  # English key (also accepted as a header)
    header: str  # the Chinese header written on export
    aliases: tuple[str, ...] = ()  # further accepted headers


COLUMNS: tuple[Column, ...] = (
    Column("name", "网站名称"),
    Column("url", "首页网址", ("首页地址", "网站网址", "网站地址", "网址", "homepage")),
    Column("sponsor", "主办单位"),
    Column("site_code", "网站标识码", ("标识码",)),
    Column("icp", "ICP备案号", ("ICP备案编号", "ICP备案")),
    Column("police_record", "公安机关备案号", ("公安备案号", "公安机关备案编号", "公网安备案号")),
    Column("role", "网站类型", ("网站类别",)),
    Column("level", "级别", ("行政级别", "网站级别")),
    Column("org_code", "所属机构代码", ("机构代码",)),
    Column("org_name", "所属机构名称", ("所属机构", "机构名称")),
    Column("parent_code", "上级机构代码"),
    Column("responsible_unit", "负责单位"),
    Column("contact", "联系方式", ("联系电话",)),
    Column("status", "运行状态", ("状态",)),
    Column("has_services", "办事服务", ("是否提供办事服务",)),
)
REQUIRED: tuple[str, ...] = ("name", "url")
BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}

_HEADERS: dict[str, str] = {}
for _c in COLUMNS:
    for _h in (_c.key, _c.header, *_c.aliases):
        _HEADERS[_h.lower()] = _c.key

# Stored value → label written on export (the first accepted label).
ROLE_LABELS: dict[str, str] = {"portal": "本级门户", "department": "部门", "subordinate": "下属单位"}
LEVEL_LABELS: dict[str, str] = {"province": "省级", "city": "市级", "county": "县级", "township": "乡镇"}
STATUSES: tuple[str, ...] = ("正常", "例外", "关停")

_ROLES: dict[str, str] = {
    "本级门户": "portal", "门户": "portal", "门户网站": "portal", "政府门户": "portal", "政府门户网站": "portal",
    "部门": "department", "部门网站": "department",
    "下属单位": "subordinate", "下属单位网站": "subordinate",
    "portal": "portal", "department": "department", "subordinate": "subordinate",
}
_LEVELS: dict[str, str] = {
    "省级": "province", "省": "province", "市级": "city", "市": "city", "地市级": "city", "地级": "city",
    "县级": "county", "县": "county", "区县级": "county", "县区级": "county",
    "乡镇": "township", "乡镇级": "township", "乡镇街道": "township", "街道": "township",
    "province": "province", "city": "city", "county": "county", "township": "township",
}
_TRUE = ("是", "有", "提供", "y", "yes", "true", "1")
_FALSE = ("否", "无", "不提供", "n", "no", "false", "0")


def clean_text(value: str) -> str:
    """A cell's text with surrounding (also full-width and non-breaking) spaces removed."""
    return value.strip().strip("\u3000\u00a0\ufeff").strip()


def header_key(header: str) -> str | None:
    """The column key a header names (``None`` for a column the registry does not know).

    Case, surrounding spaces and a trailing ``*`` (a "required" marker) are ignored.
    """
    text = unicodedata.normalize("NFKC", clean_text(header)).rstrip("*").strip()
    return _HEADERS.get(text.lower())


def _lookup(table: dict[str, str], text: str) -> str | None:
    return table.get(unicodedata.normalize("NFKC", text).strip().lower()) or table.get(text)


def parse_role(text: str) -> str | None:
    """``portal`` | ``department`` | ``subordinate`` for 网站类型, or ``None`` when unknown."""
    return _lookup(_ROLES, text)


def parse_level(text: str) -> str | None:
    """``province`` | ``city`` | ``county`` | ``township`` for 级别, or ``None`` when unknown."""
    return _lookup(_LEVELS, text)


def parse_status(text: str) -> str | None:
    """正常 | 例外 | 关停, or ``None`` when unknown."""
    text = text.strip()
    return text if text in STATUSES else None


def parse_bool(text: str) -> bool | None:
    """是/否 (and yes/no, true/false, 1/0 …) as a bool, or ``None`` when neither."""
    low = unicodedata.normalize("NFKC", text).strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    return None
