"""Planted interaction and service defects (issue 6): messages, guides, surveys, with negatives.

Every role is decided from the column and the inspection day alone (pure, cached per column),
so the pages (via :class:`govwatch.sim.items.ItemFactory`) and the manifest
(:func:`interaction_truth`) read the same plan.

Messages (the consult column; reply limits of seed 002 附件1: 咨询 1, 投诉 and 建议 5 working
days, counted with the simulator's own calendar, :mod:`govwatch.sim.holiday_notices`, not with the
checks' :mod:`govwatch.core.workdays`):

- ``unanswered``: no reply, asked 100–330 days before the inspection day (the 3-month veto);
- ``unanswered_recent``: no reply, asked 20–80 days before (overdue, but no veto);
- ``pending``: the newest message, a complaint without reply still inside its 5 working days
  (no finding at all);
- ``ontime``: a complaint answered on its 5th working day, chosen so that the period crosses as
  many statutory holiday weekdays as possible (calendar days and plain weekdays say late);
- ``late`` (consultation): answered on the 2nd working day, chosen where the period holds a
  make-up working day when possible (plain weekdays say on time);
- ``late`` (complaint): answered on the 6th working day, crossing a holiday when possible;
- ``fields_unpublished``: answered in time, but the page shows neither 答复时间 nor 答复单位;
- ``ok``: every other message, answered within its limit (on the day asked when the period
  would reach a year the simulator's calendar does not note).

Reply periods are planted only where the simulator's calendar is certain (inside its noted
years, or a reply on the day asked); an unanswered message needs no count (it is weeks old).

Guides (the service column, by index): 0 complete, 1 ``incomplete`` (no 办理地点, 联系电话),
2 ``vague`` (其他材料 clauses), 3 ``form_broken`` (the form link answers 404), 4
``form_unlinked`` (the form is asked for, no link), 5 ``materials_unclear`` (no 原件/复印件, no
份数), 6 ``online_broken`` (the 在线办理 entry answers 500); the rest complete. Complete guides
link their form (a real .docx attachment) and a working 在线办理 entry on the external host.

Surveys: results published 10 days after the end, except the first survey due in the last year
(``result_missing``) and the second (``result_late``, 45 days after the end).

Detail markup differs by family (docs/sim-families.md): messages as a table (trs), a definition
list (jcms) or headed sections (legacy); guides as a table (trs), headed sections (jcms) or a
definition list (legacy).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from html import escape
from typing import TYPE_CHECKING, Any

from govwatch.rules.loader import Window
from govwatch.sim.column_pages import Column
from govwatch.sim.holiday_notices import sim_calendar
from govwatch.sim.rng import Rng
from govwatch.sim.variation import DEFAULT, Variants

if TYPE_CHECKING:
    from govwatch.sim.site import SiteGenerator

REPLY_LIMITS: dict[str, int] = {"咨询": 1, "投诉": 5, "建议": 5}  # seed 002 附件1 (working days)
CATEGORIES: dict[str, str] = {"咨询": "consult", "投诉": "complaint", "建议": "suggestion"}
VETO_AGE = (100, 330)  # days: well past the 3-month veto line, inside the 1-year look-back
RECENT_AGE = (20, 80)
HIDDEN_FIELDS = ("答复时间", "答复单位")
RESULT_WITHIN = Window(1, "months")  # seed 002: results within a month of the survey's end
YEAR = Window(1, "years")

GUIDE_ROLES: tuple[str, ...] = ("complete", "incomplete", "vague", "form_broken", "form_unlinked",
                                "materials_unclear", "online_broken")
GUIDE_MISSING = ("办理地点", "联系电话")
VAGUE_PHRASES = ("其他材料", "有关法律法规规定的其他材料")
BROKEN_FORM_N = 9  # attachment number of the planted broken form link (no such attachment exists)


@dataclass(frozen=True, slots=True)
class MessagePlan:
    """What one message shows: its type, reply (``None``: unanswered) and hidden fields."""

    index: int
    type: str  # 咨询 | 投诉 | 建议
    expect: str
    asked: datetime
    replied: datetime | None
    hidden: tuple[str, ...] = ()

    @property
    def limit(self) -> int:
        return REPLY_LIMITS[self.type]


@dataclass(frozen=True, slots=True)
class ItemLink:
    """An extra link of a guide page: ``base`` external (``target``: a path on the external
    loopback host) or file (attachment ``n``/``ext`` of the item itself, whether it exists or not)."""

    text: str
    base: str
    target: str = ""
    n: int = 0
    ext: str = ""


def _age(col: Column, index: int) -> int:
    return (col.as_of - col.item_when(index).date()).days


def _reply_at(asked: datetime, day: date, rng: Rng) -> datetime:
    """A reply time on ``day``: after the asked time on the same day, else during office hours."""
    if day == asked.date():
        return asked + timedelta(minutes=60 + rng.randrange(0, 60))
    return datetime.combine(day, time(9 + rng.randrange(0, 8), rng.randrange(0, 60)))


@lru_cache(maxsize=64)
def special_messages(col: Column) -> dict[int, MessagePlan]:
    """The planted messages of a consult column (index -> plan)."""
    cal = sim_calendar()
    as_of = col.as_of
    ages = []
    for index in range(col.items):
        age = _age(col, index)
        if age > 366:
            break
        ages.append((index, age))
    plans: dict[int, MessagePlan] = {}

    def free(lo: int, hi: int) -> list[int]:
        return [i for i, age in ages if lo <= age <= hi and i not in plans]

    def add(index: int, kind: str, expect: str, workdays: int | None, hidden: tuple[str, ...] = ()) -> None:
        asked = col.item_when(index)
        replied = None
        if workdays is not None:
            day = cal.deadline(asked.date(), workdays)
            replied = _reply_at(asked, day, Rng(col.item_seed(index, 9)))
        plans[index] = MessagePlan(index, kind, expect, asked, replied, hidden)

    def fits(index: int, workdays: int) -> bool:
        asked = col.item_when(index).date()
        replied = cal.deadline(asked, workdays)
        return replied < as_of and cal.certain(asked, replied)

    def holiday_weekdays(index: int, workdays: int) -> int:
        asked = col.item_when(index).date()
        return cal.holiday_weekdays(asked, cal.deadline(asked, workdays))

    if (pool := free(*VETO_AGE)):
        add(pool[0], "咨询", "unanswered", None)
    if (pool := free(*RECENT_AGE)):
        add(pool[0], "建议", "unanswered_recent", None)
    if ages and ages[0][0] not in plans:
        newest = col.item_when(0).date()
        if cal.certain(newest, as_of) and cal.between(newest, as_of) <= REPLY_LIMITS["投诉"]:
            add(0, "投诉", "pending", None)
    pool = [i for i in free(8, 330) if fits(i, 5)]
    if pool:
        add(max(pool, key=lambda i: (holiday_weekdays(i, 5), -i)), "投诉", "ontime", 5)
    pool = [i for i in free(4, 330) if fits(i, 2)]
    if pool:
        def makeup(i: int) -> int:
            day = col.item_when(i).date()
            return len(cal.makeup_days_between(day, cal.deadline(day, 2)))
        add(max(pool, key=lambda i: (makeup(i), -i)), "咨询", "late", 2)
    pool = [i for i in free(10, 330) if fits(i, 6)]
    if pool:
        add(max(pool, key=lambda i: (holiday_weekdays(i, 6), -i)), "投诉", "late", 6)
    if (pool := [i for i in free(3, 330) if fits(i, 0)]):
        add(pool[0], "咨询", "fields_unpublished", 0, HIDDEN_FIELDS)
    return plans


def message_plan(col: Column, index: int) -> MessagePlan:
    """The plan of message ``index``: planted, or answered within its limit."""
    special = special_messages(col).get(index)
    if special is not None:
        return special
    rng = Rng(col.item_seed(index, 7))
    kind = rng.choice(("咨询", "投诉", "建议"))
    asked = col.item_when(index)
    cal = sim_calendar()
    day = cal.deadline(asked.date(), rng.randrange(0, REPLY_LIMITS[kind] + 1))
    if day >= col.as_of or not cal.certain(asked.date(), day):
        day = asked.date()
    return MessagePlan(index, kind, "ok", asked, _reply_at(asked, day, rng))


def guide_role(index: int) -> str:
    return GUIDE_ROLES[index] if index < len(GUIDE_ROLES) else "complete"


@dataclass(frozen=True, slots=True)
class SurveyPlan:
    start: date
    end: date
    result: date | None
    expect: str  # ok | result_missing | result_late | open | not_due


@lru_cache(maxsize=64)
def _due_surveys(col: Column) -> tuple[int, ...]:
    """Indexes of the surveys of the last year whose results are due, newest first."""
    out = []
    for index in range(col.items):
        start = col.item_when(index).date()
        if start < YEAR.cutoff(col.as_of):
            break
        if RESULT_WITHIN.expires(start + timedelta(days=30)) < col.as_of:
            out.append(index)
    return tuple(out)


def survey_plan(col: Column, index: int) -> SurveyPlan:
    start = col.item_when(index).date()
    end = start + timedelta(days=30)
    if end > col.as_of:
        return SurveyPlan(start, end, None, "open")
    if RESULT_WITHIN.expires(end) >= col.as_of:
        return SurveyPlan(start, end, None, "not_due")
    due = _due_surveys(col)
    if due[:1] == (index,):
        return SurveyPlan(start, end, None, "result_missing")
    if due[1:2] == (index,):
        return SurveyPlan(start, end, end + timedelta(days=45), "result_late")
    return SurveyPlan(start, end, end + timedelta(days=10), "ok")


# -- rendering ------------------------------------------------------------------------------

def _rows_table(cls: str, rows: list[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f'<table class="{cls}">{cells}</table>'


def _rows_dl(cls: str, rows: list[tuple[str, str]]) -> str:
    return f'<dl class="{cls}">' + "".join(f"<dt>{escape(k)}：</dt><dd>{escape(v)}</dd>" for k, v in rows) + "</dl>"


def _rows_headed(cls: str, rows: list[tuple[str, str]]) -> str:
    return f'<div class="{cls}">' + "".join(f"<h4>{escape(k)}</h4><p>{escape(v)}</p>" for k, v in rows) + "</div>"


_MESSAGE_LAYOUT = {"trs": _rows_table, "jcms": _rows_dl, "legacy": _rows_headed}
_GUIDE_LAYOUT = {"trs": _rows_table, "jcms": _rows_headed, "legacy": _rows_dl}


def _rows_cards(cls: str, rows: list[tuple[str, str]]) -> str:
    return f'<div class="{cls} msg-card">' + "".join(
        f'<div class="row"><span class="label">{escape(k)}：</span><span class="value">{escape(v)}</span></div>'
        for k, v in rows) + "</div>"


def _message_qa(rows: list[tuple[str, str]]) -> str:
    """A message as a question block and an answer block (问 / 答), fields on meta lines."""
    fields = dict(rows)
    asked = "　".join(f"{k}：{escape(fields[k])}" for k in ("留言人", "留言时间", "留言类型", "办理状态")
                     if fields.get(k))
    replied = "　".join(f"{k}：{escape(fields[k])}" for k in ("答复单位", "答复时间") if fields.get(k))
    return (f'<div class="message msg-qa"><div class="question"><h3>问：{escape(fields["留言标题"])}</h3>'
            f'<p class="meta">{asked}</p><div class="q-content">{escape(fields.get("留言内容", ""))}</div></div>'
            f'<div class="answer"><p class="meta">{replied}</p>'
            f'<div class="a-content">答：{escape(fields.get("答复内容", ""))}</div></div></div>')


_VARIANT_LAYOUT = {"table": _rows_table, "dl": _rows_dl, "cards": _rows_cards}
ANSWERED_STATE, UNANSWERED_STATE = "已办结", "办理中"  # the state words of variation 0


def message_html(family: str, title: str, details: dict[str, str], variants: Variants = DEFAULT) -> str:
    """The detail block of a message page in the family's layout, or in the site's construction
    variant (``Variants.board_layout``, ``Variants.state_words``)."""
    rows = [("留言标题", title)] + list(details.items())
    if variants.board_layout is None:
        return _MESSAGE_LAYOUT[family]("message", rows)
    words = {ANSWERED_STATE: variants.state_words[0], UNANSWERED_STATE: variants.state_words[1]}
    rows = [(k, words.get(v, v) if k == "办理状态" else v) for k, v in rows]
    if variants.board_layout == "qa":
        return _message_qa(rows)
    return _VARIANT_LAYOUT[variants.board_layout]("message", rows)


BOARD_HEAD: tuple[str, ...] = ("留言标题", "留言时间", "答复状态")  # a message label and a reply label
BOARD_MIN_ROWS = 3  # rows a board list page needs to be told from one message's page (it shows the labels)
UNTAGGED_BOARD_TAG = "ColumnDescription"  # the list-page tag one board list page leaves out (planted)


def board_head_html() -> str:
    """The head of a board list page (construction variation): the field names of its rows."""
    return '<table class="board-head"><tr>' + "".join(f"<th>{k}</th>" for k in BOARD_HEAD) + "</tr></table>\n"


def board_page_rows(col: Column, k: int, group: int = 1) -> int:
    """Messages on HTML list page ``k`` of the board ``col`` (``group``: pages per HTML page, JCMS 3)."""
    size = col.per_page * group
    return max(0, min(col.items, (k + 1) * size) - k * size) if k < col.list_pages else 0


def untagged_board_page(col: Column, group: int = 1) -> int | None:
    """The board list page planted without ``UNTAGGED_BOARD_TAG``: the second when it holds a board's
    rows, else the first; None when neither does."""
    return next((k for k in (1, 0) if board_page_rows(col, k, group) >= BOARD_MIN_ROWS), None)


def guide_html(family: str, details: dict[str, str], links: list[tuple[str, str]]) -> str:
    """The detail block of a guide page; ``links`` are (text, href) of its form and online entries."""
    block = _GUIDE_LAYOUT[family]("guide", list(details.items()))
    if links:
        block += '<div class="guide-links">' + "　".join(
            f'<a href="{escape(href)}" target="_blank">{escape(text)}</a>' for text, href in links) + "</div>"
    return block


def link_href(ctx: Any, item: Any, link: ItemLink) -> str:
    """The href of a guide's extra link on the site ``ctx`` renders."""
    if link.base == "external":
        return ctx.external_base + link.target
    return ctx.href(ctx.layout.attachment_path(item.column, item.index, link.n, link.ext))


