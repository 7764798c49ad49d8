"""The service configuration (``govwatch serve --config FILE``): schedules, channels, routing.

docs/service.md ("Configuration reference") is the reference. The parser validates strictly, like the
settings: an unknown key at any depth or a bad value is a :class:`~govwatch.core.settings.ConfigError`
naming the file and the key path (``cfg.yaml: channels[1].secret_env: the environment variable
DING_SECRET is not set``), exit code 2. Secrets (robot signing secrets, SMTP passwords, the tokens in
robot URLs) never appear in a message or in the repr of the values below.

- :func:`load_service_config` / :func:`parse_service_config`: the YAML into a :class:`ServiceConfig`;
- :func:`effective_schedule`: a site's schedule (service defaults < its class < its own keys);
- :func:`config_warnings`: what is allowed but probably wrong (a probe interval giving fewer than the
  20 visits a day the availability rule needs);
- :func:`parse_duration`, :func:`format_duration`, :func:`parse_clock`: the value syntaxes.
"""

from __future__ import annotations

import difflib
import importlib.util
import json
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import yaml

from govwatch.core.settings import ConfigError
from govwatch.core.urls import normalize_url

CHANNEL_KINDS = ("email", "dingtalk", "wecom", "feishu", "webhook", "sms", "apprise")
EVENT_KINDS = ("site_down", "site_recovered", "column_down", "column_recovered", "veto_risk", "column_due",
               "homepage_updates_low", "new_veto_finding", "new_finding", "rectification_due", "ticket_overdue",
               "public_report_due", "public_report_overdue", "counterfeit_site", "test")
SEVERITIES = ("info", "warning", "critical")
CYCLES = ("daily", "weekly", "monthly", "quarterly")  # besides a duration, for full_scan and bulletin
SMTP_SECURITY = ("none", "starttls", "ssl")
SMS_PLACEHOLDERS = ("mobile", "text", "title", "secret")  # {name} in the SMS request template
MIN_VISITS_PER_DAY = 20  # the availability rule's spaced visits a day
MASK = "***"


def mask_url(url: str | None) -> str | None:
    """``url`` safe to show: scheme and host only, the path and query (robot tokens) masked."""
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"{parts.scheme}://{MASK}" if parts.scheme else MASK
    try:
        port = parts.port
    except ValueError:
        port = None
    host = f"{parts.hostname or ''}{f':{port}' if port else ''}"
    tail = "/" if parts.path in ("", "/") and not parts.query else f"/{MASK}"
    return f"{parts.scheme}://{host}{tail}"


def _masked_repr(obj: Any, masks: Mapping[str, Callable[[Any], Any]]) -> str:
    """The dataclass repr of ``obj`` with the fields in ``masks`` shown through their mask."""
    shown = []
    for f in fields(obj):
        value = getattr(obj, f.name)
        if f.name in masks and value is not None and value != ():
            value = masks[f.name](value)
        shown.append(f"{f.name}={value!r}")
    return f"{type(obj).__name__}({', '.join(shown)})"


def _hide(_value: Any) -> str:
    return MASK


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

    def __repr__(self) -> str:
        return _masked_repr(self, {"password": _hide})


@dataclass(frozen=True, slots=True)
class SmsConfig:
    """An SMS gateway reached by one HTTP request per message (a template of the request)."""

    method: str = "POST"
    headers: tuple[tuple[str, str], ...] = ()
    body_template: str = ""  # placeholders {mobile}, {text}, {title}, {secret}
    ok_path: str | None = None  # JSON path whose value must equal ok_value (e.g. "code")
    ok_value: str = "0"

    def __repr__(self) -> str:  # header values often carry API keys
        return _masked_repr(self, {"headers": lambda hs: tuple((name, MASK) for name, _ in hs)})


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

    def __repr__(self) -> str:  # robot URLs carry access tokens; secrets are secret
        return _masked_repr(self, {"url": mask_url, "secret": _hide})


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
    # finding kinds pushed at once as new_veto_finding besides those a veto of the rule table
    # matches on their own (privacy leaks: no table vetoes them, the offices want them at once)
    immediate_kinds: tuple[str, ...] = ("privacy_leak",)
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
    # The site's effective schedule, already merged (service defaults < its class < its own keys);
    # None when the site has neither a class nor keys of its own (the service schedule applies).
    schedule: Schedule | None = None
    name: str | None = None  # for messages when the registry does not know the site
    org: str | None = None  # org code for routing when the registry does not know the site


