"""What the interaction and service checks read of a run: column items, stored bodies, messages.

Messages are the items of the site's consult columns (all list pages, pagination followed by
the column analysis), read from their stored detail pages, with what the list rows show
(status, type) filling in, plus message pages found elsewhere. Parsed once per run, as they stood
at the run's as-of date (a reply dated after it is a later reply: the message was unanswered then).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from govwatch.analysis.columns import columns_of
from govwatch.analysis.interaction import words
from govwatch.analysis.interaction.guides import Guide, guide_from_html, guide_from_json, guide_to_json
from govwatch.analysis.interaction.messages import (
    ListRow,
    Message,
    as_of_view,
    category_of,
    is_message,
    parse_message,
    parse_message_list,
    shows_statistics,
    status_state,
)
from govwatch.core.jsonfile import EncodedJson, compact_json_object
from govwatch.extract.decode import decode_html
from govwatch.extract.text import page_text
from govwatch.rundata import RunData


@dataclass(slots=True)
class ColumnItem:
    """An item of a column's lists: title, URL, list date and the list page it was read on."""

    title: str
    url: str | None
    date: date | None
    source: str


@dataclass(slots=True)
class SeenMessage:
    """A message with where it was listed; ``asked`` falls back on the list date."""

    message: Message
    column: str | None  # the consult column's name
    column_url: str | None
    source: str | None  # the list page
    asked: date | None
    asked_from: str  # page | list | ""
    detail: bool  # read from its detail page (else from the list only)


def html_of(data: RunData, url: str) -> str | None:
    """The stored body of ``url`` decoded to text, or ``None``."""
    body = data.body(url)
    if body is None:
        return None
    content_type = (data.fetches.get(url) or {}).get("content_type") or ""
    return decode_html(body, content_type)[0]


def column_items(data: RunData, column: Any) -> list[ColumnItem]:
    """Distinct items of a column's main lists over all its list pages (and endpoints)."""
    out: list[ColumnItem] = []
    seen: set[str] = set()
    for page_url in column.list_pages:
        facts = data.page(page_url) or {}
        lists = facts.get("lists") or []
        if not lists:
            continue
        for raw in lists[0].get("items") or []:
            url = raw.get("url")
            key = url or f"{raw.get('title')}|{raw.get('date')}"
            if key in seen:
                continue
            seen.add(key)
            when = date.fromisoformat(raw["date"]) if raw.get("date") else None
            out.append(ColumnItem(raw.get("title") or "", url, when, page_url))
    return out


def is_consult_column(column: Any) -> bool:
    """A 政务咨询 column (not 网上信访 or 纪检举报, docs/sources.md §2)."""
    return column.type == "consult" and not any(w in column.name for w in words()["not_consult_words"])


def consult_columns(data: RunData) -> list[Any]:
    return [c for c in columns_of(data) if is_consult_column(c)]


def _list_rows(data: RunData, column: Any) -> dict[str, ListRow]:
    rows: dict[str, ListRow] = {}
    for page_url in column.list_pages:
        html = html_of(data, page_url)
        if html is not None:
            for row in parse_message_list(html, page_url):
                rows.setdefault(row.url, row)
    return rows


MESSAGES = "messages"  # the analysis's name (RunData.derived, the store's run_analyses)


def messages(data: RunData) -> list[SeenMessage]:
    """Every message of the run's consult columns (and message pages elsewhere), read once (or
    restored as stored with the run: RunData.stored_analysis)."""
    return data.derived(MESSAGES, _restored_or_read)


def _restored_or_read(data: RunData) -> list[SeenMessage]:
    restored = data.stored_analysis(MESSAGES, lambda payload: [seen_from_json(m) for m in payload])
    return restored if restored is not None else read_messages(data)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def seen_to_json(seen: SeenMessage) -> dict[str, Any]:
    """What is stored of a message (:func:`seen_from_json` reads it back)."""
    m = seen.message
    return {"url": m.url, "title": m.title, "type_text": m.type_text, "category": m.category,
            "category_from": m.category_from, "asked": m.asked.isoformat() if m.asked else None,
            "replied": m.replied.isoformat() if m.replied else None, "unit": m.unit, "reply": m.reply,
            "status": m.status, "shown": sorted(m.shown), "layout": m.layout,
            "later_reply": m.later_reply.isoformat() if m.later_reply else None,
            "column": seen.column, "column_url": seen.column_url, "source": seen.source,
            "seen_asked": seen.asked.isoformat() if seen.asked else None, "asked_from": seen.asked_from,
            "detail": seen.detail}


def seen_from_json(raw: dict[str, Any]) -> SeenMessage:
    message = Message(url=raw["url"], title=raw["title"], type_text=raw["type_text"], category=raw["category"],
                      category_from=raw["category_from"], asked=_day(raw["asked"]), replied=_day(raw["replied"]),
                      unit=raw["unit"], reply=raw["reply"], status=raw["status"], shown=set(raw["shown"]),
                      layout=raw["layout"], later_reply=_day(raw["later_reply"]))
    return SeenMessage(message, raw["column"], raw["column_url"], raw["source"], _day(raw["seen_asked"]),
                       raw["asked_from"], raw["detail"])


STATISTICS = "message_statistics"  # the analysis's name


