"""Per-column figures: items, undated items, newest date, blank, stale, days left.

Everything here is a pure function of stored page facts, the rule table and the
site config (DESIGN principle 1), so an old run can be re-judged offline.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from govwatch.analysis.columns.classify import classify
from govwatch.analysis.columns.discover import ColumnRef, discover_columns, lists_messages, page_html
from govwatch.analysis.interaction.messages import parse_message_list
from govwatch.rules import Window
from govwatch.rules.reads import note, unrecorded
from govwatch.rundata import RunData

PLACEHOLDERS = ("暂无信息", "暂无数据", "暂无内容", "暂无记录", "没有相关信息", "暂无相关信息", "信息正在更新")


@dataclass(slots=True)
class DatedItem:
    """One item of a column with the date it shows."""

    title: str
    url: str | None
    date: date | None
    date_text: str
    source: str  # the list page or endpoint the item was read on


WINDOWS = "columns"  # the rule-table section of the column update windows


@dataclass(slots=True)
class ColumnResult:
    """What the inspection found out about one column."""

    name: str
    url: str
    type: str
    type_reason: str
    discovered_by: str
    read_via: str  # static | script-pagination | xml-records | endpoint | rendered | unread
    parent: str | None
    items: int
    undated: int
    last_update: date | None
    blank: bool
    # The judgement against the rule table's update window: (window, stale, days_left, expires), read
    # through the properties below, which count the table's ``columns`` section as read by whoever
    # reads them (rules/reads.py): a check that uses a run's columns but not their windows (message
    # and service checks) is then reused when a re-score's table has other windows.
    judgement: tuple[Window | None, bool | None, int | None, date | None]
    window_days_set: int | None = None  # the site config's own window for the column (days), if any
    key: bool = False
    list_pages: list[str] = field(default_factory=list)
    future: list[DatedItem] = field(default_factory=list)  # dated after the day their page was fetched
    after_as_of: int = 0  # items dated after the inspection day but not after the fetch: outside the period
    undated_examples: list[DatedItem] = field(default_factory=list)
    placeholder: str | None = None  # 暂无信息 etc. seen on a blank column's page
    notes: list[str] = field(default_factory=list)

    @property
    def window(self) -> Window | None:
        """The column's update window (the rule table's, or the site config's)."""
        note((WINDOWS,))
        return self.judgement[0]

    @property
    def stale(self) -> bool | None:
        """Not updated within its window; None: the column type has no update window."""
        note((WINDOWS,))
        return self.judgement[1]

    @property
    def days_left(self) -> int | None:
        """Days before it turns stale (negative: overdue); None without window or date."""
        note((WINDOWS,))
        return self.judgement[2]

    @property
    def expires(self) -> date | None:
        """The last day an update as old as ``last_update`` keeps it fresh."""
        note((WINDOWS,))
        return self.judgement[3]

    def window_days(self, as_of: date) -> int | None:
        return self.window.days(as_of) if self.window else None


def _main_block(facts: dict[str, Any]) -> dict[str, Any] | None:
    lists = facts.get("lists") or []
    return lists[0] if lists else None


