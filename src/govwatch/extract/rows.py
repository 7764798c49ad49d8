"""One list row: its title, link and date as shown (shared by static lists and XML records)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from selectolax.lexbor import LexborNode

from govwatch.core.model import ListItem
from govwatch.extract.dates import DateMatch, find_dates, infer_year, url_date_parts, valid_parts
from govwatch.extract.walk import collapse

__all__ = ["RowInfo", "analyse_row", "row_text", "row_date", "row_info", "has_digit", "choose_title",
           "items_from_rows", "fill_page_year"]

_ELLIPSIS = re.compile(r"(?:\.{2,}|…+|。{2,}|……)\s*$")
_LABEL = re.compile(r"(?:发布|更新|发文|成文|生成|公开|印发)?(?:日期|时间)\s*[:：]?")
_TIME = re.compile(r"\d{1,2}\s*[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?|\d{1,2}\s*时\s*\d{1,2}\s*分")
_JUNK = " \t\r\n\u3000\xa0[]【】()（）<>〔〕|｜:：-'‘’"
SEP = "\x1f"
# A segment that is only a plain date, optionally bracketed: handled without the general finder.
_PURE_YMD = re.compile(r"[\[【(（]?(((?:19|20)\d\d)([-/.])(\d{1,2})\3(\d{1,2}))[\]】)）]?")
_PURE_MD = re.compile(r"[\[【(（]?((\d{1,2})-(\d{1,2}))[\]】)）]?")
_DIGIT = re.compile(r"[0-9０-９〇○零年]")
# How a date-only fragment can begin: a bracket, a digit (also full-width / 〇), or a label.
_DATE_START = re.compile(r"[\[【(（〔<'‘’]?\s*(?:[0-9０-９〇○零一二]|发布|更新|发文|成文|生成|公开|印发|日期|时间)")


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
    """ListItems with dates; a month-day date takes its year from the item's URL, else from
    the rows next to it (see :func:`~govwatch.extract.dates.infer_year`).

    Rows are walked newest first: each inferred year becomes the reference for the row
    below it, so a long list that crosses several New Years stays consistent. Rows above
    the first row whose year is known are inferred upwards from it. Dates no row or URL
    can place stay undated here; :func:`fill_page_year` may place them from the page.
    """
    n = len(rows)
    known: list[tuple[int, int, int] | None] = [None] * n
    dates: list[date | None] = [None] * n
    sources = [""] * n
    for i, r in enumerate(rows):
        dm = r.match
        if dm is None:
            continue
        if dm.year is not None:
            dates[i], sources[i] = dm.date, "text"
        else:
            uy = url_date_parts(r.url)[0] if r.url else None
            if uy is not None:
                dates[i], sources[i] = dm.with_year(uy), "url"
        if dates[i] is not None:
            known[i] = (dates[i].year, dates[i].month, dates[i].day)  # type: ignore[union-attr]
    first = next((i for i in range(n) if known[i] is not None), None)
    if first is not None:
        prev = known[first]
        for i in range(first + 1, n):  # downwards: the row above is the reference
            dm = rows[i].match
            if known[i] is not None:
                prev = known[i]
            elif dm is not None and dm.year is None:
                _place(i, dm, infer_year(dm.month, dm.day, prev, None), "neighbour", known, dates, sources)
                if known[i] is not None:
                    prev = known[i]
        nxt = known[first]
        for i in range(first - 1, -1, -1):  # upwards: the row below is the reference
            dm = rows[i].match
            if dm is not None and dm.year is None:
                _place(i, dm, infer_year(dm.month, dm.day, None, nxt), "neighbour", known, dates, sources)
                if known[i] is not None:
                    nxt = known[i]
    return [ListItem(title=r.title, url=r.url, date=dates[i],
                     date_text=r.date_text if r.match is not None else "", date_source=sources[i])
            for i, r in enumerate(rows)]


def _place(i: int, dm: DateMatch, year: int | None, source: str, known: list, dates: list,
           sources: list) -> None:
    when = dm.with_year(year) if year is not None else None
    if when is not None:
        dates[i], sources[i], known[i] = when, source, (when.year, when.month, when.day)


# A page's own date stands above its lists; only a month-day more than half a year after
# it is read as the year before (a page date may be older than lists regenerated on it).
PAGE_SLACK_DAYS = 183


def fill_page_year(items: list[ListItem], ref: tuple[int, int, int]) -> int:
    """Date the month-day items of a list that no URL or neighbour could place.

    ``ref`` is the page's ``(year, month, day)`` (PubDate, visible date, generation time;
    ``(year, 12, 31)`` for a bare copyright year). The first such item is placed against
    the page; the rows below it follow the neighbour rule. Returns how many were dated.
    """
    placed = 0
    prev: tuple[int, int, int] | None = None
    for it in items:
        if it.date is not None:
            prev = (it.date.year, it.date.month, it.date.day)
            continue
        if not it.date_text:
            continue
        found = find_dates(it.date_text)
        if not found or found[0].year is not None:
            continue
        dm = found[0]
        if prev is None:
            year = infer_year(dm.month, dm.day, ref, None, slack_days=PAGE_SLACK_DAYS)
        else:
            year = infer_year(dm.month, dm.day, prev, None)
        when = dm.with_year(year)
        if when is not None:
            it.date, it.date_source = when, "page"
            prev = (when.year, when.month, when.day)
            placed += 1
    return placed
