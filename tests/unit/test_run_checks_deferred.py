"""run_checks with facts still being measured: a check reading one (FactPending) runs after the others."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from govwatch.checks import REGISTRY, FactPending, NotAssessed, check, run_checks
from govwatch.core.model import Finding
from govwatch.core.urls import Scope
from govwatch.rundata import RunData

HOME = "http://example.gov.cn/"
NAMES = ("test_deferred.first", "test_deferred.reads_fact", "test_deferred.last")


class Measuring(RunData):
    """A run whose ``probe`` fact is pending until ``release()``."""

    def __init__(self) -> None:
        super().__init__(site_url=HOME, scope=Scope.for_site(HOME), as_of=date(2026, 11, 20), fetches={},
                         facts={"probe": {"value": 7}})
        self.pending, self.waits, self.order = True, 0, []

    def run_fact(self, name: str) -> dict[str, object] | None:
        if self.pending:
            raise FactPending(name)
        return super().run_fact(name)

    def release(self) -> None:
        self.waits += 1
        self.pending = False


def _finding(kind: str, code: str, message: str) -> Finding:
    return Finding(kind=kind, code=code, indicator="测试", url=HOME, message=message, evidence={})


@pytest.fixture()
def checks() -> Iterator[None]:
    def first(data: RunData) -> Iterator[Finding]:
        data.order.append("first")  # type: ignore[attr-defined]
        yield _finding("a", "test.first", "first")

    def reads_fact(data: RunData) -> Iterator[Finding]:
        data.order.append("reads_fact")  # type: ignore[attr-defined]
        yield _finding("b", "test.partial", "before the fact")  # dropped when deferred
        fact = data.run_fact("probe")
        if fact is None:
            raise NotAssessed("no probe")
        yield _finding("b", "test.fact", f"value {fact['value']}")

    def last(data: RunData) -> Iterator[Finding]:
        data.order.append("last")  # type: ignore[attr-defined]
        yield _finding("c", "test.last", "last")

    for name, fn in zip(NAMES, (first, reads_fact, last), strict=True):
        check(name, family="test", kinds=(name,))(fn)
    try:
        yield
    finally:
        for name in NAMES:
            REGISTRY.pop(name, None)


def test_a_check_reading_a_pending_fact_runs_after_the_others_and_keeps_its_place(checks: None) -> None:
    data = Measuring()
    findings, runs = run_checks(data, NAMES, wait_for_facts=data.release)
    assert data.order == ["first", "reads_fact", "last", "reads_fact"]  # tried, deferred, run again once released
    assert data.waits == 1
    assert [f.code for f in findings] == ["test.first", "test.partial", "test.fact", "test.last"]
    assert [f.message for f in findings if f.code == "test.fact"] == ["value 7"]
    assert [(r.name, r.status, r.findings) for r in runs] == [(NAMES[0], "ok", 1), (NAMES[1], "ok", 2),
                                                              (NAMES[2], "ok", 1)]


def test_without_pending_facts_nothing_waits(checks: None) -> None:
    data = Measuring()
    data.pending = False
    findings, _runs = run_checks(data, NAMES, wait_for_facts=data.release)
    assert data.waits == 0 and data.order == ["first", "reads_fact", "last"]
    assert [f.code for f in findings] == ["test.first", "test.partial", "test.fact", "test.last"]


def test_a_pending_fact_with_nothing_measuring_is_an_error_not_a_silent_skip(checks: None) -> None:
    with pytest.raises(RuntimeError, match="nothing measures the run"):
        run_checks(Measuring(), NAMES)
