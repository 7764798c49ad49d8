"""Checks: pure functions from a run's stored data to findings.

A check is registered with :func:`check` and receives a :class:`RunData`; it
returns findings and never touches the network. :func:`run_checks` runs every
registered check, turning a crashing check into an error record while the
others go on (DESIGN principle 5).
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from govwatch.model import Finding
from govwatch.urls import Scope


@dataclass(slots=True)
class RunData:
    """What checks may read: a run's fetches, extracted pages and links."""

    site_url: str  # the homepage URL as inspected (normalised)
    scope: Scope
    as_of: date
    fetches: dict[str, dict[str, Any]]  # url -> fetch row
    pages: dict[str, dict[str, Any]]  # url -> stored facts (page_type, title, lists, meta, ...)
    links: list[tuple[str, str, str, str, str]]  # (source, target, kind, text, via)
    homepage_urls: frozenset[str] = field(default_factory=frozenset)  # homepage and where it redirected

    def is_homepage(self, url: str) -> bool:
        return url in self.homepage_urls


CheckFn = Callable[[RunData], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class RegisteredCheck:
    name: str
    family: str
    kinds: tuple[str, ...]
    fn: CheckFn


REGISTRY: dict[str, RegisteredCheck] = {}


def check(name: str, *, family: str, kinds: tuple[str, ...]) -> Callable[[CheckFn], CheckFn]:
    """Register a check function under ``name`` producing finding ``kinds``."""
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
    status: str  # ok | error
    findings: int
    elapsed_ms: float
    error: str | None = None


def run_checks(data: RunData, names: Iterable[str] | None = None) -> tuple[list[Finding], list[CheckRun]]:
    """Run the registered checks (all, or ``names``) over ``data``."""
    load_builtin_checks()
    selected = [REGISTRY[n] for n in names] if names is not None else list(REGISTRY.values())
    findings: list[Finding] = []
    runs: list[CheckRun] = []
    for registered in selected:
        started = time.perf_counter()
        try:
            produced = list(registered.fn(data))
        except Exception as exc:  # noqa: BLE001 - a crashing check is recorded, not fatal
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            runs.append(CheckRun(registered.name, "error", 0, (time.perf_counter() - started) * 1000, detail))
            continue
        findings.extend(produced)
        runs.append(CheckRun(registered.name, "ok", len(produced), (time.perf_counter() - started) * 1000))
    return findings, runs


def load_builtin_checks() -> None:
    """Import the built-in check families so they register themselves."""
    from govwatch.checks import links  # noqa: F401
