"""The identity block at the foot of a page (rules.md §5).

Identifiers are read from the visible static text (scripts and comments removed); the
党政机关网站标识 and 我为政府网站找错 entries also count when present only as the conac
script/link or the ``_jiucuo_`` script attributes. Sponsor and contact are read near the
identifiers so that a 主办单位 inside an article body is not taken for the site's sponsor.
"""

from __future__ import annotations

import re

from ..model import Footer

__all__ = ["extract_footer"]

_PROV = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼蜀滇黔陇"
_SITE_CODE = re.compile(r"(?:网站)?标识码\s*[:：]?\s*([A-Za-z]{2}\d{8}|\d{10})(?!\d)")
_ICP = re.compile(rf"([{_PROV}])\s*ICP\s*备\s*[:：]?\s*(\d{{5,12}}(?:-\d+)?)\s*(号)?\s*(?:-\s*(\d+))?", re.I)
_POLICE = re.compile(rf"([{_PROV}])\s*公网安备\s*(\d{{6,16}})\s*(号)?")
_SPONSOR = re.compile(r"主\s*办(?:单位|方)?\s*[:：]\s*([^\s|｜,，;；。:：©]{2,40})")
_SPONSOR_CUT = re.compile(r"(?:承办|协办|运维|维护|联系|地址|电话|网站标识码|标识码|ICP|版权|技术支持|邮编|主办|开办)")
_STRONG_MARKERS = ("ICP备", "公网安备", "标识码", "版权所有")
_MARKERS = ("ICP备", "公网安备", "标识码", "版权所有", "主办单位", "opyright", "©")
_PHONE = re.compile(r"(?:电话|联系方式|联系我们|热线|Tel|TEL)\s*[:：]?\s*((?:\d{3,4}[-－ ]?)?\d{5,8}(?:[-－]\d{1,4})?|\d{5})")
_PHONE_WORDS = ("电话", "联系方式", "联系我们", "热线", "Tel", "TEL")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_WINDOW = 600


def _footer_window(text: str) -> str:
    """The text around the identity markers; else the end of the page."""
    first, last = -1, -1
    for marker in _MARKERS:
        i = text.find(marker)
        if i < 0:
            continue
        j = text.rfind(marker)
        first = i if first < 0 else min(first, i)
        last = max(last, j)
    if first < 0:
        return text[-_WINDOW:]
    if last - first > 4 * _WINDOW:  # markers far apart: keep the last group (the page foot)
        first = last - _WINDOW
    return text[max(0, first - _WINDOW): last + _WINDOW]


def _anchored(rx: re.Pattern[str], text: str, literals: tuple[str, ...], back: int = 0) -> list[re.Match[str]]:
    """Matches of ``rx`` that start at an occurrence of one of ``literals`` (minus ``back``).

    Locating the literal with ``str.find`` first is much cheaper than a regex scan of
    every position of a long text.
    """
    out: list[re.Match[str]] = []
    for lit in literals:
        i = text.find(lit)
        while i >= 0:
            m = rx.match(text, max(0, i - back))
            if m:
                out.append(m)
            i = text.find(lit, i + 1)
    out.sort(key=lambda m: m.start())
    return out


def _emails(text: str) -> list[re.Match[str]]:
    out: list[re.Match[str]] = []
    i = text.find("@")
    while i >= 0:
        m = _EMAIL.search(text, max(0, i - 64), i + 128)
        if m and m.start() <= i < m.end() and (not out or out[-1].start() != m.start()):
            out.append(m)
        i = text.find("@", i + 1)
    return out


def _nearest(matches: list[re.Match[str]], window: str) -> re.Match[str] | None:
    """The match closest to an identity marker (ICP, 标识码 …) in ``window``."""
    if len(matches) <= 1:
        return matches[0] if matches else None
    marks = [i for m in _STRONG_MARKERS for i in _all(window, m)]
    if not marks:
        return matches[-1]
    return min(matches, key=lambda m: min(abs(m.start() - i) for i in marks))


def _all(text: str, sub: str) -> list[int]:
    out = []
    i = text.find(sub)
    while i >= 0:
        out.append(i)
        i = text.find(sub, i + 1)
    return out


def _contact(window: str) -> str | None:
    """A phone number or e-mail address of the foot: first from the identity lines on,
    else the one nearest to them."""
    phones = _anchored(_PHONE, window, _PHONE_WORDS)
    emails = _emails(window) if "@" in window else []
    starts = [i for m in _STRONG_MARKERS if (i := window.find(m)) >= 0]
    if starts:
        line_start = window.rfind("\n", 0, min(starts)) + 1
        for found in (phones, emails):
            later = [m for m in found if m.start() >= line_start]
            if later:
                return _clean_contact(later[0])
    for found in (phones, emails):
        m = _nearest(found, window)
        if m:
            return _clean_contact(m)
    return None


def _clean_contact(m: re.Match[str]) -> str:
    value = m.group(1) if m.re is _PHONE else m.group(0)
    return value.replace("－", "-").strip()


def _search_near(rx: re.Pattern[str], text: str, marker: str, before: int = 4, after: int = 80) -> re.Match[str] | None:
    """``rx.search`` only around occurrences of a literal ``marker`` (cheap on long pages)."""
    i = text.find(marker)
    while i >= 0:
        m = rx.search(text, max(0, i - before), i + after)
        if m:
            return m
        i = text.find(marker, i + 1)
    return None


def extract_footer(text: str, *, conac: bool, jiucuo_codes: list[str]) -> Footer:
    """Footer facts from the page's visible text plus script/link signals."""
    f = Footer(conac=conac, jiucuo_site_code=jiucuo_codes[0] if jiucuo_codes else None)
    if not text:
        return f
    m = _search_near(_SITE_CODE, text, "标识码", before=4, after=40)
    if m:
        f.site_code = m.group(1)
    m = _search_near(_ICP, text, "ICP", before=4, after=40) or _search_near(_ICP, text, "icp", 4, 40)
    if m:
        prov, num, hao, suffix = m.groups()
        f.icp = f"{prov}ICP备{num}" + ("号" if hao else "") + (f"-{suffix}" if suffix else "")
    m = _search_near(_POLICE, text, "公网安备", before=4, after=40)
    if m:
        f.police_record = f"{m.group(1)}公网安备{m.group(2)}" + ("号" if m.group(3) else "")
    window = _footer_window(text)
    m = _nearest(_anchored(_SPONSOR, window, ("主",)), window)
    if m:
        value = _SPONSOR_CUT.split(m.group(1), 1)[0].strip()
        if len(value) >= 2:
            f.sponsor = value
    f.contact = _contact(window)
    return f
