"""The simulator with a counterfeit copy of its trs site (``SimOptions.clone``), shared by the package."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from govwatch.sim import SimServer
from govwatch.sim.options import SimOptions

CLONED = "trs"
CLONE_OPTIONS = SimOptions(seed=11, site_pages=60, hostile=False, clone=CLONED)


@pytest.fixture(scope="package")
def clone_sim() -> Iterator[SimServer]:
    with SimServer(CLONE_OPTIONS).running() as server:
        yield server
