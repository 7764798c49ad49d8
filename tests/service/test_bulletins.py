"""The service's bulletin: the quarter it reports on, written from complete full runs only, and when the
scheduler's bulletin job is due."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any

from govwatch.core.clock import SHANGHAI
from govwatch.core.serviceconfig import parse_service_config
from govwatch.pipeline import inspect_site
from govwatch.service.bulletins import period_label, write_period_bulletin
from govwatch.service.patrol import patrol_site
from govwatch.service.scheduler import Scheduler
from govwatch.store.db import Store
from tests.conftest import AS_OF, sim_settings
from tests.service.conftest import family_site


def bj(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)  # type: ignore[misc]


def test_period_label_is_the_quarter_that_ended() -> None:
    assert period_label(bj(2027, 1, 1, 0, 5)) == "2026年第四季度"
    assert period_label(bj(2026, 4, 1)) == "2026年第一季度"
    assert period_label(bj(2026, 10, 15)) == "2026年第三季度"


def test_bulletin_from_complete_full_runs_only(small_sim: Any, tmp_path: Path) -> None:
    url = family_site(small_sim)
    store = Store(f"sqlite:///{tmp_path / 'g.db'}")
    settings = sim_settings(store.url)
    patrol = asyncio.run(patrol_site(url, settings, store, AS_OF, max_pages=10))
    site_id = store.run(patrol.run_id)["site_id"]
    assert write_period_bulletin(store, [site_id], str(tmp_path / "out"), bj(2027, 1, 1)) == []  # a patrol: none
    inspect_site(url, settings, store, as_of=AS_OF, kind="scan")
    paths = write_period_bulletin(store, [site_id], str(tmp_path / "out"), bj(2027, 1, 1))
    assert [p.name for p in paths] == ["得分表.xlsx", "通报.docx", "通报.pdf"]  # the PDF by LibreOffice
    assert all(p.parent == tmp_path / "out" / "2026年第四季度" and p.stat().st_size > 0 for p in paths)
    store.close()


def test_the_bulletin_job_is_due_at_the_next_quarter(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'g.db'}")
    config = parse_service_config({"use_registry": False, "schedule": {"bulletin_dir": str(tmp_path / "b")}}, "t.yaml")
    scheduler = Scheduler(store, config, sim_settings(store.url), alerts=False, clock=lambda: bj(2026, 11, 20, 9, 0))
    scheduler.load()
    assert scheduler.jobs["bulletin"].due == bj(2027, 1, 1)
    no_dir = Scheduler(store, parse_service_config({"use_registry": False}, "t.yaml"), sim_settings(store.url),
                       alerts=False)
    no_dir.load()
    assert "bulletin" not in no_dir.jobs  # nowhere to write it: no job
    store.close()
