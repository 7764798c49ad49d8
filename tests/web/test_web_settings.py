"""The ``web`` settings section: defaults, environment, validation."""

from __future__ import annotations

import pytest

from govwatch.core.settings import ConfigError, load_settings


def test_defaults_listen_on_loopback() -> None:
    web = load_settings(environ={}).web
    assert (web.host, web.port, web.secure_cookies, web.login_max_failures, web.login_window_minutes) == (
        "127.0.0.1", 8000, False, 5, 15.0)


def test_environment_overrides() -> None:
    web = load_settings(environ={"GOVWATCH_WEB__PORT": "8123", "GOVWATCH_WEB__SECURE_COOKIES": "yes"}).web
    assert web.port == 8123 and web.secure_cookies is True


@pytest.mark.parametrize("key,value,message", [
    ("PORT", "0", "web.port must be between 1 and 65535"),
    ("PORT", "70000", "web.port must be between 1 and 65535"),
    ("SESSION_HOURS", "0", "web.session_hours must be greater than 0"),
    ("LOGIN_MAX_FAILURES", "-1", "web.login_max_failures must be greater than 0"),
    ("HOST", " ", "web.host must not be empty"),
    ("COLOUR", "red", "unknown key web.colour"),
])
def test_bad_values_are_named(key: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(environ={f"GOVWATCH_WEB__{key}": value})
