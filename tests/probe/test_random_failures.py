"""``govwatch probe`` against a server that fails requests independently at random (issue 16, class 5).

The national rule counts every visit that does not open (首页打不开的次数占全部监测次数的比例).
A server failing each request with probability p, with no sustained outages, must be
reported failing that share of visits: a failed visit whose immediate re-probe opened
the page is still a failed visit (the re-probe only says it was transient). Random draws
vary, so the truth is what the server itself served: it logs every request it failed.
"""

from __future__ import annotations

import json
import random
import socket
import struct
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from govwatch.checks.availability import availability
from govwatch.commands.main import main
from govwatch.core.clock import today
from govwatch.core.siteconfig import parse_site_config
from govwatch.core.urls import Scope
from govwatch.crawl.availability.document import probe_schema
from govwatch.rules import load_ruleset
from govwatch.rundata import RunData
from govwatch.store.db import Store
from govwatch.store.probes import probes_in_window

VISITS = 400
FAILURE_P = 0.08
TIMEOUT = 1.0  # the probe's timeout: a healthy loopback answer takes milliseconds
HANG = 1.6  # a hanging answer comes after the timeout


class RandomFailures(ThreadingHTTPServer):
    """Fails each request with probability ``p`` (seeded): 500, a reset or a hang past the timeout.

    ``served`` logs every request in arrival order: True when it was failed.
    """

    daemon_threads = True

    def __init__(self, p: float, seed: int) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.p = p
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.served: list[bool] = []

    def draw(self) -> str | None:
        """The fault of the next request (None: answer 200), logged."""
        with self.lock:
            fault = None
            if self.rng.random() < self.p:
                fault = self.rng.choices(("error500", "reset", "hang"), weights=(45, 45, 10))[0]
            self.served.append(fault is not None)
            return fault

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"


class _Handler(BaseHTTPRequestHandler):
    server: RandomFailures

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        fault = self.server.draw()
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if fault == "hang":
            time.sleep(HANG)
        body = b"<html><body>ok</body></html>" if fault is None else b"error"
        self.send_response(500 if fault == "error500" else 200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        pass


@pytest.fixture()
def random_server() -> Iterator[RandomFailures]:
    server = RandomFailures(FAILURE_P, seed=16)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _probe(url: str, tmp_path: Path, *flags: str) -> dict[str, Any]:
    out = tmp_path / "probe.json"
    code = main(["probe", url, "--count", str(VISITS), "--interval", "0", "--timeout", str(TIMEOUT),
                 "--json", str(out), "--db", str(tmp_path / "p.db"), "--quiet", *flags])
    assert code == 0
    doc: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(probe_schema()).validate(doc)
    return doc


def _visits_of(served: list[bool]) -> list[tuple[bool, bool | None]]:
    """(failed, re-probe failed or None) per visit from the server's log: a failed visit's next request is its re-probe."""
    visits: list[tuple[bool, bool | None]] = []
    i = 0
    while i < len(served):
        failed = served[i]
        again = served[i + 1] if failed else None
        visits.append((failed, again))
        i += 2 if failed else 1
    assert i == len(served), "the log ends inside a visit"
    return visits


def test_every_visit_counts_by_its_own_result(random_server: RandomFailures, tmp_path: Path) -> None:
    doc = _probe(random_server.url, tmp_path)
    truth = _visits_of(random_server.served)
    assert len(truth) == doc["count"] == VISITS
    served_failures = sum(failed for failed, _ in truth)
    sustained = sum(1 for failed, again in truth if failed and again)
    transient = served_failures - sustained
    print(f"p={FAILURE_P}: server failed {served_failures}/{VISITS} visits ({sustained} sustained, {transient} "
          f"transient); reported failure_ratio {doc['failure_ratio']}")
    # Exactly what the server served, visit by visit, and so within a percentage point of it.
    assert [not p["ok"] for p in doc["probes"]] == [failed for failed, _ in truth]
    assert doc["failed"] == served_failures and doc["failure_ratio"] == round(served_failures / VISITS, 6)
    assert abs(doc["failure_ratio"] - served_failures / VISITS) <= 0.01
    # The re-probe is evidence: sustained (it failed too) or transient (it opened the page).
    assert (doc["failed_sustained"], doc["failed_transient"], doc["failed_unconfirmed"]) == (sustained, transient, 0)
    assert doc["blips"] == transient
    # Independent failures are nearly all transient: dropping them (the old rule) hid the veto.
    assert served_failures / VISITS >= 0.05 > sustained / VISITS, (served_failures, sustained)
    errors = {p["error"] for p in doc["probes"] if not p["ok"]}
    assert errors == {"http", "reset", "timeout"}, errors

    # The stored visits are the same, and the availability check vetoes the site.
    as_of = today()  # after the run: the window (seven days ending today) holds every visit
    store = Store(str(tmp_path / "p.db"))
    try:
        rows = probes_in_window(store, doc["target"]["site_id"], as_of, 7)
    finally:
        store.close()
    assert len(rows) == VISITS and sum(not r["ok"] for r in rows) == served_failures
    data = RunData(site_url=random_server.url, scope=Scope.for_site(random_server.url), as_of=as_of, fetches={},
                   probes=rows, rules=load_ruleset("national-2019"), site_config=parse_site_config({}, "site.yaml"))
    findings = {f.kind: f for f in availability(data)}
    veto = findings["site_unreachable"]
    assert veto.code == "availability.homepage" and veto.severity == "error"
    assert {k: veto.evidence[k] for k in ("visits", "failed", "failed_sustained", "failed_transient")} == {
        "visits": VISITS, "failed": served_failures, "failed_sustained": sustained, "failed_transient": transient}
    assert set(findings) == {"site_unreachable", "probe_coverage_low"}  # one day of visits, not seven


def test_without_the_reprobe_every_request_is_a_visit(random_server: RandomFailures, tmp_path: Path) -> None:
    doc = _probe(random_server.url, tmp_path, "--no-confirm")
    served = random_server.served
    assert len(served) == doc["count"] == VISITS  # no re-probes: every request the server saw is a visit
    assert doc["failed"] == sum(served) and doc["failure_ratio"] == round(sum(served) / VISITS, 6)
    assert (doc["failed_sustained"], doc["failed_transient"], doc["failed_unconfirmed"]) == (0, 0, sum(served))
    assert all(p["confirmed_by"] is None for p in doc["probes"])
