"""Bad input on the command line: precise messages, the documented exit codes, no tracebacks."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from govwatch.commands.main import main


def _refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed on exit: nothing listens there


@pytest.mark.parametrize("url", ["not a url", "ftp://example.gov.cn/", "http://", "javascript:alert(1)"])
def test_malformed_url_is_a_usage_error(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["inspect", url, "--db", str(tmp_path / "x.db")])
    err = capsys.readouterr().err
    assert code == 2
    assert "not a usable http(s) URL" in err and "Traceback" not in err


def test_bad_config_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text("crawl:\n  speed: 3\n", encoding="utf-8")
    code = main(["inspect", "http://127.0.0.1:9/", "--config", str(cfg), "--db", str(tmp_path / "x.db")])
    assert code == 2
    assert "unknown key crawl.speed" in capsys.readouterr().err


def test_bad_as_of_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["inspect", "http://127.0.0.1:9/", "--as-of", "yesterday", "--db", str(tmp_path / "x.db")])
    assert code == 2
    assert "--as-of must be a date" in capsys.readouterr().err


def test_unreachable_site_completes_with_a_recorded_failure(tmp_path: Path) -> None:
    port = _refused_port()
    out = tmp_path / "doc.json"
    code = main(["inspect", f"http://127.0.0.1:{port}/", "--db", str(tmp_path / "x.db"), "--json", str(out),
                 "--timeout", "2", "--as-of", "2026-11-22"])
    assert code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["pages"] == {"crawled": 1, "failed": 1}
    assert doc["crawl"]["errors"] == 1


def test_entry_point_help_lists_the_public_commands() -> None:
    out = subprocess.run([sys.executable, "-m", "govwatch", "--help"], capture_output=True, text=True, check=True)
    for command in ("inspect", "extract", "demo", "sim"):
        assert command in out.stdout
