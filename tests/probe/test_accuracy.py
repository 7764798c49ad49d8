"""400 visits against a flaky server: the measured failure ratio matches the server's truth.

The server fails 3% of visits by hanging past the timeout, 3% by resetting the
connection and 3% by answering 500 (outages: the re-probe fails too), and 5%
more are blips (the re-probe succeeds). Every one of them is a failed visit (the
national rule counts every visit that does not open); the re-probe only tells
sustained failures (outages) from transient ones (blips). Four lanes (paths) are
probed concurrently; each visit and its re-probe stay in one lane, so the server
can tell a re-probe from the next visit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import jsonschema

from govwatch.crawl.availability.document import probe_document, probe_schema
from govwatch.crawl.availability.visit import Visit, visit
from govwatch.sim.flaky import FlakyServer
from tests.probe.conftest import PROBE_TIMEOUT

VISITS = 400
LANES = 4


async def _lane(url: str, n: int) -> list[Visit]:
    return [await visit(url, timeout=PROBE_TIMEOUT, max_bytes=1 << 20, user_agent="govwatch-test") for _ in range(n)]


async def test_measured_failure_ratio_matches_the_truth(flaky: Callable[..., FlakyServer]) -> None:
    server = flaky(hang=0.03, reset=0.03, error500=0.03, blip=0.05, seed=11)
    urls = [server.url(f"/lane{i}/", host="localhost") for i in range(LANES)]
    lanes = await asyncio.gather(*(_lane(u, VISITS // LANES) for u in urls))
    visits = [v for lane in lanes for v in lane]
    truth = server.truth()

    assert len(visits) == VISITS
    # Equal unless a healthy answer was slower than the timeout (its re-probe then looks like a visit).
    assert abs(truth["visits"] - VISITS) <= 2
    failed = [v for v in visits if not v.ok]
    sustained = [v for v in failed if v.failure == "sustained"]
    transient = [v for v in failed if v.failure == "transient"]
    measured = len(failed) / len(visits)
    true_ratio = (truth["outages"] + truth["blips"]) / truth["visits"]  # every visit that did not open
    print(f"measured failure ratio {measured:.4f}, true {true_ratio:.4f}, sustained {len(sustained)}/"
          f"{truth['outages']}, transient {len(transient)}/{truth['blips']}, kinds {truth['by_kind']}")
    assert abs(measured - true_ratio) <= 0.01
    # The mix really was mixed, and blips count as failed visits, told apart as transient.
    assert all(truth["by_kind"].get(k, 0) >= 3 for k in ("hang", "reset", "error500")), truth
    assert truth["blips"] >= 5 and abs(len(transient) - truth["blips"]) <= 1
    assert abs(len(sustained) - truth["outages"]) <= 1 and len(sustained) + len(transient) == len(failed)
    # Every sustained failure carries its failed re-probe as evidence, with the same error class.
    for v in sustained:
        assert v.confirmed_by is not None and v.confirmed_by["ok"] is False
        assert v.confirmed_by["error"] == v.error
    for v in transient:
        assert v.error is not None and v.confirmed_by is not None and v.confirmed_by["status"] == 200
    by_error = {e: sum(1 for v in sustained if v.error == e) for e in ("timeout", "reset", "http")}
    expected = {"timeout": truth["by_kind"]["hang"], "reset": truth["by_kind"]["reset"],
                "http": truth["by_kind"]["error500"]}
    assert all(abs(by_error[e] - expected[e]) <= 1 for e in expected), (by_error, expected)
    # Timings of the visits that opened the page: measured, and in order.
    for v in visits:
        if v.ok:
            assert v.dns_ms > 0 and v.connect_ms > 0 and v.first_byte_ms > 0  # type: ignore[operator]
            assert v.dns_ms + v.connect_ms <= v.first_byte_ms <= v.total_ms  # type: ignore[operator]
    # The Probe JSON document validates against its schema.
    doc = probe_document(urls[0], visits, timeout_s=PROBE_TIMEOUT, confirm=True, requested=VISITS, interval_s=0)
    jsonschema.Draft202012Validator(probe_schema()).validate(doc)
    assert doc["count"] == VISITS and doc["failed"] == len(failed)
    assert (doc["failed_sustained"], doc["failed_transient"], doc["failed_unconfirmed"]) == (
        len(sustained), len(transient), 0)
    assert doc["failure_ratio"] == round(measured, 6)
