"""The service configuration (``govwatch serve --config FILE``): schedules, channels, routing.

docs/service.md is the reference. The parser validates strictly, like the settings: an unknown key
or a bad value is a :class:`~govwatch.core.settings.ConfigError` naming the key path
(``channels[1].secret_env``), exit code 2.

(Issue 18 groundwork: the value types below are the contract the alert modules are written
against; the parser fills them.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

CHANNEL_KINDS = ("email", "dingtalk", "wecom", "feishu", "webhook", "sms", "apprise")
EVENT_KINDS = ("site_down", "site_recovered", "column_down", "column_recovered", "veto_risk", "column_due",
               "homepage_updates_low", "new_veto_finding", "new_finding", "rectification_due", "test")
SEVERITIES = ("info", "warning", "critical")


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """How an ``email`` channel reaches its SMTP server."""

    host: str
    port: int = 25
    security: str = "none"  # none | starttls | ssl
    username: str | None = None
    password: str | None = None  # resolved from password_env when given
    sender: str = "govwatch@localhost"
    to: tuple[str, ...] = ()
    timeout: float = 15.0


@dataclass(frozen=True, slots=True)
class SmsConfig:
    """An SMS gateway reached by one HTTP request per message (a template of the request)."""

    method: str = "POST"
    headers: tuple[tuple[str, str], ...] = ()
    body_template: str = ""  # placeholders {mobile}, {text}, {title}
    ok_path: str | None = None  # JSON path whose value must equal ok_value (e.g. "code")
    ok_value: str = "0"


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    """One notification channel (``channels[]``)."""

    name: str
    type: str  # one of CHANNEL_KINDS
    url: str | None = None  # robot / webhook / gateway URL; apprise URL
    secret: str | None = None  # signing secret, resolved from secret_env when given; never logged
    mobiles: tuple[str, ...] = ()  # @-mentioned mobiles (robots) or SMS recipients
    at_all: bool = False
    rate_per_minute: int | None = None  # None: the kind's default (dingtalk 20)
    timeout: float = 10.0
    smtp: SmtpConfig | None = None
    sms: SmsConfig | None = None
    quiet_hours: QuietHours | None = None


@dataclass(frozen=True, slots=True)
class QuietHours:
    """No messages between ``start`` and ``end`` (may wrap midnight) except of ``except_kinds`` or
    at ``min_severity`` and above; held messages go out at ``end``."""

    start: time
    end: time
    except_kinds: tuple[str, ...] = ()
    min_severity: str | None = None  # e.g. "critical" goes through


@dataclass(frozen=True, slots=True)
class Recipient:
    """A person or group that receives alerts through some channels, for some orgs and sites."""

    name: str
    channels: tuple[str, ...]
    orgs: tuple[str, ...] = ("all",)  # org codes or "all"
    sites: tuple[str, ...] = ()  # site URLs
    quiet_hours: QuietHours | None = None
    digest_at: time | None = None  # daily digest time (None: service default)


@dataclass(frozen=True, slots=True)
class AlertRule:
    """Which events go where (``alerts[]``)."""

    events: tuple[str, ...]
    channels: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ("all",)  # org codes, site URLs, or "all"
    min_severity: str = "info"


@dataclass(frozen=True, slots=True)
class AlertPolicy:
    """The alert state machine and early-warning thresholds (``alerting``)."""

    failure_threshold: int = 2
    success_threshold: int = 2
    reminder_minutes: float = 60.0  # 0: no reminders
    flap_changes: int = 4
    flap_window: float = 3600.0  # seconds
    veto_risk_share: float = 0.03
    column_due_days: int = 3
    escalate_after_hours: float | None = None  # unacknowledged down alert → next org level
    digest_at: time = time(18, 0)
    max_attempts: int = 8
    retry_backoff: float = 30.0  # seconds, doubled per attempt


@dataclass(frozen=True, slots=True)
class Schedule:
    """How often each job runs (``schedule``; per site and per site class in ``sites``/``site_classes``)."""

    probe_interval: float = 3600.0  # seconds: 24 spaced visits a day (the rule wants >= 20)
    probe_jitter: float = 0.2  # +/- fraction of the interval
    probe_timeout: float = 15.0
    patrol: time | None = time(8, 30)
    full_scan: str | None = "monthly"  # daily | weekly | monthly | quarterly | a duration | None
    bulletin: str | None = "quarterly"
    bulletin_dir: str | None = None


@dataclass(frozen=True, slots=True)
class SiteEntry:
    """A target site (``sites[]``); the registry's sites are the default targets."""

    url: str
    site_class: str | None = None
    key_columns: tuple[str, ...] = ()
    systems: tuple[str, ...] = ()
    schedule: Schedule | None = None  # overrides merged over the class and the service defaults


@dataclass(frozen=True, slots=True)
class MaintenanceWindow:
    """Alerts of ``kinds`` (all when empty) for ``targets`` (site URLs) are suppressed in the window."""

    targets: tuple[str, ...]
    starts: str  # ISO datetime, or "HH:MM" for a daily window
    ends: str
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """The whole service configuration."""

    sites: tuple[SiteEntry, ...] = ()
    use_registry: bool = True  # the registry's sites are targets too
    site_classes: dict[str, Schedule] = field(default_factory=dict)
    schedule: Schedule = Schedule()
    channels: tuple[ChannelConfig, ...] = ()
    recipients: tuple[Recipient, ...] = ()
    alerts: tuple[AlertRule, ...] = ()
    alerting: AlertPolicy = AlertPolicy()
    quiet_hours: QuietHours | None = None
    maintenance: tuple[MaintenanceWindow, ...] = ()
