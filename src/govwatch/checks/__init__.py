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
from govwatch.core.spool import Spool
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


class FactPending(Exception):
    """Raised by ``RunData.run_fact`` for a site measurement still running (pipeline.py runs the
    measurements beside the checks): :func:`run_checks` runs that check again after the others,
    once ``wait_for_facts`` returned. A check must let it pass (catch ``NotAssessed``, not ``Exception``)."""


def run_checks(data: RunData, names: Iterable[str] | None = None, *,
               wait_for_facts: Callable[[], None] | None = None) -> tuple[Spool[Finding], list[CheckRun]]:
    """Run the registered checks (all, or ``names``) over ``data``, recording which rule-table
    sections each read (with what the run's cached analysis read for it).

    The findings go to a :class:`~govwatch.core.spool.Spool` as each check makes them: a large
    site's tens of thousands of findings are never held in memory (nor left scattered among each
    check's short-lived objects). A check that reads a fact still being measured
    (:class:`FactPending`) is run again after all the others, once ``wait_for_facts()`` returned;
    the findings keep the registry's order."""
    load_builtin_checks()
    selected = [REGISTRY[n] for n in names] if names is not None else list(REGISTRY.values())
    root: Spool[Finding] = Spool()
    done: dict[str, tuple[Spool[Finding], CheckRun]] = {}
    deferred = [registered for registered in selected if not _run_one(registered, data, root, done)]
    if deferred:
        if wait_for_facts is None:
            raise RuntimeError("a check waits for a site measurement, but nothing measures the run")
        wait_for_facts()
        for registered in deferred:
            if not _run_one(registered, data, root, done):
                raise RuntimeError(f"check {registered.name!r} still waits for a site measurement after it ended")
    findings = Spool.joined(done[registered.name][0] for registered in selected)
    return findings, [done[registered.name][1] for registered in selected]


def _run_one(registered: RegisteredCheck, data: RunData, root: Spool[Finding],
             done: dict[str, tuple[Spool[Finding], CheckRun]]) -> bool:
    """Run one check into ``done``, its findings into a sibling of ``root``; False when it read a
    fact still being measured (nothing kept). A check that fails part-way keeps no findings."""
    started = time.perf_counter()
    status, error = "ok", None
    found = root.sibling()
    with recording() as reads:
        try:
            found.extend(registered.fn(data))
        except FactPending:
            return False
        except NotAssessed as exc:
            status, error, found = "not_assessed", str(exc), root.sibling()
        except Exception as exc:  # noqa: BLE001 - a crashing check is recorded, not fatal
            status, error = "error", "".join(traceback.format_exception_only(type(exc), exc)).strip()
            found = root.sibling()
    done[registered.name] = (found, CheckRun(registered.name, status, len(found),
                                             (time.perf_counter() - started) * 1000, error, frozenset(reads)))
    return True


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