def _column_pages(data: RunData, url: str, missing: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The column's list pages in order (entry page first, then pagination), read one at a time (a
    news column of a large site has a thousand); the URLs of pages not stored go to ``missing``."""
    queue, seen = deque([url]), {url}
    while queue:
        page_url = queue.popleft()
        facts = data.page(page_url)
        if facts is None:
            missing.append(page_url)
            continue
        further = list((facts.get("pagination") or {}).get("page_urls") or [])
        if facts.get("needs_render") and not facts.get("rendered"):
            further += facts.get("endpoints") or []  # the data the page's scripts would have shown
        for next_url in further:
            if next_url not in seen:
                seen.add(next_url)
                queue.append(next_url)
        yield page_url, facts


def _read_via(first: dict[str, Any], used_endpoint: bool) -> str:
    if first.get("rendered"):
        return "rendered"
    if used_endpoint:
        return "endpoint"
    block = _main_block(first)
    if block and block.get("source") == "xml-records":
        return "xml-records"
    if first.get("needs_render"):
        return "unread"
    if (first.get("pagination") or {}).get("kind") == "createPageHTML":
        return "script-pagination"
    return "static"


class ItemTally:
    """A column's distinct items counted as they are read, never all held (the news column of a
    100,000-page site lists 21,000): how many, the undated ones (five kept as examples), the newest
    date on or before the inspection day (only those are updates within the inspection period), how
    many are dated after it but not after the day their list page was fetched, and those dated after
    that: in the future (docs/columns.md, "Dates after the inspection day")."""

    __slots__ = ("_data", "_limits", "_seen", "after_as_of", "future", "items", "last_update", "undated",
                 "undated_examples")

    def __init__(self, data: RunData) -> None:
        self._data = data
        self._seen: set[str] = set()
        self._limits: dict[str, date] = {}  # list page -> dates after this day are in the future
        self.items = self.undated = self.after_as_of = 0
        self.last_update: date | None = None
        self.future: list[DatedItem] = []
        self.undated_examples: list[DatedItem] = []

    def add(self, key: str, item: DatedItem) -> None:
        """Count ``item`` unless an item of the same ``key`` was counted."""
        if key in self._seen:
            return
        self._seen.add(key)
        self.items += 1
        when = item.date
        if when is None:
            self.undated += 1
            if len(self.undated_examples) < 5:
                self.undated_examples.append(item)
        elif when <= self._data.as_of:
            self.last_update = when if self.last_update is None else max(self.last_update, when)
        else:
            limit = self._limits.get(item.source)
            if limit is None:
                limit = self._limits[item.source] = self._data.future_after(item.source)
            if when > limit:
                self.future.append(item)
            else:
                self.after_as_of += 1


def _list_item(page_url: str, raw: dict[str, Any]) -> tuple[str, DatedItem]:
    """An item of a column's main list and its key: its URL, else (NUL first: no URL is) its title and date."""
    url = raw.get("url")
    key = url or f"\0{raw.get('title')}|{raw.get('date')}"
    when = date.fromisoformat(raw["date"]) if raw.get("date") else None
    return key, DatedItem(raw.get("title") or "", url, when, raw.get("date_text") or "", page_url)


def _message_rows(data: RunData, page_urls: list[str]) -> ItemTally:
    """The message rows of a column's pages, each dated by its asked time: the items of a page that
    lists messages where list reading found none (a 政民互动 page extraction took for an article)."""
    tally = ItemTally(data)
    for page_url in page_urls:
        shown = page_html(data, page_url)
        for row in parse_message_list(*shown) if shown is not None else []:
            tally.add(row.url, DatedItem(row.title, row.url, row.asked, row.asked.isoformat() if row.asked else "",
                                         page_url))
    return tally


def _not_read(data: RunData, url: str) -> str:
    """Why a list page (or data endpoint) of a column gave no facts."""
    row = data.fetches.get(url)
    if row is None:
        return f"list page not crawled: {url}"
    why = f"HTTP {row['status']}" if (row.get("status") or 0) >= 400 else (row.get("error") or "not extracted")
    detail = row.get("error_detail") or ""
    return f"list page or data endpoint not read: {url} ({why}{': ' + detail[:120] if detail else ''})"


def judge(data: RunData, column_type: str, window_days: int | None, last_update: date | None, blank: bool,
          read_via: str) -> tuple[Window | None, bool | None, int | None, date | None]:
    """A column's judgement against its update window (``window_days``: the site config's, else the
    rule table's for ``column_type``): ``(window, stale, days_left, expires)``. The table's
    ``columns`` section is noted only when the judgement is read (ColumnResult.window ...)."""
    with unrecorded():
        window = Window(window_days, "days") if window_days else data.rules.column_window(column_type)
    stale: bool | None = None
    days_left = expires = None
    if window is not None and blank:
        stale = False  # reported as blank, not again as stale
    elif window is not None and read_via != "unread":
        if last_update is None:
            stale = True  # 未注明信息发布时间的视为不更新: undated items are no update
        else:
            expires = window.expires(last_update)
            days_left = (expires - data.as_of).days
            stale = days_left < 0
    return window, stale, days_left, expires


