"""Validation of a site's identifiers and homepage URL (docs/sources.md §5).

Each validator takes the cell's text and returns ``(value, problem, warning)``:
``value`` is the normal form to store (spaces removed, full-width characters made
ASCII), ``problem`` says why the text is rejected (``None`` when it is accepted),
``warning`` says what is accepted but suspect (a legacy 12-digit 公安备案号).
The normal forms are those the footer extractor produces, so a registered
identifier can be compared with the one a site shows.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import urlsplit

from govwatch.core.urls import normalize_url

__all__ = ["PROVINCE_ABBRS", "Checked", "check_icp", "check_police_record", "check_site_code", "check_url",
           "is_placeholder_code", "province_abbr_of_division"]

Checked = tuple[str | None, str | None, str | None]  # (value, problem, warning)

# 省、自治区、直辖市 abbreviations used in ICP and 公安 record numbers (with common alternatives).
PROVINCE_ABBRS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼蜀滇黔陇秦"
# The abbreviation of each province by the first two digits of its administrative division code (GB/T 2260).
_ABBR_OF_PROVINCE_CODE = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉", "23": "黑", "31": "沪",
    "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫", "42": "鄂", "43": "湘",
    "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "贵", "53": "云", "54": "藏", "61": "陕",
    "62": "甘", "63": "青", "64": "宁", "65": "新",
}
# First two digits of the administrative division codes of the provinces (with 台湾, 香港, 澳门).
_PROVINCE_CODES = frozenset(_ABBR_OF_PROVINCE_CODE) | {"71", "81", "82"}
_ASCENDING = "01234567890123456789"
_DESCENDING = _ASCENDING[::-1]
_SITE_CODE_FORM = "应为10位：6位行政区划代码加4位数字，或 bm 加8位数字"
# 8 digits (2-digit year + 6-digit serial, e.g. 05070218) or, for numbers issued since about 2019,
# 10 digits (4-digit year 20xx + 6-digit serial, e.g. 2021067890).
_ICP = re.compile(rf"([{PROVINCE_ABBRS}])ICP备(\d{{8}}|20\d{{8}})号(-\d+)?")
_ICP_FORM = ("应为省份简称 + ICP备 + 8位或以20开头的10位数字 + 号，可带 -n，"
             "如 京ICP备05070218号-1、粤ICP备2021067890号-1")
_POLICE = re.compile(rf"([{PROVINCE_ABBRS}])公网安备(\d+)号")
_POLICE_FORM = "应为省份简称 + 公网安备 + 14位数字 + 号，如 京公网安备11010502030143号"
_HOST = re.compile(r"(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_BARE_HOST = re.compile(r"[\w.-]+\.[\w-]+(?::\d+)?(?:[/?].*)?")


def _compact(text: str) -> str:
    """NFKC (full-width digits, letters and hyphens to ASCII) with every space removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def is_placeholder_code(text: str) -> bool:
    """Whether a 网站标识码 is a filler, not an issued code: one digit repeated (0000000000,
    bm00000000) or ten consecutive digits (1234567890, 0123456789, 9876543210). A placeholder is
    invalid wherever it appears (footer, 找错 entry, ``SiteIDCode``), even when two places agree on it."""
    code = _compact(text).lower()
    digits = code.removeprefix("bm")
    if not digits.isdigit() or len(digits) < 8:
        return False
    run = len(code) == 10 and (code in _ASCENDING or code in _DESCENDING)
    return len(set(digits)) == 1 or run


def check_site_code(text: str) -> Checked:
    """网站标识码: 10 digits (6-digit division code + 4 digits) or ``bm`` + 8 digits; never a
    placeholder (:func:`is_placeholder_code`)."""
    code = _compact(text)
    central = re.fullmatch(r"[bB][mM]\d{8}", code) is not None
    if not central and not re.fullmatch(r"\d{10}", code):
        return None, f"“{text}”不是有效的网站标识码（{_SITE_CODE_FORM}）", None
    if is_placeholder_code(code):
        return None, f"{code} 是占位号码，不是真实的网站标识码", None
    if central:
        return code.lower(), None, None
    if code[:2] not in _PROVINCE_CODES:
        return None, f"{code}：前6位 {code[:6]} 不是行政区划代码（{_SITE_CODE_FORM}）", None
    return code, None, None


def check_icp(text: str) -> Checked:
    """ICP备案号: province abbreviation + ``ICP备`` + 8 digits (or, since about 2019, 10 digits
    starting with the year ``20xx``) + ``号``, optional ``-n``."""
    value = _compact(text).replace("icp", "ICP").replace("Icp", "ICP")
    if not _ICP.fullmatch(value):
        return None, f"“{text}”不是有效的ICP备案号（{_ICP_FORM}）", None
    return value, None, None


def province_abbr_of_division(code: str) -> str | None:
    """The province abbreviation of a division code's first two digits (``33…`` → 浙), else None."""
    return _ABBR_OF_PROVINCE_CODE.get(code[:2])


def check_police_record(text: str) -> Checked:
    """公安机关备案号: province abbreviation + ``公网安备`` + 14 digits + ``号`` (12 digits: legacy, warned)."""
    value = _compact(text)
    m = _POLICE.fullmatch(value)
    if not m or len(m.group(2)) not in (12, 14):
        return None, f"“{text}”不是有效的公安机关备案号（{_POLICE_FORM}）", None
    if len(m.group(2)) == 12:
        return value, None, f"{value} 是旧的12位编号（现行编号为14位）"
    return value, None, None


def check_url(text: str) -> Checked:
    """首页网址 in the normal form of :func:`govwatch.core.urls.normalize_url`.

    A host without a scheme (``www.example.gov.cn``) is taken as ``http://``.
    """
    raw = text.strip()
    if "://" not in raw and _BARE_HOST.fullmatch(raw):
        raw = f"http://{raw}"
    norm = normalize_url(raw) if raw else None
    problem = f"“{text}”不是可用的 http(s) 首页网址"
    if norm is None or not re.match(r"https?://", raw, re.IGNORECASE):
        return None, problem, None
    host = urlsplit(norm).hostname or ""
    if not _HOST.fullmatch(host):
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return None, problem, None
    return norm, None, None
