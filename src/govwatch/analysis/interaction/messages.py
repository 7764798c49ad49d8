"""Messages (留言、信件) from detail pages and message lists.

:func:`parse_message` reads one detail page: title, type (咨询 / 投诉 / 建议 …), asked time,
reply time, reply unit, reply text, status, and which of the fields the page shows.
:func:`parse_message_list` reads the rows of a list page that shows more than title and date
(a status or type column, labelled dates): tables with a header row, and any other row — ``<li>``,
``<tr>``, ``<dl>``/``<dt>``, a ``<div>`` card — around one message link.
:func:`status_state` classifies a status text by the words of ``message_states``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache

from selectolax.lexbor import LexborHTMLParser, LexborNode

from govwatch.analysis.interaction import match_label, words
from govwatch.analysis.interaction.message_fields import (
    CHROME,
    INLINE_LABEL,
    Fields,
    clean_label,
    collapse,
    read_fields,
    unlabelled_text,
)
from govwatch.core.urls import normalize_url
from govwatch.extract.dates import find_date, find_dates

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
    # The reply's date when it is after the inspection's as-of date: at that date the message was
    # not answered yet, whatever the page shows now (see :func:`as_of_view`).
    later_reply: date | None = None

    @property
    def answered(self) -> bool:
        """Whether the message is answered: by its status when the status names one state (办理中 and
        已受理 are not answered), else by its reply — a reply text, or a reply time when the page
        shows no reply block; an empty or placeholder reply block (正在办理中) is no answer."""
        return self.answered_from()[0]

    def answered_from(self) -> tuple[bool, str]:
        """(answered, what decided it: ``status`` | ``reply`` | ``none`` when nothing shows a reply |
        ``as_of`` when the reply is dated after the inspection's as-of date)."""
        if self.later_reply is not None:
            return False, "as_of"
        state = status_state(self.status)
        if state is not None:
            return state == "answered", "status"
        if self.reply:
            return True, "reply"
        if "reply" in self.shown:
            return False, "reply"  # a reply block without a reply
        return self.replied is not None, "reply" if self.replied is not None else "none"

    def unpublished(self) -> list[str]:
        """Labels of the fields the page should show and does not (reply fields only once answered)."""
        wanted = ["asked"] + (["replied", "unit", "reply"] if self.answered else [])
        have = {"asked": self.asked is not None, "replied": self.replied is not None, "unit": bool(self.unit),
                "reply": bool(self.reply)}
        return [PUBLISHED[k] for k in wanted if not have[k]]


def as_of_view(msg: Message, as_of: date) -> Message:
    """The message as it stood at ``as_of``: a reply dated after it did not exist then, so the
    message counts as unanswered at that date (its reply date is kept in ``later_reply``)."""
    if msg.replied is not None and msg.replied > as_of:
        msg.later_reply = msg.replied
    return msg


def status_state(text: str) -> str | None:
    """pending | answered | None for a status text: the state its words name, read by longest
    match at each position (未办结 is pending); ``None`` when it names none or both."""
    found = {state for _word, state in state_words(text)}
    return found.pop() if len(found) == 1 else None


def state_words(text: str) -> list[tuple[str, str]]:
    """(word, state) of every status word in ``text``, longest match first at each position."""
    index = _state_index()
    longest = max((len(w) for w in index), default=0)
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        for size in range(min(longest, len(text) - pos), 1, -1):
            word = text[pos:pos + size]
            if word in index:
                out.append((word, index[word]))
                pos += size
                break
        else:
            pos += 1
    return out


@cache
def _state_index() -> dict[str, str]:
    """status word -> pending | answered (``message_states``)."""
    states: dict[str, list[str]] = words()["message_states"]
    return {w: state for state, ws in states.items() for w in ws}


_REPLY_SUFFIXES = ("的回复", "的答复", "回复", "答复")


@lru_cache(maxsize=4096)
def field_key(label: str) -> str | None:
    """The message field a cleaned label names (``message_fields``); a label naming who replies
    (县住房和城乡建设局回复, 市长答复) is the reply, a status word (已回复, 未答复) is none. Kept per
    label (the vocabulary is read once): pages of one site repeat the same few labels."""
    key = match_label(label, words()["message_fields"])
    if key is None and len(label) > 2 and label.endswith(_REPLY_SUFFIXES) and not state_words(label):
        return "reply"
    return key


def _known_label(label: str) -> bool:
    return field_key(label) is not None


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
    msg = Message(url=url)
    values: dict[str, str] = {}
    layouts: dict[str, int] = {}
    for f in fields.items:
        key = field_key(f.label)
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


_REPLY_BLOCK = frozenset({"unit", "replied", "status"})  # labels a reply block shows around an unlabelled reply


def parse_message(html: str, url: str) -> Message:
    """The message a detail page shows; a reply block labelling only its unit and time holds the
    reply unlabelled (:func:`~govwatch.analysis.interaction.message_fields.unlabelled_text`)."""
    msg = message_from_fields(url, read_fields(html, url, _known_label), _title(html))
    if "reply" not in msg.shown and msg.shown & {"unit", "replied"}:
        msg.reply = _reply_text(unlabelled_text(html, field_key, _REPLY_BLOCK))
    return msg


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
    replied: date | None = None
    source: str = ""  # the list page


_HEADER_KEYS = {"title", "asked", "replied", "status", "type"}
_ROW_TAGS = frozenset({"li", "tr", "dt", "dl"})  # elements that are a row by themselves
ROW_DEPTH = 5  # levels above a link searched for its row element
MIN_TITLE = 6  # characters of a link that is another message's title
_LIST_TAGS = frozenset({"ul", "ol", "table", "tbody", "thead", "body", "html"})  # a row never climbs into these


def parse_message_list(html: str, base: str) -> list[ListRow]:
    """Rows of a message list that show a status or a labelled date: tables with a header row
    (标题 | 类型 | 留言时间 | 回复时间 | 状态), then every other row around one message link
    (``<li>``, ``<tr>``, ``<dl>``, ``<dt>`` with its ``<dd>``, a ``<div>`` card) — its status word and
    its dates outside the title. Page chrome (navigation, footer) is left out."""
    tree = LexborHTMLParser(html)
    for node in tree.css("script, style, noscript, template"):
        node.decompose()
    for node in tree.css(CHROME):
        node.decompose()
    root = tree.body or tree.root
    rows: dict[str, ListRow] = {}
    if root is None:
        return []
    for tab in root.css("table"):
        for table_row in _header_table_rows(tab, base):
            rows.setdefault(table_row.url, table_row)
    for link in root.css("a[href]"):
        url = normalize_url(link.attributes.get("href") or "", base)
        title = collapse(link.text(separator=""))
        if url is None or url in rows or not title:
            continue
        row = _row_of(link, url, base)
        if not _is_main_link(row, url, base):
            continue
        text_row = _row_from_text(url, title, _row_text(row).replace(title, " ", 1), base)
        if text_row is not None:
            rows[url] = text_row
    return list(rows.values())


MIN_LIST_ROWS = 2  # message rows that make a page a message list


def is_message_list(html: str, base: str) -> bool:
    """Whether a page lists messages itself: at least :data:`MIN_LIST_ROWS` rows showing a status
    (办理状态) or a labelled date (留言时间), as :func:`parse_message_list` reads them."""
    return len(parse_message_list(html, base)) >= MIN_LIST_ROWS


def _header_table_rows(tab: LexborNode, base: str) -> list[ListRow]:
    """Rows of a table whose first recognised row is a header naming two of title, dates, status, type."""
    table: dict[str, list[str]] = words()["message_fields"]
    header: list[str | None] | None = None
    out: list[ListRow] = []
    for tr in tab.css("tr"):
        cells = [c for c in tr.iter() if c.tag in ("th", "td")]
        texts = [collapse(c.text(separator="")) for c in cells]
        if header is None:
            keys = [match_label(clean_label(t), table) for t in texts]
            if sum(k in _HEADER_KEYS for k in keys) >= 2:
                header = keys
            continue
        link = tr.css_first("a[href]")
        url = normalize_url(link.attributes.get("href") or "", base) if link is not None else None
        if link is None or url is None:
            continue
        row = ListRow(url=url, title=collapse(link.text(separator="")), source=base)
        for key, text in zip(header, texts, strict=False):
            if key == "asked":
                row.asked = find_date(text, partial=False)[0]
            elif key == "replied":
                row.replied = find_date(text, partial=False)[0]
            elif key == "type":
                row.type_text = text
            elif key == "title" and text:
                row.title = text
            elif status_state(text) is not None and not row.status:
                row.status = text  # the status column, or a column of another name showing a status
        out.append(row)
    return out


def _link_text(a: LexborNode) -> str:
    return collapse(a.text(separator="")).strip("[]【】()（） ")


def _row_of(link: LexborNode, own: str, base: str) -> LexborNode:
    """The row around ``link``: the nearest ``<li>``, ``<tr>``, ``<dt>`` or ``<dl>`` holding no other
    message title, else the widest ancestor holding none (a ``<div>`` card). A link of another title
    is one of 6+ characters to another URL; shorter ones (详情, [投诉], the column's name) belong to
    the row, and an ``<li>``, ``<tr>`` or ``<dt>`` is a row whatever other links it holds."""
    def other_title(node: LexborNode) -> bool:
        return any(len(_link_text(a)) >= MIN_TITLE and normalize_url(a.attributes.get("href") or "", base) != own
                   for a in node.css("a[href]"))

    parent = link.parent
    for _ in range(ROW_DEPTH):
        if parent is None or parent.tag in _LIST_TAGS:
            break
        if parent.tag in _ROW_TAGS:
            if parent.tag != "dl" or not other_title(parent):
                return parent
            break
        parent = parent.parent
    node = link
    while node.parent is not None and node.parent.tag not in _LIST_TAGS and not other_title(node.parent):
        node = node.parent
    return node


def _is_main_link(row: LexborNode, own: str, base: str) -> bool:
    """Whether ``own`` is the row's title link (its longest link), not a tag or the mailbox's name."""
    longest = max(row.css("a[href]") or [row], key=lambda a: len(_link_text(a)))
    return longest.tag != "a" or normalize_url(longest.attributes.get("href") or "", base) == own


def _row_text(row: LexborNode) -> str:
    """The text of a row with its status icons' ``alt`` (a ``<dt>`` with the ``<dd>`` after it)."""
    text = row.text(separator=" ") + " " + " ".join(img.attributes.get("alt") or "" for img in row.css("img[alt]"))
    if row.tag == "dt":
        sibling = row.next
        while sibling is not None and sibling.tag != "dt":
            if sibling.tag == "dd":
                text += " " + sibling.text(separator=" ")
            sibling = sibling.next
    return collapse(text)


def _row_from_text(url: str, title: str, rest: str, source: str) -> ListRow | None:
    """A list row from the text beside its title: its status word and its dates (labelled
    留言时间 / 回复时间, else the first unlabelled date is the asked date and, in an answered row,
    a later second one the reply date); ``None`` when it shows neither a status nor a labelled date."""
    table: dict[str, list[str]] = words()["message_fields"]
    status = " ".join(dict.fromkeys(w for w, _s in state_words(rest)))
    row = ListRow(url=url, title=title, status=status if status_state(status) else "", source=source)  # one state
    marks = list(INLINE_LABEL.finditer(rest))
    segments = [("", rest[:marks[0].start()] if marks else rest)]
    segments += [(m.group(1), rest[m.end():marks[n + 1].start() if n + 1 < len(marks) else len(rest)])
                 for n, m in enumerate(marks)]
    loose: list[date] = []
    labelled = False
    for label, text in segments:
        key = match_label(clean_label(label), table) if label else None
        if key == "type" and not row.type_text:
            row.type_text = text.strip()
        dates = [d for d in (m.date for m in find_dates(text, partial=False)) if d is not None]
        if key == "asked" and dates and row.asked is None:
            row.asked, labelled = dates[0], True
        elif key == "replied" and dates and row.replied is None:
            row.replied, labelled = dates[0], True
        else:
            loose.extend(dates)
    if row.asked is None and loose:
        row.asked = loose.pop(0)
    if row.replied is None and loose and status_state(row.status) == "answered" and row.asked and loose[0] >= row.asked:
        row.replied = loose[0]
    return row if row.status or labelled else None


@cache
def _statistics_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in words()["statistics_patterns"])


def shows_statistics(text: str) -> bool:
    """Whether a page's text publishes acceptance/reply statistics (受理 N 件、办结率 …)."""
    return any(p.search(text) for p in _statistics_patterns())
