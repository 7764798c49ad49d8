"""我为政府网站找错 reports and 留言, tracked from receipt to close (docs/rectification.md §3).

A report is ``received`` (imported from the national platform's export or entered by hand),
``forwarded`` to the site's sponsor, ``answered`` (the answer to the citizen) and ``closed``.
Deadlines are counted in Chinese working days (:mod:`govwatch.core.workdays`): the day of
receipt is not counted and a deadline is the end (23:59:59 Beijing time) of the N-th working day
after it. The limits come from the rule table's ``public_reports`` section; where the table (or
no table) says nothing, the seed defaults hold: forward within 1 working day; answer 找错 within 3
(seed 001 十三(一)), 留言 咨询 1, 投诉 5, 建议 and 其他 5 (seed 002). A deadline that reaches a
year the calendar lacks is marked ``deadline_estimated`` (Monday–Friday stood in).

All times are Beijing time (aware, Asia/Shanghai); a naive ``datetime`` given to these functions
is taken as Beijing time. Every change writes one audit event (subject ``public_report``) in the
same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from govwatch.core.clock import SHANGHAI
from govwatch.core.identifiers import check_url
from govwatch.core.urls import normalize_url
from govwatch.core.workdays import calendar
from govwatch.registry.errors import RegistryError
from govwatch.registry.public_report_sheet import parse_category, parse_channel, parse_received, read_report_sheet
from govwatch.registry.sites import RegisteredSite, registered_sites
from govwatch.rules.loader import RuleSet
from govwatch.store.db import Store, StoreError
from govwatch.store.public_report_rows import SUBJECT, insert_reports, move_report, report_row, report_rows
from govwatch.store.registry_rows import site_id_of
from govwatch.store.ticket_rows import audit_trail

__all__ = [
    "CHANNELS", "STATES", "STATE_LABELS", "CHANNEL_LABELS", "CATEGORIES", "OPEN_STATES", "STEP_LABELS", "ACTION_LABELS",
    "DEFAULT_FORWARD_WITHIN", "DEFAULT_ANSWER_WITHIN", "PublicReportError", "SiteMatcher",
    "limits", "deadlines", "add_report", "import_reports", "forward_report", "answer_report", "close_report",
    "list_reports", "due_reports", "report_detail", "public_report_figures", "as_beijing", "site_id_for_url",
]

CHANNELS = ("zhaocuo", "message")
STATES = ("received", "forwarded", "answered", "closed")
OPEN_STATES = ("received", "forwarded", "answered")
CHANNEL_LABELS = {"zhaocuo": "找错", "message": "留言"}
STATE_LABELS = {"received": "待转办", "forwarded": "已转办", "answered": "已答复", "closed": "已办结"}
STEP_LABELS = {"forward": "转办", "answer": "答复"}
ACTION_LABELS = {"import": "导入", "add": "登记", "forward": "转办", "answer": "答复", "close": "办结"}  # audit actions
CATEGORIES = ("咨询", "投诉", "建议", "其他")  # 留言 categories as stored (找错: none)
_CATEGORY_KEYS = {"咨询": "consult", "投诉": "complaint", "建议": "suggestion", "其他": "other"}

DEFAULT_FORWARD_WITHIN = 1  # seed 001 十三(一): 1个工作日内转有关网站主办单位处理
DEFAULT_ANSWER_WITHIN = {"zhaocuo": 3,  # seed 001 十三(一): 3个工作日内答复网民
                         "consult": 1, "complaint": 5, "suggestion": 5, "other": 5}  # seed 002
_END_OF_DAY = time(23, 59, 59)
UNMATCHED = "未匹配网站"  # what a report of an unregistered site is listed under


class PublicReportError(ValueError):
    """Bad input for a public report (unknown report, illegal transition, bad file or value): exit code 2."""


# -- times and deadlines ----------------------------------------------------------------------


def as_beijing(moment: datetime | None) -> datetime:
    """``moment`` as an aware Beijing time (now when None; a naive time is taken as Beijing time)."""
    if moment is None:
        return datetime.now(SHANGHAI).replace(microsecond=0)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=SHANGHAI, microsecond=0)
    return moment.astimezone(SHANGHAI).replace(microsecond=0)


def _iso(moment: datetime) -> str:
    return as_beijing(moment).isoformat(timespec="seconds")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(SHANGHAI)


def limits(rules: RuleSet | None) -> tuple[int, dict[str, int]]:
    """(forward limit, answer limits by ``zhaocuo`` / 留言 category key) in working days: the rule
    table's ``public_reports`` section over the seed defaults."""
    section = rules.public_reports if rules is not None else {}
    answer = {**DEFAULT_ANSWER_WITHIN, **(section.get("answer_within") or {})}
    return int(section.get("forward_within", DEFAULT_FORWARD_WITHIN)), answer