# -- ground truth ---------------------------------------------------------------------------

def interaction_truth(gen: SiteGenerator, norm: Callable[[str], str]) -> dict[str, Any]:
    """The manifest's ``interaction`` entry of one site."""
    cal = sim_calendar()
    out: dict[str, Any] = {"statistics_published": False, "messages": [], "guides": [], "surveys": None,
                           "interviews": None}
    for col in gen.columns:
        if col.type == "consult":
            for index in range(col.items):
                plan = message_plan(col, index)
                item = gen.factory.item(col, index)
                asked = plan.asked.date()
                entry: dict[str, Any] = {
                    "url": norm(gen.url(gen.layout.item_path(col, index))), "column": col.id, "title": item.title,
                    "type": plan.type, "category": CATEGORIES[plan.type], "limit_days": plan.limit,
                    "asked": asked.isoformat(), "expect": plan.expect,
                    "replied": plan.replied.date().isoformat() if plan.replied else None,
                    "hidden": list(plan.hidden)}
                end = plan.replied.date() if plan.replied else col.as_of
                entry["working_days"] = cal.between(asked, end)
                entry["calendar_days"] = (end - asked).days
                entry["holidays"] = cal.holidays_between(asked, end)
                entry["makeup_days"] = [d.isoformat() for d in cal.makeup_days_between(asked, end)]
                out["messages"].append(entry)
        elif col.type == "service":
            for index in range(col.items):
                item = gen.factory.item(col, index)
                role = guide_role(index)
                guide: dict[str, Any] = {"url": norm(gen.url(gen.layout.item_path(col, index))), "title": item.title,
                                         "expect": role, "missing": list(GUIDE_MISSING) if role == "incomplete" else [],
                                         "vague": list(VAGUE_PHRASES) if role == "vague" else []}
                for link in item.links:
                    href = norm(gen.origins.origin + link_href(gen.ctx, item, link) if link.base == "file"
                                else link_href(gen.ctx, item, link))
                    guide["form_url" if link.base == "file" else "online_url"] = href
                for att in item.attachments:
                    guide["form_url"] = norm(gen.url(gen.layout.attachment_path(col, index, att.n, att.ext)))
                out["guides"].append(guide)
        elif col.type in ("survey", "interview"):
            cutoff = YEAR.cutoff(col.as_of)
            held = sum(1 for i in range(col.items) if cutoff <= col.item_when(i).date() <= col.as_of)
            entry = {"column": col.id, "url": norm(gen.url(gen.layout.list_path(col, 0))), "activities_in_year": held}
            if col.type == "survey":
                entry["items"] = []
                for index in range(col.items):
                    plan_s = survey_plan(col, index)
                    entry["items"].append({"url": norm(gen.url(gen.layout.item_path(col, index))),
                                           "end": plan_s.end.isoformat(), "expect": plan_s.expect,
                                           "result_date": plan_s.result.isoformat() if plan_s.result else None})
            out["surveys" if col.type == "survey" else "interviews"] = entry
    return out


def interaction_broken_links(gen: SiteGenerator, norm: Callable[[str], str]) -> list[dict[str, Any]]:
    """The guides' planted broken links, in the manifest's ``broken_links`` form."""
    out = []
    for col in gen.columns:
        if col.type != "service":
            continue
        for index in range(min(col.items, len(GUIDE_ROLES))):
            role = guide_role(index)
            if role not in ("form_broken", "online_broken"):
                continue
            item = gen.factory.item(col, index)
            for link in item.links:
                source = norm(gen.url(gen.layout.item_path(col, index)))
                if role == "form_broken" and link.base == "file":
                    out.append({"source": source, "target": norm(gen.origins.origin + link_href(gen.ctx, item, link)),
                                "text": link.text, "resource": "attachment", "scope": "other",
                                "expect": "confirmed", "fault": "404"})
                elif role == "online_broken" and link.base == "external":
                    out.append({"source": source, "target": norm(link_href(gen.ctx, item, link)), "text": link.text,
                                "resource": "external", "scope": "other", "expect": "suspected", "fault": "ext500"})
    return out
