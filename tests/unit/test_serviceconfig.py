"""The service config (issue 18): the issue's example, strict errors naming the key path, durations,
schedule precedence, secrets never shown, environment resolution."""

from datetime import time
from pathlib import Path

import pytest

from govwatch.core.serviceconfig import (
    ServiceConfig,
    config_warnings,
    effective_schedule,
    format_duration,
    load_service_config,
    parse_clock,
    parse_duration,
    parse_service_config,
)
from govwatch.core.settings import ConfigError

# The "Minimum config keys" block of issue 18, verbatim.
ISSUE_EXAMPLE = """\
sites:                        # optional: the registry's sites are the default targets
  - url: http://127.0.0.1:8080/
    probe_interval: 10s       # per-site override
channels:
  - name: ops-ding
    type: dingtalk            # email | dingtalk | wecom | feishu | webhook | sms | apprise
    url: https://oapi.dingtalk.com/robot/send?access_token=...
    secret: SEC...            # or secret_env: NAME
alerts:
  - events: [site_down, site_recovered, veto_risk, column_due, new_veto_finding]
    channels: [ops-ding]
    orgs: [all]               # or org codes / site URLs
schedule:
  probe_interval: 30m
  patrol: "08:30"
  full_scan: monthly
quiet_hours: {from: "22:00", to: "07:30", except: [site_down]}
"""

SECRET = "SECa1b2c3d4e5f6-not-for-logs"
TOKEN = "tok9f8e7d6c5b4a"


def _load(tmp_path: Path, text: str, environ: dict[str, str] | None = None) -> ServiceConfig:
    path = tmp_path / "service.yaml"
    path.write_text(text, encoding="utf-8")
    return load_service_config(path, environ={} if environ is None else environ)


def test_the_issue_example_parses(tmp_path: Path) -> None:
    config = _load(tmp_path, ISSUE_EXAMPLE)
    assert config.use_registry is True
    [site] = config.sites
    assert site.url == "http://127.0.0.1:8080/"
    assert site.schedule is not None and site.schedule.probe_interval == 10.0
    assert config.schedule.probe_interval == 1800.0
    assert config.schedule.patrol == time(8, 30)
    assert config.schedule.full_scan == "monthly"
    [channel] = config.channels
    assert (channel.name, channel.type, channel.secret) == ("ops-ding", "dingtalk", "SEC...")
    assert channel.url == "https://oapi.dingtalk.com/robot/send?access_token=..."
    [rule] = config.alerts
    assert rule.events == ("site_down", "site_recovered", "veto_risk", "column_due", "new_veto_finding")
    assert (rule.channels, rule.orgs, rule.min_severity) == (("ops-ding",), ("all",), "info")
    assert config.quiet_hours is not None
    assert (config.quiet_hours.start, config.quiet_hours.end) == (time(22, 0), time(7, 30))
    assert config.quiet_hours.except_kinds == ("site_down",)
    assert config_warnings(config) == []
    assert effective_schedule(config, "http://127.0.0.1:8080").probe_interval == 10.0
    assert effective_schedule(config, "http://other.gov.cn/").probe_interval == 1800.0


def test_an_empty_file_is_the_defaults(tmp_path: Path) -> None:
    assert _load(tmp_path, "# nothing yet\n") == ServiceConfig()