def analyze_column(data: RunData, ref: ColumnRef) -> ColumnResult:
    """Figures and verdicts for one column."""
    missing: list[str] = []
    list_pages: list[str] = []
    first: dict[str, Any] | None = None
    tally, used_endpoint = ItemTally(data), False
    for page_url, facts in _column_pages(data, ref.url, missing):
        list_pages.append(page_url)
        first = facts if first is None else first
        block = _main_block(facts)
        if block is not None:
            used_endpoint |= block.get("source") == "endpoint"
            for raw in block.get("items") or []:
                tally.add(*_list_item(page_url, raw))
    meta = (first or {}).get("meta") or {}
    override = ref.override
    name = ref.name or meta.get("ColumnName", "") or ref.url
    if override and override.type:
        column_type, reason = override.type, "config"
    else:
        column_type, reason = classify(name, meta.get("ColumnType"), page=lambda: page_html(data, ref.url))
    if not tally.items and list_pages and lists_messages(data, ref.url):
        tally = _message_rows(data, list_pages)
    read_via = _read_via(first, used_endpoint) if first is not None else "unread"
    first = first or {}
    blank = not tally.items and read_via != "unread" and bool(list_pages)
    excerpt = first.get("text_excerpt") or ""
    placeholder = next((p for p in PLACEHOLDERS if p in excerpt), None) if blank else None
    window_days = override.window_days if override and override.window_days else None
    notes = [_not_read(data, url) for url in missing[:5]]
    if tally.after_as_of:
        notes.append(f"{tally.after_as_of} items dated after the inspection day but not after the crawl: outside "
                     "the inspection period, not counted as updates")
    if read_via == "unread":
        notes.append("the list is filled by JavaScript and neither rendering nor its data endpoint gave items")
        notes += [w for w in first.get("warnings") or [] if w.startswith(("render:", "script-endpoints:"))] or (
            [] if first.get("rendered") else ["not rendered (rendering is off)"])
    return ColumnResult(
        name=name, url=ref.url, type=column_type, type_reason=reason, discovered_by=ref.discovered_by,
        read_via=read_via, parent=ref.parent, items=tally.items, undated=tally.undated,
        last_update=tally.last_update, blank=blank,
        judgement=judge(data, column_type, window_days, tally.last_update, blank, read_via),
        window_days_set=window_days, key=bool(override and override.key), list_pages=list_pages,
        future=tally.future, after_as_of=tally.after_as_of, undated_examples=tally.undated_examples,
        placeholder=placeholder, notes=notes)


def analyze_columns(data: RunData) -> list[ColumnResult]:
    """Every column of the run's site, in discovery order."""
    return [analyze_column(data, ref) for ref in discover_columns(data)]


def columns_of(data: RunData) -> list[ColumnResult]:
    """The run's columns with their figures, computed once per run (or restored as stored with it,
    judged again with the run data's table: RunData.stored_analysis)."""
    return data.derived(COLUMNS, _restored_or_analyzed)


COLUMNS = "columns"  # the analysis's name (RunData.derived, the store's run_analyses)


def _restored_or_analyzed(data: RunData) -> list[ColumnResult]:
    restored = data.stored_analysis(COLUMNS, lambda payload: [column_from_json(data, c) for c in payload])
    return restored if restored is not None else analyze_columns(data)


def _item_json(item: DatedItem) -> list[Any]:
    return [item.title, item.url, item.date.isoformat() if item.date else None, item.date_text, item.source]


def _item(raw: list[Any]) -> DatedItem:
    title, url, when, date_text, source = raw
    return DatedItem(title, url, date.fromisoformat(when) if when else None, date_text, source)


def column_to_json(col: ColumnResult) -> dict[str, Any]:
    """What is stored of a column (everything but the judgement, which depends on the table)."""
    return {"name": col.name, "url": col.url, "type": col.type, "type_reason": col.type_reason,
            "discovered_by": col.discovered_by, "read_via": col.read_via, "parent": col.parent, "items": col.items,
            "undated": col.undated, "last_update": col.last_update.isoformat() if col.last_update else None,
            "blank": col.blank, "window_days_set": col.window_days_set, "key": col.key,
            "list_pages": col.list_pages, "future": [_item_json(it) for it in col.future],
            "after_as_of": col.after_as_of, "undated_examples": [_item_json(it) for it in col.undated_examples],
            "placeholder": col.placeholder, "notes": col.notes}


def column_from_json(data: RunData, raw: dict[str, Any]) -> ColumnResult:
    """A stored column (:func:`column_to_json`) judged with ``data``'s rule table."""
    last_update = date.fromisoformat(raw["last_update"]) if raw["last_update"] else None
    return ColumnResult(
        name=raw["name"], url=raw["url"], type=raw["type"], type_reason=raw["type_reason"],
        discovered_by=raw["discovered_by"], read_via=raw["read_via"], parent=raw["parent"], items=raw["items"],
        undated=raw["undated"], last_update=last_update, blank=raw["blank"],
        judgement=judge(data, raw["type"], raw["window_days_set"], last_update, raw["blank"], raw["read_via"]),
        window_days_set=raw["window_days_set"], key=raw["key"], list_pages=list(raw["list_pages"]),
        future=[_item(it) for it in raw["future"]], after_as_of=raw["after_as_of"],
        undated_examples=[_item(it) for it in raw["undated_examples"]], placeholder=raw["placeholder"],
        notes=list(raw["notes"]))
