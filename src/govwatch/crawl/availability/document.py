"""The Probe JSON document (``govwatch probe --json``) and a text summary of visits."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from statistics import median
from typing import Any

from govwatch.crawl.availability.visit import Visit

SCHEMA_VERSION = 1


def probe_document(url: str, visits: list[Visit], *, timeout_s: float, confirm: bool, requested: int,
                   interval_s: float, interrupted: bool = False,
                   target: dict[str, Any] | None = None) -> dict[str, Any]:
    """The Probe JSON contract: ``url, count, failed, failure_ratio, timeout_s, probes[]`` and more."""
    failed = sum(1 for v in visits if not v.ok)
    return {
        "schema_version": SCHEMA_VERSION,
        "url": url,
        "count": len(visits),
        "failed": failed,
        "failure_ratio": round(failed / len(visits), 6) if visits else 0.0,
        "blips": sum(1 for v in visits if v.blip),
        "timeout_s": timeout_s,
        "confirm": confirm,
        "requested": requested,
        "interval_s": interval_s,
        "interrupted": interrupted,
        "target": target,
        "probes": [v.as_json() for v in visits],
    }


@cache
def probe_schema() -> dict[str, Any]:
    """The JSON Schema of the Probe JSON document (``schemas/probe.schema.json``)."""
    return json.loads(resources.files("govwatch").joinpath("schemas", "probe.schema.json").read_text("utf-8"))


def summary_line(visits: list[Visit]) -> str:
    """One line: visits, failures, ratio, blips, median and slowest time of the open visits."""
    if not visits:
        return "no visit completed"
    failed = sum(1 for v in visits if not v.ok)
    blips = sum(1 for v in visits if v.blip)
    times = [v.total_ms for v in visits if v.ok and v.error is None]
    speed = f"; open in median {median(times):.0f} ms, slowest {max(times):.0f} ms" if times else ""
    kinds: dict[str, int] = {}
    for v in visits:
        if not v.ok and v.error:
            kinds[v.error] = kinds.get(v.error, 0) + 1
    why = f" ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))})" if kinds else ""
    return (f"{len(visits)} visits, {failed} failed{why} = {failed / len(visits):.1%}"
            f"{f', {blips} blips (failed once, open on the re-probe)' if blips else ''}{speed}")


def visit_line(n: int, visit: Visit, label: str = "") -> str:
    """One line per visit, for live output."""
    state = "ok  " if visit.ok and visit.error is None else "blip" if visit.ok else "FAIL"
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
