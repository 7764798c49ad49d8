"""The glue the scheduler calls: measurements in, alert states and outbox rows out.

:class:`AlertObserver` turns what the service measured into events (alerts/events.py), routes them
(alerts/routing.py) and writes the outbox rows **in the same transaction** as the alert state
change that caused them (:func:`~govwatch.store.service_rows.record_transition`):

- :meth:`~AlertObserver.on_visit` after every availability visit of a target (the state machine of
  alerts/state.py; a target covered by a maintenance window or a filing of its down kind is in
  ``maintenance``: visits noted, nothing told);
- :meth:`~AlertObserver.tick` on the scheduler's clock: reminders while down (or flapping) and the
  escalation of a down alert unacknowledged for ``alerting.escalate_after_hours`` to the recipients
  of the site's parent org. Held rows (quiet hours, daily digests) are released by the sender
  (alerts/sender.py) when their time comes;
- :meth:`~AlertObserver.on_run` after a patrol or a scan: findings new since the previous complete
  run of the site (after a patrol: only the page findings it can decide, :data:`PATROL_DECIDES`, on
  the pages and attachments it read, against the newest complete full run's findings there), column
  deadlines, the 7-day availability share against the veto, homepage updates.

Every event's dedupe key names its fact, so calling any of these again on the same facts adds nothing.
A state is written only over the row it was stepped from (a compare-and-set): when another process
(``govwatch serve``'s tick, a worker's prober) stepped it meanwhile, the step is made again from the
row as it now is, so no transition is lost and none is told twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any, Protocol

from govwatch.alerts.events import (
    Event,
    SiteRef,
    column_due_events,
    homepage_updates_event,
    new_findings_events,
    transition_event,
    veto_risk_event,
)
from govwatch.alerts.routing import FILING_KINDS, Filing, RegistryView, filing_covering, maintenance_covering, route
from govwatch.alerts.state import (
    AlertState,
    Transition,
    acknowledge,
    due_reminder,
    enter_maintenance,
    escalation_due,
    leave_maintenance,
    observe,
)
from govwatch.core.clock import SHANGHAI
from govwatch.core.model import Finding
from govwatch.core.serviceconfig import ServiceConfig
from govwatch.core.windows import count_failures
from govwatch.crawl.coverage import failure_text
from govwatch.registry.filings import active_filings
from govwatch.rules.loader import RuleSet, load_ruleset
from govwatch.scoring.deadlines import upcoming_deadlines
from govwatch.store import service_rows as rows
from govwatch.store.db import Store
from govwatch.store.probes import Target, probes_in_window
from govwatch.store.registry_rows import all_orgs, site_id_of, site_row_with_orgs
from govwatch.store.run_listing import newest_full_runs
from govwatch.store.run_results import check_findings
from govwatch.store.stored_run import stored_ruleset

__all__ = ["PATROL_DECIDES", "AlertObserver", "VisitLike", "target_key"]

log = logging.getLogger(__name__)

STEP_ATTEMPTS = 20  # reads of an alert state before a step gives up (others stepping it all the while)
_HOMEPAGE_UPDATE_KINDS = ("homepage_few_updates", "homepage_not_updated")
# Finding kinds located on one page that a patrol (a light pass) decides for the pages it read.
PATROL_DECIDES = frozenset({"wording_error", "typo", "banned_content", "dark_link", "privacy_leak", "broken_link"})


class VisitLike(Protocol):
    """What the observer needs of a visit (``crawl.availability.visit.Visit``)."""

    @property
    def ok(self) -> bool: ...

    @property
    def status(self) -> int | None: ...

    @property
    def error(self) -> Any: ...

    @property
    def error_detail(self) -> str: ...


def _alert_kind(target: Target) -> str:
    """The alert state's target kind of a probe target (``homepage`` → ``site``)."""
    return "site" if target.kind == "homepage" else target.kind


def target_key(target: Target) -> str:
    """The ``alert_states`` key of a probe target."""
    return f"{_alert_kind(target)}:{target.url}"


def _local_day(at: datetime) -> date:
    return (at.astimezone(SHANGHAI) if at.tzinfo else at).date()


