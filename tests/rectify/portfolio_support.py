"""A two-site simulated portfolio (a city portal and a county portal under it), registered from the
simulator's own registry sheet, drawn as a spot check and inspected through ``govwatch spotcheck
run``: shared by the spot-check and annual-report tests (one crawl of each site per test process).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from govwatch.commands.main import main
from tests.conftest import AS_OF, CRAWL_TIMEOUT, SIM_ALLOW_PRIVATE

CRAWL = {"concurrency": 16, "per_host_concurrency": 8, "per_host_rate": 0, "timeout": CRAWL_TIMEOUT,
         "connect_timeout": 1.0, "backoff": 0.1, "network": "offline", "seed_retry_seconds": 1.0,
         "allow_private": list(SIM_ALLOW_PRIVATE)}
SEED = 2026


@dataclass
class Portfolio:
    """The inspected portfolio: its store, settings file, spot check, simulator and manifest."""

    folder: Path
    db: Path
    config: Path
    spot_id: int
    sim: Any
    manifest: dict[str, Any]
    run_output: str  # what `spotcheck run` printed

    def copy_db(self, folder: Path) -> Path:
        """A copy of the store for a test that writes (the shared one stays as the run left it)."""
        target = folder / "copy.db"
        with closing(sqlite3.connect(self.db)) as source, closing(sqlite3.connect(target)) as copy:
            source.backup(copy)  # WAL mode: a file copy could miss what is not yet checkpointed
        return target


def write_config(folder: Path) -> Path:
    path = folder / "settings.yaml"
    path.write_text(yaml.safe_dump({"crawl": CRAWL, "render": {"enabled": False}}), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portfolio]:
    from govwatch.sim import SimOptions, SimServer, SiteSpec
    from govwatch.sim.registry_sheet import write_registry_csv

    folder = tmp_path_factory.mktemp("portfolio")
    db, config = folder / "g.db", write_config(folder)
    options = SimOptions(seed=7, as_of=AS_OF, site_pages=200, hostile=False,
                         sites=(SiteSpec("trs", "trs", "host", "city"), SiteSpec("jcms", "jcms", "host", "county")))
    with SimServer(options).running() as sim:
        registry = write_registry_csv(options, sim.manifest, folder / "registry.csv")
        assert main(["sites", "import", str(registry), "--db", str(db)]) == 0
        assert main(["spotcheck", "draw", "--ratio", "city=1,county=1", "--seed", str(SEED), "--period", "2026Q4",
                     "--db", str(db)]) == 0
        spot_id = 1
        from govwatch.commands.common import console

        with console.capture() as captured:
            code = main(["spotcheck", "run", str(spot_id), "--db", str(db), "--config", str(config),
                         "--as-of", AS_OF.isoformat()])
        assert code == 0, captured.get()
        yield Portfolio(folder, db, config, spot_id, sim, sim.manifest, captured.get())
