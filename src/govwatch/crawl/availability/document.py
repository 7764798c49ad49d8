"""The Probe JSON document (``govwatch probe --json``) and a text summary of visits."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from statistics import median
from typing import Any

from govwatch.core.windows import count_failures
from govwatch.crawl.availability.visit import Visit

SCHEMA_VERSION = 1


def probe_document(url: str, visits: list[Visit], *, timeout_s: float, confirm: bool, requested: int,
                   interval_s: float, interrupted: bool = False,
                   target: dict[str, Any] | None = None) -> dict[str, Any]:
    """The Probe JSON contract: ``url, count, failed, failure_ratio, timeout_s, probes[]`` and more.

    ``failed`` counts every visit by its own result; ``failed_sustained`` /
    ``failed_transient`` / ``failed_unconfirmed`` split it by the re-probe (``blips``
    is ``failed_transient`` under its schema-version-1 name).
    """
    probes = [v.as_json() for v in visits]
    counts = count_failures(probes)
    return {
        "schema_version": SCHEMA_VERSION,
        "url": url,
        "count": counts.visits,
        "failed": counts.failed,
        "failure_ratio": round(counts.ratio, 6),
        **counts.evidence(),
        "blips": counts.transient,
        "timeout_s": timeout_s,
        "confirm": confirm,
        "requested": requested,
        "interval_s": interval_s,
        "interrupted": interrupted,
        "target": target,
        "probes": probes,
    }


@cache
def probe_schema() -> dict[str, Any]:
    """The JSON Schema of the Probe JSON document (``schemas/probe.schema.json``)."""
    return json.loads(resources.files("govwatch").joinpath("schemas", "probe.schema.json").read_text("utf-8"))


def summary_line(visits: list[Visit]) -> str:
    """One line: visits, failures (sustained / transient), ratio, median and slowest time of the open visits."""
    if not visits:
        return "no visit completed"
    counts = count_failures(v.as_json() for v in visits)
    times = [v.total_ms for v in visits if v.ok]
    speed = f"; open in median {median(times):.0f} ms, slowest {max(times):.0f} ms" if times else ""
    kinds: dict[str, int] = {}
    for v in visits:
        if not v.ok and v.error:
            kinds[v.error] = kinds.get(v.error, 0) + 1
    why = f" ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))})" if kinds else ""
    split = [f"{n} {label}" for n, label in ((counts.sustained, "sustained (the re-probe failed too)"),
                                             (counts.transient, "transient (open on the re-probe)")) if n]
    detail = f" — {', '.join(split)}" if split else ""
    return f"{counts.visits} visits, {counts.failed} failed{why} = {counts.ratio:.1%}{detail}{speed}"


def visit_line(n: int, visit: Visit, label: str = "") -> str:
    """One line per visit, for live output."""
    state = "ok  " if visit.ok else "FAIL"
    status = str(visit.status) if visit.status is not None else "-"
    def ms(x: float | None) -> str:
        return "-" if x is None else f"{x:.0f}"
    what = f" {visit.error}: {visit.error_detail}" if visit.error else ""
    again = ""
    if visit.confirmed_by is not None:
        c = visit.confirmed_by
        again = f" | re-probe {'ok' if c['ok'] else 'failed'} ({c.get('error') or c.get('status')})"
    prefix = f"{label} " if label else ""
    return (f"{prefix}#{n:<4} {visit.at[11:23]} {state} {status:>3} dns {ms(visit.dns_ms)} "
            f"connect {ms(visit.connect_ms)} tls {ms(visit.tls_ms)} first-byte {ms(visit.first_byte_ms)} "
            f"total {ms(visit.total_ms)} ms {visit.bytes} B{what}{again}")
