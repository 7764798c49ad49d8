"""Fixtures for the security tests: a fresh test PKI per session, and RunData over probe facts."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from govwatch.checks import run_checks
from govwatch.core.model import Finding
from govwatch.core.urls import Scope
from govwatch.rundata import RunData
from tests.security.pki import TestPKI

PROBE_TIMEOUT = 3.0


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return TestPKI(tmp_path_factory.mktemp("pki"))


def judge(site_url: str, facts: dict[str, dict[str, Any]], check: str) -> tuple[list[Finding], str]:
    """Run one registered check over in-memory run data holding ``facts``: (findings, status)."""
    data = RunData(site_url=site_url, scope=Scope.for_site(site_url), as_of=date.today(), fetches={}, facts=facts)
    findings, runs = run_checks(data, [check])
    assert runs[0].status != "error", runs[0].error
    return findings, runs[0].status
