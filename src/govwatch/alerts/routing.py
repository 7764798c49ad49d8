"""Routing (docs/service.md "Routing and delivery"): one event → the outbox rows it becomes, purely.

:func:`route` crosses the routing rules (``alerts[]``) with the recipients and channels they name:

- a rule takes an event when it lists the event's kind, the event is at ``min_severity`` or above,
  and its ``orgs`` cover the event (``all``; an org code covers its whole subtree of the org tree;
  a site URL covers that site);
- a rule's ``channels`` get the event directly (the recipient of such a row is the channel's name);
  a rule's ``recipients`` get it through each of their channels when their own ``orgs``/``sites``
  cover the event too;
- an escalation (``data.escalate``) goes instead to the recipients of the next org level up that has
  any (recipients whose ``orgs`` name the site's parent org, else the grandparent …).

Each (recipient, channel) pair gives one row. Its state says what happens to it:

- ``suppressed`` (kept for the record, never sent): an active 临时报备 filing of the site covering the
  event's kind, a maintenance window of the config, or inhibition — while a site is down its
  column and link events are not told (``inhibited by site down``);
- ``held`` until the digest time: ``new_finding`` and the other ``info`` events that are not a
  recovery (the recipient's ``digest_at``, else ``alerting.digest_at``);
- ``held`` until quiet hours end: quiet hours of the service, the channel or the recipient (any
  of them) cover the event's time and do not except its kind or severity;
- ``pending`` otherwise, due at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from govwatch.alerts.events import Event
from govwatch.core.clock import SHANGHAI
from govwatch.core.serviceconfig import SEVERITIES, MaintenanceWindow, QuietHours, Recipient, ServiceConfig
from govwatch.store.service_rows import OutboxRow, stamp

__all__ = ["FILING_KINDS", "INHIBITED_BY_SITE_DOWN", "Filing", "RegistryView", "covered_by_filing", "digest_time",
           "filing_covering", "for_digest", "in_maintenance", "maintenance_covering", "quiet_until", "route"]

INHIBITED_BY_SITE_DOWN = "inhibited by site down"
# Event kinds → the finding kinds a filing names for them (a filing may also name the event kind itself).
FILING_KINDS: dict[str, tuple[str, ...]] = {
    "site_down": ("site_unreachable", "homepage_visits_failed"),
    "site_recovered": ("site_unreachable", "homepage_visits_failed"),
    "veto_risk": ("site_unreachable", "homepage_visits_failed"),
    "column_down": ("site_unreachable", "column_unreadable", "online_system_unreachable"),
    "column_recovered": ("site_unreachable", "column_unreadable", "online_system_unreachable"),
    "column_due": ("stale_column", "blank_column", "homepage_not_updated"),
    "homepage_updates_low": ("homepage_few_updates", "homepage_not_updated"),
}
# Finding kinds whose new findings say nothing while the site is down (its pages and links fail with it).
_LINK_FINDING_KINDS = frozenset({"broken_link", "column_unreadable", "site_unreachable", "online_system_unreachable"})
_IMMEDIATE_INFO_KINDS = frozenset({"site_recovered", "column_recovered", "test"})  # info, yet told at once


@dataclass(frozen=True, slots=True)
class Filing:
    """An active-or-not 临时报备 of a site: days ``starts``..``ends`` inclusive, ``kinds`` None = all."""

    id: int
    starts: date
    ends: date
    reason: str
    kinds: tuple[str, ...] | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Filing:
        """From a ``filings`` row (registry.filings.active_filings)."""
        kinds = row.get("kinds")
        return cls(int(row["id"]), date.fromisoformat(str(row["starts"])[:10]), date.fromisoformat(str(row["ends"])[:10]),
                   str(row.get("reason") or ""), tuple(kinds) if kinds else None)


@dataclass(frozen=True, slots=True)
class RegistryView:
    """What routing needs to know of the registry and of the alert states, read by the caller.

    ``org_parents``: org code → its parent's code (None at the top); ``site_ids``: site URL → the
    ``sites`` id; ``filings``: site URL → its filings; ``down_sites``: sites whose homepage is down."""

    org_parents: Mapping[str, str | None] = field(default_factory=dict)
    site_ids: Mapping[str, int] = field(default_factory=dict)
    filings: Mapping[str, tuple[Filing, ...]] = field(default_factory=dict)
    down_sites: frozenset[str] = frozenset()

    def ancestors(self, code: str | None) -> list[str]:
        """The org codes above ``code``, its parent first (stops at a repeated code)."""
        out: list[str] = []
        current = self.org_parents.get(code) if code else None
        while current is not None and current not in out and current != code:
            out.append(current)
            current = self.org_parents.get(current)
        return out

    def within(self, code: str | None, ancestor: str) -> bool:
        """Whether org ``code`` is ``ancestor`` or below it in the org tree."""
        return code is not None and (code == ancestor or ancestor in self.ancestors(code))


def _local(at: datetime) -> datetime:
    """``at`` in Beijing time (naive times are Beijing time)."""
    return at.astimezone(SHANGHAI) if at.tzinfo is not None else at.replace(tzinfo=SHANGHAI)


def _rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0


# -- suppression --------------------------------------------------------------------------------


def filing_covering(filings: Iterable[Filing], names: Iterable[str], day: date) -> Filing | None:
    """The filing active on ``day`` that covers any of ``names`` (event or finding kinds), if any."""
    wanted = set(names)
    for filing in filings:
        if filing.starts <= day <= filing.ends and (filing.kinds is None or wanted & set(filing.kinds)):
            return filing
    return None


def covered_by_filing(event: Event, filings: Iterable[Filing]) -> Filing | None:
    """The filing active on the event's (Beijing) day that covers its kind, if any (never a ``test``)."""
    if event.kind == "test":
        return None
    finding_kind = event.data.get("finding_kind")
    names = {event.kind, *FILING_KINDS.get(event.kind, ()), *((finding_kind,) if finding_kind else ())}
    return filing_covering(filings, names, _local(event.at).date())


