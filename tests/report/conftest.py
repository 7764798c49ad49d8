"""Fixtures of the report tests: the small rule table and the six hand-made documents (tests/report/docs.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from govwatch.rules import RuleSet
from tests.report.docs import portfolio, ruleset


@pytest.fixture(scope="session")
def rules(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
    return ruleset(tmp_path_factory.mktemp("rules"))


@pytest.fixture(scope="session")
def docs(rules: RuleSet) -> dict[str, dict[str, Any]]:
    return portfolio(rules)


@pytest.fixture()
def out(tmp_path: Path) -> Path:
    return tmp_path / "out"
