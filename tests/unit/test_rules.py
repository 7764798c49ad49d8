"""Rule tables and site configs: loading, validation errors that name the key, window math."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from govwatch.commands.main import main
from govwatch.core.settings import ConfigError
from govwatch.core.siteconfig import load_site_config
from govwatch.rules import RulesError, Window, available_rulesets, load_ruleset


def test_shipped_tables_validate_and_hold_the_national_windows() -> None:
    assert {"census-2015", "national-2019"} <= set(available_rulesets())
    for name in available_rulesets():
        rules = load_ruleset(name)
        assert rules.id == name
        assert rules.column_window("dynamic") == Window(14, "days")
        assert rules.column_window("notice") == Window(6, "months")
        assert rules.column_window("personnel") == Window(1, "years")
        assert rules.column_window("consult") is None
        assert rules.availability["max_failure_ratio"] == 0.05
    assert load_ruleset("census-2015").homepage_min_items == 10


@pytest.mark.parametrize(("window", "last", "expires"), [
    (Window(14, "days"), date(2026, 11, 8), date(2026, 11, 22)),
    (Window(6, "months"), date(2026, 5, 22), date(2026, 11, 22)),
    (Window(6, "months"), date(2026, 8, 31), date(2027, 2, 28)),  # month end clamps
    (Window(1, "years"), date(2024, 2, 29), date(2025, 2, 28)),
])
def test_window_expiry_and_cutoff_agree(window: Window, last: date, expires: date) -> None:
    assert window.expires(last) == expires
    assert window.cutoff(expires) <= last  # on the expiry day the update is still inside the window


def _table(tmp_path: Path, text: str) -> str:
    base = Path(load_ruleset("national-2019").path).read_text(encoding="utf-8")
    path = tmp_path / "mine.yaml"
    path.write_text(base.replace("    dynamic: {days: 14}", text), encoding="utf-8")
    return str(path)


def test_custom_table_file_is_used(tmp_path: Path) -> None:
    rules = load_ruleset(_table(tmp_path, "    dynamic: {days: 7}"))
    assert rules.column_window("dynamic") == Window(7, "days")


@pytest.mark.parametrize(("text", "message"), [
    ("    dynamic: {days: 0}", "columns.windows.dynamic.days"),
    ("    dynamic: {weeks: 2}", "columns.windows.dynamic"),
    ("    dinamic: {days: 14}", "columns.windows"),
])
def test_bad_rule_table_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(RulesError, match=message.replace(".", r"\.")):
        load_ruleset(_table(tmp_path, text))


def test_unknown_table_name_and_unreadable_file() -> None:
    with pytest.raises(RulesError, match="unknown rule table 'nope'.*national-2019"):
        load_ruleset("nope")
    with pytest.raises(RulesError, match="cannot read rule table"):
        load_ruleset("/nonexistent/rules.yaml")


def test_bad_site_config_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text("columns:\n  - {url: http://a.gov.cn/x/, type: news}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"columns\[0\]\.type: 'news' is not a column type"):
        load_site_config(path)
    path.write_text("systems:\n  - {name: 办事大厅}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="needs a name and a url"):
        load_site_config(path)


def test_cli_reports_rule_and_site_config_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "x.db")
    assert main(["inspect", "http://127.0.0.1:9/", "--rules", "nope", "--db", db]) == 2
    assert "unknown rule table" in capsys.readouterr().err
    bad = tmp_path / "site.yaml"
    bad.write_text("colums: []\n", encoding="utf-8")
    assert main(["inspect", "http://127.0.0.1:9/", "--site-config", str(bad), "--db", db]) == 2
    assert "unknown key 'colums'" in capsys.readouterr().err