FULL = f"""\
use_registry: false
site_classes:
  county: {{probe_interval: 45m, full_scan: weekly}}
  township: {{probe_interval: 2h, patrol: off}}
schedule: {{probe_interval: 30m, probe_jitter: 0.1, probe_timeout: 20s, bulletin: off, bulletin_dir: out/bulletins}}
sites:
  - url: HTTP://County.Example.gov.cn:80
    name: 某县人民政府
    org: "330100"
    class: county
    key_columns: [http://county.example.gov.cn/tzgg/]
    systems: [http://zwfw.example.gov.cn/]
  - url: http://town.example.gov.cn/
    class: township
    probe_interval: 20m
  - url: http://slow.example.gov.cn/
    probe_interval: 3h
channels:
  - {{name: mail, type: email, timeout: 30s,
     smtp: {{host: 127.0.0.1, security: starttls, username: ops, password_env: SMTP_PASS,
            sender: govwatch@example.gov.cn, to: [ops@example.gov.cn]}}}}
  - {{name: ding, type: dingtalk, url: "https://oapi.dingtalk.com/robot/send?access_token={TOKEN}",
     secret_env: DING_SECRET, mobiles: [13800000000], at_all: true, rate_per_minute: 20}}
  - {{name: wx, type: wecom, url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={TOKEN}",
     quiet_hours: {{from: "23:00", to: "06:00", min_severity: critical}}}}
  - {{name: sms, type: sms, url: "http://127.0.0.1:9000/send", mobiles: ["13900000000"], secret_env: SMS_KEY,
     sms: {{method: post, headers: {{X-Key: "{{secret}}"}}, body_template: '{{"to": "{{mobile}}", "msg": "{{text}}"}}',
            ok_path: code, ok_value: 0}}}}
recipients:
  - {{name: 值班, channels: [ding, mail], orgs: ["330100"], sites: [http://town.example.gov.cn], digest_at: "17:30"}}
alerts:
  - {{events: [site_down], recipients: [值班], orgs: [http://town.example.gov.cn, "330100"], min_severity: warning}}
alerting: {{failure_threshold: 3, reminder: 30m, flap_window: 2h, veto_risk_share: 0.04, escalate_after_hours: 4,
           digest_at: "18:30", retry_backoff: 1m}}
maintenance:
  - {{sites: [http://town.example.gov.cn/], from: "2025-05-01 08:00", to: "2025-05-01T12:00", kinds: [site_down]}}
  - {{sites: [http://slow.example.gov.cn/], from: 22:00, to: 02:00}}
"""
ENV = {"SMTP_PASS": "smtp-pw-123", "DING_SECRET": SECRET, "SMS_KEY": "sms-key-456"}


def test_every_section_parses(tmp_path: Path) -> None:
    config = _load(tmp_path, FULL, ENV)
    assert config.use_registry is False
    county, town, slow = config.sites
    assert county.url == "http://county.example.gov.cn/" and county.name == "某县人民政府"
    assert (county.org, county.site_class) == ("330100", "county")
    assert county.key_columns == ("http://county.example.gov.cn/tzgg/",)
    assert county.systems == ("http://zwfw.example.gov.cn/",)
    mail, ding, wx, sms = config.channels
    assert mail.smtp is not None
    assert (mail.smtp.port, mail.smtp.security, mail.smtp.password, mail.smtp.timeout) == (587, "starttls",
                                                                                           "smtp-pw-123", 30.0)
    assert mail.smtp.to == ("ops@example.gov.cn",)
    assert (ding.secret, ding.mobiles, ding.at_all, ding.rate_per_minute) == (SECRET, ("13800000000",), True, 20)
    assert wx.quiet_hours is not None and wx.quiet_hours.min_severity == "critical"
    assert sms.sms is not None and sms.secret == "sms-key-456"
    assert (sms.sms.method, sms.sms.headers, sms.sms.ok_value) == ("POST", (("X-Key", "{secret}"),), "0")
    [person] = config.recipients
    assert (person.name, person.channels, person.orgs) == ("值班", ("ding", "mail"), ("330100",))
    assert person.sites == ("http://town.example.gov.cn/",) and person.digest_at == time(17, 30)
    [rule] = config.alerts
    assert rule.orgs == ("http://town.example.gov.cn/", "330100") and rule.recipients == ("值班",)
    a = config.alerting
    assert (a.failure_threshold, a.reminder_minutes, a.flap_window, a.veto_risk_share) == (3, 30.0, 7200.0, 0.04)
    assert (a.escalate_after_hours, a.digest_at, a.retry_backoff) == (4.0, time(18, 30), 60.0)
    dated, daily = config.maintenance
    assert (dated.starts, dated.ends, dated.kinds) == ("2025-05-01T08:00:00", "2025-05-01T12:00:00", ("site_down",))
    assert (daily.starts, daily.ends, daily.kinds) == ("22:00", "02:00", ())