@dataclass(frozen=True, slots=True)
class MaintenanceWindow:
    """Alerts of ``kinds`` (all when empty) for ``targets`` (site URLs) are suppressed in the window."""

    targets: tuple[str, ...]
    starts: str  # ISO datetime, or "HH:MM" for a daily window
    ends: str
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StoreConfig:
    """Store growth (``store``; docs/deploy.md §3): what the daily prune keeps."""

    probe_retention_days: int = 90  # probe rows of older days are rolled up into probe_days
    keep_full_runs: int = 3  # page bodies of each site's newest N complete full runs (and all since) are kept
    job_retention_days: int = 14  # finished job rows of the queue (PostgreSQL) are deleted after this many days


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """The whole service configuration."""

    sites: tuple[SiteEntry, ...] = ()
    use_registry: bool = True  # the registry's sites are targets too
    site_classes: dict[str, Schedule] = field(default_factory=dict)  # each already merged over `schedule`
    schedule: Schedule = Schedule()
    channels: tuple[ChannelConfig, ...] = ()
    recipients: tuple[Recipient, ...] = ()
    alerts: tuple[AlertRule, ...] = ()
    alerting: AlertPolicy = AlertPolicy()
    quiet_hours: QuietHours | None = None
    maintenance: tuple[MaintenanceWindow, ...] = ()
    store: StoreConfig = StoreConfig()


# ---------------------------------------------------------------------------------------- value syntaxes

_DURATION_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)([dhms])")
_DURATION = re.compile(r"(?:\d+(?:\.\d+)?[dhms])+")
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


def _show(value: Any) -> str:
    """A value as the user wrote it: strings in double quotes, anything else as Python shows it."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)


def parse_duration(value: Any, *, allow_zero: bool = False) -> float:
    """Seconds from ``10s``, ``30m``, ``2h``, ``1d``, ``1h30m`` or a bare number of seconds.

    Raises ValueError (with a message for the user) for anything else, for a negative duration and,
    unless ``allow_zero`` (e.g. "0: no reminders"), for zero: an interval must be greater than 0."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{_show(value)} is not a duration (use 10s, 30m, 2h)")
    if isinstance(value, str):
        text = value.strip().lower()
        if _NUMBER.fullmatch(text):
            seconds = float(text)
        elif _DURATION.fullmatch(text):
            parts = _DURATION_PART.findall(text)
            units = [unit for _, unit in parts]
            order = list(_DURATION_UNITS)
            if any(order.index(a) >= order.index(b) for a, b in zip(units, units[1:], strict=False)):
                raise ValueError(f"{_show(value)} is not a duration: write the units largest first, "
                                 "each once (1h30m)")
            seconds = sum(float(number) * _DURATION_UNITS[unit] for number, unit in parts)
        else:
            raise ValueError(f"{_show(value)} is not a duration (use 10s, 30m, 2h)")
    else:
        seconds = float(value)
    if not math.isfinite(seconds):
        raise ValueError(f"{_show(value)} is not a duration (use 10s, 30m, 2h)")
    if seconds < 0 or (seconds == 0 and not allow_zero):
        need = "must not be negative" if allow_zero else "must be greater than 0"
        raise ValueError(f"{_show(value)}: a duration here {need}")
    return seconds


def format_duration(seconds: float) -> str:
    """The short form :func:`parse_duration` reads back: 5400 → ``1h30m``, 10 → ``10s``, 0 → ``0s``."""
    if seconds <= 0:
        return "0s"
    rest = float(seconds)
    out = []
    for unit, size in _DURATION_UNITS.items():
        count = math.floor(rest / size) if unit != "s" else rest
        if count:
            out.append(f"{count:g}{unit}" if unit == "s" else f"{count}{unit}")
            rest -= count * size
    return "".join(out) or f"{seconds:g}s"


def parse_clock(value: Any) -> time:
    """A time of day from ``"08:30"`` (or ``"8:30"``, ``"08:30:15"``). Raises ValueError for anything else."""
    if isinstance(value, time):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        # a YAML 1.1 reader turns an unquoted 8:30 into 510 (base 60)
        raise ValueError(f"{value!r} is not a time of day: write it in quotes, e.g. \"08:30\"")
    match = _CLOCK.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{_show(value)} is not a time of day (use HH:MM, e.g. \"08:30\")")
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"{_show(value)} is not a time of day (hours 00-23, minutes 00-59)")
    return time(hour, minute, second)


def _clock_text(moment: time) -> str:
    return moment.strftime("%H:%M:%S" if moment.second else "%H:%M")


# ---------------------------------------------------------------------------------------- YAML reading


class _Loader(yaml.SafeLoader):
    """YAML as people write config: ``22:00`` stays a string (not 1320, base 60) and
    ``2025-05-01 08:00`` stays a string (parsed by the key that wants it)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))


def load_service_config(path: str | Path, environ: Mapping[str, str] | None = None) -> ServiceConfig:
    """Read and validate the service config file (``secret_env`` names are looked up in ``environ``,
    default the process environment). Every problem is a ConfigError naming the file and the key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read service config {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"service config {path} is not UTF-8 text") from None
    try:
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        # no snippet of the file: the offending line may hold a secret
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "cannot be read"
        raise ConfigError(f"service config {path} is not valid YAML: {problem}{where}") from None
    return parse_service_config({} if data is None else data, str(path), environ)


