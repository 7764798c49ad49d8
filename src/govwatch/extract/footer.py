"""The identity block at the foot of a page (docs/sources.md §5).

Identifiers are read from the visible static text (scripts and comments removed); the
党政机关网站标识 and 我为政府网站找错 entries also count when present only as the conac
script/link or the ``_jiucuo_`` script attributes. An image's alt or title text that carries an
identifier (``<img alt="网站标识码：…">``, a badge titled ``京公网安备…号``) is footer text too: the
identifiers, and then sponsor and contact, are read from it when the visible text lacks them; an
alt without an identifier (a photo caption) is never read. Sponsor and contact are read near the
identifiers so that a 主办单位 inside an article body is not taken for the site's sponsor;
the sponsor is read from ``主办：X`` (or ``主办单位/主办方：X``), else from ``X主办`` (``本站由X主办``).
The contact is a phone number, an e-mail address or, when the foot shows neither, a postal address.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from govwatch.core.identifiers import province_abbr_of_division
from govwatch.core.model import Footer

__all__ = ["extract_footer"]

_PROV = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼蜀滇黔陇"
_SITE_CODE = re.compile(r"(?:网站)?标识码\s*[:：]?\s*([A-Za-z]{2}\d{8}|\d{10})(?!\d)")
_ICP = re.compile(rf"([{_PROV}])\s*ICP\s*备\s*[:：]?\s*(\d{{5,12}}(?:-\d+)?)\s*(号)?\s*(?:-\s*(\d+))?", re.I)
# 京公网安备 11010502030143号, 浙公网安备案号：33010602001234, 公安(机关)备案号：[京公网安备]11010502030143号:
# (province) (label: 公网安备, 公网安备案号, 公安备案号, 公安机关备案号) (:) (province [公网安备]) (number) (号).
_POLICE = re.compile(rf"([{_PROV}])?\s*(?:公网安备|公安(?:机关)?备案)(案?编?号)?\s*[:：]?\s*"
                     rf"(?:([{_PROV}])\s*(?:公网安备)?\s*)?(\d{{6,16}})(?!\d)\s*(号)?")
_POLICE_MARKERS = ("公网安备", "公安备案", "公安机关备案")
_IDENTIFIER_WORDS = ("标识码", "ICP", "icp", "Icp") + _POLICE_MARKERS
_SPONSOR = re.compile(r"主\s*办(?:单位|方)?\s*[:：]\s*([^\s|｜,，;；。:：©]{2,40})")
# ``X主办`` alone on a line or segment (then a space, ``|`` or the 承办 part): not ``由X主办，`` in a sentence.
_SPONSOR_AFTER = re.compile(r"(?:(?<=[\s|｜,，;；。:：©])|^)([^\s|｜,，;；。:：©]{2,40}?)\s*主办(?=[\s|｜]|承办|$)")
_SPONSOR_BY = re.compile(r"^(?:本网站|本网|本站|网站)?由")
_SPONSOR_CUT = re.compile(r"(?:承办|协办|运维|维护|联系|地址|电话|网站标识码|标识码|ICP|版权|技术支持|邮编|主办|开办)")
_STRONG_MARKERS = ("ICP备", "公网安备", "标识码", "版权所有")
_MARKERS = ("ICP备", "公网安备", "标识码", "版权所有", "主办单位", "opyright", "©")
# A label, optionally qualified before its colon (联系电话 商务局：…, 电话（工作时间）：…), then the number.
_PHONE = re.compile(r"(?:电话|联系方式|联系我们|热线|Tel|TEL)(?:[^\d\n:：]{1,12}[:：]|\s*[:：]?)\s*"
                    r"((?:\d{3,4}[-－ ]?)?\d{5,8}(?:[-－]\d{1,4})?|\d{5})")
_PHONE_WORDS = ("电话", "联系方式", "联系我们", "热线", "Tel", "TEL")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_ADDRESS = re.compile(r"地址\s*[:：]\s*([^\s|｜,，;；]{4,60})")
_ADDRESS_CUT = re.compile(r"(?:邮编|邮政编码|电话|联系电话|传真|邮箱|电子邮件|E-?mail)", re.I)
_ADDRESS_WORDS = ("地址",)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ADDRESS_REACH = 200  # an address farther than this from every identifier is taken for body text
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
    """The foot's contact: a phone number, else an e-mail, else a postal address; first from the
    identity lines on, else the one nearest to them. Postal addresses count only near an
    identifier (articles and notices often give one)."""
    marks = [i for m in _STRONG_MARKERS for i in _all(window, m)]
    addresses = [a for a in _addresses(window) if marks and min(abs(a[0] - i) for i in marks) <= _ADDRESS_REACH]
    kinds = (_phones(window), _email_values(window), addresses)
    if not marks:  # no identifiers: the page's last phone, else its last e-mail
        found = kinds[0] or kinds[1]
        return found[-1][1] if found else None
    line_start = window.rfind("\n", 0, min(marks)) + 1
    for found in kinds:
        later = [c for c in found if c[0] >= line_start]
        if later:
            return later[0][1]
    for found in kinds:
        if found:
            return min(found, key=lambda c: min(abs(c[0] - i) for i in marks))[1]
    return None


def _phones(window: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group(1).replace("－", "-").strip()) for m in _anchored(_PHONE, window, _PHONE_WORDS)]


def _email_values(window: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group(0)) for m in _emails(window)] if "@" in window else []


def _addresses(window: str) -> list[tuple[int, str]]:
    """``地址：…`` values (联系地址, 通讯地址 …) up to the 邮编/电话 part; not URLs or mail addresses."""
    out = []
    for m in _anchored(_ADDRESS, window, _ADDRESS_WORDS):
        value = _ADDRESS_CUT.split(m.group(1), 1)[0]
        if len(value) >= 4 and _CJK.search(value) and not any(x in value for x in ("www.", "://", "@")):
            out.append((m.start(), value))
    return out


def _sponsor(window: str) -> str | None:
    """``主办：X`` nearest to the identifiers, else ``X主办``."""
    m = _nearest(_anchored(_SPONSOR, window, ("主",)), window)
    if m:
        value = _SPONSOR_CUT.split(m.group(1), 1)[0].strip()
        if len(value) >= 2:
            return value
    after = []
    for i in _all(window, "主办"):
        m = _SPONSOR_AFTER.search(window, max(0, i - 42), i + 3)
        if m:
            after.append(m)
    m = _nearest(after, window)
    if m:
        value = _SPONSOR_BY.sub("", m.group(1)).strip()
        if len(value) >= 2:
            return value
    return None


def _search_near(rx: re.Pattern[str], text: str, marker: str, before: int = 4, after: int = 80) -> re.Match[str] | None:
    """``rx.search`` only around occurrences of a literal ``marker`` (cheap on long pages)."""
    i = text.find(marker)
    while i >= 0:
        m = rx.search(text, max(0, i - before), i + after)
        if m:
            return m
        i = text.find(marker, i + 1)
    return None


def _police_record(text: str) -> str | None:
    """The 公安备案 number in its normal form (province + 公网安备 + number, 号 when written or
    when the label says 备案号). A number shown without its province takes the province of its
    division code (33… → 浙); without one it stays unprefixed (and the check finds it invalid)."""
    for marker in _POLICE_MARKERS:
        m = _search_near(_POLICE, text, marker, before=4, after=40)
        if m:
            prov_before, label, prov_after, number, hao = m.groups()
            prov = prov_before or prov_after or province_abbr_of_division(number) or ""
            return f"{prov}公网安备{number}" + ("号" if hao or (label or "").endswith("号") else "")
    return None


def _identifiers(text: str) -> tuple[str | None, str | None, str | None]:
    """``(网站标识码, ICP number, 公安备案 number)`` read from ``text`` (None where absent)."""
    m = _search_near(_SITE_CODE, text, "标识码", before=4, after=40)
    site_code = m.group(1) if m else None
    icp = None
    m = _search_near(_ICP, text, "ICP", before=4, after=40) or _search_near(_ICP, text, "icp", 4, 40)
    if m:
        prov, num, hao, suffix = m.groups()
        icp = f"{prov}ICP备{num}" + ("号" if hao else "") + (f"-{suffix}" if suffix else "")
    return site_code, icp, _police_record(text)


def _identity_images(image_texts: Sequence[str]) -> str:
    """The image alt/title texts that carry an identifier, one a line (others are not footer text)."""
    return "\n".join(t for t in dict.fromkeys(image_texts)
                     if any(w in t for w in _IDENTIFIER_WORDS) and any(_identifiers(t)))


def extract_footer(text: str, *, conac: bool, jiucuo_codes: list[str], jiucuo_govcn: bool = False,
                   image_texts: Sequence[str] = ()) -> Footer:
    """Footer facts from the page's visible text plus script/link signals and the alt/title
    texts of its images (``image_texts``; only those carrying an identifier are read)."""
    f = Footer(conac=conac, jiucuo_site_code=jiucuo_codes[0] if jiucuo_codes else None, jiucuo_govcn=jiucuo_govcn)
    images = _identity_images(image_texts)
    if text:
        f.site_code, f.icp, f.police_record = _identifiers(text)
        window = _footer_window(text)
        f.sponsor = _sponsor(window)
        f.contact = _contact(window)
    if images:
        site_code, icp, police_record = _identifiers(images)
        f.site_code = f.site_code or site_code
        f.icp = f.icp or icp
        f.police_record = f.police_record or police_record
        f.sponsor = f.sponsor or _sponsor(images)
        f.contact = f.contact or _contact(images)
    return f