def test_schedule_precedence_defaults_class_site(tmp_path: Path) -> None:
    config = _load(tmp_path, FULL, ENV)
    base = config.schedule
    assert (base.probe_interval, base.probe_jitter, base.probe_timeout, base.bulletin) == (1800.0, 0.1, 20.0, None)
    county = effective_schedule(config, "http://county.example.gov.cn/")
    # class keys over the service schedule; the rest inherited from it (not from the dataclass defaults)
    assert (county.probe_interval, county.full_scan, county.probe_timeout, county.bulletin) == (2700.0, "weekly",
                                                                                                20.0, None)
    town = effective_schedule(config, "http://town.example.gov.cn")
    assert (town.probe_interval, town.patrol, town.bulletin_dir) == (1200.0, None, "out/bulletins")
    slow = effective_schedule(config, "http://slow.example.gov.cn/")
    assert (slow.probe_interval, slow.patrol) == (10800.0, time(8, 30))
    # a registry site: its class, else the service schedule; a listed site's own entry wins
    assert effective_schedule(config, "http://new.example.gov.cn/", "township").probe_interval == 7200.0
    assert effective_schedule(config, "http://new.example.gov.cn/") == base
    assert effective_schedule(config, "http://town.example.gov.cn/", "county").probe_interval == 1200.0
    with pytest.raises(ConfigError, match="unknown site class \"city\""):
        effective_schedule(config, "http://new.example.gov.cn/", "city")


def test_probe_intervals_under_twenty_visits_a_day_are_warned_not_refused(tmp_path: Path) -> None:
    warnings = config_warnings(_load(tmp_path, FULL, ENV))
    assert [w.split(":")[0] for w in warnings] == ["site_classes.township.probe_interval",
                                                   "sites[2].probe_interval"]
    assert "3h gives 8 visits a day, fewer than the 20" in warnings[1] and "use 1h12m or less" in warnings[1]
    # 86400/20 s exactly is 20 visits: no warning
    assert config_warnings(_load(tmp_path, "schedule: {probe_interval: 72m}\n")) == []
    assert len(config_warnings(_load(tmp_path, "schedule: {probe_interval: 73m}\n"))) == 1
    assert config_warnings(_load(tmp_path, "use_registry: false\n")) == [
        "use_registry: false and no sites: nothing is watched"]


def test_secrets_never_show_in_repr(tmp_path: Path) -> None:
    config = _load(tmp_path, FULL, ENV)
    for shown in (repr(config), str(config), repr(config.channels[0].smtp), repr(config.channels[3].sms)):
        for secret in (SECRET, TOKEN, "smtp-pw-123", "sms-key-456", "{secret}"):
            assert secret not in shown
    assert "secret='***'" in repr(config.channels[1])
    assert "url='https://oapi.dingtalk.com/***'" in repr(config.channels[1])
    assert "password='***'" in repr(config.channels[0].smtp)
    assert "secret=None" in repr(config.channels[2])  # what is not set is not masked


@pytest.mark.parametrize("text", [
    # a bad value next to a secret
    f"channels:\n  - {{name: d, type: dingtalk, url: 'ftp://h/?access_token={TOKEN}', secret: {SECRET}}}\n",
    f"channels:\n  - {{name: d, type: dingtalk, url: 'https://h/?access_token={TOKEN}', secret: {SECRET}, x: 1}}\n",
    f"channels:\n  - {{name: d, type: dingtalk, url: 'https://h:99999/?access_token={TOKEN}'}}\n",
    f"channels:\n  - {{name: d, type: dingtalk, url: 'https://h/', secret: {SECRET}, secret_env: S}}\n",
    # broken YAML on the secret's line
    f"channels:\n  - name: d\n    secret: {SECRET}: [\n",
    f"channels:\n  - {{name: d, type: email, smtp: {{host: h, to: [a@b.cn], username: u, password: {SECRET}, x: 1}}}}\n",
])
def test_secrets_never_show_in_errors(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, text)
    assert SECRET not in str(info.value) and TOKEN not in str(info.value)


