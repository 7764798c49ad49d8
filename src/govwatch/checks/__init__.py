"""Checks: pure functions from a run's stored data to findings.

A check is registered with :func:`check` and receives a :class:`govwatch.rundata.RunData`; it
returns findings and never touches the network. :func:`run_checks` runs every
registered check, turning a crashing check into an error record while the
others go on (DESIGN principle 5). A check that has nothing to judge (no probe
visits, no homepage) raises :class:`NotAssessed`: its kinds then count as not
looked for, so the rules engine reports the indicators they feed as not assessed.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from govwatch.core.model import Finding
from govwatch.rules.reads import recording
from govwatch.rundata import RunData

CheckFn = Callable[[RunData], Iterable[Finding]]


class NotAssessed(Exception):
    """Raised by a check that has no data to judge; the message says what is missing."""


@dataclass(frozen=True, slots=True)
class RegisteredCheck:
    name: str
    family: str
    kinds: tuple[str, ...]
    fn: CheckFn


REGISTRY: dict[str, RegisteredCheck] = {}


def check(name: str, *, family: str, kinds: tuple[str, ...]) -> Callable[[CheckFn], CheckFn]:
    """Register a check function under ``name`` producing finding ``kinds``. Which rule-table
    sections it reads is recorded each time it runs (:func:`run_checks`), never declared."""
    def register(fn: CheckFn) -> CheckFn:
        if name in REGISTRY:
            raise ValueError(f"check {name!r} registered twice")
        REGISTRY[name] = RegisteredCheck(name=name, family=family, kinds=kinds, fn=fn)
        return fn
    return register


@dataclass(slots=True)
class CheckRun:
    """How one check went."""

    name: str
    status: str  # ok | error | not_assessed
    findings: int
    elapsed_ms: float
    error: str | None = None
    # The rule-table sections it read (rules/reads.py); None: not known (a record stored before they were)
    rule_reads: frozenset[str] | None = None


def run_checks(data: RunData, names: Iterable[str] | None = None) -> tuple[list[Finding], list[CheckRun]]:
    """Run the registered checks (all, or ``names``) over ``data``, recording which rule-table
    sections each read (with what the run's cached analysis read for it)."""
    load_builtin_checks()
    selected = [REGISTRY[n] for n in names] if names is not None else list(REGISTRY.values())
    findings: list[Finding] = []
    runs: list[CheckRun] = []
    for registered in selected:
        started = time.perf_counter()
        status, produced, error = "ok", [], None
        with recording() as reads:
            try:
                produced = list(registered.fn(data))
            except NotAssessed as exc:
                status, error = "not_assessed", str(exc)
            except Exception as exc:  # noqa: BLE001 - a crashing check is recorded, not fatal
                status, error = "error", "".join(traceback.format_exception_only(type(exc), exc)).strip()
        findings.extend(produced)
        runs.append(CheckRun(registered.name, status, len(produced), (time.perf_counter() - started) * 1000, error,
                             frozenset(reads)))
    return findings, runs


def looked_for(check_runs: Iterable[CheckRun]) -> frozenset[str]:
    """Finding kinds that checks which ran and could judge were looking for."""
    load_builtin_checks()
    return frozenset(k for c in check_runs if c.status == "ok" and c.name in REGISTRY for k in REGISTRY[c.name].kinds)


def load_builtin_checks() -> None:
    """Import the built-in check families so they register themselves."""
    from govwatch.checks import (  # noqa: F401
        accessibility,
        availability,
        cloaking,
        content,
        counterfeit,
        coverage,
        freshness,
        identity,
        link_availability,
        privacy,
        responsiveness,
        security,
        services,
        site_search,
        tampering,
        transport,
    )
