"""Settings: defaults < config file < environment < command-line flags.

A config file is YAML with the sections below; an unknown section or key is an
error naming the key and the file, never silently ignored. Environment
variables are ``GOVWATCH_<SECTION>__<KEY>`` (e.g. ``GOVWATCH_CRAWL__TIMEOUT=10``).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

from govwatch import __version__


class ConfigError(ValueError):
    """A configuration problem the user must fix (exit code 2)."""


@dataclass(slots=True)
class CrawlSettings:
    """How the crawler fetches. Defaults are polite for a real government site."""

    concurrency: int = 32  # requests in flight overall
    per_host_concurrency: int = 6
    per_host_rate: float = 30.0  # requests per second per host; 0 = unlimited
    timeout: float = 15.0  # seconds for one whole request (the national rule's 15 s)
    connect_timeout: float = 10.0
    retries: int = 2  # extra attempts for transient failures (reset, 5xx, 429, connect)
    timeout_retries: int = 1  # extra attempts after a timeout
    backoff: float = 0.5  # first retry delay in seconds, doubled each time
    max_retry_after: float = 30.0  # longest Retry-After honoured, seconds; a longer one ends the host's crawl
    seed_retry_seconds: float = 30.0  # the seed (homepage) is retried with backoff this long (deploys, WAF warm-up)
    dead_host_after: int = 3  # refused or timed-out connections in a row before a host gets one try per URL
    max_pages: int = 50_000
    max_depth: int = 12
    max_bytes: int = 10 * 1024 * 1024  # largest page body kept (decompressed)
    max_attachment_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 10
    max_url_length: int = 1024
    max_query_variants: int = 200  # distinct query strings (or ;parameters) per path before it is a trap
    max_links_per_page: int = 10_000  # references read per page; the rest are left out (and noted)
    max_json_items: int = 10_000  # items read per JSON list response; the rest are left out (and noted)
    user_agent: str = f"govwatch/{__version__} (+https://github.com/govwatch/govwatch; government website inspection)"
    respect_robots: bool = False
    extra_hosts: list[str] = field(default_factory=list)
    excluded_prefixes: list[str] = field(default_factory=list)
    check_resources: bool = True  # check images, attachments, scripts, styles
    check_external: bool = True
    # Processes that extract pages beside the event loop (0 = extract inline, and the crawl and the
    # site measurements run in the inspecting process, not in processes of their own: crawl/process.py).
    # Two: extraction and the content scan are the crawl's largest CPU cost, and a 2-core machine runs
    # a whole 20,000-page inspection 17 % faster with two than with one (docs/benchmarks.md, issue 22).
    extract_workers: int = 2
    # A worker stops a crawl job after this many minutes (a full scan; a patrol or re-check after
    # light_job_minutes): a crawl that hangs past every request timeout never holds a slot for good.
    job_minutes: float = 240.0
    light_job_minutes: float = 30.0
    # online: check external links; offline: links to non-loopback hosts are
    # reported unverifiable and never fetched (hermetic runs, air-gapped offices).
    network: str = "online"
    # A crawl that read fewer than this share of the site's pages it found (read: answered 2xx/3xx
    # with a body that is no WAF challenge) marks the run incomplete: what it did not read is not assessed.
    min_read_share: float = 0.5
    # Non-public addresses (loopback, private, link-local, CGNAT...) the crawl may still reach besides
    # the site's own host: networks ("127.0.0.0/8", "::1") and host names ("intranet.example",
    # "*.intranet.example"). See crawl/address_guard.py and docs/robustness.md.
    allow_private: list[str] = field(default_factory=list)


@dataclass(slots=True)
class StoreSettings:
    """Where results live."""

    url: str = "sqlite:///govwatch.db"


@dataclass(slots=True)
class ProbeSettings:
    """Availability probes (首页可用性): one visit = one GET of the page."""

    timeout: float = 15.0  # a visit fails if the page is not open within this many seconds
    confirm: bool = True  # re-probe a failed visit at once: evidence (sustained / transient); it fails either way
    visits_per_day: int = 20  # `govwatch monitor`: spaced visits per site per day (rule: >= 20)
    jitter: float = 0.2  # +/- fraction of the interval, so visits do not fall on the same second
    max_bytes: int = 5 * 1024 * 1024  # body read per visit, then the rest is discarded
    user_agent: str = f"govwatch/{__version__} probe (+https://github.com/govwatch/govwatch)"


# Debian's browsers, preferred first: chromium-headless-shell (chromium without its user interface: in an
# inspection of the 20,000-page benchmark site its browser process peaks at 111 MB instead of 228 MB, its
# largest renderer at 168 MB instead of 193 MB, chromium's CPU 4.2 s instead of 11.2 s; the same
# accessibility fact and PDF text; docs/benchmarks.md, "chromium's memory"), then the full chromium.
BROWSERS = ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium")


def default_browser(candidates: tuple[str, ...] = BROWSERS) -> str:
    """``render.executable``'s default: the first of ``candidates`` installed (executable), else the last
    (so that a missing browser is reported as the full chromium's path)."""
    return next((path for path in candidates if os.access(path, os.X_OK)), candidates[-1])


@dataclass(slots=True)
class RenderSettings:
    """Headless Chromium for lists that JavaScript fills (never downloads a browser)."""

    enabled: bool = True
    executable: str = field(default_factory=default_browser)  # set: that binary, whatever is installed
    timeout: float = 15.0  # seconds to load and settle one page
    max_pages: int = 200  # pages rendered per run at most
    concurrency: int = 2


@dataclass(slots=True)
class SecuritySettings:
    """The site measurements after a crawl (HTTPS, TLS, IPv6, cloaking; docs/security.md; accessibility)."""

    enabled: bool = True  # run the site measurements at all (off: their checks are not assessed)
    tls: bool = True  # HTTPS answers, HTTP redirects to it, certificate and chain
    ipv6: bool = True  # AAAA record and a GET over IPv6 (off on machines without IPv6)
    cloaking: bool = True  # refetch a sample as Baiduspider and compare
    cloaking_sample: int = 5  # pages refetched: the homepage, then list pages and articles
    cloaking_user_agent: str = "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"
    search: bool = True  # query the site's own search with recent titles (docs/search.md)
    # axe-core in chromium (render.executable) on the homepage and a sample per page type (docs/accessibility.md)
    accessibility: bool = True
    accessibility_per_type: int = 2  # list pages, articles and other pages tested of each type besides the homepage
    accessibility_max_pages: int = 10  # pages tested at most, the homepage included
    timeout: float = 10.0  # seconds for one connection, handshake or request
    ca_file: str = ""  # PEM file of CA certificates trusted besides the system's (a private or test CA)
    hosts: list[str] = field(default_factory=list)  # "name=address" pairs resolved before DNS (like curl --resolve)


@dataclass(slots=True)
class WebSettings:
    """The web dashboard and REST API that ``govwatch serve`` runs (docs/web.md)."""

    host: str = "127.0.0.1"  # the address it listens on (loopback: put a TLS proxy in front for others)
    port: int = 8000
    session_hours: float = 12.0  # a login lasts this long
    secure_cookies: bool = False  # always mark the session cookie Secure (it is whenever the request is https)
    login_max_failures: int = 5  # failed logins per user and client in the window before logins are refused
    login_window_minutes: float = 15.0


@dataclass(slots=True)
class Settings:
    """All settings."""

    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    probe: ProbeSettings = field(default_factory=ProbeSettings)
    render: RenderSettings = field(default_factory=RenderSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    web: WebSettings = field(default_factory=WebSettings)


_SECTIONS = {"crawl": CrawlSettings, "store": StoreSettings, "probe": ProbeSettings, "render": RenderSettings,
             "security": SecuritySettings, "web": WebSettings}


def _coerce(value: Any, current: Any, where: str) -> Any:
    """Convert ``value`` to the type of the default ``current``."""
    try:
        if isinstance(current, bool):
            if isinstance(value, str):
                low = value.strip().lower()
                if low in ("1", "true", "yes", "on"):
                    return True
                if low in ("0", "false", "no", "off"):
                    return False
                raise ValueError(value)
            if not isinstance(value, bool):
                raise ValueError(value)
            return value
        if isinstance(current, int):
            if isinstance(value, bool):
                raise ValueError(value)
            return int(value)
        if isinstance(current, float):
            return float(value)
        if isinstance(current, list):
            if isinstance(value, str):
                return [v.strip() for v in value.split(",") if v.strip()]
            if not isinstance(value, list):
                raise ValueError(value)
            return [str(v) for v in value]
        return str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: expected {type(current).__name__}, got {value!r}") from None


def _apply(settings: Settings, data: dict[str, Any], origin: str) -> None:
    for section, values in data.items():
        if section not in _SECTIONS:
            raise ConfigError(f"{origin}: unknown section {section!r} (known: {', '.join(_SECTIONS)})")
        if not isinstance(values, dict):
            raise ConfigError(f"{origin}: section {section!r} must be a mapping")
        target = getattr(settings, section)
        known = {f.name for f in fields(target)}
        for key, value in values.items():
            if key not in known:
                raise ConfigError(f"{origin}: unknown key {section}.{key} (known: {', '.join(sorted(known))})")
            setattr(target, key, _coerce(value, getattr(target, key), f"{origin}: {section}.{key}"))
    _validate(settings, origin)


MAX_SEED_RETRY_SECONDS = 600.0  # a seed retried longer than this holds a worker for nothing


def _validate(settings: Settings, origin: str) -> None:
    c = settings.crawl
    positive = ["concurrency", "per_host_concurrency", "timeout", "connect_timeout", "max_pages",
                "max_bytes", "max_url_length", "max_query_variants", "max_links_per_page", "max_json_items",
                "job_minutes", "light_job_minutes"]
    for name in positive:
        if getattr(c, name) <= 0:
            raise ConfigError(f"{origin}: crawl.{name} must be greater than 0")
    for name in ["retries", "timeout_retries", "max_depth", "max_redirects", "per_host_rate", "backoff",
                 "extract_workers"]:
        if getattr(c, name) < 0:
            raise ConfigError(f"{origin}: crawl.{name} must not be negative")
    for section, names in (("probe", ["timeout", "visits_per_day", "max_bytes"]),
                           ("render", ["timeout", "concurrency"])):
        for name in names:
            if getattr(getattr(settings, section), name) <= 0:
                raise ConfigError(f"{origin}: {section}.{name} must be greater than 0")
    if not 0 <= settings.probe.jitter < 1:
        raise ConfigError(f"{origin}: probe.jitter must be at least 0 and below 1")
    if settings.render.max_pages < 0:
        raise ConfigError(f"{origin}: render.max_pages must not be negative")
    if not 0 <= c.seed_retry_seconds <= MAX_SEED_RETRY_SECONDS:
        raise ConfigError(f"{origin}: crawl.seed_retry_seconds must be between 0 and {MAX_SEED_RETRY_SECONDS:g}, "
                          f"got {c.seed_retry_seconds!r}")
    if c.dead_host_after < 1:
        raise ConfigError(f"{origin}: crawl.dead_host_after must be at least 1, got {c.dead_host_after!r}")
    if not 0 <= c.min_read_share <= 1:
        raise ConfigError(f"{origin}: crawl.min_read_share must be between 0 and 1, got {c.min_read_share!r}")
    if c.network not in ("online", "offline"):
        raise ConfigError(f"{origin}: crawl.network must be 'online' or 'offline', got {c.network!r}")
    for entry in c.allow_private:
        try:
            allow_private_entry(entry)
        except ValueError as exc:
            raise ConfigError(f"{origin}: crawl.allow_private: {exc}") from None
    _validate_security(settings.security, origin)
    _validate_web(settings.web, origin)


def _validate_web(w: WebSettings, origin: str) -> None:
    if not w.host.strip():
        raise ConfigError(f"{origin}: web.host must not be empty")
    if not 1 <= w.port <= 65535:
        raise ConfigError(f"{origin}: web.port must be between 1 and 65535, got {w.port!r}")
    for name in ("session_hours", "login_max_failures", "login_window_minutes"):
        if getattr(w, name) <= 0:
            raise ConfigError(f"{origin}: web.{name} must be greater than 0")


_HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def allow_private_entry(entry: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | str:
    """One ``crawl.allow_private`` entry: an IP network or address (``10.0.0.0/8``, ``::1``) as a
    network, else a host name (``intranet.example``, ``*.intranet.example``) lower-cased.
    Raises ValueError for anything else."""
    text = str(entry).strip().lower()
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        pass
    name = text[2:] if text.startswith("*.") else text
    if not name or len(name) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in name.rstrip(".").split(".")):
        raise ValueError(f"{entry!r} is neither an IP network (10.0.0.0/8, ::1) nor a host name")
    return text.rstrip(".")


def _validate_security(s: SecuritySettings, origin: str) -> None:
    for name in ("cloaking_sample", "timeout", "accessibility_max_pages"):
        if getattr(s, name) <= 0:
            raise ConfigError(f"{origin}: security.{name} must be greater than 0")
    if s.accessibility_per_type < 0:
        raise ConfigError(f"{origin}: security.accessibility_per_type must not be negative")
    from govwatch.core.netconfig import check_ca_file, parse_hosts  # late: security imports settings
    try:
        check_ca_file(s.ca_file)
    except ValueError as exc:
        raise ConfigError(f"{origin}: security.ca_file: {exc}") from None
    try:
        parse_hosts(s.hosts)
    except ValueError as exc:
        raise ConfigError(f"{origin}: security.hosts: {exc}") from None


def load_settings(config_file: str | Path | None = None, overrides: dict[str, dict[str, Any]] | None = None,
                  environ: dict[str, str] | None = None) -> Settings:
    """Build settings from defaults, a YAML file, the environment and flag overrides."""
    settings = Settings()
    if config_file is not None:
        path = Path(config_file)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"config file {path} is not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"config file {path} must hold a mapping of sections")
        _apply(settings, data, str(path))
    env = os.environ if environ is None else environ
    env_data: dict[str, dict[str, Any]] = {}
    for name, value in env.items():
        if name.startswith("GOVWATCH_") and "__" in name:
            section, _, key = name[len("GOVWATCH_"):].lower().partition("__")
            env_data.setdefault(section, {})[key] = value
    if env_data:
        _apply(settings, env_data, "environment")
    if overrides:
        _apply(settings, {k: v for k, v in overrides.items() if v}, "command line")
    return settings


def settings_to_dict(settings: Settings) -> dict[str, Any]:
    """Settings as a plain dict (stored with each run)."""
    return dataclasses.asdict(settings)