def test_secret_env_is_resolved_from_the_given_environment(tmp_path: Path) -> None:
    text = "channels:\n  - {name: d, type: feishu, url: 'https://open.feishu.cn/hook/x', secret_env: FS_SECRET}\n"
    assert _load(tmp_path, text, {"FS_SECRET": "abc"}).channels[0].secret == "abc"
    with pytest.raises(ConfigError, match=r"channels\[0\]\.secret_env: the environment variable FS_SECRET is not set"):
        _load(tmp_path, text, {})
    with pytest.raises(ConfigError, match="the environment variable FS_SECRET is empty"):
        _load(tmp_path, text, {"FS_SECRET": ""})


def test_secret_env_defaults_to_the_process_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVWATCH_TEST_DING_SECRET", "from-process")
    data = {"channels": [{"name": "d", "type": "dingtalk", "url": "https://h/send",
                          "secret_env": "GOVWATCH_TEST_DING_SECRET"}]}
    assert parse_service_config(data, "inline").channels[0].secret == "from-process"


_DING = "{name: d, type: dingtalk, url: 'https://h/send'}"


@pytest.mark.parametrize("text,message", [
    ("schedul: {}\n", "schedul: unknown key (did you mean schedule?"),
    ("schedule: {probe_interval: 10x}\n", 'schedule.probe_interval: "10x" is not a duration (use 10s, 30m, 2h)'),
    ("schedule: {probe_interval: 0}\n", "schedule.probe_interval: 0: a duration here must be greater than 0"),
    ("schedule: {patrol: '25:00'}\n", 'schedule.patrol: "25:00" is not a time of day'),
    ("schedule: {full_scan: fortnightly}\n", 'schedule.full_scan: "fortnightly" is not a cycle'),
    ("schedule: {probe_jitter: 1.5}\n", "schedule.probe_jitter: must be at least 0 and below 1, got 1.5"),
    ("site_classes: {county: {probe_intervall: 1h}}\n", "site_classes.county.probe_intervall: unknown key"),
    ("sites:\n  - url: not a url\n", 'sites[0].url: "not a url" is not an http(s) URL'),
    ("sites:\n  - {url: 'http://h/', class: city}\n", 'sites[0].class: unknown site class "city"'),
    ("sites:\n  - {url: 'http://h/', key_columns: ['ftp://h/x']}\n", "sites[0].key_columns[0]: \"ftp://h/x\""),
    ("sites:\n  - {url: 'http://h/'}\n  - {url: 'HTTP://H:80'}\n", "sites[1].url: http://h/ is listed twice"),
    (f"channels:\n  - {_DING}\n  - {{name: x, type: pager}}\n", 'channels[1].type: "pager" is not a channel type'),
    (f"channels:\n  - {_DING}\n  - {_DING}\n", 'channels[1].name: another channel is already named "d"'),
    ("channels:\n  - {name: d, type: dingtalk}\n", "channels[0]: a dingtalk channel needs a url"),
    ("channels:\n  - {name: d, type: dingtalk, url: 'h/send'}\n", "channels[0].url: not an http(s) URL"),
    ("channels:\n  - {}\n  - {name: d, type: dingtalk, url: 'https://h/', secret_env: DING_SECRET}\n",
     "channels[0]: a channel needs a type"),
    ("channels:\n  - {name: d, type: dingtalk, url: 'https://h/', secret_env: DING_SECRET}\n",
     "channels[0].secret_env: the environment variable DING_SECRET is not set"),
    ("channels:\n  - {name: d, type: wecom, url: 'https://h/', secret: x}\n",
     "channels[0].secret: unknown key (known: name, type"),
    ("channels:\n  - {name: m, type: email, smtp: {host: h}}\n", "channels[0].smtp.to: an email channel needs"),
    ("channels:\n  - {name: m, type: email, smtp: {host: h, to: [ops]}}\n", 'channels[0].smtp.to[0]: "ops" is not'),
    ("channels:\n  - {name: m, type: email, smtp: {host: h, to: [a@b.cn], security: tls}}\n",
     'channels[0].smtp.security: "tls" is not an SMTP security mode'),
    ("channels:\n  - {name: m, type: email, smtp: {host: h, to: [a@b.cn], username: u}}\n",
     "channels[0].smtp: SMTP authentication needs a username and a password: password or password_env is missing"),
    ("channels:\n  - {name: m, type: email, smtp: {host: h, to: [a@b.cn], username: u, password_env: PW}}\n",
     "channels[0].smtp.password_env: the environment variable PW is not set"),
    ("channels:\n  - {name: s, type: sms, url: 'http://h/', mobiles: ['138']}\n",
     'channels[0].mobiles[0]: "138" is not a mobile number'),
    ("channels:\n  - {name: s, type: sms, url: 'http://h/', mobiles: [13800000000], sms: {body_template: '{phone}'}}\n",
     "channels[0].sms.body_template: unknown placeholder {phone}"),
    (f"channels:\n  - {_DING}\n  - {{name: r, type: dingtalk, url: 'https://h/', rate_per_minute: 0}}\n",
     "channels[1].rate_per_minute: must be at least 1, got 0"),
    (f"channels:\n  - {_DING}\nrecipients:\n  - {{name: a, channels: [d, mail]}}\n",
     'recipients[0].channels[1]: no channel is named "mail" (known: d)'),
    ("alerts:\n  - {events: [site_down], channels: [d]}\n", 'alerts[0].channels[0]: no channel is named "d"'),
    (f"channels:\n  - {_DING}\nalerts:\n  - {{events: [site_dwn], channels: [d]}}\n",
     'alerts[0].events[0]: "site_dwn" is not an event kind (site_down'),
    (f"channels:\n  - {_DING}\nalerts:\n  - {{events: [test], channels: [d], orgs: [all, '3301']}}\n",
     "alerts[0].orgs: all covers every org and site: give it alone"),
    (f"channels:\n  - {_DING}\nalerts:\n  - {{events: [test], channels: [d], min_severity: high}}\n",
     'alerts[0].min_severity: "high" is not a severity'),
    ("alerts:\n  - {events: [test]}\n", "alerts[0]: an alert rule needs channels or recipients"),
    ("alerting: {failure_threshold: 0}\n", "alerting.failure_threshold: must be at least 1, got 0"),
    ("alerting: {veto_risk_share: 0.05}\n", "alerting.veto_risk_share: must be greater than 0 and below 0.05"),
    ("alerting: {reminder: 1 hour}\n", 'alerting.reminder: "1 hour" is not a duration'),
    ("alerting: {reminder: 1h, reminder_minutes: 30}\n", "alerting.reminder: give reminder (a duration) or"),
    ("quiet_hours: {from: '22:00'}\n", "quiet_hours: quiet hours need from and to"),
    ("quiet_hours: {from: '22:00', to: '07:00', except: [outage]}\n", 'quiet_hours.except[0]: "outage" is not'),
    ("maintenance:\n  - {sites: ['http://h/'], from: '2025-05-02 08:00', to: '2025-05-01 08:00'}\n",
     "maintenance[0].to: 2025-05-01T08:00:00 is not after from (2025-05-02T08:00:00)"),
    ("maintenance:\n  - {sites: ['http://h/'], from: '02:00', to: '2025-05-01 08:00'}\n",
     "maintenance[0].to: from and to must both be times of day (daily) or both datetimes"),
    ("maintenance:\n  - {sites: ['http://h/'], from: tomorrow, to: '03:00'}\n",
     'maintenance[0].from: "tomorrow" is neither a time of day'),
    ("use_registry: maybe\n", 'use_registry: expected true or false, got "maybe"'),
    ("- a\n", "expected a mapping of keys"),
    ("schedule: [1, 2\n", "is not valid YAML"),
])
def test_bad_configs_name_the_key_path(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, text)
    assert message in str(info.value)
    assert str(tmp_path / "service.yaml") in str(info.value)  # and the file


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read service config"):
        load_service_config(tmp_path / "nope.yaml", environ={})


