"""``govwatch monitor``: schedules per target; a hanging site never delays a healthy one; rows stored."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from govwatch.commands.main import main
from govwatch.core.siteconfig import parse_site_config
from govwatch.core.windows import parse_at
from govwatch.crawl.availability.monitor import Monitor, MonitorOptions
from govwatch.crawl.availability.visit import Visit, visit_row
from govwatch.sim.flaky import FlakyServer
from govwatch.store import tables as t
from govwatch.store.db import Store
from govwatch.store.probes import Target, save_rows, site_targets
from tests.probe.conftest import PROBE_TIMEOUT

INTERVAL = 0.25
DURATION = 3.0


def _rows(db: Path) -> list[dict[str, object]]:
    store = Store(str(db))
    try:
        with store.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(t.probes).order_by(t.probes.c.id)).mappings()]
    finally:
        store.close()


def test_hanging_site_does_not_delay_the_healthy_one(flaky: Callable[..., FlakyServer], tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    hung, healthy = flaky(hang=1.0, hang_seconds=5.0), flaky()
    db = tmp_path / "m.db"
    started = time.monotonic()
    code = main(["monitor", hung.url("/"), healthy.url("/"), "--interval", str(INTERVAL), "--duration", str(DURATION),
                 "--timeout", str(PROBE_TIMEOUT), "--db", str(db)])
    elapsed = time.monotonic() - started
    assert code == 0
    assert elapsed < DURATION + 3  # stopping does not wait for hanging visits
    rows = _rows(db)
    good = [r for r in rows if r["url"] == healthy.url("/")]
    bad = [r for r in rows if r["url"] == hung.url("/")]
    # Healthy: one visit every 0.25 s (+/- 20%) from 0.125 s on -> 12 in 3 s, whatever the hung site does.
    assert 10 <= len(good) <= 13, len(good)
    assert all(r["ok"] for r in good)
    times = [parse_at(str(r["at"])) for r in good]
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
    assert max(gaps) < INTERVAL * 1.4 + 0.1, gaps
    # Hung: every visit cut at the timeout and confirmed (2 x 0.5 s each), so only a few; all failed.
    assert 2 <= len(bad) <= 4 and all(not r["ok"] and r["error"] == "timeout" for r in bad)
    assert all(r["confirmed_by"]["error"] == "timeout" for r in bad)
    assert {r["target_kind"] for r in rows} == {"homepage"} and len({r["site_id"] for r in rows}) == 2
    out = capsys.readouterr()
    assert out.out.count(healthy.url("/")) == len(good)  # one line per visit
    assert f"已保存访问记录 {len(rows)} 条" in out.err


def test_key_columns_and_systems_get_their_own_schedule(flaky: Callable[..., FlakyServer], tmp_path: Path) -> None:
    server = flaky()
    home = server.url("/")
    config = parse_site_config({
        "columns": [{"url": server.url("/zdxm/"), "name": "重大项目", "type": "other", "key": True},
                    {"url": server.url("/gzdt/"), "type": "dynamic"}],  # not key: not probed
        "systems": [{"name": "网上办事大厅", "url": server.url("/wsbs/")}],
    }, "site.yaml")
    store = Store(str(tmp_path / "m.db"))
    try:
        targets = site_targets(store, home, config)
        assert [(x.kind, x.url, x.name) for x in targets] == [
            ("homepage", home, None), ("column", server.url("/zdxm/"), "重大项目"),
            ("system", server.url("/wsbs/"), "网上办事大厅")]
        seen: list[tuple[str, int]] = []

        def sink(batch: list[tuple[Target, Visit]]) -> None:
            save_rows(store, [visit_row(tg, v, 1.0) for tg, v in batch])

        options = MonitorOptions(interval=0.3, timeout=1.0, max_bytes=1 << 16, user_agent="t", seed=1)
        monitor = Monitor(targets, options, sink=sink, on_visit=lambda tg, n, v: seen.append((tg.kind, n)))
        stats = asyncio.run(monitor.run(1.0))
        assert all(3 <= s.visits <= 5 for s in stats.values()), [s.visits for s in stats.values()]
        assert monitor.stored == len(seen) == sum(s.visits for s in stats.values())
        with store.engine.connect() as conn:
            kinds = [r[0] for r in conn.execute(select(t.probes.c.target_kind))]
        assert set(kinds) == {"homepage", "column", "system"} and len(kinds) == monitor.stored
    finally:
        store.close()


def test_site_configs_pair_with_urls(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "s.yaml"
    config.write_text("systems: []\n", encoding="utf-8")
    code = main(["monitor", "http://127.0.0.1:9/", "--site-config", str(config), "--site-config", str(config),
                 "--db", str(tmp_path / "m.db")])
    assert code == 2 and "给出了 2 个 --site-config 文件，但只有 1 个网址" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("sytems: []\n", encoding="utf-8")
    code = main(["monitor", "http://127.0.0.1:9/", "--site-config", str(bad), "--db", str(tmp_path / "m.db")])
    assert code == 2 and "unknown key 'sytems'" in capsys.readouterr().err


def test_sigterm_stops_cleanly_with_rows_stored(flaky: Callable[..., FlakyServer], tmp_path: Path) -> None:
    server = flaky()
    db = tmp_path / "m.db"
    proc = subprocess.Popen([sys.executable, "-m", "govwatch", "monitor", server.url("/"), "--interval", "0.1",
                             "--db", str(db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + 30
        while server.truth()["visits"] < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    rows = _rows(db)
    assert len(rows) >= 5 and f"已保存访问记录 {len(rows)} 条" in err
    assert out.count("\n") == len(rows)
    assert all(datetime.fromisoformat(str(r["at"])).utcoffset().total_seconds() == 8 * 3600 for r in rows)


def test_transient_failures_are_failed_visits_told_apart_from_sustained_ones(
        flaky: Callable[..., FlakyServer], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blipping, down = flaky(blip=1.0, blip_kinds=("error500",)), flaky(error500=1.0)
    db = tmp_path / "m.db"
    code = main(["monitor", blipping.url("/"), down.url("/"), "--interval", str(INTERVAL), "--duration", "1.2",
                 "--timeout", str(PROBE_TIMEOUT), "--db", str(db), "--quiet"])
    assert code == 0
    rows = _rows(db)
    transient = [r for r in rows if r["url"] == blipping.url("/")]
    sustained = [r for r in rows if r["url"] == down.url("/")]
    assert len(transient) >= 3 and len(sustained) >= 3
    # Every visit failed by its own result; the stored re-probe tells an intermittent fault from an outage.
    assert all(not r["ok"] and r["status"] == 500 and r["confirmed_by"]["ok"] is True for r in transient)  # type: ignore[index]
    assert all(not r["ok"] and r["confirmed_by"]["ok"] is False for r in sustained)  # type: ignore[index]
    err = " ".join(capsys.readouterr().err.split())  # the console wraps long lines
    n, m = len(transient), len(sustained)
    assert f"访问 {n} 次，失败 {n} 次（100.0%），其中持续性 0 次、偶发 {n} 次" in err, err
    assert f"访问 {m} 次，失败 {m} 次（100.0%），其中持续性 {m} 次、偶发 0 次" in err, err
