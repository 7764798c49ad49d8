"""The events worth pushing (docs/service.md "Events and messages"), each with its Chinese message.

Every builder is pure: the facts in, :class:`Event` s out, nothing read or written. An event's
``dedupe_key`` names the fact, not the moment it was noticed, so running a builder again on the
same facts gives the same keys and the outbox (unique on dedupe key, recipient and channel) never
holds the same alert twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from govwatch.alerts.state import Transition
from govwatch.core.catalogue import catalogue, problem_id
from govwatch.core.clock import SHANGHAI
from govwatch.core.model import Finding
from govwatch.core.serviceconfig import EVENT_KINDS, SEVERITIES, AlertPolicy
from govwatch.rules.engine import EngineFinding, SiteProfile, matches
from govwatch.rules.loader import RuleSet
from govwatch.scoring.deadlines import Deadline
from govwatch.scoring.diff import match_findings

__all__ = ["Event", "SiteLike", "SiteRef", "column_due_events", "homepage_updates_event", "new_findings_events",
           "public_report_event", "ticket_overdue_event", "transition_event", "veto_class", "veto_risk_event",
           "counterfeit_event"]

_LISTED = 5  # findings named in one message; the rest are counted ("等N处")


class SiteLike(Protocol):
    """What a builder needs of a site (a registry ``RegisteredSite`` or a :class:`SiteRef`)."""

    @property
    def url(self) -> str: ...

    @property
    def name(self) -> str | None: ...

    @property
    def org_code(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class SiteRef:
    """A site named by hand (a configured site outside the registry, a test)."""

    url: str
    name: str | None = None
    org_code: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """One fact worth telling people, with its message (``title``/``text``, Chinese)."""

    kind: str  # one of EVENT_KINDS
    severity: str  # info | warning | critical
    site_url: str
    site_name: str | None
    org_code: str | None
    target_url: str
    title: str
    text: str
    dedupe_key: str
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)

    def to_payload(self) -> dict[str, Any]:
        """Plain JSON-ready values (the outbox row's ``payload``)."""
        return {"kind": self.kind, "severity": self.severity, "site_url": self.site_url, "site_name": self.site_name,
                "org_code": self.org_code, "target_url": self.target_url, "title": self.title, "text": self.text,
                "dedupe_key": self.dedupe_key, "at": self.at.isoformat(), "data": self.data}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Event:
        """The event a :meth:`to_payload` dict describes; ValueError naming the field at fault."""
        try:
            event = cls(kind=str(payload["kind"]), severity=str(payload["severity"]), site_url=str(payload["site_url"]),
                        site_name=payload.get("site_name"), org_code=payload.get("org_code"),
                        target_url=str(payload["target_url"]), title=str(payload["title"]),
                        text=str(payload["text"]), dedupe_key=str(payload["dedupe_key"]),
                        at=datetime.fromisoformat(str(payload["at"])), data=dict(payload.get("data") or {}))
        except KeyError as exc:
            raise ValueError(f"event payload lacks {exc.args[0]}") from None
        except (TypeError, ValueError) as exc:
            raise ValueError(f"event payload {payload.get('dedupe_key')!r}: {exc}") from None
        if event.kind not in EVENT_KINDS:
            raise ValueError(f"event payload {event.dedupe_key!r}: kind {event.kind!r} is not one of "
                             f"{', '.join(EVENT_KINDS)}")
        if event.severity not in SEVERITIES:
            raise ValueError(f"event payload {event.dedupe_key!r}: severity {event.severity!r} is not one of "
                             f"{', '.join(SEVERITIES)}")
        return event


# -- wording helpers ----------------------------------------------------------------------------


def _when(at: datetime) -> str:
    """``2026-12-04 10:20`` in Beijing time (naive datetimes are taken as Beijing time)."""
    return (at.astimezone(SHANGHAI) if at.tzinfo else at).strftime("%Y-%m-%d %H:%M")


def _duration(span: timedelta) -> str:
    minutes = max(0, int(span.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{minutes}分钟" if minutes else f"{hours}小时"
    return f"{minutes}分钟"


def _percent(share: float) -> str:
    """0.03 → ``3%``, 0.0357 → ``3.6%``."""
    return f"{share * 100:.1f}".rstrip("0").rstrip(".") + "%"


def _site_label(site_url: str, site_name: str | None) -> str:
    return site_name or site_url


def _fact_key(parts: Iterable[str]) -> str:
    """A short stable key for a set of facts (fingerprints), whatever their order."""
    return hashlib.sha1("\x1f".join(sorted(parts)).encode("utf-8")).hexdigest()[:12]


# -- target transitions (alerts/state.py) -------------------------------------------------------

_TARGET_WORDS = {  # target kind -> (how the target is named, what to check)
    "site": ("首页", "请立即检查服务器和网络"),
    "column": ("栏目", "请检查栏目页面和网站内容管理系统"),
    "system": ("在线办事系统", "请联系系统运维单位检查"),
}


def _target_name(kind: str, site: str, target_url: str, target_name: str | None) -> str:
    what = _TARGET_WORDS[kind][0]
    if kind == "site":
        return f"{site}{what}"
    return f"{site}{what}「{target_name}」" if target_name else f"{site}{what}（{target_url}）"


def transition_event(transition: Transition, site_name: str | None, org_code: str | None,
                     target_kind: str | None = None, *, target_name: str | None = None) -> Event:
    """The event of an alert-state transition: ``site_down`` / ``site_recovered`` for a site's homepage,
    ``column_down`` / ``column_recovered`` for a key column or a business system (``data["target_kind"]``
    tells which). Reminders, flapping and escalation are events of the down kind with
    ``data["reminder"]`` / ``data["flapping"]`` / ``data["escalate"]`` and their own dedupe keys."""
    state = transition.state
    kind = target_kind or state.target_kind
    prefix = "site" if kind == "site" else "column"
    target_url = state.target_url
    site = _site_label(state.site_url, site_name)
    named = _target_name(kind, site, target_url, target_name)
    check = _TARGET_WORDS[kind][1]
    at = transition.at
    down_since = transition.down_since or state.since
    cause = f"（{transition.error}，最近一次 {_when(at)}）" if transition.error else f"（最近一次 {_when(at)}）"
    where = "" if kind == "site" else f"（{target_url}）"
    data: dict[str, Any] = {"target_kind": kind, "target_name": target_name, "transition": transition.kind,
                            "streak": transition.streak, "error": transition.error,
                            "down_since": transition.down_since.isoformat() if transition.down_since else None}
    base = f"{prefix}_down:{target_url}:{down_since.isoformat()}"
    if transition.kind == "down":
        title = f"【预警】{named}无法访问"
        text = f"{named}{where}已连续{transition.streak}次无法访问{cause}。{check}，恢复后系统将自动通知。"
        return _event(f"{prefix}_down", "critical", state.site_url, site_name, org_code, target_url, title, text,
                      base, at, data)
    if transition.kind == "recovered":
        lasted = f"，中断约{_duration(at - transition.down_since)}" if transition.down_since else ""
        title = f"【恢复】{named}已恢复访问"
        text = (f"{named}{where}已恢复访问（连续{transition.streak}次访问正常，{_when(at)}{lasted}）。"
                "请核查故障原因并做好记录。")
        return _event(f"{prefix}_recovered", "info", state.site_url, site_name, org_code, target_url, title, text,
                      f"{prefix}_recovered:{target_url}:{state.since.isoformat()}", at, data)
    if transition.kind == "reminder":
        title = f"【提醒】{named}仍无法访问"
        text = (f"{named}{where}自 {_when(down_since)} 起无法访问，已持续{_duration(at - down_since)}"
                f"（连续{transition.streak}次访问失败{'，' + transition.error if transition.error else ''}）。"
                f"{check}，尽快恢复；恢复后系统将自动通知。")
        return _event(f"{prefix}_down", "critical", state.site_url, site_name, org_code, target_url, title, text,
                      f"{base}:reminder:{at.isoformat()}", at, {**data, "reminder": True})
    if transition.kind == "escalate":
        title = f"【升级】{named}无法访问已{_duration(at - down_since)}无人确认"
        text = (f"{named}{where}自 {_when(down_since)} 起无法访问，已持续{_duration(at - down_since)}，"
                f"预警至今无人确认。请督促{site}的主办单位立即处理。")
        return _event(f"{prefix}_down", "critical", state.site_url, site_name, org_code, target_url, title, text,
                      f"{base}:escalate", at, {**data, "escalate": True})
    if transition.kind == "flapping":
        latest = f"，最近错误：{transition.error}" if transition.error else ""
        title = f"【预警】{named}访问时好时坏"
        text = (f"{named}{where}近期在可访问与无法访问之间反复变化{transition.streak}次"
                f"（当前{'无法访问' if state.state in ('down', 'pending') else '可访问'}{latest}，{_when(at)}）。"
                f"{check}及防护设备；状态稳定前，中断与恢复消息合并为定期一条。")
        return _event(f"{prefix}_down", "warning", state.site_url, site_name, org_code, target_url, title, text,
                      f"{prefix}_down:{target_url}:flapping:{at.isoformat()}", at, {**data, "flapping": True})
    raise ValueError(f"not a transition kind: {transition.kind!r}")


def _event(kind: str, severity: str, site_url: str, site_name: str | None, org_code: str | None, target_url: str,
           title: str, text: str, dedupe_key: str, at: datetime, data: dict[str, Any]) -> Event:
    return Event(kind, severity, site_url, site_name, org_code, target_url, title, text, dedupe_key, at, data)


# -- availability approaching the veto ----------------------------------------------------------


def veto_risk_event(site: SiteLike, ratio: float, failed: int, visits: int, window_days: int, share: float,
                    veto_share: float, *, at: datetime) -> Event | None:
    """``veto_risk`` when the homepage's failure share over the availability window reaches ``share``
    (``alerting.veto_risk_share``) — before the rule table's veto share (``availability.max_failure_ratio``,
    0.05 in the shipped tables) — or already reached it. One event per site, step and day."""
    if visits <= 0 or ratio < share:
        return None
    reached = ratio >= veto_share
    step = "veto" if reached else "risk"
    name = _site_label(site.url, site.name)
    if reached:
        title = f"【预警】{name}首页可用性已达单项否决线"
        verdict = f"已达到单项否决线{_percent(veto_share)}，网站将被判为不合格"
    else:
        title = f"【预警】{name}首页可用性接近单项否决线"
        verdict = f"已超过预警线{_percent(share)}，接近单项否决线{_percent(veto_share)}"
    text = (f"{name}首页近{window_days}天监测访问{visits}次，失败{failed}次，失败比例{_percent(ratio)}，{verdict}。"
            "请立即排查服务器、网络和防护设备，保证首页稳定可访问。")
    data = {"ratio": ratio, "failed": failed, "visits": visits, "window_days": window_days, "share": share,
            "veto_share": veto_share, "step": step}
    day = _local_day(at)
    return _event("veto_risk", "critical" if reached else "warning", site.url, site.name, site.org_code, site.url,
                  title, text, f"veto_risk:{site.url}:{step}:{day.isoformat()}", at, data)


def _local_day(at: datetime) -> date:
    return (at.astimezone(SHANGHAI) if at.tzinfo else at).date()


# -- update deadlines (scoring/deadlines.py, `govwatch warnings`) -------------------------------


def column_due_events(site: SiteLike, deadline_rows: Iterable[Deadline], as_of: date, warn_days: int,
                      *, at: datetime | None = None) -> list[Event]:
    """``column_due`` for each column (and the homepage) whose update deadline is ``warn_days`` days
    away or nearer, is today, or has passed — the rows of :func:`~govwatch.scoring.deadlines.upcoming_deadlines`,
    days counted from ``as_of``. The dedupe key holds the step (``warn`` / ``last_day`` / ``overdue``),
    so each column is told at most three times per deadline."""
    when = at or datetime.combine(as_of, time(8, 0), SHANGHAI)
    events = []
    for row in deadline_rows:
        if row.site_url != site.url or not row.expires:
            continue
        expires = date.fromisoformat(row.expires)
        left = (expires - as_of).days
        if left > warn_days:
            continue
        events.append(_column_due(site, row, expires, left, when))
    return events


def _column_due(site: SiteLike, row: Deadline, expires: date, left: int, at: datetime) -> Event:
    name = _site_label(site.url, site.name)
    target = f"{name}首页" if row.type == "homepage" else f"{name}「{row.column}」栏目"
    rule = f"按“{row.window}内须有更新”的要求" if row.window else "按评分表的更新要求"
    last = f"最近一次更新为{row.last_update}" if row.last_update else "未找到有日期的更新"
    if left < 0:
        step, title = "overdue", f"【预警】{target}已超过更新期限{-left}天"
        ask = "请立即发布新信息；栏目不更新达到单项否决标准时网站将被判为不合格。"
        tail = f"最后期限为{expires.isoformat()}，已超期{-left}天"
    elif left == 0:
        step, title = "last_day", f"【预警】{target}今天是更新期限最后一天"
        ask = "请今天内发布新信息，避免被判为栏目不更新。"
        tail = f"最后期限为今天（{expires.isoformat()}）"
    else:
        step, title = "warn", f"【预警】{target}{left}天后到更新期限"
        ask = "请在期限前发布新信息，避免被判为栏目不更新。"
        tail = f"最后期限为{expires.isoformat()}，还剩{left}天"
    text = f"{target}（{row.url}）{last}，{rule}，{tail}。{ask}"
    data = {"column": row.column, "type": row.type, "last_update": row.last_update, "window": row.window,
            "expires": row.expires, "days_left": left, "step": step, "run_id": row.run_id}
    return _event("column_due", "warning", site.url, site.name, site.org_code, row.url, title, text,
                  f"column_due:{row.url}:{row.expires}:{step}", at, data)


def homepage_updates_event(site: SiteLike, count: int, required: int, window_days: int, *,
                           at: datetime) -> Event | None:
    """``homepage_updates_low`` when the homepage shows fewer dated updates in the window than the
    rule table asks (``homepage.min_items``); one event per site and day."""
    if count >= required:
        return None
    name = _site_label(site.url, site.name)
    title = f"【预警】{name}首页更新量不足"
    text = (f"{name}首页近{window_days}天更新{count}条，少于评分表要求的{required}条。"
            "请及时在首页发布工作动态、通知公告等信息。")
    data = {"count": count, "required": required, "window_days": window_days}
    return _event("homepage_updates_low", "warning", site.url, site.name, site.org_code, site.url, title, text,
                  f"homepage_updates_low:{site.url}:{_local_day(at).isoformat()}", at, data)


# -- new findings after a patrol or a scan ------------------------------------------------------


def veto_class(finding: Finding, ruleset: RuleSet, profile: SiteProfile | None = None) -> str | None:
    """The veto (``"V1 安全、泄密事故等严重问题：严重表述错误"``) that this finding alone triggers under
    ``ruleset`` — a veto condition it matches whose ``min`` is 1 — or None. The rule table's own
    matching (rules/engine.py) decides, so a serious wording error is veto-class, a plain one not."""
    candidate = EngineFinding(id="", finding=finding)
    site = profile or SiteProfile()
    for veto in ruleset.data["vetoes"]:
        for condition in veto["conditions"]:
            if int(condition.get("min", 1)) <= 1 and any(matches(s, candidate, site) for s in condition["match"]):
                return f"{veto['id']} {veto['name']}：{condition['label']}"
    return None


def new_findings_events(site: SiteLike, previous_findings: Iterable[Finding], current_findings: Iterable[Finding],
                        *, ruleset: RuleSet, at: datetime, immediate_kinds: Sequence[str] | None = None,
                        profile: SiteProfile | None = None, run_id: int | None = None) -> list[Event]:
    """Events for the findings of the current run that the previous one did not have (matched by
    fingerprint, :func:`~govwatch.scoring.diff.match_findings`), one per event kind and finding kind:
    ``new_veto_finding`` (critical, sent at once) for findings that alone trigger a veto of ``ruleset``
    and for ``immediate_kinds`` (``alerting.immediate_kinds``; None: its default), ``new_finding`` (info, for the daily
    digest) for the rest. The dedupe key names the set of findings, so the same new findings are
    never told twice."""
    new, _, _ = match_findings(previous_findings, current_findings)
    if immediate_kinds is None:
        immediate_kinds = AlertPolicy().immediate_kinds
    groups: dict[tuple[str, str], list[tuple[Finding, str | None]]] = {}
    for f in new:
        veto = veto_class(f, ruleset, profile)
        urgent = veto is not None or f.kind in immediate_kinds
        groups.setdefault(("new_veto_finding" if urgent else "new_finding", f.kind), []).append((f, veto))
    return [_findings_event(site, kind, finding_kind, found, at, run_id)
            for (kind, finding_kind), found in groups.items()]


def _findings_event(site: SiteLike, kind: str, finding_kind: str, found: list[tuple[Finding, str | None]],
                    at: datetime, run_id: int | None) -> Event:
    name = _site_label(site.url, site.name)
    book = catalogue()
    label = book.label(finding_kind)
    urls = list(dict.fromkeys(f.url for f, _ in found))
    places = "、".join(urls[:_LISTED]) + (f"等{len(urls)}个页面" if len(urls) > _LISTED else "")
    vetoes = sorted({v for _, v in found if v})
    remedy = book.remediation(finding_kind)
    if kind == "new_veto_finding":
        title = f"【预警】{name}新发现{label}{len(found)}处"
        why = (f"此类问题属于单项否决情形（{'；'.join(vetoes)}），一经确认网站将被判为不合格" if vetoes
               else "此类问题须立即处理")
        text = f"{name}在最近一次检查中新发现{label}{len(found)}处，见{places}。{why}。请{remedy}，处理后申请复查。"
        severity = "critical"
    else:
        title = f"【提醒】{name}新发现{label}{len(found)}处"
        text = f"{name}在最近一次检查中新发现{label}{len(found)}处，见{places}。请{remedy}。"
        severity = "info"
    fingerprints = [f.fingerprint for f, _ in found]
    data = {"finding_kind": finding_kind, "label": label, "count": len(found), "vetoes": vetoes, "run_id": run_id,
            "findings": [{"id": problem_id(f), "url": f.url, "target": f.target, "message": f.message,
                          "fingerprint": f.fingerprint, "veto": v} for f, v in found]}
    return _event(kind, severity, site.url, site.name, site.org_code, urls[0], title, text,
                  f"{kind}:{site.url}:{finding_kind}:{_fact_key(fingerprints)}", at, data)


# -- the rectification loop (docs/rectification.md "Alerts of the loop") -----------------------

_TICKET_STATES = {"notified": "已通知", "returned": "退回"}
_PUBLIC_CHANNELS = {"zhaocuo": "“我为政府网站找错”问题", "message": "网民留言"}
_REPORT_STEPS = {"forward": "转办", "answer": "答复"}


def ticket_overdue_event(site: SiteLike, ticket: dict[str, Any], today: date, *, at: datetime) -> Event | None:
    """``ticket_overdue`` for a rectification ticket (a ``rectify_tickets`` row, state ``notified`` or
    ``returned``) whose deadline passed before ``today``; None when it has not. The message names the
    unit, the problem ID, the deadline and the days overdue; the dedupe key is the ticket and its
    deadline (a new deadline is told again, the same one once)."""
    deadline = date.fromisoformat(str(ticket["deadline"])[:10])
    late = (today - deadline).days
    if late <= 0:
        return None
    name = _site_label(site.url, site.name)
    problem = str(ticket["problem_id"])
    label = catalogue().label(str(ticket["kind"]))
    state = _TICKET_STATES.get(str(ticket["state"]), str(ticket["state"]))
    title = f"【预警】{name}整改问题{problem}已逾期{late}天"
    text = (f"{name}的整改问题{problem}（{label}：{ticket['message']}，见{ticket['url']}）整改期限为"
            f"{deadline.isoformat()}，已逾期{late}天，工单仍为“{state}”状态，未反馈整改结果。"
            "请督促责任单位立即整改并反馈，整改完成后申请复查。")
    data = {"ticket_id": int(ticket["id"]), "problem_id": problem, "deadline": deadline.isoformat(),
            "days_overdue": late, "state": ticket["state"], "finding_kind": ticket["kind"]}
    return _event("ticket_overdue", "warning", site.url, site.name, site.org_code, str(ticket["url"]), title, text,
                  f"ticket_overdue:{ticket['id']}:{deadline.isoformat()}", at, data)


def public_report_event(site: SiteLike, report: dict[str, Any], step: str, deadline: datetime,
                        now: datetime) -> Event:
    """The alert of one open step of a 找错 report or a 留言 (a ``public_reports`` row; ``step``
    ``forward`` 转办 or ``answer`` 答复, due at ``deadline``): ``public_report_due`` (a reminder) while
    the deadline is ahead of ``now``, ``public_report_overdue`` once it passed. The dedupe key is the
    report, the step and its deadline, so each is told once."""
    if deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=SHANGHAI)
    what = _REPORT_STEPS.get(step, step)
    left = deadline - now
    name = _site_label(site.url, site.name)
    channel = _PUBLIC_CHANNELS.get(str(report["channel"]), str(report["channel"]))
    ref = f"{channel}（编号{report['external_id']}，“{report['title']}”）"
    data = {"report_id": int(report["id"]), "channel": report["channel"], "external_id": report["external_id"],
            "step": step, "deadline": deadline.isoformat()}
    key = f"{report['channel']}:{report['external_id']}:{step}:{deadline.isoformat()}"
    if left.total_seconds() <= 0:
        title = f"【预警】{name}的{channel}已超过{what}期限"
        text = (f"{name}收到的{ref}应于{_when(deadline)}前{what}，已超期{_duration(-left)}，仍未{what}。"
                f"请立即{what}并在平台登记办理结果。")
        return _event("public_report_overdue", "warning", site.url, site.name, site.org_code, site.url, title, text,
                      f"public_report_overdue:{key}", now, {**data, "overdue": _duration(-left)})
    title = f"【提醒】{name}的{channel}将于{_when(deadline)}到{what}期限"
    text = f"{name}收到的{ref}应于{_when(deadline)}前{what}，还剩{_duration(left)}。请在期限前{what}，逾期将计入考核。"
    return _event("public_report_due", "warning", site.url, site.name, site.org_code, site.url, title, text,
                  f"public_report_due:{key}", now, {**data, "left": _duration(left)})


_LOOKALIKE_WORDS = {"prefix": "在本站域名前加字符", "suffix": "换用其他后缀", "hyphen": "gov/cn加连字符或连写",
                    "homoglyph": "形近字符替换", "pinyin": "拼音变体", "typo": "拼写错误"}


def counterfeit_event(site: SiteLike, suspect: dict[str, Any], *, at: datetime) -> Event:
    """``counterfeit_site`` for an open ``counterfeit_suspects`` row (docs/counterfeit.md): critical for a
    counterfeit, warning for a suspect. The message names the page, its host, what it copies of the
    site's identity and what the office is to do; the dedupe key is the row, so each page is told once."""
    name = _site_label(site.url, site.name)
    evidence = suspect.get("evidence") or {}
    host = (evidence.get("host") or {})
    kind = _LOOKALIKE_WORDS.get(str(host.get("lookalike")), "")
    shown = "、".join(f"{i.get('label')}{i.get('value')}" for i in evidence.get("identifiers") or []
                     if i.get("which") != "name")
    confirmed = suspect["verdict"] == "counterfeit"
    what = "假冒网站" if confirmed else "疑似假冒网站"
    title = f"【预警】发现{name}的{what}"
    text = (f"发现{what}：{suspect['url']}（主机 {suspect['host']}" + (f"，{kind}的相似域名" if kind else "") + "）"
            + (f"，冒用{name}的{shown}" if shown else f"，冒用{name}的身份")
            + f"，置信度{float(suspect['confidence']):.2f}。请核实后向网信、公安等主管部门报告，并在本站发布提示，"
              "防止公众受骗。")
    data = {"suspect_id": int(suspect["id"]), "verdict": suspect["verdict"], "host": suspect["host"],
            "confidence": suspect["confidence"], "lookalike": host.get("lookalike")}
    return _event("counterfeit_site", "critical" if confirmed else "warning", site.url, site.name, site.org_code,
                  str(suspect["url"]), title, text, f"counterfeit_site:{suspect['id']}", at, data)
