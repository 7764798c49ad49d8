"""run_checks spools each check's findings as they are made (core/spool.py: pickled, CHUNK at a time,
to a temporary file) and gives them back as one spool: the same findings in the same order, values
of the same types; a finding pickle cannot write is kept as it is; a check that crashes part-way
keeps none, as before."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from govwatch.checks import REGISTRY, check, run_checks
from govwatch.core.model import Finding
from govwatch.core.spool import CHUNK
from govwatch.core.urls import Scope
from govwatch.rundata import RunData

HOME = "http://example.gov.cn/"
MANY = 2 * CHUNK + 7  # three chunks, the last one short


def _finding(i: int, evidence: dict[str, object]) -> Finding:
    return Finding(kind="packed", code=f"test.packed.{i % 3}", indicator="测试", url=f"{HOME}{i}.html",
                   message=f"第{i}个问题", evidence=evidence, target=None if i % 2 else f"{HOME}t{i}",
                   severity=("error", "warning")[i % 2])


def _evidence(i: int) -> dict[str, object]:
    return {"n": i, "ratio": i / 7, "when": date(2026, 11, 1 + i % 28), "pair": (i, str(i)), "none": None,
            "nested": {"list": [i, {"deep": True}]}}


@pytest.fixture()
def registered() -> Iterator[dict[str, list[Finding]]]:
    made: dict[str, list[Finding]] = {"many": [], "odd": []}

    def many(data: RunData) -> Iterator[Finding]:
        for i in range(MANY):
            f = _finding(i, _evidence(i))
            made["many"].append(f)
            yield f

    def odd(data: RunData) -> Iterator[Finding]:
        f = _finding(0, {"callback": lambda: None})  # nothing a check should make, but not lost
        made["odd"].append(f)
        yield f

    def crashes(data: RunData) -> Iterator[Finding]:
        for i in range(CHUNK + 1):  # one chunk spooled before the crash
            yield _finding(i, {})
        raise ValueError("broken part-way")

    names = {"test_packed.many": many, "test_packed.odd": odd, "test_packed.crashes": crashes}
    for name, fn in names.items():
        check(name, family="test", kinds=("packed",))(fn)
    yield made
    for name in names:
        REGISTRY.pop(name)


def test_findings_come_back_equal_in_order_with_their_types(registered: dict[str, list[Finding]]) -> None:
    data = RunData(site_url=HOME, scope=Scope.for_site(HOME), as_of=date(2026, 11, 20), fetches={})
    spooled, runs = run_checks(data, ["test_packed.many", "test_packed.odd", "test_packed.crashes"])
    findings = list(spooled)
    assert len(spooled) == len(findings) and list(spooled) == findings  # read back again, the same
    made = registered["many"]
    assert len(made) == MANY
    assert findings[:MANY] == made  # equal, in order, and new objects (read back)
    assert all(a is not b for a, b in zip(findings, made, strict=False))
    first = findings[1].evidence
    assert type(first["when"]) is date and type(first["pair"]) is tuple and type(first["ratio"]) is float
    assert findings[MANY] is registered["odd"][0]  # pickle cannot write it: kept as it was
    assert len(findings) == MANY + 1  # the crashing check's spooled chunk is not kept
    by_name = {r.name: r for r in runs}
    assert (by_name["test_packed.many"].status, by_name["test_packed.many"].findings) == ("ok", MANY)
    assert by_name["test_packed.odd"].findings == 1
    crashed = by_name["test_packed.crashes"]
    assert (crashed.status, crashed.findings) == ("error", 0) and "broken part-way" in (crashed.error or "")
