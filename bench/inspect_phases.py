"""The inspecting process's memory and CPU step by step after the crawl (issue 22: where the peak is).

    .venv/bin/python bench/inspect_phases.py [--interval 0.02] [--checks] [--traced] -- inspect URL [INSPECT ARGS]

Runs ``govwatch`` with the arguments after ``--`` in this process (serve the site yourself: nginx as
``memory_peaks.py --site`` does, or any URL), with each post-crawl step marked: the crawl (until the
memory is released after it), the coverage, the checks, the document's sections read off the run's
rows (which are released after them), the scoring, storing the results, the inspection document,
the JSON file and the reports. A thread samples the resident set every ``--interval`` seconds;
each step prints its wall and CPU seconds, the resident set when it began and ended and the
largest sample while it ran. The crawl (with its extraction workers), the site measurements and
chromium are other processes (``crawl/process.py``; ``memory_peaks.py`` measures them): the crawl
step here is this process waiting for the crawl's, and the measurements run beside the checks.
``--checks`` also prints each check as it ends, indented under the checks step: its wall and CPU
seconds, the resident set before and after it and the largest sample while it ran. ``--traced``
runs ``tracemalloc`` (several times slower) and adds what Python held at each line's end and at
most while it ran ("traced"), which the resident set hides once freed memory stays mapped. Each line
also shows what SQLite's own allocator held at its end and at most while it ran (page caches, sorts:
memory tracemalloc does not see).
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STEPS = [("pipeline", "release_memory", "release"), ("pipeline", "record_coverage", "coverage"),
         ("pipeline", "run_checks", "checks"), ("pipeline", "run_sections", "document sections"),
         ("pipeline", "score_checked", "scoring"), ("pipeline", "replace_check_results", "store results"),
         ("pipeline", "assemble_inspection", "document"),
         ("commands.site_inspection", "write_json", "JSON file"),
         ("commands.site_inspection", "write_report_files", "reports")]  # where ``inspect`` calls them


@functools.cache
def _sqlite_library() -> Any:
    import _sqlite3
    library = ctypes.CDLL(_sqlite3.__file__)  # its sqlite3_* symbols are the loaded SQLite's
    for name in ("sqlite3_memory_used", "sqlite3_memory_highwater"):
        getattr(library, name).restype = ctypes.c_int64
    return library


def sqlite_memory() -> str:
    """What SQLite's allocator holds now and held at most since the last call (the mark reset)."""
    library = _sqlite_library()
    return (f"; SQLite {library.sqlite3_memory_used() / 2**20:5.1f} MB, "
            f"at most {library.sqlite3_memory_highwater(1) / 2**20:5.1f} MB")


def traced() -> str:
    """What Python holds now and held at most since the last call, when tracing; empty otherwise."""
    if not tracemalloc.is_tracing():
        return ""
    now, peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    return f"; traced {now / 2**20:6.1f} MB, at most {peak / 2**20:6.1f} MB"


def memory_line(at_start: float, now: float, largest: float) -> str:
    """The memory part of a line: the resident set, then Python's (when tracing) and SQLite's."""
    return f"RSS {at_start:6.1f} -> {now:6.1f} MB, largest {largest:6.1f} MB{traced()}{sqlite_memory()}"


def resident_mb() -> float:
    """This process's resident set (VmRSS) in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


class Steps:
    """The step running now and the largest resident set sampled in each (a sampler thread)."""

    def __init__(self, interval: float) -> None:
        self.current = "crawl"
        self.began = {"crawl": (time.perf_counter(), time.process_time(), resident_mb())}
        self.largest: dict[str, float] = {}
        self.interval = interval
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while True:
            step, rss = self.current, resident_mb()
            self.largest[step] = max(self.largest.get(step, 0.0), rss)
            time.sleep(self.interval)

    def enter(self, step: str) -> None:
        self.end()
        self.current = step
        self.began[step] = (time.perf_counter(), time.process_time(), resident_mb())
        self.largest[step] = self.began[step][2]

    def end(self) -> None:
        """Print the step that ran until now; what follows counts as ``(between)`` until the next step."""
        step = self.current
        wall, cpu, at_start = self.began[step]
        now = resident_mb()
        largest = max(self.largest.get(step, now), now)
        if step != "(between)" or time.perf_counter() - wall >= 0.05 or abs(now - at_start) >= 1:
            print(f"{step:<14} wall {time.perf_counter() - wall:6.2f} s  CPU {time.process_time() - cpu:6.2f} s  "
                  f"{memory_line(at_start, now, largest)}", file=sys.stderr, flush=True)
        self.current = "(between)"
        self.began["(between)"] = (time.perf_counter(), time.process_time(), now)
        self.largest["(between)"] = now


def marked(steps: Steps, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` run as the step ``name``: the first release of memory ends the crawl (it is part of it)."""
    def run(*args: Any, **kwargs: Any) -> Any:
        if steps.current != "crawl":
            steps.enter(name)
        try:
            return fn(*args, **kwargs)
        finally:
            steps.end()
    return run


def per_check(steps: Steps, run_one: Callable[..., Any]) -> Callable[..., Any]:
    """``checks._run_one`` printing each check's line (its samples count for the checks step too)."""
    def run(registered: Any, *args: Any, **kwargs: Any) -> Any:
        outer, key = steps.current, f"  {registered.name}"
        wall, cpu, at_start = time.perf_counter(), time.process_time(), resident_mb()
        steps.largest[key] = at_start
        steps.current = key
        if tracemalloc.is_tracing():  # the check's own peaks (the checks step's line then shows the last part only)
            tracemalloc.reset_peak()
        sqlite_memory()
        try:
            return run_one(registered, *args, **kwargs)
        finally:
            now = resident_mb()
            largest = max(steps.largest[key], now)
            steps.largest[outer] = max(steps.largest.get(outer, 0.0), largest)
            steps.current = outer
            print(f"  {registered.name:<28} wall {time.perf_counter() - wall:6.2f} s  CPU {time.process_time() - cpu:6.2f} s"
                  f"  {memory_line(at_start, now, largest)}", file=sys.stderr, flush=True)
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--interval", type=float, default=0.02, help="seconds between samples of the resident set")
    parser.add_argument("--checks", action="store_true", help="also print each check's line")
    parser.add_argument("--traced", action="store_true", help="trace Python's allocations (tracemalloc)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then govwatch's arguments (inspect URL ...)")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give govwatch's arguments after --, e.g. -- inspect http://127.0.0.1:8080/ --offline")
    sys.path.insert(0, str(ROOT / "src"))
    import importlib

    from govwatch.commands.main import main as govwatch

    if args.traced:
        tracemalloc.start()
    steps = Steps(args.interval)
    for module_name, function, step in STEPS:
        module = importlib.import_module(f"govwatch.{module_name}")
        setattr(module, function, marked(steps, step, getattr(module, function)))
    if args.checks:
        checks = importlib.import_module("govwatch.checks")
        checks._run_one = per_check(steps, checks._run_one)  # type: ignore[attr-defined]
    code = govwatch(command)
    steps.end()
    print(f"exit {code}; largest resident set of this process: "
          f"{max(steps.largest.values(), default=0.0):.1f} MB", file=sys.stderr)
    return int(code or 0)


if __name__ == "__main__":  # spawned extraction workers import this module: they must not run it
    raise SystemExit(main())
