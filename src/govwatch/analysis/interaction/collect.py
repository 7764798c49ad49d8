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
from weakref import WeakKeyDictionary

from govwatch.analysis.columns import columns_of
from govwatch.analysis.interaction import words
from govwatch.analysis.interaction.messages import (
    ListRow,
    Message,
    as_of_view,
    category_of,
    is_message,
    parse_message,
    parse_message_list,
    status_state,
)
from govwatch.extract.decode import decode_html
from govwatch.rundata import RunData

_MESSAGES: WeakKeyDictionary[RunData, list[SeenMessage]] = WeakKeyDictionary()


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


def messages(data: RunData) -> list[SeenMessage]:
    """Every message of the run's consult columns (and message pages elsewhere), read once."""
    cached = _MESSAGES.get(data)
    if cached is not None:
        return cached
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
    _MESSAGES[data] = out
    return out