@dataclass(slots=True)
class MessageStatistics:
    """Whether the site publishes its messages' statistics (受理反馈情况统计): shown on one of the
    consult columns' first list pages or on a page titled as message statistics."""

    shown: bool
    pages_checked: int


def message_statistics(data: RunData) -> MessageStatistics:
    """The run's :class:`MessageStatistics`, read once (or restored as stored with the run)."""
    return data.derived(STATISTICS, _statistics_restored_or_read)


def _statistics_restored_or_read(data: RunData) -> MessageStatistics:
    restored = data.stored_analysis(STATISTICS, lambda raw: MessageStatistics(bool(raw["shown"]),
                                                                               int(raw["pages_checked"])))
    if restored is not None:
        return restored
    pages = [u for col in consult_columns(data) for u in col.list_pages[:3]]
    pages += [u for u, f in data.pages() if "统计" in (f.get("title") or "")
              and any(w in (f.get("title") or "") for w in ("留言", "信件", "来信", "咨询", "信箱"))]
    return MessageStatistics(any(shows_statistics(_visible(data, u)) for u in pages), len(pages))


def _visible(data: RunData, url: str) -> str:
    html = html_of(data, url)
    return page_text(html).text if html else ""


GUIDES = "guide_pages"  # the analysis's name


@dataclass(slots=True)
class GuidePage:
    """A page that may be a 办事指南: an item of a service column or a page extraction typed
    ``guide``, parsed; whether it is one depends on the table's element classes (looks_like_guide)."""

    guide: Guide
    title: str  # as the column listed it, or the page's title
    source: str | None  # the column's list page


def guide_pages(data: RunData) -> tuple[list[GuidePage], bool]:
    """The run's candidate guide pages, parsed once (or restored as stored with the run), and
    whether the site has a service column."""
    return data.derived(GUIDES, _guides_restored_or_read)


def _guides_restored_or_read(data: RunData) -> tuple[list[GuidePage], bool]:
    restored = data.stored_analysis(GUIDES, lambda raw: (
        [GuidePage(guide_from_json(p["guide"]), p["title"], p["source"]) for p in raw["pages"]],
        bool(raw["has_column"])))
    if restored is not None:
        return restored
    columns = [c for c in columns_of(data) if c.type == "service"]
    out: list[GuidePage] = []
    done: set[str] = set()
    candidates: list[tuple[str | None, str, str | None]] = [
        (it.url, it.title, it.source) for c in columns for it in column_items(data, c) if it.url]
    candidates += [(u, f.get("title") or "", None) for u, f in data.pages(page_type="guide")]
    for url, title, source in candidates:
        if url in done or url is None:
            continue
        done.add(url)
        html = html_of(data, url)
        if html is not None:
            out.append(GuidePage(guide_from_html(html, url), title, source))
    return out, bool(columns)


def guides_to_json(found: tuple[list[GuidePage], bool]) -> EncodedJson:
    """The guide pages as stored: ``{"pages": [{"guide", "title", "source"}, ...], "has_column"}``,
    written one page at a time."""
    pages, has_column = found
    return compact_json_object("pages", ({"guide": guide_to_json(p.guide), "title": p.title, "source": p.source}
                                         for p in pages), {"has_column": has_column})


def read_messages(data: RunData) -> list[SeenMessage]:
    """Every message of the run's consult columns (and message pages elsewhere), read from the
    stored pages."""
    out: list[SeenMessage] = []
    done: set[str] = set()
    for column in consult_columns(data):
        rows = _list_rows(data, column)
        done.update(column.list_pages)  # a board's list page is no message, whatever its page type
        items = column_items(data, column)
        listed = {it.url for it in items}  # rows the list reading missed (<dl> rows, <div> cards) count too
        items += [ColumnItem(r.title, r.url, r.asked, r.source) for r in rows.values() if r.url not in listed]
        for item in items:
            if item.url is None or item.url in done:
                continue
            done.add(item.url)
            row = rows.get(item.url)
            html = html_of(data, item.url)
            msg = parse_message(html, item.url) if html is not None else None
            if msg is not None and not is_message(msg):
                msg = None  # no message fields: an introduction or notice in the column, not a message
            detail = msg is not None
            if msg is None:
                if row is None or not row.status:
                    continue  # neither a detail page nor a status in the list: nothing to judge
                msg = Message(url=item.url, title=row.title or item.title, status=row.status)
                msg.category, msg.category_from = category_of(row.type_text, msg.title)
            if row is not None:
                if status_state(msg.status) is None and row.status:
                    msg.status = row.status  # the page's status names no state (or none is shown): the list's
                msg.replied = msg.replied or row.replied
                if not msg.type_text and row.type_text:
                    msg.type_text = row.type_text
                    msg.category, msg.category_from = category_of(row.type_text, msg.title)
            msg.title = msg.title or item.title
            as_of_view(msg, data.as_of)
            asked, asked_from = (msg.asked, "page") if msg.asked else (
                (row.asked if row and row.asked else item.date), "list")
            out.append(SeenMessage(msg, column.name, column.url, item.source, asked,
                                   asked_from if asked else "", detail))
    for url, _facts in data.pages(page_type="message"):
        if url in done:
            continue
        html = html_of(data, url)
        if html is None:
            continue
        msg = as_of_view(parse_message(html, url), data.as_of)
        if is_message(msg):
            out.append(SeenMessage(msg, None, None, None, msg.asked, "page" if msg.asked else "", True))
    return out
