"""Messages (留言、信件) from detail pages and message lists.

:func:`parse_message` reads one detail page: title, type (咨询 / 投诉 / 建议 …), asked time,
reply time, reply unit, reply text, status, and which of the fields the page shows.
:func:`parse_message_list` reads the rows of a list page that shows more than title and date
(a status or type column, a table with a header row).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from selectolax.lexbor import LexborHTMLParser

from govwatch.analysis.interaction import match_label, words
from govwatch.analysis.interaction.message_fields import Fields, collapse, read_fields
from govwatch.core.urls import normalize_url
from govwatch.extract.dates import find_date

# The fields a message must publish (docs/sources.md §6: seed 002 附件2 留言公开, seed 001 八(三)), canonical -> label.
PUBLISHED = {"asked": "留言时间", "replied": "答复时间", "unit": "答复单位", "reply": "答复内容"}
CATEGORY_LABELS = {"consult": "咨询", "complaint": "投诉", "suggestion": "建议", "other": "其他"}


@dataclass(slots=True)
class Message:
    """One message as its page (or list row) shows it."""

    url: str
    title: str = ""
    type_text: str = ""  # the type as shown (留言类型), "" when not shown
    category: str = "other"  # consult | complaint | suggestion | other
    category_from: str = ""  # type | title | "" (default)
    asked: date | None = None
    replied: date | None = None
    unit: str = ""
    reply: str = ""
    status: str = ""
    shown: set[str] = field(default_factory=set)  # canonical fields with a label on the page
    layout: str = ""  # table | dl | heading | inline (most of the fields)

    @property
    def answered(self) -> bool:
        """Whether the page shows a reply (text, time or an answered status) and no pending status."""
        state = status_state(self.status)
        if state == "pending":
            return False
        return bool(self.reply) or self.replied is not None or state == "answered"

    def unpublished(self) -> list[str]:
        """Labels of the fields the page should show and does not (reply fields only once answered)."""
        wanted = ["asked"] + (["replied", "unit", "reply"] if self.answered else [])
        have = {"asked": self.asked is not None, "replied": self.replied is not None, "unit": bool(self.unit),
                "reply": bool(self.reply)}
        return [PUBLISHED[k] for k in wanted if not have[k]]


def status_state(text: str) -> str | None:
    """pending | answered | None (unknown) for a status text."""
    if not text:
        return None
    vocab = words()
    if any(w in text for w in vocab["pending_words"]):
        return "pending"
    if any(w in text for w in vocab["answered_words"]):
        return "answered"
    return None


def category_of(type_text: str, title: str) -> tuple[str, str]:
    """(category, where it came from): the type field first, else the title, else ``other``."""
    types: dict[str, list[str]] = words()["message_types"]
    for source, text in (("type", type_text), ("title", title)):
        if not text:
            continue
        for category, keys in types.items():
            if any(k in text for k in keys):
                return category, source
        if source == "type":
            return "other", "type"  # a type is shown but names none of the three
    return "other", ""


def _reply_text(value: str) -> str:
    text = value.strip()
    placeholders = words()["reply_placeholders"]
    return "" if not text or text.rstrip("。.！!") in placeholders else text


def message_from_fields(url: str, fields: Fields, title: str = "") -> Message:
    """A message from a page's label/value pairs (``title``: the page title, when no field has it)."""
    table: dict[str, list[str]] = words()["message_fields"]
    msg = Message(url=url)
    values: dict[str, str] = {}
    layouts: dict[str, int] = {}
    for f in fields.items:
        key = match_label(f.label, table)
        if key is None or key in values:
            continue
        values[key] = f.value
        msg.shown.add(key)
        layouts[f.layout] = layouts.get(f.layout, 0) + 1
    msg.layout = max(layouts, key=lambda k: layouts[k]) if layouts else ""
    msg.title = values.get("title") or title
    msg.type_text = values.get("type", "")
    msg.category, msg.category_from = category_of(msg.type_text, msg.title)
    msg.asked = find_date(values.get("asked", ""), partial=False)[0]
    msg.replied = find_date(values.get("replied", ""), partial=False)[0]
    msg.unit = values.get("unit", "").strip()
    msg.reply = _reply_text(values.get("reply", ""))
    msg.status = values.get("status", "")
    return msg


def _title(html: str) -> str:
    tree = LexborHTMLParser(html)
    for selector in ("h1", "h2", "title"):
        node = tree.css_first(selector)
        if node is not None and (text := collapse(node.text(separator=""))):
            return text.split("_")[0].strip()
    return ""


def parse_message(html: str, url: str) -> Message:
    """The message a detail page shows."""
    return message_from_fields(url, read_fields(html, url), _title(html))


def is_message(msg: Message) -> bool:
    """Whether a page looked like a message at all (an asked time, a reply field or a status)."""
    return bool(msg.shown & {"asked", "replied", "unit", "reply", "status"})


@dataclass(slots=True)
class ListRow:
    """One row of a message list: what the list shows of a message."""

    url: str
    title: str
    asked: date | None = None
    status: str = ""
    type_text: str = ""


_HEADER_KEYS = {"title": "title", "asked": "asked", "status": "status", "type": "type"}


def parse_message_list(html: str, base: str) -> list[ListRow]:
    """Rows of a message list that show a status or type: tables with a header row
    (标题 | 类型 | 留言时间 | 状态) and ``<li>`` rows with a status span (``[已回复]``)."""
    table: dict[str, list[str]] = words()["message_fields"]
    tree = LexborHTMLParser(html)
    root = tree.body or tree.root
    rows: list[ListRow] = []
    if root is None:
        return rows
    for tab in root.css("table"):
        header: list[str | None] | None = None
        for tr in tab.css("tr"):
            cells = [c for c in tr.iter() if c.tag in ("th", "td")]
            texts = [collapse(c.text(separator="")) for c in cells]
            keys = [match_label(t.rstrip(":："), table) for t in texts]
            if header is None:
                if sum(k in _HEADER_KEYS for k in keys) >= 2:
                    header = keys
                continue
            link = tr.css_first("a[href]")
            url = normalize_url(link.attributes.get("href") or "", base) if link is not None else None
            if url is None:
                continue
            row = ListRow(url=url, title=collapse(link.text(separator="")))  # type: ignore[union-attr]
            for key, text in zip(header, texts, strict=False):
                if key == "asked":
                    row.asked = find_date(text, partial=False)[0]
                elif key == "status":
                    row.status = text
                elif key == "type":
                    row.type_text = text
                elif key == "title" and text:
                    row.title = text
            rows.append(row)
    if rows:
        return rows
    for li in root.css("li"):
        link = li.css_first("a[href]")
        if link is None:
            continue
        text = collapse(li.text(separator=" "))
        state = status_state(text.replace(collapse(link.text(separator="")), ""))
        if state is None:
            continue
        url = normalize_url(link.attributes.get("href") or "", base)
        if url is None:
            continue
        status = next((w for w in words()["pending_words"] + words()["answered_words"] if w in text), "")
        rows.append(ListRow(url=url, title=collapse(link.text(separator="")), status=status,
                            asked=find_date(text, partial=False)[0]))
    return rows


@cache
def _statistics_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in words()["statistics_patterns"])


def shows_statistics(text: str) -> bool:
    """Whether a page's text publishes acceptance/reply statistics (受理 N 件、办结率 …)."""
    return any(p.search(text) for p in _statistics_patterns())