def parse_service_config(data: Any, source: str, environ: Mapping[str, str] | None = None) -> ServiceConfig:
    """A :class:`ServiceConfig` from parsed YAML; ``source`` names the file in errors."""
    return _Parser(source, os.environ if environ is None else environ).config(data)


# ---------------------------------------------------------------------------------------- the parser

_TOP_KEYS = ("sites", "use_registry", "site_classes", "schedule", "channels", "recipients", "alerts", "alerting",
             "quiet_hours", "maintenance", "store")
_SCHEDULE_KEYS = tuple(f.name for f in fields(Schedule))
_SITE_KEYS = ("url", "name", "org", "class", "key_columns", "systems", *_SCHEDULE_KEYS)
_CHANNEL_COMMON = ("name", "type", "rate_per_minute", "timeout", "quiet_hours")
_CHANNEL_KEYS = {
    "dingtalk": ("url", "secret", "secret_env", "mobiles", "at_all"),
    "wecom": ("url", "mobiles", "at_all"),
    "feishu": ("url", "secret", "secret_env", "at_all"),
    "webhook": ("url", "secret", "secret_env"),
    "sms": ("url", "secret", "secret_env", "mobiles", "sms"),
    "email": ("smtp",),
    "apprise": ("url",),
}
_SMTP_KEYS = ("host", "port", "security", "username", "password", "password_env", "sender", "to", "timeout")
_SMTP_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
_SMS_KEYS = ("method", "headers", "body_template", "ok_path", "ok_value")
_QUIET_KEYS = ("from", "to", "except", "min_severity")
_RECIPIENT_KEYS = ("name", "channels", "orgs", "sites", "quiet_hours", "digest_at")
_ALERT_KEYS = ("events", "channels", "recipients", "orgs", "min_severity")
_ALERTING_KEYS = (*(f.name for f in fields(AlertPolicy)), "reminder")
_MAINTENANCE_KEYS = ("sites", "from", "to", "kinds")
_STORE_KEYS = tuple(f.name for f in fields(StoreConfig))
_OFF = ("off", "none", "never")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MOBILE = re.compile(r"\+?\d{5,20}")
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+|[^@\s<>]+@localhost")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _at(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _given(value: Any) -> Any:
    """A section's value, an empty mapping when the key is there without one (``schedule:``)."""
    return {} if value is None else value


