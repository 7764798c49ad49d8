"""Settings precedence and precise configuration errors."""

from pathlib import Path

import pytest

from govwatch.core.settings import ConfigError, load_settings


def test_precedence_defaults_file_env_flags(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("crawl:\n  timeout: 9\n  max_pages: 100\n", encoding="utf-8")
    s = load_settings(cfg, environ={"GOVWATCH_CRAWL__MAX_PAGES": "200"})
    assert (s.crawl.timeout, s.crawl.max_pages) == (9.0, 200)
    s = load_settings(cfg, {"crawl": {"max_pages": 300}}, environ={"GOVWATCH_CRAWL__MAX_PAGES": "200"})
    assert s.crawl.max_pages == 300
    assert load_settings(environ={}).crawl.timeout == 15.0


@pytest.mark.parametrize("text,message", [
    ("crawl:\n  timout: 3\n", "unknown key crawl.timout"),
    ("crawler:\n  timeout: 3\n", "unknown section 'crawler'"),
    ("crawl:\n  timeout: fast\n", "crawl.timeout: expected float, got 'fast'"),
    ("crawl:\n  max_pages: 0\n", "crawl.max_pages must be greater than 0"),
    ("crawl:\n  network: maybe\n", "crawl.network must be 'online' or 'offline'"),
    ("crawl: [1, 2\n", "is not valid YAML"),
    ("- a\n- b\n", "must hold a mapping"),
    ("crawl:\n  respect_robots: perhaps\n", "crawl.respect_robots: expected bool"),
])
def test_bad_config_files_fail_precisely(tmp_path: Path, text: str, message: str) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(cfg, environ={})
    assert message in str(info.value)


def test_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_settings(tmp_path / "nope.yaml", environ={})


def test_environment_values_are_typed() -> None:
    s = load_settings(environ={"GOVWATCH_CRAWL__RESPECT_ROBOTS": "yes", "GOVWATCH_CRAWL__EXTRA_HOSTS": "a.cn, b.cn"})
    assert s.crawl.respect_robots is True
    assert s.crawl.extra_hosts == ["a.cn", "b.cn"]