def deadlines(channel: str, category: str | None, received_at: datetime,
              rules: RuleSet | None = None) -> tuple[datetime, datetime, bool]:
    """(forward deadline, answer deadline, estimated) for a report received at ``received_at``;
    ``estimated`` when a year the working-day calendar lacks had to be counted Monday–Friday."""
    forward_days, answer_days = limits(rules)
    key = "zhaocuo" if channel == "zhaocuo" else _CATEGORY_KEYS.get(category or "其他", "other")
    cal = calendar()
    start = as_beijing(received_at).date()
    forward_day = cal.deadline(start, forward_days)
    answer_day = cal.deadline(start, answer_days[key])
    estimated = cal.between(start, max(forward_day, answer_day)).estimated
    return (datetime.combine(forward_day, _END_OF_DAY, SHANGHAI), datetime.combine(answer_day, _END_OF_DAY, SHANGHAI),
            estimated)


# -- site matching ------------------------------------------------------------------------------


class SiteMatcher:
    """Finds the registered site a report names: by 网站标识码, then by URL (the homepage, or a page
    inside the site's scope), then by the exact registered name (only when one site has it)."""

    def __init__(self, sites: list[RegisteredSite]) -> None:
        self._by_code = {s.site_code.strip().upper(): s for s in sites if s.site_code}
        self._sites = sites
        names: dict[str, list[RegisteredSite]] = {}
        for s in sites:
            if s.name:
                names.setdefault(s.name.strip(), []).append(s)
        self._by_name = {name: found[0] for name, found in names.items() if len(found) == 1}

    def match(self, site_code: str | None, url: str | None, name: str | None) -> RegisteredSite | None:
        if site_code and (found := self._by_code.get(site_code.strip().upper())):
            return found
        if url and (found := self._by_url(url)):
            return found
        return self._by_name.get(name.strip()) if name else None

    def _by_url(self, text: str) -> RegisteredSite | None:
        raw = text.strip()
        norm = normalize_url(raw if "://" in raw else f"http://{raw}")
        if norm is None:
            return None
        host, path = _host_path(norm)
        best: RegisteredSite | None = None
        for site in self._sites:
            site_host, _ = _host_path(site.url)
            prefix = site.scope_prefix or "/"
            if site_host == host and path.startswith(prefix) and (best is None or len(prefix) > len(best.scope_prefix)):
                best = site
        return best


def _host_path(url: str) -> tuple[str, str]:
    rest = url.split("://", 1)[-1]
    host, _, path = rest.partition("/")
    return host.lower(), "/" + path.split("?", 1)[0]


def _matcher(store: Store) -> SiteMatcher:
    return SiteMatcher(registered_sites(store))


def site_id_for_url(store: Store, url: str) -> int:
    """The id of the site whose homepage is ``url``; :class:`PublicReportError` when there is none."""
    norm, _, _ = check_url(url)
    if norm is None:
        raise PublicReportError(f"「{url}」不是可用的网站首页网址")
    found = site_id_of(store, norm)
    if found is None:
        raise PublicReportError(f"没有首页为 {norm} 的网站（先用 govwatch sites import 登记）")
    return found


# -- adding ------------------------------------------------------------------------------------------


def _channel(value: str) -> str:
    channel = parse_channel(value) if value not in CHANNELS else value
    if channel is None:
        raise PublicReportError(f"未知的渠道「{value}」：应为 找错（zhaocuo）或 留言（message）")
    return channel


def _new_values(*, channel: str, title: str, received_at: datetime, site_id: int | None, site_name: str | None,
                content: str | None, reporter: str | None, category: str | None, external_id: str | None,
                rules: RuleSet | None) -> dict[str, Any]:
    """The column values of a new ``received`` report, with its deadlines."""
    stored_category = parse_category(category) if channel == "message" else None
    received = as_beijing(received_at)
    forward_by, answer_by, estimated = deadlines(channel, stored_category, received, rules)
    return {"channel": channel, "external_id": external_id, "site_id": site_id, "site_name": site_name,
            "category": stored_category, "title": title, "content": content, "reporter": reporter,
            "received_at": _iso(received), "forward_deadline": _iso(forward_by), "answer_deadline": _iso(answer_by),
            "deadline_estimated": estimated, "state": "received"}