class AlertObserver:
    """Alert states and outbox rows from visits, the clock and finished runs (module docstring)."""

    def __init__(self, store: Store, config: ServiceConfig, *, ruleset: RuleSet | None = None) -> None:
        self.store = store
        self.config = config
        self.policy = config.alerting
        self._ruleset = ruleset
        self._sites: dict[str, SiteRef] = {}

    # -- what routing and messages need to know ---------------------------------------------------

    def site_ref(self, site_url: str, site_id: int | None = None) -> SiteRef:
        """The site's name and org code: the registry's, else the service config's ``sites`` entry."""
        known = self._sites.get(site_url)
        if known is not None:
            return known
        entry = next((s for s in self.config.sites if s.url == site_url), None)
        name, org = (entry.name, entry.org) if entry is not None else (None, None)
        site_id = site_id if site_id is not None else site_id_of(self.store, site_url)
        if site_id is not None:
            row, orgs = site_row_with_orgs(self.store, site_id)
            if row is not None:
                name = row.get("name") or name
                org_id = row.get("org_id")
                if org_id is not None and org_id in orgs:
                    org = orgs[org_id].code
        ref = self._sites[site_url] = SiteRef(site_url, name, org)
        return ref

    def view(self, site_urls: Iterable[str], at: datetime) -> RegistryView:
        """The org tree, the sites' ids and active filings on ``at``'s day, and the sites now down."""
        orgs = all_orgs(self.store)
        parents = {o.code: (orgs[o.parent_id].code if o.parent_id in orgs else None) for o in orgs.values()}
        site_ids: dict[str, int] = {}
        filings: dict[str, tuple[Filing, ...]] = {}
        day = _local_day(at)
        for url in set(site_urls):
            site_id = site_id_of(self.store, url)
            if site_id is None:
                continue
            site_ids[url] = site_id
            filings[url] = tuple(Filing.from_row(f) for f in active_filings(self.store, site_id, day))
        down = frozenset(row["site_url"] for row in rows.load_alert_states(self.store, states=["down"])
                         if row.get("target_kind") == "site")
        return RegistryView(org_parents=parents, site_ids=site_ids, filings=filings, down_sites=down)

    def _route_all(self, events: list[Event], view: RegistryView) -> list[rows.OutboxRow]:
        return [row for event in events for row in route(event, self.config, view)]

    def _load_state(self, key: str) -> AlertState | None:
        return self._state_of(key, rows.load_alert_state(self.store, key))

    @staticmethod
    def _state_of(key: str, found: dict[str, Any] | None) -> AlertState | None:
        if found is None:
            return None
        try:
            return AlertState.from_row(found)
        except ValueError as exc:
            log.warning("alert state %s is unusable (%s): starting it afresh", key, exc)
            return None

    def _step(self, key: str, step: Callable[[AlertState | None], tuple[AlertState, list[rows.OutboxRow],
                                                                        int | None] | None], at: datetime) -> bool:
        """Read the target's state, ``step`` it (None: nothing to write) and write the new state and its
        outbox rows over the row read; stepped again from a fresh read when another process wrote
        first. Whether something was written."""
        for _ in range(STEP_ATTEMPTS):
            found = rows.load_alert_state(self.store, key)
            stepped = step(self._state_of(key, found))
            if stepped is None:
                return False
            state, outbox, site_id = stepped
            try:
                rows.record_transition(self.store, state.to_row(), outbox, site_id=site_id, at=at, expected=found)
            except rows.AlertStateChanged:
                log.info("alert state %s changed while it was stepped: stepping it again", key)
                continue
            return True
        raise RuntimeError(f"alert state {key} kept changing: gave up after {STEP_ATTEMPTS} attempts")

    def _paused(self, state: AlertState, at: datetime, site_id: int | None) -> bool:
        """Whether a maintenance window or a filing covers the target's down kind at ``at``."""
        kind = "site_down" if state.target_kind == "site" else "column_down"
        if maintenance_covering(self.config.maintenance, state.site_url, kind, at) is not None:
            return True
        if site_id is None:
            return False
        filings = [Filing.from_row(f) for f in active_filings(self.store, site_id, _local_day(at))]
        return filing_covering(filings, (kind, *FILING_KINDS[kind]), _local_day(at)) is not None

    def _events(self, transitions: Iterable[Transition], target_name: str | None = None) -> list[Event]:
        out = []
        for transition in transitions:
            site = self.site_ref(transition.state.site_url)
            out.append(transition_event(transition, site.name, site.org_code, target_name=target_name))
        return out

    # -- the three entry points -----------------------------------------------------------------

    def on_visit(self, target: Target, visit: VisitLike, at: datetime) -> list[Event]:
        """Feed one visit of ``target`` to its alert state; write the new state and the outbox rows
        of the transitions it caused in one transaction. Returns the events."""
        key = target_key(target)
        error = None if visit.ok else failure_text({"status": visit.status, "error": visit.error,
                                                    "error_detail": visit.error_detail})
        events: list[Event] = []

        def step(stored: AlertState | None) -> tuple[AlertState, list[rows.OutboxRow], int | None]:
            nonlocal events
            state = stored or AlertState.initial(_alert_kind(target), target.url, target.site_url, at)
            if self._paused(state, at, target.site_id):
                state = enter_maintenance(state, at)
            else:
                state = leave_maintenance(state, at)
            state, transitions = observe(state, visit.ok, at, self.policy, error)
            events = self._events(transitions, target.name)
            outbox = self._route_all(events, self.view([target.site_url], at)) if events else []
            return state, outbox, target.site_id

        self._step(key, step, at)
        return events

    def acknowledge(self, key: str, at: datetime, by: str | None = None) -> bool:
        """Someone took the target's down alert in hand: no escalation for this episode."""
        def step(state: AlertState | None) -> tuple[AlertState, list[rows.OutboxRow], int | None] | None:
            if state is None:
                return None
            return acknowledge(state, at, by), [], site_id_of(self.store, state.site_url)
        return self._step(key, step, at)

    def tick(self, now: datetime) -> list[Event]:
        """Reminders and escalations due at ``now``, each written with its target's new state."""
        events: list[Event] = []
        for found in rows.load_alert_states(self.store):
            try:
                AlertState.from_row(found)
            except ValueError as exc:
                log.warning("alert state %s is unusable: %s", found.get("target_key"), exc)
                continue
            stepped: list[Event] = []

            def step(state: AlertState | None) -> tuple[AlertState, list[rows.OutboxRow], int | None] | None:
                nonlocal stepped
                if state is None or (state.state != "down" and not state.flapping):
                    return None
                transitions = []
                reminder = due_reminder(state, now, self.policy)
                if reminder is not None:
                    transitions.append(reminder)
                    state = reminder.state
                escalation = escalation_due(state, now, self.policy)
                if escalation is not None:
                    transitions.append(escalation)
                    state = escalation.state
                if not transitions:
                    return None
                stepped = self._events(transitions)
                view = self.view([state.site_url], now)
                return state, self._route_all(stepped, view), view.site_ids.get(state.site_url)

            if self._step(str(found["target_key"]), step, now):
                events += stepped
        return events

    def on_run(self, run_id: int, at: datetime | None = None) -> list[Event]:
        """The events of a finished patrol or scan (a run not ``completed`` gives none), routed and
        written in one transaction."""
        at = at or datetime.now(UTC)
        run = rows.run_row(self.store, run_id)
        if run is None or run["status"] != "completed":
            log.info("run %s is not a completed run: no events", run_id)
            return []
        site_id, site_url = int(run["site_id"]), str(run["site_url"])
        site = self.site_ref(site_url, site_id)
        ruleset = self._run_ruleset(run)
        day = _local_day(at)
        found = check_findings(self.store, run_id)
        if run.get("kind") == "patrol":
            current, previous = self._patrol_comparison(site_id, run_id, found)
        else:
            current = found
            previous_id = rows.previous_complete_run(self.store, site_id, run_id)
            previous = check_findings(self.store, previous_id) if previous_id is not None else []
        events = new_findings_events(site, previous, current, ruleset=ruleset, at=at,
                                     immediate_kinds=self.policy.immediate_kinds, run_id=run_id)
        warn_days = self.policy.column_due_days
        events += column_due_events(site, upcoming_deadlines(self.store, day, warn_days, site_url), day, warn_days,
                                    at=at)
        risk = self._veto_risk(site, site_id, ruleset, day, at)
        if risk is not None:
            events.append(risk)
        updates = next((f for f in found if f.kind in _HOMEPAGE_UPDATE_KINDS), None)
        if updates is not None:
            evidence = updates.evidence or {}
            low = homepage_updates_event(site, int(evidence.get("items_in_window") or 0),
                                         int(evidence.get("min_items") or ruleset.homepage_min_items),
                                         int(evidence.get("window_days") or 14), at=at)
            if low is not None:
                events.append(low)
        if events:
            rows.record_transition(self.store, None, self._route_all(events, self.view([site_url], at)), at=at)
        return events

    def _patrol_comparison(self, site_id: int, run_id: int, found: list[Finding]) -> tuple[list[Finding], list[Finding]]:
        """What a patrol can say is new: its findings of :data:`PATROL_DECIDES` located on the pages
        (and attachments) it read, and the newest complete full run's findings on those same pages to
        compare with. Its own ``site_unreadable`` (``crawl.patrol``) and the site-wide findings (a channel not found, …) are
        left out: a light pass reads too little to decide them."""
        read = rows.read_urls(self.store, run_id)

        def decidable(finding: Finding) -> bool:
            return finding.kind in PATROL_DECIDES and finding.url in read

        full_id = newest_full_runs(self.store).get(site_id)
        baseline = check_findings(self.store, full_id) if full_id is not None and full_id != run_id else []
        return [f for f in found if decidable(f)], [f for f in baseline if decidable(f)]

    def _run_ruleset(self, run: dict[str, Any]) -> RuleSet:
        if self._ruleset is not None:
            return self._ruleset
        stored = (run.get("settings") or {}).get("rules")
        return stored_ruleset(stored) if stored else load_ruleset()

    def _veto_risk(self, site: SiteRef, site_id: int, ruleset: RuleSet, day: date, at: datetime) -> Event | None:
        rules = ruleset.availability
        window_days = int(rules["window_days"])
        probes = [p for p in probes_in_window(self.store, site_id, day, window_days)
                  if (p.get("target_kind") or "homepage") == "homepage"]
        counts = count_failures(probes)
        if not counts.visits:
            return None
        return veto_risk_event(site, counts.ratio, counts.failed, counts.visits, window_days,
                               self.policy.veto_risk_share, float(rules["max_failure_ratio"]), at=at)
