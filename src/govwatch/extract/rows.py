"""One list row: its title, link and date as shown (shared by static lists and XML records)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from selectolax.lexbor import LexborNode

from ..model import ListItem
from .dates import DateMatch, find_dates, infer_year, url_date_parts, valid_parts
from .scan import collapse

__all__ = ["RowInfo", "analyse_row", "row_text", "row_date", "row_info", "has_digit", "choose_title",
           "items_from_rows"]

_ELLIPSIS = re.compile(r"(?:\.{2,}|…+|。{2,}|……)\s*$")
_LABEL = re.compile(r"(?:发布|更新|发文|成文|生成|公开|印发)?(?:日期|时间)\s*[:：]?")
_TIME = re.compile(r"\d{1,2}\s*[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?|\d{1,2}\s*时\s*\d{1,2}\s*分")
_JUNK = " \t\r\n\u3000\xa0[]【】()（）<>〔〕|｜:：-"
SEP = "\x1f"
# A segment that is only a plain date, optionally bracketed: handled without the general finder.
_PURE_YMD = re.compile(r"[\[【(（]?(((?:19|20)\d\d)([-/.])(\d{1,2})\3(\d{1,2}))[\]】)）]?")
_PURE_MD = re.compile(r"[\[【(（]?((\d{1,2})-(\d{1,2}))[\]】)）]?")
_DIGIT = re.compile(r"[0-9０-９〇○零]")
# How a date-only fragment can begin: a bracket, a digit (also full-width / 〇), or a label.
_DATE_START = re.compile(r"[\[【(（〔<]?\s*(?:[0-9０-９〇○零一二]|发布|更新|发文|成文|生成|公开|印发|日期|时间)")


@dataclass(slots=True)
class RowInfo:
    """What one row says before year inference."""

    title: str
    href: str | None
    url: str | None
    match: DateMatch | None
    date_text: str


def choose_title(text: str, title_attr: str | None) -> str:
    """The item title: the ``title`` attribute when the visible text is a truncation of it."""
    ta = collapse(title_attr or "")
    if not ta:
        return text
    if not text:
        return ta
    stem = _ELLIPSIS.sub("", text).strip()
    if not stem or stem in ta or _ELLIPSIS.search(text):
        return ta
    return text


def _standalone(seg: str) -> DateMatch | None:
    """The date of a text segment that is nothing but a date (maybe labelled/bracketed)."""
    if len(seg) > 40:
        return None
    m = _PURE_YMD.fullmatch(seg)  # fast paths: "2024-03-05", "(2024/3/5)", "[03-05]"
    if m is not None:
        year, month, day = int(m.group(2)), int(m.group(4)), int(m.group(5))
        if not valid_parts(year, month, day):
            return None
        return DateMatch(year, month, day, m.group(1), m.start(1), m.end(1))
    m = _PURE_MD.fullmatch(seg)
    if m is not None:
        month, day = int(m.group(2)), int(m.group(3))
        if not valid_parts(None, month, day):
            return None
        return DateMatch(None, month, day, m.group(1), m.start(1), m.end(1))
    found = find_dates(seg)
    if len(found) != 1:
        return None
    dm = found[0]
    rest = seg[: dm.start] + " " + seg[dm.end:]
    rest = _TIME.sub("", _LABEL.sub("", rest)).strip(_JUNK)
    return dm if not rest else None


def has_digit(text: str) -> bool:
    """Cheap pre-check: could ``text`` hold a date at all?"""
    return _DIGIT.search(text) is not None


def row_text(row: LexborNode) -> str:
    """The row's text fragments joined by an internal separator (see :func:`row_date`)."""
    return row.text(deep=True, separator=SEP, skip_empty=True)


def row_date(raw: str) -> tuple[DateMatch | None, str]:
    """The date a row shows as a text fragment of its own (``<span>2024-03-05</span>``)."""
    for seg in raw.split(SEP):
        seg = seg.strip()
        if len(seg) <= 40 and _DATE_START.match(seg):
            dm = _standalone(seg)
            if dm is not None:
                return dm, seg.strip(" \t\r\n\u3000\xa0")
    return None, ""


def _best_anchor(anchors: list[tuple[LexborNode, str, str]]) -> tuple[tuple[LexborNode, str, str], str]:
    best = anchors[0]
    best_title = choose_title(best[2], best[0].attrs.get("title"))
    for a in anchors[1:]:
        t = choose_title(a[2], a[0].attrs.get("title"))
        if len(t) > len(best_title):
            best, best_title = a, t
    return best, best_title


def row_info(anchors: list[tuple[LexborNode, str, str]], raw: str, match: DateMatch | None,
             date_text: str, resolve_url: Callable[[str | None], str | None]) -> RowInfo:
    """Title, URL and date of a row from its anchors and :func:`row_text`."""
    (_node, href, _text), title = _best_anchor(anchors)
    if match is None and _DIGIT.search(raw):  # a full date somewhere outside the title text
        for seg in raw.split(SEP):
            if _DIGIT.search(seg) and collapse(seg) not in title:
                found = find_dates(seg, partial=False)
                if found:
                    match, date_text = found[-1], found[-1].text.strip()
    if match is not None and title.endswith(date_text) and len(title) > len(date_text):
        title = title[: -len(date_text)].rstrip(" \u3000|-–—")
    return RowInfo(title=title, href=href, url=resolve_url(href), match=match, date_text=date_text)


def analyse_row(row: LexborNode, anchors: list[tuple[LexborNode, str, str]],
                resolve_url: Callable[[str | None], str | None]) -> RowInfo | None:
    """Title, URL and date of a row given the anchors inside it (``(node, href, text)``)."""
    if not anchors:
        return None
    raw = row_text(row)
    match, date_text = row_date(raw) if _DIGIT.search(raw) else (None, "")
    return row_info(anchors, raw, match, date_text, resolve_url)


def items_from_rows(rows: list[RowInfo]) -> list[ListItem]:
    """ListItems with dates, filling missing years from the URL, then from neighbours."""
    known: list[tuple[int, int, int] | None] = []
    for r in rows:
        dm = r.match
        if dm is None:
            known.append(None)
        elif dm.year is not None:
            known.append((dm.year, dm.month, dm.day))
        else:
            uy = url_date_parts(r.url)[0] if r.url else None
            known.append((uy, dm.month, dm.day) if uy is not None else None)
    items: list[ListItem] = []
    for i, r in enumerate(rows):
        dm = r.match
        when: date | None = None
        source = ""
        if dm is not None:
            if dm.year is not None:
                when, source = dm.date, "text"
            elif known[i] is not None:
                when, source = dm.with_year(known[i][0]), "url"  # type: ignore[index]
            else:
                before = next((known[j] for j in range(i - 1, -1, -1) if known[j] is not None), None)
                after = next((known[j] for j in range(i + 1, len(rows)) if known[j] is not None), None)
                year = infer_year(dm.month, dm.day, before, after)
                if year is not None:
                    when = dm.with_year(year)
                    source = "neighbour" if when is not None else ""
            if when is None:
                source = ""
        items.append(ListItem(title=r.title, url=r.url, date=when,
                              date_text=r.date_text if dm is not None else "", date_source=source))
    return items