def add_report(store: Store, *, channel: str, title: str, received_at: datetime | str, site_id: int | None = None,
               site_name: str | None = None, content: str | None = None, reporter: str | None = None,
               category: str | None = None, external_id: str | None = None, rules: RuleSet | None = None,
               actor: str) -> int:
    """Enter one report by hand; returns its id. Without ``site_id`` the site is matched by
    ``site_name`` (exact registered name); an unmatched report keeps its name and no site.
    Without ``external_id`` govwatch gives one (``GW-000123``). ``received_at`` may be given as text
    (2026-09-30 16:20, ISO …), read as the import reads it."""
    channel = _channel(channel)
    title = (title or "").strip()
    if not title:
        raise PublicReportError("标题不能为空")
    if isinstance(received_at, str):
        parsed = parse_received(received_at)
        if parsed is None:
            raise PublicReportError(f"提交时间「{received_at}」不是日期时间（如 2026-09-30 16:20）")
        received_at = parsed
    external_id = (external_id or "").strip() or None
    if site_id is not None:
        site = next((s for s in registered_sites(store) if s.id == site_id), None)
        if site is None:
            raise PublicReportError(f"没有编号为 {site_id} 的已登记网站")
        site_name = site_name or site.name
    elif site_name:
        found = _matcher(store).match(None, None, site_name)
        site_id = found.id if found is not None else None
    values = _new_values(channel=channel, title=title, received_at=received_at, site_id=site_id,
                         site_name=site_name, content=content, reporter=reporter, category=category,
                         external_id=external_id, rules=rules)
    (report_id,) = insert_reports(store, [(values, {"source": "manual"})], actor=actor, action="add")
    if report_id is None:
        raise PublicReportError(f"{CHANNEL_LABELS[channel]}编号 {external_id} 已存在")
    return report_id


def import_reports(store: Store, path: str | Path, *, channel: str | None = None, rules: RuleSet | None = None,
                   actor: str) -> dict[str, Any]:
    """Import the national platform's export (xlsx/csv), all or nothing: any bad row raises
    :class:`PublicReportError` listing every problem (file, row, column) and nothing is stored.
    Reports already stored (same channel and 编号) are skipped, so re-importing is harmless.
    Returns ``{"rows", "added", "skipped", "unmatched"}`` (unmatched: added without a registered site)."""
    default = _channel(channel) if channel else None
    try:
        sheet = read_report_sheet(path, channel=default)
    except RegistryError as exc:
        raise PublicReportError(str(exc)) from None
    if sheet.problems:
        raise PublicReportError(f"{sheet.path}：{len(sheet.problems)}处问题，未导入任何记录\n" + "\n".join(sheet.problems))
    matcher = _matcher(store)
    reports: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    for row in sheet.rows:
        site = matcher.match(row.site_code, row.url, row.site_name)
        values = _new_values(channel=row.channel, title=row.title, received_at=row.received_at,
                             site_id=site.id if site else None, site_name=row.site_name or (site.name if site else None),
                             content=row.content, reporter=row.reporter, category=row.type_text,
                             external_id=row.external_id, rules=rules)
        reports.append((values, {"source": "import", "file": Path(path).name, "row": row.row, "type": row.type_text,
                                 "site_code": row.site_code, "url": row.url}))
    ids = insert_reports(store, reports, actor=actor, action="import", note=Path(path).name)
    added = [values for (values, _), rid in zip(reports, ids, strict=True) if rid is not None]
    return {"rows": len(sheet.rows), "added": len(added), "skipped": len(ids) - len(added),
            "unmatched": sum(1 for values in added if values["site_id"] is None)}


# -- transitions ----------------------------------------------------------------------------------------


def _report(store: Store, report_id: int) -> dict[str, Any]:
    row = report_row(store, report_id)
    if row is None:
        raise PublicReportError(f"没有编号为 {report_id} 的找错/留言记录")
    return row


def _when(row: dict[str, Any], at: datetime | None, what: str) -> datetime:
    moment = as_beijing(at)
    if moment < _parse(row["received_at"]):
        raise PublicReportError(f"{what}时间 {_iso(moment)} 早于提交时间 {row['received_at']}")
    return moment