@pytest.mark.parametrize("value,seconds", [
    ("10s", 10.0), ("30m", 1800.0), ("2h", 7200.0), ("1d", 86400.0), ("1h30m", 5400.0), ("1d2h3m4s", 93784.0),
    ("1.5h", 5400.0), (" 45S ", 45.0), ("90", 90.0), ("2.5", 2.5), (600, 600.0), (0.5, 0.5),
])
def test_durations(value: object, seconds: float) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize("value,message", [
    ("10x", "is not a duration"), ("", "is not a duration"), ("h", "is not a duration"), ("10 m", "is not a duration"),
    ("30m1h", "largest first"), ("1h1h", "largest first"), (True, "is not a duration"), ([10], "is not a duration"),
    ("0s", "must be greater than 0"), (0, "must be greater than 0"), ("-5", "must be greater than 0"),
    (float("inf"), "is not a duration"),
])
def test_bad_durations(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_duration(value)


def test_zero_is_a_duration_only_where_allowed() -> None:
    assert parse_duration("0", allow_zero=True) == 0.0
    with pytest.raises(ValueError, match="must not be negative"):
        parse_duration(-1, allow_zero=True)


@pytest.mark.parametrize("seconds", [10.0, 90.0, 1800.0, 4320.0, 5400.0, 93784.0, 2.5])
def test_format_duration_reads_back(seconds: float) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


def test_clocks() -> None:
    assert parse_clock("08:30") == time(8, 30)
    assert parse_clock("8:05") == time(8, 5)
    assert parse_clock("23:59:30") == time(23, 59, 30)
    for bad in ("24:00", "08:60", "0830", "", None):
        with pytest.raises(ValueError, match="is not a time of day"):
            parse_clock(bad)
    with pytest.raises(ValueError, match="write it in quotes"):
        parse_clock(510)  # what a YAML 1.1 reader makes of an unquoted 8:30


def test_unquoted_times_and_datetimes_in_the_file_are_read_as_written(tmp_path: Path) -> None:
    config = _load(tmp_path, "schedule: {patrol: 8:30}\nquiet_hours: {from: 22:00, to: 7:30}\n"
                             "maintenance:\n  - {sites: ['http://h/'], from: 2025-05-01 08:00, to: 2025-05-01 09:30}\n"
                             "  - {sites: ['http://h/'], from: 2025-04-30, to: 2025-05-01 06:00}\n")
    assert config.schedule.patrol == time(8, 30)
    assert config.quiet_hours is not None and config.quiet_hours.start == time(22, 0)
    assert [(m.starts, m.ends) for m in config.maintenance] == [("2025-05-01T08:00:00", "2025-05-01T09:30:00"),
                                                                ("2025-04-30T00:00:00", "2025-05-01T06:00:00")]
    with pytest.raises(ConfigError, match=r"maintenance\[0\]\.to: 2025-05-01T00:00:00 is not after from"):
        _load(tmp_path, "maintenance:\n  - {sites: ['http://h/'], from: 2025-05-01 08:00, to: 2025-05-01}\n")


@pytest.mark.parametrize("text,message", [
    ("schedule: 5\n", "schedule: expected a mapping"),
    ("alerting: []\n", "alerting: expected a mapping"),
    ("site_classes: {county: 0}\n", "site_classes.county: expected a mapping"),
])
def test_a_section_of_the_wrong_shape_is_an_error_not_the_defaults(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _load(tmp_path, text)


def test_a_key_without_a_value_is_the_empty_section(tmp_path: Path) -> None:
    assert _load(tmp_path, "schedule:\nalerting:\nsite_classes:\n  county:\n") == ServiceConfig(
        site_classes={"county": ServiceConfig().schedule})
