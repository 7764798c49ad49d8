"""Shared fixtures: one real simulator server on loopback for the whole sim test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from govwatch.sim import Portfolio, SimServer
from tests.sim.sim_helpers import OPTIONS


@pytest.fixture(scope="session")
def sim() -> Iterator[SimServer]:
    """The simulator, served from a background thread."""
    with SimServer(OPTIONS).running() as server:
        yield server


@pytest.fixture(scope="session")
def portfolio() -> Portfolio:
    """The same portfolio as the server's, on made-up ports (pure generation, no sockets)."""
    return Portfolio.with_fake_ports(OPTIONS)
