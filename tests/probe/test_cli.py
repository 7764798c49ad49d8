"""``govwatch probe`` on the command line: exit codes, messages, stored rows, the JSON document."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import select

from govwatch.commands.main import main
from govwatch.crawl.availability.document import probe_schema
from govwatch.sim.flaky import FlakyServer
from govwatch.store import tables as t
from govwatch.store.db import Store


def _refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rows(db: Path) -> list[dict[str, object]]:
    store = Store(str(db))
    try:
        with store.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(t.probes).order_by(t.probes.c.id)).mappings()]
    finally:
        store.close()


@pytest.mark.parametrize("argv, message", [
    (["probe", "not a url"], "not a usable http(s) URL"),
    (["probe", "ftp://example.gov.cn/"], "not a usable http(s) URL"),
    (["probe", "http://127.0.0.1:9/", "--count", "0"], "--count 须不小于 1"),
    (["probe", "http://127.0.0.1:9/", "--interval", "-1"], "--interval 须不小于 0"),
    (["probe", "http://127.0.0.1:9/", "--timeout", "0"], "--timeout 须大于 0"),
    (["probe", "http://127.0.0.1:9/", "--site", "javascript:x"], "not a usable http(s) URL"),
    (["monitor"], "请至少给出一个要监测的网站首页网址"),
    (["monitor", "http://127.0.0.1:9/", "--interval", "0"], "--interval 须大于 0"),
])
def test_usage_errors_exit_2_with_a_message(argv: list[str], message: str, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code = main([*argv, "--db", str(tmp_path / "x.db")])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err


def test_unknown_config_key_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("probe:\n  speed: 3\n", encoding="utf-8")
    code = main(["probe", "http://127.0.0.1:9/", "--config", str(cfg), "--db", str(tmp_path / "x.db")])
    assert code == 2
    assert "unknown key probe.speed" in capsys.readouterr().err


def test_bad_number_is_a_usage_error(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "govwatch", "probe", "http://127.0.0.1:9/", "--count", "many"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 2 and "invalid int value" in out.stderr and "Traceback" not in out.stderr


def test_unreachable_port_completes_with_a_failed_visit(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_refused_port()}/"
    db, out = tmp_path / "p.db", tmp_path / "probe.json"
    code = main(["probe", url, "--db", str(db), "--json", str(out), "--timeout", "2"])
    assert code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(probe_schema()).validate(doc)
    assert doc["count"] == 1 and doc["failed"] == 1 and doc["failure_ratio"] == 1.0 and doc["timeout_s"] == 2
    visit = doc["probes"][0]
    assert visit["ok"] is False and visit["error"] == "connect" and visit["confirmed_by"]["error"] == "connect"
    rows = _rows(db)
    assert len(rows) == 1 and rows[0]["ok"] is False and rows[0]["target_kind"] == "homepage"
    assert rows[0]["url"] == url and rows[0]["timeout_s"] == 2 and rows[0]["confirmed_by"]["ok"] is False


def test_series_to_stdout_and_the_store(flaky: Callable[..., FlakyServer], tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    server = flaky(error500=0.25, seed=3)
    db = tmp_path / "p.db"
    code = main(["probe", server.url("/", host="localhost"), "--count", "12", "--json", "-", "--db", str(db),
                 "--timeout", "2"])
    captured = capsys.readouterr()
    assert code == 0
    doc = json.loads(captured.out)
    jsonschema.Draft202012Validator(probe_schema()).validate(doc)
    truth = server.truth()
    assert doc["count"] == 12 == truth["visits"] and doc["failed"] == truth["outages"] > 0
    assert doc["failure_ratio"] == pytest.approx(truth["outages"] / 12, abs=1e-6)
    assert "12 visits" in captured.err and "#12" in captured.err
    rows = _rows(db)
    assert len(rows) == 12 and sum(1 for r in rows if not r["ok"]) == truth["outages"]
    assert {r["site_id"] for r in rows} == {doc["target"]["site_id"]}


def test_probe_of_a_system_is_stored_as_the_sites_system(flaky: Callable[..., FlakyServer], tmp_path: Path) -> None:
    server = flaky()
    home, system = server.url("/"), server.url("/wsbs/")
    config = tmp_path / "site.yaml"
    config.write_text(f"systems:\n  - {{name: 网上办事大厅, url: '{system}'}}\n", encoding="utf-8")
    db = tmp_path / "p.db"
    assert main(["probe", system, "--site", home, "--site-config", str(config), "--db", str(db), "--quiet"]) == 0
    assert main(["probe", server.url("/zdxm/"), "--site", home, "--db", str(db), "--quiet"]) == 0
    assert main(["probe", home, "--db", str(db), "--quiet"]) == 0
    rows = _rows(db)
    assert [(r["target_kind"], r["url"]) for r in rows] == [("system", system), ("column", server.url("/zdxm/")),
                                                            ("homepage", home)]
    assert len({r["site_id"] for r in rows}) == 1


def test_ctrl_c_keeps_the_visits_so_far(flaky: Callable[..., FlakyServer], tmp_path: Path) -> None:
    server = flaky()
    db, out = tmp_path / "p.db", tmp_path / "probe.json"
    proc = subprocess.Popen([sys.executable, "-m", "govwatch", "probe", server.url("/"), "--count", "10000",
                             "--interval", "0.05", "--json", str(out), "--db", str(db), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        deadline = time.monotonic() + 30
        while server.truth()["visits"] < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["interrupted"] is True and 5 <= doc["count"] < 10000 and doc["failed"] == 0
    assert len(_rows(db)) == doc["count"]
    assert "（已中断：完成" in err and "Traceback" not in err
