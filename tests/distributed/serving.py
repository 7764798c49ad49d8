"""Processes of the distributed end-to-end tests: ``govwatch serve`` on a PostgreSQL store and
``govwatch worker``s started with the options a test needs (alerts on or off, a service config),
each with its log file, each stopped by its PID at the end of the test that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import text

from govwatch.store.db import Store

ROOT = Path(__file__).resolve().parents[2]


def env() -> dict[str, str]:
    """The environment of a ``govwatch`` subprocess: this checkout's sources, wide output."""
    return {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "400"}


class Processes:
    """``govwatch`` subprocesses of one test, by name; :meth:`stop_all` stops each by its PID."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        """``python -m govwatch *args`` named ``name`` (its output: ``<name>.log``)."""
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen([sys.executable, "-m", "govwatch", *args], env=env(), stdout=log,
                                stderr=subprocess.STDOUT)
        log.close()
        self.procs[name] = proc
        return proc

    def serve(self, name: str, db: str, config: Path, settings: Path, *, alerts: bool) -> subprocess.Popen[bytes]:
        """``govwatch serve`` without the web, alerts on or off."""
        return self.start(name, "serve", "--config", str(config), "--db", db, "--settings", str(settings), "--no-web",
                          *([] if alerts else ["--no-alerts"]))

    def worker(self, name: str, db: str, settings: Path, *, queues: str, config: Path | None = None,
               alerts: bool = True, stalled_after: float = 30) -> subprocess.Popen[bytes]:
        """``govwatch worker`` on ``queues`` (concurrency 1), with the service config if given."""
        return self.start(name, "worker", "--db", db, "--settings", str(settings), "--queues", queues,
                          "--concurrency", "1", "--name", name, "--stalled-after", str(stalled_after),
                          *(["--config", str(config)] if config is not None else []),
                          *([] if alerts else ["--no-alerts"]))

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def logs(self) -> str:
        return "\n".join(f"--- {n}\n{self.log(n)[-3000:]}" for n in self.procs)

    def alive(self) -> None:
        """Fail (with the logs) when a process ended that was not killed by the test."""
        dead = [n for n, p in self.procs.items() if p.poll() is not None and p.returncode != -signal.SIGKILL]
        assert not dead, f"{dead} ended:\n{self.logs()}"

    def kill(self, name: str) -> None:
        """SIGKILL: the process dies at once, without a word to the database."""
        proc = self.procs[name]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def stop(self, name: str) -> int:
        """SIGTERM, then its exit status."""
        proc = self.procs[name]
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
        return proc.wait(timeout=60)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()


def query(store: Store, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def queue_jobs(store: Store) -> list[tuple[int, str, str, str]]:
    """Every job of the queue: (id, queue, task, status), oldest first."""
    return [(int(i), str(q), str(t), str(s)) for i, q, t, s in query(
        store, "SELECT id, queue_name, task_name, CAST(status AS text) FROM procrastinate_jobs ORDER BY id")]


def empty_queue(store: Store) -> None:
    """No job nor probe target left by an earlier test of the module's database."""
    with store.engine.begin() as conn:
        conn.exec_driver_sql("TRUNCATE procrastinate_jobs, procrastinate_events CASCADE")
        conn.exec_driver_sql("DELETE FROM probe_schedule")
