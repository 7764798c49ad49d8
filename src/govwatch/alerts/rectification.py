"""The alerts of the rectification loop (docs/rectification.md "Alerts of the loop"), raised by the
service's pass over the tickets and the public reports (the scheduler calls :func:`rectification_pass`
at start and then every :data:`PASS_EVERY` seconds; every event's dedupe key names its fact, so a
pass run again adds nothing):

- ``ticket_overdue``: a ticket ``notified`` or ``returned`` past its deadline
  (:func:`govwatch.scoring.tickets.overdue_tickets`), once per ticket and deadline;
- ``public_report_due``: a 找错 report or 留言 whose next step (转办 / 答复) falls due within
  :data:`PUBLIC_REPORT_DUE_HOURS` (:func:`govwatch.scoring.public_reports.due_reports`);
- ``public_report_overdue``: a step whose deadline passed unmet
  (:func:`govwatch.scoring.public_reports.list_reports` with ``overdue_on``);
- ``counterfeit_site``: a counterfeit page of a registered site on record and open
  (``counterfeit_suspects``, docs/counterfeit.md), once per page.

Routed like every event (alerts/routing.py): to the rules and recipients covering the site's org.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from govwatch.alerts.events import Event, SiteRef, counterfeit_event, public_report_event, ticket_overdue_event
from govwatch.alerts.observer import AlertObserver
from govwatch.alerts.routing import route
from govwatch.core.clock import SHANGHAI
from govwatch.scoring.public_reports import due_reports, list_reports
from govwatch.scoring.tickets import overdue_tickets
from govwatch.store.counterfeit_rows import suspect_rows
from govwatch.store.service_rows import record_transition

__all__ = ["PASS_EVERY", "PUBLIC_REPORT_DUE_HOURS", "loop_events", "rectification_pass"]

PASS_EVERY = 3600.0  # seconds between two passes of the service
PUBLIC_REPORT_DUE_HOURS = 24.0  # a 找错/留言 step is reminded this many hours before its deadline


def _local(at: datetime) -> datetime:
    return at.astimezone(SHANGHAI) if at.tzinfo else at.replace(tzinfo=SHANGHAI)


def _report_site(observer: AlertObserver, report: dict[str, Any]) -> SiteRef:
    """The site a report is about (a report of an unregistered site: its name as the export gave it)."""
    if report.get("site_id") is not None and report.get("site_url"):
        return observer.site_ref(str(report["site_url"]), int(report["site_id"]))
    return SiteRef("", report.get("site_name"), None)


def loop_events(observer: AlertObserver, now: datetime) -> list[Event]:
    """The events of the loop due at ``now`` (their dedupe keys make a repeat harmless)."""
    store = observer.store
    moment = _local(now)
    day = moment.date()
    events: list[Event] = []
    for ticket in overdue_tickets(store, day):
        site = observer.site_ref(str(ticket["site_url"]), int(ticket["site_id"]))
        event = ticket_overdue_event(site, ticket, day, at=moment)
        if event is not None:
            events.append(event)
    for report in due_reports(store, moment, PUBLIC_REPORT_DUE_HOURS):
        events.append(public_report_event(_report_site(observer, report), report, str(report["due_step"]),
                                          datetime.fromisoformat(str(report["due_at"])), moment))
    for report in list_reports(store, overdue_on=moment):
        for step in report["overdue_steps"]:
            events.append(public_report_event(_report_site(observer, report), report, str(step),
                                              datetime.fromisoformat(str(report[f"{step}_deadline"])), moment))
    for suspect in suspect_rows(store, state="open"):
        if suspect["site_url"]:
            events.append(counterfeit_event(observer.site_ref(str(suspect["site_url"]), int(suspect["site_id"])),
                                            suspect, at=moment))
    return events


def rectification_pass(observer: AlertObserver, now: datetime) -> list[Event]:
    """Raise the loop's events due at ``now``: routed (alerts/routing.py) and written to the outbox in
    one transaction (rows already there are skipped). Returns the events."""
    events = loop_events(observer, now)
    if events:
        view = observer.view([e.site_url for e in events if e.site_url], now)
        rows = [row for event in events for row in route(event, observer.config, view)]
        record_transition(observer.store, None, rows, at=now)
    return events
