"""``govwatch worker``'s refusals: a clear Chinese message and exit 2, never a traceback, and no
store file made on the way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.distributed.serving import env


def worker(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "govwatch", "worker", *args], env=env(), capture_output=True,
                          text=True, timeout=60)


def test_a_sqlite_store_is_refused(tmp_path: Path) -> None:
    done = worker("--db", str(tmp_path / "local.db"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "任务队列需要 PostgreSQL 存储" in done.stderr and "govwatch serve" in done.stderr
    assert not (tmp_path / "local.db").exists()


def test_bad_flags_are_refused(tmp_path: Path) -> None:
    db = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # never reached: the flags are checked first
    for args, message in ((["--queues", "scan,mail"], "未知的队列：mail"), (["--queues", ","], "未知的队列：（空）"),
                          (["--concurrency", "0"], "--concurrency 须至少为 1"),
                          (["--stalled-after", "0"], "--stalled-after 须大于 0")):
        done = worker("--db", db, *args)
        assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr, (args, done.stderr)
    missing = worker("--db", db, "--config", str(tmp_path / "none.yaml"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