def _move(store: Store, row: dict[str, Any], to_state: str, values: dict[str, Any], *, actor: str, action: str,
          note: str | None = None, data: dict[str, Any] | None = None) -> None:
    if not move_report(store, row["id"], from_state=row["state"], to_state=to_state, values=values, actor=actor,
                       action=action, note=note, data=data):
        raise PublicReportError(f"记录 {row['id']} 的状态已被他人改变，请刷新后重试")


def _need(row: dict[str, Any], state: str, doing: str) -> None:
    if row["state"] != state:
        raise PublicReportError(f"记录 {row['id']} 当前为「{STATE_LABELS[row['state']]}」，"
                                f"只有「{STATE_LABELS[state]}」的记录可以{doing}")


def forward_report(store: Store, report_id: int, *, actor: str, at: datetime | None = None) -> None:
    """Record that the report was forwarded to the site's sponsor (received → forwarded)."""
    row = _report(store, report_id)
    _need(row, "received", "转办")
    moment = _when(row, at, "转办")
    late = moment > _parse(row["forward_deadline"])
    _move(store, row, "forwarded", {"forwarded_at": _iso(moment)}, actor=actor, action="forward",
          data={"on_time": not late, "deadline": row["forward_deadline"]})


def answer_report(store: Store, report_id: int, answer: str, *, actor: str, at: datetime | None = None) -> None:
    """Record the answer given to the citizen (forwarded → answered; also received → answered when
    the office answers without forwarding: the forward is then neither on time nor late)."""
    text = (answer or "").strip()
    if not text:
        raise PublicReportError("答复内容不能为空")
    row = _report(store, report_id)
    if row["state"] not in ("received", "forwarded"):
        raise PublicReportError(f"记录 {report_id} 当前为「{STATE_LABELS[row['state']]}」，"
                                "只有待转办或已转办的记录可以答复")
    moment = _when(row, at, "答复")
    late = moment > _parse(row["answer_deadline"])
    _move(store, row, "answered", {"answered_at": _iso(moment), "answer": text}, actor=actor, action="answer",
          data={"on_time": not late, "deadline": row["answer_deadline"]})


def close_report(store: Store, report_id: int, *, actor: str, note: str | None = None,
                 at: datetime | None = None) -> None:
    """Close a report (办结). An answered report closes as it is; one not answered (a duplicate,
    an invalid report) only with ``note`` saying why."""
    row = _report(store, report_id)
    if row["state"] == "closed":
        raise PublicReportError(f"记录 {report_id} 已办结")
    note = (note or "").strip() or None
    if row["state"] != "answered" and note is None:
        raise PublicReportError(f"记录 {report_id} 尚未答复（{STATE_LABELS[row['state']]}），办结须说明理由")
    moment = _when(row, at, "办结")
    _move(store, row, "closed", {"closed_at": _iso(moment)}, actor=actor, action="close", note=note)


# -- reading ---------------------------------------------------------------------------------------------


def _on_time(done: str | None, deadline: str) -> bool | None:
    return None if done is None else done <= deadline


def _pending(row: dict[str, Any]) -> list[tuple[str, datetime]]:
    """The steps the report still waits for, with their deadlines: forward while ``received``,
    answer while ``received`` or ``forwarded`` (an answered or closed report waits for none)."""
    steps: list[tuple[str, datetime]] = []
    if row["state"] == "received":
        steps.append(("forward", _parse(row["forward_deadline"])))
    if row["state"] in ("received", "forwarded"):
        steps.append(("answer", _parse(row["answer_deadline"])))
    return steps


