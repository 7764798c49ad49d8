"""``govwatch serve`` as a subprocess (SIGTERM, bad config), ``govwatch runs`` (table and JSON, with
the right kinds), ``monitor --all`` over the registry, and ``diff`` / ``bulletin`` on complete full runs."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from govwatch.commands.main import main
from govwatch.pipeline import inspect_site
from govwatch.service.patrol import patrol_site
from govwatch.store.db import Store
from govwatch.store.schedule_rows import job_states
from tests.conftest import AS_OF, sim_settings
from tests.registry.registry_helpers import _row, write_csv
from tests.service.conftest import family_site, write_settings

START_LIMIT = 60.0  # generous bound for the service to store its first probes


def probe_count(db: Path) -> int:
    """Probe rows in the store (read with sqlite3: a running service may still be creating the tables)."""
    if not db.exists():
        return 0
    try:
        with closing(sqlite3.connect(db)) as conn:
            return int(conn.execute("SELECT count(*) FROM probes").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def serve(tmp_path: Path, config_text: str, *extra: str, alerts: bool = False) -> subprocess.Popen[str]:
    """``govwatch serve`` with this config in a subprocess (the alert side off unless ``alerts``; the
    web dashboard off unless ``extra`` gives a ``--port``: tests never share port 8000)."""
    config = tmp_path / "service.yaml"
    config.write_text(config_text, encoding="utf-8")
    return subprocess.Popen([sys.executable, "-m", "govwatch", "serve", "--config", str(config), "--db",
                             str(tmp_path / "g.db"), "--settings", str(write_settings(tmp_path)),
                             *([] if alerts else ["--no-alerts"]), *([] if "--port" in extra else ["--no-web"]),
                             *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "COLUMNS": "200"})


def test_serve_stops_cleanly_on_sigterm_with_its_probes_stored(small_sim: Any, tmp_path: Path) -> None:
    url = family_site(small_sim)
    proc = serve(tmp_path, f"use_registry: false\nsites:\n  - url: {url}\n    probe_interval: 1s\n"
                           "schedule: {patrol: 'off', full_scan: 'off'}\n")
    try:
        deadline = time.monotonic() + START_LIMIT
        while probe_count(tmp_path / "g.db") < 2 and time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err  # SIGTERM: a service stopping normally
    assert "stopped by SIGTERM" in err
    assert probe_count(tmp_path / "g.db") >= 2
    store = Store(f"sqlite:///{tmp_path / 'g.db'}")
    assert f"probe:{url}" in job_states(store, ["probe"])
    store.close()


def test_serve_duration_and_config_warnings(small_sim: Any, tmp_path: Path) -> None:
    url = family_site(small_sim)
    proc = serve(tmp_path, f"use_registry: false\nsites:\n  - url: {url}\nschedule: {{probe_interval: 2h, "
                           "patrol: 'off', full_scan: 'off'}\n", "--duration", "1")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "schedule.probe_interval: 2h gives 12 visits a day" in err  # config_warnings, logged at start


@pytest.mark.parametrize(("text", "key"), [
    ("schedule: {probe_interval: 10x}\n", "schedule.probe_interval"),
    ("sites:\n  - url: ftp://example.gov.cn/\n", "sites[0].url"),
    ("bogus: 1\n", "bogus"),
])
def test_serve_bad_config_exits_2_naming_the_key(tmp_path: Path, text: str, key: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "service.yaml"
    config.write_text(text, encoding="utf-8")
    assert main(["serve", "--config", str(config), "--db", str(tmp_path / "g.db")]) == 2
    assert key in capsys.readouterr().err


def stored_runs(small_sim: Any, db: Path) -> dict[str, int]:
    """A manual inspection, then a scan, then a patrol of one site, and a few probes: their run ids."""
    url = family_site(small_sim)
    store = Store(f"sqlite:///{db}")
    settings = sim_settings(store.url)
    manual = inspect_site(url, settings, store, as_of=AS_OF).run_id
    scan = inspect_site(url, settings, store, as_of=AS_OF, kind="scan").run_id
    patrol = asyncio.run(patrol_site(url, settings, store, AS_OF, max_pages=20)).run_id
    store.close()
    assert main(["probe", url, "--count", "2", "--db", str(db), "--quiet"]) == 0
    return {"manual": manual, "scan": scan, "patrol": patrol}


@pytest.fixture(scope="module")
def three_runs(small_sim: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    db = tmp_path_factory.mktemp("runs") / "g.db"
    return db, stored_runs(small_sim, db)


def test_runs_lists_manual_scan_patrol_and_probe_kinds(three_runs: tuple[Path, dict[str, int]], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    db, ids = three_runs
    out = tmp_path / "runs.json"
    assert main(["runs", "--db", str(db), "--json", str(out)]) == 0
    rows = json.loads(out.read_text(encoding="utf-8"))["runs"]
    by_id = {r["id"]: r for r in rows if r["id"] is not None}
    assert {k: by_id[v]["kind"] for k, v in ids.items()} == {"manual": "manual", "scan": "scan", "patrol": "patrol"}
    assert by_id[ids["scan"]]["complete"] is True and by_id[ids["scan"]]["pages"] > 0
    assert by_id[ids["patrol"]]["complete"] is False and by_id[ids["patrol"]]["verdict"] is None
    assert by_id[ids["patrol"]]["score"] is None
    probes = [r for r in rows if r["kind"] == "probe"]
    assert len(probes) == 1 and probes[0]["pages"] == 2  # the two visits, summed for their day
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["id", "site", "kind"]
    patrol_line = next(line for line in table if line.startswith(f"{ids['patrol']} "))
    assert " patrol " in patrol_line and "巡查" in patrol_line and "合格" not in patrol_line

    assert main(["runs", "--db", str(db), "--kind", "patrol", "--json", str(out)]) == 0
    assert [r["id"] for r in json.loads(out.read_text(encoding="utf-8"))["runs"]] == [ids["patrol"]]
    assert main(["runs", "--db", str(db), "--kind", "manual", "--json", str(out)]) == 0
    assert [r["id"] for r in json.loads(out.read_text(encoding="utf-8"))["runs"]] == [ids["manual"]]


def test_diff_and_bulletin_use_complete_full_runs(three_runs: tuple[Path, dict[str, int]], tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    db, ids = three_runs
    assert main(["diff", str(ids["scan"]), str(ids["patrol"]), "--db", str(db)]) == 2
    assert f"运行 {ids['patrol']} 是日常巡查" in " ".join(capsys.readouterr().err.split())
    assert main(["diff", str(ids["scan"]), str(ids["patrol"]), "--db", str(db), "--any-run"]) == 0
    assert main(["diff", str(ids["manual"]), str(ids["scan"]), "--db", str(db)]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert f"比较 运行 {ids['manual']}（命令行检查" in err and f"与 运行 {ids['scan']}（定期检查" in err

    # The patrol is the newest completed run; the bulletin takes the newest complete full run, the scan.
    assert main(["bulletin", "--db", str(db), "--out", str(tmp_path / "b"), "--period", "2026年第四季度",
                 "--deadline", "2027-01-15"]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert f"使用 运行 {ids['scan']}（定期检查" in err and f"运行 {ids['patrol']}" not in err
    assert (tmp_path / "b" / "通报.docx").exists()


def test_monitor_all_probes_the_registered_sites(small_sim: Any, tmp_path: Path) -> None:
    url = family_site(small_sim)
    db = tmp_path / "g.db"
    registry = write_csv(tmp_path / "r.csv", [_row("青山县人民政府", url, "4501210001", "本级门户", "县级", "450121",
                                                   "青山县", "")])
    assert main(["sites", "import", str(registry), "--db", str(db)]) == 0
    assert main(["monitor", "--all", "--interval", "0.5", "--duration", "1.6", "--db", str(db), "--quiet"]) == 0
    assert probe_count(db) >= 2
    assert main(["monitor", "--org", "450121", "--interval", "0.5", "--duration", "1.1", "--db", str(db),
                 "--quiet"]) == 0
    assert main(["monitor", "--org", "999999", "--duration", "1", "--db", str(db)]) == 2  # unknown org
    assert main(["monitor", "--all", url, "--db", str(db)]) == 2  # registry and URLs: one or the other


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_pushes_one_down_message_for_a_site_that_does_not_answer(tmp_path: Path) -> None:
    """The whole loop with the alert side on: probes → observer → outbox → sender → a fake DingTalk
    robot that checks the signature. A site nobody listens on is down after two failed visits."""
    from govwatch.sim.robots import RobotServer

    down = f"http://127.0.0.1:{free_port()}/"
    with RobotServer("dingtalk", secret="SECtest").running() as robot:
        proc = serve(tmp_path, f"use_registry: false\n"
                               f"sites:\n  - {{url: '{down}', name: 测试县人民政府网站, probe_interval: 0.5s}}\n"
                               "schedule: {patrol: 'off', full_scan: 'off'}\n"
                               f"channels:\n  - {{name: ding, type: dingtalk, url: '{robot.url}', secret: SECtest}}\n"
                               "alerts:\n  - {events: [site_down], channels: [ding]}\n", alerts=True)
        try:
            deadline = time.monotonic() + START_LIMIT
            while not robot.messages and time.monotonic() < deadline:
                assert proc.poll() is None, proc.communicate()
                time.sleep(0.3)
            time.sleep(2.0)  # more failed visits: the target stays down, no second message
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, err
    assert len(robot.messages) == 1, robot.messages
    text = json.dumps(robot.messages[0]["payload"], ensure_ascii=False)
    assert "测试县人民政府网站" in text and "无法访问" in text