def _moment(text: str) -> datetime | time:
    if len(text) <= 8 and ":" in text and "-" not in text:
        return time.fromisoformat(text)
    return datetime.fromisoformat(text)


def _in_daily(start: time, end: time, clock: time) -> bool:
    return start <= clock < end if start < end else (clock >= start or clock < end)


def maintenance_covering(windows: Iterable[MaintenanceWindow], site_url: str, kind: str,
                         at: datetime) -> MaintenanceWindow | None:
    """The maintenance window of ``site_url`` and event ``kind`` that contains ``at``, if any."""
    local = _local(at)
    for window in windows:
        if site_url not in window.targets or (window.kinds and kind not in window.kinds):
            continue
        start, end = _moment(window.starts), _moment(window.ends)
        if isinstance(start, datetime) and isinstance(end, datetime):
            if _local(start) <= local < _local(end):
                return window
        elif isinstance(start, time) and isinstance(end, time) and _in_daily(start, end, local.time()):
            return window
    return None


def in_maintenance(event: Event, windows: Iterable[MaintenanceWindow]) -> MaintenanceWindow | None:
    """The maintenance window of the event's site and kind that contains the event's time, if any."""
    return None if event.kind == "test" else maintenance_covering(windows, event.site_url, event.kind, event.at)


def _inhibited(event: Event, view: RegistryView) -> bool:
    if event.site_url not in view.down_sites:
        return False
    if event.kind in ("column_down", "column_recovered"):
        return True
    return event.kind in ("new_finding", "new_veto_finding") and event.data.get("finding_kind") in _LINK_FINDING_KINDS


def _suppression(event: Event, config: ServiceConfig, view: RegistryView) -> str | None:
    filing = covered_by_filing(event, view.filings.get(event.site_url, ()))
    if filing is not None:
        return f"suppressed: 临时报备 #{filing.id} {filing.starts.isoformat()}–{filing.ends.isoformat()}（{filing.reason}）"
    window = in_maintenance(event, config.maintenance)
    if window is not None:
        return f"suppressed: maintenance window {window.starts}–{window.ends}"
    if _inhibited(event, view):
        return INHIBITED_BY_SITE_DOWN
    return None


# -- holding ------------------------------------------------------------------------------------


def quiet_until(quiet: QuietHours | None, event: Event) -> datetime | None:
    """When ``quiet`` hours covering the event's time end (an aware time), or None when they do not
    cover it or except its kind or severity."""
    if quiet is None or event.kind in quiet.except_kinds:
        return None
    if quiet.min_severity is not None and _rank(event.severity) >= _rank(quiet.min_severity):
        return None
    local = _local(event.at)
    if not _in_daily(quiet.start, quiet.end, local.time()):
        return None
    end = datetime.combine(local.date(), quiet.end, SHANGHAI)
    return end if end > local else end + timedelta(days=1)