def _view(row: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """A stored row with its labels, site, timeliness and (as of ``now``) overdue steps."""
    moment = as_beijing(now)
    view = dict(row)
    view.update({
        "channel_label": CHANNEL_LABELS.get(row["channel"], row["channel"]),
        "state_label": STATE_LABELS.get(row["state"], row["state"]),
        "site_matched": row["site_id"] is not None,
        "site_label": row.get("site_registered_name") or row["site_name"] or row.get("site_url") or UNMATCHED,
        "deadline_estimated": bool(row["deadline_estimated"]),
        "forward_on_time": _on_time(row["forwarded_at"], row["forward_deadline"]),
        "answer_on_time": _on_time(row["answered_at"], row["answer_deadline"]),
        "overdue_steps": [step for step, deadline in _pending(row) if moment > deadline],
    })
    if not view["site_matched"]:
        view["site_label"] = f"{row['site_name'] or '（未填写）'}（{UNMATCHED}）"
    return view


def list_reports(store: Store, *, site_ids: Iterable[int] | None = None, states: Iterable[str] | None = None,
                 overdue_on: datetime | None = None) -> list[dict[str, Any]]:
    """Reports (row, labels, timeliness), oldest received first; with ``overdue_on`` only those with
    a deadline passed unmet at that time (``overdue_steps`` says which)."""
    chosen = list(states) if states is not None else None
    for state in chosen or ():
        if state not in STATES:
            raise PublicReportError(f"未知的状态「{state}」：应为 {'、'.join(STATES)}")
    rows = [_view(r, overdue_on) for r in report_rows(store, site_ids=site_ids, states=chosen)]
    return [r for r in rows if r["overdue_steps"]] if overdue_on is not None else rows


def due_reports(store: Store, now: datetime, within_hours: float) -> list[dict[str, Any]]:
    """Reminders: reports with a deadline not yet passed, not yet met, within ``within_hours`` of
    ``now``; each with ``due_step`` (forward | answer), ``due_at`` and ``hours_left``, soonest first."""
    moment = as_beijing(now)
    horizon = moment + timedelta(hours=within_hours)
    out: list[dict[str, Any]] = []
    for row in report_rows(store, states=OPEN_STATES):
        upcoming = [(deadline, step) for step, deadline in _pending(row) if moment <= deadline <= horizon]
        if upcoming:
            deadline, step = min(upcoming)
            view = _view(row, moment)
            view.update({"due_step": step, "due_step_label": STEP_LABELS[step], "due_at": _iso(deadline),
                         "hours_left": round((deadline - moment).total_seconds() / 3600, 2)})
            out.append(view)
    out.sort(key=lambda r: (r["due_at"], r["id"]))
    return out


def report_detail(store: Store, report_id: int) -> dict[str, Any]:
    """``{"row": the report as :func:`list_reports` gives it, "events": its audit trail, oldest first}``."""
    return {"row": _view(_report(store, report_id)), "events": audit_trail(store, SUBJECT, report_id)}


def _site_urls(store: Store, site_ids: list[int]) -> dict[int, str]:
    urls: dict[int, str] = {}
    for site_id in site_ids:
        try:
            urls[site_id] = store.site(site_id)["url"]
        except StoreError:
            raise PublicReportError(f"没有编号为 {site_id} 的网站") from None
    return urls


def public_report_figures(store: Store, site_ids: Iterable[int], start: date, end: date, *,
                          as_of: datetime | None = None) -> dict[str, dict[str, int]]:
    """Per site URL (every site asked for, zeros included): the reports received from ``start`` to
    ``end`` (both days inclusive, Beijing time) — ``received``, ``forwarded_on_time``,
    ``forwarded_late``, ``answered_on_time``, ``answered_late``, ``overdue_open`` (not closed and a
    deadline passed unmet at ``as_of``, default now) and ``closed``."""
    if end < start:
        raise PublicReportError(f"统计区间的结束日期 {end} 早于开始日期 {start}")
    ids = list(dict.fromkeys(site_ids))
    urls = _site_urls(store, ids)
    keys = ("received", "forwarded_on_time", "forwarded_late", "answered_on_time", "answered_late",
            "overdue_open", "closed")
    figures = {urls[i]: dict.fromkeys(keys, 0) for i in ids}
    moment = as_beijing(as_of)
    lower = datetime.combine(start, time(), SHANGHAI).isoformat()
    upper = datetime.combine(end + timedelta(days=1), time(), SHANGHAI).isoformat()
    for row in report_rows(store, site_ids=ids, received_from=lower, received_before=upper):
        counts = figures[urls[row["site_id"]]]
        counts["received"] += 1
        for step, done, deadline in (("forwarded", row["forwarded_at"], row["forward_deadline"]),
                                     ("answered", row["answered_at"], row["answer_deadline"])):
            if done is not None:
                counts[f"{step}_{'on_time' if done <= deadline else 'late'}"] += 1
        if row["state"] == "closed":
            counts["closed"] += 1
        elif any(moment > deadline for _, deadline in _pending(row)):
            counts["overdue_open"] += 1
    return figures
