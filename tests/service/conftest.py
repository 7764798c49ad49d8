"""Fixtures for the monitoring service: a small simulated province on 127.0.0.1 and service configs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AS_OF, SIM_ALLOW_PRIVATE


@pytest.fixture(scope="module")
def small_sim() -> Iterator[Any]:
    """Simulated sites of 50 pages (patrols and scans stay quick)."""
    from govwatch.sim import SimOptions, SimServer

    with SimServer(SimOptions(seed=7, as_of=AS_OF, site_pages=50)).running() as server:
        yield server


def family_site(sim: Any) -> str:
    """The homepage of the first simulated site with columns."""
    return next(truth["homepage"] for truth in sim.manifest["sites"].values() if truth.get("columns"))


def write_settings(folder: Path) -> Path:
    """A settings file for ``govwatch serve --settings``: the simulator's loopback hosts allowed, quick timeouts."""
    path = folder / "settings.yaml"
    hosts = ", ".join(f'"{h}"' for h in SIM_ALLOW_PRIVATE)
    path.write_text(f"crawl:\n  allow_private: [{hosts}]\n  timeout: 2\n  connect_timeout: 1\n  network: offline\n"
                    "render:\n  enabled: false\n", encoding="utf-8")
    return path