def digest_time(event: Event, recipient: Recipient | None, config: ServiceConfig) -> datetime:
    """The next daily digest of the recipient after the event (its ``digest_at``, else the service's)."""
    at = (recipient.digest_at if recipient is not None else None) or config.alerting.digest_at
    local = _local(event.at)
    moment = datetime.combine(local.date(), at, SHANGHAI)
    return moment if moment > local else moment + timedelta(days=1)


def for_digest(event: Event) -> bool:
    """Whether the event waits for the daily digest: ``new_finding`` and info events but recoveries."""
    return event.kind == "new_finding" or (event.severity == "info" and event.kind not in _IMMEDIATE_INFO_KINDS)


def _hold(event: Event, config: ServiceConfig, recipient: Recipient | None, channel: str) -> tuple[datetime, str] | None:
    if for_digest(event):
        return digest_time(event, recipient, config), "held: daily digest"
    channel_config = next((c for c in config.channels if c.name == channel), None)
    ends = [end for end in (quiet_until(config.quiet_hours, event),
                            quiet_until(channel_config.quiet_hours if channel_config else None, event),
                            quiet_until(recipient.quiet_hours if recipient else None, event)) if end is not None]
    if not ends:
        return None
    until = max(ends)
    return until, f"held: quiet hours until {until.strftime('%H:%M')}"


# -- who gets the event -------------------------------------------------------------------------


def _covers(scope: Iterable[str], event: Event, view: RegistryView) -> bool:
    for entry in scope:
        if entry == "all" or entry == event.site_url:
            return True
        if not entry.startswith(("http://", "https://")) and view.within(event.org_code, entry):
            return True
    return False


def _recipient_covers(recipient: Recipient, event: Event, view: RegistryView) -> bool:
    return event.site_url in recipient.sites or _covers(recipient.orgs, event, view)


def _escalation_recipients(event: Event, config: ServiceConfig, view: RegistryView) -> list[Recipient]:
    for level in view.ancestors(event.org_code):
        found = [r for r in config.recipients if level in r.orgs]
        if found:
            return found
    return []


def _destinations(event: Event, config: ServiceConfig, view: RegistryView) -> list[tuple[Recipient | None, str]]:
    """(recipient or None for a rule's own channel, channel name) pairs, each once."""
    pairs: dict[tuple[str, str], tuple[Recipient | None, str]] = {}
    if event.data.get("escalate"):
        for recipient in _escalation_recipients(event, config, view):
            for channel in recipient.channels:
                pairs.setdefault((recipient.name, channel), (recipient, channel))
        if pairs:
            return list(pairs.values())
    by_name = {r.name: r for r in config.recipients}
    for rule in config.alerts:
        if event.kind not in rule.events or _rank(event.severity) < _rank(rule.min_severity):
            continue
        if not _covers(rule.orgs, event, view):
            continue
        for channel in rule.channels:
            pairs.setdefault((channel, channel), (None, channel))
        for name in rule.recipients:
            named = by_name.get(name)
            if named is None or not _recipient_covers(named, event, view):
                continue
            for channel in named.channels:
                pairs.setdefault((named.name, channel), (named, channel))
    return list(pairs.values())


def route(event: Event, config: ServiceConfig, view: RegistryView) -> list[OutboxRow]:
    """The outbox rows of ``event``: one per (recipient, channel) the rules give, each ``pending``,
    ``held`` or ``suppressed`` as the module docstring says."""
    suppressed = _suppression(event, config, view)
    rows = []
    for recipient, channel in _destinations(event, config, view):
        state, note = "pending", None
        due: str | None = stamp(event.at)
        if suppressed is not None:
            state, due, note = "suppressed", None, suppressed
        else:
            held = _hold(event, config, recipient, channel)
            if held is not None:
                state, due, note = "held", stamp(held[0]), held[1]
        rows.append(OutboxRow(
            event_kind=event.kind, severity=event.severity, recipient=recipient.name if recipient else channel,
            channel=channel, dedupe_key=event.dedupe_key, payload=event.to_payload(), state=state,
            site_id=view.site_ids.get(event.site_url), org_code=event.org_code, target_url=event.target_url,
            next_attempt_at=due, last_error=note))
    return rows