class _Parser:
    """One pass over one config; every message names ``source`` and the key path."""

    def __init__(self, source: str, environ: Mapping[str, str]) -> None:
        self.source = source
        self.environ = environ

    def fail(self, path: str, message: str) -> NoReturn:
        raise ConfigError(f"{self.source}: {path}: {message}" if path else f"{self.source}: {message}")

    # -- shapes

    def mapping(self, value: Any, path: str, known: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, f"expected a mapping of keys ({', '.join(known)}), got {type(value).__name__}")
        for key in value:
            if key not in known:
                close = difflib.get_close_matches(str(key), known, n=1)
                hint = f"did you mean {close[0]}? " if close else ""
                self.fail(_at(path, str(key)), f"unknown key ({hint}known: {', '.join(known)})")
        return value

    def items(self, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(path, f"expected a list, got {type(value).__name__}")
        return value

    def text(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(path, f"expected a non-empty string, got {_show(value)}")
        return value.strip()

    def code(self, value: Any, path: str) -> str:
        """An identifier-like string; YAML may have read digits as a number."""
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return self.text(value, path)

    def texts(self, value: Any, path: str) -> tuple[str, ...]:
        return tuple(self.text(v, _at(path, i)) for i, v in enumerate(self.items(value, path)))

    def choice(self, value: Any, path: str, allowed: tuple[str, ...], what: str) -> str:
        if value not in allowed:
            close = difflib.get_close_matches(str(value), allowed, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            self.fail(path, f"{_show(value)} is not {what} ({', '.join(allowed)}){hint}")
        return str(value)

    def choices(self, value: Any, path: str, allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
        chosen = tuple(self.choice(v, _at(path, i), allowed, what) for i, v in enumerate(self.items(value, path)))
        return tuple(dict.fromkeys(chosen))

    def flag(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            self.fail(path, f"expected true or false, got {_show(value)}")
        return value

    def number(self, value: Any, path: str, *, minimum: float, above: bool = False, below: float | None = None,
               integer: bool = False) -> Any:
        ok_type = int if integer else int | float
        if isinstance(value, bool) or not isinstance(value, ok_type) or not math.isfinite(value):
            self.fail(path, f"expected {'a whole number' if integer else 'a number'}, got {_show(value)}")
        if value < minimum or (above and value == minimum) or (below is not None and value >= below):
            low = f"greater than {minimum:g}" if above else f"at least {minimum:g}"
            high = f" and below {below:g}" if below is not None else ""
            self.fail(path, f"must be {low}{high}, got {value!r}")
        return value if integer else float(value)

    def duration(self, value: Any, path: str, *, allow_zero: bool = False) -> float:
        try:
            return parse_duration(value, allow_zero=allow_zero)
        except ValueError as exc:
            self.fail(path, str(exc))

    def clock(self, value: Any, path: str) -> time:
        try:
            return parse_clock(value)
        except ValueError as exc:
            self.fail(path, str(exc))

    def site_url(self, value: Any, path: str) -> str:
        url = normalize_url(value) if isinstance(value, str) else None
        if url is None:
            self.fail(path, f"{_show(value)} is not an http(s) URL")
        return url

    def site_urls(self, value: Any, path: str) -> tuple[str, ...]:
        urls = tuple(self.site_url(v, _at(path, i)) for i, v in enumerate(self.items(value, path)))
        return tuple(dict.fromkeys(urls))

    def orgs(self, value: Any, path: str) -> tuple[str, ...]:
        """``[all]``, org codes or site URLs (an entry starting http:// or https:// is a URL)."""
        out: list[str] = []
        for i, raw in enumerate(self.items(value, path)):
            where = _at(path, i)
            entry = self.code(raw, where)
            if re.match(r"https?://", entry, re.IGNORECASE):
                entry = self.site_url(entry, where)
            elif re.search(r"\s", entry):
                self.fail(where, f"{_show(entry)} is neither all, an org code nor a site URL")
            out.append(entry)
        if not out:
            self.fail(path, "expected [all], org codes or site URLs")
        if "all" in out and len(out) > 1:
            self.fail(path, "all covers every org and site: give it alone")
        return tuple(dict.fromkeys(out))

    def channel_url(self, value: Any, path: str, kind: str) -> str:
        """A robot, webhook or gateway URL. It may carry a token: never shown in a message."""
        if not isinstance(value, str) or not value.strip():
            self.fail(path, "expected a URL string")
        url = value.strip()
        parts = urlsplit(url)
        if kind == "apprise":
            if not parts.scheme or "://" not in url:
                self.fail(path, "not an apprise URL (scheme://..., see the apprise documentation)")
            return url
        try:
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError:
            self.fail(path, "the URL's port is not a number from 1 to 65535")
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            shown = f"scheme {parts.scheme!r}" if parts.scheme else "no scheme"
            self.fail(path, f"not an http(s) URL with a host ({shown}; the URL is not shown: it may hold a token)")
        return url

    def secret(self, data: dict[str, Any], path: str, key: str, env_key: str) -> str | None:
        """``key`` as written, or the value of the environment variable ``env_key`` names. Never echoed."""
        if key in data and env_key in data:
            self.fail(_at(path, key), f"give {key} or {env_key}, not both")
        if key in data:
            value = data[key]
            if not isinstance(value, str) or not value:
                self.fail(_at(path, key), "expected a non-empty string in quotes (the value is not shown)")
            return value
        if env_key in data:
            name = data[env_key]
            if not isinstance(name, str) or not _ENV_NAME.fullmatch(name):
                self.fail(_at(path, env_key), f"{_show(name)} is not an environment variable name")
            found = self.environ.get(name)
            if found is None:
                self.fail(_at(path, env_key), f"the environment variable {name} is not set")
            if not found:
                self.fail(_at(path, env_key), f"the environment variable {name} is empty")
            return found
        return None

    # -- sections

    def config(self, data: Any) -> ServiceConfig:
        top = self.mapping(data, "", _TOP_KEYS)
        schedule = self.schedule(_given(top.get("schedule")), "schedule", Schedule(), _SCHEDULE_KEYS)
        classes_raw = _given(top.get("site_classes"))
        if not isinstance(classes_raw, dict):
            self.fail("site_classes", f"expected a mapping of class names to schedules, got "
                                      f"{type(classes_raw).__name__}")
        site_classes = {self.code(name, "site_classes"): self.schedule(_given(raw), _at("site_classes", str(name)),
                                                                       schedule, _SCHEDULE_KEYS)
                        for name, raw in classes_raw.items()}
        sites = self.sites(top.get("sites"), schedule, site_classes)
        channels = self.channels(top.get("channels"))
        names = tuple(c.name for c in channels)
        recipients = self.recipients(top.get("recipients"), names)
        alerts = tuple(self.alert(raw, _at("alerts", i), names, tuple(r.name for r in recipients))
                       for i, raw in enumerate(self.items(top.get("alerts"), "alerts")))
        quiet = top.get("quiet_hours")
        return ServiceConfig(
            sites=sites,
            use_registry=self.flag(top["use_registry"], "use_registry") if "use_registry" in top else True,
            site_classes=site_classes,
            schedule=schedule,
            channels=channels,
            recipients=recipients,
            alerts=alerts,
            alerting=self.alerting(_given(top.get("alerting")), "alerting"),
            quiet_hours=self.quiet_hours(quiet, "quiet_hours") if quiet is not None else None,
            maintenance=tuple(self.maintenance(raw, _at("maintenance", i))
                              for i, raw in enumerate(self.items(top.get("maintenance"), "maintenance"))),
            store=self.store(_given(top.get("store")), "store"),
        )

    def store(self, raw: Any, path: str) -> StoreConfig:
        """The ``store`` section: whole numbers of days and runs, at least 1."""
        data = self.mapping(raw, path, _STORE_KEYS)
        return replace(StoreConfig(), **{key: self.number(value, _at(path, key), minimum=1, integer=True)
                                         for key, value in data.items()})

    def cycle(self, value: Any, path: str) -> str | None:
        if value is None or value is False or (isinstance(value, str) and value.strip().lower() in _OFF):
            return None
        if isinstance(value, str) and value.strip().lower() in CYCLES:
            return value.strip().lower()
        try:
            parse_duration(value)
        except ValueError:
            self.fail(path, f"{_show(value)} is not a cycle ({', '.join(CYCLES)}, a duration like 12h, or off)")
        return str(value).strip().lower()

    def schedule(self, raw: Any, path: str, base: Schedule, known: tuple[str, ...]) -> Schedule:
        """``base`` with the schedule keys of ``raw`` applied (other keys of ``known`` are the caller's)."""
        data = self.mapping(raw, path, known)
        changes: dict[str, Any] = {}
        for key in _SCHEDULE_KEYS:
            if key not in data:
                continue
            value, where = data[key], _at(path, key)
            if key in ("probe_interval", "probe_timeout"):
                changes[key] = self.duration(value, where)
            elif key == "probe_jitter":
                changes[key] = self.number(value, where, minimum=0, below=1)
            elif key == "patrol":
                off = value is None or value is False or (isinstance(value, str) and value.strip().lower() in _OFF)
                changes[key] = None if off else self.clock(value, where)
            elif key in ("full_scan", "bulletin"):
                changes[key] = self.cycle(value, where)
            else:  # bulletin_dir
                changes[key] = None if value is None else self.text(value, where)
        return replace(base, **changes)

    def sites(self, value: Any, schedule: Schedule, classes: dict[str, Schedule]) -> tuple[SiteEntry, ...]:
        out: dict[str, SiteEntry] = {}
        for i, raw in enumerate(self.items(value, "sites")):
            path = _at("sites", i)
            data = self.mapping(raw, path, _SITE_KEYS)
            if "url" not in data:
                self.fail(path, "a site needs a url")
            url = self.site_url(data["url"], _at(path, "url"))
            if url in out:
                self.fail(_at(path, "url"), f"{url} is listed twice")
            site_class = None
            base = schedule
            if "class" in data:
                site_class = self.code(data["class"], _at(path, "class"))
                if site_class not in classes:
                    known = ", ".join(classes) or "none defined in site_classes"
                    self.fail(_at(path, "class"), f"unknown site class {_show(site_class)} (known: {known})")
                base = classes[site_class]
            own = any(key in data for key in _SCHEDULE_KEYS)
            out[url] = SiteEntry(
                url=url,
                site_class=site_class,
                key_columns=self.site_urls(data.get("key_columns"), _at(path, "key_columns")),
                systems=self.site_urls(data.get("systems"), _at(path, "systems")),
                schedule=self.schedule(data, path, base, _SITE_KEYS) if own or site_class else None,
                name=self.text(data["name"], _at(path, "name")) if "name" in data else None,
                org=self.code(data["org"], _at(path, "org")) if "org" in data else None,
            )
        return tuple(out.values())

    def quiet_hours(self, raw: Any, path: str) -> QuietHours:
        data = self.mapping(raw, path, _QUIET_KEYS)
        for key in ("from", "to"):
            if key not in data:
                self.fail(path, f"quiet hours need from and to (e.g. {{from: \"22:00\", to: \"07:30\"}}); {key} is "
                                "missing")
        start, end = self.clock(data["from"], _at(path, "from")), self.clock(data["to"], _at(path, "to"))
        if start == end:
            self.fail(_at(path, "to"), "from and to are the same time: the quiet hours would be empty")
        severity = data.get("min_severity")
        return QuietHours(
            start=start, end=end,
            except_kinds=self.choices(data.get("except"), _at(path, "except"), EVENT_KINDS, "an event kind"),
            min_severity=None if severity is None else self.choice(severity, _at(path, "min_severity"), SEVERITIES,
                                                                   "a severity"),
        )

    def channels(self, value: Any) -> tuple[ChannelConfig, ...]:
        out: dict[str, ChannelConfig] = {}
        for i, raw in enumerate(self.items(value, "channels")):
            path = _at("channels", i)
            if not isinstance(raw, dict):
                self.mapping(raw, path, _CHANNEL_COMMON)
            if "type" not in raw:
                self.fail(path, f"a channel needs a type ({', '.join(CHANNEL_KINDS)})")
            kind = self.choice(raw["type"], _at(path, "type"), CHANNEL_KINDS, "a channel type")
            data = self.mapping(raw, path, (*_CHANNEL_COMMON, *_CHANNEL_KEYS[kind]))
            if "name" not in data:
                self.fail(path, "a channel needs a name")
            name = self.code(data["name"], _at(path, "name"))
            if name in out:
                self.fail(_at(path, "name"), f"another channel is already named {_show(name)}")
            out[name] = self.channel(data, path, name, kind)
        return tuple(out.values())

    def channel(self, data: dict[str, Any], path: str, name: str, kind: str) -> ChannelConfig:
        url = None
        if kind != "email":
            if "url" not in data:
                self.fail(path, f"a {kind} channel needs a url")
            url = self.channel_url(data["url"], _at(path, "url"), kind)
        timeout = self.duration(data["timeout"], _at(path, "timeout")) if "timeout" in data else 10.0
        mobiles = tuple(self.mobile(v, _at(_at(path, "mobiles"), i))
                        for i, v in enumerate(self.items(data.get("mobiles"), _at(path, "mobiles"))))
        if kind == "sms" and not mobiles:
            self.fail(_at(path, "mobiles"), "an sms channel needs the mobiles it sends to")
        if kind == "email" and "smtp" not in data:
            self.fail(path, "an email channel needs smtp: {host, to, ...}")
        rate = data.get("rate_per_minute")
        quiet = data.get("quiet_hours")
        return ChannelConfig(
            name=name, type=kind, url=url,
            secret=self.secret(data, path, "secret", "secret_env"),
            mobiles=mobiles,
            at_all=self.flag(data["at_all"], _at(path, "at_all")) if "at_all" in data else False,
            rate_per_minute=None if rate is None else self.number(rate, _at(path, "rate_per_minute"), minimum=1,
                                                                  integer=True),
            timeout=timeout,
            smtp=self.smtp(data["smtp"], _at(path, "smtp"), timeout if "timeout" in data else None)
            if kind == "email" else None,
            sms=self.sms(_given(data.get("sms")), _at(path, "sms"), url or "") if kind == "sms" else None,
            quiet_hours=None if quiet is None else self.quiet_hours(quiet, _at(path, "quiet_hours")),
        )

    def mobile(self, value: Any, path: str) -> str:
        mobile = self.code(value, path)
        if not _MOBILE.fullmatch(mobile):
            self.fail(path, f"{_show(mobile)} is not a mobile number (digits, e.g. \"13800000000\")")
        return mobile

    def email(self, value: Any, path: str) -> str:
        address = self.text(value, path)
        if not _EMAIL.fullmatch(address):
            self.fail(path, f"{_show(address)} is not an email address")
        return address

    def smtp(self, raw: Any, path: str, channel_timeout: float | None) -> SmtpConfig:
        data = self.mapping(raw, path, _SMTP_KEYS)
        if "host" not in data:
            self.fail(path, "smtp needs a host")
        to = tuple(self.email(v, _at(_at(path, "to"), i)) for i, v in enumerate(self.items(data.get("to"),
                                                                                       _at(path, "to"))))
        if not to:
            self.fail(_at(path, "to"), "an email channel needs at least one address to send to")
        security = self.choice(data.get("security", "none"), _at(path, "security"), SMTP_SECURITY,
                               "an SMTP security mode")
        port = data.get("port", _SMTP_PORTS[security])
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            self.fail(_at(path, "port"), f"expected a port number from 1 to 65535, got {_show(port)}")
        username = self.text(data["username"], _at(path, "username")) if "username" in data else None
        password = self.secret(data, path, "password", "password_env")
        if (username is None) != (password is None):
            missing = "password or password_env" if password is None else "username"
            self.fail(path, f"SMTP authentication needs a username and a password: {missing} is missing")
        if "timeout" in data:
            timeout = self.duration(data["timeout"], _at(path, "timeout"))
        else:
            timeout = 15.0 if channel_timeout is None else channel_timeout
        return SmtpConfig(host=self.text(data["host"], _at(path, "host")), port=port, security=security,
                          username=username, password=password,
                          sender=self.email(data["sender"], _at(path, "sender")) if "sender" in data
                          else "govwatch@localhost",
                          to=to, timeout=timeout)

    def sms(self, raw: Any, path: str, url: str) -> SmsConfig:
        data = self.mapping(raw, path, _SMS_KEYS)
        method = self.choice(str(data.get("method", "POST")).upper(), _at(path, "method"), ("GET", "POST", "PUT"),
                             "an HTTP method")
        headers_raw = _given(data.get("headers"))
        if not isinstance(headers_raw, dict):
            self.fail(_at(path, "headers"), "expected a mapping of header names to values")
        headers: list[tuple[str, str]] = []
        for key, value in headers_raw.items():
            where = _at(_at(path, "headers"), str(key))
            if not isinstance(value, str | int) or isinstance(value, bool):
                self.fail(where, "expected a string value (the value is not shown)")
            headers.append((self.text(key, where), str(value)))
        body = data.get("body_template", "")
        if not isinstance(body, str):
            self.fail(_at(path, "body_template"), "expected a string")
        for where, template in ((_at(path, "body_template"), body), (_at(path.rsplit(".", 1)[0], "url"), url),
                                *((_at(_at(path, "headers"), k), v) for k, v in headers)):
            for placeholder in _PLACEHOLDER.findall(template):
                if placeholder not in SMS_PLACEHOLDERS:
                    self.fail(where, f"unknown placeholder {{{placeholder}}} (known: "
                                     f"{', '.join('{' + p + '}' for p in SMS_PLACEHOLDERS)})")
        ok_path = self.text(data["ok_path"], _at(path, "ok_path")) if data.get("ok_path") is not None else None
        ok_value = data.get("ok_value", "0")
        if isinstance(ok_value, bool) or not isinstance(ok_value, str | int):
            self.fail(_at(path, "ok_value"), f"expected a string or a number, got {_show(ok_value)}")
        return SmsConfig(method=method, headers=tuple(headers), body_template=body, ok_path=ok_path,
                         ok_value=str(ok_value))

    def recipients(self, value: Any, channels: tuple[str, ...]) -> tuple[Recipient, ...]:
        out: dict[str, Recipient] = {}
        for i, raw in enumerate(self.items(value, "recipients")):
            path = _at("recipients", i)
            data = self.mapping(raw, path, _RECIPIENT_KEYS)
            if "name" not in data:
                self.fail(path, "a recipient needs a name")
            name = self.code(data["name"], _at(path, "name"))
            if name in out:
                self.fail(_at(path, "name"), f"another recipient is already named {_show(name)}")
            used = self.references(data.get("channels"), _at(path, "channels"), channels, "channel")
            if not used:
                self.fail(_at(path, "channels"), "a recipient needs at least one channel")
            quiet = data.get("quiet_hours")
            out[name] = Recipient(
                name=name, channels=used,
                orgs=self.orgs(data["orgs"], _at(path, "orgs")) if "orgs" in data else ("all",),
                sites=self.site_urls(data.get("sites"), _at(path, "sites")),
                quiet_hours=None if quiet is None else self.quiet_hours(quiet, _at(path, "quiet_hours")),
                digest_at=self.clock(data["digest_at"], _at(path, "digest_at")) if "digest_at" in data else None,
            )
        return tuple(out.values())

    def references(self, value: Any, path: str, known: tuple[str, ...], what: str) -> tuple[str, ...]:
        out = []
        for i, raw in enumerate(self.items(value, path)):
            name = self.code(raw, _at(path, i))
            if name not in known:
                listed = ", ".join(known) or f"no {what}s are defined"
                self.fail(_at(path, i), f"no {what} is named {_show(name)} (known: {listed})")
            out.append(name)
        return tuple(dict.fromkeys(out))

    def alert(self, raw: Any, path: str, channels: tuple[str, ...], recipients: tuple[str, ...]) -> AlertRule:
        data = self.mapping(raw, path, _ALERT_KEYS)
        events = self.choices(data.get("events"), _at(path, "events"), EVENT_KINDS, "an event kind")
        if not events:
            self.fail(_at(path, "events"), f"an alert rule needs the events it routes ({', '.join(EVENT_KINDS)})")
        rule = AlertRule(
            events=events,
            channels=self.references(data.get("channels"), _at(path, "channels"), channels, "channel"),
            recipients=self.references(data.get("recipients"), _at(path, "recipients"), recipients, "recipient"),
            orgs=self.orgs(data["orgs"], _at(path, "orgs")) if "orgs" in data else ("all",),
            min_severity=self.choice(data.get("min_severity", "info"), _at(path, "min_severity"), SEVERITIES,
                                     "a severity"),
        )
        if not rule.channels and not rule.recipients:
            self.fail(path, "an alert rule needs channels or recipients to send to")
        return rule

    def alerting(self, raw: Any, path: str) -> AlertPolicy:
        data = self.mapping(raw, path, _ALERTING_KEYS)
        if "reminder" in data and "reminder_minutes" in data:
            self.fail(_at(path, "reminder"), "give reminder (a duration) or reminder_minutes, not both")
        changes: dict[str, Any] = {}
        for key, value in data.items():
            where = _at(path, key)
            if key in ("failure_threshold", "success_threshold", "flap_changes", "max_attempts"):
                changes[key] = self.number(value, where, minimum=1, integer=True)
            elif key == "column_due_days":
                changes[key] = self.number(value, where, minimum=0, integer=True)
            elif key == "reminder":
                changes["reminder_minutes"] = self.duration(value, where, allow_zero=True) / 60
            elif key == "reminder_minutes":
                changes[key] = self.number(value, where, minimum=0)
            elif key in ("flap_window", "retry_backoff"):
                changes[key] = self.duration(value, where)
            elif key == "veto_risk_share":
                changes[key] = self.number(value, where, minimum=0, above=True, below=0.05)
            elif key == "immediate_kinds":
                from govwatch.core.catalogue import catalogue

                changes[key] = self.choices(value, where, tuple(catalogue().kinds), "a finding kind")
            elif key == "escalate_after_hours":
                changes[key] = None if value is None else self.number(value, where, minimum=0, above=True)
            else:  # digest_at
                changes[key] = self.clock(value, where)
        return replace(AlertPolicy(), **changes)

    def moment(self, value: Any, path: str) -> time | datetime:
        """A maintenance bound: "HH:MM" (daily) or an ISO datetime."""
        if isinstance(value, datetime):
            return value
        if isinstance(value, date):
            return datetime.combine(value, time())
        if isinstance(value, str) and _CLOCK.fullmatch(value.strip()):
            return self.clock(value, path)
        try:
            if isinstance(value, str):
                return datetime.fromisoformat(value.strip())
        except ValueError:
            pass
        self.fail(path, f"{_show(value)} is neither a time of day (\"02:00\") nor an ISO datetime "
                        "(\"2025-05-01 08:00\")")

    def maintenance(self, raw: Any, path: str) -> MaintenanceWindow:
        data = self.mapping(raw, path, _MAINTENANCE_KEYS)
        for key in ("sites", "from", "to"):
            if key not in data:
                self.fail(path, f"a maintenance window needs sites, from and to; {key} is missing")
        targets = self.site_urls(data["sites"], _at(path, "sites"))
        if not targets:
            self.fail(_at(path, "sites"), "a maintenance window needs at least one site URL")
        start, end = self.moment(data["from"], _at(path, "from")), self.moment(data["to"], _at(path, "to"))
        if isinstance(start, datetime) != isinstance(end, datetime):
            self.fail(_at(path, "to"), "from and to must both be times of day (daily) or both datetimes")
        if isinstance(start, datetime) and isinstance(end, datetime):
            if (start.tzinfo is None) != (end.tzinfo is None):
                self.fail(_at(path, "to"), "from and to must both have a UTC offset or both have none")
            if start >= end:
                self.fail(_at(path, "to"), f"{end.isoformat()} is not after from ({start.isoformat()})")
            starts, ends = start.isoformat(), end.isoformat()
        else:
            assert isinstance(start, time) and isinstance(end, time)
            if start == end:
                self.fail(_at(path, "to"), "from and to are the same time: the daily window would be empty")
            starts, ends = _clock_text(start), _clock_text(end)
        return MaintenanceWindow(targets=targets, starts=starts, ends=ends,
                                 kinds=self.choices(data.get("kinds"), _at(path, "kinds"), EVENT_KINDS,
                                                    "an event kind"))


# ---------------------------------------------------------------------------------------- using a config


def effective_schedule(config: ServiceConfig, site_url: str, site_class: str | None = None) -> Schedule:
    """The schedule of one site: the service defaults < its class < its own keys.

    A site listed in ``sites`` uses its own entry (its class there wins over ``site_class``); any other
    site (e.g. from the registry) gets ``site_class``'s schedule or the service schedule.
    Raises ConfigError for a ``site_class`` the config does not define."""
    url = normalize_url(site_url) or site_url
    entry = next((site for site in config.sites if site.url == url), None)
    if entry is not None and entry.schedule is not None:
        return entry.schedule
    if site_class is None:
        return config.schedule
    try:
        return config.site_classes[site_class]
    except KeyError:
        known = ", ".join(config.site_classes) or "none defined"
        raise ConfigError(f"site_classes: unknown site class {_show(site_class)} for {url} (known: {known})") from None


def _probe_warning(path: str, interval: float) -> str:
    visits = 86400 / interval
    return (f"{path}.probe_interval: {format_duration(interval)} gives {visits:.3g} visits a day, fewer than the "
            f"{MIN_VISITS_PER_DAY} the availability rule needs (use {format_duration(86400 / MIN_VISITS_PER_DAY)} "
            "or less)")


def config_warnings(config: ServiceConfig) -> list[str]:
    """What the config allows but is probably wrong, each naming its key path (the service logs them)."""
    limit = 86400 / MIN_VISITS_PER_DAY
    warnings = []
    if config.schedule.probe_interval > limit:
        warnings.append(_probe_warning("schedule", config.schedule.probe_interval))
    for name, schedule in config.site_classes.items():
        if schedule.probe_interval > limit and schedule.probe_interval != config.schedule.probe_interval:
            warnings.append(_probe_warning(f"site_classes.{name}", schedule.probe_interval))
    for i, site in enumerate(config.sites):
        inherited = config.site_classes[site.site_class] if site.site_class else config.schedule
        if site.schedule and site.schedule.probe_interval > limit \
                and site.schedule.probe_interval != inherited.probe_interval:
            warnings.append(_probe_warning(f"sites[{i}]", site.schedule.probe_interval))
    if not config.use_registry and not config.sites:
        warnings.append("use_registry: false and no sites: nothing is watched")
    for i, channel in enumerate(config.channels):
        if channel.type == "apprise" and importlib.util.find_spec("apprise") is None:
            warnings.append(f"channels[{i}].type: apprise is not installed (pip install 'govwatch[apprise]'): "
                            "this channel cannot send")
    return warnings
